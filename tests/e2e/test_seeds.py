"""The seed blog posts' API experiments, replayed step by step with the real AWS CLI in their
region (ap-northeast-1), with the outcomes and error codes their authors saw — or, where AWS has
changed since, what it answers today (rules.md §12). The data-plane parts (what the guest saw)
and the Elastic IP steps belong to other suites."""
import json

from conftest import AwsCli, new_account
from netkit import AMI, ZONE_A, ZONE_C

SUBNET_MESSAGE = "Network interfaces and an instance-level subnet ID may not be specified on the same request"
GROUPS_MESSAGE = "Network interfaces and an instance-level security groups may not be specified on the same request"
ZONE_MESSAGE = "You may not attach a network interface to an instance if they are not in the same availability zone"


def vpc(aws, cidr):
    return aws.run("create-vpc", "--cidr-block", cidr)["Vpc"]["VpcId"]


def subnet(aws, vpc_id, cidr, zone=ZONE_A):
    return aws.run("create-subnet", "--vpc-id", vpc_id, "--cidr-block", cidr, "--availability-zone", zone)["Subnet"]


def interface(aws, subnet_id, *args):
    return aws.run("create-network-interface", "--subnet-id", subnet_id, *args)["NetworkInterface"]


def describe_interface(aws, eni_id):
    return aws.run("describe-network-interfaces", "--network-interface-ids", eni_id)["NetworkInterfaces"][0]


def run(aws, *args, instance_type="m1.small"):
    return aws.run("run-instances", "--image-id", AMI, "--instance-type", instance_type, "--count", "1", *args)["Instances"][0]


def describe_instance(aws, instance_id):
    return aws.run("describe-instances", "--instance-ids", instance_id)["Reservations"][0]["Instances"][0]


def default_group(aws, vpc_id):
    out = aws.run("describe-security-groups", "--filters", f"Name=vpc-id,Values={vpc_id}", "Name=group-name,Values=default")
    return out["SecurityGroups"][0]["GroupId"]


def cards(i):
    """eth0, eth1, …: (device index, interface, primary address, subnet) in device order."""
    return [(n["Attachment"]["DeviceIndex"], n["NetworkInterfaceId"], n["PrivateIpAddress"], n["SubnetId"]) for n in i["NetworkInterfaces"]]


# --- 000: ENIs arrive (2012) ------------------------------------------------------------------


def test_seed_000_eth0_and_eth1_in_two_subnets(aws):
    vpc_id = vpc(aws, "10.0.0.0/16")
    public = subnet(aws, vpc_id, "10.0.0.0/24")["SubnetId"]
    private = subnet(aws, vpc_id, "10.0.1.0/24")["SubnetId"]

    # The ENI in the public subnet at 10.0.0.12, with the VPC's security group.
    eni = interface(aws, public, "--private-ip-address", "10.0.0.12")
    eni_id = eni["NetworkInterfaceId"]
    assert (eni["Status"], eni["PrivateIpAddress"], eni["SubnetId"], eni["VpcId"]) == ("pending", "10.0.0.12", public, vpc_id)
    assert [g["GroupId"] for g in eni["Groups"]] == [default_group(aws, vpc_id)]
    aws.run("wait", "network-interface-available", "--network-interface-ids", eni_id)

    # Only addresses inside the subnet's range can be given, to an ENI or to an instance.
    err = aws.error("create-network-interface", "--subnet-id", public, "--private-ip-address", "10.0.1.12")
    assert (err.code, err.operation) == ("InvalidParameterValue", "CreateNetworkInterface")
    assert "10.0.1.12" in err.message
    err = aws.error("run-instances", "--image-id", AMI, "--instance-type", "m1.small", "--subnet-id", private, "--private-ip-address", "10.0.0.50")
    assert (err.code, err.operation) == ("InvalidParameterValue", "RunInstances")

    # The instance in the private subnet: eth0 at 10.0.1.12, the existing ENI as eth1.
    specs = [{"DeviceIndex": 0, "SubnetId": private, "PrivateIpAddress": "10.0.1.12"}, {"DeviceIndex": 1, "NetworkInterfaceId": eni_id}]
    launched = run(aws, "--network-interfaces", json.dumps(specs))
    instance_id = launched["InstanceId"]
    aws.run("wait", "instance-running", "--instance-ids", instance_id)
    i = describe_instance(aws, instance_id)
    eth0 = i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    assert cards(i) == [(0, eth0, "10.0.1.12", private), (1, eni_id, "10.0.0.12", public)]
    assert (i["SubnetId"], i["PrivateIpAddress"], i["VpcId"]) == (private, "10.0.1.12", vpc_id)
    assert describe_interface(aws, eni_id)["Status"] == "in-use"

    # eth0 cannot be detached; eth1 can.
    eth0_attachment = i["NetworkInterfaces"][0]["Attachment"]["AttachmentId"]
    err = aws.error("detach-network-interface", "--attachment-id", eth0_attachment)
    assert (err.code, err.message) == ("OperationNotPermitted", "The network interface at device index 0 and networkCard index 0 cannot be detached.")
    aws.run("detach-network-interface", "--attachment-id", i["NetworkInterfaces"][1]["Attachment"]["AttachmentId"])
    aws.run("wait", "network-interface-available", "--network-interface-ids", eni_id)


def test_seed_000_attach_after_launch(aws):
    vpc_id = vpc(aws, "10.0.0.0/16")
    public = subnet(aws, vpc_id, "10.0.0.0/24")["SubnetId"]
    # First without an additional ENI…
    instance_id = run(aws, "--subnet-id", public, "--private-ip-address", "10.0.0.20")["InstanceId"]
    aws.run("wait", "instance-running", "--instance-ids", instance_id)
    assert len(describe_instance(aws, instance_id)["NetworkInterfaces"]) == 1
    # …then attach one.
    eni_id = interface(aws, public, "--private-ip-address", "10.0.0.12")["NetworkInterfaceId"]
    attached = aws.run("attach-network-interface", "--network-interface-id", eni_id, "--instance-id", instance_id, "--device-index", "1")
    assert attached["AttachmentId"].startswith("eni-attach-")
    i = describe_instance(aws, instance_id)
    eth0 = i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    assert cards(i) == [(0, eth0, "10.0.0.20", public), (1, eni_id, "10.0.0.12", public)]


def test_seed_000_existing_enis_with_an_instance_level_subnet(aws):
    # The author's `ec2-run-instances -a eni:0 -a eni:1 -s subnet` silently did not attach the ENIs
    # in 2012; today EC2 refuses the mix outright.
    vpc_id = vpc(aws, "10.0.0.0/16")
    public = subnet(aws, vpc_id, "10.0.0.0/24")["SubnetId"]
    first = interface(aws, public)["NetworkInterfaceId"]
    second = interface(aws, public, "--private-ip-address", "10.0.0.12")["NetworkInterfaceId"]
    err = aws.error("run-instances", "--image-id", AMI, "--instance-type", "m1.small", "--placement", f"AvailabilityZone={ZONE_A}",
                    "--subnet-id", public, "--network-interfaces", f"DeviceIndex=0,NetworkInterfaceId={first}",
                    f"DeviceIndex=1,NetworkInterfaceId={second}")
    assert (err.code, err.message) == ("InvalidParameterCombination", SUBNET_MESSAGE)
    err = aws.error("run-instances", "--image-id", AMI, "--instance-type", "m1.small", "--private-ip-address", "10.0.0.12",
                    "--network-interfaces", f"DeviceIndex=1,NetworkInterfaceId={second}")
    assert err.code == "InvalidParameterCombination"
    # Without the instance-level subnet both ENIs attach.
    i = run(aws, "--network-interfaces", f"DeviceIndex=0,NetworkInterfaceId={first}", f"DeviceIndex=1,NetworkInterfaceId={second}")
    assert [n["NetworkInterfaceId"] for n in i["NetworkInterfaces"]] == [first, second]
    assert i["PrivateIpAddress"] == describe_interface(aws, first)["PrivateIpAddress"]


# --- 001: two EIPs on one instance (2013), the launch part ------------------------------------


def test_seed_001_launch_with_the_eni_as_device_0(aws):
    vpc_id = vpc(aws, "192.168.1.0/24")
    sub = subnet(aws, vpc_id, "192.168.1.0/24")
    subnet_id = sub["SubnetId"]
    assert (sub["AvailableIpAddressCount"], sub["AvailabilityZone"]) == (251, ZONE_A)
    igw = aws.run("create-internet-gateway")["InternetGateway"]["InternetGatewayId"]
    aws.run("attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc_id)
    [table] = aws.run("describe-route-tables", "--filters", f"Name=vpc-id,Values={vpc_id}")["RouteTables"]
    aws.run("create-route", "--route-table-id", table["RouteTableId"], "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw)
    group = aws.run("create-security-group", "--group-name", "vpc_standalone", "--description", "standalone in VPC", "--vpc-id", vpc_id)["GroupId"]
    for port in ("22", "25", "80"):
        aws.run("authorize-security-group-ingress", "--group-id", group, "--protocol", "tcp", "--port", port, "--cidr", "0.0.0.0/0")

    eni = interface(aws, subnet_id, "--description", "ENI-01 for standalone", "--private-ip-address", "192.168.1.100", "--groups", group)
    eni_id = eni["NetworkInterfaceId"]
    assert (eni["Status"], eni["Description"], eni["PrivateIpAddress"]) == ("pending", "ENI-01 for standalone", "192.168.1.100")
    assert eni["Groups"] == [{"GroupId": group, "GroupName": "vpc_standalone"}]
    assigned = aws.run("assign-private-ip-addresses", "--network-interface-id", eni_id, "--private-ip-addresses", "192.168.1.101")
    assert assigned["AssignedPrivateIpAddresses"] == [{"PrivateIpAddress": "192.168.1.101"}]
    described = describe_interface(aws, eni_id)
    assert described["Status"] == "available" and described["MacAddress"] == eni["MacAddress"]
    assert [(p["PrivateIpAddress"], p["Primary"]) for p in described["PrivateIpAddresses"]] == [("192.168.1.100", True), ("192.168.1.101", False)]

    launch = ["run-instances", "--image-id", "ami-20ad1221", "--count", "1", "--instance-type", "t1.micro",
              "--instance-initiated-shutdown-behavior", "stop"]
    nic = ["--network-interfaces", f"DeviceIndex=0,NetworkInterfaceId={eni_id}"]
    err = aws.error(*launch, "--security-group-ids", group, "--subnet-id", subnet_id, *nic)
    assert (err.code, err.message) == ("InvalidParameterCombination", SUBNET_MESSAGE)
    err = aws.error(*launch, "--security-group-ids", group, *nic)
    assert (err.code, err.message) == ("InvalidParameterCombination", GROUPS_MESSAGE)
    assert describe_interface(aws, eni_id)["Status"] == "available"

    i = aws.run(*launch, *nic)["Instances"][0]
    assert (i["State"]["Name"], i["ImageId"], i["InstanceType"]) == ("pending", "ami-20ad1221", "t1.micro")
    assert (i["PrivateIpAddress"], i["PrivateDnsName"]) == ("192.168.1.100", "ip-192-168-1-100.ap-northeast-1.compute.internal")
    assert (i["VpcId"], i["SubnetId"], i["Placement"]["AvailabilityZone"]) == (vpc_id, subnet_id, ZONE_A)
    assert i["SecurityGroups"] == [{"GroupId": group, "GroupName": "vpc_standalone"}]
    [nic0] = i["NetworkInterfaces"]
    assert (nic0["NetworkInterfaceId"], nic0["Status"], nic0["MacAddress"]) == (eni_id, "in-use", eni["MacAddress"])
    assert (nic0["Attachment"]["DeviceIndex"], nic0["Attachment"]["DeleteOnTermination"]) == (0, False)
    assert [p["PrivateIpAddress"] for p in nic0["PrivateIpAddresses"]] == ["192.168.1.100", "192.168.1.101"]
    aws.run("wait", "instance-running", "--instance-ids", i["InstanceId"])
    attribute = aws.run("describe-instance-attribute", "--instance-id", i["InstanceId"], "--attribute", "instanceInitiatedShutdownBehavior")
    assert attribute["InstanceInitiatedShutdownBehavior"] == {"Value": "stop"}


# --- 002: multi-VPC ENI attachment (2023) -----------------------------------------------------


def test_seed_002_dual_homed_instance(aws, server):
    home = vpc(aws, "10.0.0.0/16")
    home_subnet = subnet(aws, home, "10.0.1.0/24")["SubnetId"]
    other = vpc(aws, "172.16.0.0/16")
    same_zone = subnet(aws, other, "172.16.1.0/24", ZONE_A)["SubnetId"]
    other_zone = subnet(aws, other, "172.16.2.0/24", ZONE_C)["SubnetId"]
    instance_id = run(aws, "--subnet-id", home_subnet, instance_type="t3.medium")["InstanceId"]
    aws.run("wait", "instance-running", "--instance-ids", instance_id)
    assert len(describe_instance(aws, instance_id)["NetworkInterfaces"]) == 1

    far = interface(aws, other_zone)["NetworkInterfaceId"]
    err = aws.error("attach-network-interface", "--device-index", "1", "--instance-id", instance_id, "--network-interface-id", far)
    assert (err.code, err.operation, err.message) == ("InvalidParameterCombination", "AttachNetworkInterface", ZONE_MESSAGE)

    near = interface(aws, same_zone)["NetworkInterfaceId"]
    attached = aws.run("attach-network-interface", "--device-index", "1", "--instance-id", instance_id, "--network-interface-id", near)
    assert set(attached) == {"AttachmentId", "NetworkCardIndex"}
    assert attached["AttachmentId"].startswith("eni-attach-") and attached["NetworkCardIndex"] == 0
    i = describe_instance(aws, instance_id)
    assert [(n["VpcId"], n["Attachment"]["DeviceIndex"]) for n in i["NetworkInterfaces"]] == [(home, 0), (other, 1)]
    assert i["VpcId"] == home

    # Same account only: another account's ENI does not exist for this one.
    stranger = AwsCli(server.endpoint, new_account())
    theirs = interface(stranger, subnet(stranger, vpc(stranger, "10.0.0.0/16"), "10.0.1.0/24")["SubnetId"])["NetworkInterfaceId"]
    err = aws.error("attach-network-interface", "--device-index", "2", "--instance-id", instance_id, "--network-interface-id", theirs)
    assert err.code == "InvalidNetworkInterfaceID.NotFound"


# --- 004: cheap high availability by moving a secondary ENI ----------------------------------


def test_seed_004_move_a_secondary_eni_to_a_standby_instance(aws):
    vpc_id = vpc(aws, "10.0.0.0/16")
    subnet_id = subnet(aws, vpc_id, "10.0.1.0/24")["SubnetId"]
    active = run(aws, "--subnet-id", subnet_id, instance_type="t3.medium")["InstanceId"]
    standby = run(aws, "--subnet-id", subnet_id, instance_type="t3.medium")["InstanceId"]
    aws.run("wait", "instance-running", "--instance-ids", active, standby)
    service = interface(aws, subnet_id, "--private-ip-address", "10.0.1.100", "--secondary-private-ip-address-count", "1",
                        "--description", "service address")
    eni_id = service["NetworkInterfaceId"]
    first = aws.run("attach-network-interface", "--network-interface-id", eni_id, "--instance-id", active, "--device-index", "1")

    # Failover: detach from the active instance, attach to the standby.
    aws.run("detach-network-interface", "--attachment-id", first["AttachmentId"])
    aws.run("wait", "network-interface-available", "--network-interface-ids", eni_id)
    second = aws.run("attach-network-interface", "--network-interface-id", eni_id, "--instance-id", standby, "--device-index", "1")
    assert second["AttachmentId"] != first["AttachmentId"]

    moved = describe_interface(aws, eni_id)
    assert moved["Attachment"]["InstanceId"] == standby
    for key in ("MacAddress", "PrivateIpAddress", "PrivateIpAddresses", "Groups", "Description"):
        assert moved[key] == service[key], key
    assert [n["NetworkInterfaceId"] for n in describe_instance(aws, active)["NetworkInterfaces"]] != [eni_id]
    assert len(describe_instance(aws, active)["NetworkInterfaces"]) == 1
    eth1 = describe_instance(aws, standby)["NetworkInterfaces"][1]
    assert (eth1["NetworkInterfaceId"], eth1["MacAddress"], eth1["PrivateIpAddress"]) == (eni_id, service["MacAddress"], "10.0.1.100")
