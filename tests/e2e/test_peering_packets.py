"""VPC peering with real packets (issue 15): an active connection links the two VPC routers,
also across accounts and regions; a flow passes only when both sides route the other's block to
the connection and both sides' security groups allow it; no transitive peering and no
edge-to-edge use of the peer's internet gateway; deleting or rejecting cuts traffic at once.

Needs root; run inside scripts/isolated. The `dp` fixture (test_dataplane.py) runs a server with
the data plane and always tears the network down."""
import os
import subprocess
import time

import pytest

from conftest import client, new_account
from test_dataplane import agent, attach, dp, launch, subnet  # noqa: F401  (dp is a fixture)
from test_internet import my_ip, pings, public_vpc, route_state
from test_nat_gateway_packets import source_seen

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")


def main_table(ec2, vpc):
    return ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]


def open_to(ec2, vpc, cidr):
    """A group admitting everything from `cidr` (the peer VPC's block)."""
    group = ec2.create_security_group(GroupName=f"from-{cidr}", Description="peer", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": cidr}]}])
    return group


def instance(ec2, subnet_id, address, group):
    return ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.medium", MinCount=1,
                             MaxCount=1, SubnetId=subnet_id, PrivateIpAddress=address,
                             SecurityGroupIds=[group])["Instances"][0]["InstanceId"]


def link_mtu(vpc, pcx):
    """The MTU of the connection's link in the VPC's router."""
    ns, link = "lvpc-r-" + vpc.split("-", 1)[1], "lvpc-" + pcx.split("-", 1)[1][:10]
    out = subprocess.run(["ip", "-n", ns, "-o", "link", "show", link], capture_output=True, text=True).stdout
    return int(out.split(" mtu ")[1].split()[0])


def side(ec2, cidr, subnet_cidr, address, zone, peer_cidr):
    """A VPC with one subnet and an instance open to the peer's block: (vpc, table, instance)."""
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock=subnet_cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
    return vpc, main_table(ec2, vpc), instance(ec2, sub, address, open_to(ec2, vpc, peer_cidr))


def test_across_accounts_and_regions_a_flow_needs_routes_on_both_sides_and_stops_on_delete(dp):
    srv, ec2 = dp
    peer_account = new_account()
    peer = client(srv.endpoint, peer_account, "eu-west-1")
    vpc_a, table_a, a = side(ec2, "10.0.0.0/16", "10.0.1.0/24", "10.0.1.10", "ap-northeast-1a", "10.1.0.0/16")
    vpc_b, table_b, b = side(peer, "10.1.0.0/16", "10.1.1.0/24", "10.1.1.10", "eu-west-1a", "10.0.0.0/16")
    assert not pings(a, "10.1.1.10"), "no connection yet"
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId=peer_account,
                                            PeerRegion="eu-west-1")["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.create_route(RouteTableId=table_a, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
    assert route_state(ec2, table_a, "10.1.0.0/16") == "blackhole"
    assert not pings(a, "10.1.1.10"), "pending acceptance: the route is a blackhole"
    started = time.monotonic()
    peer.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert route_state(ec2, table_a, "10.1.0.0/16") == "active"
    assert not pings(a, "10.1.1.10"), "the accepter has no route back yet"
    peer.create_route(RouteTableId=table_b, DestinationCidrBlock="10.0.1.0/24", VpcPeeringConnectionId=pcx)
    assert pings(a, "10.1.1.10") and pings(b, "10.0.1.10")
    print(f"AcceptVpcPeeringConnection → routes on both sides → first reply: {time.monotonic() - started:.2f} s")
    assert link_mtu(vpc_a, pcx) == link_mtu(vpc_b, pcx) == 1500, "AWS's MTU between regions"
    # TCP both ways, with the real source address (no NAT on a peering).
    assert source_seen(b, "10.1.1.10", a, "10.1.1.10") == "10.0.1.10"
    assert source_seen(a, "10.0.1.10", b, "10.0.1.10") == "10.1.1.10"
    # The receiving side's security group applies as to any other source.
    group_b = peer.describe_instances(InstanceIds=[b])["Reservations"][0]["Instances"][0]["SecurityGroups"][0]["GroupId"]
    peer.revoke_security_group_ingress(GroupId=group_b, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    assert not pings(a, "10.1.1.10")
    assert pings(b, "10.0.1.10"), "b's own flows still go out and come back"
    peer.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert route_state(ec2, table_a, "10.1.0.0/16") == "blackhole"
    assert not pings(b, "10.0.1.10"), "deleting the connection cuts it at once"


def test_no_transitive_peering_and_no_edge_to_edge_internet(dp):
    srv, ec2 = dp
    # B has an internet gateway; A peers with B, B with C.
    vpc_b, sub_b, igw, table_b = public_vpc(ec2, "10.1.0.0/16", "10.1.1.0/24")
    b = instance(ec2, sub_b, "10.1.1.10", open_to(ec2, vpc_b, "10.0.0.0/8"))
    vpc_a, table_a, a = side(ec2, "10.0.0.0/16", "10.0.1.0/24", "10.0.1.10", "ap-northeast-1a", "10.0.0.0/8")
    vpc_c, table_c, c = side(ec2, "10.2.0.0/16", "10.2.1.0/24", "10.2.1.10", "ap-northeast-1a", "10.0.0.0/8")

    def peered(x, y):
        pcx = ec2.create_vpc_peering_connection(VpcId=x, PeerVpcId=y)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        return pcx

    ab, bc = peered(vpc_a, vpc_b), peered(vpc_b, vpc_c)
    # A sends everything to B; B routes A and C to their connections and the rest to its IGW.
    ec2.create_route(RouteTableId=table_a, DestinationCidrBlock="0.0.0.0/0", VpcPeeringConnectionId=ab)
    ec2.create_route(RouteTableId=table_b, DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=ab)
    ec2.create_route(RouteTableId=table_b, DestinationCidrBlock="10.2.0.0/16", VpcPeeringConnectionId=bc)
    ec2.create_route(RouteTableId=table_c, DestinationCidrBlock="10.0.0.0/8", VpcPeeringConnectionId=bc)
    assert pings(a, "10.1.1.10") and pings(c, "10.1.1.10"), "each reaches B"
    assert link_mtu(vpc_a, ab) == 9001, "jumbo frames within a region"
    assert not pings(a, "10.2.1.10"), "A does not reach C through B"
    assert not pings(c, "10.0.1.10"), "nor C A"
    assert my_ip(b) is None, "b has no public address"
    assert my_ip(a) is None and not pings(a, "192.0.2.1"), "A does not use B's internet gateway"
    # Rejecting is final too: a new request between A and C is refused traffic until accepted.
    ac = ec2.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_c)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.replace_route(RouteTableId=table_a, DestinationCidrBlock="0.0.0.0/0", VpcPeeringConnectionId=ac)
    ec2.create_route(RouteTableId=table_c, DestinationCidrBlock="10.0.1.0/24", VpcPeeringConnectionId=ac)
    assert not pings(a, "10.2.1.10")
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=ac)
    assert pings(a, "10.2.1.10"), "a direct connection does"


def test_seed_002_the_same_two_workloads_reach_their_peer_through_a_dual_homed_eni_or_a_peering(dp):
    """Seed 002 weighs a multi-VPC ENI against VPC peering: an app in VPC A talks to a database
    in VPC B. Through the dual-homed ENI the database sees the ENI's address in B; through the
    peering it sees the app's own address in A. Both reach it; each is torn down in turn."""
    srv, ec2 = dp
    vpc_a, table_a, app = side(ec2, "10.0.0.0/16", "10.0.1.0/24", "10.0.1.10", "ap-northeast-1a", "10.1.0.0/16")
    vpc_b = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    sub_b = subnet(ec2, vpc_b, "10.1.1.0/24")
    group_b = open_to(ec2, vpc_b, "10.0.0.0/8")
    db = instance(ec2, sub_b, "10.1.1.10", group_b)
    assert source_seen(db, "10.1.1.10", app, "10.1.1.10") is None, "the VPCs start apart"

    # 1. The dual-homed ENI: eth1 of the app lives in B's subnet.
    eni = ec2.create_network_interface(SubnetId=sub_b, PrivateIpAddress="10.1.1.20",
                                       Groups=[group_b])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.describe_instances()  # pending → running
    attachment = attach(ec2, eni, app, 1)
    agent(srv, app)
    assert source_seen(db, "10.1.1.10", app, "10.1.1.10") == "10.1.1.20"
    ec2.detach_network_interface(AttachmentId=attachment, Force=True)
    ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])
    agent(srv, app)
    assert source_seen(db, "10.1.1.10", app, "10.1.1.10") is None

    # 2. The peering: routes both ways, the app's own address arrives.
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=table_a, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=main_table(ec2, vpc_b), DestinationCidrBlock="10.0.0.0/16",
                     VpcPeeringConnectionId=pcx)
    assert source_seen(db, "10.1.1.10", app, "10.1.1.10") == "10.0.1.10"


def test_a_group_of_the_peer_vpc_admits_its_members(dp):
    srv, ec2 = dp
    vpc_a, table_a, a = side(ec2, "10.0.0.0/16", "10.0.1.0/24", "10.0.1.10", "ap-northeast-1a", "10.1.0.0/16")
    vpc_b = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    group_b = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc_b)["GroupId"]
    instance(ec2, subnet(ec2, vpc_b, "10.1.1.0/24"), "10.1.1.10", group_b)
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=table_a, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
    ec2.create_route(RouteTableId=main_table(ec2, vpc_b), DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx)
    assert not pings(a, "10.1.1.10"), "b's group admits nobody yet"
    group_a = ec2.describe_instances(InstanceIds=[a])["Reservations"][0]["Instances"][0]["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group_b, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": group_a}]}])
    assert pings(a, "10.1.1.10"), "a is a member of the referenced peer group"
