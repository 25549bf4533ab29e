"""Tag actions (CreateTags, DeleteTags, DescribeTags), driven by boto3 and the AWS CLI."""
import pytest

from conftest import client, code_of, error_code, new_account


def default_vpc_id(ec2):
    return ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]


def default_acl(ec2):
    filters = [{"Name": "default", "Values": ["true"]}, {"Name": "vpc-id", "Values": [default_vpc_id(ec2)]}]
    return ec2.describe_network_acls(Filters=filters)["NetworkAcls"][0]


def tags_of(ec2, resource_id):
    found = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [resource_id]}])["Tags"]
    return {t["Key"]: t["Value"] for t in found}


@pytest.fixture
def world(ec2):
    """IDs of a VPC, a default subnet and the default network ACL of a fresh account."""
    acl = default_acl(ec2)
    return {"vpc": acl["VpcId"], "subnet": acl["Associations"][0]["SubnetId"], "network-acl": acl["NetworkAclId"]}


def test_tags_on_vpcs_subnets_and_acls(ec2, world):
    ec2.create_tags(Resources=list(world.values()), Tags=[{"Key": "Name", "Value": "prod"}, {"Key": "empty"}])
    found = ec2.describe_tags()["Tags"]
    assert sorted(found, key=lambda t: (t["ResourceId"], t["Key"])) == sorted(
        [{"Key": k, "Value": v, "ResourceId": rid, "ResourceType": kind}
         for kind, rid in world.items() for k, v in [("Name", "prod"), ("empty", "")]],
        key=lambda t: (t["ResourceId"], t["Key"]),
    )
    # The resources' own Describe calls show the same tags.
    vpc = ec2.describe_vpcs(VpcIds=[world["vpc"]])["Vpcs"][0]
    assert sorted(vpc["Tags"], key=lambda t: t["Key"]) == [{"Key": "Name", "Value": "prod"}, {"Key": "empty", "Value": ""}]
    acl = ec2.describe_network_acls(NetworkAclIds=[world["network-acl"]])["NetworkAcls"][0]
    assert {t["Key"] for t in acl["Tags"]} == {"Name", "empty"}


def test_create_tags_overwrites_values(ec2, world):
    ec2.create_tags(Resources=[world["vpc"]], Tags=[{"Key": "Name", "Value": "a"}, {"Key": "team", "Value": "x"}])
    ec2.create_tags(Resources=[world["vpc"]], Tags=[{"Key": "Name", "Value": "b"}])
    assert tags_of(ec2, world["vpc"]) == {"Name": "b", "team": "x"}


@pytest.mark.parametrize("tag", [
    {"Key": "k" * 128, "Value": "v"},
    {"Key": "k", "Value": "v" * 257},
    {"Key": "aws:cloudformation:stack-name", "Value": "v"},
    {"Key": "AWS:x", "Value": "v"},
    {"Key": "", "Value": "v"},
])
def test_tag_rules(ec2, world, tag):
    assert code_of(error_code(ec2.create_tags, Resources=[world["vpc"]], Tags=[tag])) == "InvalidParameterValue"
    assert tags_of(ec2, world["vpc"]) == {}


def test_longest_key_and_value_accepted(ec2, world):
    ec2.create_tags(Resources=[world["vpc"]], Tags=[{"Key": "k" * 127, "Value": "v" * 256}])
    assert tags_of(ec2, world["vpc"]) == {"k" * 127: "v" * 256}


def test_fifty_tags_per_resource(ec2, world):
    ec2.create_tags(Resources=[world["vpc"]], Tags=[{"Key": f"k{i}", "Value": ""} for i in range(49)])
    # Overwriting a key does not add one.
    ec2.create_tags(Resources=[world["vpc"]], Tags=[{"Key": "k0", "Value": "new"}, {"Key": "k49", "Value": ""}])
    err = error_code(ec2.create_tags, Resources=[world["vpc"]], Tags=[{"Key": "k50", "Value": ""}])
    assert code_of(err) == "TagLimitExceeded"
    assert len(tags_of(ec2, world["vpc"])) == 50


def test_calls_are_all_or_nothing(ec2, world):
    unknown_acl = "acl-0123456789abcdef0"
    err = error_code(ec2.create_tags, Resources=[world["vpc"], unknown_acl], Tags=[{"Key": "a", "Value": "1"}])
    assert code_of(err) == "InvalidNetworkAclID.NotFound"
    assert tags_of(ec2, world["vpc"]) == {}
    # The second resource would pass 50 tags: the first keeps none of the new ones either.
    ec2.create_tags(Resources=[world["subnet"]], Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)])
    err = error_code(ec2.create_tags, Resources=[world["vpc"], world["subnet"]], Tags=[{"Key": "new", "Value": ""}])
    assert code_of(err) == "TagLimitExceeded"
    assert tags_of(ec2, world["vpc"]) == {}
    ec2.create_tags(Resources=[world["vpc"]], Tags=[{"Key": "keep", "Value": "1"}])
    err = error_code(ec2.delete_tags, Resources=[world["vpc"], unknown_acl])
    assert code_of(err) == "InvalidNetworkAclID.NotFound"
    assert tags_of(ec2, world["vpc"]) == {"keep": "1"}


@pytest.mark.parametrize("resource_id, code", [
    ("vpc-0123456789abcdef0", "InvalidVpcID.NotFound"),
    ("subnet-0123456789abcdef0", "InvalidSubnetID.NotFound"),
    ("igw-0123456789abcdef0", "InvalidInternetGatewayID.NotFound"),
    ("rtb-0123456789abcdef0", "InvalidRouteTableID.NotFound"),
    ("sg-0123456789abcdef0", "InvalidGroup.NotFound"),
    ("sgr-0123456789abcdef0", "InvalidSecurityGroupRuleId.NotFound"),
    ("acl-0123456789abcdef0", "InvalidNetworkAclID.NotFound"),
    ("eni-0123456789abcdef0", "InvalidNetworkInterfaceID.NotFound"),
    ("foo-0123456789abcdef0", "InvalidID"),
    ("vpc-nothex!", "InvalidID"),
    ("aclassoc-0123456789abcdef0", "InvalidID"),
])
def test_unknown_resources(ec2, resource_id, code):
    err = error_code(ec2.create_tags, Resources=[resource_id], Tags=[{"Key": "a", "Value": "1"}])
    assert code_of(err) == code
    assert code_of(error_code(ec2.delete_tags, Resources=[resource_id])) == code


def test_invalid_id_message(aws):
    err = aws.error("create-tags", "--resources", "foo-12345678", "--tags", "Key=a,Value=1")
    assert err.code == "InvalidID"
    assert err.message == "The ID 'foo-12345678' is not valid"


def test_other_accounts_and_regions_see_nothing(server, ec2, account, world):
    ec2.create_tags(Resources=[world["vpc"]], Tags=[{"Key": "a", "Value": "1"}])
    stranger = client(server.endpoint, new_account())
    err = error_code(stranger.create_tags, Resources=[world["vpc"]], Tags=[{"Key": "a", "Value": "2"}])
    assert code_of(err) == "InvalidVpcID.NotFound"
    assert stranger.describe_tags()["Tags"] == []
    elsewhere = client(server.endpoint, account, "us-east-1")
    assert code_of(error_code(elsewhere.delete_tags, Resources=[world["vpc"]])) == "InvalidVpcID.NotFound"
    assert tags_of(ec2, world["vpc"]) == {"a": "1"}


def test_delete_tags_semantics(ec2, world):
    vpc = world["vpc"]
    start = [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}, {"Key": "c", "Value": "3"}, {"Key": "d", "Value": "4"}]
    ec2.create_tags(Resources=[vpc], Tags=start)
    # A value that does not match leaves the tag; an empty value matches only an empty value.
    ec2.delete_tags(Resources=[vpc], Tags=[{"Key": "a", "Value": "2"}, {"Key": "c", "Value": ""}])
    assert tags_of(ec2, vpc) == {"a": "1", "b": "", "c": "3", "d": "4"}
    ec2.delete_tags(Resources=[vpc], Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}])
    assert tags_of(ec2, vpc) == {"c": "3", "d": "4"}
    # A key alone removes the tag whatever its value; an absent key is no error.
    ec2.delete_tags(Resources=[vpc], Tags=[{"Key": "c"}, {"Key": "zzz"}])
    assert tags_of(ec2, vpc) == {"d": "4"}
    # No tags named: every tag goes.
    ec2.create_tags(Resources=[vpc, world["subnet"]], Tags=[{"Key": "e", "Value": "5"}])
    ec2.delete_tags(Resources=[vpc])
    assert tags_of(ec2, vpc) == {}
    assert tags_of(ec2, world["subnet"]) == {"e": "5"}


def test_delete_tags_with_the_cli(aws, ec2, world):
    aws.run("create-tags", "--resources", world["network-acl"], "--tags", "Key=a,Value=1", "Key=b,Value=2")
    aws.run("delete-tags", "--resources", world["network-acl"], "--tags", "Key=a")
    assert tags_of(ec2, world["network-acl"]) == {"b": "2"}


def test_delete_tags_refuses_reserved_keys(ec2, world):
    err = error_code(ec2.delete_tags, Resources=[world["vpc"]], Tags=[{"Key": "aws:x"}])
    assert code_of(err) == "InvalidParameterValue"


@pytest.fixture
def tagged(ec2, world):
    ec2.create_tags(Resources=[world["vpc"]], Tags=[{"Key": "Name", "Value": "web-1"}, {"Key": "env", "Value": "prod"}])
    ec2.create_tags(Resources=[world["network-acl"]], Tags=[{"Key": "Name", "Value": "db"}])
    return world


@pytest.mark.parametrize("name, values, expected", [
    ("key", ["Name"], {("vpc", "Name"), ("network-acl", "Name")}),
    ("key", ["N*"], {("vpc", "Name"), ("network-acl", "Name")}),
    ("value", ["web-?"], {("vpc", "Name")}),
    ("value", ["prod", "db"], {("vpc", "env"), ("network-acl", "Name")}),
    ("resource-type", ["network-acl"], {("network-acl", "Name")}),
    ("resource-id", ["<vpc>"], {("vpc", "Name"), ("vpc", "env")}),
    ("tag:Name", ["db"], {("network-acl", "Name")}),
    ("tag:env", ["*"], {("vpc", "env")}),
])
def test_describe_tags_filters(ec2, tagged, name, values, expected):
    values = [tagged["vpc"] if v == "<vpc>" else v for v in values]
    found = ec2.describe_tags(Filters=[{"Name": name, "Values": values}])["Tags"]
    assert {(t["ResourceType"], t["Key"]) for t in found} == expected


@pytest.mark.parametrize("name", ["tag-key", "tag-value", "resource-name"])
def test_describe_tags_refuses_other_filters(ec2, name):
    err = error_code(ec2.describe_tags, Filters=[{"Name": name, "Values": ["x"]}])
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == f"The filter '{name}' is invalid"


def test_describe_tags_pages(ec2, aws, world):
    ec2.create_tags(Resources=[world["vpc"], world["subnet"]], Tags=[{"Key": f"k{i}", "Value": ""} for i in range(6)])
    pages = list(ec2.get_paginator("describe_tags").paginate(PaginationConfig={"PageSize": 5}))
    assert [len(p["Tags"]) for p in pages] == [5, 5, 2]
    seen = [(t["ResourceId"], t["Key"]) for p in pages for t in p["Tags"]]
    assert len(set(seen)) == 12
    listed = aws.run("describe-tags", "--page-size", "5", "--filters", f"Name=resource-id,Values={world['subnet']}")
    assert len(listed["Tags"]) == 6
    assert code_of(error_code(ec2.describe_tags, MaxResults=5, NextToken="zz")) == "InvalidNextToken"


def test_deleted_resources_lose_their_tags(ec2, world):
    acl_id = ec2.create_network_acl(
        VpcId=world["vpc"], TagSpecifications=[{"ResourceType": "network-acl", "Tags": [{"Key": "a", "Value": "1"}]}]
    )["NetworkAcl"]["NetworkAclId"]
    assert tags_of(ec2, acl_id) == {"a": "1"}
    ec2.delete_network_acl(NetworkAclId=acl_id)
    assert tags_of(ec2, acl_id) == {}


def sibling_ids(ec2):
    """Route table, security group (and its rule) and internet gateway of the default VPC."""
    vpc = [{"Name": "vpc-id", "Values": [default_vpc_id(ec2)]}]
    group = ec2.describe_security_groups(Filters=vpc)["SecurityGroups"][0]["GroupId"]
    rule = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    table = ec2.describe_route_tables(Filters=vpc)["RouteTables"][0]["RouteTableId"]
    gateway = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    return {
        "route-table": table,
        "security-group": group,
        "security-group-rule": rule["SecurityGroupRules"][0]["SecurityGroupRuleId"],
        "internet-gateway": gateway,
    }


def test_tags_on_route_tables_groups_rules_and_gateways(ec2):
    ids = sibling_ids(ec2)
    ec2.create_tags(Resources=list(ids.values()), Tags=[{"Key": "a", "Value": "1"}])
    found = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["a"]}])["Tags"]
    assert {t["ResourceType"]: t["ResourceId"] for t in found} == ids
