"""Concurrent allocation: many clients at once never get the same address, the subnet's free
count stays exact, and of several attaches to one device index exactly one wins."""
import threading
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError

from conftest import client

CLIENTS = 64
AMI = "ami-0123456789abcdef0"


def all_at_once(calls):
    """Runs every call on its own thread, released together; returns (result|ClientError) each."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        except ClientError as e:
            return e

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def clients(server, account, n):
    # botocore clients are thread-safe once made; making them is not, so make them here.
    return [client(server.endpoint, account) for _ in range(n)]


def small_subnet(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/24")["Vpc"]["VpcId"]
    return ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.0.0/28")["Subnet"]["SubnetId"]


def addresses_in(ec2, subnet):
    enis = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet]}])["NetworkInterfaces"]
    return [p["PrivateIpAddress"] for e in enis for p in e["PrivateIpAddresses"]]


def free_count(ec2, subnet):
    return ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["AvailableIpAddressCount"]


def test_64_clients_filling_a_28_never_share_an_address(server, account):
    pool = clients(server, account, CLIENTS)
    ec2 = pool[0]
    subnet = small_subnet(ec2)
    # Round 1: 64 creates race for the 11 usable addresses.
    results = all_at_once([lambda c=c: c.create_network_interface(SubnetId=subnet) for c in pool])
    created = [r["NetworkInterface"] for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, ClientError)]
    assert len(created) == 11
    assert {e.response["Error"]["Code"] for e in refused} == {"InsufficientFreeAddressesInSubnet"}
    primaries = [e["PrivateIpAddress"] for e in created]
    assert len(set(primaries)) == 11
    assert free_count(ec2, subnet) == 0
    # Free six, then 64 assigns race for them across the remaining interfaces.
    for eni in created[:6]:
        ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    holders = [e["NetworkInterfaceId"] for e in created[6:]]
    results = all_at_once([
        lambda c=c, i=i: c.assign_private_ip_addresses(
            NetworkInterfaceId=holders[i % len(holders)], SecondaryPrivateIpAddressCount=1)
        for i, c in enumerate(pool)
    ])
    assigned = [a["PrivateIpAddress"] for r in results if isinstance(r, dict) for a in r["AssignedPrivateIpAddresses"]]
    refused = [r for r in results if isinstance(r, ClientError)]
    assert len(assigned) == 6 and len(set(assigned)) == 6
    assert {e.response["Error"]["Code"] for e in refused} == {"InsufficientFreeAddressesInSubnet"}
    in_use = addresses_in(ec2, subnet)
    assert len(in_use) == len(set(in_use)) == 11
    assert free_count(ec2, subnet) == 0


def test_explicit_addresses_race_to_one_winner(server, account):
    pool = clients(server, account, 16)
    subnet = small_subnet(pool[0])
    results = all_at_once([
        lambda c=c: c.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.30.0.9") for c in pool
    ])
    assert sum(isinstance(r, dict) for r in results) == 1
    assert {r.response["Error"]["Code"] for r in results if isinstance(r, ClientError)} == {"InvalidIPAddress.InUse"}
    assert free_count(pool[0], subnet) == 10


def test_concurrent_attaches_to_one_device_index_have_one_winner(server, account):
    pool = clients(server, account, 16)
    ec2 = pool[0]
    instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="m5.large")["Instances"][0]
    subnet = instance["SubnetId"]
    enis = [ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"] for _ in pool]
    results = all_at_once([
        lambda c=c, e=e: c.attach_network_interface(
            NetworkInterfaceId=e, InstanceId=instance["InstanceId"], DeviceIndex=1)
        for c, e in zip(pool, enis)
    ])
    winners = [r for r in results if isinstance(r, dict)]
    losers = [r for r in results if isinstance(r, ClientError)]
    assert len(winners) == 1
    assert {e.response["Error"]["Code"] for e in losers} == {"InvalidParameterValue"}
    assert all("already has an interface attached at device index '1'" in e.response["Error"]["Message"] for e in losers)
    attached = ec2.describe_network_interfaces(
        Filters=[{"Name": "attachment.instance-id", "Values": [instance["InstanceId"]]}])["NetworkInterfaces"]
    assert sorted(e["Attachment"]["DeviceIndex"] for e in attached) == [0, 1]
    # The same interface raced onto several device indexes: it ends up in exactly one.
    spare = enis[[isinstance(r, dict) for r in results].index(False)]
    results = all_at_once([
        lambda c=c, i=i: c.attach_network_interface(NetworkInterfaceId=spare, InstanceId=instance["InstanceId"], DeviceIndex=i)
        for c, i in zip(pool[:2], (2, 2))
    ])
    assert sum(isinstance(r, dict) for r in results) == 1
