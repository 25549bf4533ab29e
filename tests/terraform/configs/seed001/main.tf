# Seed 001: two Elastic IPs on one instance. One subnet behind an internet gateway (the default
# route added to the VPC's main route table), an ENI with a secondary private IP and an EIP for
# each private IP, launched as the instance's device 0.

resource "aws_vpc" "main" {
  cidr_block           = "192.168.1.0/24"
  enable_dns_hostnames = true
  tags                 = { Name = "seed001" }
}

resource "aws_subnet" "main" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "192.168.1.0/24"
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "default" {
  route_table_id         = aws_vpc.main.main_route_table_id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.gw.id
}

resource "aws_security_group" "mail" {
  name        = "ssh-smtp-http"
  description = "tcp 22, 25 and 80 from anywhere"
  vpc_id      = aws_vpc.main.id
}

resource "aws_vpc_security_group_ingress_rule" "open" {
  for_each          = toset(["22", "25", "80"])
  security_group_id = aws_security_group.mail.id
  ip_protocol       = "tcp"
  from_port         = tonumber(each.key)
  to_port           = tonumber(each.key)
  cidr_ipv4         = "0.0.0.0/0"
  tags              = { Port = each.key }
}

resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.mail.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_network_interface" "eth0" {
  subnet_id       = aws_subnet.main.id
  private_ips     = ["192.168.1.100", "192.168.1.101"]
  security_groups = [aws_security_group.mail.id]
}

resource "aws_eip" "ip" {
  for_each = toset(["192.168.1.100", "192.168.1.101"])
  domain   = "vpc"
  tags     = { PrivateIp = each.key }
}

resource "aws_eip_association" "ip" {
  for_each             = aws_eip.ip
  allocation_id        = each.value.id
  network_interface_id = aws_network_interface.eth0.id
  private_ip_address   = each.key
  depends_on           = [aws_internet_gateway.gw]
}

data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "name"
    values = ["al2023-ami-2023.*-x86_64"]
  }
  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

resource "aws_instance" "mail" {
  ami           = data.aws_ami.al2023.id
  instance_type = "m5.large"
  network_interface {
    network_interface_id = aws_network_interface.eth0.id
    device_index         = 0
  }
  tags = { Name = "seed001" }
}
