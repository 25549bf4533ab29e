"""RunInstances: both network styles, every InvalidParameterCombination refusal of rules §9,
device indexes, zones, the default VPC, counts, ClientToken, tags, key pairs and types.
States, attributes and DescribeInstances are in test_instance_lifecycle.py."""
import pytest

from conftest import code_of, error_code
from netkit import (
    AMI,
    ZONE_A,
    ZONE_C,
    addresses,
    attachments,
    default_group,
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
    tag_specs,
)


def nothing_launched(ec2):
    return ec2.describe_instances()["Reservations"] == []


# --- the two styles ---------------------------------------------------------------------------


def test_instance_level_subnet_groups_and_address(ec2, account):
    vpc, subnet = network(ec2)
    web = new_group(ec2, vpc)
    i = launch(ec2, subnet, SecurityGroupIds=[web], PrivateIpAddress="10.0.1.12")
    assert i["InstanceId"].startswith("i-") and len(i["InstanceId"]) == 19
    assert i["State"] == {"Code": 0, "Name": "pending"}
    assert (i["SubnetId"], i["VpcId"], i["PrivateIpAddress"]) == (subnet, vpc, "10.0.1.12")
    assert i["PrivateDnsName"] == "ip-10-0-1-12.ap-northeast-1.compute.internal"
    assert i["Placement"]["AvailabilityZone"] == ZONE_A
    assert (i["ImageId"], i["InstanceType"], i["AmiLaunchIndex"]) == (AMI, "t3.medium", 0)
    assert i["SecurityGroups"] == [{"GroupId": web, "GroupName": "web"}]
    assert i["SourceDestCheck"] is True and "PublicIpAddress" not in i
    [primary] = i["NetworkInterfaces"]
    assert (primary["SubnetId"], primary["VpcId"], primary["OwnerId"], primary["Status"]) == (subnet, vpc, account, "in-use")
    assert addresses(primary) == [("10.0.1.12", True)]
    a = primary["Attachment"]
    assert (a["DeviceIndex"], a["NetworkCardIndex"], a["DeleteOnTermination"], a["Status"]) == (0, 0, True, "attached")
    # The launch made a real interface, visible on its own.
    made = eni(ec2, primary["NetworkInterfaceId"])
    assert (made["Status"], made["Attachment"]["InstanceId"], made["MacAddress"]) == ("in-use", i["InstanceId"], primary["MacAddress"])
    assert free(ec2, subnet) == 250


def test_launch_address_checks(ec2):
    _, subnet = network(ec2)
    launch(ec2, subnet, PrivateIpAddress="10.0.1.12")
    err = error_code(launch, ec2, subnet, PrivateIpAddress="10.0.1.12")
    assert (code_of(err), message(err)) == ("InvalidIPAddress.InUse", "Address 10.0.1.12 is in use.")
    err = error_code(launch, ec2, subnet, PrivateIpAddress="10.0.2.12")
    assert (code_of(err), message(err)) == ("InvalidParameterValue", "Address 10.0.2.12 does not fall within the subnet's address range")
    err = error_code(launch, ec2, subnet, PrivateIpAddress="10.0.1.3")
    assert (code_of(err), message(err)) == ("InvalidParameterValue", "Address 10.0.1.3 is in subnet's reserved address range")
    # Two specifications of one launch cannot share an address either.
    err = error_code(
        launch_with, ec2,
        {"DeviceIndex": 0, "SubnetId": subnet, "PrivateIpAddress": "10.0.1.40"},
        {"DeviceIndex": 1, "SubnetId": subnet, "PrivateIpAddress": "10.0.1.40"},
    )
    assert (code_of(err), message(err)) == ("InvalidIPAddress.InUse", "Address 10.0.1.40 is in use.")
    assert len(ec2.describe_instances()["Reservations"]) == 1 and free(ec2, subnet) == 250


def test_instance_level_groups_must_be_in_the_subnets_vpc(ec2):
    vpc, subnet = network(ec2)
    elsewhere = new_group(ec2, network(ec2, "10.1.0.0/16", "10.1.1.0/24")[0], "far")
    err = error_code(launch, ec2, subnet, SecurityGroupIds=[elsewhere])
    assert code_of(err) == "InvalidParameter"
    assert code_of(error_code(launch, ec2, subnet, SecurityGroupIds=["sg-0123456789abcdef0"])) == "InvalidGroup.NotFound"
    # Group names go with the default VPC only.
    new_group(ec2, vpc, "web")
    err = error_code(launch, ec2, subnet, SecurityGroups=["web"])
    assert code_of(err) == "InvalidParameterCombination"
    assert nothing_launched(ec2)


def test_instance_level_default_group(ec2):
    vpc, subnet = network(ec2)
    i = launch(ec2, subnet)
    assert i["SecurityGroups"] == [{"GroupId": default_group(ec2, vpc), "GroupName": "default"}]


def test_new_interfaces_from_specifications(ec2):
    vpc, subnet = network(ec2)
    second_subnet = new_subnet(ec2, vpc, "10.0.2.0/24")
    web, db = new_group(ec2, vpc, "web"), new_group(ec2, vpc, "db")
    i = launch_with(
        ec2,
        {"DeviceIndex": 0, "SubnetId": subnet, "Groups": [web], "Description": "front", "PrivateIpAddress": "10.0.1.20",
         "SecondaryPrivateIpAddressCount": 2},
        {"DeviceIndex": 1, "SubnetId": second_subnet, "Groups": [db], "DeleteOnTermination": False,
         "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.2.30", "Primary": True}, {"PrivateIpAddress": "10.0.2.31"}]},
    )
    front, back = i["NetworkInterfaces"]
    assert (front["Attachment"]["DeviceIndex"], back["Attachment"]["DeviceIndex"]) == (0, 1)
    assert addresses(front) == [("10.0.1.20", True), ("10.0.1.4", False), ("10.0.1.5", False)]
    assert addresses(back) == [("10.0.2.30", True), ("10.0.2.31", False)]
    assert (front["Description"], front["Groups"][0]["GroupId"], back["Groups"][0]["GroupId"]) == ("front", web, db)
    assert (front["Attachment"]["DeleteOnTermination"], back["Attachment"]["DeleteOnTermination"]) == (True, False)
    assert (i["SubnetId"], i["PrivateIpAddress"], i["SecurityGroups"][0]["GroupId"]) == (subnet, "10.0.1.20", web)


def test_cli_secondary_address_options(ec2, aws):
    _, subnet = network(ec2)
    run = ["run-instances", "--image-id", AMI, "--instance-type", "t3.medium", "--subnet-id", subnet]
    out = aws.run(*run, "--private-ip-address", "10.0.1.20", "--secondary-private-ip-address-count", "2")
    assert addresses(out["Instances"][0]["NetworkInterfaces"][0]) == [("10.0.1.20", True), ("10.0.1.4", False), ("10.0.1.5", False)]
    out = aws.run(*run, "--secondary-private-ip-addresses", "10.0.1.30", "10.0.1.31")
    assert addresses(out["Instances"][0]["NetworkInterfaces"][0]) == [("10.0.1.6", True), ("10.0.1.30", False), ("10.0.1.31", False)]


def test_existing_interface_as_device_0(ec2):
    vpc, subnet = network(ec2, "192.168.1.0/24", "192.168.1.0/24")
    web = new_group(ec2, vpc)
    made = new_eni(ec2, subnet, PrivateIpAddress="192.168.1.100", Groups=[web])
    eni_id = made["NetworkInterfaceId"]
    i = launch_with(ec2, {"DeviceIndex": 0, "NetworkInterfaceId": eni_id})
    assert attachments(i) == [(0, eni_id)]
    assert (i["SubnetId"], i["VpcId"], i["PrivateIpAddress"], i["Placement"]["AvailabilityZone"]) == (subnet, vpc, "192.168.1.100", ZONE_A)
    assert i["SecurityGroups"] == [{"GroupId": web, "GroupName": "web"}]
    assert i["NetworkInterfaces"][0]["Attachment"]["DeleteOnTermination"] is False
    assert i["NetworkInterfaces"][0]["MacAddress"] == made["MacAddress"]
    # DeleteOnTermination=true is only for interfaces the launch creates.
    other = new_eni(ec2, subnet)["NetworkInterfaceId"]
    err = error_code(launch_with, ec2, {"DeviceIndex": 0, "NetworkInterfaceId": other, "DeleteOnTermination": True})
    assert code_of(err) == "InvalidParameterCombination"


def test_existing_interface_in_use(ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    launch_with(ec2, {"DeviceIndex": 0, "NetworkInterfaceId": made})
    err = error_code(launch_with, ec2, {"DeviceIndex": 0, "NetworkInterfaceId": made})
    assert (code_of(err), message(err)) == ("InvalidNetworkInterface.InUse", f"Interface: [{made}] in use.")
    err = error_code(launch_with, ec2, {"DeviceIndex": 0, "NetworkInterfaceId": "eni-0123456789abcdef0"})
    assert code_of(err) == "InvalidNetworkInterfaceID.NotFound"


# --- InvalidParameterCombination (rules §9) ---------------------------------------------------


@pytest.mark.parametrize(
    "extra, wording",
    [
        ("subnet", "Network interfaces and an instance-level subnet ID may not be specified on the same request"),
        ("group-ids", "Network interfaces and an instance-level security groups may not be specified on the same request"),
        ("group-names", "Network interfaces and an instance-level security groups may not be specified on the same request"),
        ("address", "Network interfaces and an instance-level private IP address may not be specified on the same request"),
    ],
)
def test_interfaces_with_instance_level_parameters(ec2, extra, wording):
    vpc, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    kw = {
        "subnet": {"SubnetId": subnet},
        "group-ids": {"SecurityGroupIds": [new_group(ec2, vpc)]},
        "group-names": {"SecurityGroups": ["default"]},
        "address": {"PrivateIpAddress": "10.0.1.50"},
    }[extra]
    err = error_code(launch_with, ec2, {"DeviceIndex": 0, "NetworkInterfaceId": made}, **kw)
    assert (code_of(err), message(err)) == ("InvalidParameterCombination", wording)
    assert nothing_launched(ec2) and eni(ec2, made)["Status"] == "available"


def test_public_address_with_several_interfaces(ec2):
    _, subnet = network(ec2)
    err = error_code(
        launch_with, ec2,
        {"DeviceIndex": 0, "SubnetId": subnet, "AssociatePublicIpAddress": True},
        {"DeviceIndex": 1, "SubnetId": subnet},
    )
    assert (code_of(err), message(err)) == (
        "InvalidParameterCombination",
        "The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces",
    )
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    err = error_code(launch_with, ec2, {"DeviceIndex": 0, "NetworkInterfaceId": made, "AssociatePublicIpAddress": True})
    assert code_of(err) == "InvalidParameterCombination"
    assert nothing_launched(ec2) and free(ec2, subnet) == 250


def test_interface_id_with_new_interface_fields(ec2):
    _, subnet = network(ec2)
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    err = error_code(launch_with, ec2, {"DeviceIndex": 0, "NetworkInterfaceId": made, "SubnetId": subnet})
    assert code_of(err) == "InvalidParameterCombination"


# --- device indexes and zones -----------------------------------------------------------------


def test_exactly_one_device_index_0(ec2):
    _, subnet = network(ec2)
    err = error_code(launch_with, ec2, {"DeviceIndex": 0, "SubnetId": subnet}, {"DeviceIndex": 0, "SubnetId": subnet})
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(launch_with, ec2, {"DeviceIndex": 1, "SubnetId": subnet})
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(launch_with, ec2, {"SubnetId": subnet})
    assert code_of(err) == "InvalidParameterValue"
    assert nothing_launched(ec2) and free(ec2, subnet) == 251


def test_all_interfaces_in_one_zone(ec2):
    vpc, subnet = network(ec2)
    far_subnet = new_subnet(ec2, vpc, "10.0.2.0/24", ZONE_C)
    far = new_eni(ec2, far_subnet)["NetworkInterfaceId"]
    err = error_code(launch_with, ec2, {"DeviceIndex": 0, "SubnetId": subnet}, {"DeviceIndex": 1, "NetworkInterfaceId": far})
    assert code_of(err) == "InvalidParameterCombination"
    assert "availability zone" in message(err)
    err = error_code(launch_with, ec2, {"DeviceIndex": 0, "SubnetId": subnet}, {"DeviceIndex": 1, "SubnetId": far_subnet})
    assert code_of(err) == "InvalidParameterCombination"
    # Placement must agree with the interfaces.
    err = error_code(launch, ec2, subnet, Placement={"AvailabilityZone": ZONE_C})
    assert code_of(err) == "InvalidParameterValue"
    assert nothing_launched(ec2) and eni(ec2, far)["Status"] == "available"
    # Secondaries from another subnet, or another VPC, of the same zone are fine.
    near = new_eni(ec2, new_subnet(ec2, vpc, "10.0.3.0/24"))["NetworkInterfaceId"]
    other_vpc, other_subnet = network(ec2, "172.16.0.0/16", "172.16.1.0/24")
    i = launch_with(
        ec2,
        {"DeviceIndex": 0, "SubnetId": subnet},
        {"DeviceIndex": 1, "NetworkInterfaceId": near},
        {"DeviceIndex": 2, "SubnetId": other_subnet},
    )
    assert [n["VpcId"] for n in i["NetworkInterfaces"]] == [vpc, vpc, other_vpc]
    assert (i["VpcId"], i["SubnetId"]) == (vpc, subnet)


def test_interface_count_per_network_card_at_launch(ec2):
    _, subnet = network(ec2)  # c6in.32xlarge: 16 interfaces, 8 per card
    nine_on_card_0 = [{"DeviceIndex": n, "SubnetId": subnet} for n in range(9)]
    err = error_code(launch_with, ec2, *nine_on_card_0, instance_type="c6in.32xlarge")
    assert (code_of(err), message(err)) == ("AttachmentLimitExceeded", "Interface count 9 exceeds the limit for c6in.32xlarge")
    spread = nine_on_card_0[:8] + [{"DeviceIndex": 1, "NetworkCardIndex": 1, "SubnetId": subnet}]
    i = launch_with(ec2, *spread, instance_type="c6in.32xlarge")
    assert sorted((n["Attachment"]["NetworkCardIndex"], n["Attachment"]["DeviceIndex"]) for n in i["NetworkInterfaces"]) == (
        [(0, n) for n in range(8)] + [(1, 1)])


def test_interface_count_and_addresses_within_the_type(ec2):
    _, subnet = network(ec2)
    specs = [{"DeviceIndex": n, "SubnetId": subnet} for n in range(3)]
    err = error_code(launch_with, ec2, *specs, instance_type="t3.micro")
    assert (code_of(err), message(err)) == ("AttachmentLimitExceeded", "Interface count 3 exceeds the limit for t3.micro")
    err = error_code(launch_with, ec2, {"DeviceIndex": 0, "SubnetId": subnet, "SecondaryPrivateIpAddressCount": 6})
    assert code_of(err) == "InvalidInterface.IpAddressLimitExceeded"
    assert nothing_launched(ec2) and free(ec2, subnet) == 251


# --- no network information: the default VPC -------------------------------------------------


def test_no_network_information_uses_the_default_vpc(ec2):
    [default_vpc] = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    i = launch(ec2)
    subnet = ec2.describe_subnets(SubnetIds=[i["SubnetId"]])["Subnets"][0]
    assert (i["VpcId"], subnet["DefaultForAz"], subnet["MapPublicIpOnLaunch"]) == (default_vpc["VpcId"], True, True)
    assert i["Placement"]["AvailabilityZone"] == subnet["AvailabilityZone"] == ZONE_A, "the region's first zone"
    assert i["SecurityGroups"] == [{"GroupId": default_group(ec2, default_vpc["VpcId"]), "GroupName": "default"}]
    public = i["PublicIpAddress"]
    assert is_public(public)
    assert i["PublicDnsName"] == f"ec2-{public.replace('.', '-')}.ap-northeast-1.compute.amazonaws.com"
    association = i["NetworkInterfaces"][0]["Association"]
    assert (association["PublicIp"], association["IpOwnerId"]) == (public, "amazon")
    assert eni(ec2, i["NetworkInterfaces"][0]["NetworkInterfaceId"])["Association"]["PublicIp"] == public
    # Placement picks the default subnet of that zone; every instance gets its own address.
    other = launch(ec2, Placement={"AvailabilityZone": ZONE_C})
    assert other["Placement"]["AvailabilityZone"] == ZONE_C and other["SubnetId"] != i["SubnetId"]
    assert is_public(other["PublicIpAddress"]) and other["PublicIpAddress"] != public


def test_default_vpc_without_a_subnet_in_the_zone_or_at_all(ec2):
    [default_vpc] = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default_vpc["VpcId"]]}])["Subnets"]
    [in_c] = [s["SubnetId"] for s in subnets if s["AvailabilityZone"] == ZONE_C]
    ec2.delete_subnet(SubnetId=in_c)
    err = error_code(launch, ec2, Placement={"AvailabilityZone": ZONE_C})
    assert code_of(err) == "MissingInput"
    for s in subnets:
        if s["SubnetId"] != in_c:
            ec2.delete_subnet(SubnetId=s["SubnetId"])
    [igw] = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [default_vpc["VpcId"]]}])["InternetGateways"]
    ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=default_vpc["VpcId"])
    ec2.delete_vpc(VpcId=default_vpc["VpcId"])
    assert code_of(error_code(launch, ec2)) == "VPCIdNotSpecified"
    assert nothing_launched(ec2)


def test_public_address_only_where_asked_or_mapped(ec2, aws):
    vpc, subnet = network(ec2)
    assert "PublicIpAddress" not in launch(ec2, subnet)
    asked = launch_with(ec2, {"DeviceIndex": 0, "SubnetId": subnet, "AssociatePublicIpAddress": True})
    assert is_public(asked["PublicIpAddress"])
    assert asked["PublicDnsName"] == "", "the VPC has no DNS hostnames"
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    assert is_public(launch(ec2, subnet)["PublicIpAddress"])
    refused = launch_with(ec2, {"DeviceIndex": 0, "SubnetId": subnet, "AssociatePublicIpAddress": False})
    assert "PublicIpAddress" not in refused
    # The CLI turns --associate-public-ip-address into a device-0 specification.
    out = aws.run("run-instances", "--image-id", AMI, "--instance-type", "t3.micro", "--subnet-id", subnet,
                  "--security-group-ids", default_group(ec2, vpc), "--associate-public-ip-address")
    assert is_public(out["Instances"][0]["PublicIpAddress"])


# --- counts -----------------------------------------------------------------------------------


def test_min_and_max_count(ec2):
    _, subnet = network(ec2, subnet_cidr="10.0.1.0/28")
    out = ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=3, MaxCount=3, SubnetId=subnet)
    assert [i["AmiLaunchIndex"] for i in out["Instances"]] == [0, 1, 2]
    assert len({i["PrivateIpAddress"] for i in out["Instances"]}) == 3
    [reservation] = ec2.describe_instances()["Reservations"]
    assert reservation["ReservationId"] == out["ReservationId"] and len(reservation["Instances"]) == 3
    # As many as the subnet can address, if at least MinCount.
    out = ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=20, SubnetId=subnet)
    assert len(out["Instances"]) == 8 and free(ec2, subnet) == 0
    err = error_code(ec2.run_instances, ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnet)
    assert code_of(err) == "InsufficientFreeAddressesInSubnet"


def test_count_refusals(ec2, unvalidated_ec2):
    _, subnet = network(ec2)
    err = error_code(ec2.run_instances, ImageId=AMI, MinCount=3, MaxCount=2, SubnetId=subnet)
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(unvalidated_ec2.run_instances, ImageId=AMI, MinCount=0, MaxCount=1, SubnetId=subnet)
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.run_instances, ImageId=AMI, MinCount=1, MaxCount=2, SubnetId=subnet, PrivateIpAddress="10.0.1.50")
    assert code_of(err) == "InvalidParameterCombination"
    made = new_eni(ec2, subnet)["NetworkInterfaceId"]
    err = error_code(ec2.run_instances, ImageId=AMI, MinCount=1, MaxCount=2, NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": made}])
    assert code_of(err) == "InvalidParameterCombination"
    assert nothing_launched(ec2)


# --- ClientToken ------------------------------------------------------------------------------


def test_client_token(ec2):
    _, subnet = network(ec2)
    first = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, ClientToken="launch-1")
    again = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, ClientToken="launch-1")
    instance_id = first["Instances"][0]["InstanceId"]
    assert again["Instances"][0]["InstanceId"] == instance_id and again["ReservationId"] == first["ReservationId"]
    assert first["Instances"][0]["ClientToken"] == "launch-1"
    assert len(ec2.describe_instances()["Reservations"]) == 1 and free(ec2, subnet) == 250
    err = error_code(ec2.run_instances, ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, ClientToken="launch-1", InstanceType="t3.micro")
    assert (code_of(err), message(err)) == (
        "IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
    assert instance(ec2, instance_id)["ClientToken"] == "launch-1"
    assert instance_ids(ec2, ("client-token", ["launch-1"])) == [instance_id]
    ec2.terminate_instances(InstanceIds=[instance_id])
    err = error_code(ec2.run_instances, ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, ClientToken="launch-1")
    assert code_of(err) == "IdempotentInstanceTerminated"
    assert "client token" in message(err)


# --- tags, key pairs, images and types --------------------------------------------------------


def test_tag_specifications(ec2):
    _, subnet = network(ec2)
    i = launch(ec2, subnet, TagSpecifications=tag_specs("instance", Name="web-1") + tag_specs("network-interface", role="front"))
    assert i["Tags"] == [{"Key": "Name", "Value": "web-1"}]
    assert eni(ec2, i["NetworkInterfaces"][0]["NetworkInterfaceId"])["TagSet"] == [{"Key": "role", "Value": "front"}]
    assert instance_ids(ec2, ("tag:Name", ["web-*"])) == [i["InstanceId"]]
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [i["InstanceId"]]}])["Tags"]
    assert [(t["Key"], t["Value"], t["ResourceType"]) for t in tags] == [("Name", "web-1", "instance")]


def test_unknown_key_pair(ec2):
    _, subnet = network(ec2)
    err = error_code(launch, ec2, subnet, KeyName="innerkey")
    assert (code_of(err), message(err)) == ("InvalidKeyPair.NotFound", "The key pair 'innerkey' does not exist")
    assert nothing_launched(ec2)


def test_unknown_instance_type_and_bad_image(ec2):
    _, subnet = network(ec2)
    err = error_code(launch, ec2, subnet, instance_type="t9.enormous")
    assert code_of(err) == "InvalidParameterValue" and "t9.enormous" in message(err)
    err = error_code(ec2.run_instances, ImageId="ubuntu-12.04", MinCount=1, MaxCount=1, SubnetId=subnet)
    assert code_of(err) == "InvalidAMIID.Malformed"
    assert nothing_launched(ec2)
    # Any well-formed image ID launches, old 8-digit ones too.
    old = ec2.run_instances(ImageId="ami-20ad1221", MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
    assert (old["ImageId"], old["InstanceType"]) == ("ami-20ad1221", "m1.small")


def test_dry_run_launch(ec2):
    _, subnet = network(ec2)
    err = error_code(launch, ec2, subnet, DryRun=True)
    assert code_of(err) == "DryRunOperation"
    assert nothing_launched(ec2) and free(ec2, subnet) == 251
