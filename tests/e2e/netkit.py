"""Small builders shared by the network interface, instance and seed tests (boto3 side)."""
from ipaddress import ip_address, ip_network

AMI = "ami-0123456789abcdef0"
ZONE_A = "ap-northeast-1a"
ZONE_C = "ap-northeast-1c"
PUBLIC_POOL = [ip_network("198.51.100.0/24"), ip_network("203.0.113.0/24")]


def message(err) -> str:
    return err.response["Error"]["Message"]


def new_vpc(ec2, cidr="10.0.0.0/16") -> str:
    return ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


def new_subnet(ec2, vpc, cidr, zone=ZONE_A) -> str:
    return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]


def network(ec2, vpc_cidr="10.0.0.0/16", subnet_cidr="10.0.1.0/24", zone=ZONE_A):
    """A new VPC with one subnet: (vpc id, subnet id)."""
    vpc = new_vpc(ec2, vpc_cidr)
    return vpc, new_subnet(ec2, vpc, subnet_cidr, zone)


def new_group(ec2, vpc, name="web") -> str:
    return ec2.create_security_group(GroupName=name, Description=f"{name} group", VpcId=vpc)["GroupId"]


def default_group(ec2, vpc) -> str:
    filters = [{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    return ec2.describe_security_groups(Filters=filters)["SecurityGroups"][0]["GroupId"]


def new_eni(ec2, subnet, **kw) -> dict:
    return ec2.create_network_interface(SubnetId=subnet, **kw)["NetworkInterface"]


def eni(ec2, eni_id) -> dict:
    return ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]


def eni_ids(ec2, *filters) -> list:
    """IDs of the interfaces matching `(name, [values])` filters, sorted."""
    out = ec2.describe_network_interfaces(Filters=[{"Name": n, "Values": v} for n, v in filters])
    return sorted(e["NetworkInterfaceId"] for e in out["NetworkInterfaces"])


def tag_specs(resource_type, **tags) -> list:
    """`TagSpecifications` giving a new resource of `resource_type` these tags."""
    return [{"ResourceType": resource_type, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def addresses(e) -> list:
    """An interface's private addresses, primary first, as (address, primary) pairs."""
    return [(p["PrivateIpAddress"], p["Primary"]) for p in e["PrivateIpAddresses"]]


def free(ec2, subnet) -> int:
    return ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["AvailableIpAddressCount"]


def launch(ec2, subnet=None, instance_type="t3.medium", **kw) -> dict:
    """RunInstances for one instance; `subnet` is the instance-level SubnetId."""
    if subnet is not None:
        kw["SubnetId"] = subnet
    out = ec2.run_instances(ImageId=AMI, InstanceType=instance_type, MinCount=1, MaxCount=1, **kw)
    return out["Instances"][0]


def launch_with(ec2, *specs, instance_type="t3.medium", **kw) -> dict:
    """RunInstances with `NetworkInterfaces` specifications."""
    return launch(ec2, instance_type=instance_type, NetworkInterfaces=list(specs), **kw)


def instance(ec2, instance_id) -> dict:
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def instance_ids(ec2, *filters) -> list:
    """IDs of the instances matching `(name, [values])` filters, sorted."""
    out = ec2.describe_instances(Filters=[{"Name": n, "Values": v} for n, v in filters])
    return sorted(i["InstanceId"] for r in out["Reservations"] for i in r["Instances"])


def state(ec2, instance_id) -> str:
    return instance(ec2, instance_id)["State"]["Name"]


def running(ec2, subnet=None, **kw) -> dict:
    """A launched instance, described once so that it has settled into `running`."""
    launched = launch(ec2, subnet, **kw)
    described = instance(ec2, launched["InstanceId"])
    assert described["State"] == {"Code": 16, "Name": "running"}
    return described


def attach(ec2, eni_id, instance_id, device_index, **kw) -> dict:
    return ec2.attach_network_interface(NetworkInterfaceId=eni_id, InstanceId=instance_id, DeviceIndex=device_index, **kw)


def attachments(i) -> list:
    """An instance's interfaces as (device index, interface id), in the order EC2 lists them."""
    return [(n["Attachment"]["DeviceIndex"], n["NetworkInterfaceId"]) for n in i["NetworkInterfaces"]]


def is_public(address: str) -> bool:
    return any(ip_address(address) in net for net in PUBLIC_POOL)
