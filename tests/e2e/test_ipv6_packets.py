"""The IPv6 data plane with real packets: dual-stack instances reach each other across subnets
through the VPC router, security groups and network ACLs filter IPv6 in the same tables as IPv4,
the internet gateway routes IPv6 without translation to the internet's IPv6 test host
(3fff:0:0:2::10, which also answers "what is my IP" on port 80), and an egress-only gateway
lets out what starts inside and nothing that starts outside.

Needs root, as CI has; run inside scripts/isolated."""
import ipaddress
import os
import signal
import subprocess

import pytest

from conftest import BINARY
from test_dataplane import ZONE, dp  # noqa: F401  (dp is a fixture)
from test_internet import run_in, wait_listening

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")

TEST_HOST6 = "3fff:0:0:2::10"


def dual_stack_vpc(ec2, subnets=1):
    """A VPC with an Amazon-provided /56 and `subnets` dual-stack subnets (10.0.N.0/24 with
    the /56's N-th /64): (vpc, [subnet ids])."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    block = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    sixty_fours = list(ipaddress.ip_network(block).subnets(new_prefix=64))
    ids = []
    for n in range(1, subnets + 1):
        ids.append(ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24",
                                     Ipv6CidrBlock=str(sixty_fours[n]),
                                     AvailabilityZone=ZONE)["Subnet"]["SubnetId"])
    return vpc, ids


def group(ec2, vpc, name, ingress=(), egress=()):
    """A security group whose egress is `egress` (AWS's default IPv4 egress stays) and ingress
    `ingress` (IpPermissions)."""
    gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    if ingress:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(ingress))
    if egress:
        ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=list(egress))
    return gid


ALL_V6 = {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
PORT_80_V6 = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
PING_V6 = {"IpProtocol": "icmpv6", "FromPort": -1, "ToPort": -1, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
ALL_V4 = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def launch6(ec2, subnet, address, groups):
    """A generic-image instance with one IPv6 address: (instance id, its IPv6, its IPv4)."""
    out = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.medium", MinCount=1,
                            MaxCount=1, SubnetId=subnet, PrivateIpAddress=address,
                            Ipv6AddressCount=1, SecurityGroupIds=groups)["Instances"][0]
    return out["InstanceId"], out["NetworkInterfaces"][0]["Ipv6Addresses"][0]["Ipv6Address"], address


def pings(target, address, tries=1):
    """Whether `address` answers a ping from `target`, in up to `tries` attempts (the first
    packets of a new link wait for neighbour discovery)."""
    for _ in range(tries):
        if run_in(target, f"ping -c1 -W1 {address}").returncode == 0:
            return True
    return False


def connects(server, listen, client, port=80):
    """Whether `client` (an instance or `internet`) opens a TCP connection to
    `listen`:`port` where `server` listens, and the two exchange a line each way."""
    listener = subprocess.Popen([BINARY, "exec", server, "--", "sh", "-c",
                                 f"echo pong | timeout 5 nc -N -l {listen} {port}"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    try:
        wait_listening(server, port)
        talk = run_in(client, f"echo ping | nc -N -w 2 {listen} {port}")
        heard, _ = listener.communicate(timeout=10)
    finally:
        if listener.poll() is None:
            os.killpg(listener.pid, signal.SIGKILL)
            listener.communicate()
    return talk.stdout.strip() == "pong" and heard.strip() == "ping"


def test_ipv6_between_subnets_follows_the_security_groups(dp):
    """Two dual-stack instances in two subnets: eth0 has its IPv6 address as a /128 and a
    default route via the router's fe80:ec2::1. The server's group first admits only IPv4:
    ping6 and TCP over IPv6 are dropped while IPv4 passes; `::/0` rules let IPv6 through. A
    group with only `::/0` on port 80 admits IPv6 and not IPv4."""
    srv, ec2 = dp
    vpc, (s1, s2) = dual_stack_vpc(ec2, subnets=2)
    client_group = group(ec2, vpc, "client", egress=[ALL_V6])
    server_group = group(ec2, vpc, "server", ingress=[ALL_V4])
    client, client6, _ = launch6(ec2, s1, "10.0.1.10", [client_group])
    server, server6, server4 = launch6(ec2, s2, "10.0.2.10", [server_group])
    addr = run_in(client, "ip -6 addr show dev eth0 scope global; ip -6 route show default").stdout
    assert f"{client6}/128" in addr and "default via fe80:ec2::1 dev eth0" in addr, addr
    assert pings(client, server4, tries=3), "IPv4 passes"
    assert not pings(client, server6, tries=2), "no IPv6 rule: dropped"
    assert not connects(server, server6, client)
    ec2.authorize_security_group_ingress(GroupId=server_group, IpPermissions=[PING_V6, PORT_80_V6])
    assert pings(client, server6, tries=3), "::/0 icmpv6 admits ping6"
    assert connects(server, server6, client), "::/0 tcp 80 admits IPv6"
    assert pings(server, client6, tries=1) is False, "the client's group admits nothing in"

    only_v6 = group(ec2, vpc, "only-v6-80", ingress=[PORT_80_V6])
    ec2.modify_network_interface_attribute(
        NetworkInterfaceId=ec2.describe_instances(InstanceIds=[server])["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"],
        Groups=[only_v6])
    assert connects(server, server6, client), "IPv6 port 80 admitted"
    assert not connects(server, server4, client), "IPv4 port 80 is not"


def test_the_network_acl_filters_ipv6_by_its_own_entries(dp):
    """The default ACL's rule 101 (`::/0` allow) carries IPv6 across subnets; a deny entry on
    the server's /64 ahead of it stops IPv6 and leaves IPv4 alone."""
    srv, ec2 = dp
    vpc, (s1, s2) = dual_stack_vpc(ec2, subnets=2)
    open_all = group(ec2, vpc, "open", ingress=[ALL_V4, ALL_V6], egress=[ALL_V6])
    client, _, _ = launch6(ec2, s1, "10.0.1.10", [open_all])
    server, server6, server4 = launch6(ec2, s2, "10.0.2.10", [open_all])
    assert pings(client, server6, tries=3)
    acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="-1", RuleAction="deny",
                                 Egress=False, Ipv6CidrBlock=str(ipaddress.ip_network(f"{server6}/64", strict=False)))
    assert pings(client, server4)
    assert not pings(client, server6, tries=2)


def public_dual_stack(ec2):
    """A dual-stack VPC, one subnet, an attached internet gateway: (vpc, subnet, igw, main)."""
    vpc, (sub,) = dual_stack_vpc(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    return vpc, sub, igw, main


def test_the_internet_gateway_routes_ipv6_untranslated_once_a_route_sends_it(dp):
    """Without `::/0 → igw` the instance reaches no IPv6 host; with it, the internet's test host
    sees the instance's own address, and a connection from the internet reaches it when its
    group allows."""
    srv, ec2 = dp
    vpc, sub, igw, main = public_dual_stack(ec2)
    web = group(ec2, vpc, "web", ingress=[PORT_80_V6, PING_V6], egress=[ALL_V6])
    instance, address6, _ = launch6(ec2, sub, "10.0.1.10", [web])
    assert not pings(instance, TEST_HOST6, tries=2), "no IPv6 route to the gateway"
    ec2.create_route(RouteTableId=main, DestinationIpv6CidrBlock="::/0", GatewayId=igw)
    assert pings(instance, TEST_HOST6, tries=3)
    seen = run_in(instance, f"curl -sS --max-time 2 http://[{TEST_HOST6}]/").stdout.strip()
    assert seen == address6, "no NAT for IPv6"
    assert connects(instance, address6, "internet"), "inbound through the gateway"


def test_an_egress_only_gateway_lets_out_and_back_but_not_in(dp):
    """`::/0 → eigw`: the instance reaches the internet's host and gets its replies; a new
    connection from the internet is dropped, though the group would admit it."""
    srv, ec2 = dp
    vpc, (sub,) = dual_stack_vpc(ec2)
    eigw = ec2.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    web = group(ec2, vpc, "web", ingress=[PORT_80_V6, PING_V6], egress=[ALL_V6])
    instance, address6, _ = launch6(ec2, sub, "10.0.1.10", [web])
    assert not pings(instance, TEST_HOST6, tries=2), "no route yet"
    ec2.create_route(RouteTableId=main, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
    assert pings(instance, TEST_HOST6, tries=3)
    seen = run_in(instance, f"curl -sS --max-time 2 http://[{TEST_HOST6}]/").stdout.strip()
    assert seen == address6
    assert not connects(instance, address6, "internet"), "inbound new connections are dropped"
    assert run_in("internet", f"ping -c1 -W1 {address6}").returncode != 0


def test_seed_003_over_ipv6_the_second_enis_address_answers_once_the_guest_routes_by_source(dp):
    """Seed 003 over IPv6: a second ENI (another subnet) with an IPv6 address is silent while
    unconfigured; with the address on eth1 but no policy routing its replies leave through eth0
    and the VPC's source check drops them; a per-ENI table and `ip -6 rule from <address>` (what
    amazon-ec2-net-utils sets up) make it answer."""
    srv, ec2 = dp
    vpc, (s1, s2) = dual_stack_vpc(ec2, subnets=2)
    open_all = group(ec2, vpc, "open", ingress=[ALL_V4, ALL_V6], egress=[ALL_V6])
    inst, inst6, _ = launch6(ec2, s1, "10.0.1.10", [open_all])
    peer, _, _ = launch6(ec2, s1, "10.0.1.11", [open_all])
    eni = ec2.create_network_interface(SubnetId=s2, PrivateIpAddress="10.0.2.20", Ipv6AddressCount=1,
                                       Groups=[open_all])["NetworkInterface"]
    second6 = eni["Ipv6Addresses"][0]["Ipv6Address"]
    ec2.attach_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"], InstanceId=inst, DeviceIndex=1)
    assert pings(peer, inst6, tries=3), "eth0 answers"
    assert not pings(peer, second6), "eth1 is unconfigured"
    run_in(inst, f"ip -6 addr add {second6}/128 dev eth1 nodad")
    assert not pings(peer, second6, tries=2), "the reply leaves through eth0: the VPC drops it"
    policy = (f"ip -6 route add default via fe80:ec2::1 dev eth1 table 10001 && "
              f"ip -6 rule add from {second6} lookup 10001 priority 10001")
    assert run_in(inst, policy).returncode == 0
    assert pings(peer, second6, tries=3), "per-ENI policy routing: eth1 answers"
    assert pings(peer, inst6)


def test_an_address_of_a_delegated_prefix_answers_once_the_guest_configures_it(dp):
    """An ENI with an IPv4 /28 and an IPv6 /80 prefix: an address from each is silent until the
    guest configures it, then answers (the router routes the prefixes to the ENI's port and the
    source/destination check admits them)."""
    srv, ec2 = dp
    vpc, (sub,) = dual_stack_vpc(ec2)
    open_all = group(ec2, vpc, "open", ingress=[ALL_V4, ALL_V6], egress=[ALL_V6])
    inst, _, _ = launch6(ec2, sub, "10.0.1.10", [open_all])
    peer, _, _ = launch6(ec2, sub, "10.0.1.11", [open_all])
    eni_id = ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"]
    v4 = ec2.assign_private_ip_addresses(NetworkInterfaceId=eni_id, Ipv4PrefixCount=1)["AssignedIpv4Prefixes"][0]["Ipv4Prefix"]
    v6 = ec2.assign_ipv6_addresses(NetworkInterfaceId=eni_id, Ipv6PrefixCount=1)["AssignedIpv6Prefixes"][0]
    from4 = str(ipaddress.ip_network(v4)[5])
    from6 = str(ipaddress.ip_network(v6)[5])
    assert not pings(peer, from4) and not pings(peer, from6), "not configured in the guest yet"
    in_guest = run_in(inst, f"ip addr add {from4}/32 dev eth0 && ip -6 addr add {from6}/128 dev eth0 nodad")
    assert in_guest.returncode == 0, in_guest.stderr
    assert pings(peer, from4, tries=3), "an address of the /28 answers"
    assert pings(peer, from6, tries=3), "an address of the /80 answers"


def test_imds_answers_at_fd00_ec2_254_only_with_http_protocol_ipv6_enabled(dp):
    """`http://[fd00:ec2::254]/` serves the instance's own metadata (its `ipv6`, its ENI's
    `ipv6s` and `subnet-ipv6-cidr-blocks`) when `HttpProtocolIpv6` is enabled; an instance
    without it gets no answer there, while 169.254.169.254 serves both."""
    srv, ec2 = dp
    vpc, (sub,) = dual_stack_vpc(ec2)
    open_all = group(ec2, vpc, "open", ingress=[ALL_V4, ALL_V6], egress=[ALL_V6])
    out = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.medium", MinCount=1,
                            MaxCount=1, SubnetId=sub, Ipv6AddressCount=1, SecurityGroupIds=[open_all],
                            MetadataOptions={"HttpEndpoint": "enabled", "HttpProtocolIpv6": "enabled"})
    with6 = out["Instances"][0]
    address6 = with6["NetworkInterfaces"][0]["Ipv6Addresses"][0]["Ipv6Address"]
    mac = with6["NetworkInterfaces"][0]["MacAddress"]
    without, _, _ = launch6(ec2, sub, "10.0.1.20", [open_all])

    def get(instance, base, path):
        run = run_in(instance, f"curl -sS --max-time 2 {base}/latest/meta-data/{path}")
        return run.stdout.strip() if run.returncode == 0 else None

    v6 = "http://[fd00:ec2::254]"
    for _ in range(3):
        seen = get(with6["InstanceId"], v6, "ipv6")
        if seen:
            break
    assert seen == address6
    assert get(with6["InstanceId"], v6, f"network/interfaces/macs/{mac}/ipv6s") == address6
    subnet6 = ec2.describe_subnets(SubnetIds=[sub])["Subnets"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    assert get(with6["InstanceId"], v6, f"network/interfaces/macs/{mac}/subnet-ipv6-cidr-blocks") == subnet6
    assert get(without, v6, "instance-id") is None, "HttpProtocolIpv6 disabled: no answer"
    assert get(without, "http://169.254.169.254", "instance-id") == without
