"""Network ACL actions, driven by boto3 and the AWS CLI."""
import os
import tempfile

import pytest

from conftest import Server, client, code_of, error_code, new_account

ALL = "0.0.0.0/0"


def star(egress):
    """The `*` rule every ACL ends with, in each direction."""
    return {"CidrBlock": ALL, "Egress": egress, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32767}


def allow_all(egress):
    return {"CidrBlock": ALL, "Egress": egress, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100}


def default_vpc_id(ec2):
    return ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]


def default_acl(ec2, vpc_id=None):
    """The default ACL of a VPC (of the default VPC if none is named)."""
    filters = [{"Name": "default", "Values": ["true"]}, {"Name": "vpc-id", "Values": [vpc_id or default_vpc_id(ec2)]}]
    (acl,) = ec2.describe_network_acls(Filters=filters)["NetworkAcls"]
    return acl


def acl_by_id(ec2, acl_id):
    return ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"][0]


def entry(ec2, acl_id, egress, number):
    found = [e for e in acl_by_id(ec2, acl_id)["Entries"] if e["Egress"] == egress and e["RuleNumber"] == number]
    return found[0] if found else None


def new_acl(ec2, vpc_id=None, **kwargs):
    vpc_id = vpc_id or default_vpc_id(ec2)
    return ec2.create_network_acl(VpcId=vpc_id, **kwargs)["NetworkAcl"]


def add(ec2, acl_id, number, egress=False, protocol="-1", action="allow", **kwargs):
    """Adds an entry; the range is 10.0.0.0/8 unless given (None leaves CidrBlock out)."""
    kwargs.setdefault("CidrBlock", "10.0.0.0/8")
    ec2.create_network_acl_entry(
        NetworkAclId=acl_id, RuleNumber=number, Egress=egress, Protocol=protocol, RuleAction=action,
        **{k: v for k, v in kwargs.items() if v is not None},
    )


def test_default_vpc_subnets_use_its_default_acl(ec2, account):
    acl = ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
    assert acl["VpcId"] == default_vpc_id(ec2)
    assert acl["IsDefault"] is True
    assert acl["OwnerId"] == account
    assert "Tags" not in acl
    # One association per default subnet (one per zone of ap-northeast-1).
    assert len(acl["Associations"]) == 3
    assert len({a["SubnetId"] for a in acl["Associations"]}) == 3
    assert all(a["NetworkAclId"] == acl["NetworkAclId"] and a["NetworkAclAssociationId"].startswith("aclassoc-")
               for a in acl["Associations"])
    # EC2 lists egress rules first: 100 allows everything, `*` (32767) denies the rest.
    assert acl["Entries"] == [allow_all(True), star(True), allow_all(False), star(False)]


def test_new_vpc_gets_a_default_acl(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    acl = default_acl(ec2, vpc_id)
    assert acl["Associations"] == []
    assert acl["Entries"] == [allow_all(True), star(True), allow_all(False), star(False)]


def test_create_network_acl_denies_everything(aws, account):
    vpc_id = aws.run("create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    acl = aws.run("create-network-acl", "--vpc-id", vpc_id,
                  "--tag-specifications", "ResourceType=network-acl,Tags=[{Key=Name,Value=web}]")["NetworkAcl"]
    assert acl["NetworkAclId"].startswith("acl-")
    assert acl["VpcId"] == vpc_id
    assert acl["OwnerId"] == account
    assert acl["IsDefault"] is False
    assert acl["Associations"] == []
    assert acl["Entries"] == [star(True), star(False)]
    assert acl["Tags"] == [{"Key": "Name", "Value": "web"}]
    listed = aws.run("describe-network-acls", "--filters", f"Name=vpc-id,Values={vpc_id}", "Name=default,Values=false")
    assert [a["NetworkAclId"] for a in listed["NetworkAcls"]] == [acl["NetworkAclId"]]


def test_create_network_acl_errors(ec2, aws):
    assert code_of(error_code(ec2.create_network_acl, VpcId="vpc-nothex!")) == "InvalidVpcID.Malformed"
    err = error_code(ec2.create_network_acl, VpcId="vpc-0123456789abcdef0")
    assert code_of(err) == "InvalidVpcID.NotFound"
    vpc_id = default_vpc_id(ec2)
    wrong_type = [{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}]
    assert code_of(error_code(ec2.create_network_acl, VpcId=vpc_id, TagSpecifications=wrong_type)) == "InvalidParameterValue"
    err = aws.error("create-network-acl", "--vpc-id", "vpc-12345678")
    assert err.code == "InvalidVpcID.NotFound"
    assert err.message == "The vpc ID 'vpc-12345678' does not exist"


def test_create_network_acl_is_idempotent(ec2):
    vpc_id = default_vpc_id(ec2)
    first = ec2.create_network_acl(VpcId=vpc_id, ClientToken="acl-token-1")
    again = ec2.create_network_acl(VpcId=vpc_id, ClientToken="acl-token-1")
    assert first["ClientToken"] == "acl-token-1"
    assert again["NetworkAcl"]["NetworkAclId"] == first["NetworkAcl"]["NetworkAclId"]
    assert len(ec2.describe_network_acls()["NetworkAcls"]) == 2
    other_vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    err = error_code(ec2.create_network_acl, VpcId=other_vpc, ClientToken="acl-token-1")
    assert code_of(err) == "IdempotentParameterMismatch"


def test_dry_run_creates_nothing(ec2):
    vpc_id = default_vpc_id(ec2)
    err = error_code(ec2.create_network_acl, VpcId=vpc_id, DryRun=True)
    assert code_of(err) == "DryRunOperation"
    assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    acl_id = default_acl(ec2)["NetworkAclId"]
    err = error_code(ec2.delete_network_acl_entry, NetworkAclId=acl_id, RuleNumber=100, Egress=True, DryRun=True)
    assert code_of(err) == "DryRunOperation"
    assert len(ec2.describe_network_acls()["NetworkAcls"]) == 1
    assert entry(ec2, acl_id, True, 100) is not None


@pytest.fixture(scope="module")
def small_quotas():
    """A server whose quotas are 3 ACLs per VPC and 4 rules per ACL direction."""
    with tempfile.TemporaryDirectory(prefix="localvpc-quota-") as data_dir:
        config = os.path.join(data_dir, "localvpc.toml")
        with open(config, "w") as f:
            f.write("[quotas]\nnetwork-acls-per-vpc = 3\nrules-per-network-acl = 4\n")
        srv = Server(data_dir, ["--config", config])
        yield client(srv.endpoint, new_account())
        srv.stop()


def test_acls_per_vpc_quota(small_quotas):
    ec2 = small_quotas
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # The default ACL counts: two more reach the quota of three.
    new_acl(ec2, vpc_id)
    new_acl(ec2, vpc_id)
    err = error_code(ec2.create_network_acl, VpcId=vpc_id)
    assert code_of(err) == "NetworkAclLimitExceeded"
    # The quota is per VPC.
    new_acl(ec2, default_vpc_id(ec2))


def test_rules_quota_from_configuration(small_quotas):
    ec2 = small_quotas
    acl_id = default_acl(ec2)["NetworkAclId"]
    # 100 and `*` are two of the four ingress entries.
    add(ec2, acl_id, 110)
    add(ec2, acl_id, 120)
    assert code_of(error_code(add, ec2, acl_id, 130)) == "NetworkAclEntryLimitExceeded"
    add(ec2, acl_id, 130, egress=True)


def test_rules_per_direction_quota_counts_the_star_rule(ec2):
    acl_id = default_acl(ec2)["NetworkAclId"]
    # AWS's 20 entries per direction include 100 and `*`: 18 more fit.
    for i in range(18):
        add(ec2, acl_id, 1 + i)
    err = error_code(add, ec2, acl_id, 200)
    assert code_of(err) == "NetworkAclEntryLimitExceeded"
    # Egress is counted separately, and replacing a rule needs no room.
    add(ec2, acl_id, 200, egress=True)
    ec2.replace_network_acl_entry(NetworkAclId=acl_id, RuleNumber=1, Egress=False, Protocol="-1",
                                  RuleAction="deny", CidrBlock="10.0.0.0/8")


def test_entries_shown_as_ec2_does(ec2):
    acl_id = new_acl(ec2)["NetworkAclId"]
    add(ec2, acl_id, 10, protocol="tcp", CidrBlock="100.68.0.18/18", PortRange={"From": 22, "To": 22})
    add(ec2, acl_id, 20, protocol="UDP", PortRange={"From": 53, "To": 53})
    add(ec2, acl_id, 30, protocol="icmp", IcmpTypeCode={"Type": 8, "Code": -1})
    # All protocols: any port range given is meaningless and not kept.
    add(ec2, acl_id, 40, protocol="-1", PortRange={"From": 1, "To": 2})
    add(ec2, acl_id, 50, egress=True, protocol="47", action="deny", CidrBlock=None, Ipv6CidrBlock="2001:db8::1/32")
    assert entry(ec2, acl_id, False, 10) == {
        "CidrBlock": "100.68.0.0/18", "Egress": False, "PortRange": {"From": 22, "To": 22},
        "Protocol": "6", "RuleAction": "allow", "RuleNumber": 10,
    }
    assert entry(ec2, acl_id, False, 20)["Protocol"] == "17"
    assert entry(ec2, acl_id, False, 30)["IcmpTypeCode"] == {"Type": 8, "Code": -1}
    assert entry(ec2, acl_id, False, 30)["Protocol"] == "1"
    assert "PortRange" not in entry(ec2, acl_id, False, 40)
    assert entry(ec2, acl_id, True, 50) == {
        "Egress": True, "Ipv6CidrBlock": "2001:db8::/32", "Protocol": "47", "RuleAction": "deny", "RuleNumber": 50,
    }


@pytest.mark.parametrize("changes, code", [
    ({"RuleNumber": 0}, "InvalidParameterValue"),
    ({"RuleNumber": 32767}, "InvalidParameterValue"),
    ({"RuleNumber": 40000}, "InvalidParameterValue"),
    ({"Protocol": "gre"}, "InvalidParameterValue"),
    ({"Protocol": "256"}, "InvalidParameterValue"),
    ({"Protocol": "tcp"}, "InvalidParameterValue"),
    ({"Protocol": "udp", "PortRange": {"From": 53}}, "InvalidParameterValue"),
    ({"Protocol": "tcp", "PortRange": {"From": 90, "To": 80}}, "InvalidParameterValue"),
    ({"Protocol": "tcp", "PortRange": {"From": 1, "To": 70000}}, "InvalidParameterValue"),
    ({"Protocol": "icmp"}, "InvalidParameterValue"),
    ({"Protocol": "icmp", "IcmpTypeCode": {"Type": 8}}, "InvalidParameterValue"),
    ({"CidrBlock": None}, "MissingParameter"),
    ({"Ipv6CidrBlock": "::/0"}, "InvalidParameterCombination"),
    ({"CidrBlock": "10.0.0.0"}, "InvalidParameterValue"),
    ({"CidrBlock": None, "Ipv6CidrBlock": "2001:db8::/129"}, "InvalidParameterValue"),
    ({"NetworkAclId": "acl-0123456789abcdef0"}, "InvalidNetworkAclID.NotFound"),
    ({"NetworkAclId": "acl-zz"}, "InvalidNetworkAclId.Malformed"),
])
def test_entry_rules(ec2, changes, code):
    request = {"NetworkAclId": new_acl(ec2)["NetworkAclId"], "RuleNumber": 100, "Egress": False,
               "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "10.0.0.0/8"}
    request.update(changes)
    request = {k: v for k, v in request.items() if v is not None}
    assert code_of(error_code(ec2.create_network_acl_entry, **request)) == code
    assert code_of(error_code(ec2.replace_network_acl_entry, **request)) == code


def test_rule_numbers_are_unique_per_direction(ec2):
    acl_id = default_acl(ec2)["NetworkAclId"]
    err = error_code(add, ec2, acl_id, 100)
    assert code_of(err) == "NetworkAclEntryAlreadyExists"
    assert err.response["Error"]["Message"] == "The network acl entry identified by 100 already exists."
    assert entry(ec2, acl_id, False, 100)["RuleAction"] == "allow"
    custom = new_acl(ec2)["NetworkAclId"]
    add(ec2, custom, 100)
    add(ec2, custom, 100, egress=True)


def test_replace_entry(ec2, aws):
    acl_id = default_acl(ec2)["NetworkAclId"]
    aws.run("replace-network-acl-entry", "--network-acl-id", acl_id, "--ingress", "--rule-number", "100",
            "--protocol", "tcp", "--port-range", "From=443,To=443", "--cidr-block", "192.168.1.7/24",
            "--rule-action", "deny")
    assert entry(ec2, acl_id, False, 100) == {
        "CidrBlock": "192.168.1.0/24", "Egress": False, "PortRange": {"From": 443, "To": 443},
        "Protocol": "6", "RuleAction": "deny", "RuleNumber": 100,
    }
    assert entry(ec2, acl_id, True, 100)["RuleAction"] == "allow"
    err = aws.error("replace-network-acl-entry", "--network-acl-id", acl_id, "--egress", "--rule-number", "200",
                    "--protocol", "-1", "--cidr-block", ALL, "--rule-action", "allow")
    assert err.code == "InvalidNetworkAclEntry.NotFound"
    assert err.message == "no egress entry with number 200"


def test_delete_entry(ec2, aws):
    acl_id = default_acl(ec2)["NetworkAclId"]
    aws.run("delete-network-acl-entry", "--network-acl-id", acl_id, "--egress", "--rule-number", "100")
    assert entry(ec2, acl_id, True, 100) is None
    assert entry(ec2, acl_id, False, 100) is not None
    err = error_code(ec2.delete_network_acl_entry, NetworkAclId=acl_id, RuleNumber=100, Egress=True)
    assert code_of(err) == "InvalidNetworkAclEntry.NotFound"
    # The `*` rule cannot be removed.
    err = error_code(ec2.delete_network_acl_entry, NetworkAclId=acl_id, RuleNumber=32767, Egress=False)
    assert code_of(err) == "InvalidParameterValue"
    assert entry(ec2, acl_id, False, 32767) == star(False)
    err = error_code(ec2.delete_network_acl_entry, NetworkAclId="acl-0123456789abcdef0", RuleNumber=1, Egress=True)
    assert code_of(err) == "InvalidNetworkAclID.NotFound"


def test_replace_association_moves_a_subnet(ec2):
    default = default_acl(ec2)
    association = default["Associations"][0]
    custom = new_acl(ec2)["NetworkAclId"]
    new_id = ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"],
                                                 NetworkAclId=custom)["NewAssociationId"]
    assert new_id.startswith("aclassoc-") and new_id != association["NetworkAclAssociationId"]
    assert acl_by_id(ec2, custom)["Associations"] == [
        {"NetworkAclAssociationId": new_id, "NetworkAclId": custom, "SubnetId": association["SubnetId"]}
    ]
    assert association["SubnetId"] not in {a["SubnetId"] for a in default_acl(ec2)["Associations"]}
    err = error_code(ec2.replace_network_acl_association, AssociationId=association["NetworkAclAssociationId"],
                     NetworkAclId=default["NetworkAclId"])
    assert code_of(err) == "InvalidAssociationID.NotFound"
    # Back to the default ACL.
    ec2.replace_network_acl_association(AssociationId=new_id, NetworkAclId=default["NetworkAclId"])
    assert len(default_acl(ec2)["Associations"]) == 3


def test_replace_association_errors(ec2):
    association_id = default_acl(ec2)["Associations"][0]["NetworkAclAssociationId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    foreign = default_acl(ec2, other_vpc)["NetworkAclId"]
    err = error_code(ec2.replace_network_acl_association, AssociationId=association_id, NetworkAclId=foreign)
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.replace_network_acl_association, AssociationId="rtbassoc-12345678", NetworkAclId=foreign)
    assert code_of(err) == "InvalidAssociationID.Malformed"
    err = error_code(ec2.replace_network_acl_association, AssociationId=association_id,
                     NetworkAclId="acl-0123456789abcdef0")
    assert code_of(err) == "InvalidNetworkAclID.NotFound"


def test_delete_network_acl(ec2, aws):
    default = default_acl(ec2)
    err = aws.error("delete-network-acl", "--network-acl-id", default["NetworkAclId"])
    assert err.code == "InvalidParameterValue"
    assert err.message == f"cannot delete default network ACL {default['NetworkAclId']}"
    custom = new_acl(ec2, TagSpecifications=[{"ResourceType": "network-acl", "Tags": [{"Key": "k", "Value": "v"}]}])
    custom_id = custom["NetworkAclId"]
    association = default["Associations"][0]["NetworkAclAssociationId"]
    moved = ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=custom_id)
    err = error_code(ec2.delete_network_acl, NetworkAclId=custom_id)
    assert code_of(err) == "DependencyViolation"
    assert err.response["Error"]["Message"] == f"The networkAcl '{custom_id}' has dependencies and cannot be deleted."
    ec2.replace_network_acl_association(AssociationId=moved["NewAssociationId"],
                                        NetworkAclId=default["NetworkAclId"])
    ec2.delete_network_acl(NetworkAclId=custom_id)
    err = error_code(ec2.describe_network_acls, NetworkAclIds=[custom_id])
    assert code_of(err) == "InvalidNetworkAclID.NotFound"
    assert err.response["Error"]["Message"] == f"The networkAcl ID '{custom_id}' does not exist"
    assert ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [custom_id]}])["Tags"] == []
    assert code_of(error_code(ec2.delete_network_acl, NetworkAclId="acl-nothex!")) == "InvalidNetworkAclId.Malformed"


@pytest.fixture
def filter_world(ec2):
    """The default ACL (three subnets) and a tagged custom ACL with one rule of each kind."""
    default = default_acl(ec2)
    custom = new_acl(ec2, TagSpecifications=[{"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": "web"}]}])
    acl_id = custom["NetworkAclId"]
    add(ec2, acl_id, 50, protocol="tcp", CidrBlock="10.9.0.0/16", PortRange={"From": 8000, "To": 8080})
    add(ec2, acl_id, 60, egress=True, protocol="icmp", action="deny", CidrBlock="10.8.0.0/16",
        IcmpTypeCode={"Type": 3, "Code": 4})
    add(ec2, acl_id, 70, CidrBlock=None, Ipv6CidrBlock="2001:db8::/32")
    return ec2, default, acl_id


def test_every_filter(filter_world, account):
    ec2, default, custom = filter_world
    both = sorted([default["NetworkAclId"], custom])
    association = default["Associations"][0]
    cases = {
        "association.association-id": ([association["NetworkAclAssociationId"]], [default["NetworkAclId"]]),
        "association.network-acl-id": ([default["NetworkAclId"]], [default["NetworkAclId"]]),
        "association.subnet-id": ([association["SubnetId"]], [default["NetworkAclId"]]),
        "default": (["false"], [custom]),
        "entry.cidr": (["10.9.0.0/16"], [custom]),
        "entry.icmp.code": (["4"], [custom]),
        "entry.icmp.type": (["3"], [custom]),
        "entry.ipv6-cidr": (["2001:db8::/32"], [custom]),
        "entry.port-range.from": (["8000"], [custom]),
        "entry.port-range.to": (["8080"], [custom]),
        "entry.protocol": (["tcp"], [custom]),
        "entry.rule-action": (["allow"], both),
        "entry.egress": (["true"], both),
        "entry.rule-number": (["60", "70"], [custom]),
        "network-acl-id": ([custom], [custom]),
        "owner-id": ([account], both),
        "tag:Name": (["w?b"], [custom]),
        "tag-key": (["Name"], [custom]),
        "vpc-id": ([default["VpcId"]], both),
    }
    for name, (values, expected) in cases.items():
        found = ec2.describe_network_acls(Filters=[{"Name": name, "Values": values}])["NetworkAcls"]
        assert sorted(a["NetworkAclId"] for a in found) == expected, name
    found = ec2.describe_network_acls(Filters=[{"Name": "entry.protocol", "Values": ["6"]},
                                               {"Name": "entry.rule-action", "Values": ["deny"]}])["NetworkAcls"]
    assert [a["NetworkAclId"] for a in found] == [custom]
    err = error_code(ec2.describe_network_acls, Filters=[{"Name": "entry.colour", "Values": ["x"]}])
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == "The filter 'entry.colour' is invalid"


def test_describe_ids_and_pages(ec2, aws):
    vpc_id = default_vpc_id(ec2)
    for _ in range(6):
        new_acl(ec2, vpc_id)
    everything = sorted(a["NetworkAclId"] for a in ec2.describe_network_acls()["NetworkAcls"])
    assert len(everything) == 7
    pages = ec2.get_paginator("describe_network_acls").paginate(PaginationConfig={"PageSize": 5})
    sizes, seen = [], []
    for page in pages:
        sizes.append(len(page["NetworkAcls"]))
        seen += [a["NetworkAclId"] for a in page["NetworkAcls"]]
    assert sizes == [5, 2] and sorted(seen) == everything
    listed = aws.run("describe-network-acls", "--page-size", "5")["NetworkAcls"]
    assert sorted(a["NetworkAclId"] for a in listed) == everything
    assert code_of(error_code(ec2.describe_network_acls, NetworkAclIds=["acl-nothex!"])) == "InvalidNetworkAclId.Malformed"
    assert code_of(error_code(ec2.describe_network_acls, NetworkAclIds=[everything[0], "acl-0123456789abcdef0"])) \
        == "InvalidNetworkAclID.NotFound"


def test_acls_are_private_to_their_account(server, ec2):
    acl_id = default_acl(ec2)["NetworkAclId"]
    stranger = client(server.endpoint, new_account())
    assert code_of(error_code(stranger.describe_network_acls, NetworkAclIds=[acl_id])) == "InvalidNetworkAclID.NotFound"
    err = error_code(stranger.delete_network_acl_entry, NetworkAclId=acl_id, RuleNumber=100, Egress=True)
    assert code_of(err) == "InvalidNetworkAclID.NotFound"
