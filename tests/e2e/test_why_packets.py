"""`localvpc why` proven against real packets on the seeds' networks (issue 16): for seed 001
(two EIPs, a secondary IP the guest must configure), seed 003 (a second ENI in another subnet:
unconfigured, strict and loose rp_filter, the source check, the agent's fix, CentOS's stolen
default route) and seed 004 (two ENIs in one subnet), each flow is analyzed by `localvpc why`
(guest-aware: the server runs the data plane) and sent as a real TCP handshake in the
namespaces. They must agree: exit 0 ⇔ the handshake completes; when blocked, the component
`why` names is where the packet died (the guest's rp_filter counter moved, or the packet left
the guest by the named ENI's link and never arrived).

Needs root; run inside scripts/isolated."""
import json
import os
import socket
import subprocess

import pytest

from conftest import BINARY, client, new_account
from oracle import _in_ns, probe
from test_dataplane import GENERIC, dp, guest_ns, in_guest, launch, source_dest_check, subnet  # noqa: F401
from test_why_lint import localvpc

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")

CENTOS6 = "ami-0f9466cc946f3076b"  # seed 003's CentOS 6: eth0 only, no agent


def rp_filter_drops(instance_id):
    """The guest kernel's count of packets its reverse-path filter dropped."""
    out = subprocess.run(["ip", "netns", "exec", guest_ns(instance_id), "cat", "/proc/net/netstat"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    names, values = [line.split() for line in out if line.startswith("TcpExt:")][:2]
    return int(dict(zip(names, values))["IPReversePathFilter"])


def sent_by(instance_id, link):
    """Packets the guest sent out of `link`."""
    out = subprocess.run(["ip", "-n", guest_ns(instance_id), "-j", "-s", "link", "show", link],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)[0]["stats64"]["tx"]["packets"]


def handshake(src, src_ip, dst, dst_ip, port):
    """Whether a real TCP handshake completes: src's guest (or the internet) binds `src_ip`."""
    src_ns = guest_ns(src) if src.startswith("i-") else "lvpc-internet"
    dst_ns = guest_ns(dst) if dst.startswith("i-") else "lvpc-internet"
    listen = dst_ip if dst_ns == "lvpc-internet" else "0.0.0.0"
    if not _in_ns(src_ns, lambda: can_bind(src_ip)):
        return False  # the source address is not configured: nothing can be sent from it
    return probe("tcp", src_ns, src_ip, 40000 + port, dst_ns, listen, dst_ip, port)


def can_bind(address):
    with socket.socket() as s:
        try:
            s.bind((address, 0))
            return True
        except OSError:
            return False


class Oracle:
    def __init__(self, srv, account):
        self.srv, self.account, self.compared = srv, account, 0

    def why(self, src, dst, port, *extra):
        status, out, err = localvpc(self.srv, self.account, "why", src, dst, "--port", str(port), "--format", "json", *extra)
        assert status in (0, 1), err
        trace = json.loads(out)
        assert trace["guest_verdict"] is not None, "the server observes the guests"
        return status == 0, trace

    def agree(self, src, src_ip, dst, dst_ip, port, expect, why_dst=None, *extra):
        """Analyzes and sends the same flow; returns the trace's blocking findings."""
        reachable, trace = self.why(src, why_dst or dst_ip, port, *extra)
        arrived = handshake(src, src_ip, dst, dst_ip, port)
        self.compared += 1
        assert reachable == arrived, (src_ip, dst_ip, port, arrived, trace)
        assert reachable == expect, trace
        return trace["findings"], trace


def codes(findings):
    return [f["code"] for f in findings]


def test_seed_001_two_eips_agree_with_the_packets_before_and_after_the_secondary_ip_is_configured(dp):
    srv, _ = dp
    account = new_account()
    ec2 = client(srv.endpoint, account)
    vpc = ec2.create_vpc(CidrBlock="192.168.1.0/24")["Vpc"]["VpcId"]
    sub = subnet(ec2, vpc, "192.168.1.0/24")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    group = ec2.create_security_group(GroupName="vpc_standalone", Description="standalone in VPC", VpcId=vpc)["GroupId"]
    for port in (22, 25, 80):
        ec2.authorize_security_group_ingress(GroupId=group, IpProtocol="tcp", FromPort=port, ToPort=port, CidrIp="0.0.0.0/0")
    eni = ec2.create_network_interface(SubnetId=sub, PrivateIpAddress="192.168.1.100", Groups=[group])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni, PrivateIpAddresses=["192.168.1.101"])
    inst = ec2.run_instances(ImageId=GENERIC, InstanceType="t1.micro", MinCount=1, MaxCount=1,
                             NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": eni}])["Instances"][0]["InstanceId"]
    ec2.describe_instances(InstanceIds=[inst])  # pending → running
    eips = {}
    for private in ("192.168.1.100", "192.168.1.101"):
        eip = ec2.allocate_address(Domain="vpc")
        ec2.associate_address(AllocationId=eip["AllocationId"], NetworkInterfaceId=eni, PrivateIpAddress=private)
        eips[private] = eip["PublicIp"]
    o = Oracle(srv, account)

    # In: each EIP reaches the listener; the secondary's only once the guest has the address.
    o.agree("internet", "192.0.2.33", inst, eips["192.168.1.100"], 80, True)
    findings, trace = o.agree("internet", "192.0.2.33", inst, eips["192.168.1.101"], 80, False)
    assert trace["vpc_verdict"] == "REACHABLE", "AWS's analyzer sees no guest"
    assert codes(findings) == ["localvpc:GUEST_ADDRESS_NOT_CONFIGURED"]
    assert findings[0]["component"] == eni and "ip addr add 192.168.1.101/32 dev eth0" in findings[0]["fix"]
    # Out: from the secondary address, which the guest cannot even bind yet.
    findings, _ = o.agree(inst, "192.168.1.101", "internet", "192.0.2.10", 80, False, None, "--source-ip", "192.168.1.101")
    assert codes(findings) == ["localvpc:GUEST_ADDRESS_NOT_CONFIGURED"]
    o.agree(inst, "192.168.1.100", "internet", "192.0.2.10", 80, True, None, "--source-ip", "192.168.1.100")

    in_guest(inst, "ip addr add 192.168.1.101/32 dev eth0")  # the author's eth0:1
    o.agree("internet", "192.0.2.33", inst, eips["192.168.1.101"], 80, True)
    o.agree(inst, "192.168.1.101", "internet", "192.0.2.10", 80, True, None, "--source-ip", "192.168.1.101")
    # Port 443 is not in the group: both sides say so, and why names the inbound rule set.
    findings, _ = o.agree("internet", "192.0.2.33", inst, eips["192.168.1.101"], 443, False)
    assert codes(findings) == ["ENI_SG_RULES_MISMATCH"]
    assert "ingress" in findings[0]["message"]
    print(f"seed 001: {o.compared} flows agree")


def seed_003(ec2, image):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1, s2, s254 = (subnet(ec2, vpc, f"10.0.{n}.0/24") for n in (1, 2, 254))
    inst = launch(ec2, s1, "10.0.1.5", image=image)
    peer = launch(ec2, s254, "10.0.254.4")
    eth1 = ec2.create_network_interface(SubnetId=s2, PrivateIpAddress="10.0.2.5")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=eth1, InstanceId=inst, DeviceIndex=1)
    desc = ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0]
    eth0 = next(n["NetworkInterfaceId"] for n in desc["NetworkInterfaces"] if n["Attachment"]["DeviceIndex"] == 0)
    return inst, peer, eth0, eth1


def test_seed_003_second_eni_every_guest_state_agrees_with_the_packets(dp):
    srv, _ = dp
    account = new_account()
    ec2 = client(srv.endpoint, account)
    inst, peer, eth0, eth1 = seed_003(ec2, CENTOS6)
    o = Oracle(srv, account)
    o.agree(peer, "10.0.254.4", inst, "10.0.1.5", 22, True)

    # CentOS brings up eth0 only.
    findings, trace = o.agree(peer, "10.0.254.4", inst, "10.0.2.5", 22, False)
    assert trace["vpc_verdict"] == "REACHABLE"
    assert codes(findings)[0] in ("localvpc:GUEST_INTERFACE_DOWN", "localvpc:GUEST_ADDRESS_NOT_CONFIGURED")
    assert findings[0]["component"] == eth1

    # `ifup eth1` with DEFROUTE=no, strict rp_filter: the guest drops the request itself.
    in_guest(inst, "ip link set eth1 up && ip addr add 10.0.2.5/24 dev eth1 && echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter")
    before = rp_filter_drops(inst)
    findings, trace = o.agree(peer, "10.0.254.4", inst, "10.0.2.5", 22, False)
    assert codes(findings) == ["localvpc:GUEST_RP_FILTER_DROP"] and findings[0]["component"] == eth1
    assert trace["forward_disposition"] == "DENIED_IN"
    assert any(h["step"] == "GUEST_RPF" and h["verdict"] == "DENIED" and h["rule"] == "eth1 rp_filter 1: route back leaves eth0"
               for h in trace["forward"])
    assert rp_filter_drops(inst) > before, "the packet died in the guest's reverse-path filter"

    # Loose rp_filter: the reply leaves by eth0, whose source check drops it.
    in_guest(inst, "echo 2 > /proc/sys/net/ipv4/conf/all/rp_filter")
    before = (rp_filter_drops(inst), sent_by(inst, "eth0"))
    findings, trace = o.agree(peer, "10.0.254.4", inst, "10.0.2.5", 22, False)
    assert codes(findings) == ["localvpc:GUEST_REPLY_WRONG_INTERFACE"] and findings[0]["component"] == eth0
    assert trace["return_disposition"] == "DENIED_OUT"
    assert trace["guest_verdict"].startswith(f"NOT REACHABLE: return DENIED_OUT at {eth0} (eth0 of {inst})")
    assert "table 10001 + rule from 10.0.2.5" in findings[0]["fix"]
    assert rp_filter_drops(inst) == before[0] and sent_by(inst, "eth0") > before[1], "the reply left by eth0"

    # The source check off on eth0: the asymmetric reply passes, and why agrees.
    source_dest_check(ec2, eth0, False)
    o.agree(peer, "10.0.254.4", inst, "10.0.2.5", 22, True)
    source_dest_check(ec2, eth0, True)
    o.agree(peer, "10.0.254.4", inst, "10.0.2.5", 22, False)

    # The fix why suggests: the agent's per-ENI policy routing, even under strict rp_filter.
    in_guest(inst, "echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter")
    run = subprocess.run([BINARY, "exec", inst, "--", BINARY, "agent", "--once"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    _, trace = o.agree(peer, "10.0.254.4", inst, "10.0.2.5", 22, True)
    assert any(h["step"] == "GUEST_ROUTE" and "lookup 10001" in (h["rule"] or "") for h in trace["return"])
    o.agree(peer, "10.0.254.4", inst, "10.0.1.5", 22, True)

    # CentOS's first failure: eth1's default route wins; eth0's replies leave by eth1.
    in_guest(inst, "echo 2 > /proc/sys/net/ipv4/conf/all/rp_filter; while ip route del default 2>/dev/null; do :; done; "
                   "ip route add default via 10.0.2.1 dev eth1")
    findings, _ = o.agree(peer, "10.0.254.4", inst, "10.0.1.5", 22, False)
    assert codes(findings) == ["localvpc:GUEST_REPLY_WRONG_INTERFACE", "localvpc:GUEST_DEFAULT_ROUTE_VIA_SECONDARY"]
    assert findings[0]["component"] == eth1
    print(f"seed 003: {o.compared} flows agree")


def test_seed_004_two_enis_in_one_subnet_reply_asymmetrically_until_the_agent_routes_by_source(dp):
    srv, _ = dp
    account = new_account()
    ec2 = client(srv.endpoint, account)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1, s2 = subnet(ec2, vpc, "10.0.1.0/24"), subnet(ec2, vpc, "10.0.2.0/24")
    inst = launch(ec2, s1, "10.0.1.10")
    near, far = launch(ec2, s1, "10.0.1.30"), launch(ec2, s2, "10.0.2.30")
    eth1 = ec2.create_network_interface(SubnetId=s1, PrivateIpAddress="10.0.1.20")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=eth1, InstanceId=inst, DeviceIndex=1)
    desc = ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0]
    eth0 = next(n["NetworkInterfaceId"] for n in desc["NetworkInterfaces"] if n["Attachment"]["DeviceIndex"] == 0)
    in_guest(inst, "ip link set eth1 up && ip addr add 10.0.1.20/24 dev eth1 && echo 2 > /proc/sys/net/ipv4/conf/all/rp_filter")
    o = Oracle(srv, account)
    for peer, ip in ((near, "10.0.1.30"), (far, "10.0.2.30")):
        o.agree(peer, ip, inst, "10.0.1.10", 22, True)
        findings, trace = o.agree(peer, ip, inst, "10.0.1.20", 22, False)
        assert trace["vpc_verdict"] == "REACHABLE"
        assert codes(findings) == ["localvpc:GUEST_REPLY_WRONG_INTERFACE"] and findings[0]["component"] == eth0
    in_guest(inst, "echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter")
    findings, _ = o.agree(far, "10.0.2.30", inst, "10.0.1.20", 22, False)
    assert codes(findings) == ["localvpc:GUEST_RP_FILTER_DROP"]
    run = subprocess.run([BINARY, "exec", inst, "--", BINARY, "agent", "--once"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    for peer, ip in ((near, "10.0.1.30"), (far, "10.0.2.30")):
        o.agree(peer, ip, inst, "10.0.1.20", 22, True)
        o.agree(peer, ip, inst, "10.0.1.10", 22, True)
    print(f"seed 004: {o.compared} flows agree")


def connects(src, src_ip, address, port):
    """Whether a TCP connection from `src` to address:port is accepted (by whatever listens)."""
    def attempt():
        with socket.socket() as s:
            s.bind((src_ip, 0))
            s.settimeout(0.5)
            return s.connect_ex((address, port)) == 0
    return _in_ns(guest_ns(src), attempt)


def test_a_nat_gateway_path_agrees_with_the_packets(dp):
    from test_internet import public_vpc
    from test_nat_gateway_packets import available, private_subnet
    srv, _ = dp
    account = new_account()
    ec2 = client(srv.endpoint, account)
    vpc, public_subnet, igw, main = public_vpc(ec2, "10.0.0.0/16", "10.0.1.0/24")
    private, table = private_subnet(ec2, vpc, "10.0.2.0/24")
    eip = ec2.allocate_address(Domain="vpc")
    nat_id = ec2.create_nat_gateway(SubnetId=public_subnet, AllocationId=eip["AllocationId"])["NatGateway"]["NatGatewayId"]
    nat_ip = available(ec2, nat_id)["NatGatewayAddresses"][0]["PrivateIp"]
    inside = launch(ec2, private, "10.0.2.10")
    ec2.describe_instances(InstanceIds=[inside])  # pending → running
    o = Oracle(srv, account)
    out = (inside, "10.0.2.10", "internet", "192.0.2.10", 80)
    findings, _ = o.agree(*out, False)
    assert codes(findings) == ["NO_ROUTE_TO_DESTINATION"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    _, trace = o.agree(*out, True)
    rules = [(h["node"], h["step"], h["rule"]) for h in trace["forward"]]
    assert (table, "ROUTE", f"0.0.0.0/0 {nat_id}") in rules
    assert (nat_id, "NAT", f"source 10.0.2.10 -> {nat_ip}") in rules
    assert (igw, "NAT", f"source {nat_ip} -> {eip['PublicIp']}") in rules
    assert any(h["node"] == nat_id and h["rule"] == f"destination {nat_ip} -> 10.0.2.10" for h in trace["return"])
    # Nothing gets in through it.
    findings, _ = o.agree("internet", "192.0.2.33", inside, eip["PublicIp"], 80, False)
    assert codes(findings) == ["NO_PATH"]
    # Its own subnet needs the route to the internet gateway.
    ec2.delete_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0")
    findings, _ = o.agree(*out, False)
    assert codes(findings) == ["NO_ROUTE_TO_DESTINATION"] and findings[0]["component"] == main
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    o.agree(*out, True)
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    findings, _ = o.agree(*out, False)
    assert codes(findings) == ["BAD_STATE_ROUTE"]


def test_a_peering_across_accounts_and_regions_agrees_with_the_packets(dp):
    from test_peering_packets import side
    srv, _ = dp
    account, peer_account = new_account(), new_account()
    ec2, peer = client(srv.endpoint, account), client(srv.endpoint, peer_account, "eu-west-1")
    vpc_a, table_a, a = side(ec2, "10.0.0.0/16", "10.0.1.0/24", "10.0.1.10", "ap-northeast-1a", "10.1.0.0/16")
    vpc_b, table_b, b = side(peer, "10.1.0.0/16", "10.1.1.0/24", "10.1.1.10", "eu-west-1a", "10.0.0.0/16")
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId=peer_account,
                                            PeerRegion="eu-west-1")["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.create_route(RouteTableId=table_a, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
    peer.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    o = Oracle(srv, account)
    flow = (a, "10.0.1.10", b, "10.1.1.10", 22)
    findings, _ = o.agree(*flow, False)
    assert codes(findings) == ["NO_ROUTE_TO_DESTINATION"] and findings[0]["component"] == table_b, "no route back"
    peer.create_route(RouteTableId=table_b, DestinationCidrBlock="10.0.1.0/24", VpcPeeringConnectionId=pcx)
    _, trace = o.agree(*flow, True)
    assert any(h["node"] == pcx for h in trace["forward"]) and any(h["node"] == pcx for h in trace["return"])
    group_b = peer.describe_instances(InstanceIds=[b])["Reservations"][0]["Instances"][0]["SecurityGroups"][0]["GroupId"]
    peer.revoke_security_group_ingress(GroupId=group_b, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    findings, _ = o.agree(*flow, False)
    assert codes(findings) == ["SG_HAS_NO_RULES"] and findings[0]["message"].endswith("no ingress rules")
    peer.authorize_security_group_ingress(GroupId=group_b, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.1.10/32"}]}])
    o.agree(*flow, True)
    peer.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    findings, _ = o.agree(*flow, False)
    assert codes(findings) == ["BAD_STATE_ROUTE"]


def test_an_interface_endpoint_path_agrees_with_its_stand_in(dp):
    srv, _ = dp
    account = new_account()
    ec2 = client(srv.endpoint, account)
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    sub = subnet(ec2, vpc, "10.60.1.0/24")
    sg = ec2.create_security_group(GroupName="vpce", Description="endpoint", VpcId=vpc)["GroupId"]
    rule = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.60.0.0/16"}]}]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=rule)
    inst = launch(ec2, sub, "10.60.1.10")
    ec2.describe_instances(InstanceIds=[inst])  # pending → running
    vpce = ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=vpc, ServiceName="com.amazonaws.ap-northeast-1.sts",
                                   SubnetIds=[sub], SecurityGroupIds=[sg], PrivateDnsEnabled=False)["VpcEndpoint"]
    (eni_id,) = vpce["NetworkInterfaceIds"]
    address = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]["PrivateIpAddress"]
    o = Oracle(srv, account)

    def check(port, expect):
        reachable, trace = o.why(inst, address, port)
        assert reachable == expect == connects(inst, "10.60.1.10", address, port), trace
        return trace["findings"]
    check(443, True)
    findings = check(80, False)
    assert codes(findings) == ["ENI_SG_RULES_MISMATCH"] and findings[0]["component"] == eni_id
    ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=rule)
    check(443, False)


def test_lint_guest_finds_seed_003s_guest_pitfalls_and_clears_after_the_agent(dp):
    srv, _ = dp
    account = new_account()
    ec2 = client(srv.endpoint, account)
    inst, peer, eth0, eth1 = seed_003(ec2, CENTOS6)

    def guest_findings():
        status, out, err = localvpc(srv, account, "lint", "--guest", "--format", "json", "--fail-on", "never")
        assert status == 0, err
        return sorted((f["rule"], f["resources"][0]) for f in json.loads(out)["findings"] if f["rule"].startswith("LV4"))
    assert guest_findings() == [("LV401", eth1)], "eth1 is down in the guest"
    in_guest(inst, "ip link set eth1 up && ip addr add 10.0.2.5/24 dev eth1 && echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter")
    assert guest_findings() == [("LV402", eth1), ("LV404", eth1)]
    run = subprocess.run([BINARY, "exec", inst, "--", BINARY, "agent", "--once"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert guest_findings() == []
