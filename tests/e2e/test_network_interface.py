"""Network interfaces: create (addresses, groups, MAC, status), describe (filters, paging),
attributes, delete, dependencies, DryRun and ClientToken. Attachments are in
test_network_interface_attach.py, secondary addresses in test_private_ip.py."""
import re

import pytest

from conftest import client, code_of, error_code, new_account
from netkit import (
    ZONE_A,
    ZONE_C,
    addresses,
    attach,
    default_group,
    eni,
    eni_ids,
    free,
    message,
    network,
    new_eni,
    new_group,
    new_subnet,
    new_vpc,
    running,
    tag_specs,
)

MAC = re.compile(r"^02(:[0-9a-f]{2}){5}$")


# --- create: addresses ------------------------------------------------------------------------


def test_create_at_a_chosen_address(ec2, account):
    vpc, subnet = network(ec2)
    created = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.12", Description="eth1 of web")
    assert created["NetworkInterfaceId"].startswith("eni-") and len(created["NetworkInterfaceId"]) == 21
    assert created["PrivateIpAddress"] == "10.0.1.12"
    assert addresses(created) == [("10.0.1.12", True)]
    assert created["PrivateDnsName"] == "ip-10-0-1-12.ap-northeast-1.compute.internal"
    assert created["PrivateIpAddresses"][0]["PrivateDnsName"] == created["PrivateDnsName"]
    assert (created["SubnetId"], created["VpcId"], created["AvailabilityZone"]) == (subnet, vpc, ZONE_A)
    assert (created["OwnerId"], created["Description"], created["InterfaceType"]) == (account, "eth1 of web", "interface")
    assert (created["SourceDestCheck"], created["RequesterManaged"]) == (True, False)
    assert created["TagSet"] == [] and "Attachment" not in created and "Association" not in created
    assert MAC.match(created["MacAddress"])
    assert free(ec2, subnet) == 250


def test_status_is_pending_in_the_create_reply_then_available(ec2, aws):
    _, subnet = network(ec2)
    created = new_eni(ec2, subnet)
    assert created["Status"] == "pending"
    assert eni(ec2, created["NetworkInterfaceId"])["Status"] == "available"
    # The CLI's waiter succeeds at its first poll.
    assert aws.run("wait", "network-interface-available", "--network-interface-ids", created["NetworkInterfaceId"]) is None


@pytest.mark.parametrize(
    "address, expected",
    [
        ("10.0.1", "invalid value for parameter address: 10.0.1"),
        ("10.0.1.256", "invalid value for parameter address: 10.0.1.256"),
        ("10.0.2.12", "Address 10.0.2.12 does not fall within the subnet's address range"),
        ("192.168.1.100", "Address 192.168.1.100 does not fall within the subnet's address range"),
        ("10.0.1.0", "Address 10.0.1.0 is in subnet's reserved address range"),
        ("10.0.1.1", "Address 10.0.1.1 is in subnet's reserved address range"),
        ("10.0.1.2", "Address 10.0.1.2 is in subnet's reserved address range"),
        ("10.0.1.3", "Address 10.0.1.3 is in subnet's reserved address range"),
        ("10.0.1.255", "Address 10.0.1.255 is in subnet's reserved address range"),
    ],
)
def test_explicit_address_refused(ec2, address, expected):
    _, subnet = network(ec2)
    err = error_code(ec2.create_network_interface, SubnetId=subnet, PrivateIpAddress=address)
    assert (code_of(err), message(err)) == ("InvalidParameterValue", expected)
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []
    assert free(ec2, subnet) == 251


def test_address_in_use(ec2):
    _, subnet = network(ec2)
    new_eni(ec2, subnet, PrivateIpAddress="10.0.1.12")
    err = error_code(ec2.create_network_interface, SubnetId=subnet, PrivateIpAddress="10.0.1.12")
    assert (code_of(err), message(err)) == ("InvalidIPAddress.InUse", "The specified address is already in use.")
    # The same address twice in one request is in use too.
    err = error_code(
        ec2.create_network_interface,
        SubnetId=subnet,
        PrivateIpAddresses=[{"PrivateIpAddress": "10.0.1.20", "Primary": True}, {"PrivateIpAddress": "10.0.1.21"}, {"PrivateIpAddress": "10.0.1.21"}],
    )
    assert code_of(err) == "InvalidIPAddress.InUse"
    assert free(ec2, subnet) == 250


def test_address_checks_run_in_order_for_each_address(ec2):
    _, subnet = network(ec2)
    new_eni(ec2, subnet, PrivateIpAddress="10.0.1.12")
    # Each address is checked whole (syntax, subnet, reserved, in use) before the next one.
    cases = [
        (["10.0.1.12", "bogus"], "InvalidIPAddress.InUse"),
        (["10.0.1.20", "bogus", "10.0.1.12"], "InvalidParameterValue"),
        (["10.0.1.20", "10.0.9.9", "10.0.1.12"], "InvalidParameterValue"),
        (["10.0.1.20", "10.0.1.255", "10.0.1.12"], "InvalidParameterValue"),
    ]
    for texts, code in cases:
        specs = [{"PrivateIpAddress": t, "Primary": i == 0} for i, t in enumerate(texts)]
        assert code_of(error_code(ec2.create_network_interface, SubnetId=subnet, PrivateIpAddresses=specs)) == code
    # An explicit address in use is refused even where the subnet could not supply a count anyway.
    err = error_code(ec2.create_network_interface, SubnetId=subnet, PrivateIpAddress="10.0.1.12", SecondaryPrivateIpAddressCount=300)
    assert code_of(err) == "InvalidIPAddress.InUse"


def test_primary_and_secondaries_from_a_list(ec2):
    _, subnet = network(ec2)
    created = new_eni(
        ec2,
        subnet,
        PrivateIpAddresses=[{"PrivateIpAddress": "10.0.1.101"}, {"PrivateIpAddress": "10.0.1.100", "Primary": True}],
    )
    assert addresses(created) == [("10.0.1.100", True), ("10.0.1.101", False)]
    assert created["PrivateIpAddress"] == "10.0.1.100"
    # Entries marked secondary stay secondary: the primary comes from the subnet.
    created = new_eni(ec2, subnet, PrivateIpAddresses=[{"PrivateIpAddress": "10.0.1.102", "Primary": False}])
    assert addresses(created) == [("10.0.1.4", True), ("10.0.1.102", False)]
    err = error_code(
        ec2.create_network_interface,
        SubnetId=subnet,
        PrivateIpAddress="10.0.1.50",
        PrivateIpAddresses=[{"PrivateIpAddress": "10.0.1.51", "Primary": True}],
    )
    assert code_of(err) == "InvalidParameterCombination"
    err = error_code(
        ec2.create_network_interface,
        SubnetId=subnet,
        PrivateIpAddresses=[{"PrivateIpAddress": "10.0.1.51"}, {"PrivateIpAddress": "10.0.1.52"}],
        SecondaryPrivateIpAddressCount=1,
    )
    assert code_of(err) == "InvalidParameterCombination"


def test_count_allocation_skips_reserved_and_used_addresses(ec2):
    _, subnet = network(ec2)
    new_eni(ec2, subnet, PrivateIpAddress="10.0.1.5")
    new_eni(ec2, subnet, PrivateIpAddress="10.0.1.7")
    created = new_eni(ec2, subnet, SecondaryPrivateIpAddressCount=3)
    assert addresses(created) == [("10.0.1.4", True), ("10.0.1.6", False), ("10.0.1.8", False), ("10.0.1.9", False)]
    # An explicit primary plus a count: the count never takes the explicit address.
    created = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.10", SecondaryPrivateIpAddressCount=2)
    assert addresses(created) == [("10.0.1.10", True), ("10.0.1.11", False), ("10.0.1.12", False)]
    assert free(ec2, subnet) == 251 - 9


def test_allocation_crosses_24_boundaries_lowest_first(ec2):
    """A /23 is allocated a /24 at a time: a full first /24 moves on to the second, and an
    address freed in the first is the next one handed out."""
    _, subnet = network(ec2, subnet_cidr="10.0.4.0/23")
    first_block = [new_eni(ec2, subnet, SecondaryPrivateIpAddressCount=20) for _ in range(12)]
    assert addresses(first_block[-1])[-1] == ("10.0.4.255", False)
    assert new_eni(ec2, subnet)["PrivateIpAddress"] == "10.0.5.0"
    ec2.delete_network_interface(NetworkInterfaceId=first_block[3]["NetworkInterfaceId"])
    assert new_eni(ec2, subnet)["PrivateIpAddress"] == "10.0.4.67"
    refill = new_eni(ec2, subnet, SecondaryPrivateIpAddressCount=21)
    assert [a for a, _ in addresses(refill)] == [f"10.0.4.{n}" for n in range(68, 88)] + ["10.0.5.1", "10.0.5.2"]
    assert free(ec2, subnet) == 507 - 252 - 3


def test_a_full_28_refuses_with_insufficient_free_addresses(ec2):
    _, subnet = network(ec2, subnet_cidr="10.0.1.0/28")
    assert free(ec2, subnet) == 11
    err = error_code(ec2.create_network_interface, SubnetId=subnet, SecondaryPrivateIpAddressCount=11)
    assert code_of(err) == "InsufficientFreeAddressesInSubnet"
    assert free(ec2, subnet) == 11, "all or nothing"
    created = new_eni(ec2, subnet, SecondaryPrivateIpAddressCount=10)
    got = [a for a, _ in addresses(created)]
    assert got == [f"10.0.1.{n}" for n in range(4, 15)], "never .0-.3 or the broadcast .15"
    assert free(ec2, subnet) == 0
    err = error_code(ec2.create_network_interface, SubnetId=subnet)
    assert code_of(err) == "InsufficientFreeAddressesInSubnet"
    assert subnet in message(err)
    # Deleting gives every address back.
    ec2.delete_network_interface(NetworkInterfaceId=created["NetworkInterfaceId"])
    assert free(ec2, subnet) == 11


def test_each_interface_gets_its_own_mac(ec2):
    _, subnet = network(ec2)
    macs = {new_eni(ec2, subnet)["MacAddress"] for _ in range(20)}
    assert len(macs) == 20 and all(MAC.match(m) for m in macs)


def test_unknown_and_malformed_subnet(ec2):
    err = error_code(ec2.create_network_interface, SubnetId="subnet-0123456789abcdef0")
    assert code_of(err) == "InvalidSubnetID.NotFound"
    err = error_code(ec2.create_network_interface, SubnetId="sub-1")
    assert code_of(err) == "InvalidSubnetID.Malformed"


# --- create: security groups ------------------------------------------------------------------


def test_default_group_when_none_given(ec2):
    vpc, subnet = network(ec2)
    created = new_eni(ec2, subnet)
    assert created["Groups"] == [{"GroupId": default_group(ec2, vpc), "GroupName": "default"}]


def test_chosen_groups_in_order(ec2):
    vpc, subnet = network(ec2)
    web, ssh = new_group(ec2, vpc, "web"), new_group(ec2, vpc, "ssh")
    created = new_eni(ec2, subnet, Groups=[ssh, web])
    assert created["Groups"] == [{"GroupId": ssh, "GroupName": "ssh"}, {"GroupId": web, "GroupName": "web"}]


def test_group_from_another_vpc_is_refused(ec2):
    _, subnet = network(ec2)
    other = new_group(ec2, new_vpc(ec2, "10.1.0.0/16"), "elsewhere")
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Groups=[other])
    assert code_of(err) == "InvalidGroup.NotFound"
    assert other in message(err)
    assert code_of(error_code(ec2.create_network_interface, SubnetId=subnet, Groups=["sg-0123456789abcdef0"])) == "InvalidGroup.NotFound"
    assert code_of(error_code(ec2.create_network_interface, SubnetId=subnet, Groups=["web"])) == "InvalidGroupId.Malformed"
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []


def test_at_most_five_groups(ec2):
    vpc, subnet = network(ec2)
    groups = [new_group(ec2, vpc, f"g{n}") for n in range(6)]
    assert len(new_eni(ec2, subnet, Groups=groups[:5])["Groups"]) == 5
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Groups=groups)
    assert code_of(err) == "SecurityGroupsPerInterfaceLimitExceeded"


# --- describe ---------------------------------------------------------------------------------


def test_filters(ec2):
    vpc, subnet = network(ec2)
    other_subnet = new_subnet(ec2, vpc, "10.0.2.0/24", ZONE_C)
    other_vpc = new_vpc(ec2, "10.9.0.0/16")
    far_subnet = new_subnet(ec2, other_vpc, "10.9.1.0/24")
    web = new_group(ec2, vpc, "web")
    a = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.10", Groups=[web], Description="alpha",
                TagSpecifications=tag_specs("network-interface", Name="a"))
    b = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.20", SecondaryPrivateIpAddressCount=1)
    c = new_eni(ec2, other_subnet, PrivateIpAddress="10.0.2.30", TagSpecifications=tag_specs("network-interface", role="db"))
    d = new_eni(ec2, far_subnet)
    i = running(ec2, subnet)
    attachment = attach(ec2, b["NetworkInterfaceId"], i["InstanceId"], 2)
    primary = i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ids = {k: v["NetworkInterfaceId"] for k, v in dict(a=a, b=b, c=c, d=d).items()}
    secondary_of_b = eni(ec2, ids["b"])["PrivateIpAddresses"][1]["PrivateIpAddress"]

    assert eni_ids(ec2, ("vpc-id", [vpc])) == sorted([ids["a"], ids["b"], ids["c"], primary])
    assert eni_ids(ec2, ("vpc-id", [other_vpc])) == [ids["d"]]
    assert eni_ids(ec2, ("subnet-id", [other_subnet, far_subnet])) == sorted([ids["c"], ids["d"]])
    assert eni_ids(ec2, ("availability-zone", [ZONE_C])) == [ids["c"]]
    assert eni_ids(ec2, ("private-ip-address", ["10.0.1.10"])) == [ids["a"]]
    assert eni_ids(ec2, ("private-ip-address", [secondary_of_b])) == [ids["b"]]
    assert eni_ids(ec2, ("addresses.private-ip-address", [secondary_of_b, "10.0.2.30"])) == sorted([ids["b"], ids["c"]])
    assert eni_ids(ec2, ("addresses.primary", ["false"])) == [ids["b"]]
    assert eni_ids(ec2, ("group-id", [web])) == [ids["a"]]
    assert eni_ids(ec2, ("group-name", ["web"])) == [ids["a"]]
    assert eni_ids(ec2, ("mac-address", [a["MacAddress"]])) == [ids["a"]]
    assert eni_ids(ec2, ("description", ["alp*"])) == [ids["a"]]
    assert eni_ids(ec2, ("status", ["in-use"])) == sorted([ids["b"], primary])
    assert eni_ids(ec2, ("status", ["available"]), ("vpc-id", [vpc])) == sorted([ids["a"], ids["c"]])
    assert eni_ids(ec2, ("network-interface-id", [ids["a"], ids["d"]])) == sorted([ids["a"], ids["d"]])
    assert eni_ids(ec2, ("tag:Name", ["a"])) == [ids["a"]]
    # Tag filters are answered through an index: other kinds with the same tag, other values,
    # wildcards and a second filter must still be right.
    ec2.create_tags(Resources=[subnet, ids["b"]], Tags=[{"Key": "Name", "Value": "a"}])
    ec2.create_tags(Resources=[ids["d"]], Tags=[{"Key": "Name", "Value": "dee"}])
    assert eni_ids(ec2, ("tag:Name", ["a"])) == sorted([ids["a"], ids["b"]])
    assert eni_ids(ec2, ("tag:Name", ["a", "dee"])) == sorted([ids["a"], ids["b"], ids["d"]])
    assert eni_ids(ec2, ("tag:Name", ["a"]), ("private-ip-address", ["10.0.1.20"])) == [ids["b"]]
    assert eni_ids(ec2, ("tag:Name", ["d*"])) == [ids["d"]]
    assert eni_ids(ec2, ("tag:name", ["a"])) == []
    ec2.delete_tags(Resources=[ids["b"]], Tags=[{"Key": "Name"}])
    ec2.delete_tags(Resources=[ids["d"]], Tags=[{"Key": "Name"}])
    assert eni_ids(ec2, ("tag:Name", ["a", "dee"])) == [ids["a"]]
    assert eni_ids(ec2, ("tag-key", ["role"])) == [ids["c"]]
    assert eni_ids(ec2, ("tag-value", ["db"])) == [ids["c"]]
    assert eni_ids(ec2, ("attachment.instance-id", [i["InstanceId"]])) == sorted([ids["b"], primary])
    assert eni_ids(ec2, ("attachment.device-index", ["2"])) == [ids["b"]]
    assert eni_ids(ec2, ("attachment.attachment-id", [attachment["AttachmentId"]])) == [ids["b"]]
    assert eni_ids(ec2, ("attachment.status", ["attached"])) == sorted([ids["b"], primary])
    assert eni_ids(ec2, ("attachment.delete-on-termination", ["true"])) == [primary]
    assert eni_ids(ec2, ("attachment.network-card-index", ["0"])) == sorted([ids["b"], primary])
    assert eni_ids(ec2, ("attachment.instance-owner-id", [i["NetworkInterfaces"][0]["OwnerId"]])) == sorted([ids["b"], primary])
    assert eni_ids(ec2, ("interface-type", ["interface"]), ("subnet-id", [far_subnet])) == [ids["d"]]
    assert eni_ids(ec2, ("source-dest-check", ["true"]), ("requester-managed", ["false"]), ("subnet-id", [far_subnet])) == [ids["d"]]
    assert eni_ids(ec2, ("vpc-id", [vpc]), ("subnet-id", [far_subnet])) == [], "filters are AND-ed"
    assert eni_ids(ec2, ("private-ip-address", ["10.0.1.99"])) == []
    assert eni_ids(ec2, ("private-dns-name", [a["PrivateDnsName"]])) == [ids["a"]]
    assert eni_ids(ec2, ("private-dns-name", ["ip-10-0-2-30.*"])) == [ids["c"]]
    by_dns = ec2.describe_instances(Filters=[{"Name": "private-dns-name", "Values": [i["PrivateDnsName"]]}])
    assert [x["InstanceId"] for r in by_dns["Reservations"] for x in r["Instances"]] == [i["InstanceId"]]


def test_unknown_filter_is_refused(ec2):
    err = error_code(ec2.describe_network_interfaces, Filters=[{"Name": "public-ip", "Values": ["1.2.3.4"]}])
    assert (code_of(err), message(err)) == ("InvalidParameterValue", "The filter 'public-ip' is invalid")


def test_ids_must_exist_and_be_well_formed(ec2, server):
    _, subnet = network(ec2)
    mine = new_eni(ec2, subnet)["NetworkInterfaceId"]
    err = error_code(ec2.describe_network_interfaces, NetworkInterfaceIds=[mine, "eni-0123456789abcdef0"])
    assert code_of(err) == "InvalidNetworkInterfaceID.NotFound"
    assert "eni-0123456789abcdef0" in message(err)
    assert code_of(error_code(ec2.describe_network_interfaces, NetworkInterfaceIds=["nic-1"])) == "InvalidNetworkInterfaceId.Malformed"
    # Another account's interface is invisible.
    stranger = client(server.endpoint, new_account())
    assert code_of(error_code(stranger.describe_network_interfaces, NetworkInterfaceIds=[mine])) == "InvalidNetworkInterfaceID.NotFound"
    assert code_of(error_code(stranger.delete_network_interface, NetworkInterfaceId=mine)) == "InvalidNetworkInterfaceID.NotFound"
    assert stranger.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [mine]}])["NetworkInterfaces"] == []


def test_pagination(ec2, aws):
    _, subnet = network(ec2)
    made = sorted(new_eni(ec2, subnet)["NetworkInterfaceId"] for _ in range(7))
    first = ec2.describe_network_interfaces(MaxResults=5)
    assert len(first["NetworkInterfaces"]) == 5
    second = ec2.describe_network_interfaces(MaxResults=5, NextToken=first["NextToken"])
    assert "NextToken" not in second
    seen = [e["NetworkInterfaceId"] for e in first["NetworkInterfaces"] + second["NetworkInterfaces"]]
    assert sorted(seen) == made and len(set(seen)) == 7
    pages = ec2.get_paginator("describe_network_interfaces").paginate(PaginationConfig={"PageSize": 5})
    assert sorted(e["NetworkInterfaceId"] for p in pages for e in p["NetworkInterfaces"]) == made
    # The CLI pages through with its own tokens.
    out = aws.run("describe-network-interfaces", "--page-size", "5")
    assert sorted(e["NetworkInterfaceId"] for e in out["NetworkInterfaces"]) == made


def test_max_results_with_ids_is_a_bad_combination(ec2, unvalidated_ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    err = error_code(ec2.describe_network_interfaces, NetworkInterfaceIds=[made], MaxResults=5)
    assert code_of(err) == "InvalidParameterCombination"
    err = error_code(unvalidated_ec2.describe_network_interfaces, MaxResults=4)
    assert code_of(err) == "InvalidParameterValue"


# --- delete and dependencies ------------------------------------------------------------------


def test_delete_gives_back_its_addresses(ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet, SecondaryPrivateIpAddressCount=2)["NetworkInterfaceId"]
    assert free(ec2, subnet) == 248
    ec2.delete_network_interface(NetworkInterfaceId=made)
    assert free(ec2, subnet) == 251
    err = error_code(ec2.describe_network_interfaces, NetworkInterfaceIds=[made])
    assert code_of(err) == "InvalidNetworkInterfaceID.NotFound"
    assert code_of(error_code(ec2.delete_network_interface, NetworkInterfaceId=made)) == "InvalidNetworkInterfaceID.NotFound"
    assert code_of(error_code(ec2.delete_network_interface, NetworkInterfaceId="eni-xyz")) == "InvalidNetworkInterfaceId.Malformed"
    # The freed address can be taken again.
    assert new_eni(ec2, subnet, PrivateIpAddress="10.0.1.4")["PrivateIpAddress"] == "10.0.1.4"


def test_subnet_and_group_cannot_be_deleted_while_an_interface_uses_them(ec2):
    vpc, subnet = network(ec2)
    web = new_group(ec2, vpc)
    made = new_eni(ec2, subnet, Groups=[web])["NetworkInterfaceId"]
    assert code_of(error_code(ec2.delete_subnet, SubnetId=subnet)) == "DependencyViolation"
    assert code_of(error_code(ec2.delete_security_group, GroupId=web)) == "DependencyViolation"
    assert code_of(error_code(ec2.delete_vpc, VpcId=vpc)) == "DependencyViolation"
    ec2.delete_network_interface(NetworkInterfaceId=made)
    ec2.delete_security_group(GroupId=web)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)


# --- attributes -------------------------------------------------------------------------------


def attribute(ec2, eni_id, name):
    out = ec2.describe_network_interface_attribute(NetworkInterfaceId=eni_id, Attribute=name)
    assert out["NetworkInterfaceId"] == eni_id
    return out


def test_describe_each_attribute(ec2):
    vpc, subnet = network(ec2)
    made = new_eni(ec2, subnet, Description="eth1")["NetworkInterfaceId"]
    out = attribute(ec2, made, "description")
    assert out["Description"] == {"Value": "eth1"} and set(out) == {"NetworkInterfaceId", "Description", "ResponseMetadata"}
    assert attribute(ec2, made, "sourceDestCheck")["SourceDestCheck"] == {"Value": True}
    assert attribute(ec2, made, "groupSet")["Groups"] == [{"GroupId": default_group(ec2, vpc), "GroupName": "default"}]
    assert "Attachment" not in attribute(ec2, made, "attachment")
    i = running(ec2, subnet)
    attachment_id = attach(ec2, made, i["InstanceId"], 1)["AttachmentId"]
    got = attribute(ec2, made, "attachment")["Attachment"]
    assert (got["AttachmentId"], got["InstanceId"], got["DeviceIndex"], got["DeleteOnTermination"], got["Status"]) == (
        attachment_id, i["InstanceId"], 1, False, "attached")


def test_modify_one_attribute_at_a_time(ec2):
    vpc, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=made, Description={"Value": "uplink"})
    assert eni(ec2, made)["Description"] == "uplink"
    ec2.modify_network_interface_attribute(NetworkInterfaceId=made, SourceDestCheck={"Value": False})
    assert eni(ec2, made)["SourceDestCheck"] is False
    err = error_code(ec2.modify_network_interface_attribute, NetworkInterfaceId=made, Description={"Value": "x"}, SourceDestCheck={"Value": True})
    assert code_of(err) == "InvalidParameterCombination"
    err = error_code(ec2.modify_network_interface_attribute, NetworkInterfaceId=made, Groups=[default_group(ec2, vpc)], Description={"Value": "x"})
    assert code_of(err) == "InvalidParameterCombination"
    assert (eni(ec2, made)["Description"], eni(ec2, made)["SourceDestCheck"]) == ("uplink", False), "nothing changed"
    assert code_of(error_code(ec2.modify_network_interface_attribute, NetworkInterfaceId=made)) == "MissingParameter"
    ec2.reset_network_interface_attribute(NetworkInterfaceId=made, SourceDestCheck="sourceDestCheck")
    assert eni(ec2, made)["SourceDestCheck"] is True


def test_group_set_replaces_the_groups(ec2):
    vpc, subnet = network(ec2)
    web, ssh, db = (new_group(ec2, vpc, n) for n in ("web", "ssh", "db"))
    made = new_eni(ec2, subnet, Groups=[web, ssh])["NetworkInterfaceId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=made, Groups=[db])
    assert [g["GroupId"] for g in eni(ec2, made)["Groups"]] == [db]
    ec2.delete_security_group(GroupId=web)  # no longer in use
    other = new_group(ec2, new_vpc(ec2, "10.1.0.0/16"), "far")
    err = error_code(ec2.modify_network_interface_attribute, NetworkInterfaceId=made, Groups=[db, other])
    assert code_of(err) == "InvalidGroup.NotFound"
    many = [new_group(ec2, vpc, f"g{n}") for n in range(6)]
    err = error_code(ec2.modify_network_interface_attribute, NetworkInterfaceId=made, Groups=many)
    assert code_of(err) == "SecurityGroupsPerInterfaceLimitExceeded"
    assert [g["GroupId"] for g in eni(ec2, made)["Groups"]] == [db]


def test_attachment_delete_on_termination(ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    i = running(ec2, subnet)
    attachment_id = attach(ec2, made, i["InstanceId"], 1)["AttachmentId"]
    assert eni(ec2, made)["Attachment"]["DeleteOnTermination"] is False
    ec2.modify_network_interface_attribute(NetworkInterfaceId=made, Attachment={"AttachmentId": attachment_id, "DeleteOnTermination": True})
    assert eni(ec2, made)["Attachment"]["DeleteOnTermination"] is True
    wrong = "eni-attach-0123456789abcdef0"
    err = error_code(ec2.modify_network_interface_attribute, NetworkInterfaceId=made, Attachment={"AttachmentId": wrong, "DeleteOnTermination": False})
    assert code_of(err) == "InvalidAttachmentID.NotFound"
    err = error_code(ec2.modify_network_interface_attribute, NetworkInterfaceId=made, Attachment={"DeleteOnTermination": False})
    assert code_of(err) == "MissingParameter"


# --- DryRun and ClientToken -------------------------------------------------------------------


def test_dry_run_changes_nothing(ec2):
    _, subnet = network(ec2)
    err = error_code(ec2.create_network_interface, SubnetId=subnet, PrivateIpAddress="10.0.1.12", DryRun=True)
    assert (code_of(err), err.response["ResponseMetadata"]["HTTPStatusCode"]) == ("DryRunOperation", 412)
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []
    assert free(ec2, subnet) == 251
    # A dry run still checks the request.
    err = error_code(ec2.create_network_interface, SubnetId=subnet, PrivateIpAddress="10.0.2.12", DryRun=True)
    assert code_of(err) == "InvalidParameterValue"
    # …and leaves the address free for the real call.
    assert new_eni(ec2, subnet, PrivateIpAddress="10.0.1.12")["PrivateIpAddress"] == "10.0.1.12"


def test_client_token_returns_the_same_interface(ec2):
    _, subnet = network(ec2)
    first = ec2.create_network_interface(SubnetId=subnet, Description="x", ClientToken="eni-token-1")
    again = ec2.create_network_interface(SubnetId=subnet, Description="x", ClientToken="eni-token-1")
    assert first["ClientToken"] == again["ClientToken"] == "eni-token-1"
    assert first["NetworkInterface"]["NetworkInterfaceId"] == again["NetworkInterface"]["NetworkInterfaceId"]
    assert len(ec2.describe_network_interfaces()["NetworkInterfaces"]) == 1
    assert free(ec2, subnet) == 250
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Description="y", ClientToken="eni-token-1")
    assert code_of(err) == "IdempotentParameterMismatch"
    # A dry run with a new token does not use it up.
    error_code(ec2.create_network_interface, SubnetId=subnet, ClientToken="eni-token-2", DryRun=True)
    ec2.create_network_interface(SubnetId=subnet, ClientToken="eni-token-2")
    assert len(ec2.describe_network_interfaces()["NetworkInterfaces"]) == 2


def test_indexed_filters_agree_with_full_scans(ec2):
    """Describe narrows by indexes (IDs, addresses, subnet, MAC, instance); results must be the
    same as filtering everything, and a listed ID that exists but does not match is no error."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    e1 = ec2.create_network_interface(SubnetId=a, PrivateIpAddress="10.0.1.10")["NetworkInterface"]
    e2 = ec2.create_network_interface(SubnetId=b, PrivateIpAddress="10.0.2.10")["NetworkInterface"]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=e2["NetworkInterfaceId"], PrivateIpAddresses=["10.0.2.11"])

    def ids(**kw):
        return sorted(e["NetworkInterfaceId"] for e in ec2.describe_network_interfaces(**kw)["NetworkInterfaces"])

    f = lambda name, *values: {"Name": name, "Values": list(values)}
    assert ids(Filters=[f("private-ip-address", "10.0.2.11")]) == [e2["NetworkInterfaceId"]]
    assert ids(Filters=[f("addresses.private-ip-address", "10.0.1.10", "10.0.2.11")]) == sorted([e1["NetworkInterfaceId"], e2["NetworkInterfaceId"]])
    assert ids(Filters=[f("subnet-id", a), f("private-ip-address", "10.0.2.10")]) == []
    assert ids(Filters=[f("mac-address", e1["MacAddress"])]) == [e1["NetworkInterfaceId"]]
    assert ids(Filters=[f("private-ip-address", "10.0.2.1?")]) == [e2["NetworkInterfaceId"]]
    assert ids(NetworkInterfaceIds=[e1["NetworkInterfaceId"]], Filters=[f("subnet-id", b)]) == []
    assert code_of(error_code(ec2.describe_network_interfaces, NetworkInterfaceIds=["eni-0123456789abcdef0"], Filters=[f("subnet-id", b)])) == "InvalidNetworkInterfaceID.NotFound"
