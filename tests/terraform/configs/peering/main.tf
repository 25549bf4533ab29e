# VPC peering (issue 15): a request from this account's VPC to another account's VPC in
# another region, accepted there, DNS resolution allowed on both sides, and each side routing
# the other's block to the connection.

data "aws_caller_identity" "peer" {
  provider = aws.peer
}

resource "aws_vpc" "requester" {
  cidr_block           = "10.50.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "requester" }
}

resource "aws_vpc" "accepter" {
  provider             = aws.peer
  cidr_block           = "10.51.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "accepter" }
}

resource "aws_vpc_peering_connection" "link" {
  vpc_id        = aws_vpc.requester.id
  peer_vpc_id   = aws_vpc.accepter.id
  peer_owner_id = data.aws_caller_identity.peer.account_id
  peer_region   = "eu-west-1"
  tags          = { Name = "requester-to-accepter" }
}

resource "aws_vpc_peering_connection_accepter" "link" {
  provider                  = aws.peer
  vpc_peering_connection_id = aws_vpc_peering_connection.link.id
  auto_accept               = true
  # Each side tags the connection for itself.
  tags = { Name = "accepter-from-requester" }
}

resource "aws_vpc_peering_connection_options" "requester" {
  vpc_peering_connection_id = aws_vpc_peering_connection_accepter.link.id
  requester {
    allow_remote_vpc_dns_resolution = true
  }
}

resource "aws_vpc_peering_connection_options" "accepter" {
  provider                  = aws.peer
  vpc_peering_connection_id = aws_vpc_peering_connection_accepter.link.id
  accepter {
    allow_remote_vpc_dns_resolution = true
  }
}

resource "aws_route_table" "requester" {
  vpc_id = aws_vpc.requester.id
}

resource "aws_route" "to_accepter" {
  route_table_id            = aws_route_table.requester.id
  destination_cidr_block    = aws_vpc.accepter.cidr_block
  vpc_peering_connection_id = aws_vpc_peering_connection.link.id
}

resource "aws_route_table" "accepter" {
  provider = aws.peer
  vpc_id   = aws_vpc.accepter.id
  route {
    cidr_block                = aws_vpc.requester.cidr_block
    vpc_peering_connection_id = aws_vpc_peering_connection_accepter.link.id
  }
}
