"""Accounts (and regions) are sealed from each other: no action can read, change, attach,
associate or reference another account's resources. Every attempt answers the resource's
NotFound code, exactly as if it did not exist, and the owner's resources stay as they were."""
import pytest

from conftest import client, code_of, error_code, new_account

AMI = "ami-0123456789abcdef0"


def build(ec2):
    """One of everything, in a VPC of its own plus the default VPC."""
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[group])["NetworkInterface"]
    instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    eip = ec2.allocate_address(Domain="vpc")
    return {
        "vpc": vpc,
        "subnet": subnet,
        "group": group,
        "eni": eni["NetworkInterfaceId"],
        "eni_ip": eni["PrivateIpAddress"],
        "instance": instance["InstanceId"],
        "instance_eni": instance["NetworkInterfaces"][0]["NetworkInterfaceId"],
        "attachment": instance["NetworkInterfaces"][0]["Attachment"]["AttachmentId"],
        "rtb": ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"],
        "acl": ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"],
        "igw": igw,
        "alloc": eip["AllocationId"],
        "public_ip": eip["PublicIp"],
    }


def snapshot(ec2, r):
    """What the owner sees of its resources: must not change under the other account's attempts."""
    return {
        "vpcs": ec2.describe_vpcs(VpcIds=[r["vpc"]])["Vpcs"],
        "subnets": ec2.describe_subnets(SubnetIds=[r["subnet"]])["Subnets"],
        "groups": ec2.describe_security_groups(GroupIds=[r["group"]])["SecurityGroups"],
        "enis": ec2.describe_network_interfaces(NetworkInterfaceIds=[r["eni"], r["instance_eni"]])["NetworkInterfaces"],
        "instances": [
            {k: v for k, v in i.items() if k not in ("State", "StateTransitionReason")}
            for res in ec2.describe_instances(InstanceIds=[r["instance"]])["Reservations"]
            for i in res["Instances"]
        ],
        "rtbs": ec2.describe_route_tables(RouteTableIds=[r["rtb"]])["RouteTables"],
        "acls": ec2.describe_network_acls(NetworkAclIds=[r["acl"]])["NetworkAcls"],
        "igws": ec2.describe_internet_gateways(InternetGatewayIds=[r["igw"]])["InternetGateways"],
        "eips": ec2.describe_addresses(AllocationIds=[r["alloc"]])["Addresses"],
    }


@pytest.fixture
def pair(server):
    owner = client(server.endpoint, new_account())
    other = client(server.endpoint, new_account())
    return owner, build(owner), other, build(other)


def attempts(a, mine):
    """(description, call, kwargs, expected code): `a` is the owner's resources, `mine` the caller's."""
    perm = lambda group: [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": group}]}]
    return [
        # Read
        ("describe vpc", "describe_vpcs", dict(VpcIds=[a["vpc"]]), "InvalidVpcID.NotFound"),
        ("describe subnet", "describe_subnets", dict(SubnetIds=[a["subnet"]]), "InvalidSubnetID.NotFound"),
        ("describe group", "describe_security_groups", dict(GroupIds=[a["group"]]), "InvalidGroup.NotFound"),
        ("describe eni", "describe_network_interfaces", dict(NetworkInterfaceIds=[a["eni"]]), "InvalidNetworkInterfaceID.NotFound"),
        ("describe instance", "describe_instances", dict(InstanceIds=[a["instance"]]), "InvalidInstanceID.NotFound"),
        ("describe route table", "describe_route_tables", dict(RouteTableIds=[a["rtb"]]), "InvalidRouteTableID.NotFound"),
        ("describe acl", "describe_network_acls", dict(NetworkAclIds=[a["acl"]]), "InvalidNetworkAclID.NotFound"),
        ("describe igw", "describe_internet_gateways", dict(InternetGatewayIds=[a["igw"]]), "InvalidInternetGatewayID.NotFound"),
        ("describe eip", "describe_addresses", dict(AllocationIds=[a["alloc"]]), "InvalidAllocationID.NotFound"),
        ("describe instance attribute", "describe_instance_attribute", dict(InstanceId=a["instance"], Attribute="instanceType"), "InvalidInstanceID.NotFound"),
        ("describe eni attribute", "describe_network_interface_attribute", dict(NetworkInterfaceId=a["eni"], Attribute="description"), "InvalidNetworkInterfaceID.NotFound"),
        # Change
        ("tag vpc", "create_tags", dict(Resources=[a["vpc"]], Tags=[{"Key": "k", "Value": "v"}]), "InvalidVpcID.NotFound"),
        ("tag eni", "create_tags", dict(Resources=[a["eni"]], Tags=[{"Key": "k", "Value": "v"}]), "InvalidNetworkInterfaceID.NotFound"),
        ("untag instance", "delete_tags", dict(Resources=[a["instance"]]), "InvalidInstanceID.NotFound"),
        ("modify vpc", "modify_vpc_attribute", dict(VpcId=a["vpc"], EnableDnsHostnames={"Value": True}), "InvalidVpcID.NotFound"),
        ("subnet in vpc", "create_subnet", dict(VpcId=a["vpc"], CidrBlock="10.7.9.0/24"), "InvalidVpcID.NotFound"),
        ("modify subnet", "modify_subnet_attribute", dict(SubnetId=a["subnet"], MapPublicIpOnLaunch={"Value": True}), "InvalidSubnetID.NotFound"),
        ("group in vpc", "create_security_group", dict(GroupName="x", Description="x", VpcId=a["vpc"]), "InvalidVpcID.NotFound"),
        ("authorize on group", "authorize_security_group_ingress", dict(GroupId=a["group"], IpPermissions=perm(mine["group"])), "InvalidGroup.NotFound"),
        ("revoke on group", "revoke_security_group_egress", dict(GroupId=a["group"], IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]), "InvalidGroup.NotFound"),
        ("modify eni", "modify_network_interface_attribute", dict(NetworkInterfaceId=a["eni"], Description={"Value": "x"}), "InvalidNetworkInterfaceID.NotFound"),
        ("assign to eni", "assign_private_ip_addresses", dict(NetworkInterfaceId=a["eni"], SecondaryPrivateIpAddressCount=1), "InvalidNetworkInterfaceID.NotFound"),
        ("unassign from eni", "unassign_private_ip_addresses", dict(NetworkInterfaceId=a["eni"], PrivateIpAddresses=[a["eni_ip"]]), "InvalidNetworkInterfaceID.NotFound"),
        ("stop instance", "stop_instances", dict(InstanceIds=[a["instance"]]), "InvalidInstanceID.NotFound"),
        ("modify instance", "modify_instance_attribute", dict(InstanceId=a["instance"], SourceDestCheck={"Value": False}), "InvalidInstanceID.NotFound"),
        ("route in table", "create_route", dict(RouteTableId=a["rtb"], DestinationCidrBlock="0.0.0.0/0", GatewayId=mine["igw"]), "InvalidRouteTableID.NotFound"),
        ("acl entry", "create_network_acl_entry", dict(NetworkAclId=a["acl"], RuleNumber=5, Protocol="-1", RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0"), "InvalidNetworkAclID.NotFound"),
        # Attach, associate, reference
        ("attach their eni to my instance", "attach_network_interface", dict(NetworkInterfaceId=a["eni"], InstanceId=mine["instance"], DeviceIndex=1), "InvalidNetworkInterfaceID.NotFound"),
        ("attach my eni to their instance", "attach_network_interface", dict(NetworkInterfaceId=mine["eni"], InstanceId=a["instance"], DeviceIndex=1), "InvalidInstanceID.NotFound"),
        ("detach their eni", "detach_network_interface", dict(AttachmentId=a["attachment"]), "InvalidAttachmentID.NotFound"),
        ("associate their eip", "associate_address", dict(AllocationId=a["alloc"], NetworkInterfaceId=mine["eni"]), "InvalidAllocationID.NotFound"),
        ("associate my eip to their eni", "associate_address", dict(AllocationId=mine["alloc"], NetworkInterfaceId=a["eni"]), "InvalidNetworkInterfaceID.NotFound"),
        ("associate my eip to their instance", "associate_address", dict(AllocationId=mine["alloc"], InstanceId=a["instance"]), "InvalidInstanceID.NotFound"),
        ("associate their table", "associate_route_table", dict(RouteTableId=a["rtb"], SubnetId=mine["subnet"]), "InvalidRouteTableID.NotFound"),
        ("associate my table to their subnet", "associate_route_table", dict(RouteTableId=mine["rtb"], SubnetId=a["subnet"]), "InvalidSubnetID.NotFound"),
        ("attach their igw", "attach_internet_gateway", dict(InternetGatewayId=a["igw"], VpcId=mine["vpc"]), "InvalidInternetGatewayID.NotFound"),
        ("attach my igw to their vpc", "attach_internet_gateway", dict(InternetGatewayId=mine["igw"], VpcId=a["vpc"]), "InvalidVpcID.NotFound"),
        ("route to their igw", "create_route", dict(RouteTableId=mine["rtb"], DestinationCidrBlock="0.0.0.0/0", GatewayId=a["igw"]), "InvalidInternetGatewayID.NotFound"),
        ("route to their eni", "create_route", dict(RouteTableId=mine["rtb"], DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=a["eni"]), "InvalidNetworkInterfaceID.NotFound"),
        ("reference their group in a rule", "authorize_security_group_ingress", dict(GroupId=mine["group"], IpPermissions=perm(a["group"])), "InvalidGroup.NotFound"),
        ("their group on my new eni", "create_network_interface", dict(SubnetId=mine["subnet"], Groups=[a["group"]]), "InvalidGroup.NotFound"),
        ("their group on my eni", "modify_network_interface_attribute", dict(NetworkInterfaceId=mine["eni"], Groups=[a["group"]]), "InvalidGroup.NotFound"),
        ("eni in their subnet", "create_network_interface", dict(SubnetId=a["subnet"]), "InvalidSubnetID.NotFound"),
        ("instance in their subnet", "run_instances", dict(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=a["subnet"]), "InvalidSubnetID.NotFound"),
        ("instance with their group", "run_instances", dict(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=mine["subnet"], SecurityGroupIds=[a["group"]]), "InvalidGroup.NotFound"),
        ("instance with their eni", "run_instances", dict(ImageId=AMI, MinCount=1, MaxCount=1, NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": a["eni"]}]), "InvalidNetworkInterfaceID.NotFound"),
        # Delete
        ("delete their eni", "delete_network_interface", dict(NetworkInterfaceId=a["eni"]), "InvalidNetworkInterfaceID.NotFound"),
        ("terminate their instance", "terminate_instances", dict(InstanceIds=[a["instance"]]), "InvalidInstanceID.NotFound"),
        ("release their eip", "release_address", dict(AllocationId=a["alloc"]), "InvalidAllocationID.NotFound"),
        ("delete their table", "delete_route_table", dict(RouteTableId=a["rtb"]), "InvalidRouteTableID.NotFound"),
        ("delete their acl", "delete_network_acl", dict(NetworkAclId=a["acl"]), "InvalidNetworkAclID.NotFound"),
        ("delete their igw", "delete_internet_gateway", dict(InternetGatewayId=a["igw"]), "InvalidInternetGatewayID.NotFound"),
        ("delete their group", "delete_security_group", dict(GroupId=a["group"]), "InvalidGroup.NotFound"),
        ("delete their subnet", "delete_subnet", dict(SubnetId=a["subnet"]), "InvalidSubnetID.NotFound"),
        ("delete their vpc", "delete_vpc", dict(VpcId=a["vpc"]), "InvalidVpcID.NotFound"),
    ]


def test_no_action_reaches_another_accounts_resources(pair):
    owner, a, other, mine = pair
    before = snapshot(owner, a)
    wrong = []
    for what, method, kwargs, expected in attempts(a, mine):
        err = error_code(getattr(other, method), **kwargs)
        if code_of(err) != expected:
            wrong.append(f"{what}: {code_of(err)} ({err.response['Error']['Message']}), expected {expected}")
    assert not wrong, "\n".join(wrong)
    assert snapshot(owner, a) == before


def test_listings_never_show_another_accounts_resources(pair):
    owner, a, other, mine = pair
    listings = {
        "describe_vpcs": ("Vpcs", "VpcId"),
        "describe_subnets": ("Subnets", "SubnetId"),
        "describe_security_groups": ("SecurityGroups", "GroupId"),
        "describe_network_interfaces": ("NetworkInterfaces", "NetworkInterfaceId"),
        "describe_route_tables": ("RouteTables", "RouteTableId"),
        "describe_network_acls": ("NetworkAcls", "NetworkAclId"),
        "describe_internet_gateways": ("InternetGateways", "InternetGatewayId"),
        "describe_addresses": ("Addresses", "AllocationId"),
    }
    theirs = set(a.values())
    for method, (key, field) in listings.items():
        seen = {item[field] for item in getattr(other, method)()[key]}
        assert not seen & theirs, method
    instances = {i["InstanceId"] for r in other.describe_instances()["Reservations"] for i in r["Instances"]}
    assert a["instance"] not in instances and mine["instance"] in instances
    tagged = {t["ResourceId"] for t in other.describe_tags()["Tags"]}
    assert not tagged & theirs
    # Filters cannot reach across either.
    assert other.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [a["vpc"]]}])["Subnets"] == []
    assert other.describe_network_interfaces(
        Filters=[{"Name": "private-ip-address", "Values": [a["eni_ip"]]}, {"Name": "vpc-id", "Values": [a["vpc"]]}]
    )["NetworkInterfaces"] == []
    assert other.describe_addresses(Filters=[{"Name": "public-ip", "Values": [a["public_ip"]]}])["Addresses"] == []


def test_the_same_account_in_another_region_is_another_partition(server, account):
    tokyo = client(server.endpoint, account, "ap-northeast-1")
    ireland = client(server.endpoint, account, "eu-west-1")
    vpc = tokyo.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    assert code_of(error_code(ireland.describe_vpcs, VpcIds=[vpc])) == "InvalidVpcID.NotFound"
    assert code_of(error_code(ireland.delete_vpc, VpcId=vpc)) == "InvalidVpcID.NotFound"
    assert tokyo.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["VpcId"] == vpc
