# Issue 14: a customer-managed prefix list with a route to it, an Elastic IP at a chosen
# address of the pool, and a DHCP options set associated with the VPC.

resource "aws_vpc" "main" {
  cidr_block = "10.80.0.0/16"
  tags       = { Name = "prefix-list-route" }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
}

resource "aws_ec2_managed_prefix_list" "office" {
  name           = "office"
  address_family = "IPv4"
  max_entries    = 5

  entry {
    cidr        = "192.0.2.0/25"
    description = "office A"
  }
  entry {
    cidr        = "198.18.0.0/15"
    description = "office B"
  }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
}

resource "aws_route" "office" {
  route_table_id             = aws_route_table.public.id
  destination_prefix_list_id = aws_ec2_managed_prefix_list.office.id
  gateway_id                 = aws_internet_gateway.main.id
}

resource "aws_eip" "chosen" {
  domain  = "vpc"
  address = "203.0.113.150"
}

resource "aws_vpc_dhcp_options" "corp" {
  domain_name         = "corp.example"
  domain_name_servers = ["AmazonProvidedDNS"]
  ntp_servers         = ["169.254.169.123"]
  tags                = { Name = "corp" }
}

resource "aws_vpc_dhcp_options_association" "corp" {
  vpc_id          = aws_vpc.main.id
  dhcp_options_id = aws_vpc_dhcp_options.corp.id
}
