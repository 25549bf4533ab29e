"""Prefix delegation: IPv4 /28 and IPv6 /80 prefixes on interfaces (CreateNetworkInterface,
Assign/UnassignPrivateIpAddresses, Assign/UnassignIpv6Addresses, RunInstances), counted against
the instance type's per-interface limits, in Describe* and IMDS."""
import ipaddress
import urllib.request

import pytest

from conftest import code_of, error_code
from test_ipv6 import dual_stack  # noqa: F401 (fixture)

AMI = "ami-0123456789abcdef0"


def v4_prefixes(eni):
    return [p["Ipv4Prefix"] for p in eni.get("Ipv4Prefixes", [])]


def v6_prefixes(eni):
    return [p["Ipv6Prefix"] for p in eni.get("Ipv6Prefixes", [])]


def describe(ec2, eni_id):
    return ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]


def test_ipv4_prefix_count_and_explicit(ec2, dual_stack):
    _, subnet, _ = dual_stack
    free = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["AvailableIpAddressCount"]
    eni = ec2.create_network_interface(SubnetId=subnet, Ipv4PrefixCount=2)["NetworkInterface"]
    got = v4_prefixes(eni)
    assert len(got) == 2
    for p in got:
        net = ipaddress.IPv4Network(p)
        assert net.prefixlen == 28 and net.subnet_of(ipaddress.IPv4Network("10.0.1.0/24"))
        assert ipaddress.IPv4Address(eni["PrivateIpAddress"]) not in net
    assert v4_prefixes(describe(ec2, eni["NetworkInterfaceId"])) == got
    # Each /28 takes its 16 addresses out of the subnet.
    left = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["AvailableIpAddressCount"]
    assert left == free - 1 - 32
    other = ec2.create_network_interface(SubnetId=subnet, Ipv4Prefixes=[{"Ipv4Prefix": "10.0.1.208/28"}])
    assert v4_prefixes(other["NetworkInterface"]) == ["10.0.1.208/28"]
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Ipv4Prefixes=[{"Ipv4Prefix": got[0]}])
    assert code_of(err) == "InvalidIPAddress.InUse"
    # An address inside someone's prefix is taken, with or without AllowReassignment.
    inside = str(ipaddress.IPv4Network(got[0]).network_address + 3)
    err = error_code(ec2.create_network_interface, SubnetId=subnet, PrivateIpAddress=inside)
    assert code_of(err) == "InvalidIPAddress.InUse"
    plain = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    err = error_code(ec2.assign_private_ip_addresses, NetworkInterfaceId=plain, PrivateIpAddresses=[inside],
                     AllowReassignment=True)
    assert code_of(err) == "InvalidIPAddress.InUse"
    # Allocated addresses go around the prefixes.
    many = ec2.assign_private_ip_addresses(NetworkInterfaceId=plain, SecondaryPrivateIpAddressCount=40)
    nets = [ipaddress.IPv4Network(p) for p in got + ["10.0.1.208/28"]]
    for a in many["AssignedPrivateIpAddresses"]:
        assert not any(ipaddress.IPv4Address(a["PrivateIpAddress"]) in n for n in nets)


@pytest.mark.parametrize("prefix, code", [
    ("10.0.1.16", "InvalidParameterValue"),
    ("10.0.1.16/27", "InvalidParameterValue"),
    ("10.0.1.17/28", "InvalidParameterValue"),  # not on a /28 boundary
    ("10.0.2.16/28", "InvalidParameterValue"),  # outside the subnet
    ("10.0.1.0/28", "InvalidParameterValue"),  # holds the reserved .0–.3
    ("10.0.1.240/28", "InvalidParameterValue"),  # holds the broadcast address
])
def test_explicit_ipv4_prefix_rules(ec2, dual_stack, prefix, code):
    _, subnet, _ = dual_stack
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Ipv4Prefixes=[{"Ipv4Prefix": prefix}])
    assert code_of(err) == code


def test_prefix_option_combinations(ec2, dual_stack):
    _, subnet, s64 = dual_stack
    cases = [
        dict(Ipv4PrefixCount=1, Ipv4Prefixes=[{"Ipv4Prefix": "10.0.1.32/28"}]),
        dict(Ipv4PrefixCount=1, SecondaryPrivateIpAddressCount=1),
        dict(Ipv6PrefixCount=1, Ipv6AddressCount=1),
        dict(Ipv6PrefixCount=1, Ipv6Prefixes=[{"Ipv6Prefix": str(s64.network_address + (5 << 48)) + "/80"}]),
    ]
    for kwargs in cases:
        err = error_code(ec2.create_network_interface, SubnetId=subnet, **kwargs)
        assert code_of(err) == "InvalidParameterCombination", kwargs
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Ipv4PrefixCount=-1)
    assert code_of(err) == "InvalidParameterValue"


def test_fragmented_subnet_has_addresses_but_no_cidr_blocks(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.5.0/26")["Subnet"]["SubnetId"]
    # One address in each of the two /28s a /26 could delegate (.16 and .32).
    ec2.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.0.5.20")
    ec2.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.0.5.40")
    err = error_code(ec2.create_network_interface, SubnetId=subnet, PrivateIpAddress="10.0.5.50",
                     Ipv4PrefixCount=1)
    assert code_of(err) == "InsufficientCidrBlocks"
    # Nothing of the refused call stayed: its address is free.
    ec2.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.0.5.50")


def test_assign_and_unassign_ipv4_prefixes(ec2, aws, dual_stack):
    _, subnet, _ = dual_stack
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    answer = ec2.assign_private_ip_addresses(NetworkInterfaceId=eni, Ipv4PrefixCount=1)
    (assigned,) = [p["Ipv4Prefix"] for p in answer["AssignedIpv4Prefixes"]]
    assert answer["AssignedPrivateIpAddresses"] == []
    out = aws.run("assign-private-ip-addresses", "--network-interface-id", eni, "--ipv4-prefixes", "10.0.1.128/28")
    assert out["AssignedIpv4Prefixes"] == [{"Ipv4Prefix": "10.0.1.128/28"}]
    assert v4_prefixes(describe(ec2, eni)) == [assigned, "10.0.1.128/28"]
    err = error_code(ec2.assign_private_ip_addresses, NetworkInterfaceId=eni, Ipv4PrefixCount=0)
    assert code_of(err) == "InvalidParameterValue"
    other = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    err = error_code(ec2.unassign_private_ip_addresses, NetworkInterfaceId=other, Ipv4Prefixes=[assigned])
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.unassign_private_ip_addresses, NetworkInterfaceId=other)
    assert code_of(err) == "MissingParameter"
    ec2.unassign_private_ip_addresses(NetworkInterfaceId=eni, Ipv4Prefixes=[assigned])
    assert v4_prefixes(describe(ec2, eni)) == ["10.0.1.128/28"]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=other, Ipv4Prefixes=[assigned])
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.create_network_interface(SubnetId=subnet, Ipv4Prefixes=[{"Ipv4Prefix": "10.0.1.128/28"}])


def test_ipv6_prefixes(ec2, aws, dual_stack):
    _, subnet, s64 = dual_stack
    eni = ec2.create_network_interface(SubnetId=subnet, Ipv6PrefixCount=1)["NetworkInterface"]
    (got,) = v6_prefixes(eni)
    net = ipaddress.IPv6Network(got)
    assert net.prefixlen == 80 and net.subnet_of(s64)
    assert eni["Ipv6Addresses"] == []
    eni_id = eni["NetworkInterfaceId"]
    explicit = ipaddress.IPv6Network((int(s64.network_address) | (0x1768 << 48), 80))
    long_form = explicit.network_address.exploded + "/80"
    answer = ec2.assign_ipv6_addresses(NetworkInterfaceId=eni_id, Ipv6Prefixes=[long_form])
    assert answer["AssignedIpv6Prefixes"] == [str(explicit)]
    assert answer["AssignedIpv6Addresses"] == []
    err = error_code(ec2.assign_ipv6_addresses, NetworkInterfaceId=eni_id, Ipv6Prefixes=[str(explicit)])
    assert code_of(err) == "InvalidIPAddress.InUse"
    # An address inside a delegated /80 is taken.
    inside = str(explicit.network_address + 7)
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Ipv6Addresses=[{"Ipv6Address": inside}])
    assert code_of(err) == "InvalidIPAddress.InUse"
    for bad in [str(explicit.network_address) + "/96", str(explicit.network_address + 1) + "/80",
                str(s64.network_address) + "/80", "2001:db8:ffff:1::/80"]:
        err = error_code(ec2.assign_ipv6_addresses, NetworkInterfaceId=eni_id, Ipv6Prefixes=[bad])
        assert code_of(err) == "InvalidParameterValue", bad
    out = aws.run("assign-ipv6-addresses", "--network-interface-id", eni_id, "--ipv6-prefix-count", "1")
    assert len(out["AssignedIpv6Prefixes"]) == 1
    held = v6_prefixes(describe(ec2, eni_id))
    assert held[:2] == [got, str(explicit)] and len(held) == 3
    gone = ec2.unassign_ipv6_addresses(NetworkInterfaceId=eni_id, Ipv6Prefixes=[str(explicit)])
    assert gone["UnassignedIpv6Prefixes"] == [str(explicit)]
    assert str(explicit) not in v6_prefixes(describe(ec2, eni_id))
    # A subnet whose /64 still delegates a prefix keeps its block.
    assoc = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["Ipv6CidrBlockAssociationSet"][0]
    err = error_code(ec2.disassociate_subnet_cidr_block, AssociationId=assoc["AssociationId"])
    assert code_of(err) == "InvalidCidrBlock.InUse"


def test_ipv6_prefix_needs_a_subnet_block(ec2, dual_stack):
    vpc_id, _, _ = dual_stack
    plain = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    err = error_code(ec2.create_network_interface, SubnetId=plain, Ipv6PrefixCount=1)
    assert code_of(err) == "InvalidParameterValue"


def test_assign_on_creation_yields_to_prefixes(ec2, dual_stack):
    _, subnet, _ = dual_stack
    ec2.modify_subnet_attribute(SubnetId=subnet, AssignIpv6AddressOnCreation={"Value": True})
    eni = ec2.create_network_interface(SubnetId=subnet, Ipv6PrefixCount=1)["NetworkInterface"]
    assert eni["Ipv6Addresses"] == [] and len(v6_prefixes(eni)) == 1


def test_prefixes_count_against_the_type_limit(server, ec2, dual_stack):
    _, subnet, _ = dual_stack
    # t3.micro: 2 IPv4 and 2 IPv6 addresses per interface; a prefix is one address.
    err = error_code(ec2.run_instances, ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                     NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Ipv4PrefixCount": 2}])
    assert code_of(err) == "InvalidInterface.IpAddressLimitExceeded"
    err = error_code(ec2.run_instances, ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                     NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Ipv6PrefixCount": 3}])
    assert code_of(err) == "InvalidInterface.IpAddressLimitExceeded"
    err = error_code(ec2.run_instances, ImageId=AMI, InstanceType="m1.small", MinCount=1, MaxCount=1,
                     NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Ipv4PrefixCount": 1}])
    assert code_of(err) == "InvalidParameterCombination"
    run = ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Ipv4PrefixCount": 1,
                                                "Ipv6PrefixCount": 1}])["Instances"][0]
    (eni,) = run["NetworkInterfaces"]
    (v4,) = v4_prefixes(eni)
    (v6,) = v6_prefixes(eni)
    eni_id = eni["NetworkInterfaceId"]
    err = error_code(ec2.assign_private_ip_addresses, NetworkInterfaceId=eni_id, Ipv4PrefixCount=1)
    assert code_of(err) == "PrivateIpAddressLimitExceeded"
    ec2.assign_ipv6_addresses(NetworkInterfaceId=eni_id, Ipv6AddressCount=1)
    err = error_code(ec2.assign_ipv6_addresses, NetworkInterfaceId=eni_id, Ipv6PrefixCount=1)
    assert code_of(err) == "PrivateIpAddressLimitExceeded"
    found = ec2.describe_instances(Filters=[{"Name": "network-interface.ipv4-prefixes.ipv4-prefix", "Values": [v4]}])
    assert [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]] == [run["InstanceId"]]
    found = ec2.describe_instances(Filters=[{"Name": "network-interface.ipv6-prefixes.ipv6-prefix", "Values": [v6]}])
    assert [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]] == [run["InstanceId"]]
    # Attaching counts the interface's prefixes too.
    big = ec2.create_network_interface(SubnetId=subnet, Ipv4PrefixCount=2)["NetworkInterface"]["NetworkInterfaceId"]
    err = error_code(ec2.attach_network_interface, NetworkInterfaceId=big, InstanceId=run["InstanceId"],
                     DeviceIndex=1)
    assert code_of(err) == "PrivateIpAddressLimitExceeded"
    # IMDS lists them under the interface's MAC; absent keys are 404s.
    base = f"{server.endpoint}/_localvpc/imds/{run['InstanceId']}/latest/meta-data/network/interfaces/macs/"
    mac = f"{base}{eni['MacAddress']}/"
    with urllib.request.urlopen(mac + "ipv4-prefix", timeout=10) as r:
        assert r.read().decode() == v4
    with urllib.request.urlopen(mac + "ipv6-prefix", timeout=10) as r:
        assert r.read().decode() == v6
    with urllib.request.urlopen(mac, timeout=10) as r:
        listing = r.read().decode().split("\n")
    assert "ipv4-prefix" in listing and "ipv6-prefix" in listing
