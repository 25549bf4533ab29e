"""`localvpc agent` against the real IMDS, configuring a guest network namespace.

The guest is a namespace whose interfaces carry the ENIs' MACs (veth peers sit in a second
throwaway namespace, never in the host's). Needs root, as CI has."""
import json
import os
import subprocess
import uuid

import pytest

from conftest import BINARY

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="network namespaces need root")

AL2023 = "ami-0f4a8aa657d4799b8"  # IMDSv2 required by default
DEBIAN = "ami-0cd2ad2d4215f625d"


def ip(*args, ns=None, check=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=check, capture_output=True, text=True).stdout


class Guest:
    """A guest namespace with one veth per ENI (named eth<device>, given the ENI's MAC)."""

    def __init__(self):
        tag = uuid.uuid4().hex[:8]
        self.ns, self.peer = f"lvtest-{tag}", f"lvtest-{tag}-p"

    def __enter__(self):
        ip("netns", "add", self.ns)
        ip("netns", "add", self.peer)
        return self

    def __exit__(self, *exc):
        ip("netns", "del", self.ns, check=False)
        ip("netns", "del", self.peer, check=False)

    def plug(self, name, mac):
        ip("link", "add", name, "address", mac, "type", "veth", "peer", "name", f"p-{name}", "netns", self.peer, ns=self.ns)
        ip("link", "set", f"p-{name}", "up", ns=self.peer)

    def agent(self, endpoint, instance_id, *extra):
        url = f"{endpoint}/_localvpc/imds/{instance_id}"
        return subprocess.run([BINARY, "agent", "--once", "--netns", self.ns, "--imds-url", url, *extra], capture_output=True, text=True, timeout=60)

    def addresses(self):
        out = {}
        for link in json.loads(ip("-j", "addr", "show", ns=self.ns)):
            for a in link.get("addr_info", []):
                if a["family"] == "inet":
                    out.setdefault(link["ifname"], []).append(f"{a['local']}/{a['prefixlen']}")
        return out

    def rules(self):
        return sorted((r["priority"], r.get("src"), r["table"]) for r in json.loads(ip("-j", "rule", "show", ns=self.ns)) if r["priority"] not in (0, 32766, 32767))

    def routes(self, table):
        rows = json.loads(ip("-j", "route", "show", "table", str(table), ns=self.ns))
        return sorted((r["dst"], r.get("gateway"), r["dev"], r.get("metric")) for r in rows)


def launch_seed_003(ec2, image):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="ap-northeast-1a")["Subnet"]["SubnetId"]
    s2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="ap-northeast-1a")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    inst = ec2.run_instances(ImageId=image, InstanceType="t3.medium", MinCount=1, MaxCount=1, SubnetId=s1, PrivateIpAddress="10.0.1.10")["Instances"][0]
    eni = ec2.create_network_interface(SubnetId=s2, PrivateIpAddress="10.0.2.20")["NetworkInterface"]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni["NetworkInterfaceId"], PrivateIpAddresses=["10.0.2.21"])
    ec2.describe_instances()  # pending → running
    attachment = ec2.attach_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"], InstanceId=inst["InstanceId"], DeviceIndex=1)["AttachmentId"]
    eip = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=eip["AllocationId"], NetworkInterfaceId=eni["NetworkInterfaceId"], PrivateIpAddress="10.0.2.20")
    eth0_mac = inst["NetworkInterfaces"][0]["MacAddress"]
    return inst["InstanceId"], eth0_mac, eni, attachment


def test_seed_003_policy_routing_from_real_imds(server, ec2):
    """Seed 003: eth1 in another subnet, with an EIP, gets its own table and source rules; eth0
    keeps the default route (guest-routing.md §2's example)."""
    instance_id, eth0_mac, eni, attachment = launch_seed_003(ec2, AL2023)
    with Guest() as guest:
        guest.plug("eth0", eth0_mac)
        guest.plug("eth1", eni["MacAddress"])
        run = guest.agent(server.endpoint, instance_id)
        assert run.returncode == 0, run.stderr + run.stdout
        assert guest.addresses() == {"eth0": ["10.0.1.10/24"], "eth1": ["10.0.2.20/24", "10.0.2.21/32"]}
        assert guest.rules() == [(10001, "10.0.2.20", "10001"), (10001, "10.0.2.21", "10001")]
        main = [r for r in guest.routes("main") if r[0] == "default"]
        assert main == [("default", "10.0.1.1", "eth0", 512), ("default", "10.0.2.1", "eth1", 513)]
        assert guest.routes(10001) == [("10.0.2.0/24", None, "eth1", None), ("default", "10.0.2.1", "eth1", None)]
        # Idempotent: a second run changes nothing.
        again = guest.agent(server.endpoint, instance_id)
        assert again.returncode == 0 and "0 changes" in again.stdout, again.stdout
        # Unassign the secondary, then detach eth1: what belonged to them goes.
        ec2.unassign_private_ip_addresses(NetworkInterfaceId=eni["NetworkInterfaceId"], PrivateIpAddresses=["10.0.2.21"])
        assert guest.agent(server.endpoint, instance_id).returncode == 0
        assert guest.rules() == [(10001, "10.0.2.20", "10001")]
        assert guest.addresses()["eth1"] == ["10.0.2.20/24"]
        ec2.detach_network_interface(AttachmentId=attachment)
        ip("link", "del", "eth1", ns=guest.ns)
        assert guest.agent(server.endpoint, instance_id).returncode == 0
        assert guest.rules() == []
        assert guest.routes(10001) == []


def test_seed_001_secondary_ip_comes_up(server, ec2):
    """Seed 001: only the primary came up by DHCP; the agent adds the secondary as a /32."""
    vpc = ec2.create_vpc(CidrBlock="192.168.1.0/24")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="192.168.1.0/24", AvailabilityZone="ap-northeast-1a")["Subnet"]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet, PrivateIpAddress="192.168.1.100")["NetworkInterface"]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni["NetworkInterfaceId"], PrivateIpAddresses=["192.168.1.101"])
    inst = ec2.run_instances(ImageId=DEBIAN, InstanceType="t1.micro", MinCount=1, MaxCount=1,
                             NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": eni["NetworkInterfaceId"]}])["Instances"][0]
    with Guest() as guest:
        guest.plug("eth0", eni["MacAddress"])
        run = guest.agent(server.endpoint, inst["InstanceId"], "--imds-v1")
        assert run.returncode == 0, run.stderr + run.stdout
        assert guest.addresses() == {"eth0": ["192.168.1.100/24", "192.168.1.101/32"]}
        assert guest.rules() == []
        assert [r for r in guest.routes("main") if r[0] == "default"] == [("default", "192.168.1.1", "eth0", 512)]
