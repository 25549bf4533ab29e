terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

# Credentials and endpoints come from the environment (AWS_ENDPOINT_URL_EC2/_STS).
provider "aws" {
  region = "ap-northeast-1"
}

# The accepter: another account of the same localvpc, in another region. A 12-digit access key
# is the account ID; any secret works.
provider "aws" {
  alias      = "peer"
  region     = "eu-west-1"
  access_key = "210987654321"
  secret_key = "localvpc"
}
