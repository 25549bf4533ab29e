"""Elastic IPs and public IPv4: one EIP per private IP, gateway rules, public IPs on launch."""
import ipaddress

import pytest

from conftest import code_of, error_code

AMI = "ami-0123456789abcdef0"
POOL = [ipaddress.ip_network("198.51.100.0/24"), ipaddress.ip_network("203.0.113.0/24")]


def in_pool(ip: str) -> bool:
    return any(ipaddress.ip_address(ip) in net for net in POOL)


@pytest.fixture
def net(ec2):
    """A VPC with a subnet and an attached internet gateway."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="ap-northeast-1a")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    return {"vpc": vpc, "subnet": subnet, "igw": igw}


def eni_with_secondary(ec2, subnet):
    eni = ec2.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.0.1.100")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni, PrivateIpAddresses=["10.0.1.101"])
    return eni


def associations(ec2, eni):
    got = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
    return {p["PrivateIpAddress"]: p.get("Association", {}).get("PublicIp") for p in got["PrivateIpAddresses"]}, got


def test_allocate_and_describe(ec2):
    a = ec2.allocate_address(Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "web"}]}])
    assert a["Domain"] == "vpc" and a["AllocationId"].startswith("eipalloc-") and in_pool(a["PublicIp"])
    assert a["NetworkBorderGroup"] == "ap-northeast-1"
    got = ec2.describe_addresses(AllocationIds=[a["AllocationId"]])["Addresses"][0]
    assert got["PublicIp"] == a["PublicIp"] and got["Tags"] == [{"Key": "Name", "Value": "web"}]
    assert "AssociationId" not in got
    assert ec2.describe_addresses(PublicIps=[a["PublicIp"]])["Addresses"][0]["AllocationId"] == a["AllocationId"]
    assert code_of(error_code(ec2.describe_addresses, PublicIps=["203.0.113.250"])) == "InvalidAddress.NotFound"
    assert code_of(error_code(ec2.describe_addresses, AllocationIds=["eipalloc-0123456789abcdef0"])) == "InvalidAllocationID.NotFound"
    assert code_of(error_code(ec2.describe_addresses, AllocationIds=["alloc-1"])) == "InvalidAllocationID.Malformed"


def test_public_addresses_are_unique_across_accounts(server, ec2):
    from conftest import client, new_account

    other = client(server.endpoint, new_account())
    mine = {ec2.allocate_address(Domain="vpc")["PublicIp"] for _ in range(3)}
    theirs = {other.allocate_address(Domain="vpc")["PublicIp"] for _ in range(3)}
    assert not mine & theirs


def test_quota_of_five(ec2):
    for _ in range(5):
        ec2.allocate_address(Domain="vpc")
    err = error_code(ec2.allocate_address, Domain="vpc")
    assert code_of(err) == "AddressLimitExceeded"
    assert err.response["Error"]["Message"] == "The maximum number of addresses has been reached."


def test_one_eip_per_private_ip(ec2, net):
    eni = eni_with_secondary(ec2, net["subnet"])
    a, b = (ec2.allocate_address(Domain="vpc") for _ in range(2))
    assoc_a = ec2.associate_address(AllocationId=a["AllocationId"], NetworkInterfaceId=eni, PrivateIpAddress="10.0.1.100")["AssociationId"]
    ec2.associate_address(AllocationId=b["AllocationId"], NetworkInterfaceId=eni, PrivateIpAddress="10.0.1.101")
    mapped, got = associations(ec2, eni)
    assert mapped == {"10.0.1.100": a["PublicIp"], "10.0.1.101": b["PublicIp"]}
    assert got["Association"]["PublicIp"] == a["PublicIp"] and got["Association"]["AllocationId"] == a["AllocationId"]
    assert got["Association"]["IpOwnerId"] == got["OwnerId"]
    # Associating again to the same address is idempotent.
    again = ec2.associate_address(AllocationId=a["AllocationId"], NetworkInterfaceId=eni, PrivateIpAddress="10.0.1.100")
    assert again["AssociationId"] == assoc_a
    # A new EIP on an address that has one replaces it; the old one stays allocated.
    c = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=c["AllocationId"], NetworkInterfaceId=eni, PrivateIpAddress="10.0.1.100")
    assert associations(ec2, eni)[0]["10.0.1.100"] == c["PublicIp"]
    old = ec2.describe_addresses(AllocationIds=[a["AllocationId"]])["Addresses"][0]
    assert "AssociationId" not in old
    found = ec2.describe_addresses(Filters=[{"Name": "private-ip-address", "Values": ["10.0.1.101"]}])["Addresses"]
    assert [x["AllocationId"] for x in found] == [b["AllocationId"]]
    found = ec2.describe_addresses(Filters=[{"Name": "network-interface-id", "Values": [eni]}])["Addresses"]
    assert sorted(x["AllocationId"] for x in found) == sorted([b["AllocationId"], c["AllocationId"]])


def test_reassociation(ec2, net):
    eni_1 = ec2.create_network_interface(SubnetId=net["subnet"])["NetworkInterface"]["NetworkInterfaceId"]
    eni_2 = ec2.create_network_interface(SubnetId=net["subnet"])["NetworkInterface"]["NetworkInterfaceId"]
    a = ec2.allocate_address(Domain="vpc")
    assoc = ec2.associate_address(AllocationId=a["AllocationId"], NetworkInterfaceId=eni_1)["AssociationId"]
    err = error_code(ec2.associate_address, AllocationId=a["AllocationId"], NetworkInterfaceId=eni_2, AllowReassociation=False)
    assert code_of(err) == "Resource.AlreadyAssociated"
    assert err.response["Error"]["Message"] == f"resource {a['AllocationId']} is already associated with associate-id {assoc}"
    ec2.associate_address(AllocationId=a["AllocationId"], NetworkInterfaceId=eni_2)
    assert associations(ec2, eni_1)[1].get("Association") is None
    assert ec2.describe_addresses(AllocationIds=[a["AllocationId"]])["Addresses"][0]["NetworkInterfaceId"] == eni_2


def test_gateway_required(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    a = ec2.allocate_address(Domain="vpc")
    err = error_code(ec2.associate_address, AllocationId=a["AllocationId"], NetworkInterfaceId=eni)
    assert code_of(err) == "Gateway.NotAttached"
    assert err.response["Error"]["Message"] == f"Network {vpc} is not attached to any internet gateway"


def test_address_must_belong_to_the_interface(ec2, net):
    eni = ec2.create_network_interface(SubnetId=net["subnet"])["NetworkInterface"]["NetworkInterfaceId"]
    a = ec2.allocate_address(Domain="vpc")
    err = error_code(ec2.associate_address, AllocationId=a["AllocationId"], NetworkInterfaceId=eni, PrivateIpAddress="10.0.1.200")
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.associate_address, AllocationId=a["AllocationId"], NetworkInterfaceId=eni, InstanceId="i-0123456789abcdef0")
    assert code_of(err) == "InvalidParameterCombination"


def test_release_and_disassociate(ec2, net):
    eni = ec2.create_network_interface(SubnetId=net["subnet"])["NetworkInterface"]["NetworkInterfaceId"]
    a = ec2.allocate_address(Domain="vpc")
    assoc = ec2.associate_address(AllocationId=a["AllocationId"], NetworkInterfaceId=eni)["AssociationId"]
    assert code_of(error_code(ec2.release_address, AllocationId=a["AllocationId"])) == "InvalidIPAddress.InUse"
    ec2.disassociate_address(AssociationId=assoc)
    ec2.disassociate_address(AssociationId=assoc)  # idempotent
    assert code_of(error_code(ec2.disassociate_address, AssociationId="eipassoc-0123456789abcdef0")) == "InvalidAssociationID.NotFound"
    ec2.release_address(AllocationId=a["AllocationId"])
    assert code_of(error_code(ec2.release_address, AllocationId=a["AllocationId"])) == "InvalidAllocationID.NotFound"


def test_unassign_and_delete_disassociate_but_keep_allocation(ec2, net):
    eni = eni_with_secondary(ec2, net["subnet"])
    a, b = (ec2.allocate_address(Domain="vpc") for _ in range(2))
    ec2.associate_address(AllocationId=a["AllocationId"], NetworkInterfaceId=eni, PrivateIpAddress="10.0.1.100")
    ec2.associate_address(AllocationId=b["AllocationId"], NetworkInterfaceId=eni, PrivateIpAddress="10.0.1.101")
    ec2.unassign_private_ip_addresses(NetworkInterfaceId=eni, PrivateIpAddresses=["10.0.1.101"])
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[b["AllocationId"]])["Addresses"][0]
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    left = ec2.describe_addresses(AllocationIds=[a["AllocationId"], b["AllocationId"]])["Addresses"]
    assert len(left) == 2 and all("AssociationId" not in x for x in left)


def test_eip_moves_with_reassigned_secondary(ec2, net):
    eni_1 = eni_with_secondary(ec2, net["subnet"])
    eni_2 = ec2.create_network_interface(SubnetId=net["subnet"])["NetworkInterface"]["NetworkInterfaceId"]
    b = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=b["AllocationId"], NetworkInterfaceId=eni_1, PrivateIpAddress="10.0.1.101")
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni_2, PrivateIpAddresses=["10.0.1.101"], AllowReassignment=True)
    assert associations(ec2, eni_2)[0]["10.0.1.101"] == b["PublicIp"]
    assert ec2.describe_addresses(AllocationIds=[b["AllocationId"]])["Addresses"][0]["NetworkInterfaceId"] == eni_2


def test_eip_follows_the_eni_to_another_instance(ec2, net):
    def launch():
        return ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.medium", SubnetId=net["subnet"])["Instances"][0]["InstanceId"]

    active, standby = launch(), launch()
    eni = ec2.create_network_interface(SubnetId=net["subnet"], PrivateIpAddress="10.0.1.50")["NetworkInterface"]["NetworkInterfaceId"]
    a = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=a["AllocationId"], NetworkInterfaceId=eni)
    ec2.describe_instances()  # pending → running
    attachment = ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=active, DeviceIndex=1)["AttachmentId"]
    assert ec2.describe_addresses(AllocationIds=[a["AllocationId"]])["Addresses"][0]["InstanceId"] == active
    ec2.detach_network_interface(AttachmentId=attachment)
    ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=standby, DeviceIndex=1)
    got = ec2.describe_addresses(AllocationIds=[a["AllocationId"]])["Addresses"][0]
    assert got["InstanceId"] == standby and got["PrivateIpAddress"] == "10.0.1.50"


def test_public_ip_on_launch_and_eip_on_primary(ec2, net):
    ec2.modify_subnet_attribute(SubnetId=net["subnet"], MapPublicIpOnLaunch={"Value": True})
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=net["subnet"])["Instances"][0]
    auto = inst["PublicIpAddress"]
    assert in_pool(auto)
    assert inst["NetworkInterfaces"][0]["Association"]["IpOwnerId"] == "amazon"
    a = ec2.allocate_address(Domain="vpc")
    assert a["PublicIp"] != auto
    ec2.describe_instances()  # running
    assoc = ec2.associate_address(AllocationId=a["AllocationId"], InstanceId=inst["InstanceId"])["AssociationId"]
    got = ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert got["PublicIpAddress"] == a["PublicIp"]
    assert got["NetworkInterfaces"][0]["Association"]["IpOwnerId"] != "amazon"
    # Disassociating gives the instance a fresh auto-assigned address.
    ec2.disassociate_address(AssociationId=assoc)
    got = ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert in_pool(got["PublicIpAddress"]) and got["PublicIpAddress"] != a["PublicIp"]
    # Stop releases it, start gives a new one.
    ec2.stop_instances(InstanceIds=[inst["InstanceId"]])
    got = ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert got["State"]["Name"] == "stopped" and "PublicIpAddress" not in got
    ec2.start_instances(InstanceIds=[inst["InstanceId"]])
    got = ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert in_pool(got["PublicIpAddress"])


def test_associate_public_ip_address_rules(ec2, net):
    inst = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1,
        NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": net["subnet"], "AssociatePublicIpAddress": True}],
    )["Instances"][0]
    assert in_pool(inst["PublicIpAddress"])
    second = ec2.create_subnet(VpcId=net["vpc"], CidrBlock="10.0.2.0/24", AvailabilityZone="ap-northeast-1a")["Subnet"]["SubnetId"]
    err = error_code(
        ec2.run_instances, ImageId=AMI, MinCount=1, MaxCount=1,
        NetworkInterfaces=[
            {"DeviceIndex": 0, "SubnetId": net["subnet"], "AssociatePublicIpAddress": True},
            {"DeviceIndex": 1, "SubnetId": second},
        ],
    )
    assert code_of(err) == "InvalidParameterCombination"
    assert "associatePublicIPAddress" in err.response["Error"]["Message"]


def test_detach_gateway_with_mapped_addresses(ec2, net):
    eni = ec2.create_network_interface(SubnetId=net["subnet"])["NetworkInterface"]["NetworkInterfaceId"]
    a = ec2.allocate_address(Domain="vpc")
    assoc = ec2.associate_address(AllocationId=a["AllocationId"], NetworkInterfaceId=eni)["AssociationId"]
    err = error_code(ec2.detach_internet_gateway, InternetGatewayId=net["igw"], VpcId=net["vpc"])
    assert code_of(err) == "DependencyViolation"
    assert "mapped public address" in err.response["Error"]["Message"]
    ec2.disassociate_address(AssociationId=assoc)
    ec2.detach_internet_gateway(InternetGatewayId=net["igw"], VpcId=net["vpc"])


def test_default_vpc_launch_gets_a_public_ip(ec2):
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]
    assert in_pool(inst["PublicIpAddress"])
    assert inst["PublicDnsName"].startswith("ec2-") and inst["PublicDnsName"].endswith(".ap-northeast-1.compute.amazonaws.com")
    ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
    got = ec2.describe_instances(InstanceIds=[inst["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert "PublicIpAddress" not in got


def test_seed_001_two_eips_with_cli(aws):
    """Seed 001: two EIPs on one instance, each on its own private IP of one ENI, then teardown."""
    vpc = aws.run("create-vpc", "--cidr-block", "192.168.1.0/24")["Vpc"]["VpcId"]
    subnet = aws.run("create-subnet", "--vpc-id", vpc, "--cidr-block", "192.168.1.0/24", "--availability-zone", "ap-northeast-1a")["Subnet"]["SubnetId"]
    igw = aws.run("create-internet-gateway")["InternetGateway"]["InternetGatewayId"]
    aws.run("attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
    rtb = aws.run("describe-route-tables", "--filters", f"Name=vpc-id,Values={vpc}")["RouteTables"][0]["RouteTableId"]
    aws.run("create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw)
    sg = aws.run("create-security-group", "--group-name", "standalone", "--description", "standalone in VPC", "--vpc-id", vpc)["GroupId"]
    for port in ("22", "25", "80"):
        aws.run("authorize-security-group-ingress", "--group-id", sg, "--protocol", "tcp", "--port", port, "--cidr", "0.0.0.0/0")
    eni = aws.run(
        "create-network-interface", "--subnet-id", subnet, "--description", "ENI-01 for standalone",
        "--private-ip-address", "192.168.1.100", "--groups", sg,
    )["NetworkInterface"]["NetworkInterfaceId"]
    aws.run("assign-private-ip-addresses", "--network-interface-id", eni, "--private-ip-addresses", "192.168.1.101")
    alloc = [aws.run("allocate-address", "--domain", "vpc") for _ in range(2)]
    assocs = [
        aws.run("associate-address", "--allocation-id", a["AllocationId"], "--network-interface-id", eni, "--private-ip-address", ip)["AssociationId"]
        for a, ip in zip(alloc, ("192.168.1.100", "192.168.1.101"))
    ]
    got = aws.run("describe-network-interfaces", "--network-interface-ids", eni)["NetworkInterfaces"][0]
    assert {p["PrivateIpAddress"]: p["Association"]["PublicIp"] for p in got["PrivateIpAddresses"]} == {
        "192.168.1.100": alloc[0]["PublicIp"],
        "192.168.1.101": alloc[1]["PublicIp"],
    }
    # The launch the author ended up with: the ENI as device 0, nothing instance-level.
    err = aws.error("run-instances", "--image-id", AMI, "--instance-type", "t1.micro", "--subnet-id", subnet,
                    "--network-interfaces", f"DeviceIndex=0,NetworkInterfaceId={eni}")
    assert err.code == "InvalidParameterCombination"
    inst = aws.run("run-instances", "--image-id", AMI, "--instance-type", "t1.micro",
                   "--network-interfaces", f"DeviceIndex=0,NetworkInterfaceId={eni}")["Instances"][0]
    iid = inst["InstanceId"]
    aws.run("wait", "instance-running", "--instance-ids", iid)
    got = aws.run("describe-instances", "--instance-ids", iid)["Reservations"][0]["Instances"][0]
    assert got["PublicIpAddress"] == alloc[0]["PublicIp"]
    assert {p["PrivateIpAddress"]: p["Association"]["PublicIp"] for p in got["NetworkInterfaces"][0]["PrivateIpAddresses"]} == {
        "192.168.1.100": alloc[0]["PublicIp"],
        "192.168.1.101": alloc[1]["PublicIp"],
    }
    # Teardown, with the refusals on the way.
    assert aws.error("release-address", "--allocation-id", alloc[0]["AllocationId"]).code == "InvalidIPAddress.InUse"
    assert aws.error("detach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc).code == "DependencyViolation"
    assert aws.error("delete-network-interface", "--network-interface-id", eni).code == "InvalidParameterValue"
    for assoc in assocs:
        aws.run("disassociate-address", "--association-id", assoc)
    for a in alloc:
        aws.run("release-address", "--allocation-id", a["AllocationId"])
    aws.run("terminate-instances", "--instance-ids", iid)
    aws.run("wait", "instance-terminated", "--instance-ids", iid)
    aws.run("wait", "network-interface-available", "--network-interface-ids", eni)
    aws.run("delete-network-interface", "--network-interface-id", eni)
    assert aws.run("describe-addresses")["Addresses"] == []


def test_allocate_a_specific_address_of_the_pool(server, ec2):
    """AllocateAddress `Address`: a free address of the pool is granted (a released one can be
    recovered); one another account holds, or one outside the pool, is InvalidAddress.NotFound."""
    from conftest import client, new_account
    wanted = "203.0.113.200"
    mine = ec2.allocate_address(Domain="vpc", Address=wanted)
    assert mine["PublicIp"] == wanted and mine["AllocationId"].startswith("eipalloc-")
    other = client(server.endpoint, new_account())
    err = error_code(other.allocate_address, Domain="vpc", Address=wanted)
    assert code_of(err) == "InvalidAddress.NotFound"
    err = error_code(ec2.allocate_address, Domain="vpc", Address="192.0.2.10")
    assert code_of(err) == "InvalidAddress.NotFound"
    err = error_code(ec2.allocate_address, Domain="vpc", Address="not-an-ip")
    assert code_of(err) == "InvalidParameterValue"
    ec2.release_address(AllocationId=mine["AllocationId"])
    recovered = other.allocate_address(Domain="vpc", Address=wanted)
    assert recovered["PublicIp"] == wanted
    shown = other.describe_addresses(AllocationIds=[recovered["AllocationId"]])["Addresses"][0]
    assert shown["PublicIp"] == wanted
