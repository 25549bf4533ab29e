# Seed 000: a VPC with a public and a private subnet; an ENI at 10.0.0.12 in the public subnet
# with an Elastic IP, attached as the second card of an instance launched in the private subnet
# at 10.0.1.12.

data "aws_availability_zones" "available" {
  state = "available"
}

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
  tags       = { Name = "seed000" }
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.0.0.0/24"
  availability_zone       = data.aws_availability_zones.available.names[0]
  map_public_ip_on_launch = true
  tags                    = { Name = "public" }
}

resource "aws_subnet" "private" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = data.aws_availability_zones.available.names[0]
  tags              = { Name = "private" }
}

resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "ssh" {
  name        = "ssh"
  description = "ssh from anywhere"
  vpc_id      = aws_vpc.main.id
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_key_pair" "me" {
  key_name   = "seed000"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJjH5vBZ1OANajEuY4S+mjJTUntaDRcCQehNc3FDYpRt terraform-test"
}

resource "aws_network_interface" "public" {
  subnet_id       = aws_subnet.public.id
  private_ips     = ["10.0.0.12"]
  security_groups = [aws_security_group.ssh.id]
  tags            = { Name = "eth1" }
}

resource "aws_eip" "public" {
  domain            = "vpc"
  network_interface = aws_network_interface.public.id
  depends_on        = [aws_internet_gateway.gw]
}

resource "aws_instance" "server" {
  ami                    = data.aws_ami.al2023.id
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.private.id
  private_ip             = "10.0.1.12"
  vpc_security_group_ids = [aws_security_group.ssh.id]
  key_name               = aws_key_pair.me.key_name
  tags                   = { Name = "seed000" }
  # A bigger gp3 root volume than the image's 8 GiB, tagged.
  root_block_device {
    volume_size = 12
    volume_type = "gp3"
    tags        = { Name = "seed000-root" }
  }
}

# The second card, attached after launch.
resource "aws_network_interface_attachment" "eth1" {
  instance_id          = aws_instance.server.id
  network_interface_id = aws_network_interface.public.id
  device_index         = 1
}
