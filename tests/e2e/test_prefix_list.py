"""Managed prefix lists (spec vpc-surface.md §2): customer-managed lists with versions, sizes and
states, the region's AWS-managed lists, references from security group rules (weighed by
MaxEntries against the rules quota) and the refusals AWS gives, with exact codes."""
from conftest import client, code_of, error_code, new_account
from netkit import message, new_group, new_vpc


def new_list(ec2, max_entries=5, family="IPv4", entries=(), name="office", **kw) -> dict:
    return ec2.create_managed_prefix_list(
        PrefixListName=name,
        MaxEntries=max_entries,
        AddressFamily=family,
        Entries=[{"Cidr": c, "Description": f"d {c}"} for c in entries],
        **kw,
    )["PrefixList"]


def described(ec2, pl) -> dict:
    return ec2.describe_managed_prefix_lists(PrefixListIds=[pl])["PrefixLists"][0]


def entries(ec2, pl, **kw) -> list:
    return [e["Cidr"] for e in ec2.get_managed_prefix_list_entries(PrefixListId=pl, **kw)["Entries"]]


def test_create_answers_in_progress_then_describe_shows_complete(ec2, account):
    created = new_list(
        ec2,
        entries=["10.1.0.0/16", "10.0.0.0/16"],
        TagSpecifications=[{"ResourceType": "prefix-list", "Tags": [{"Key": "Name", "Value": "office"}]}],
    )
    pl = created["PrefixListId"]
    assert pl.startswith("pl-") and len(pl) == 20
    assert created["State"] == "create-in-progress"
    assert created["Version"] == 1 and created["MaxEntries"] == 5
    assert created["AddressFamily"] == "IPv4" and created["OwnerId"] == account
    assert created["PrefixListArn"] == f"arn:aws:ec2:ap-northeast-1:{account}:prefix-list/{pl}"
    assert created["Tags"] == [{"Key": "Name", "Value": "office"}]
    shown = described(ec2, pl)
    assert shown["State"] == "create-complete" and shown["PrefixListName"] == "office"
    got = ec2.get_managed_prefix_list_entries(PrefixListId=pl)["Entries"]
    assert got == [
        {"Cidr": "10.0.0.0/16", "Description": "d 10.0.0.0/16"},
        {"Cidr": "10.1.0.0/16", "Description": "d 10.1.0.0/16"},
    ]
    found = ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": ["off*"]}])
    assert [p["PrefixListId"] for p in found["PrefixLists"]] == [pl]


def test_create_refusals(ec2):
    for kw, text in [
        (dict(max_entries=0), "Must specify a max size between 1 and 1000"),
        (dict(max_entries=1001), "Must specify a max size between 1 and 1000"),
        (dict(max_entries=2, entries=["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]), None),
        (dict(entries=["2001:db8::/32"]), None),
        (dict(entries=["10.0.0.0/16", "10.0.0.0/16"]), None),
        (dict(family="IPv5"), None),
        (dict(name="com.amazonaws.mine"), None),
    ]:
        err = error_code(new_list, ec2, **kw)
        assert code_of(err) == "InvalidParameterValue", kw
        if text:
            assert message(err) == text
    many = [f"10.{i}.0.0/16" for i in range(101)]
    err = error_code(new_list, ec2, max_entries=200, entries=many)
    assert message(err) == "The number of entries per request cannot exceeds limit (100)."


def test_modify_makes_versions_and_restore_brings_one_back(ec2):
    pl = new_list(ec2, entries=["10.0.0.0/16"])["PrefixListId"]
    changed = ec2.modify_managed_prefix_list(
        PrefixListId=pl, CurrentVersion=1, AddEntries=[{"Cidr": "10.1.0.0/16"}], RemoveEntries=[{"Cidr": "10.0.0.0/16"}]
    )["PrefixList"]
    assert changed["State"] == "modify-in-progress" and changed["Version"] == 2
    assert described(ec2, pl)["State"] == "modify-complete"
    assert entries(ec2, pl) == ["10.1.0.0/16"]
    assert entries(ec2, pl, TargetVersion=1) == ["10.0.0.0/16"]
    err = error_code(ec2.modify_managed_prefix_list, PrefixListId=pl, CurrentVersion=1, AddEntries=[{"Cidr": "10.2.0.0/16"}])
    assert code_of(err) == "PrefixListVersionMismatch"
    assert message(err) == "The prefix list has the incorrect version number"
    # Name and size change without a new version.
    renamed = ec2.modify_managed_prefix_list(PrefixListId=pl, PrefixListName="corp", MaxEntries=10)["PrefixList"]
    assert (renamed["Version"], renamed["MaxEntries"], renamed["PrefixListName"]) == (2, 10, "corp")
    err = error_code(ec2.modify_managed_prefix_list, PrefixListId=pl, CurrentVersion=2, MaxEntries=20, AddEntries=[{"Cidr": "10.2.0.0/16"}])
    assert code_of(err) == "InvalidParameterCombination"
    restored = ec2.restore_managed_prefix_list_version(PrefixListId=pl, PreviousVersion=1, CurrentVersion=2)["PrefixList"]
    assert restored["State"] == "restore-in-progress" and restored["Version"] == 3
    assert described(ec2, pl)["State"] == "restore-complete"
    assert entries(ec2, pl) == ["10.0.0.0/16"]
    err = error_code(ec2.get_managed_prefix_list_entries, PrefixListId=pl, TargetVersion=9)
    assert code_of(err) == "InvalidParameterValue"


def test_size_rules(ec2):
    pl = new_list(ec2, max_entries=2, entries=["10.0.0.0/16", "10.1.0.0/16"])["PrefixListId"]
    err = error_code(ec2.modify_managed_prefix_list, PrefixListId=pl, CurrentVersion=1, AddEntries=[{"Cidr": "10.2.0.0/16"}])
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.modify_managed_prefix_list, PrefixListId=pl, MaxEntries=1)
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.modify_managed_prefix_list, PrefixListId=pl, CurrentVersion=1, AddEntries=[{"Cidr": "2001:db8::/48"}])
    assert code_of(err) == "InvalidParameterValue"
    assert described(ec2, pl)["Version"] == 1


def test_aws_managed_lists_of_the_region(server):
    ec2 = client(server.endpoint, new_account(), "us-east-1")
    lists = {p["PrefixListName"]: p for p in ec2.describe_managed_prefix_lists()["PrefixLists"]}
    s3 = lists["com.amazonaws.us-east-1.s3"]
    assert s3["PrefixListId"] == "pl-63a5400a" and s3["OwnerId"] == "AWS"
    assert s3["PrefixListArn"] == "arn:aws:ec2:us-east-1:aws:prefix-list/pl-63a5400a"
    assert "MaxEntries" not in s3 and "Version" not in s3
    assert lists["com.amazonaws.us-east-1.dynamodb"]["PrefixListId"] == "pl-02cd2c6b"
    assert "com.amazonaws.global.cloudfront.origin-facing" in lists
    assert entries(ec2, "pl-63a5400a") == ["192.0.2.32/28"]
    aws_owned = ec2.describe_managed_prefix_lists(Filters=[{"Name": "owner-id", "Values": ["AWS"]}])["PrefixLists"]
    assert len(aws_owned) == len(lists)
    legacy = ec2.describe_prefix_lists()["PrefixLists"]
    assert sorted(p["PrefixListName"] for p in legacy) == ["com.amazonaws.us-east-1.dynamodb", "com.amazonaws.us-east-1.s3"]
    err = error_code(ec2.delete_managed_prefix_list, PrefixListId="pl-63a5400a")
    assert code_of(err) == "InvalidPrefixListModification"
    err = error_code(ec2.modify_managed_prefix_list, PrefixListId="pl-63a5400a", PrefixListName="mine")
    assert code_of(err) == "InvalidPrefixListModification"


def test_paging_and_unknown_ids(ec2):
    mine = sorted(new_list(ec2, name=f"l{i}")["PrefixListId"] for i in range(3))
    seen, token = [], None
    while True:
        page = ec2.describe_managed_prefix_lists(MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(page["PrefixLists"]) <= 2
        seen += [p["PrefixListId"] for p in page["PrefixLists"]]
        token = page.get("NextToken")
        if not token:
            break
    assert set(mine) <= set(seen) and len(seen) == len(set(seen))
    err = error_code(ec2.describe_managed_prefix_lists, PrefixListIds=["pl-0123456789abcdef0"])
    assert code_of(err) == "InvalidPrefixListID.NotFound"
    err = error_code(ec2.get_managed_prefix_list_entries, PrefixListId="pl-nothex")
    assert code_of(err) == "InvalidPrefixListId.Malformed"
    big = new_list(ec2, max_entries=10, entries=[f"10.{i}.0.0/16" for i in range(5)], name="big")["PrefixListId"]
    first = ec2.get_managed_prefix_list_entries(PrefixListId=big, MaxResults=3)
    rest = ec2.get_managed_prefix_list_entries(PrefixListId=big, MaxResults=3, NextToken=first["NextToken"])
    assert len(first["Entries"]) == 3 and len(rest["Entries"]) == 2 and "NextToken" not in rest


def test_security_group_rules_reference_lists_weighed_by_max_entries(ec2, account):
    vpc = new_vpc(ec2)
    sg = new_group(ec2, vpc)
    pl = new_list(ec2, max_entries=10, entries=["10.9.0.0/16"])["PrefixListId"]
    answer = ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": pl, "Description": "office"}]}],
    )
    assert answer["SecurityGroupRules"][0]["PrefixListId"] == pl
    [group] = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"]
    assert group["IpPermissions"][0]["PrefixListIds"] == [{"PrefixListId": pl, "Description": "office"}]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [sg]}])["SecurityGroupRules"]
    assert [r["PrefixListId"] for r in rules if not r["IsEgress"]] == [pl]
    found = ec2.describe_security_groups(Filters=[{"Name": "ip-permission.prefix-list-id", "Values": [pl]}])["SecurityGroups"]
    assert [g["GroupId"] for g in found] == [sg]
    assocs = ec2.get_managed_prefix_list_associations(PrefixListId=pl)["PrefixListAssociations"]
    assert assocs == [{"ResourceId": sg, "ResourceOwner": account}]
    err = error_code(ec2.delete_managed_prefix_list, PrefixListId=pl)
    assert code_of(err) == "DependencyViolation"
    # 10 (the list) + 50 CIDR rules fill IPv4 ingress (60); one more does not fit.
    ec2.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": f"10.0.{i}.0/24"} for i in range(50)]}]
    )
    err = error_code(
        ec2.authorize_security_group_ingress, GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 23, "ToPort": 23, "IpRanges": [{"CidrIp": "10.1.0.0/24"}]}]
    )
    assert code_of(err) == "RulesPerSecurityGroupLimitExceeded"
    assert message(err) == "The maximum number of rules per security group has been reached."
    # Growing the list would push the group past the quota: refused, the size stays.
    err = error_code(ec2.modify_managed_prefix_list, PrefixListId=pl, MaxEntries=11)
    assert code_of(err) == "InvalidParameterValue" and sg in message(err)
    assert described(ec2, pl)["MaxEntries"] == 10
    ec2.revoke_security_group_ingress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": pl}]}]
    )
    assert ec2.get_managed_prefix_list_associations(PrefixListId=pl)["PrefixListAssociations"] == []
    deleted = ec2.delete_managed_prefix_list(PrefixListId=pl)["PrefixList"]
    assert deleted["State"] == "delete-in-progress"
    err = error_code(ec2.describe_managed_prefix_lists, PrefixListIds=[pl])
    assert code_of(err) == "InvalidPrefixListID.NotFound"


def test_an_empty_list_sized_beyond_the_quota_cannot_be_referenced(ec2):
    sg = new_group(ec2, new_vpc(ec2))
    pl = new_list(ec2, max_entries=61)["PrefixListId"]
    err = error_code(
        ec2.authorize_security_group_egress, GroupId=sg, IpPermissions=[{"IpProtocol": "-1", "PrefixListIds": [{"PrefixListId": pl}]}]
    )
    assert code_of(err) == "RulesPerSecurityGroupLimitExceeded"
    err = error_code(
        ec2.authorize_security_group_egress, GroupId=sg, IpPermissions=[{"IpProtocol": "-1", "PrefixListIds": [{"PrefixListId": "pl-0123456789abcdef0"}]}]
    )
    assert code_of(err) == "InvalidPrefixListID.NotFound"


def test_the_cli_drives_a_list(aws):
    created = aws.run(
        "create-managed-prefix-list", "--prefix-list-name", "cli", "--max-entries", "3", "--address-family", "IPv6",
        "--entries", "Cidr=2001:db8:1::/48,Description=lab",
    )["PrefixList"]
    pl = created["PrefixListId"]
    out = aws.run("get-managed-prefix-list-entries", "--prefix-list-id", pl)
    assert out["Entries"] == [{"Cidr": "2001:db8:1::/48", "Description": "lab"}]
    err = aws.error("modify-managed-prefix-list", "--prefix-list-id", pl, "--current-version", "1", "--add-entries", "Cidr=10.0.0.0/8")
    assert err.code == "InvalidParameterValue"
    aws.run("delete-managed-prefix-list", "--prefix-list-id", pl)

