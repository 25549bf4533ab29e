# Seed 002: a dual-homed instance. Its primary ENI is in one VPC, a secondary ENI from another
# VPC in the same availability zone is attached with the ENI's own attachment block. The data
# sources then find what was built, as another configuration would.

data "aws_availability_zones" "zones" {}

data "aws_ami" "ubuntu" {
  most_recent = true
  owners      = ["099720109477"]
  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd*/ubuntu-*-amd64-server-*"]
  }
}

resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "seed002-a" }
}

resource "aws_vpc" "b" {
  cidr_block = "10.1.0.0/16"
  tags       = { Name = "seed002-b" }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.a.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = data.aws_availability_zones.zones.names[0]
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.b.id
  cidr_block        = "10.1.1.0/24"
  availability_zone = data.aws_availability_zones.zones.names[0]
}

resource "aws_security_group" "b" {
  name_prefix = "seed002-"
  description = "the other VPC side"
  vpc_id      = aws_vpc.b.id
  tags        = { Name = "seed002-b" }
}

resource "aws_instance" "dual" {
  ami           = data.aws_ami.ubuntu.id
  instance_type = "c5.large"
  subnet_id     = aws_subnet.a.id
  tags          = { Name = "seed002" }
}

resource "aws_network_interface" "other_vpc" {
  subnet_id       = aws_subnet.b.id
  security_groups = [aws_security_group.b.id]
  description     = "from VPC b"
  attachment {
    instance     = aws_instance.dual.id
    device_index = 1
  }
}

data "aws_caller_identity" "me" {}
data "aws_region" "here" {}

data "aws_vpc" "b" {
  cidr_block = "10.1.0.0/16"
  depends_on = [aws_vpc.b]
}

data "aws_subnets" "b" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.b.id]
  }
  depends_on = [aws_subnet.b]
}

data "aws_instance" "dual" {
  instance_id = aws_instance.dual.id
  depends_on  = [aws_network_interface.other_vpc]
}

data "aws_network_interface" "other_vpc" {
  id = aws_network_interface.other_vpc.id
}

data "aws_network_interfaces" "attached" {
  filter {
    name   = "attachment.instance-id"
    values = [aws_instance.dual.id]
  }
  depends_on = [aws_network_interface.other_vpc]
}

data "aws_security_group" "b" {
  vpc_id = aws_vpc.b.id
  name   = aws_security_group.b.name
}

output "checks" {
  value = {
    account        = data.aws_caller_identity.me.account_id
    region         = data.aws_region.here.name
    vpc_b          = data.aws_vpc.b.id == aws_vpc.b.id
    subnets_b      = data.aws_subnets.b.ids
    eni_vpc        = data.aws_network_interface.other_vpc.vpc_id
    eni_attached   = data.aws_network_interface.other_vpc.attachment[0].instance_id
    instance_enis  = length(data.aws_network_interfaces.attached.ids)
    instance_state = data.aws_instance.dual.instance_state
    group          = data.aws_security_group.b.id == aws_security_group.b.id
  }
}
