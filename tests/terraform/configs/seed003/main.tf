# Seed 003: an Amazon Linux instance at 10.0.1.4 with an Elastic IP, and a second ENI at
# 10.0.2.4 in another subnet attached to it. Subnets 1 and 2 share one route table to the
# internet gateway; the security group allows ssh and ICMP echo from anywhere.

data "aws_availability_zones" "zones" {}

data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]
  filter {
    name   = "name"
    values = ["al2023-ami-2023.*-x86_64"]
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags       = { Name = "seed003" }
}

resource "aws_subnet" "s" {
  for_each          = { "1" = "10.0.1.0/24", "2" = "10.0.2.0/24", "3" = "10.0.254.0/24" }
  vpc_id            = aws_vpc.main.id
  cidr_block        = each.value
  availability_zone = data.aws_availability_zones.zones.names[0]
  tags              = { Name = "subnet${each.key}" }
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table" "shared" {
  vpc_id = aws_vpc.main.id
  tags   = { Name = "subnet1+2" }
}

resource "aws_route" "internet" {
  route_table_id         = aws_route_table.shared.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.gw.id
}

resource "aws_route_table_association" "s" {
  for_each       = toset(["1", "2"])
  subnet_id      = aws_subnet.s[each.key].id
  route_table_id = aws_route_table.shared.id
}

resource "aws_security_group" "host" {
  name        = "ssh-icmp"
  description = "ssh and ping"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group_rule" "ssh" {
  type              = "ingress"
  security_group_id = aws_security_group.host.id
  protocol          = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_blocks       = ["0.0.0.0/0"]
}

resource "aws_security_group_rule" "echo" {
  type              = "ingress"
  security_group_id = aws_security_group.host.id
  protocol          = "icmp"
  from_port         = 8
  to_port           = 0
  cidr_blocks       = ["0.0.0.0/0"]
}

resource "aws_security_group_rule" "out" {
  type              = "egress"
  security_group_id = aws_security_group.host.id
  protocol          = "-1"
  from_port         = 0
  to_port           = 0
  cidr_blocks       = ["0.0.0.0/0"]
}

resource "aws_instance" "host" {
  ami                    = data.aws_ami.al2023.id
  instance_type          = "t3.small"
  subnet_id              = aws_subnet.s["1"].id
  private_ip             = "10.0.1.4"
  vpc_security_group_ids = [aws_security_group.host.id]
  tags                   = { Name = "seed003" }
}

# On the primary ENI rather than `instance`: with two cards attached EC2 needs the interface.
resource "aws_eip" "host" {
  domain            = "vpc"
  network_interface = aws_instance.host.primary_network_interface_id
  depends_on        = [aws_internet_gateway.gw]
}

resource "aws_network_interface" "second" {
  subnet_id       = aws_subnet.s["2"].id
  private_ips     = ["10.0.2.4"]
  security_groups = [aws_security_group.host.id]
}

resource "aws_network_interface_attachment" "second" {
  instance_id          = aws_instance.host.id
  network_interface_id = aws_network_interface.second.id
  device_index         = 1
}
