"""Instances after launch: DescribeInstances (filters, fields that describe device 0), the state
machine with the CLI's waiters, DeleteOnTermination, DisableApiTermination,
DescribeInstanceStatus, instance attributes and metadata options."""
from conftest import code_of, error_code
from netkit import (
    AMI,
    attach,
    attachments,
    eni,
    free,
    instance,
    instance_ids,
    is_public,
    launch,
    launch_with,
    message,
    network,
    new_eni,
    new_group,
    new_subnet,
    running,
    state,
    tag_specs,
)


def change(reply, key):
    [item] = reply[key]
    return item["PreviousState"]["Name"], item["CurrentState"]["Name"]


# --- DescribeInstances ------------------------------------------------------------------------


def test_instance_level_fields_always_describe_device_0(ec2):
    vpc, subnet = network(ec2)
    other_vpc, other_subnet = network(ec2, "192.168.0.0/16", "192.168.1.0/24")
    second_subnet = new_subnet(ec2, vpc, "10.0.2.0/24")
    i = running(ec2, subnet, PrivateIpAddress="10.0.1.12")
    primary = i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    # Attach in reverse device order: the listing is still device 0 first.
    dual = new_eni(ec2, other_subnet, PrivateIpAddress="192.168.1.50")["NetworkInterfaceId"]
    side = new_eni(ec2, second_subnet, PrivateIpAddress="10.0.2.50")["NetworkInterfaceId"]
    attach(ec2, dual, i["InstanceId"], 2)
    attach(ec2, side, i["InstanceId"], 1)
    described = instance(ec2, i["InstanceId"])
    assert attachments(described) == [(0, primary), (1, side), (2, dual)]
    assert (described["SubnetId"], described["VpcId"], described["PrivateIpAddress"]) == (subnet, vpc, "10.0.1.12")
    assert described["PrivateDnsName"] == "ip-10-0-1-12.ap-northeast-1.compute.internal"
    assert [n["VpcId"] for n in described["NetworkInterfaces"]] == [vpc, vpc, other_vpc]


def test_filters(ec2):
    vpc, subnet = network(ec2)
    second_subnet = new_subnet(ec2, vpc, "10.0.2.0/24")
    web = new_group(ec2, vpc)
    a = running(ec2, subnet, PrivateIpAddress="10.0.1.10", SecurityGroupIds=[web], TagSpecifications=tag_specs("instance", Name="a"))
    b = running(ec2, second_subnet, instance_type="t3.micro")
    c = launch(ec2, subnet)
    side = new_eni(ec2, second_subnet, PrivateIpAddress="10.0.2.99")
    attach(ec2, side["NetworkInterfaceId"], a["InstanceId"], 1)
    ec2.stop_instances(InstanceIds=[b["InstanceId"]])
    ids = {"a": a["InstanceId"], "b": b["InstanceId"], "c": c["InstanceId"]}
    assert instance_ids(ec2, ("vpc-id", [vpc])) == sorted(ids.values())
    assert instance_ids(ec2, ("subnet-id", [second_subnet])) == [ids["b"]], "device 0's subnet"
    assert instance_ids(ec2, ("network-interface.subnet-id", [second_subnet])) == sorted([ids["a"], ids["b"]])
    assert instance_ids(ec2, ("private-ip-address", ["10.0.1.10"])) == [ids["a"]]
    assert instance_ids(ec2, ("private-ip-address", ["10.0.2.99"])) == [], "device 0's address only"
    assert instance_ids(ec2, ("network-interface.addresses.private-ip-address", ["10.0.2.99"])) == [ids["a"]]
    assert instance_ids(ec2, ("network-interface.network-interface-id", [side["NetworkInterfaceId"]])) == [ids["a"]]
    assert instance_ids(ec2, ("network-interface.mac-address", [side["MacAddress"]])) == [ids["a"]]
    assert instance_ids(ec2, ("network-interface.attachment.device-index", ["1"])) == [ids["a"]]
    assert instance_ids(ec2, ("instance.group-id", [web])) == [ids["a"]]
    assert instance_ids(ec2, ("network-interface.group-id", [web])) == [ids["a"]]
    assert instance_ids(ec2, ("instance-state-name", ["stopped"])) == [ids["b"]]
    assert instance_ids(ec2, ("instance-state-name", ["running"])) == sorted([ids["a"], ids["c"]])
    assert instance_ids(ec2, ("instance-state-code", ["80"])) == [ids["b"]]
    assert instance_ids(ec2, ("instance-type", ["t3.micro"])) == [ids["b"]]
    assert instance_ids(ec2, ("tag:Name", ["a"])) == [ids["a"]]
    assert instance_ids(ec2, ("instance-id", [ids["c"]])) == [ids["c"]]
    assert instance_ids(ec2, ("image-id", [AMI]), ("availability-zone", ["ap-northeast-1a"])) == sorted(ids.values())
    err = error_code(ec2.describe_instances, Filters=[{"Name": "public-ip", "Values": ["1.2.3.4"]}])
    assert (code_of(err), message(err)) == ("InvalidParameterValue", "The filter 'public-ip' is invalid")


def test_ids_and_paging(ec2):
    _, subnet = network(ec2)
    made = sorted(launch(ec2, subnet)["InstanceId"] for _ in range(6))
    err = error_code(ec2.describe_instances, InstanceIds=["i-0123456789abcdef0"])
    assert (code_of(err), message(err)) == ("InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist")
    assert code_of(error_code(ec2.describe_instances, InstanceIds=["x-1"])) == "InvalidInstanceID.Malformed"
    err = error_code(ec2.describe_instances, InstanceIds=made[:1], MaxResults=5)
    assert code_of(err) == "InvalidParameterCombination"
    first = ec2.describe_instances(MaxResults=5)
    second = ec2.describe_instances(MaxResults=5, NextToken=first["NextToken"])
    seen = [i["InstanceId"] for page in (first, second) for r in page["Reservations"] for i in r["Instances"]]
    assert sorted(seen) == made


# --- the state machine ------------------------------------------------------------------------


def test_states_settle_at_the_next_call(ec2):
    _, subnet = network(ec2)
    i = launch(ec2, subnet)["InstanceId"]
    assert state(ec2, i) == "running"
    assert change(ec2.stop_instances(InstanceIds=[i]), "StoppingInstances") == ("running", "stopping")
    stopped = instance(ec2, i)
    assert stopped["State"] == {"Code": 80, "Name": "stopped"}
    assert stopped["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    assert stopped["StateTransitionReason"].startswith("User initiated (")
    assert change(ec2.stop_instances(InstanceIds=[i]), "StoppingInstances") == ("stopped", "stopped")
    err = error_code(ec2.reboot_instances, InstanceIds=[i])
    assert code_of(err) == "IncorrectInstanceState"
    assert change(ec2.start_instances(InstanceIds=[i]), "StartingInstances") == ("stopped", "pending")
    assert state(ec2, i) == "running"
    ec2.reboot_instances(InstanceIds=[i])
    assert state(ec2, i) == "running"
    assert change(ec2.terminate_instances(InstanceIds=[i]), "TerminatingInstances") == ("running", "shutting-down")
    assert instance(ec2, i)["State"] == {"Code": 48, "Name": "terminated"}
    assert change(ec2.terminate_instances(InstanceIds=[i]), "TerminatingInstances") == ("terminated", "terminated")
    for call in (ec2.start_instances, ec2.stop_instances, ec2.reboot_instances):
        assert code_of(error_code(call, InstanceIds=[i])) == "IncorrectInstanceState"


def test_state_changes_check_every_id_first(ec2):
    _, subnet = network(ec2)
    i = running(ec2, subnet)["InstanceId"]
    err = error_code(ec2.stop_instances, InstanceIds=[i, "i-0123456789abcdef0"])
    assert code_of(err) == "InvalidInstanceID.NotFound"
    assert state(ec2, i) == "running"


def test_cli_waiters(ec2, aws):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    out = aws.run("run-instances", "--image-id", AMI, "--instance-type", "t3.medium", "--subnet-id", subnet)
    i = out["Instances"][0]["InstanceId"]
    assert out["Instances"][0]["State"]["Name"] == "pending"
    aws.run("wait", "instance-running", "--instance-ids", i)
    aws.run("wait", "instance-status-ok", "--instance-ids", i)
    attachment = aws.run("attach-network-interface", "--network-interface-id", made, "--instance-id", i, "--device-index", "1")
    aws.run("stop-instances", "--instance-ids", i)
    aws.run("wait", "instance-stopped", "--instance-ids", i)
    aws.run("detach-network-interface", "--attachment-id", attachment["AttachmentId"])
    aws.run("wait", "network-interface-available", "--network-interface-ids", made)
    aws.run("start-instances", "--instance-ids", i)
    aws.run("wait", "instance-running", "--instance-ids", i)
    out = aws.run("terminate-instances", "--instance-ids", i)
    assert out["TerminatingInstances"][0]["CurrentState"]["Name"] == "shutting-down"
    aws.run("wait", "instance-terminated", "--instance-ids", i)
    assert state(ec2, i) == "terminated"


def test_public_address_released_on_stop_and_renewed_on_start(ec2):
    _, subnet = network(ec2)
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    i = running(ec2, subnet)
    assert is_public(i["PublicIpAddress"])
    ec2.stop_instances(InstanceIds=[i["InstanceId"]])
    assert "PublicIpAddress" not in instance(ec2, i["InstanceId"])
    ec2.start_instances(InstanceIds=[i["InstanceId"]])
    assert is_public(instance(ec2, i["InstanceId"])["PublicIpAddress"])
    # Private addresses stay through a stop.
    assert instance(ec2, i["InstanceId"])["PrivateIpAddress"] == i["PrivateIpAddress"]


# --- termination ------------------------------------------------------------------------------


def test_delete_on_termination(ec2):
    vpc, subnet = network(ec2)
    premade = new_eni(ec2, subnet, PrivateIpAddress="10.0.1.50")["NetworkInterfaceId"]
    attached_later = new_eni(ec2, subnet)["NetworkInterfaceId"]
    flagged = new_eni(ec2, subnet)["NetworkInterfaceId"]
    i = launch_with(
        ec2,
        {"DeviceIndex": 0, "SubnetId": subnet},
        {"DeviceIndex": 1, "NetworkInterfaceId": premade},
        {"DeviceIndex": 2, "SubnetId": subnet, "DeleteOnTermination": False},
        {"DeviceIndex": 5, "SubnetId": subnet},
        instance_type="c5.4xlarge",
    )
    launch_made, kept, secondary_made = (i["NetworkInterfaces"][n]["NetworkInterfaceId"] for n in (0, 2, 3))
    attach(ec2, attached_later, i["InstanceId"], 3)
    attachment_id = attach(ec2, flagged, i["InstanceId"], 4)["AttachmentId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=flagged, Attachment={"AttachmentId": attachment_id, "DeleteOnTermination": True})
    before = free(ec2, subnet)
    ec2.terminate_instances(InstanceIds=[i["InstanceId"]])
    for gone in (launch_made, secondary_made, flagged):
        assert code_of(error_code(ec2.describe_network_interfaces, NetworkInterfaceIds=[gone])) == "InvalidNetworkInterfaceID.NotFound"
    for left in (premade, kept, attached_later):
        assert eni(ec2, left)["Status"] == "available" and "Attachment" not in eni(ec2, left)
    assert eni(ec2, premade)["PrivateIpAddress"] == "10.0.1.50"
    assert free(ec2, subnet) == before + 3
    assert instance(ec2, i["InstanceId"])["NetworkInterfaces"] == []
    # What was left can be used again.
    ec2.delete_network_interface(NetworkInterfaceId=kept)
    launch_with(ec2, {"DeviceIndex": 0, "NetworkInterfaceId": premade})


def test_disable_api_termination(ec2):
    _, subnet = network(ec2)
    i = running(ec2, subnet, DisableApiTermination=True)["InstanceId"]
    err = error_code(ec2.terminate_instances, InstanceIds=[i])
    assert code_of(err) == "OperationNotPermitted" and i in message(err)
    assert state(ec2, i) == "running"
    assert ec2.describe_instance_attribute(InstanceId=i, Attribute="disableApiTermination")["DisableApiTermination"] == {"Value": True}
    ec2.modify_instance_attribute(InstanceId=i, DisableApiTermination={"Value": False})
    ec2.terminate_instances(InstanceIds=[i])
    assert state(ec2, i) == "terminated"


# --- DescribeInstanceStatus -------------------------------------------------------------------


def test_describe_instance_status(ec2):
    _, subnet = network(ec2)
    up = running(ec2, subnet)["InstanceId"]
    down = running(ec2, subnet)["InstanceId"]
    ec2.stop_instances(InstanceIds=[down])
    [status] = ec2.describe_instance_status()["InstanceStatuses"]
    assert (status["InstanceId"], status["InstanceState"]["Name"], status["AvailabilityZone"]) == (up, "running", "ap-northeast-1a")
    assert status["InstanceStatus"]["Status"] == status["SystemStatus"]["Status"] == "ok"
    every = ec2.describe_instance_status(IncludeAllInstances=True)["InstanceStatuses"]
    assert sorted((s["InstanceId"], s["InstanceState"]["Name"]) for s in every) == sorted([(up, "running"), (down, "stopped")])
    stopped = ec2.describe_instance_status(InstanceIds=[down], IncludeAllInstances=True)["InstanceStatuses"][0]
    assert stopped["InstanceStatus"]["Status"] == "not-applicable"
    assert code_of(error_code(ec2.describe_instance_status, InstanceIds=["i-0123456789abcdef0"])) == "InvalidInstanceID.NotFound"


# --- attributes -------------------------------------------------------------------------------


def test_source_dest_check_and_groups_of_a_single_interface_instance(ec2):
    vpc, subnet = network(ec2)
    web, ssh = new_group(ec2, vpc, "web"), new_group(ec2, vpc, "ssh")
    i = running(ec2, subnet)
    primary = i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ec2.modify_instance_attribute(InstanceId=i["InstanceId"], SourceDestCheck={"Value": False})
    assert eni(ec2, primary)["SourceDestCheck"] is False
    assert instance(ec2, i["InstanceId"])["SourceDestCheck"] is False
    ec2.modify_instance_attribute(InstanceId=i["InstanceId"], Attribute="sourceDestCheck", Value="true")
    assert eni(ec2, primary)["SourceDestCheck"] is True
    ec2.modify_instance_attribute(InstanceId=i["InstanceId"], Groups=[web, ssh])
    assert [g["GroupId"] for g in eni(ec2, primary)["Groups"]] == [web, ssh]
    got = ec2.describe_instance_attribute(InstanceId=i["InstanceId"], Attribute="groupSet")["Groups"]
    assert got == [{"GroupId": web, "GroupName": "web"}, {"GroupId": ssh, "GroupName": "ssh"}]
    err = error_code(ec2.modify_instance_attribute, InstanceId=i["InstanceId"], SourceDestCheck={"Value": False}, DisableApiTermination={"Value": True})
    assert code_of(err) == "InvalidParameterCombination"


def test_source_dest_check_and_groups_refused_on_a_multi_interface_instance(ec2):
    vpc, subnet = network(ec2)
    web = new_group(ec2, vpc)
    i = running(ec2, subnet)
    attach(ec2, new_eni(ec2, subnet)["NetworkInterfaceId"], i["InstanceId"], 1)
    for kw in ({"SourceDestCheck": {"Value": False}}, {"Groups": [web]}, {"Attribute": "sourceDestCheck", "Value": "false"}):
        err = error_code(ec2.modify_instance_attribute, InstanceId=i["InstanceId"], **kw)
        assert code_of(err) == "InvalidInstanceID", kw
    primary = eni(ec2, i["NetworkInterfaces"][0]["NetworkInterfaceId"])
    assert primary["SourceDestCheck"] is True and primary["Groups"][0]["GroupName"] == "default"
    # Other attributes still change.
    ec2.modify_instance_attribute(InstanceId=i["InstanceId"], InstanceInitiatedShutdownBehavior={"Value": "terminate"})


def test_describe_instance_attribute(ec2):
    _, subnet = network(ec2)
    i = running(ec2, subnet, UserData="hello", InstanceInitiatedShutdownBehavior="terminate")["InstanceId"]

    def attribute(name, key):
        out = ec2.describe_instance_attribute(InstanceId=i, Attribute=name)
        assert out["InstanceId"] == i
        return out[key]

    assert attribute("instanceType", "InstanceType") == {"Value": "t3.medium"}
    assert attribute("sourceDestCheck", "SourceDestCheck") == {"Value": True}
    assert attribute("disableApiTermination", "DisableApiTermination") == {"Value": False}
    assert attribute("instanceInitiatedShutdownBehavior", "InstanceInitiatedShutdownBehavior") == {"Value": "terminate"}
    assert attribute("userData", "UserData") == {"Value": "aGVsbG8="}, "base64, as sent on the wire"
    # The type changes only while stopped.
    err = error_code(ec2.modify_instance_attribute, InstanceId=i, InstanceType={"Value": "t3.large"})
    assert code_of(err) == "IncorrectInstanceState"
    ec2.stop_instances(InstanceIds=[i])
    ec2.modify_instance_attribute(InstanceId=i, InstanceType={"Value": "t3.large"})
    assert attribute("instanceType", "InstanceType") == {"Value": "t3.large"}


def test_instance_type_change_keeps_to_the_new_types_limits(ec2):
    _, subnet = network(ec2)
    i = running(ec2, subnet)["InstanceId"]  # t3.medium: 3 interfaces, 6 addresses each
    for device in (1, 2):
        attach(ec2, new_eni(ec2, subnet)["NetworkInterfaceId"], i, device)
    ec2.stop_instances(InstanceIds=[i])
    err = error_code(ec2.modify_instance_attribute, InstanceId=i, InstanceType={"Value": "t3.micro"})
    assert (code_of(err), message(err)) == ("AttachmentLimitExceeded", "Interface count 3 exceeds the limit for t3.micro")
    err = error_code(ec2.modify_instance_attribute, InstanceId=i, InstanceType={"Value": "t9.enormous"})
    assert code_of(err) == "InvalidParameterValue"
    single = running(ec2, subnet)
    ec2.assign_private_ip_addresses(NetworkInterfaceId=single["NetworkInterfaces"][0]["NetworkInterfaceId"], SecondaryPrivateIpAddressCount=2)
    ec2.stop_instances(InstanceIds=[single["InstanceId"]])
    err = error_code(ec2.modify_instance_attribute, InstanceId=single["InstanceId"], InstanceType={"Value": "t3.micro"})
    assert code_of(err) == "PrivateIpAddressLimitExceeded"
    assert instance(ec2, single["InstanceId"])["InstanceType"] == "t3.medium"
    ec2.modify_instance_attribute(InstanceId=single["InstanceId"], InstanceType={"Value": "c5.large"})
    assert instance(ec2, single["InstanceId"])["InstanceType"] == "c5.large"


def test_modify_instance_metadata_options(ec2, unvalidated_ec2):
    _, subnet = network(ec2)
    i = running(ec2, subnet)
    assert (i["MetadataOptions"]["HttpTokens"], i["MetadataOptions"]["HttpPutResponseHopLimit"]) == ("optional", 1)
    out = ec2.modify_instance_metadata_options(InstanceId=i["InstanceId"], HttpTokens="required", HttpPutResponseHopLimit=2)
    assert out["InstanceId"] == i["InstanceId"]
    assert (out["InstanceMetadataOptions"]["State"], out["InstanceMetadataOptions"]["HttpTokens"]) == ("pending", "required")
    options = instance(ec2, i["InstanceId"])["MetadataOptions"]
    assert (options["State"], options["HttpTokens"], options["HttpPutResponseHopLimit"], options["HttpEndpoint"]) == ("applied", "required", 2, "enabled")
    err = error_code(unvalidated_ec2.modify_instance_metadata_options, InstanceId=i["InstanceId"], HttpPutResponseHopLimit=65)
    assert code_of(err) == "InvalidParameterValue"
    launched = launch(ec2, subnet, MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "disabled"})
    assert (launched["MetadataOptions"]["HttpTokens"], launched["MetadataOptions"]["HttpEndpoint"]) == ("required", "disabled")
