"""NAT gateways with real packets (issue 15): a private subnet's instances reach the internet
through a public NAT gateway as its Elastic IP, and nothing reaches them (or the gateway) from
there; without the route, the internet gateway or the gateway itself, traffic stops where AWS
stops it; a private NAT gateway translates to its private address inside the VPC and gets
nothing through an internet gateway.

Needs root; run inside scripts/isolated. The `dp` fixture (test_dataplane.py) runs a server with
the data plane and always tears the network down."""
import os
import signal
import subprocess
import time

import pytest

from conftest import BINARY
from test_dataplane import dp, launch, lvpc_namespaces, subnet  # noqa: F401  (dp is a fixture)
from test_internet import my_ip, pings, public_vpc, route_state, run_in, wait_listening

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")


def private_subnet(ec2, vpc, cidr):
    """A subnet with its own route table (only the local route). Returns (subnet, table)."""
    sub = subnet(ec2, vpc, cidr)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=sub)
    return sub, table


def available(ec2, nat_id):
    ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat_id],
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]


def nat_ns(nat_id):
    return "lvpc-n-" + nat_id.split("-", 1)[1]


def source_seen(server_id, listen_ip, client_id, address, port=8080):
    """The source address a TCP connection from `client_id` to address:port arrives with at a
    listener in `server_id`, or None when it does not get there."""
    script = ("import socket\n"
              "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
              f"s.bind(('{listen_ip}', {port})); s.listen(); s.settimeout(5)\n"
              "c, peer = s.accept(); c.sendall(b'pong'); c.close(); print(peer[0])\n")
    listener = subprocess.Popen([BINARY, "exec", server_id, "--", "python3", "-c", script],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    try:
        wait_listening(server_id, port)
        client = run_in(client_id, f"nc -N -w 2 {address} {port} </dev/null")
        seen, _ = listener.communicate(timeout=10)
    finally:
        if listener.poll() is None:
            os.killpg(listener.pid, signal.SIGKILL)
            listener.communicate()
    return seen.strip() if client.stdout.strip() == "pong" else None


def test_a_private_instance_reaches_the_internet_as_the_nat_gateways_elastic_ip(dp):
    srv, ec2 = dp
    vpc, public_subnet, igw, main = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    private, table = private_subnet(ec2, vpc, "10.0.2.0/24")
    eip = ec2.allocate_address(Domain="vpc")
    started = time.monotonic()
    nat_id = ec2.create_nat_gateway(SubnetId=public_subnet, AllocationId=eip["AllocationId"])["NatGateway"]["NatGatewayId"]
    nat = available(ec2, nat_id)
    private_ip = nat["NatGatewayAddresses"][0]["PrivateIp"]
    inside = launch(ec2, private, "10.0.2.10")
    assert my_ip(inside) is None, "no route to the NAT gateway yet: only the local route"
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    assert route_state(ec2, table, "0.0.0.0/0") == "active"
    assert my_ip(inside) == eip["PublicIp"]
    print(f"CreateNatGateway → first reply through it: {time.monotonic() - started:.2f} s")
    assert pings(inside, "192.0.2.1"), "ICMP goes through too"
    # Only replies come back: the Elastic IP answers nothing, the gateway no ping.
    assert not pings("internet", eip["PublicIp"])
    assert run_in("internet", f"nc -z -w 1 {eip['PublicIp']} 80").returncode != 0
    assert not pings(inside, private_ip), "a NAT gateway answers no ping"
    # The gateway's own subnet needs its route to the internet gateway.
    ec2.delete_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0")
    assert my_ip(inside) is None
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert my_ip(inside) == eip["PublicIp"]
    # Deleted: the route is a blackhole, the namespace is gone, the Elastic IP is free again.
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert route_state(ec2, table, "0.0.0.0/0") == "blackhole"
    assert my_ip(inside) is None
    assert nat_ns(nat_id) not in lvpc_namespaces()


def test_a_nat_gateway_namespace_is_in_its_subnet_on_its_interface(dp):
    srv, ec2 = dp
    vpc, public_subnet, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    eip = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=public_subnet, AllocationId=eip["AllocationId"],
                                 PrivateIpAddress="10.0.1.50")["NatGateway"]
    eni_id = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    mac = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]["MacAddress"]
    ns = nat_ns(nat["NatGatewayId"])
    assert ns in lvpc_namespaces()
    addr = subprocess.run(["ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "eth0"],
                          capture_output=True, text=True, check=True).stdout
    assert "10.0.1.50/24" in addr
    link = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "dev", "eth0"],
                          capture_output=True, text=True, check=True).stdout
    assert mac in link
    neighbour = launch(ec2, public_subnet, "10.0.1.10")
    assert not pings(neighbour, "10.0.1.50"), "a NAT gateway answers no ping"


def test_without_a_nat_gateway_the_route_carries_nothing(dp):
    """A failed gateway (no internet gateway in its VPC) never forwards: its route is a
    blackhole, as DescribeRouteTables says."""
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    public_subnet = subnet(ec2, vpc, "10.0.1.0/24")
    private, table = private_subnet(ec2, vpc, "10.0.2.0/24")
    eip = ec2.allocate_address(Domain="vpc")
    nat_id = ec2.create_nat_gateway(SubnetId=public_subnet, AllocationId=eip["AllocationId"])["NatGateway"]["NatGatewayId"]
    failed = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]
    assert (failed["State"], failed["FailureCode"]) == ("failed", "Gateway.NotAttached")
    assert nat_ns(nat_id) not in lvpc_namespaces()


def test_a_private_nat_gateway_translates_inside_the_vpc_and_gets_nothing_from_an_igw(dp):
    srv, ec2 = dp
    vpc, nat_subnet, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    clients, client_table = private_subnet(ec2, vpc, "10.0.2.0/24")
    servers = subnet(ec2, vpc, "10.0.3.0/24")
    nat_id = ec2.create_nat_gateway(SubnetId=nat_subnet, ConnectivityType="private",
                                    PrivateIpAddress="10.0.1.60")["NatGateway"]["NatGatewayId"]
    available(ec2, nat_id)
    client = launch(ec2, clients, "10.0.2.10")
    server = launch(ec2, servers, "10.0.3.10")
    assert source_seen(server, "10.0.3.10", client, "10.0.3.10") == "10.0.2.10", "local route"
    # Middlebox routing: the servers' subnet through the NAT gateway.
    ec2.create_route(RouteTableId=client_table, DestinationCidrBlock="10.0.3.0/24", NatGatewayId=nat_id)
    assert source_seen(server, "10.0.3.10", client, "10.0.3.10") is None, \
        "the server's default group admits its members, and the NAT gateway is none"
    default_group = ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=default_group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.0.1.60/32"}]}])
    assert source_seen(server, "10.0.3.10", client, "10.0.3.10") == "10.0.1.60"
    # The internet gateway drops what comes from an address with no public one.
    ec2.create_route(RouteTableId=client_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    assert route_state(ec2, client_table, "0.0.0.0/0") == "active"
    assert my_ip(client) is None


def test_secondary_addresses_take_new_flows_in_turn_each_as_its_own_eip(dp):
    srv, ec2 = dp
    vpc, public_subnet, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    private, table = private_subnet(ec2, vpc, "10.0.2.0/24")
    eips = [ec2.allocate_address(Domain="vpc") for _ in range(2)]
    nat_id = ec2.create_nat_gateway(SubnetId=public_subnet, AllocationId=eips[0]["AllocationId"],
                                    SecondaryAllocationIds=[eips[1]["AllocationId"]])["NatGateway"]["NatGatewayId"]
    nat = available(ec2, nat_id)
    assert len(nat["NatGatewayAddresses"]) == 2
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    inside = launch(ec2, private, "10.0.2.10")
    seen = {my_ip(inside) for _ in range(4)}
    assert seen == {e["PublicIp"] for e in eips}


def test_an_elastic_ip_associated_later_takes_new_flows_and_leaves_when_disassociated(dp):
    srv, ec2 = dp
    vpc, public_subnet, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    private, table = private_subnet(ec2, vpc, "10.0.2.0/24")
    first, second = (ec2.allocate_address(Domain="vpc") for _ in range(2))
    nat_id = ec2.create_nat_gateway(SubnetId=public_subnet, AllocationId=first["AllocationId"])["NatGateway"]["NatGatewayId"]
    available(ec2, nat_id)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    inside = launch(ec2, private, "10.0.2.10")
    assert {my_ip(inside) for _ in range(2)} == {first["PublicIp"]}
    association = ec2.associate_nat_gateway_address(
        NatGatewayId=nat_id, AllocationIds=[second["AllocationId"]])["NatGatewayAddresses"][0]["AssociationId"]
    assert {my_ip(inside) for _ in range(4)} == {first["PublicIp"], second["PublicIp"]}
    ec2.disassociate_nat_gateway_address(NatGatewayId=nat_id, AssociationIds=[association])
    seen = {my_ip(inside) for _ in range(4)}
    assert second["PublicIp"] not in seen and first["PublicIp"] in seen


ECHO_SERVER = ("import socket\n"
               "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
               "s.bind(('192.0.2.1', 9000)); s.listen(); s.settimeout(30)\n"
               "c, _ = s.accept()\n"
               "while (data := c.recv(64)):\n"
               "    c.sendall(data)\n")

# Sends once, reports, waits for a line on stdin, then sends again on the same connection.
LONG_CLIENT = ("import socket, sys\n"
               "s = socket.create_connection(('192.0.2.1', 9000), timeout=5)\n"
               "s.sendall(b'one'); print(s.recv(64).decode(), flush=True)\n"
               "sys.stdin.readline()\n"
               "try:\n"
               "    s.sendall(b'two'); print(s.recv(64).decode() or 'closed', flush=True)\n"
               "except ConnectionResetError:\n"
               "    print('reset', flush=True)\n")


def test_an_idle_connection_times_out_at_350_s_and_the_instance_then_gets_a_reset(dp):
    """AWS: a connection idle for 350 seconds times out, and the NAT gateway answers an
    instance that goes on sending on it with a TCP reset (not a FIN). The timeout is read from
    the gateway's connection table; its expiry is brought forward by deleting the entry."""
    srv, ec2 = dp
    vpc, public_subnet, igw, main = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    private, table = private_subnet(ec2, vpc, "10.0.2.0/24")
    eip = ec2.allocate_address(Domain="vpc")
    nat_id = ec2.create_nat_gateway(SubnetId=public_subnet, AllocationId=eip["AllocationId"])["NatGateway"]["NatGatewayId"]
    available(ec2, nat_id)
    inside = launch(ec2, private, "10.0.2.10")
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    server = subprocess.Popen([BINARY, "exec", "internet", "--", "python3", "-c", ECHO_SERVER],
                              start_new_session=True)
    client = None
    try:
        wait_listening("internet", 9000)
        client = subprocess.Popen([BINARY, "exec", inside, "--", "python3", "-c", LONG_CLIENT],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  start_new_session=True)
        assert client.stdout.readline().strip() == "one"
        conntrack = ["ip", "netns", "exec", nat_ns(nat_id), "conntrack"]
        entry = subprocess.run([*conntrack, "-L", "-p", "tcp", "--dport", "9000"],
                               capture_output=True, text=True, check=True).stdout
        # `tcp 6 <seconds left> ESTABLISHED src=…`: the gateway's 350 s, not Linux's 5 days.
        seconds_left = int(entry.split()[2])
        assert "ESTABLISHED" in entry and 340 <= seconds_left <= 350, entry
        subprocess.run([*conntrack, "-D", "-p", "tcp", "--dport", "9000"],
                       capture_output=True, check=True)
        out, _ = client.communicate("go\n", timeout=10)
        assert out.strip() == "reset"
        # A new connection after the timeout goes through as before.
        assert my_ip(inside) == eip["PublicIp"]
    finally:
        for proc in (client, server):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
