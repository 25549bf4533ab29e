"""Secondary private IPv4 addresses: AssignPrivateIpAddresses (explicit, count, all or nothing,
reassignment) and UnassignPrivateIpAddresses, with the subnet's free count exact after each step."""
import pytest

from conftest import code_of, error_code
from netkit import addresses, attach, eni, free, instance, message, network, new_eni, running


def assign(ec2, eni_id, *explicit, **kw):
    if explicit:
        kw["PrivateIpAddresses"] = list(explicit)
    return ec2.assign_private_ip_addresses(NetworkInterfaceId=eni_id, **kw)


def assigned(reply):
    return [a["PrivateIpAddress"] for a in reply["AssignedPrivateIpAddresses"]]


@pytest.fixture
def subnet(ec2):
    return network(ec2)[1]


def test_assign_explicit_addresses(ec2, subnet):
    made = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.100")["NetworkInterfaceId"]
    reply = assign(ec2, made, "10.0.1.101", "10.0.1.102")
    assert reply["NetworkInterfaceId"] == made and assigned(reply) == ["10.0.1.101", "10.0.1.102"]
    assert addresses(eni(ec2, made)) == [("10.0.1.100", True), ("10.0.1.101", False), ("10.0.1.102", False)]
    assert free(ec2, subnet) == 248
    # Each secondary gets its own DNS name; the interface-level fields stay on the primary.
    described = eni(ec2, made)
    assert described["PrivateIpAddresses"][1]["PrivateDnsName"] == "ip-10-0-1-101.ap-northeast-1.compute.internal"
    assert described["PrivateIpAddress"] == "10.0.1.100"


def test_assign_a_count(ec2, subnet):
    made = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.4")["NetworkInterfaceId"]
    new_eni(ec2, subnet, PrivateIpAddress="10.0.1.6")
    reply = assign(ec2, made, SecondaryPrivateIpAddressCount=3)
    assert assigned(reply) == ["10.0.1.5", "10.0.1.7", "10.0.1.8"]
    assert free(ec2, subnet) == 251 - 5
    err = error_code(assign, ec2, made, SecondaryPrivateIpAddressCount=300)
    assert code_of(err) == "InsufficientFreeAddressesInSubnet"
    assert free(ec2, subnet) == 251 - 5


def test_assign_needs_addresses_or_a_count_not_both(ec2, subnet):
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    assert code_of(error_code(assign, ec2, made)) == "MissingParameter"
    err = error_code(assign, ec2, made, "10.0.1.50", SecondaryPrivateIpAddressCount=1)
    assert code_of(err) == "InvalidParameterCombination"
    assert code_of(error_code(assign, ec2, "eni-0123456789abcdef0", "10.0.1.50")) == "InvalidNetworkInterfaceID.NotFound"


@pytest.mark.parametrize(
    "address, code",
    [
        ("10.0.1.x", "InvalidParameterValue"),
        ("10.0.7.9", "InvalidParameterValue"),
        ("10.0.1.255", "InvalidParameterValue"),
        ("10.0.1.1", "InvalidParameterValue"),
        ("10.0.1.20", "InvalidIPAddress.InUse"),
    ],
)
def test_assign_is_all_or_nothing(ec2, subnet, address, code):
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    new_eni(ec2, subnet, PrivateIpAddress="10.0.1.20")
    err = error_code(assign, ec2, made, "10.0.1.30", address, "10.0.1.31")
    assert code_of(err) == code
    assert len(eni(ec2, made)["PrivateIpAddresses"]) == 1
    assert free(ec2, subnet) == 249


def test_reassignment_moves_a_secondary_but_never_a_primary(ec2, subnet):
    a = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.10")["NetworkInterfaceId"]
    b = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.20")["NetworkInterfaceId"]
    assign(ec2, a, "10.0.1.11")
    assert free(ec2, subnet) == 248
    err = error_code(assign, ec2, b, "10.0.1.11")
    assert (code_of(err), message(err)) == ("InvalidIPAddress.InUse", "The specified address is already in use.")
    err = error_code(assign, ec2, b, "10.0.1.11", AllowReassignment=False)
    assert code_of(err) == "InvalidIPAddress.InUse"
    reply = assign(ec2, b, "10.0.1.11", AllowReassignment=True)
    assert assigned(reply) == ["10.0.1.11"]
    assert addresses(eni(ec2, a)) == [("10.0.1.10", True)]
    assert addresses(eni(ec2, b)) == [("10.0.1.20", True), ("10.0.1.11", False)]
    assert free(ec2, subnet) == 248, "a move takes no new address"
    err = error_code(assign, ec2, b, "10.0.1.10", AllowReassignment=True)
    assert code_of(err) == "InvalidIPAddress.InUse"
    assert addresses(eni(ec2, a)) == [("10.0.1.10", True)]


def test_reassignment_between_attached_interfaces(ec2, subnet):
    active, standby = running(ec2, subnet), running(ec2, subnet)
    first, second = (n["NetworkInterfaces"][0]["NetworkInterfaceId"] for n in (active, standby))
    floating = assigned(assign(ec2, first, SecondaryPrivateIpAddressCount=1))[0]
    assign(ec2, second, floating, AllowReassignment=True)
    held = {i["InstanceId"]: [a for n in instance(ec2, i["InstanceId"])["NetworkInterfaces"] for a, _ in addresses(n)] for i in (active, standby)}
    assert floating not in held[active["InstanceId"]] and floating in held[standby["InstanceId"]]


def test_address_limit_of_the_attached_type(ec2, subnet):
    i = running(ec2, subnet)  # t3.medium: 6 addresses per interface
    primary = i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    assign(ec2, primary, SecondaryPrivateIpAddressCount=4)
    err = error_code(assign, ec2, primary, SecondaryPrivateIpAddressCount=2)
    assert (code_of(err), message(err)) == ("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
    assert len(eni(ec2, primary)["PrivateIpAddresses"]) == 5
    assign(ec2, primary, SecondaryPrivateIpAddressCount=1)
    # An unattached interface is limited only by its subnet.
    loose = new_eni(ec2, subnet, SecondaryPrivateIpAddressCount=40)["NetworkInterfaceId"]
    assert len(eni(ec2, loose)["PrivateIpAddresses"]) == 41
    secondary = new_eni(ec2, subnet)["NetworkInterfaceId"]
    attach(ec2, secondary, i["InstanceId"], 1)
    assert code_of(error_code(assign, ec2, secondary, SecondaryPrivateIpAddressCount=6)) == "PrivateIpAddressLimitExceeded"


def test_unassign(ec2, subnet):
    made = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.100")["NetworkInterfaceId"]
    other = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.200")["NetworkInterfaceId"]
    assign(ec2, made, "10.0.1.101", "10.0.1.102", "10.0.1.103")
    assert free(ec2, subnet) == 246
    ec2.unassign_private_ip_addresses(NetworkInterfaceId=made, PrivateIpAddresses=["10.0.1.102"])
    assert addresses(eni(ec2, made)) == [("10.0.1.100", True), ("10.0.1.101", False), ("10.0.1.103", False)]
    assert free(ec2, subnet) == 247
    err = error_code(ec2.unassign_private_ip_addresses, NetworkInterfaceId=made, PrivateIpAddresses=["10.0.1.100"])
    assert code_of(err) == "InvalidParameterValue"
    assert "10.0.1.100" in message(err)
    # Not on this interface (free, or another's): refused, and nothing else goes either.
    for stray in ("10.0.1.150", "10.0.1.200"):
        err = error_code(ec2.unassign_private_ip_addresses, NetworkInterfaceId=made, PrivateIpAddresses=["10.0.1.101", stray])
        assert code_of(err) == "InvalidParameterValue"
    assert len(eni(ec2, made)["PrivateIpAddresses"]) == 3
    assert addresses(eni(ec2, other)) == [("10.0.1.200", True)]
    assert free(ec2, subnet) == 247
    ec2.unassign_private_ip_addresses(NetworkInterfaceId=made, PrivateIpAddresses=["10.0.1.101", "10.0.1.103"])
    assert addresses(eni(ec2, made)) == [("10.0.1.100", True)]
    assert free(ec2, subnet) == 249
    # The freed address is free for anyone.
    assert assigned(assign(ec2, other, "10.0.1.101")) == ["10.0.1.101"]
    assert free(ec2, subnet) == 248
