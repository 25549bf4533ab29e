"""VPC routing and the internet with real packets: route tables, the internet gateway, 1:1 NAT of
Elastic IPs and public IPs, the internet namespace (`localvpc exec internet -- …`) with its
"what is my IP" service at 192.0.2.1, and a NAT instance.

Needs root, as CI has; run inside scripts/isolated. The `dp` fixture (test_dataplane.py) runs a
server with the data plane and always tears the network down."""
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import BINARY, Server
from test_dataplane import agent, dp, launch, subnet  # noqa: F401  (dp is a fixture)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")

WHAT_IS_MY_IP = "http://192.0.2.1/"


def run_in(target, script, timeout=30):
    """`localvpc exec TARGET -- sh -c SCRIPT` (TARGET: an instance ID or `internet`)."""
    return subprocess.run([BINARY, "exec", target, "--", "sh", "-c", script],
                          capture_output=True, text=True, timeout=timeout)


def in_guest(target, script):
    run = run_in(target, script)
    assert run.returncode == 0, run.stderr


def my_ip(instance_id, source=None):
    """What 192.0.2.1 sees as the caller's address, or None when it cannot be reached."""
    interface = f"--interface {source}" if source else ""
    run = run_in(instance_id, f"curl -sS --max-time 2 {interface} {WHAT_IS_MY_IP}")
    return run.stdout.strip() if run.returncode == 0 else None


def wait_listening(instance_id, port):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if f":{port}" in run_in(instance_id, f"ss -Hltn 'sport = :{port}'").stdout:
            return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} in {instance_id}")


def reaches(instance_id, listen_ip, public_ip, port=80):
    """Whether a connection from the internet to public_ip:port reaches `nc -l listen_ip port`
    in the instance, both ways."""
    listener = subprocess.Popen([BINARY, "exec", instance_id, "--", "sh", "-c",
                                 f"echo pong | timeout 5 nc -N -l {listen_ip} {port}"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    try:
        wait_listening(instance_id, port)
        client = run_in("internet", f"echo ping | nc -N -w 2 {public_ip} {port}")
        heard, _ = listener.communicate(timeout=10)
    finally:
        if listener.poll() is None:
            os.killpg(listener.pid, signal.SIGKILL)
            listener.communicate()
    return client.stdout.strip() == "pong" and heard.strip() == "ping"


def pings(target, address):
    return run_in(target, f"ping -c1 -W1 {address}").returncode == 0


def public_vpc(ec2, vpc_cidr, subnet_cidr):
    """Seed 001's network: a VPC, a subnet, an attached IGW and 0.0.0.0/0 → IGW in the main
    route table (found with a vpc-id filter). Returns (vpc, subnet, igw, main table)."""
    vpc = ec2.create_vpc(CidrBlock=vpc_cidr)["Vpc"]["VpcId"]
    sub = subnet(ec2, vpc, subnet_cidr)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    return vpc, sub, igw, main


def open_group(ec2, vpc):
    """Seed 001's security group: tcp 22, 25 and 80 from anywhere (and ping)."""
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        *({"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]} for p in (22, 25, 80)),
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
    ])
    return group


def eip(ec2, eni_id, private_ip):
    """Allocates an Elastic IP and associates it with one private address of an ENI."""
    allocation = ec2.allocate_address(Domain="vpc")
    ec2.associate_address(AllocationId=allocation["AllocationId"], NetworkInterfaceId=eni_id,
                          PrivateIpAddress=private_ip)
    return allocation["PublicIp"], allocation["AllocationId"]


def primary_eni(ec2, instance_id):
    reservation = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]
    return reservation["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"]


def route_state(ec2, table, destination):
    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    return next(r["State"] for r in routes if r["DestinationCidrBlock"] == destination)


def test_seed_001_each_private_ip_goes_out_and_comes_in_through_its_own_eip(dp):
    """Seed 001: one ENI with 192.168.1.100 and a secondary 192.168.1.101, an EIP on each. The
    generic image brings up only the primary; once the secondary is added by hand, outbound
    traffic from each source leaves through its own EIP and inbound traffic to each EIP reaches
    the listener on its private IP. The instance never sees a public address."""
    srv, ec2 = dp
    vpc, sub, _, _ = public_vpc(ec2, "192.168.1.0/24", "192.168.1.0/24")
    group = open_group(ec2, vpc)
    eni = ec2.create_network_interface(SubnetId=sub, PrivateIpAddress="192.168.1.100", Groups=[group])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni, PrivateIpAddresses=["192.168.1.101"])
    eip_primary, _ = eip(ec2, eni, "192.168.1.100")
    eip_secondary, _ = eip(ec2, eni, "192.168.1.101")
    inst = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.medium", MinCount=1, MaxCount=1,
                             NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": eni}])["Instances"][0]["InstanceId"]
    assert my_ip(inst) == eip_primary
    assert my_ip(inst, "192.168.1.101") is None, "the secondary is not configured yet"
    assert reaches(inst, "192.168.1.100", eip_primary, 80)
    in_guest(inst, "ip addr add 192.168.1.101/24 dev eth0 label eth0:1")
    assert my_ip(inst, "192.168.1.100") == eip_primary
    assert my_ip(inst, "192.168.1.101") == eip_secondary
    assert reaches(inst, "192.168.1.101", eip_secondary, 25)
    assert not reaches(inst, "192.168.1.100", eip_secondary, 25), "each EIP reaches its own private IP"
    addresses = run_in(inst, "ip -4 -o addr").stdout
    assert eip_primary not in addresses and eip_secondary not in addresses
    # The internet's own hosts: the whole test block answers.
    assert pings("internet", "192.0.2.77")
    assert run_in("internet", f"curl -sS --max-time 2 {WHAT_IS_MY_IP}").stdout == "192.0.2.1\n"


def test_seed_004_a_moved_eni_takes_its_private_ip_and_eip_to_the_standby(dp):
    """Seed 004's cheap high availability: a secondary ENI with an EIP moves from the primary
    instance to a standby, and its private IP and its EIP reach the standby."""
    srv, ec2 = dp
    vpc, sub, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    group = open_group(ec2, vpc)
    primary = launch(ec2, sub, "10.0.1.10")
    standby = launch(ec2, sub, "10.0.1.11")
    client = launch(ec2, sub, "10.0.1.12")
    floating = ec2.create_network_interface(SubnetId=sub, PrivateIpAddress="10.0.1.50", Groups=[group])["NetworkInterface"]["NetworkInterfaceId"]
    public, _ = eip(ec2, floating, "10.0.1.50")
    ec2.describe_instances()  # pending → running
    attachment = ec2.attach_network_interface(NetworkInterfaceId=floating, InstanceId=primary, DeviceIndex=1)["AttachmentId"]
    agent(srv, primary)
    assert my_ip(primary, "10.0.1.50") == public
    assert reaches(primary, "10.0.1.50", public)
    ec2.detach_network_interface(AttachmentId=attachment)
    assert not pings(client, "10.0.1.50")
    ec2.attach_network_interface(NetworkInterfaceId=floating, InstanceId=standby, DeviceIndex=1)
    agent(srv, standby)
    assert my_ip(standby, "10.0.1.50") == public
    assert reaches(standby, "10.0.1.50", public)
    assert pings(client, "10.0.1.50")


def test_no_public_address_no_internet(dp):
    srv, ec2 = dp
    vpc, sub, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    inst = launch(ec2, sub, "10.0.1.10")
    assert my_ip(inst) is None
    assert not pings(inst, "192.0.2.1")
    public, allocation = eip(ec2, primary_eni(ec2, inst), "10.0.1.10")
    assert my_ip(inst) == public
    association = ec2.describe_addresses(AllocationIds=[allocation])["Addresses"][0]["AssociationId"]
    ec2.disassociate_address(AssociationId=association)
    assert my_ip(inst) is None
    # An auto-assigned public IP works the same way.
    ec2.modify_subnet_attribute(SubnetId=sub, MapPublicIpOnLaunch={"Value": True})
    auto = launch(ec2, sub, "10.0.1.11")
    public_ip = ec2.describe_instances(InstanceIds=[auto])["Reservations"][0]["Instances"][0]["PublicIpAddress"]
    assert my_ip(auto) == public_ip


def test_a_route_table_without_an_igw_route_has_no_internet(dp):
    srv, ec2 = dp
    vpc, public_subnet, igw, main = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    private_subnet = subnet(ec2, vpc, "10.0.2.0/24")
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=private_subnet)
    inside = launch(ec2, private_subnet, "10.0.2.10")
    outside = launch(ec2, public_subnet, "10.0.1.10")
    public_inside, _ = eip(ec2, primary_eni(ec2, inside), "10.0.2.10")
    public_outside, _ = eip(ec2, primary_eni(ec2, outside), "10.0.1.10")
    assert my_ip(outside) == public_outside
    assert my_ip(inside) is None, "its table has only the local route"
    assert pings(inside, "10.0.1.10"), "local still reaches the rest of the VPC"
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert my_ip(inside) == public_inside
    ec2.delete_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0")
    assert my_ip(outside) is None
    assert my_ip(inside) == public_inside


def test_a_route_to_a_deleted_interface_is_a_blackhole(dp):
    """Longest prefix wins: 192.0.2.0/25 through an ENI, the rest of the internet through the
    IGW; once the ENI is deleted the route is a blackhole and the /25 is unreachable."""
    srv, ec2 = dp
    vpc, sub, _, main = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    group = open_group(ec2, vpc)
    inst = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.medium", MinCount=1, MaxCount=1,
                             SubnetId=sub, PrivateIpAddress="10.0.1.10", SecurityGroupIds=[group])["Instances"][0]["InstanceId"]
    eip(ec2, primary_eni(ec2, inst), "10.0.1.10")
    assert pings(inst, "192.0.2.1") and pings(inst, "192.0.2.200")
    spare = ec2.create_network_interface(SubnetId=sub)["NetworkInterface"]["NetworkInterfaceId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="192.0.2.0/25", NetworkInterfaceId=spare)
    ec2.delete_network_interface(NetworkInterfaceId=spare)
    assert route_state(ec2, main, "192.0.2.0/25") == "blackhole"
    assert not pings(inst, "192.0.2.1")
    assert pings(inst, "192.0.2.200")


def test_a_nat_instance_routes_a_private_subnet_out_once_its_source_dest_check_is_off(dp):
    """A NAT instance in the public subnet (forwarding on, masquerading with nft in its own
    namespace); the private subnet's default route targets it. With the source/dest check on,
    the VPC drops both what it is sent to forward (the destination half) and the translated
    replies it sends on (the source half); either half alone keeps the private instance offline,
    so this test cannot tell them apart (test_vpc_paths.py isolates each). With the check off,
    the private instance reaches the internet through the NAT instance's EIP. Stopping the NAT
    instance makes the route a blackhole."""
    srv, ec2 = dp
    vpc, public_subnet, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.0.0/24")
    private_subnet = subnet(ec2, vpc, "10.0.1.0/24")
    nat = launch(ec2, public_subnet, "10.0.0.10")
    private = launch(ec2, private_subnet, "10.0.1.10")
    public, _ = eip(ec2, primary_eni(ec2, nat), "10.0.0.10")
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=private_subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", InstanceId=nat)
    in_guest(nat, "echo 1 > /proc/sys/net/ipv4/ip_forward && nft add table ip nat"
                  " && nft 'add chain ip nat post { type nat hook postrouting priority srcnat; }'"
                  " && nft add rule ip nat post oifname eth0 ip saddr 10.0.1.0/24 masquerade")
    ec2.describe_instances()  # pending → running
    assert route_state(ec2, table, "0.0.0.0/0") == "active"
    assert my_ip(nat) == public
    assert my_ip(private) is None, "source/dest check on"
    ec2.modify_instance_attribute(InstanceId=nat, SourceDestCheck={"Value": False})
    assert my_ip(private) == public
    # The same route through the NAT instance's ENI rather than the instance.
    ec2.replace_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=primary_eni(ec2, nat))
    assert my_ip(private) == public
    ec2.replace_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", InstanceId=nat)
    ec2.stop_instances(InstanceIds=[nat])
    ec2.describe_instances()  # stopping → stopped
    assert route_state(ec2, table, "0.0.0.0/0") == "blackhole"
    assert my_ip(private) is None


def test_a_restarted_server_adopts_the_routing_and_serves_the_internet_again(dp):
    """After `kill -9`, a new server adopts the routers' rules, tables, uplinks and NAT as they
    are (the network never stopped), and serves "what is my IP" again."""
    srv, ec2 = dp
    _, sub, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    inst = launch(ec2, sub, "10.0.1.10")
    public, _ = eip(ec2, primary_eni(ec2, inst), "10.0.1.10")
    assert my_ip(inst) == public
    srv.proc.kill()
    srv.proc.wait()
    assert pings(inst, "192.0.2.9"), "the network outlives the server"
    again = Server(srv.data_dir, extra_args=["--dataplane"])
    try:
        assert my_ip(inst) == public
        with open(again.log.name) as log:
            ready = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in log if "data plane ready" in line]
        assert ready and ready[-1].rstrip().endswith("changes=0"), "nothing to change after a restart"
    finally:
        again.stop()


def test_an_instance_reaches_another_through_its_eip_as_the_internet_does(dp):
    """Hairpin through the gateway: from one instance to another's EIP, the packet leaves with
    the sender's EIP as source and comes back in through the 1:1 NAT."""
    srv, ec2 = dp
    vpc, sub, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    group = open_group(ec2, vpc)
    a, b = (ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.medium", MinCount=1, MaxCount=1,
                              SubnetId=sub, PrivateIpAddress=f"10.0.1.{n}", SecurityGroupIds=[group])["Instances"][0]["InstanceId"]
            for n in (10, 11))
    public_a, _ = eip(ec2, primary_eni(ec2, a), "10.0.1.10")
    public_b, _ = eip(ec2, primary_eni(ec2, b), "10.0.1.11")
    listener = subprocess.Popen([BINARY, "exec", b, "--", "sh", "-c", "timeout 5 nc -v -n -l 10.0.1.11 80"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    try:
        wait_listening(b, 80)
        run_in(a, f"echo hello | nc -N -w 2 {public_b} 80")
        heard, log = listener.communicate(timeout=10)
    finally:
        if listener.poll() is None:
            os.killpg(listener.pid, signal.SIGKILL)
            listener.communicate()
    assert heard.strip() == "hello"
    assert f"Connection received on {public_a} " in log, "the receiver sees the sender's EIP"
