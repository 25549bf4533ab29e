"""Paths across the data plane's features with real packets: route tables (ROUTE) meeting the
source/destination check, security groups and ACLs (FILTER), the internet gateway's NAT (ROUTE)
and the guest services (GUEST). Each test isolates one rule: a packet that only that rule stops.

Needs root, as CI has; run inside scripts/isolated. The `dp` fixture (test_dataplane.py) runs a
server with the data plane and always tears the network down."""
import os

import pytest

from test_dataplane import dp, in_guest, ping, source_dest_check, subnet  # noqa: F401  (dp is a fixture)
from test_filtering import acl_entry, associate, group, launch, primary_eni, udp_arrives
from test_guest import curl, dhcp
from test_internet import eip, my_ip, public_vpc, reaches, route_state

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")

EVERYTHING = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def open_group(ec2, vpc, name="open"):
    """A group that lets every packet in (and out, EC2's default egress)."""
    group_id = group(ec2, vpc, name)
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=EVERYTHING)
    return group_id


def internet_link(vpc):
    """The internet namespace's end of the VPC's uplink (`lvpc-` and 10 hex digits of its ID)."""
    return "lvpc-" + vpc.split("-", 1)[1][:10]


def appliance_network(ec2):
    """A VPC 10.0.0.0/16, subnet 10.0.1.0/24, an open group, a client at 10.0.1.10 and an
    appliance at 10.0.1.11: (vpc, subnet, group, client, appliance)."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1 = subnet(ec2, vpc, "10.0.1.0/24")
    sg = open_group(ec2, vpc)
    return vpc, s1, sg, launch(ec2, s1, "10.0.1.10", sg), launch(ec2, s1, "10.0.1.11", sg)


def test_the_destination_check_drops_what_a_route_sends_to_an_eni_for_others(dp):
    """A route table sends 10.99.0.0/24 to an appliance's ENI, and the appliance accepts
    10.99.0.5 (on its loopback). A one-way datagram shows the destination half of the check
    alone: with the check on, the VPC drops it at the appliance's port (it is not to one of the
    ENI's addresses); with the check off it is delivered. No reply is needed, so the source half
    plays no part."""
    srv, ec2 = dp
    vpc, s1, sg, client, appliance = appliance_network(ec2)
    eni = primary_eni(ec2, appliance)
    in_guest(appliance, "ip addr add 10.99.0.5/32 dev lo")
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="10.99.0.0/24", NetworkInterfaceId=eni)
    assert route_state(ec2, main, "10.99.0.0/24") == "active"
    assert udp_arrives(client, "10.0.1.10", appliance, "10.0.1.11"), "to the ENI's own address"
    assert not udp_arrives(client, "10.0.1.10", appliance, "10.99.0.5"), "the destination check is on"
    source_dest_check(ec2, eni, False)
    assert udp_arrives(client, "10.0.1.10", appliance, "10.99.0.5"), "the check is off"
    # The instance attribute is the primary ENI's.
    ec2.modify_instance_attribute(InstanceId=appliance, SourceDestCheck={"Value": True})
    assert not udp_arrives(client, "10.0.1.10", appliance, "10.99.0.5")
    ec2.replace_route(RouteTableId=main, DestinationCidrBlock="10.99.0.0/24", InstanceId=appliance)
    ec2.modify_instance_attribute(InstanceId=appliance, SourceDestCheck={"Value": False})
    assert udp_arrives(client, "10.0.1.10", appliance, "10.99.0.5"), "an instance target: its primary ENI"


def test_inbound_internet_traffic_obeys_the_security_group_and_the_network_acl(dp):
    """Through an EIP, the internet reaches only the ports the instance's group allows, while the
    replies to the instance's own outbound flows come back with its ingress closed. The subnet's
    ACL is stateless: allowing only port 80 in also drops the replies to the instance's
    ephemeral ports, until they are allowed; an inbound deny ahead of the allow wins."""
    srv, ec2 = dp
    vpc, sub, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    web = group(ec2, vpc, "web")
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    inst = launch(ec2, sub, "10.0.1.10", web)
    public, _ = eip(ec2, primary_eni(ec2, inst), "10.0.1.10")
    assert reaches(inst, "10.0.1.10", public, 80)
    assert not reaches(inst, "10.0.1.10", public, 8080), "the group allows port 80 only"
    assert my_ip(inst) == public, "replies to an outbound flow pass a closed ingress"
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    acl_entry(ec2, acl, 100, "allow", protocol="6", ports=(80, 80))
    acl_entry(ec2, acl, 100, "allow", egress=True)
    associate(ec2, sub, acl)
    assert reaches(inst, "10.0.1.10", public, 80)
    assert my_ip(inst) is None, "stateless: the reply to the ephemeral port is not allowed in"
    acl_entry(ec2, acl, 200, "allow", protocol="6", ports=(1024, 65535))
    assert my_ip(inst) == public
    acl_entry(ec2, acl, 50, "deny", protocol="6", ports=(80, 80))
    assert not reaches(inst, "10.0.1.10", public, 80), "an inbound deny ahead of the allow"
    ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Egress=False)
    assert reaches(inst, "10.0.1.10", public, 80)
    acl_entry(ec2, acl, 50, "deny", egress=True, protocol="6", ports=(1024, 65535))
    assert not reaches(inst, "10.0.1.10", public, 80), "the answer to the ephemeral port may not leave"
    assert my_ip(inst) == public, "outbound to port 80 still leaves"


def test_imds_and_dhcp_answer_whatever_the_group_and_the_acl_say(dp, tmp_path):
    """AWS filters neither the instance metadata service nor DHCP: with a group that allows
    nothing either way and a subnet ACL that denies everything, both still answer (while the
    instance is cut off from its neighbour)."""
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1, s2 = subnet(ec2, vpc, "10.0.1.0/24"), subnet(ec2, vpc, "10.0.2.0/24")
    closed = group(ec2, vpc, "closed")
    ec2.revoke_security_group_egress(GroupId=closed, IpPermissions=EVERYTHING)
    inst = launch(ec2, s1, "10.0.1.10", closed)
    neighbour = launch(ec2, s2, "10.0.2.10", open_group(ec2, vpc))
    associate(ec2, s1, ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"])
    assert not ping(inst, "10.0.2.10") and not ping(neighbour, "10.0.1.10")
    assert curl(inst, "/latest/meta-data/instance-id") == (200, inst)
    assert curl(inst, "/latest/meta-data/local-ipv4") == (200, "10.0.1.10")
    lease = dhcp(inst, "eth0", tmp_path)
    assert (lease["ip"], lease["router"], lease["dns"]) == ("10.0.1.10", "10.0.1.1", "10.0.0.2")


def test_the_internet_cannot_reach_a_private_address_even_with_a_nat_instance(dp):
    """A private subnet whose default route is a NAT instance (check off, masquerading): its
    instance, with no public address, goes out through the NAT instance's EIP, yet nothing the
    internet sends reaches it — not even a packet the internet routes to its private address
    through the gateway, since the gateway only lets in what is addressed to a public IP."""
    srv, ec2 = dp
    vpc, public_subnet, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.0.0/24")
    private_subnet = subnet(ec2, vpc, "10.0.1.0/24")
    sg = open_group(ec2, vpc)
    nat = launch(ec2, public_subnet, "10.0.0.10", sg)
    private = launch(ec2, private_subnet, "10.0.1.10", sg)
    nat_public, _ = eip(ec2, primary_eni(ec2, nat), "10.0.0.10")
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=private_subnet)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", InstanceId=nat)
    ec2.modify_instance_attribute(InstanceId=nat, SourceDestCheck={"Value": False})
    in_guest(nat, "echo 1 > /proc/sys/net/ipv4/ip_forward && nft add table ip nat"
                  " && nft 'add chain ip nat post { type nat hook postrouting priority srcnat; }'"
                  " && nft add rule ip nat post oifname eth0 ip saddr 10.0.1.0/24 masquerade")
    assert my_ip(private) == nat_public, "out through the NAT instance"
    # The internet routes the VPC's private block to the gateway (`proto static`: not a route
    # of localvpc's, which adds its own as `proto boot`).
    in_guest("internet", f"ip route add 10.0.0.0/16 via 169.254.0.1 dev {internet_link(vpc)} onlink proto static")
    assert not udp_arrives("internet", "192.0.2.1", private, "10.0.1.10"), "no public address, no way in"
    assert not udp_arrives("internet", "192.0.2.1", nat, "10.0.0.10"), "nor to the NAT instance's private address"
    assert udp_arrives("internet", "192.0.2.1", nat, nat_public), "its EIP is the way in"
    assert not reaches(private, "10.0.1.10", nat_public, 9999), "which leads to the NAT instance only"


def test_a_guest_spoofing_another_instances_source_does_not_reach_the_internet(dp):
    """An instance sends with the private address of a neighbour that has an EIP: the gateway
    would translate it to the neighbour's EIP, so only the VPC's source check stops it."""
    srv, ec2 = dp
    vpc, sub, _, _ = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    sg = open_group(ec2, vpc)
    spoofer = launch(ec2, sub, "10.0.1.10", sg)
    neighbour = launch(ec2, sub, "10.0.1.11", sg)
    eip(ec2, primary_eni(ec2, spoofer), "10.0.1.10")
    eip(ec2, primary_eni(ec2, neighbour), "10.0.1.11")
    in_guest(spoofer, "ip addr add 10.0.1.11/32 dev eth0")
    assert udp_arrives(spoofer, "10.0.1.10", "internet", "192.0.2.7"), "from its own address"
    assert not udp_arrives(spoofer, "10.0.1.11", "internet", "192.0.2.7"), "the source check drops it"
    source_dest_check(ec2, primary_eni(ec2, spoofer), False)
    assert udp_arrives(spoofer, "10.0.1.11", "internet", "192.0.2.7"), "with the check off it leaves"


def test_a_route_table_decides_where_packets_leave_a_subnet_not_which_enter_it(dp):
    """The subnet's table blackholes 192.0.2.0/25 (its target ENI is deleted). AWS applies a
    route table to traffic leaving the subnet only, so a datagram from 192.0.2.1 still reaches
    the instance through its EIP (only answering it is impossible)."""
    srv, ec2 = dp
    vpc, sub, _, main = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    inst = launch(ec2, sub, "10.0.1.10", open_group(ec2, vpc))
    public, _ = eip(ec2, primary_eni(ec2, inst), "10.0.1.10")
    spare = ec2.create_network_interface(SubnetId=sub)["NetworkInterface"]["NetworkInterfaceId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="192.0.2.0/25", NetworkInterfaceId=spare)
    ec2.delete_network_interface(NetworkInterfaceId=spare)
    assert route_state(ec2, main, "192.0.2.0/25") == "blackhole"
    assert my_ip(inst) is None, "the answer to 192.0.2.1 is blackholed"
    assert udp_arrives("internet", "192.0.2.1", inst, public), "inbound is not the table's business"
    assert udp_arrives("internet", "192.0.2.200", inst, public)

def test_a_route_to_an_eni_is_active_only_while_a_running_instance_holds_it(dp):
    """AWS shows a route whose target is not available as a `blackhole`: an ENI that is
    detached, or whose instance is stopped, receives nothing. DescribeRouteTables and the
    packets agree at every step."""
    srv, ec2 = dp
    vpc, s1, sg, client, appliance = appliance_network(ec2)
    eni = ec2.create_network_interface(SubnetId=s1, PrivateIpAddress="10.0.1.20", Groups=[sg])["NetworkInterface"]["NetworkInterfaceId"]
    source_dest_check(ec2, eni, False)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="10.99.0.0/24", NetworkInterfaceId=eni)
    assert route_state(ec2, main, "10.99.0.0/24") == "blackhole", "detached"

    def configure():
        in_guest(appliance, "sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0"
                            " && ip link set eth1 up && ip addr replace 10.99.0.5/32 dev lo")

    attachment = ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=appliance, DeviceIndex=1)["AttachmentId"]
    configure()
    assert route_state(ec2, main, "10.99.0.0/24") == "active"
    assert udp_arrives(client, "10.0.1.10", appliance, "10.99.0.5")
    ec2.stop_instances(InstanceIds=[appliance])
    ec2.describe_instances()  # stopping → stopped
    assert route_state(ec2, main, "10.99.0.0/24") == "blackhole", "its instance is stopped"
    ec2.start_instances(InstanceIds=[appliance])
    configure()
    assert route_state(ec2, main, "10.99.0.0/24") == "active"
    assert udp_arrives(client, "10.0.1.10", appliance, "10.99.0.5")
    ec2.detach_network_interface(AttachmentId=attachment)
    assert route_state(ec2, main, "10.99.0.0/24") == "blackhole"
    states = ec2.describe_route_tables(Filters=[{"Name": "route.state", "Values": ["blackhole"]}])["RouteTables"]
    assert [t["RouteTableId"] for t in states] == [main], "the route.state filter agrees"
