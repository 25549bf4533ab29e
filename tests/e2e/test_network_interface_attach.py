"""Attaching and detaching network interfaces: AWS's checks in their order, multi-VPC
attachment, network cards, per-type limits, device 0, delete while attached."""
from conftest import client, code_of, error_code, new_account
from netkit import (
    ZONE_C,
    addresses,
    attach,
    attachments,
    eni,
    instance,
    launch,
    message,
    network,
    new_eni,
    new_group,
    new_subnet,
    new_vpc,
    running,
    tag_specs,
)

ZONE_MESSAGE = "You may not attach a network interface to an instance if they are not in the same availability zone"


def terminated(ec2, subnet):
    i = running(ec2, subnet)
    ec2.terminate_instances(InstanceIds=[i["InstanceId"]])
    assert instance(ec2, i["InstanceId"])["State"]["Name"] == "terminated"
    return i


# --- attach and detach ------------------------------------------------------------------------


def test_attach_then_detach_keeps_everything_the_interface_owns(ec2, account):
    vpc, subnet = network(ec2)
    web = new_group(ec2, vpc)
    made = new_eni(
        ec2, subnet, PrivateIpAddress="10.0.1.50", SecondaryPrivateIpAddressCount=1, Groups=[web], Description="eth1",
        TagSpecifications=tag_specs("network-interface", Name="uplink"),
    )
    eni_id = made["NetworkInterfaceId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, SourceDestCheck={"Value": False})
    i = running(ec2, subnet)
    reply = attach(ec2, eni_id, i["InstanceId"], 1)
    assert reply["AttachmentId"].startswith("eni-attach-") and reply["NetworkCardIndex"] == 0
    attached = eni(ec2, eni_id)
    assert attached["Status"] == "in-use"
    a = attached["Attachment"]
    assert (a["AttachmentId"], a["InstanceId"], a["InstanceOwnerId"], a["DeviceIndex"], a["NetworkCardIndex"]) == (
        reply["AttachmentId"], i["InstanceId"], account, 1, 0)
    assert (a["DeleteOnTermination"], a["Status"]) == (False, "attached") and "AttachTime" in a
    described = instance(ec2, i["InstanceId"])
    assert attachments(described) == [(0, i["NetworkInterfaces"][0]["NetworkInterfaceId"]), (1, eni_id)]
    inside = described["NetworkInterfaces"][1]
    assert (inside["MacAddress"], inside["PrivateIpAddress"], inside["Status"]) == (made["MacAddress"], "10.0.1.50", "in-use")
    assert "InstanceId" not in inside["Attachment"], "an instance's own attachments do not repeat its ID"

    ec2.detach_network_interface(AttachmentId=reply["AttachmentId"])
    detached = eni(ec2, eni_id)
    assert detached["Status"] == "available" and "Attachment" not in detached
    for key in ("MacAddress", "PrivateIpAddresses", "Groups", "TagSet", "Description", "PrivateIpAddress"):
        assert detached[key] == made[key], key
    assert detached["SourceDestCheck"] is False
    assert attachments(instance(ec2, i["InstanceId"])) == [(0, i["NetworkInterfaces"][0]["NetworkInterfaceId"])]
    err = error_code(ec2.detach_network_interface, AttachmentId=reply["AttachmentId"])
    assert (code_of(err), message(err)) == ("InvalidAttachmentID.NotFound", f"The attachment '{reply['AttachmentId']}' does not exist.")

    # The interface moves to another instance with its MAC and addresses, under a new attachment.
    other = running(ec2, subnet)
    again = attach(ec2, eni_id, other["InstanceId"], 1)
    assert again["AttachmentId"] != reply["AttachmentId"]
    moved = eni(ec2, eni_id)
    assert (moved["MacAddress"], addresses(moved)) == (made["MacAddress"], addresses(made))
    assert moved["Attachment"]["InstanceId"] == other["InstanceId"]


def test_interface_in_use_is_refused(ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    first, second = running(ec2, subnet), running(ec2, subnet)
    attach(ec2, made, first["InstanceId"], 1)
    err = error_code(attach, ec2, made, second["InstanceId"], 1)
    assert (code_of(err), message(err)) == ("InvalidNetworkInterface.InUse", f"Interface: [{made}] in use.")
    primary = first["NetworkInterfaces"][0]["NetworkInterfaceId"]
    err = error_code(attach, ec2, primary, second["InstanceId"], 2)
    assert (code_of(err), message(err)) == ("InvalidNetworkInterface.InUse", f"Interface: [{primary}] in use.")
    # In use is checked before the instance's state.
    gone = terminated(ec2, subnet)
    assert code_of(error_code(attach, ec2, made, gone["InstanceId"], 1)) == "InvalidNetworkInterface.InUse"


def test_instance_must_be_running_or_stopped(ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    gone = terminated(ec2, subnet)
    err = error_code(attach, ec2, made, gone["InstanceId"], 1)
    assert code_of(err) == "IncorrectInstanceState"
    assert gone["InstanceId"] in message(err)
    # The state is checked before the zone.
    far = new_eni(ec2, new_subnet(ec2, eni(ec2, made)["VpcId"], "10.0.9.0/24", ZONE_C))["NetworkInterfaceId"]
    assert code_of(error_code(attach, ec2, far, gone["InstanceId"], 1)) == "IncorrectInstanceState"
    # A stopped instance takes an interface (warm attach) and lets it go.
    stopped = running(ec2, subnet)
    ec2.stop_instances(InstanceIds=[stopped["InstanceId"]])
    assert instance(ec2, stopped["InstanceId"])["State"]["Name"] == "stopped"
    attachment_id = attach(ec2, made, stopped["InstanceId"], 1)["AttachmentId"]
    ec2.detach_network_interface(AttachmentId=attachment_id)
    assert eni(ec2, made)["Status"] == "available"


def test_interface_from_another_zone_is_refused(ec2):
    vpc, subnet = network(ec2)
    far = new_eni(ec2, new_subnet(ec2, vpc, "10.0.2.0/24", ZONE_C))["NetworkInterfaceId"]
    i = running(ec2, subnet)
    err = error_code(attach, ec2, far, i["InstanceId"], 1)
    assert (code_of(err), message(err)) == ("InvalidParameterCombination", ZONE_MESSAGE)
    # The zone is checked before the device index.
    assert code_of(error_code(attach, ec2, far, i["InstanceId"], 0)) == "InvalidParameterCombination"
    assert eni(ec2, far)["Status"] == "available"


def test_interface_from_another_vpc_in_the_same_zone_attaches_as_secondary(ec2):
    vpc, subnet = network(ec2)
    other_vpc, other_subnet = network(ec2, "192.168.0.0/16", "192.168.1.0/24")
    dual = new_eni(ec2, other_subnet)["NetworkInterfaceId"]
    i = running(ec2, subnet)
    reply = attach(ec2, dual, i["InstanceId"], 1)
    assert reply["AttachmentId"].startswith("eni-attach-") and reply["NetworkCardIndex"] == 0
    described = instance(ec2, i["InstanceId"])
    assert (described["VpcId"], described["SubnetId"]) == (vpc, subnet), "instance-level fields describe device 0"
    assert [n["VpcId"] for n in described["NetworkInterfaces"]] == [vpc, other_vpc]
    assert eni(ec2, dual)["Attachment"]["InstanceId"] == i["InstanceId"]


def test_another_accounts_interface_or_instance_is_not_found(ec2, server):
    _, subnet = network(ec2)
    i = running(ec2, subnet)
    stranger = client(server.endpoint, new_account())
    _, their_subnet = network(stranger)
    theirs = new_eni(stranger, their_subnet)["NetworkInterfaceId"]
    err = error_code(attach, ec2, theirs, i["InstanceId"], 1)
    assert code_of(err) == "InvalidNetworkInterfaceID.NotFound"
    mine = new_eni(ec2, subnet)["NetworkInterfaceId"]
    assert code_of(error_code(attach, stranger, mine, i["InstanceId"], 1)) == "InvalidNetworkInterfaceID.NotFound"
    assert code_of(error_code(attach, ec2, mine, "i-0123456789abcdef0", 1)) == "InvalidInstanceID.NotFound"
    assert code_of(error_code(attach, ec2, mine, "instance-1", 1)) == "InvalidInstanceID.Malformed"
    assert code_of(error_code(attach, ec2, "eni-1", i["InstanceId"], 1)) == "InvalidNetworkInterfaceId.Malformed"


def test_device_index_already_used(ec2):
    _, subnet = network(ec2)
    i = running(ec2, subnet)
    first, second = (new_eni(ec2, subnet)["NetworkInterfaceId"] for _ in range(2))
    attach(ec2, first, i["InstanceId"], 1)
    err = error_code(attach, ec2, second, i["InstanceId"], 1)
    expected = f"Instance '{i['InstanceId']}' already has an interface attached at device index '1'."
    assert (code_of(err), message(err)) == ("InvalidParameterValue", expected)
    err = error_code(attach, ec2, second, i["InstanceId"], 0)
    assert message(err) == f"Instance '{i['InstanceId']}' already has an interface attached at device index '0'."
    assert eni(ec2, second)["Status"] == "available"


def test_network_card_index(ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    small = running(ec2, subnet)
    err = error_code(attach, ec2, made, small["InstanceId"], 1, NetworkCardIndex=1)
    assert code_of(err) == "InvalidParameterValue"
    # A type with two network cards: device indexes count per card.
    big = running(ec2, subnet, instance_type="c6in.32xlarge")
    on_card_1 = attach(ec2, made, big["InstanceId"], 1, NetworkCardIndex=1)
    assert on_card_1["NetworkCardIndex"] == 1
    second = new_eni(ec2, subnet)["NetworkInterfaceId"]
    assert attach(ec2, second, big["InstanceId"], 1)["NetworkCardIndex"] == 0, "card 0 when omitted"
    assert eni(ec2, made)["Attachment"]["NetworkCardIndex"] == 1
    third = new_eni(ec2, subnet)["NetworkInterfaceId"]
    err = error_code(attach, ec2, third, big["InstanceId"], 1, NetworkCardIndex=1)
    assert message(err) == f"Instance '{big['InstanceId']}' already has an interface attached at device index '1'."
    err = error_code(attach, ec2, third, big["InstanceId"], 1, NetworkCardIndex=2)
    assert code_of(err) == "InvalidParameterValue"


def test_interface_count_limit_of_the_type(ec2):
    _, subnet = network(ec2)
    i = running(ec2, subnet)  # t3.medium: 3 interfaces
    for device in (1, 2):
        attach(ec2, new_eni(ec2, subnet)["NetworkInterfaceId"], i["InstanceId"], device)
    fourth = new_eni(ec2, subnet, SecondaryPrivateIpAddressCount=6)["NetworkInterfaceId"]
    err = error_code(attach, ec2, fourth, i["InstanceId"], 3)
    assert (code_of(err), message(err)) == ("AttachmentLimitExceeded", "Interface count 4 exceeds the limit for t3.medium")
    micro = running(ec2, subnet, instance_type="t3.micro")  # 2 interfaces
    attach(ec2, new_eni(ec2, subnet)["NetworkInterfaceId"], micro["InstanceId"], 1)
    err = error_code(attach, ec2, new_eni(ec2, subnet)["NetworkInterfaceId"], micro["InstanceId"], 2)
    assert (code_of(err), message(err)) == ("AttachmentLimitExceeded", "Interface count 3 exceeds the limit for t3.micro")


def test_address_count_limit_of_the_type(ec2):
    _, subnet = network(ec2)
    i = running(ec2, subnet)  # t3.medium: 6 addresses per interface
    fat = new_eni(ec2, subnet, SecondaryPrivateIpAddressCount=6)["NetworkInterfaceId"]
    err = error_code(attach, ec2, fat, i["InstanceId"], 1)
    assert (code_of(err), message(err)) == ("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
    assert eni(ec2, fat)["Status"] == "available"
    fits = new_eni(ec2, subnet, SecondaryPrivateIpAddressCount=5)["NetworkInterfaceId"]
    attach(ec2, fits, i["InstanceId"], 1)


def test_dry_run_attach_changes_nothing(ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    i = running(ec2, subnet)
    err = error_code(attach, ec2, made, i["InstanceId"], 1, DryRun=True)
    assert code_of(err) == "DryRunOperation"
    assert eni(ec2, made)["Status"] == "available"


# --- device 0 and deletion --------------------------------------------------------------------


def test_device_0_cannot_be_detached(ec2):
    _, subnet = network(ec2)
    i = running(ec2, subnet)
    primary = i["NetworkInterfaces"][0]["Attachment"]["AttachmentId"]
    err = error_code(ec2.detach_network_interface, AttachmentId=primary)
    assert (code_of(err), message(err)) == (
        "OperationNotPermitted", "The network interface at device index 0 and networkCard index 0 cannot be detached.")
    err = error_code(ec2.detach_network_interface, AttachmentId=primary, Force=True)
    assert code_of(err) == "OperationNotPermitted"
    assert attachments(instance(ec2, i["InstanceId"]))[0][0] == 0


def test_detach_ids(ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    i = running(ec2, subnet)
    attachment_id = attach(ec2, made, i["InstanceId"], 1)["AttachmentId"]
    assert code_of(error_code(ec2.detach_network_interface, AttachmentId=made)) == "InvalidNetworkInterfaceAttachmentID.Malformed"
    assert code_of(error_code(ec2.detach_network_interface, AttachmentId="eni-attach-0123456789abcdef0")) == "InvalidAttachmentID.NotFound"
    ec2.detach_network_interface(AttachmentId=attachment_id, Force=True)
    assert eni(ec2, made)["Status"] == "available"


def test_an_attached_interface_cannot_be_deleted(ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    i = running(ec2, subnet)
    attachment_id = attach(ec2, made, i["InstanceId"], 1)["AttachmentId"]
    for eni_id in (made, i["NetworkInterfaces"][0]["NetworkInterfaceId"]):
        err = error_code(ec2.delete_network_interface, NetworkInterfaceId=eni_id)
        assert (code_of(err), message(err)) == ("InvalidParameterValue", f"Network interface '{eni_id}' is currently in use.")
    ec2.detach_network_interface(AttachmentId=attachment_id)
    ec2.delete_network_interface(NetworkInterfaceId=made)
    assert attachments(instance(ec2, i["InstanceId"])) == [(0, i["NetworkInterfaces"][0]["NetworkInterfaceId"])]


def test_launching_into_a_subnet_counts_its_addresses(ec2):
    _, subnet = network(ec2, subnet_cidr="10.0.1.0/28")
    launch(ec2, subnet)
    err = error_code(ec2.create_network_interface, SubnetId=subnet, SecondaryPrivateIpAddressCount=10)
    assert code_of(err) == "InsufficientFreeAddressesInSubnet"
