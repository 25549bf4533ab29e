"""IPv6 in security groups and network ACLs: Ipv6Ranges rules, their quota and duplicates, the
CLI shorthand, and the rules EC2 adds when a VPC gains IPv6 (the default ACL's rule 101 and the
IPv6 `*` rule 32768)."""
import pytest

from conftest import code_of, error_code


def ipv6_vpc(ec2, cidr="10.0.0.0/16"):
    return ec2.create_vpc(CidrBlock=cidr, AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]


def acl_entries(ec2, acl_id):
    (acl,) = ec2.describe_network_acls(NetworkAclIds=[acl_id])["NetworkAcls"]
    return [(e["Egress"], e["RuleNumber"], e["RuleAction"], e.get("CidrBlock"), e.get("Ipv6CidrBlock"))
            for e in acl["Entries"]]


def default_acl(ec2, vpc_id):
    (acl,) = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                {"Name": "default", "Values": ["true"]}])["NetworkAcls"]
    return acl["NetworkAclId"]


DEFAULT_DUAL_STACK = [
    (True, 100, "allow", "0.0.0.0/0", None),
    (True, 101, "allow", None, "::/0"),
    (True, 32767, "deny", "0.0.0.0/0", None),
    (True, 32768, "deny", None, "::/0"),
    (False, 100, "allow", "0.0.0.0/0", None),
    (False, 101, "allow", None, "::/0"),
    (False, 32767, "deny", "0.0.0.0/0", None),
    (False, 32768, "deny", None, "::/0"),
]


def test_default_acl_of_a_dual_stack_vpc(ec2):
    vpc_id = ipv6_vpc(ec2)
    acl = default_acl(ec2, vpc_id)
    assert acl_entries(ec2, acl) == DEFAULT_DUAL_STACK
    # A custom ACL of the VPC ends with both `*` rules.
    custom = ec2.create_network_acl(VpcId=vpc_id)["NetworkAcl"]
    expected = [(True, 32767, "deny", "0.0.0.0/0", None), (True, 32768, "deny", None, "::/0"),
                (False, 32767, "deny", "0.0.0.0/0", None), (False, 32768, "deny", None, "::/0")]
    assert [(e["Egress"], e["RuleNumber"], e["RuleAction"], e.get("CidrBlock"), e.get("Ipv6CidrBlock"))
            for e in custom["Entries"]] == expected
    assert acl_entries(ec2, custom["NetworkAclId"]) == expected
    found = ec2.describe_network_acls(Filters=[{"Name": "entry.ipv6-cidr", "Values": ["::/0"]},
                                               {"Name": "vpc-id", "Values": [vpc_id]}])["NetworkAcls"]
    assert sorted(a["NetworkAclId"] for a in found) == sorted([acl, custom["NetworkAclId"]])
    # The IPv6 `*` rule is EC2's: callers can neither replace nor delete it.
    for call in (ec2.replace_network_acl_entry, ec2.create_network_acl_entry):
        err = error_code(call, NetworkAclId=acl, RuleNumber=32768, Egress=False, Protocol="-1",
                         RuleAction="allow", Ipv6CidrBlock="::/0")
        assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.delete_network_acl_entry, NetworkAclId=acl, RuleNumber=32768, Egress=False)
    assert code_of(err) == "InvalidParameterValue"


def test_associating_ipv6_adds_rule_101_only_to_untouched_directions(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    acl = default_acl(ec2, vpc_id)
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Egress=False, Protocol="6",
                                 PortRange={"From": 22, "To": 22}, RuleAction="deny", CidrBlock="0.0.0.0/0")
    ec2.associate_vpc_cidr_block(VpcId=vpc_id, AmazonProvidedIpv6CidrBlock=True)
    assert acl_entries(ec2, acl) == [
        (True, 100, "allow", "0.0.0.0/0", None),
        (True, 101, "allow", None, "::/0"),
        (True, 32767, "deny", "0.0.0.0/0", None),
        (True, 32768, "deny", None, "::/0"),
        (False, 50, "deny", "0.0.0.0/0", None),
        (False, 100, "allow", "0.0.0.0/0", None),
        (False, 32767, "deny", "0.0.0.0/0", None),
        (False, 32768, "deny", None, "::/0"),
    ]


def test_ipv6_acl_entries(ec2):
    vpc_id = ipv6_vpc(ec2)
    acl = ec2.create_network_acl(VpcId=vpc_id)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=10, Egress=False, Protocol="58",
                                 IcmpTypeCode={"Type": 128, "Code": 0}, RuleAction="allow", Ipv6CidrBlock="2001:DB8::/32")
    ec2.replace_network_acl_entry(NetworkAclId=acl, RuleNumber=10, Egress=False, Protocol="6",
                                  PortRange={"From": 443, "To": 443}, RuleAction="allow", Ipv6CidrBlock="::/0")
    (entry,) = [e for e in ec2.describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]["Entries"]
                if e["RuleNumber"] == 10]
    assert entry == {"Egress": False, "Ipv6CidrBlock": "::/0", "PortRange": {"From": 443, "To": 443},
                     "Protocol": "6", "RuleAction": "allow", "RuleNumber": 10}
    # One rule number per direction across both families.
    err = error_code(ec2.create_network_acl_entry, NetworkAclId=acl, RuleNumber=10, Egress=False, Protocol="-1",
                     RuleAction="allow", CidrBlock="10.0.0.0/8")
    assert code_of(err) == "NetworkAclEntryAlreadyExists"
    err = error_code(ec2.create_network_acl_entry, NetworkAclId=acl, RuleNumber=11, Egress=False, Protocol="-1",
                     RuleAction="allow", CidrBlock="10.0.0.0/8", Ipv6CidrBlock="::/0")
    assert code_of(err) == "InvalidParameterCombination"


@pytest.fixture
def group(ec2):
    vpc_id = ipv6_vpc(ec2)
    return ec2.create_security_group(GroupName="web6", Description="web", VpcId=vpc_id)["GroupId"]


def test_new_group_in_a_dual_stack_vpc_allows_ipv4_egress_only(ec2, group):
    (g,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert g["IpPermissionsEgress"] == [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                                         "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}]


def test_ipv6_ranges_in_and_out(ec2, aws, group):
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "web"}]}])
    aws.run("authorize-security-group-egress", "--group-id", group, "--ip-permissions",
            "IpProtocol=tcp,FromPort=443,ToPort=443,Ipv6Ranges=[{CidrIpv6=2001:db8::/32}]")
    (g,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert g["IpPermissions"] == [{"FromPort": 80, "IpProtocol": "tcp", "IpRanges": [],
                                   "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "web"}],
                                   "PrefixListIds": [], "ToPort": 80, "UserIdGroupPairs": []}]
    assert {"FromPort": 443, "IpProtocol": "tcp", "IpRanges": [], "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
            "PrefixListIds": [], "ToPort": 443, "UserIdGroupPairs": []} in g["IpPermissionsEgress"]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    v6 = sorted((r["IsEgress"], r["FromPort"], r["CidrIpv6"]) for r in rules if "CidrIpv6" in r)
    assert v6 == [(False, 80, "::/0"), (True, 443, "2001:db8::/32")]
    # The same range in another spelling is the same rule.
    err = error_code(ec2.authorize_security_group_ingress, GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Ipv6Ranges": [{"CidrIpv6": "0:0::0/0"}]}])
    assert code_of(err) == "InvalidPermission.Duplicate"
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    aws.run("revoke-security-group-egress", "--group-id", group, "--ip-permissions",
            "IpProtocol=tcp,FromPort=443,ToPort=443,Ipv6Ranges=[{CidrIpv6=2001:db8::/32}]")
    (g,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]
    assert g["IpPermissions"] == []
    assert all(p["Ipv6Ranges"] == [] for p in g["IpPermissionsEgress"])
    err = error_code(ec2.revoke_security_group_ingress, GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    assert code_of(err) == "InvalidPermission.NotFound"


def test_ipv6_rules_have_their_own_quota(ec2, group):
    # 60 rules per direction and family: 60 IPv6 ranges fit beside IPv4 ones, the 61st does not.
    ranges = [{"CidrIpv6": f"2001:db8:{i:x}::/48"} for i in range(60)]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": ranges}])
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    err = error_code(ec2.authorize_security_group_ingress, GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "2001:db8:ffff::/48"}]}])
    assert code_of(err) == "RulesPerSecurityGroupLimitExceeded"
