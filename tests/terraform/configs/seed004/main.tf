# Seed 004: cheap high availability. A secondary ENI (with a secondary private IP and an Elastic
# IP) serves from the active instance; moving it to the standby is one variable: the step file
# steps/1.tfvars sets active = "standby" and the same apply moves the ENI, its addresses and MAC.
# The appliance instance shows the launch-time options of aws_instance.

variable "active" {
  type    = string
  default = "primary"
}

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
  cidr_block = "172.31.0.0/16"
  tags       = { Name = "seed004" }
}

resource "aws_subnet" "app" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "172.31.1.0/24"
  availability_zone = data.aws_availability_zones.zones.names[1]
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_default_route_table" "main" {
  default_route_table_id = aws_vpc.main.default_route_table_id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }
  tags = { Name = "seed004-main" }
}

resource "aws_security_group" "app" {
  name        = "app"
  description = "http"
  vpc_id      = aws_vpc.main.id
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "node" {
  for_each               = toset(["primary", "standby"])
  ami                    = data.aws_ami.al2023.id
  instance_type          = "m5.large"
  subnet_id              = aws_subnet.app.id
  vpc_security_group_ids = [aws_security_group.app.id]
  tags                   = { Name = each.key }
}

resource "aws_network_interface" "service" {
  subnet_id         = aws_subnet.app.id
  private_ips       = ["172.31.1.50", "172.31.1.51"]
  security_groups   = [aws_security_group.app.id]
  source_dest_check = true
  description       = "moves to the standby"
}

resource "aws_eip" "service" {
  domain                    = "vpc"
  network_interface         = aws_network_interface.service.id
  associate_with_private_ip = "172.31.1.50"
  depends_on                = [aws_internet_gateway.gw]
}

resource "aws_network_interface_attachment" "service" {
  instance_id          = aws_instance.node[var.active].id
  network_interface_id = aws_network_interface.service.id
  device_index         = 1
}

# A NAT-style appliance: fixed primary address, two secondary addresses, no source/dest check.
resource "aws_instance" "appliance" {
  ami                    = data.aws_ami.al2023.id
  instance_type          = "c5.xlarge"
  subnet_id              = aws_subnet.app.id
  private_ip             = "172.31.1.10"
  secondary_private_ips  = ["172.31.1.11", "172.31.1.12"]
  source_dest_check      = false
  vpc_security_group_ids = [aws_security_group.app.id]
  tags                   = { Name = "appliance" }
}
