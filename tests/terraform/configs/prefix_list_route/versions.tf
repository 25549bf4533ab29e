terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

# Credentials and endpoints come from the environment (AWS_ENDPOINT_URL_EC2/_STS).
provider "aws" {
  region = "ap-northeast-1"
}
