"""Security groups and their rules, driven by boto3 and the AWS CLI."""
import os
import tempfile

import pytest

from conftest import Server, client, code_of, error_code, new_account

CHARSET = "from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"


def vpc_id(ec2, cidr="10.0.0.0/16"):
    return ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


def new_group(ec2, name="web", vpc=None, **kw):
    return ec2.create_security_group(GroupName=name, Description=f"{name} group", VpcId=vpc or vpc_id(ec2), **kw)["GroupId"]


def describe(ec2, group_id):
    return ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]


def tcp(port, *cidrs, to=None, **extra):
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port if to is None else to, "IpRanges": [{"CidrIp": c} for c in cidrs], **extra}


def ingress(ec2, group_id, *permissions):
    return ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=list(permissions))


def message(err):
    return err.response["Error"]["Message"]


# --- the seed scenario ------------------------------------------------------------------------


def test_seed_scenario_with_the_aws_cli(ec2, aws, account):
    vpc = vpc_id(ec2)
    created = aws.run("create-security-group", "--group-name", "x", "--description", "standalone in VPC", "--vpc-id", vpc)
    group_id = created["GroupId"]
    assert group_id.startswith("sg-") and len(group_id) == 20
    assert created["SecurityGroupArn"] == f"arn:aws:ec2:ap-northeast-1:{account}:security-group/{group_id}"
    for port in (22, 25, 80):
        out = aws.run("authorize-security-group-ingress", "--group-id", group_id, "--protocol", "tcp", "--port", str(port), "--cidr", "0.0.0.0/0")
        assert out["Return"] is True
        [rule] = out["SecurityGroupRules"]
        assert rule["SecurityGroupRuleId"].startswith("sgr-")
        assert (rule["GroupId"], rule["GroupOwnerId"], rule["IsEgress"]) == (group_id, account, False)
        assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], rule["CidrIpv4"]) == ("tcp", port, port, "0.0.0.0/0")
    [group] = aws.run("describe-security-groups", "--group-ids", group_id)["SecurityGroups"]
    assert (group["GroupName"], group["Description"], group["VpcId"], group["OwnerId"]) == ("x", "standalone in VPC", vpc, account)
    assert [(p["IpProtocol"], p["FromPort"], p["ToPort"], p["IpRanges"]) for p in group["IpPermissions"]] == [
        ("tcp", port, port, [{"CidrIp": "0.0.0.0/0"}]) for port in (22, 25, 80)
    ]
    assert group["IpPermissionsEgress"] == [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
    ]


def test_default_group_of_a_new_vpc(ec2, account):
    vpc = vpc_id(ec2)
    [group] = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]
    assert (group["GroupName"], group["Description"]) == ("default", "default VPC security group")
    [self_rule] = group["IpPermissions"]
    assert self_rule["IpProtocol"] == "-1" and "FromPort" not in self_rule
    assert self_rule["UserIdGroupPairs"] == [{"GroupId": group["GroupId"], "UserId": account}]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group["GroupId"]]}])["SecurityGroupRules"]
    [inbound] = [r for r in rules if not r["IsEgress"]]
    assert inbound["ReferencedGroupInfo"] == {"GroupId": group["GroupId"], "UserId": account}
    assert (inbound["FromPort"], inbound["ToPort"], inbound["Tags"]) == (-1, -1, [])


# --- creating groups --------------------------------------------------------------------------


def test_create_without_vpc_uses_the_default_vpc_and_takes_tags(ec2):
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    tags = [{"Key": "Name", "Value": "web"}]
    out = ec2.create_security_group(GroupName="web", Description="d", TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}])
    assert out["Tags"] == tags
    [group] = ec2.describe_security_groups(GroupNames=["web"])["SecurityGroups"]
    assert (group["GroupId"], group["VpcId"], group["Tags"]) == (out["GroupId"], default_vpc, tags)
    err = error_code(ec2.create_security_group, GroupName="x", Description="d", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])
    assert code_of(err) == "InvalidParameterValue"


@pytest.mark.parametrize(
    "name, code, text",
    [
        ("sg-web", "InvalidParameterValue", "Value (sg-web) for parameter GroupName is invalid. Group names may not be in the format sg-*."),
        ("default", "InvalidGroup.Reserved", "The security group 'default' is reserved."),
        ("n" * 256, "InvalidParameterValue", f"Invalid security group name. Valid names are non-empty strings less than 256 characters {CHARSET}"),
        ("it's", "InvalidParameterValue", f"Invalid security group name. Valid names are non-empty strings less than 256 characters {CHARSET}"),
        ("café", "InvalidParameterValue", "Value (café) for parameter GroupName is invalid. Character sets beyond ASCII are not supported."),
    ],
)
def test_group_name_rules(ec2, name, code, text):
    err = error_code(ec2.create_security_group, GroupName=name, Description="d", VpcId=vpc_id(ec2))
    assert (code_of(err), message(err)) == (code, text)


def test_group_name_charset_and_length_limit_accept_the_edge(ec2):
    vpc = vpc_id(ec2)
    ec2.create_security_group(GroupName="n" * 255, Description="d" * 255, VpcId=vpc)
    ec2.create_security_group(GroupName="a.b_c-d:e/f(g)#h,i@j[k]l+m=n&o;p{q}r!s$t*u v", Description="d", VpcId=vpc)


@pytest.mark.parametrize(
    "description, text",
    [
        ("the app's group", f"Invalid security group description. Valid descriptions are strings less than 256 characters {CHARSET}"),
        ("d" * 256, f"Invalid security group description. Valid descriptions are strings less than 256 characters {CHARSET}"),
        ("web — prod", "Value (web — prod) for parameter GroupDescription is invalid. Character sets beyond ASCII are not supported."),
    ],
)
def test_group_description_rules(ec2, description, text):
    err = error_code(ec2.create_security_group, GroupName="web", Description=description, VpcId=vpc_id(ec2))
    assert (code_of(err), message(err)) == ("InvalidParameterValue", text)


def test_names_are_unique_per_vpc_whatever_the_case(ec2, aws):
    vpc, other = vpc_id(ec2), vpc_id(ec2, "10.1.0.0/16")
    new_group(ec2, "web", vpc)
    err = aws.error("create-security-group", "--group-name", "Web", "--description", "d", "--vpc-id", vpc)
    assert (err.code, err.message) == ("InvalidGroup.Duplicate", f"The security group 'Web' already exists for VPC '{vpc}'")
    assert code_of(error_code(ec2.create_security_group, GroupName="DEFAULT", Description="d", VpcId=vpc)) == "InvalidGroup.Duplicate"
    new_group(ec2, "web", other)


def test_create_in_an_unknown_or_malformed_vpc(ec2):
    assert code_of(error_code(ec2.create_security_group, GroupName="w", Description="d", VpcId="vpc-0123456789abcdef0")) == "InvalidVpcID.NotFound"
    assert code_of(error_code(ec2.create_security_group, GroupName="w", Description="d", VpcId="subnet-1")) == "InvalidVpcID.Malformed"


# --- describing groups ------------------------------------------------------------------------


def test_describe_unknown_and_malformed_ids_and_names(ec2):
    err = error_code(ec2.describe_security_groups, GroupIds=["sg-0123456789abcdef0"])
    assert (code_of(err), message(err)) == ("InvalidGroup.NotFound", "The security group 'sg-0123456789abcdef0' does not exist")
    assert code_of(error_code(ec2.describe_security_groups, GroupIds=["sg-xyz"])) == "InvalidGroupId.Malformed"
    vpc = vpc_id(ec2)
    new_group(ec2, "elsewhere", vpc)
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    err = error_code(ec2.describe_security_groups, GroupNames=["elsewhere"])
    assert (code_of(err), message(err)) == ("InvalidGroup.NotFound", f"The security group 'elsewhere' does not exist in default VPC '{default_vpc}'")
    assert len(ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"]) == 1


def test_describe_filters(ec2, account):
    vpc = vpc_id(ec2)
    db = new_group(ec2, "db", vpc, TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "tier", "Value": "data"}]}])
    web = new_group(ec2, "web", vpc)
    ingress(ec2, web, tcp(22, "10.0.0.0/8"), {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": db}]})
    ingress(ec2, web, {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}]})
    ec2.authorize_security_group_egress(GroupId=db, IpPermissions=[tcp(443, "192.168.0.0/16")])

    def names(*filters):
        groups = ec2.describe_security_groups(Filters=[{"Name": n, "Values": v} for n, v in filters])["SecurityGroups"]
        return sorted(g["GroupName"] for g in groups)

    assert names(("vpc-id", [vpc])) == ["db", "default", "web"]
    assert names(("vpc-id", [vpc]), ("group-name", ["w*"])) == ["web"]
    assert names(("group-id", [db])) == ["db"]
    assert names(("description", ["db group"])) == ["db"]
    assert names(("vpc-id", [vpc]), ("owner-id", [account])) == ["db", "default", "web"]
    assert names(("tag:tier", ["data"])) == ["db"] == names(("tag-key", ["tier"]))
    assert names(("ip-permission.cidr", ["10.0.0.0/8"])) == ["web"]
    assert names(("ip-permission.from-port", ["5432"]), ("ip-permission.to-port", ["5432"])) == ["web"]
    assert names(("ip-permission.protocol", ["udp"])) == ["web"]
    assert names(("ip-permission.ipv6-cidr", ["2001:db8::/32"])) == ["web"]
    assert names(("ip-permission.group-id", [db])) == ["web"] == names(("ip-permission.group-name", ["db"]))
    assert names(("vpc-id", [vpc]), ("ip-permission.user-id", [account])) == ["default", "web"]
    assert names(("ip-permission.prefix-list-id", ["pl-*"])) == []
    assert names(("egress.ip-permission.cidr", ["192.168.0.0/16"])) == ["db"]
    assert names(("egress.ip-permission.from-port", ["443"]), ("egress.ip-permission.protocol", ["tcp"])) == ["db"]
    assert names(("egress.ip-permission.to-port", ["443"])) == ["db"]
    assert names(("egress.ip-permission.group-id", ["*"]), ("egress.ip-permission.group-name", ["*"])) == []
    assert names(("egress.ip-permission.user-id", ["*"]), ("egress.ip-permission.ipv6-cidr", ["*"])) == []
    assert names(("egress.ip-permission.prefix-list-id", ["*"])) == []
    err = error_code(ec2.describe_security_groups, Filters=[{"Name": "colour", "Values": ["x"]}])
    assert (code_of(err), message(err)) == ("InvalidParameterValue", "The filter 'colour' is invalid")


def test_describe_pages(ec2, aws):
    vpc = vpc_id(ec2)
    for i in range(6):
        new_group(ec2, f"g{i}", vpc)
    seen, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        page = ec2.describe_security_groups(MaxResults=5, **kw)
        assert len(page["SecurityGroups"]) <= 5
        seen += [g["GroupId"] for g in page["SecurityGroups"]]
        token = page.get("NextToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) == 8  # 6 + the two VPCs' default groups
    assert len(aws.run("describe-security-groups", "--page-size", "5")["SecurityGroups"]) == 8


# --- deleting groups --------------------------------------------------------------------------


def test_delete_by_id_and_by_name(ec2):
    group_id = new_group(ec2)
    out = ec2.delete_security_group(GroupId=group_id)
    assert (out["Return"], out["GroupId"]) == (True, group_id)
    assert code_of(error_code(ec2.describe_security_groups, GroupIds=[group_id])) == "InvalidGroup.NotFound"
    named = ec2.create_security_group(GroupName="old-style", Description="d")["GroupId"]
    assert ec2.delete_security_group(GroupName="old-style")["GroupId"] == named
    assert code_of(error_code(ec2.delete_security_group, GroupName="old-style")) == "InvalidGroup.NotFound"


def test_the_default_group_cannot_be_deleted(ec2, aws):
    vpc = vpc_id(ec2)
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"][0]["GroupId"]
    err = aws.error("delete-security-group", "--group-id", default)
    assert (err.code, err.message) == ("CannotDelete", f'the specified group: "{default}" name: "default" cannot be deleted by a user')


def test_a_referenced_group_cannot_be_deleted(ec2):
    vpc = vpc_id(ec2)
    db, web = new_group(ec2, "db", vpc), new_group(ec2, "web", vpc)
    pair = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web}]}
    ingress(ec2, db, pair)
    ingress(ec2, web, {**pair, "UserIdGroupPairs": [{"GroupId": web}]})  # a self-reference does not block
    err = error_code(ec2.delete_security_group, GroupId=web)
    assert (code_of(err), message(err)) == ("DependencyViolation", f"resource {web} has a dependent object")
    ec2.revoke_security_group_ingress(GroupId=db, IpPermissions=[pair])
    ec2.delete_security_group(GroupId=web)


def test_a_vpc_with_a_group_cannot_be_deleted(ec2):
    vpc = vpc_id(ec2)
    group = new_group(ec2, "web", vpc)
    assert code_of(error_code(ec2.delete_vpc, VpcId=vpc)) == "DependencyViolation"
    ec2.delete_security_group(GroupId=group)
    ec2.delete_vpc(VpcId=vpc)


# --- quotas (a server of their own with small quotas) -----------------------------------------


@pytest.fixture(scope="module")
def small_quotas():
    with tempfile.TemporaryDirectory(prefix="localvpc-quota-") as data_dir:
        config = os.path.join(data_dir, "localvpc.toml")
        with open(config, "w") as f:
            f.write("[quotas]\nsecurity-groups-per-region = 3\nrules-per-security-group = 3\n")
        srv = Server(data_dir, ["--config", config])
        yield srv
        srv.stop()


def test_security_groups_per_region(small_quotas):
    ec2 = client(small_quotas.endpoint, new_account())
    ec2.create_security_group(GroupName="a", Description="d")  # the default VPC's group is the first
    ec2.create_security_group(GroupName="b", Description="d")
    assert code_of(error_code(ec2.create_security_group, GroupName="c", Description="d")) == "SecurityGroupLimitExceeded"


def test_rules_per_group_and_direction(small_quotas):
    ec2 = client(small_quotas.endpoint, new_account())
    group = ec2.create_security_group(GroupName="a", Description="d")["GroupId"]
    ingress(ec2, group, tcp(1, "10.0.0.0/8", "10.1.0.0/16", "10.2.0.0/16"))
    err = error_code(ingress, ec2, group, tcp(2, "10.3.0.0/16"))
    assert (code_of(err), message(err)) == ("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
    # IPv6 rules have their own count, and so does egress (one rule so far).
    ingress(ec2, group, {"IpProtocol": "tcp", "FromPort": 2, "ToPort": 2, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]})
    ec2.authorize_security_group_egress(GroupId=group, IpPermissions=[tcp(2, "10.3.0.0/16", "10.4.0.0/16")])
    assert code_of(error_code(ec2.authorize_security_group_egress, GroupId=group, IpPermissions=[tcp(3, "10.5.0.0/16")])) == "RulesPerSecurityGroupLimitExceeded"


# --- authorizing ------------------------------------------------------------------------------


def test_ip_permissions_gather_rules_by_protocol_and_ports(ec2, account):
    vpc = vpc_id(ec2)
    db, web = new_group(ec2, "db", vpc), new_group(ec2, "web", vpc)
    ingress(ec2, db, tcp(5432, "10.0.0.0/8"), {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]})
    ingress(
        ec2,
        db,
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "192.168.0.0/16", "Description": "office"}], "UserIdGroupPairs": [{"GroupName": "web", "Description": "app"}]},
    )
    [postgres, dns] = describe(ec2, db)["IpPermissions"]
    assert (postgres["IpProtocol"], postgres["FromPort"], postgres["ToPort"]) == ("tcp", 5432, 5432)
    assert postgres["IpRanges"] == [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.168.0.0/16", "Description": "office"}]
    assert postgres["UserIdGroupPairs"] == [{"Description": "app", "GroupId": web, "UserId": account}]
    assert (dns["IpProtocol"], dns["FromPort"], dns["IpRanges"]) == ("udp", 53, [{"CidrIp": "10.0.0.0/8"}])


@pytest.mark.parametrize(
    "given, stored, ports",
    [("6", "tcp", (22, 22)), ("17", "udp", (22, 22)), ("TCP", "tcp", (22, 22)), ("1", "icmp", (22, 22)), ("58", "icmpv6", (22, 22)), ("all", "-1", None), ("-1", "-1", None), ("47", "47", None)],
)
def test_protocols_are_canonicalised(ec2, given, stored, ports):
    group = new_group(ec2)
    [rule] = ingress(ec2, group, {"IpProtocol": given, "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]})["SecurityGroupRules"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == (stored, *(ports or (-1, -1)))
    [permission] = describe(ec2, group)["IpPermissions"]
    assert permission["IpProtocol"] == stored
    assert (permission.get("FromPort"), permission.get("ToPort")) == (ports or (None, None))


@pytest.mark.parametrize(
    "permission, code, text",
    [
        ({"IpProtocol": "tcp"}, "InvalidParameterValue", "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange."),
        ({"IpProtocol": "udp", "ToPort": 53}, "InvalidPermission.Malformed", "TCP/UDP port (-1) out of range"),
        ({"IpProtocol": "tcp", "FromPort": 0, "ToPort": 70000}, "InvalidPermission.Malformed", "TCP/UDP port (70000) out of range"),
        ({"IpProtocol": "tcp", "FromPort": 80, "ToPort": 22}, "InvalidParameterValue", None),
        ({"IpProtocol": "icmp"}, "InvalidParameterValue", "Invalid value 'Must specify both from and to ports with ICMP.' for portRange."),
        ({"IpProtocol": "icmp", "FromPort": -1, "ToPort": 3}, "InvalidParameterValue", None),
        ({"IpProtocol": "icmp", "FromPort": 300, "ToPort": 0}, "InvalidParameterValue", None),
        ({"IpProtocol": "gre"}, "InvalidParameterValue", "Invalid value 'gre' for IP protocol. Unknown protocol."),
    ],
)
def test_protocol_and_port_rules(ec2, permission, code, text):
    err = error_code(ingress, ec2, new_group(ec2), {**permission, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    assert code_of(err) == code
    if text:
        assert message(err) == text


def test_icmp_type_with_all_codes_and_icmpv6_without_ports(ec2):
    group = new_group(ec2)
    [echo] = ingress(ec2, group, {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})["SecurityGroupRules"]
    assert (echo["FromPort"], echo["ToPort"]) == (8, -1)
    [v6] = ingress(ec2, group, {"IpProtocol": "icmpv6", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]})["SecurityGroupRules"]
    assert (v6["IpProtocol"], v6["FromPort"], v6["ToPort"], v6["CidrIpv6"]) == ("icmpv6", -1, -1, "::/0")


def test_cidrs_are_canonicalised_before_duplicates_are_found(ec2, aws):
    group = new_group(ec2)
    [rule] = ingress(ec2, group, tcp(22, "10.0.0.5/24"))["SecurityGroupRules"]
    assert rule["CidrIpv4"] == "10.0.0.0/24"
    err = aws.error("authorize-security-group-ingress", "--group-id", group, "--protocol", "tcp", "--port", "22", "--cidr", "10.0.0.0/24")
    assert (err.code, err.message) == ("InvalidPermission.Duplicate", 'the specified rule "peer: 10.0.0.0/24, TCP, from port: 22, to port: 22, ALLOW" already exists')
    [v6] = ingress(ec2, group, {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::1/64"}]})["SecurityGroupRules"]
    assert v6["CidrIpv6"] == "2001:db8::/64"
    assert code_of(error_code(ingress, ec2, group, {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/64"}]})) == "InvalidPermission.Duplicate"
    assert code_of(error_code(ingress, ec2, group, tcp(22, "10.9.0.0/33"))) == "InvalidParameterValue"


def test_duplicates_within_a_request_and_the_default_egress_rule(ec2):
    group = new_group(ec2)
    assert code_of(error_code(ingress, ec2, group, tcp(80, "10.0.0.0/8", "10.1.2.3/8"))) == "InvalidPermission.Duplicate"
    assert describe(ec2, group)["IpPermissions"] == []  # all or nothing
    err = error_code(ec2.authorize_security_group_egress, GroupId=group, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert message(err) == 'the specified rule "peer: 0.0.0.0/0, ALL, ALLOW" already exists'


def test_referenced_groups_must_be_in_the_same_vpc(ec2):
    vpc, other = vpc_id(ec2), vpc_id(ec2, "10.1.0.0/16")
    web, foreign = new_group(ec2, "web", vpc), new_group(ec2, "foreign", other)
    pair = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}
    err = error_code(ingress, ec2, web, {**pair, "UserIdGroupPairs": [{"GroupId": foreign}]})
    assert (code_of(err), message(err)) == ("InvalidGroup.NotFound", f"The security group '{foreign}' does not exist in VPC '{vpc}'")
    assert code_of(error_code(ingress, ec2, web, {**pair, "UserIdGroupPairs": [{"GroupName": "foreign"}]})) == "InvalidGroup.NotFound"
    err = error_code(ingress, ec2, web, {**pair, "UserIdGroupPairs": [{"GroupId": "sg-0123456789abcdef0"}]})
    assert message(err) == "The security group 'sg-0123456789abcdef0' does not exist"
    assert code_of(error_code(ingress, ec2, web, {**pair, "UserIdGroupPairs": [{"GroupId": "sg-!"}]})) == "InvalidGroupId.Malformed"
    assert code_of(error_code(ingress, ec2, web, {**pair, "UserIdGroupPairs": [{"GroupId": web, "UserId": "999999999999"}]})) == "InvalidGroup.NotFound"
    err = error_code(ingress, ec2, web, {**pair, "UserIdGroupPairs": [{"GroupId": web, "VpcPeeringConnectionId": "pcx-0123456789abcdef0"}]})
    assert code_of(err) == "InvalidVpcPeeringConnectionID.NotFound"


def test_prefix_lists_do_not_exist(ec2):
    err = error_code(ec2.authorize_security_group_egress, GroupId=new_group(ec2), IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": "pl-0123456789abcdef0"}]}])
    assert (code_of(err), message(err)) == ("InvalidPrefixListID.NotFound", "The prefix list ID 'pl-0123456789abcdef0' does not exist")


def test_rule_descriptions_and_peers_are_checked(ec2):
    group = new_group(ec2)
    err = error_code(ingress, ec2, group, {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "Let's go"}]})
    assert (code_of(err), message(err)) == ("InvalidParameterValue", f"Invalid rule description. Valid descriptions are strings less than 256 characters {CHARSET}")
    assert code_of(error_code(ingress, ec2, group, {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1})) == "MissingParameter"
    assert code_of(error_code(ec2.authorize_security_group_ingress, GroupId=group)) == "MissingParameter"


def test_old_flat_parameters(ec2, account):
    default_vpc_group = ec2.create_security_group(GroupName="web", Description="d")["GroupId"]
    ec2.create_security_group(GroupName="lb", Description="d")
    out = ec2.authorize_security_group_ingress(GroupName="web", IpProtocol="tcp", FromPort=8080, ToPort=8081, CidrIp="10.0.0.0/8")
    [rule] = out["SecurityGroupRules"]
    assert (rule["GroupId"], rule["FromPort"], rule["ToPort"], rule["CidrIpv4"]) == (default_vpc_group, 8080, 8081, "10.0.0.0/8")
    # A source group gets full ICMP, TCP and UDP access.
    out = ec2.authorize_security_group_ingress(GroupName="web", SourceSecurityGroupName="lb")
    assert sorted((r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in out["SecurityGroupRules"]) == [("icmp", -1, -1), ("tcp", 0, 65535), ("udp", 0, 65535)]
    err = error_code(ec2.authorize_security_group_ingress, GroupName="web", CidrIp="10.0.0.0/8", IpPermissions=[tcp(1, "10.0.0.0/8")])
    assert code_of(err) == "InvalidParameterCombination"
    assert code_of(error_code(ec2.authorize_security_group_ingress, GroupName="web", SourceSecurityGroupName="lb", IpProtocol="tcp")) == "InvalidParameterCombination"
    assert code_of(error_code(ec2.authorize_security_group_ingress, GroupName="web", GroupId=default_vpc_group, CidrIp="10.0.0.0/8", IpProtocol="-1")) == "InvalidParameterCombination"
    err = error_code(ec2.authorize_security_group_egress, GroupId=default_vpc_group, IpProtocol="tcp", FromPort=1, ToPort=1, CidrIp="10.0.0.0/8")
    assert code_of(err) == "InvalidParameterValue"


def test_cli_port_ranges_and_source_groups(ec2, aws, account):
    vpc = vpc_id(ec2)
    web, lb = new_group(ec2, "web", vpc), new_group(ec2, "lb", vpc)
    for args in (
        ("--protocol", "tcp", "--port", "1000-2000", "--cidr", "10.0.0.0/8"),
        ("--protocol", "udp", "--port", "all", "--cidr", "10.0.0.0/8"),
        ("--protocol", "tcp", "--port", "443", "--source-group", "lb"),
        ("--protocol", "all", "--source-group", lb),
    ):
        aws.run("authorize-security-group-ingress", "--group-id", web, *args)
    permissions = describe(ec2, web)["IpPermissions"]
    assert [(p["IpProtocol"], p.get("FromPort"), p.get("ToPort")) for p in permissions] == [
        ("tcp", 1000, 2000),
        ("udp", 0, 65535),
        ("tcp", 443, 443),
        ("-1", None, None),
    ]
    assert permissions[2]["UserIdGroupPairs"] == [{"GroupId": lb, "UserId": account}]


def test_rule_tags_and_dry_run(ec2):
    group = new_group(ec2)
    tags = [{"Key": "purpose", "Value": "ssh"}]
    [rule] = ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[tcp(22, "10.0.0.0/8")], TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": tags}]
    )["SecurityGroupRules"]
    assert rule["Tags"] == tags
    found = ec2.describe_security_group_rules(Filters=[{"Name": "tag:purpose", "Values": ["ssh"]}])["SecurityGroupRules"]
    assert [r["SecurityGroupRuleId"] for r in found] == [rule["SecurityGroupRuleId"]]
    err = error_code(ec2.authorize_security_group_ingress, GroupId=group, IpPermissions=[tcp(23, "10.0.0.0/8")], DryRun=True)
    assert code_of(err) == "DryRunOperation"
    assert len(describe(ec2, group)["IpPermissions"]) == 1


# --- revoking ---------------------------------------------------------------------------------


def test_revoke_by_permission_and_by_rule_id(ec2):
    group = new_group(ec2)
    ssh, web = (ingress(ec2, group, tcp(p, "0.0.0.0/0"))["SecurityGroupRules"][0] for p in (22, 80))
    out = ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[tcp(22, "0.0.0.0/0")])
    assert out["Return"] is True and "UnknownIpPermissions" not in out
    [revoked] = out["RevokedSecurityGroupRules"]
    assert (revoked["SecurityGroupRuleId"], revoked["IsEgress"], revoked["FromPort"], revoked["CidrIpv4"]) == (ssh["SecurityGroupRuleId"], False, 22, "0.0.0.0/0")
    err = error_code(ec2.revoke_security_group_ingress, GroupId=group, IpPermissions=[tcp(22, "0.0.0.0/0")])
    assert (code_of(err), message(err)) == ("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
    [egress] = describe_rules(ec2, group, egress=True)
    assert code_of(error_code(ec2.revoke_security_group_ingress, GroupId=group, SecurityGroupRuleIds=[egress])) == "InvalidSecurityGroupRuleId.NotFound"
    assert code_of(error_code(ec2.revoke_security_group_ingress, GroupId=group, SecurityGroupRuleIds=["sgr-nope"])) == "InvalidSecurityGroupRuleId.Malformed"
    ec2.revoke_security_group_ingress(GroupId=group, SecurityGroupRuleIds=[web["SecurityGroupRuleId"]])
    ec2.revoke_security_group_egress(GroupId=group, SecurityGroupRuleIds=[egress])
    group_view = describe(ec2, group)
    assert (group_view["IpPermissions"], group_view["IpPermissionsEgress"]) == ([], [])


def describe_rules(ec2, group, egress):
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    return [r["SecurityGroupRuleId"] for r in rules if r["IsEgress"] == egress]


def test_revoke_matches_canonical_permissions_whatever_the_description(ec2, aws):
    group = new_group(ec2)
    ingress(ec2, group, {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "office"}]})
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[{"IpProtocol": "6", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.1.2.3/8"}]}])
    ingress(ec2, group, tcp(25, "0.0.0.0/0"))
    out = aws.run("revoke-security-group-ingress", "--group-id", group, "--protocol", "tcp", "--port", "25", "--cidr", "0.0.0.0/0")
    assert out["Return"] is True and len(out["RevokedSecurityGroupRules"]) == 1
    assert describe(ec2, group)["IpPermissions"] == []


def test_revoke_in_the_default_vpc_reports_unknown_permissions(ec2):
    group = ec2.create_security_group(GroupName="web", Description="d")["GroupId"]
    ingress(ec2, group, tcp(22, "0.0.0.0/0"))
    out = ec2.revoke_security_group_ingress(GroupName="web", IpPermissions=[tcp(22, "0.0.0.0/0"), tcp(23, "0.0.0.0/0")])
    assert out["Return"] is True and len(out["RevokedSecurityGroupRules"]) == 1
    [unknown] = out["UnknownIpPermissions"]
    assert (unknown["IpProtocol"], unknown["FromPort"], unknown["IpRanges"]) == ("tcp", 23, [{"CidrIp": "0.0.0.0/0"}])
    assert describe(ec2, group)["IpPermissions"] == []


# --- DescribeSecurityGroupRules and ModifySecurityGroupRules ----------------------------------


def test_describe_security_group_rules(ec2, account):
    group = new_group(ec2)
    created = ingress(ec2, group, tcp(22, "10.0.0.0/8"), tcp(80, "0.0.0.0/0"))["SecurityGroupRules"]
    ids = sorted(r["SecurityGroupRuleId"] for r in created)
    found = ec2.describe_security_group_rules(SecurityGroupRuleIds=ids)["SecurityGroupRules"]
    assert sorted(r["SecurityGroupRuleId"] for r in found) == ids
    assert all(r["SecurityGroupRuleArn"] == f"arn:aws:ec2:ap-northeast-1:{account}:security-group-rule/{r['SecurityGroupRuleId']}" for r in found)
    by_id = ec2.describe_security_group_rules(Filters=[{"Name": "security-group-rule-id", "Values": [ids[0]]}])["SecurityGroupRules"]
    assert [r["SecurityGroupRuleId"] for r in by_id] == [ids[0]]
    missing = "sgr-0123456789abcdef0"
    err = error_code(ec2.describe_security_group_rules, SecurityGroupRuleIds=[missing])
    assert (code_of(err), message(err)) == ("InvalidSecurityGroupRuleId.NotFound", f"The security group rule ID '{missing}' does not exist")
    seen, kw = [], {}
    while True:
        page = ec2.describe_security_group_rules(MaxResults=5, **kw)
        seen += [r["SecurityGroupRuleId"] for r in page["SecurityGroupRules"]]
        if "NextToken" not in page:
            break
        kw = {"NextToken": page["NextToken"]}
    assert len(seen) == len(set(seen)) == 7  # default VPC's group 2, new VPC's default 2, this group 3


def test_modify_security_group_rules(ec2):
    vpc = vpc_id(ec2)
    group, other = new_group(ec2, "web", vpc), new_group(ec2, "db", vpc)
    ssh, web = ingress(ec2, group, tcp(22, "10.0.0.0/8"), tcp(80, "0.0.0.0/0"))["SecurityGroupRules"]
    rule_id = ssh["SecurityGroupRuleId"]

    def modify(**definition):
        return ec2.modify_security_group_rules(GroupId=group, SecurityGroupRules=[{"SecurityGroupRuleId": rule_id, "SecurityGroupRule": definition}])

    assert modify(IpProtocol="tcp", FromPort=2222, ToPort=2222, CidrIpv4="192.168.1.7/24", Description="ssh")["Return"] is True
    [rule] = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])["SecurityGroupRules"]
    assert (rule["FromPort"], rule["ToPort"], rule["CidrIpv4"], rule["Description"]) == (2222, 2222, "192.168.1.0/24", "ssh")
    assert code_of(error_code(modify, IpProtocol="tcp", FromPort=80, ToPort=80, CidrIpv4="0.0.0.0/0")) == "InvalidPermission.Duplicate"
    assert code_of(error_code(modify, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIpv6="::/0")) == "InvalidParameterValue"
    assert code_of(error_code(modify, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIpv4="0.0.0.0/0", ReferencedGroupId=other)) == "InvalidParameterCombination"
    assert code_of(error_code(modify, IpProtocol="tcp", FromPort=22, ToPort=22)) == "MissingParameter"
    err = error_code(ec2.modify_security_group_rules, GroupId=other, SecurityGroupRules=[{"SecurityGroupRuleId": web["SecurityGroupRuleId"], "SecurityGroupRule": {"IpProtocol": "-1", "CidrIpv4": "0.0.0.0/0"}}])
    assert code_of(err) == "InvalidSecurityGroupRuleId.NotFound"


def test_get_security_groups_for_vpc(ec2, account):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    got = ec2.get_security_groups_for_vpc(VpcId=vpc)["SecurityGroupForVpcs"]
    assert sorted(g["GroupName"] for g in got) == ["default", "web"]
    mine = next(g for g in got if g["GroupId"] == sg)
    assert mine["PrimaryVpcId"] == vpc and mine["OwnerId"] == account
    only = ec2.get_security_groups_for_vpc(VpcId=vpc, Filters=[{"Name": "group-name", "Values": ["web"]}])
    assert [g["GroupId"] for g in only["SecurityGroupForVpcs"]] == [sg]
    err = error_code(ec2.get_security_groups_for_vpc, VpcId="vpc-0123456789abcdef0")
    assert code_of(err) == "InvalidVpcID.NotFound"
