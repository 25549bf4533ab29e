"""The real data plane (`serve --dataplane`): instances as network namespaces, ENIs as veth
pairs, a router namespace per VPC, proved with real packets (`localvpc exec … ping`).

Needs root, as CI has. Each test runs its own server; whatever happens, the fixture stops it and
runs `localvpc dataplane down`, which removes every `lvpc-` namespace."""
import os
import subprocess
import tempfile

import pytest

from conftest import BINARY, Server, client, new_account

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")

GENERIC = "ami-0123456789abcdef0"  # not Amazon Linux: no agent, extra ENIs stay unconfigured
ZONE = "ap-northeast-1a"


def lvpc_namespaces():
    out = subprocess.run(["ip", "netns", "list"], check=True, capture_output=True, text=True).stdout
    return sorted(line.split()[0] for line in out.splitlines() if line.startswith("lvpc-"))


def guest_ns(instance_id):
    return "lvpc-i-" + instance_id.split("-", 1)[1]


def down():
    return subprocess.run([BINARY, "dataplane", "down"], capture_output=True, text=True, timeout=60)


@pytest.fixture
def dp():
    """A server with the data plane on, and a fresh account's client: (server, ec2)."""
    assert lvpc_namespaces() == [], "stale lvpc- namespaces from an earlier run"
    with tempfile.TemporaryDirectory(prefix="localvpc-dp-") as data_dir:
        srv = Server(data_dir, extra_args=["--dataplane"])
        try:
            yield srv, client(srv.endpoint, new_account())
        finally:
            srv.stop()
            result = down()
            assert result.returncode == 0, result.stderr
            assert lvpc_namespaces() == []


def ping(instance_id, address):
    """Whether `address` answers one ping from inside the instance."""
    run = subprocess.run([BINARY, "exec", instance_id, "--", "ping", "-c1", "-W1", address],
                         capture_output=True, text=True, timeout=30)
    return run.returncode == 0


def launch(ec2, subnet, address, image=GENERIC):
    return ec2.run_instances(ImageId=image, InstanceType="t3.medium", MinCount=1, MaxCount=1,
                             SubnetId=subnet, PrivateIpAddress=address)["Instances"][0]["InstanceId"]


def subnet(ec2, vpc, cidr):
    return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=ZONE)["Subnet"]["SubnetId"]


def test_two_instances_in_one_subnet_ping_each_other_and_the_subnet_router(dp):
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1 = subnet(ec2, vpc, "10.0.1.0/24")
    a = launch(ec2, s1, "10.0.1.10")
    b = launch(ec2, s1, "10.0.1.11")
    assert ping(a, "10.0.1.11") and ping(b, "10.0.1.10")
    assert ping(a, "10.0.1.1"), "the subnet router answers"
    assert not ping(a, "10.0.1.12"), "nobody has that address"
    # Stop: links down, unreachable; start: back, with eth0 configured again as at boot.
    ec2.stop_instances(InstanceIds=[b])
    ec2.describe_instances()  # stopping → stopped
    assert not ping(a, "10.0.1.11")
    ec2.start_instances(InstanceIds=[b])
    assert ping(a, "10.0.1.11")
    # Terminate: the namespace goes.
    ec2.terminate_instances(InstanceIds=[b])
    assert guest_ns(b) not in lvpc_namespaces()
    assert guest_ns(a) in lvpc_namespaces()


def test_a_restarted_server_adopts_the_network(dp):
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1 = subnet(ec2, vpc, "10.0.1.0/24")
    a = launch(ec2, s1, "10.0.1.10")
    b = launch(ec2, s1, "10.0.1.11")
    before = lvpc_namespaces()
    srv.proc.kill()
    srv.proc.wait()
    again = Server(srv.data_dir, extra_args=["--dataplane"])
    try:
        assert lvpc_namespaces() == before
        assert ping(a, "10.0.1.11")
    finally:
        again.stop()


def in_guest(instance_id, script):
    run = subprocess.run([BINARY, "exec", instance_id, "--", "sh", "-c", script], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr


def agent(srv, instance_id):
    """`localvpc agent --once` against the instance's namespace, fed by the real IMDS."""
    run = subprocess.run([BINARY, "agent", "--once", "--netns", guest_ns(instance_id),
                          "--imds-url", f"{srv.endpoint}/_localvpc/imds/{instance_id}"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr + run.stdout


def attach(ec2, eni_id, instance_id, device):
    return ec2.attach_network_interface(NetworkInterfaceId=eni_id, InstanceId=instance_id, DeviceIndex=device)["AttachmentId"]


def source_dest_check(ec2, eni_id, on):
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, SourceDestCheck={"Value": on})


def test_seed_003_second_eni_answers_only_once_the_guest_routes_by_source(dp):
    """Seed 003 on a non-Amazon-Linux image: eth1 (another subnet) is silent unconfigured; once
    brought up by hand its replies leave through eth0 and are dropped — by the VPC's source check
    (guest rp_filter loose) or by the guest itself (rp_filter strict); `localvpc agent`'s per-ENI
    policy routing makes it answer."""
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1, s2 = subnet(ec2, vpc, "10.0.1.0/24"), subnet(ec2, vpc, "10.0.2.0/24")
    inst = launch(ec2, s1, "10.0.1.10")
    peer = launch(ec2, s1, "10.0.1.11")
    eth0 = ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"]
    eni = ec2.create_network_interface(SubnetId=s2, PrivateIpAddress="10.0.2.20")["NetworkInterface"]
    ec2.attach_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"], InstanceId=inst, DeviceIndex=1)
    assert ping(peer, "10.0.1.10"), "eth0 answers"
    assert not ping(peer, "10.0.2.20"), "eth1 is unconfigured, as on seed 003's CentOS"
    # `ifup eth1` with DEFROUTE=no: the address and its subnet route, no policy routing.
    in_guest(inst, "ip addr add 10.0.2.20/24 dev eth1 && echo 2 > /proc/sys/net/ipv4/conf/all/rp_filter")
    assert not ping(peer, "10.0.2.20"), "the reply leaves through eth0: the VPC drops it"
    source_dest_check(ec2, eth0, False)
    assert ping(peer, "10.0.2.20"), "asymmetric, but eth0's ENI no longer checks sources"
    in_guest(inst, "echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter")
    assert not ping(peer, "10.0.2.20"), "strict rp_filter in the guest drops the request"
    source_dest_check(ec2, eth0, True)
    agent(srv, inst)
    assert ping(peer, "10.0.2.20"), "eth1 answers with per-ENI policy routing, strict rp_filter and the check on"
    assert ping(peer, "10.0.1.10")
    # Detach: the link is unplugged from the guest.
    attachment = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni["NetworkInterfaceId"]])["NetworkInterfaces"][0]["Attachment"]["AttachmentId"]
    ec2.detach_network_interface(AttachmentId=attachment)
    links = subprocess.run(["ip", "-n", guest_ns(inst), "-o", "link"], capture_output=True, text=True).stdout
    assert "eth1" not in links and "eth0" in links


def test_a_dual_homed_instance_is_reachable_from_two_vpcs_with_overlapping_cidrs(dp):
    """Seed 002: an ENI from another VPC (same zone) wires the instance into that VPC's router."""
    srv, ec2 = dp
    vpc_a = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vpc_b = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    inst = launch(ec2, subnet(ec2, vpc_a, "10.0.1.0/24"), "10.0.1.10")
    peer_a = launch(ec2, ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0]["SubnetId"], "10.0.1.11")
    b2 = subnet(ec2, vpc_b, "10.0.2.0/24")
    peer_b = launch(ec2, b2, "10.0.2.11")
    dual = ec2.create_network_interface(SubnetId=b2, PrivateIpAddress="10.0.2.20")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.describe_instances()  # pending → running
    attach(ec2, dual, inst, 1)
    agent(srv, inst)
    assert ping(peer_a, "10.0.1.10") and ping(peer_b, "10.0.2.20")
    assert not ping(peer_b, "10.0.1.11"), "the VPCs stay apart"


def test_a_moved_eni_takes_its_address_to_the_standby(dp):
    """Seed 004: detach a secondary ENI from the primary, attach it to a standby: its private
    IP now reaches the standby."""
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1 = subnet(ec2, vpc, "10.0.1.0/24")
    primary, standby, client_ = (launch(ec2, s1, f"10.0.1.{n}") for n in (10, 11, 12))
    floating = ec2.create_network_interface(SubnetId=s1, PrivateIpAddress="10.0.1.50")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.describe_instances()  # pending → running
    attachment = attach(ec2, floating, primary, 1)
    agent(srv, primary)
    assert ping(client_, "10.0.1.50")
    ec2.detach_network_interface(AttachmentId=attachment)
    assert not ping(client_, "10.0.1.50")
    attach(ec2, floating, standby, 1)
    agent(srv, standby)
    assert ping(client_, "10.0.1.50")
    links = subprocess.run(["ip", "-n", guest_ns(primary), "-o", "link"], capture_output=True, text=True).stdout
    assert "eth1" not in links


def test_down_on_exit_removes_the_network_when_the_server_stops(dp):
    srv, ec2 = dp
    srv.stop()
    again = Server(srv.data_dir, extra_args=["--dataplane", "--down-on-exit"])
    try:
        ec2 = client(again.endpoint, new_account())
        launch(ec2, subnet(ec2, ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"], "10.0.1.0/24"), "10.0.1.10")
        assert any(ns.startswith("lvpc-i-") for ns in lvpc_namespaces())
    finally:
        again.stop()
    assert lvpc_namespaces() == []


def test_a_describe_that_provisions_an_account_builds_its_default_vpc_router(dp):
    """A new account's first call, even a Describe, provisions its default VPC: the data plane
    follows that write as any other (no later write needed)."""
    srv, ec2 = dp
    default_vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    assert "lvpc-r-" + default_vpc.split("-", 1)[1] in lvpc_namespaces()
