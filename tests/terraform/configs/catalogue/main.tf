# The VPC resources the seeds do not use: a secondary CIDR block, an internet gateway attached
# with its own resource, a custom main route table, the default route table, security group and
# network ACL taken over, a network ACL with rules and an association, and a security group
# attached to an existing ENI.

resource "aws_vpc" "a" {
  cidr_block = "10.20.0.0/16"
  tags       = { Name = "catalogue-a" }
}

resource "aws_vpc_ipv4_cidr_block_association" "extra" {
  vpc_id     = aws_vpc.a.id
  cidr_block = "10.21.0.0/16"
}

resource "aws_subnet" "extra" {
  vpc_id     = aws_vpc_ipv4_cidr_block_association.extra.vpc_id
  cidr_block = "10.21.1.0/24"
}

resource "aws_subnet" "main" {
  vpc_id     = aws_vpc.a.id
  cidr_block = "10.20.1.0/24"
}

resource "aws_internet_gateway" "detached" {
  tags = { Name = "catalogue" }
}

resource "aws_internet_gateway_attachment" "a" {
  internet_gateway_id = aws_internet_gateway.detached.id
  vpc_id              = aws_vpc.a.id
}

resource "aws_default_route_table" "a" {
  default_route_table_id = aws_vpc.a.default_route_table_id
  tags                   = { Name = "catalogue-a-main" }
}

resource "aws_default_security_group" "a" {
  vpc_id = aws_vpc.a.id
  ingress {
    protocol  = "-1"
    self      = true
    from_port = 0
    to_port   = 0
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_default_network_acl" "a" {
  default_network_acl_id = aws_vpc.a.default_network_acl_id
  subnet_ids             = [aws_subnet.extra.id]
  ingress {
    protocol   = -1
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
  egress {
    protocol   = -1
    rule_no    = 100
    action     = "allow"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
}

resource "aws_network_acl" "strict" {
  vpc_id = aws_vpc.a.id
  tags   = { Name = "strict" }
}

resource "aws_network_acl_rule" "https_in" {
  network_acl_id = aws_network_acl.strict.id
  rule_number    = 100
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 443
  to_port        = 443
}

resource "aws_network_acl_rule" "ephemeral_out" {
  network_acl_id = aws_network_acl.strict.id
  rule_number    = 200
  egress         = true
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 1024
  to_port        = 65535
}

resource "aws_network_acl_rule" "deny_telnet" {
  network_acl_id = aws_network_acl.strict.id
  rule_number    = 50
  egress         = false
  protocol       = "6"
  rule_action    = "deny"
  cidr_block     = "10.0.0.0/8"
  from_port      = 23
  to_port        = 23
}

resource "aws_network_acl_association" "main" {
  network_acl_id = aws_network_acl.strict.id
  subnet_id      = aws_subnet.main.id
}

resource "aws_security_group" "extra" {
  name        = "extra"
  description = "added to an existing ENI"
  vpc_id      = aws_vpc.a.id
}

resource "aws_network_interface" "plain" {
  subnet_id = aws_subnet.main.id
}

resource "aws_network_interface_sg_attachment" "extra" {
  security_group_id    = aws_security_group.extra.id
  network_interface_id = aws_network_interface.plain.id
}

# A second VPC whose main route table is replaced by a custom one.
resource "aws_vpc" "b" {
  cidr_block = "10.30.0.0/16"
  tags       = { Name = "catalogue-b" }
}

resource "aws_route_table" "b_main" {
  vpc_id = aws_vpc.b.id
  tags   = { Name = "catalogue-b-main" }
}

resource "aws_main_route_table_association" "b" {
  vpc_id         = aws_vpc.b.id
  route_table_id = aws_route_table.b_main.id
}
