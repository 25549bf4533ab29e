"""Account and region metadata: DescribeRegions, DescribeAvailabilityZones and
DescribeAccountAttributes, driven by boto3 and the AWS CLI."""
import os
import tempfile

import pytest

from conftest import Server, client, code_of, error_code, new_account

TOKYO_ZONES = [("ap-northeast-1a", "apne1-az4"), ("ap-northeast-1c", "apne1-az1"), ("ap-northeast-1d", "apne1-az2")]


def test_describe_regions(ec2):
    regions = ec2.describe_regions()["Regions"]
    names = [r["RegionName"] for r in regions]
    assert len(names) == len(set(names)) >= 17
    assert {"us-east-1", "ap-northeast-1", "eu-west-1"} <= set(names)
    assert all(r == {"RegionName": r["RegionName"], "Endpoint": f"ec2.{r['RegionName']}.amazonaws.com",
                     "OptInStatus": "opt-in-not-required"} for r in regions)
    # Every region localvpc serves is enabled: AllRegions adds none.
    assert ec2.describe_regions(AllRegions=True)["Regions"] == regions
    enabled = ec2.describe_regions(Filters=[{"Name": "opt-in-status", "Values": ["opt-in-not-required"]}])
    assert enabled["Regions"] == regions


def test_describe_named_regions(ec2, aws):
    found = ec2.describe_regions(RegionNames=["eu-west-1", "us-east-1"])["Regions"]
    assert sorted(r["RegionName"] for r in found) == ["eu-west-1", "us-east-1"]
    err = aws.error("describe-regions", "--region-names", "us-east-1", "mars-1")
    assert err.code == "InvalidParameterValue"
    assert err.message == "Invalid region: [mars-1]"


@pytest.mark.parametrize("name, values, expected", [
    ("region-name", ["eu-west-?"], ["eu-west-1", "eu-west-2", "eu-west-3"]),
    ("endpoint", ["ec2.ap-northeast-1.amazonaws.com"], ["ap-northeast-1"]),
    ("opt-in-status", ["not-opted-in"], []),
])
def test_region_filters(ec2, name, values, expected):
    found = ec2.describe_regions(Filters=[{"Name": name, "Values": values}])["Regions"]
    assert sorted(r["RegionName"] for r in found) == expected


@pytest.mark.parametrize("name", ["tag:Name", "tag-key", "geography"])
def test_region_and_zone_filters_refuse_unknown_names(ec2, name):
    for call in (ec2.describe_regions, ec2.describe_availability_zones):
        err = error_code(call, Filters=[{"Name": name, "Values": ["x"]}])
        assert code_of(err) == "InvalidParameterValue"
        assert err.response["Error"]["Message"] == f"The filter '{name}' is invalid"


def test_describe_availability_zones(ec2):
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"]) for z in zones] == TOKYO_ZONES
    assert zones[0] == {
        "ZoneName": "ap-northeast-1a", "ZoneId": "apne1-az4", "RegionName": "ap-northeast-1", "State": "available",
        "OptInStatus": "opt-in-not-required", "Messages": [], "GroupName": "ap-northeast-1-zg-1",
        "GroupLongName": "Asia Pacific (Tokyo) 1",
        "NetworkBorderGroup": "ap-northeast-1", "ZoneType": "availability-zone",
    }
    assert ec2.describe_availability_zones(AllAvailabilityZones=True)["AvailabilityZones"] == zones


def test_zones_follow_the_callers_region(server, account):
    virginia = client(server.endpoint, account, "us-east-1")
    zones = virginia.describe_availability_zones()["AvailabilityZones"]
    assert [z["ZoneName"] for z in zones] == [f"us-east-1{c}" for c in "abcdef"]
    assert {z["RegionName"] for z in zones} == {"us-east-1"}


def test_named_zones(ec2, aws):
    found = ec2.describe_availability_zones(ZoneNames=["ap-northeast-1c"], ZoneIds=["apne1-az2"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in found] == ["ap-northeast-1c", "ap-northeast-1d"]
    err = aws.error("describe-availability-zones", "--zone-names", "ap-northeast-1b")
    assert err.code == "InvalidParameterValue"
    assert err.message == "Invalid availability zone: [ap-northeast-1b]"
    err = error_code(ec2.describe_availability_zones, ZoneIds=["use1-az6"])
    assert code_of(err) == "InvalidParameterValue"


@pytest.mark.parametrize("name, values, expected", [
    ("zone-name", ["*-1a", "*-1d"], ["ap-northeast-1a", "ap-northeast-1d"]),
    ("zone-id", ["apne1-az1"], ["ap-northeast-1c"]),
    ("region-name", ["ap-northeast-1"], [z for z, _ in TOKYO_ZONES]),
    ("group-name", ["ap-northeast-1-zg-1"], [z for z, _ in TOKYO_ZONES]),
    ("state", ["available"], [z for z, _ in TOKYO_ZONES]),
    ("state", ["impaired"], []),
    ("zone-type", ["availability-zone"], [z for z, _ in TOKYO_ZONES]),
    ("zone-type", ["local-zone"], []),
    ("opt-in-status", ["opt-in-not-required"], [z for z, _ in TOKYO_ZONES]),
    ("message", ["*"], []),
    ("parent-zone-id", ["*"], []),
    ("parent-zone-name", ["*"], []),
])
def test_zone_filters(ec2, name, values, expected):
    found = ec2.describe_availability_zones(Filters=[{"Name": name, "Values": values}])["AvailabilityZones"]
    assert [z["ZoneName"] for z in found] == expected


def attributes(ec2, *names):
    found = ec2.describe_account_attributes(AttributeNames=list(names))["AccountAttributes"]
    return {a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]] for a in found}


def test_account_attributes(ec2):
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    assert attributes(ec2) == {
        "supported-platforms": ["VPC"],
        "vpc-max-security-groups-per-interface": ["5"],
        "max-elastic-ips": ["5"],
        "max-instances": ["20"],
        "vpc-max-elastic-ips": ["5"],
        "default-vpc": [default_vpc],
    }
    assert attributes(ec2, "default-vpc") == {"default-vpc": [default_vpc]}
    assert attributes(ec2, "max-instances", "supported-platforms") == {"max-instances": ["20"],
                                                                       "supported-platforms": ["VPC"]}


def test_account_attributes_with_the_cli(aws):
    found = aws.run("describe-account-attributes", "--attribute-names", "default-vpc")["AccountAttributes"]
    assert found[0]["AttributeName"] == "default-vpc"
    assert found[0]["AttributeValues"][0]["AttributeValue"].startswith("vpc-")
    err = aws.error("describe-account-attributes", "--attribute-names", "max-volumes")
    assert err.code == "InvalidParameterValue"


def test_default_vpc_is_per_region(server, ec2, account):
    virginia = client(server.endpoint, account, "us-east-1")
    tokyo_vpc = attributes(ec2, "default-vpc")["default-vpc"]
    virginia_vpc = attributes(virginia, "default-vpc")["default-vpc"]
    assert tokyo_vpc != virginia_vpc
    assert virginia.describe_vpcs(VpcIds=virginia_vpc)["Vpcs"][0]["IsDefault"] is True


def test_quotas_come_from_the_configuration():
    with tempfile.TemporaryDirectory(prefix="localvpc-quota-") as data_dir:
        config = os.path.join(data_dir, "localvpc.toml")
        with open(config, "w") as f:
            f.write("[quotas]\nsecurity-groups-per-interface = 16\nelastic-ips-per-region = 10\n")
        srv = Server(data_dir, ["--config", config])
        try:
            found = attributes(client(srv.endpoint, new_account()),
                               "vpc-max-security-groups-per-interface", "max-elastic-ips", "vpc-max-elastic-ips")
        finally:
            srv.stop()
    assert found == {"vpc-max-security-groups-per-interface": ["16"], "max-elastic-ips": ["10"],
                     "vpc-max-elastic-ips": ["10"]}


def test_metadata_calls_change_nothing(ec2):
    def state():
        return (ec2.describe_vpcs()["Vpcs"], ec2.describe_network_acls()["NetworkAcls"], ec2.describe_tags()["Tags"])

    before = state()
    ec2.describe_regions()
    ec2.describe_availability_zones()
    ec2.describe_account_attributes()
    assert state() == before
    assert code_of(error_code(ec2.describe_regions, DryRun=True)) == "DryRunOperation"
    assert code_of(error_code(ec2.describe_availability_zones, DryRun=True)) == "DryRunOperation"
    assert code_of(error_code(ec2.describe_account_attributes, DryRun=True)) == "DryRunOperation"
