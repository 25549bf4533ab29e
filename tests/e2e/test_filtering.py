"""Security groups, network ACLs and source/destination check with real packets: the VPC
router's `lvpc_filter` table, re-rendered after every API call.

Needs root, as CI has; run inside scripts/isolated. Each test runs its own server (the `dp`
fixture of test_dataplane.py), which removes every `lvpc-` namespace afterwards."""
import os
import signal
import subprocess
import time

import pytest

from conftest import BINARY
from test_dataplane import dp, in_guest, ping, source_dest_check, subnet  # noqa: F401 (dp is a fixture)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")

GENERIC = "ami-0123456789abcdef0"


def launch(ec2, subnet_id, address, *groups):
    kw = {"SecurityGroupIds": list(groups)} if groups else {}
    return ec2.run_instances(ImageId=GENERIC, InstanceType="t3.medium", MinCount=1, MaxCount=1,
                             SubnetId=subnet_id, PrivateIpAddress=address, **kw)["Instances"][0]["InstanceId"]


def group(ec2, vpc, name):
    """A new group: no ingress, all egress (EC2's defaults for a new group)."""
    return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]


def tcp(port, cidr=None, group_id=None):
    perm = {"IpProtocol": "tcp", "FromPort": port, "ToPort": port}
    if cidr:
        perm["IpRanges"] = [{"CidrIp": cidr}]
    if group_id:
        perm["UserIdGroupPairs"] = [{"GroupId": group_id}]
    return [perm]


def echo_request(cidr):
    return [{"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": cidr}]}]


def primary_eni(ec2, instance_id):
    i = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return i["NetworkInterfaces"][0]["NetworkInterfaceId"]


class Listener:
    """A process in an instance (`localvpc exec`), in its own process group so that it can be
    stopped with everything it started."""

    def __init__(self, instance_id, *argv):
        self.proc = subprocess.Popen([BINARY, "exec", instance_id, "--", *argv], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, start_new_session=True)

    def wait_bound(self, instance_id, port, proto="t"):
        for _ in range(100):
            run = subprocess.run([BINARY, "exec", instance_id, "--", "ss", f"-H{proto}ln", f"sport = :{port}"],
                                 capture_output=True, text=True)
            if run.stdout.strip():
                return self
            time.sleep(0.05)
        raise AssertionError(f"nothing listens on {port} in {instance_id}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        return self.proc.communicate(timeout=10)[0]


def tcp_server(instance_id, port):
    return Listener(instance_id, "nc", "-lk", str(port)).wait_bound(instance_id, port)


def connects(instance_id, address, port):
    """Whether a new TCP connection from the instance to address:port is established."""
    run = subprocess.run([BINARY, "exec", instance_id, "--", "nc", "-z", "-w1", address, str(port)],
                         capture_output=True, text=True, timeout=30)
    return run.returncode == 0


def test_security_groups_gate_new_flows_and_let_replies_back(dp):
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1, s2 = subnet(ec2, vpc, "10.0.1.0/24"), subnet(ec2, vpc, "10.0.2.0/24")
    client_sg, server_sg = group(ec2, vpc, "client"), group(ec2, vpc, "server")
    client = launch(ec2, s1, "10.0.1.10", client_sg)
    server = launch(ec2, s2, "10.0.2.10", server_sg)
    neighbour = launch(ec2, s1, "10.0.1.11", server_sg)
    servers = [tcp_server(server, 8080), tcp_server(neighbour, 8080)]
    try:
        assert not connects(client, "10.0.2.10", 8080), "the server's group allows no ingress"
        assert not ping(client, "10.0.2.10")
        assert ping(client, "10.0.1.1") and ping(server, "10.0.2.1"), "groups do not filter the subnet router"
        ec2.authorize_security_group_ingress(GroupId=server_sg, IpPermissions=tcp(8080, "10.0.1.0/24"))
        assert connects(client, "10.0.2.10", 8080), "across subnets"
        assert connects(client, "10.0.1.11", 8080), "within the subnet"
        assert not connects(client, "10.0.2.10", 8081), "only the port the rule names"
        assert not ping(client, "10.0.2.10"), "only the protocol the rule names"
        ec2.authorize_security_group_ingress(GroupId=server_sg, IpPermissions=echo_request("10.0.0.0/16"))
        assert ping(client, "10.0.2.10"), "the echo reply comes back: the client's group allows no ingress at all"
        assert not ping(server, "10.0.1.10"), "but a new flow towards the client is dropped"
        assert not connects(server, "10.0.1.11", 8080), "the 8080 rule allows 10.0.1.0/24 only"
        ec2.revoke_security_group_ingress(GroupId=server_sg, IpPermissions=tcp(8080, "10.0.1.0/24"))
        assert not connects(client, "10.0.2.10", 8080), "revoked: new flows stop"
        assert not connects(client, "10.0.1.11", 8080)
        # Egress is a gate of its own: without an egress rule the client opens nothing.
        ec2.authorize_security_group_ingress(GroupId=server_sg, IpPermissions=tcp(8080, "10.0.0.0/16"))
        assert connects(client, "10.0.2.10", 8080)
        everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        ec2.revoke_security_group_egress(GroupId=client_sg, IpPermissions=everything)
        assert not connects(client, "10.0.2.10", 8080), "no egress rule left"
        ec2.authorize_security_group_egress(GroupId=client_sg, IpPermissions=tcp(8080, "10.0.2.0/24"))
        assert connects(client, "10.0.2.10", 8080)
        assert not connects(client, "10.0.1.11", 8080), "egress allows 10.0.2.0/24 only"
    finally:
        for s in servers:
            s.stop()


def test_a_rule_referencing_a_group_follows_its_membership(dp):
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1, s2 = subnet(ec2, vpc, "10.0.1.0/24"), subnet(ec2, vpc, "10.0.2.0/24")
    client_sg, friends, server_sg = (group(ec2, vpc, n) for n in ("client", "friends", "server"))
    ec2.authorize_security_group_ingress(GroupId=server_sg, IpPermissions=tcp(8080, group_id=friends))
    client = launch(ec2, s1, "10.0.1.10", client_sg)
    server = launch(ec2, s2, "10.0.2.10", server_sg)
    eni = primary_eni(ec2, client)  # pending → running
    listener = tcp_server(server, 8080)
    try:
        assert not connects(client, "10.0.2.10", 8080)
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[client_sg, friends])
        assert connects(client, "10.0.2.10", 8080), "a member of the referenced group now"
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[client_sg])
        assert not connects(client, "10.0.2.10", 8080), "no longer a member"
        # A new ENI in the group: its address joins the members at once.
        extra = ec2.create_network_interface(SubnetId=s1, PrivateIpAddress="10.0.1.20", Groups=[friends])
        ec2.attach_network_interface(NetworkInterfaceId=extra["NetworkInterface"]["NetworkInterfaceId"],
                                     InstanceId=client, DeviceIndex=1)
        in_guest(client, "ip addr add 10.0.1.20/24 dev eth1 && ip rule add from 10.0.1.20 table 101"
                         " && ip route add default via 10.0.1.1 dev eth1 table 101")
        run = subprocess.run([BINARY, "exec", client, "--", "nc", "-z", "-w1", "-s", "10.0.1.20", "10.0.2.10", "8080"],
                             capture_output=True, text=True, timeout=30)
        assert run.returncode == 0, "from the new member's address"
    finally:
        listener.stop()


def acl_entry(ec2, acl, number, action, egress=False, protocol="-1", cidr="0.0.0.0/0", ports=None, icmp=None):
    kw = {}
    if ports:
        kw["PortRange"] = {"From": ports[0], "To": ports[1]}
    if icmp:
        kw["IcmpTypeCode"] = {"Type": icmp[0], "Code": icmp[1]}
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=number, Protocol=protocol, RuleAction=action,
                                 Egress=egress, CidrBlock=cidr, **kw)


def associate(ec2, subnet_id, acl):
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
    association = next(a for a in current["NetworkAcls"][0]["Associations"] if a["SubnetId"] == subnet_id)
    ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl)


def test_network_acls_are_stateless_per_subnet_and_ordered(dp):
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1, s2 = subnet(ec2, vpc, "10.0.1.0/24"), subnet(ec2, vpc, "10.0.2.0/24")
    # The default group lets its members reach each other: only the ACLs decide here.
    client = launch(ec2, s1, "10.0.1.10")
    server = launch(ec2, s2, "10.0.2.10")
    neighbour = launch(ec2, s2, "10.0.2.11")
    assert ping(client, "10.0.2.10"), "the default ACL allows everything"
    acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    associate(ec2, s2, acl)
    assert not ping(client, "10.0.2.10"), "a new ACL denies everything (its * rules)"
    assert ping(neighbour, "10.0.2.10"), "traffic within a subnet is not subject to its ACL"
    assert ping(server, "10.0.2.1"), "nor is traffic to the subnet router"
    acl_entry(ec2, acl, 100, "allow")
    assert not ping(client, "10.0.2.10"), "inbound allowed, but the echo reply may not leave"
    acl_entry(ec2, acl, 100, "allow", egress=True)
    assert ping(client, "10.0.2.10")
    # A deny before the allow wins; rule numbers, not creation order, decide.
    acl_entry(ec2, acl, 50, "deny", protocol="icmp", cidr="10.0.1.0/24", icmp=(8, -1))
    assert not ping(client, "10.0.2.10")
    assert ping(neighbour, "10.0.2.10")
    ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Egress=False)
    assert ping(client, "10.0.2.10")
    listener = tcp_server(server, 8080)
    try:
        assert connects(client, "10.0.2.10", 8080)
        # Stateless: denying the client's ephemeral ports on the way out breaks a flow that
        # the groups and the inbound ACL allow.
        acl_entry(ec2, acl, 40, "deny", egress=True, protocol="tcp", cidr="10.0.1.0/24", ports=(32768, 65535))
        assert not connects(client, "10.0.2.10", 8080), "the SYN-ACK to the ephemeral port is dropped"
        ec2.replace_network_acl_entry(NetworkAclId=acl, RuleNumber=40, Protocol="tcp", RuleAction="allow",
                                      Egress=True, CidrBlock="10.0.1.0/24", PortRange={"From": 32768, "To": 65535})
        assert connects(client, "10.0.2.10", 8080)
        # The client's own subnet's outbound ACL is a gate too.
        client_acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        acl_entry(ec2, client_acl, 100, "allow")
        associate(ec2, s1, client_acl)
        assert not connects(client, "10.0.2.10", 8080), "the client's subnet lets nothing out"
    finally:
        listener.stop()


def udp_arrives(sender, sender_source, receiver, address, port=9999):
    """Whether a datagram sent from `sender_source` reaches a listener at address:port."""
    listener = Listener(receiver, "timeout", "3", "nc", "-u", "-l", "-W", "1", str(port)).wait_bound(receiver, port, "u")
    in_guest(sender, f"echo hello | nc -u -w1 -s {sender_source} {address} {port}")
    try:
        out, _ = listener.proc.communicate(timeout=10)
    finally:
        listener.stop()
    return "hello" in out


def echo_requests_received(router_ns):
    """The router's own count of ICMP echo requests it received (`Icmp: InEchos`)."""
    snmp = subprocess.run(["ip", "netns", "exec", router_ns, "cat", "/proc/net/snmp"], check=True,
                          capture_output=True, text=True).stdout
    names, values = (line.split() for line in snmp.splitlines() if line.startswith("Icmp:"))
    return int(values[names.index("InEchos")])


def ping_from(instance_id, source, address):
    """One ping sent from `source`; its reply, if any, is not awaited beyond a second."""
    subprocess.run([BINARY, "exec", instance_id, "--", "ping", "-c1", "-W1", "-I", source, address],
                   capture_output=True, timeout=30)


def test_the_source_check_drops_spoofed_sources_until_disabled(dp):
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1 = subnet(ec2, vpc, "10.0.1.0/24")
    open_sg = group(ec2, vpc, "open")
    ec2.authorize_security_group_ingress(
        GroupId=open_sg, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    sender = launch(ec2, s1, "10.0.1.10", open_sg)
    receiver = launch(ec2, s1, "10.0.1.11", open_sg)
    in_guest(sender, "ip addr add 10.0.1.99/32 dev eth0")
    assert udp_arrives(sender, "10.0.1.10", receiver, "10.0.1.11"), "from its own address"
    assert not udp_arrives(sender, "10.0.1.99", receiver, "10.0.1.11"), "10.0.1.99 is not the ENI's: dropped"
    source_dest_check(ec2, primary_eni(ec2, sender), False)
    assert udp_arrives(sender, "10.0.1.99", receiver, "10.0.1.11"), "the check is off"
    source_dest_check(ec2, primary_eni(ec2, sender), True)
    assert not udp_arrives(sender, "10.0.1.99", receiver, "10.0.1.11")
    # Packets to the router itself are checked too: a spoofed ping to the subnet router never
    # reaches it (its reply could not come back, so count what the router received).
    router = "lvpc-r-" + vpc.split("-", 1)[1]
    before = echo_requests_received(router)
    assert ping(sender, "10.0.1.1")
    assert echo_requests_received(router) == before + 1
    ping_from(sender, "10.0.1.99", "10.0.1.1")
    assert echo_requests_received(router) == before + 1, "dropped before the router's ICMP"
    source_dest_check(ec2, primary_eni(ec2, sender), False)
    ping_from(sender, "10.0.1.99", "10.0.1.1")
    assert echo_requests_received(router) == before + 2, "the check is off: the router receives it"


def test_a_rule_allowing_a_prefix_list_admits_exactly_its_current_entries(dp):
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1, s2 = subnet(ec2, vpc, "10.0.1.0/24"), subnet(ec2, vpc, "10.0.2.0/24")
    server_sg = group(ec2, vpc, "server")
    pl = ec2.create_managed_prefix_list(PrefixListName="clients", MaxEntries=5, AddressFamily="IPv4",
                                        Entries=[{"Cidr": "10.0.1.10/32"}])["PrefixList"]["PrefixListId"]
    ec2.authorize_security_group_ingress(GroupId=server_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "PrefixListIds": [{"PrefixListId": pl}]}])
    a, b = launch(ec2, s1, "10.0.1.10"), launch(ec2, s1, "10.0.1.11")
    server = launch(ec2, s2, "10.0.2.10", server_sg)
    listener = tcp_server(server, 8080)
    try:
        assert connects(a, "10.0.2.10", 8080), "an entry of the list"
        assert not connects(b, "10.0.2.10", 8080), "not an entry"
        ec2.modify_managed_prefix_list(PrefixListId=pl, CurrentVersion=1, AddEntries=[{"Cidr": "10.0.1.11/32"}])
        assert connects(b, "10.0.2.10", 8080), "an entry added later is admitted at once"
        ec2.modify_managed_prefix_list(PrefixListId=pl, CurrentVersion=2, RemoveEntries=[{"Cidr": "10.0.1.10/32"}])
        assert not connects(a, "10.0.2.10", 8080), "a removed entry is refused"
        assert connects(b, "10.0.2.10", 8080)
        ec2.restore_managed_prefix_list_version(PrefixListId=pl, PreviousVersion=1, CurrentVersion=3)
        assert connects(a, "10.0.2.10", 8080) and not connects(b, "10.0.2.10", 8080), "version 1 again"
        # A whole range as an entry: the interval set matches inside it.
        ec2.modify_managed_prefix_list(PrefixListId=pl, CurrentVersion=4, AddEntries=[{"Cidr": "10.0.1.0/28"}],
                                       RemoveEntries=[{"Cidr": "10.0.1.10/32"}])
        assert connects(a, "10.0.2.10", 8080) and connects(b, "10.0.2.10", 8080)
        ec2.modify_managed_prefix_list(PrefixListId=pl, CurrentVersion=5, AddEntries=[{"Cidr": "10.0.1.11/32"}])
        assert connects(b, "10.0.2.10", 8080), "overlapping entries merge in the set"
    finally:
        listener.stop()
