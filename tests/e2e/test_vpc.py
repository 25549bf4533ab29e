"""VPC actions, driven by boto3 and the AWS CLI."""
import pytest

from conftest import code_of, error_code


def test_create_vpc_canonicalises_and_creates_defaults(ec2):
    vpc = ec2.create_vpc(CidrBlock="100.68.0.18/18")["Vpc"]
    assert vpc["CidrBlock"] == "100.68.0.0/18"
    assert vpc["State"] == "pending"
    assert vpc["IsDefault"] is False
    assert vpc["CidrBlockAssociationSet"][0]["CidrBlockState"]["State"] == "associated"
    vpc_id = vpc["VpcId"]
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["State"] == "available"
    # Main route table with a local route, default security group, default network ACL.
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    assert len(tables) == 1
    assert tables[0]["Associations"][0]["Main"] is True
    assert tables[0]["Routes"] == [
        {"DestinationCidrBlock": "100.68.0.0/18", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}
    ]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    assert [g["GroupName"] for g in groups] == ["default"]
    acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkAcls"]
    assert len(acls) == 1 and acls[0]["IsDefault"] is True


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "10.0.0.0/15", "10.0.0.0/29"])
def test_vpc_size_rule(ec2, cidr):
    err = error_code(ec2.create_vpc, CidrBlock=cidr)
    assert code_of(err) == "InvalidVpc.Range"
    assert err.response["Error"]["Message"] == f"The CIDR '{cidr}' is invalid."
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_malformed_cidr(ec2):
    assert code_of(error_code(ec2.create_vpc, CidrBlock="10.0.0.0")) == "InvalidParameterValue"


def test_default_vpc_exists_on_first_use(ec2):
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpcs) == 1
    assert vpcs[0]["CidrBlock"] == "172.31.0.0/16"
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
    assert all(s["MapPublicIpOnLaunch"] and s["CidrBlock"].endswith("/20") for s in subnets)
    assert all(s["AvailableIpAddressCount"] == 4091 for s in subnets)


def test_vpc_quota(ec2):
    # The default VPC counts: four more reach AWS's default of five.
    for i in range(4):
        ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")
    assert code_of(error_code(ec2.create_vpc, CidrBlock="10.9.0.0/16")) == "VpcLimitExceeded"


def test_unknown_and_malformed_ids(ec2):
    err = error_code(ec2.describe_vpcs, VpcIds=["vpc-0123456789abcdef0"])
    assert code_of(err) == "InvalidVpcID.NotFound"
    assert err.response["Error"]["Message"] == "The vpc ID 'vpc-0123456789abcdef0' does not exist"
    assert code_of(error_code(ec2.describe_vpcs, VpcIds=["vpc-nothex!"])) == "InvalidVpcID.Malformed"
    assert code_of(error_code(ec2.delete_vpc, VpcId="subnet-12345678")) == "InvalidVpcID.Malformed"


def test_filters(ec2):
    a = ec2.create_vpc(CidrBlock="10.1.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "web-a"}]}])["Vpc"]
    ec2.create_vpc(CidrBlock="10.2.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "db"}]}])
    found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["web-?"]}])["Vpcs"]
    assert [v["VpcId"] for v in found] == [a["VpcId"]]
    found = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.1.0.0/16", "10.2.0.0/16"]}])["Vpcs"]
    assert len(found) == 2
    found = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.*"]}, {"Name": "tag-key", "Values": ["Name"]}])["Vpcs"]
    assert len(found) == 2
    err = error_code(ec2.describe_vpcs, Filters=[{"Name": "colour", "Values": ["x"]}])
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == "The filter 'colour' is invalid"


def test_pagination(ec2, unvalidated_ec2):
    for i in range(4):
        ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")
    pages = list(ec2.get_paginator("describe_vpcs").paginate(PaginationConfig={"PageSize": 5}))
    assert sum(len(p["Vpcs"]) for p in pages) == 5
    first = ec2.describe_vpcs(MaxResults=5)
    assert len(first["Vpcs"]) == 5 and "NextToken" not in first
    assert code_of(error_code(unvalidated_ec2.describe_vpcs, MaxResults=4)) == "InvalidParameterValue"
    assert code_of(error_code(ec2.describe_vpcs, MaxResults=5, NextToken="garbage")) == "InvalidNextToken"


def test_dry_run_changes_nothing(ec2):
    before = len(ec2.describe_vpcs()["Vpcs"])
    err = error_code(ec2.create_vpc, CidrBlock="10.0.0.0/16", DryRun=True)
    assert code_of(err) == "DryRunOperation"
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert len(ec2.describe_vpcs()["Vpcs"]) == before
    # A dry run still validates first.
    assert code_of(error_code(ec2.create_vpc, CidrBlock="10.0.0.0/8", DryRun=True)) == "InvalidVpc.Range"


def test_attributes(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    got = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert got["EnableDnsHostnames"] == {"Value": False} and "EnableDnsSupport" not in got
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")["EnableDnsHostnames"] == {"Value": True}
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")["EnableDnsSupport"] == {"Value": True}
    err = error_code(ec2.modify_vpc_attribute, VpcId=vpc_id, EnableDnsHostnames={"Value": True}, EnableDnsSupport={"Value": True})
    assert code_of(err) == "InvalidParameterCombination"


def test_secondary_cidr_blocks(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    assoc = ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.1.0.0/16")["CidrBlockAssociation"]
    assert assoc["CidrBlockState"]["State"] == "associating"
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert [b["CidrBlock"] for b in vpc["CidrBlockAssociationSet"]] == ["10.0.0.0/16", "10.1.0.0/16"]
    assert code_of(error_code(ec2.associate_vpc_cidr_block, VpcId=vpc_id, CidrBlock="10.1.128.0/17")) == "InvalidVpc.Range"
    assert code_of(error_code(ec2.associate_vpc_cidr_block, VpcId=vpc_id, CidrBlock="192.168.0.0/16")) == "InvalidVpc.Range"
    # The main route table gained a local route for the block.
    routes = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"][0]["Routes"]
    assert {r["DestinationCidrBlock"] for r in routes} == {"10.0.0.0/16", "10.1.0.0/16"}
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.1.1.0/24")["Subnet"]
    err = error_code(ec2.disassociate_vpc_cidr_block, AssociationId=assoc["AssociationId"])
    assert code_of(err) == "DependencyViolation"
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    ec2.disassociate_vpc_cidr_block(AssociationId=assoc["AssociationId"])
    primary = vpc["CidrBlockAssociationSet"][0]["AssociationId"]
    assert code_of(error_code(ec2.disassociate_vpc_cidr_block, AssociationId=primary)) == "OperationNotPermitted"


def test_secondary_block_cannot_cover_an_existing_route(ec2):
    """AWS's example: a route to 10.0.0.0/24 forbids associating 10.0.0.0/24 or larger."""
    vpc_id = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.0.0.0/24", GatewayId=igw)
    for too_wide in ("10.0.0.0/16", "10.0.0.0/24"):
        assert code_of(error_code(ec2.associate_vpc_cidr_block, VpcId=vpc_id, CidrBlock=too_wide)) == "InvalidVpc.Range"
    ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.0.0.0/25")


def test_delete_vpc_with_dependencies(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    err = error_code(ec2.delete_vpc, VpcId=vpc_id)
    assert code_of(err) == "DependencyViolation"
    assert err.response["Error"]["Message"] == f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)
    assert code_of(error_code(ec2.describe_vpcs, VpcIds=[vpc_id])) == "InvalidVpcID.NotFound"
    # Its defaults went with it.
    assert ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"] == []


def test_reserved_and_mixed_ranges_are_refused(ec2):
    """No VPC block in a reserved range; no mixing of the exclusive ranges (RFC 1918, 198.19/16)."""
    for cidr in ["169.254.0.0/16", "224.0.0.0/16", "127.0.0.0/16"]:
        assert code_of(error_code(ec2.create_vpc, CidrBlock=cidr)) == "InvalidVpc.Range", cidr
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    for cidr in ["255.255.255.240/28", "198.19.0.0/16", "192.168.0.0/16"]:
        refused = error_code(ec2.associate_vpc_cidr_block, VpcId=vpc, CidrBlock=cidr)
        assert code_of(refused) == "InvalidVpc.Range", cidr
    added = ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="100.64.0.0/16")
    assert added["CidrBlockAssociation"]["CidrBlock"] == "100.64.0.0/16"
