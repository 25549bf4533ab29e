"""Subnet actions: placement rules, address counts, attributes, filters."""
import pytest

from conftest import code_of, error_code


@pytest.fixture
def vpc_id(ec2):
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


def test_create_subnet_fields(ec2, vpc_id, account):
    s = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="ap-northeast-1c")["Subnet"]
    assert s["CidrBlock"] == "10.0.1.0/24"
    assert s["AvailableIpAddressCount"] == 251
    assert s["AvailabilityZone"] == "ap-northeast-1c"
    assert s["AvailabilityZoneId"] == "apne1-az1"
    assert s["State"] == "available"
    assert s["DefaultForAz"] is False and s["MapPublicIpOnLaunch"] is False
    assert s["SubnetArn"] == f"arn:aws:ec2:ap-northeast-1:{account}:subnet/{s['SubnetId']}"
    assert s["OwnerId"] == account
    tiny = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/28", AvailabilityZoneId="apne1-az4")["Subnet"]
    assert tiny["AvailableIpAddressCount"] == 11
    assert tiny["AvailabilityZone"] == "ap-northeast-1a"


@pytest.mark.parametrize(
    "cidr, code",
    [
        ("10.0.0.0/29", "InvalidSubnet.Range"),
        ("10.0.0.0/15", "InvalidSubnet.Range"),
        ("10.1.0.0/24", "InvalidSubnet.Range"),  # outside the VPC
        ("10.0.1.128/25", "InvalidSubnet.Conflict"),  # overlaps 10.0.1.0/24
        ("10.0.1.0", "InvalidParameterValue"),
    ],
)
def test_subnet_block_rules(ec2, vpc_id, cidr, code):
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")
    assert code_of(error_code(ec2.create_subnet, VpcId=vpc_id, CidrBlock=cidr)) == code


def test_subnet_canonicalised_and_zone_checked(ec2, vpc_id):
    s = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.3.77/24")["Subnet"]
    assert s["CidrBlock"] == "10.0.3.0/24"
    err = error_code(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.4.0/24", AvailabilityZone="ap-northeast-1b")
    assert code_of(err) == "InvalidParameterValue"
    assert code_of(error_code(ec2.create_subnet, VpcId="vpc-0123456789abcdef0", CidrBlock="10.0.4.0/24")) == "InvalidVpcID.NotFound"


def test_subnet_in_secondary_block(ec2, vpc_id):
    ec2.associate_vpc_cidr_block(VpcId=vpc_id, CidrBlock="10.5.0.0/16")
    s = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.5.1.0/24")["Subnet"]
    assert s["VpcId"] == vpc_id


def test_new_subnet_joins_default_acl(ec2, vpc_id):
    s = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]
    acls = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [s["SubnetId"]]}])["NetworkAcls"]
    assert len(acls) == 1 and acls[0]["IsDefault"] is True


def test_modify_subnet_attribute(ec2, vpc_id):
    sid = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=sid, MapPublicIpOnLaunch={"Value": True})
    assert ec2.describe_subnets(SubnetIds=[sid])["Subnets"][0]["MapPublicIpOnLaunch"] is True
    found = ec2.describe_subnets(Filters=[{"Name": "map-public-ip-on-launch", "Values": ["true"]}, {"Name": "vpc-id", "Values": [vpc_id]}])
    assert [s["SubnetId"] for s in found["Subnets"]] == [sid]
    err = error_code(ec2.modify_subnet_attribute, SubnetId=sid, MapPublicIpOnLaunch={"Value": True}, EnableDns64={"Value": True})
    assert code_of(err) == "InvalidParameterCombination"
    err = error_code(ec2.modify_subnet_attribute, SubnetId=sid, AssignIpv6AddressOnCreation={"Value": True})
    assert code_of(err) == "InvalidParameterValue"


def test_subnet_filters(ec2, vpc_id):
    a = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="ap-northeast-1a")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/28", AvailabilityZone="ap-northeast-1c")["Subnet"]["SubnetId"]
    by = lambda name, *values: sorted(s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": name, "Values": list(values)}])["Subnets"])
    assert by("availability-zone", "ap-northeast-1c") == [b]
    assert by("cidr-block", "10.0.1.0/24") == [a]
    assert by("available-ip-address-count", "11") == [b]
    assert by("subnet-id", a, b) == sorted([a, b])
    assert by("default-for-az", "false") == sorted([a, b])
    assert code_of(error_code(ec2.describe_subnets, SubnetIds=["subnet-0123456789abcdef0"])) == "InvalidSubnetID.NotFound"
    assert code_of(error_code(ec2.describe_subnets, SubnetIds=["sn-1"])) == "InvalidSubnetID.Malformed"


def test_delete_subnet(ec2, vpc_id):
    sid = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    ec2.delete_subnet(SubnetId=sid)
    assert code_of(error_code(ec2.delete_subnet, SubnetId=sid)) == "InvalidSubnetID.NotFound"
    # The block is free again.
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")


def test_subnet_with_cli(aws, vpc_id):
    out = aws.run("create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.9.0/24")
    assert out["Subnet"]["AvailableIpAddressCount"] == 251
    err = aws.error("create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.9.0/25")
    assert err.code == "InvalidSubnet.Conflict"
