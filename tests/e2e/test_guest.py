"""What a guest sees of its VPC from inside the instance, with real packets (`serve --dataplane`):
instance metadata at 169.254.169.254, the DHCPv4 server on every ENI, the guest agent of Amazon
Linux images, and seed 003 with it (a second ENI silent until the guest routes by source).

Needs root, as CI has; run inside scripts/isolated. Each test runs its own server (the `dp`
fixture of test_dataplane.py), which removes every `lvpc-` namespace afterwards."""
import os
import subprocess
import time

import pytest

from conftest import BINARY, Server, client, new_account
from test_dataplane import GENERIC, ZONE, dp, guest_ns, in_guest, launch, ping, source_dest_check, subnet  # noqa: F401

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")

AL2023 = "ami-0f4a8aa657d4799b8"  # built-in catalogue: Amazon Linux runs the agent
CENTOS6 = "ami-0f9466cc946f3076b"  # built-in catalogue: seed 003's CentOS 6, no agent
IMDS = "http://169.254.169.254"


def run_in(instance_id, *argv, timeout=30):
    return subprocess.run([BINARY, "exec", instance_id, "--", *argv], capture_output=True, text=True, timeout=timeout)


def curl(instance_id, path, *options):
    """`curl` inside the instance: (HTTP status, body); status 0 when nothing answered."""
    run = run_in(instance_id, "curl", "-s", "-m", "3", "-w", "\n%{http_code}", *options, IMDS + path)
    body, _, status = run.stdout.rpartition("\n")
    return int(status or 0), body


def token(instance_id, *options, ttl=60):
    status, body = curl(instance_id, "/latest/api/token", "-X", "PUT", "-H", f"X-aws-ec2-metadata-token-ttl-seconds: {ttl}", *options)
    assert status == 200, body
    return body


def eni_of(ec2, instance_id, device):
    inst = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return next(e for e in inst["NetworkInterfaces"] if e["Attachment"]["DeviceIndex"] == device)


def wait_until(check, timeout=15.0):
    """Polls `check` until it holds (a bounded wait, for what the guest does by itself)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def agent_pids(instance_id):
    out = subprocess.run(["ip", "netns", "pids", guest_ns(instance_id)], capture_output=True, text=True).stdout
    return out.split()


UDHCPC_SCRIPT = """#!/bin/sh
# What CentOS's ifup does for BOOTPROTO=dhcp DEFROUTE=no: the address and its subnet, no route.
case "$1" in
bound) env | grep -E '^(ip|subnet|mask|router|dns|domain|hostname|mtu|lease|serverid|broadcast|ntpsrv)=' | sort > "$LEASE_FILE"
       ip addr add "$ip/$mask" dev "$interface" ;;
esac
exit 0
"""


def dhcp(instance_id, dev, tmp_path, *options):
    """Runs busybox udhcpc on `dev` inside the instance; returns the lease it bound, as a dict."""
    script = tmp_path / "udhcpc.sh"
    script.write_text(UDHCPC_SCRIPT)
    script.chmod(0o755)
    lease_file = tmp_path / f"lease-{dev}"
    run = subprocess.run([BINARY, "exec", instance_id, "--", "env", f"LEASE_FILE={lease_file}",
                          "busybox", "udhcpc", "-i", dev, "-n", "-q", "-f", "-t", "3", "-T", "1",
                          "-O", "mtu", "-O", "hostname", "-O", "domain", "-O", "broadcast", *options, "-s", str(script)],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    return dict(line.split("=", 1) for line in lease_file.read_text().splitlines())


def seed_003_network(ec2):
    """Seed 003's VPC: 10.0.0.0/16 with subnets 10.0.1.0/24, 10.0.2.0/24 and, for the peer,
    10.0.254.0/24."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return vpc, [subnet(ec2, vpc, f"10.0.{n}.0/24") for n in (1, 2, 254)]


def seed_003_instance(ec2, image, eth0_ip, eth1_ip):
    """Seed 003's instance of `image` (eth0 in 10.0.1.0/24, an ENI in 10.0.2.0/24 attached as
    eth1) and its peer at 10.0.254.4: (instance, peer, eth1's ENI, (eth0's subnet, eth1's))."""
    vpc, (s1, s2, s254) = seed_003_network(ec2)
    inst = launch(ec2, s1, eth0_ip, image=image)
    peer = launch(ec2, s254, "10.0.254.4")
    eni = ec2.create_network_interface(SubnetId=s2, PrivateIpAddress=eth1_ip)["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=inst, DeviceIndex=1)
    return inst, peer, eni, (s1, s2)


def test_seed_003_on_a_generic_image_eth1_answers_only_after_the_agent(dp, tmp_path):
    srv, ec2 = dp
    inst, peer, _, _ = seed_003_instance(ec2, CENTOS6, "10.0.1.5", "10.0.2.5")
    assert ping(peer, "10.0.1.5"), "eth0 answers"
    assert not ping(peer, "10.0.2.5"), "eth1 stays unconfigured on this image"
    # `ifup eth1` with BOOTPROTO=dhcp and DEFROUTE=no: the address from the VPC's DHCP, no route.
    lease = dhcp(inst, "eth1", tmp_path)
    assert (lease["ip"], lease["router"]) == ("10.0.2.5", "10.0.2.1")
    in_guest(inst, "echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter")
    assert not ping(peer, "10.0.2.5"), "strict rp_filter: the guest drops the request (no route back via eth1)"
    in_guest(inst, "echo 2 > /proc/sys/net/ipv4/conf/all/rp_filter")
    assert not ping(peer, "10.0.2.5"), "loose rp_filter: the reply leaves through eth0 and the VPC drops it"
    eth0 = eni_of(ec2, inst, 0)["NetworkInterfaceId"]
    source_dest_check(ec2, eth0, False)
    assert ping(peer, "10.0.2.5"), "it was the source check: with it off on eth0 the asymmetric reply passes"
    source_dest_check(ec2, eth0, True)
    assert not ping(peer, "10.0.2.5")
    in_guest(inst, "echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter")
    # The fix, from inside the instance: the agent reads 169.254.169.254 and routes by source.
    run = run_in(inst, BINARY, "agent", "--once", timeout=60)
    assert run.returncode == 0, run.stderr + run.stdout
    assert "10001" in run.stdout
    assert ping(peer, "10.0.2.5"), "eth1 answers: strict rp_filter, the source check on"
    assert ping(peer, "10.0.1.5")


def test_seed_003_on_amazon_linux_eth1_answers_by_itself(dp):
    srv, ec2 = dp
    inst, peer, eni, (s1, s2) = seed_003_instance(ec2, AL2023, "10.0.1.4", "10.0.2.4")
    assert wait_until(lambda: ping(peer, "10.0.2.4")), "the agent configured eth1 and its policy routing"
    assert ping(peer, "10.0.1.4")
    rules = run_in(inst, "ip", "rule").stdout
    assert "from 10.0.2.4 lookup 10001" in rules
    # A secondary address comes up by itself too.
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni, PrivateIpAddresses=["10.0.2.40"])
    assert wait_until(lambda: ping(peer, "10.0.2.40"))
    # Launched with both ENIs: both answer shortly after RunInstances returns.
    both = ec2.run_instances(ImageId=AL2023, InstanceType="t3.medium", MinCount=1, MaxCount=1, NetworkInterfaces=[
        {"DeviceIndex": 0, "SubnetId": s1, "PrivateIpAddress": "10.0.1.6"},
        {"DeviceIndex": 1, "SubnetId": s2, "PrivateIpAddress": "10.0.2.6"}])["Instances"][0]["InstanceId"]
    assert wait_until(lambda: ping(peer, "10.0.1.6") and ping(peer, "10.0.2.6")), both


def test_the_agent_runs_with_the_instance_and_dies_with_the_server(dp):
    srv, _ = dp
    account = new_account()
    ec2 = client(srv.endpoint, account)
    s1 = subnet(ec2, ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"], "10.0.1.0/24")
    al = launch(ec2, s1, "10.0.1.10", image=AL2023)
    generic = launch(ec2, s1, "10.0.1.11")
    assert wait_until(lambda: len(agent_pids(al)) == 1)
    assert agent_pids(generic) == [], "other images run no agent"
    ec2.stop_instances(InstanceIds=[al])
    assert wait_until(lambda: agent_pids(al) == []), "stopped: killed"
    ec2.start_instances(InstanceIds=[al])
    assert wait_until(lambda: len(agent_pids(al)) == 1)
    srv.proc.kill()  # SIGKILL: nothing in the server runs, the kernel kills the agent
    srv.proc.wait()
    assert wait_until(lambda: agent_pids(al) == [], timeout=5)
    again = Server(srv.data_dir, extra_args=["--dataplane"])
    try:
        assert wait_until(lambda: len(agent_pids(al)) == 1), "restarted for the running instance"
        assert token(al), "IMDS is back in the instance too"
        [pid] = agent_pids(al)
        client(again.endpoint, account).terminate_instances(InstanceIds=[al])
        assert wait_until(lambda: not os.path.exists(f"/proc/{pid}")), "terminated: killed"
    finally:
        again.stop()


def test_a_dual_homed_instance_is_reachable_from_both_vpcs_with_the_same_cidrs(dp):
    """Seed 002/004: ENIs in two VPCs that both use 10.0.0.0/16 (and the same subnet); a peer in
    each VPC, both at 10.0.1.11, reaches the instance's address in its own VPC, and each gets its
    own metadata."""
    srv, ec2 = dp
    vpc_a = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vpc_b = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    a1, b1 = subnet(ec2, vpc_a, "10.0.1.0/24"), subnet(ec2, vpc_b, "10.0.1.0/24")
    inst = launch(ec2, a1, "10.0.1.10", image=AL2023)
    peer_a, peer_b = launch(ec2, a1, "10.0.1.11"), launch(ec2, b1, "10.0.1.11")
    dual = ec2.create_network_interface(SubnetId=b1, PrivateIpAddress="10.0.1.20")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.describe_instances()  # pending → running
    ec2.attach_network_interface(NetworkInterfaceId=dual, InstanceId=inst, DeviceIndex=1)
    assert wait_until(lambda: ping(peer_b, "10.0.1.20")), "from VPC B, through eth1"
    assert ping(peer_a, "10.0.1.10"), "from VPC A, through eth0"
    assert not ping(peer_a, "10.0.1.20") and not ping(peer_b, "10.0.1.10"), "the VPCs stay apart"
    # The same address in two VPCs is two instances to IMDS: each router knows its own.
    assert curl(peer_a, "/latest/meta-data/instance-id") == (200, peer_a)
    assert curl(peer_b, "/latest/meta-data/instance-id") == (200, peer_b)
    # Through VPC B's router (source 10.0.1.20, policy-routed out of eth1) it is still this
    # instance, whose image requires IMDSv2.
    via_b = ("--interface", "10.0.1.20")
    assert curl(inst, "/latest/meta-data/local-ipv4", *via_b)[0] == 401
    header = f"X-aws-ec2-metadata-token: {token(inst, *via_b)}"
    assert curl(inst, "/latest/meta-data/local-ipv4", "-H", header, *via_b) == (200, "10.0.1.10")


def test_imds_inside_the_instance(dp):
    srv, ec2 = dp
    s1 = subnet(ec2, ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"], "10.0.1.0/24")
    a, b = launch(ec2, s1, "10.0.1.10"), launch(ec2, s1, "10.0.1.11")
    mac = eni_of(ec2, a, 0)["MacAddress"]
    assert curl(a, "/latest/meta-data/instance-id") == (200, a)
    assert curl(a, "/latest/meta-data/local-ipv4") == (200, "10.0.1.10")
    assert curl(a, "/latest/meta-data/mac") == (200, mac)
    assert curl(b, "/latest/meta-data/instance-id") == (200, b)
    # IMDSv2: a token from a PUT, good on its own instance only.
    t = token(a)
    header = f"X-aws-ec2-metadata-token: {t}"
    assert curl(a, "/latest/meta-data/instance-id", "-H", header) == (200, a)
    assert curl(b, "/latest/meta-data/instance-id", "-H", header)[0] == 401
    ec2.modify_instance_metadata_options(InstanceId=a, HttpTokens="required")
    assert curl(a, "/latest/meta-data/instance-id")[0] == 401
    assert curl(a, "/latest/meta-data/instance-id", "-H", header) == (200, a)
    # From the host, `agent --netns` reaches the instance's own 169.254.169.254 (not the host's).
    run = subprocess.run([BINARY, "agent", "--once", "--dry-run", "--netns", guest_ns(a)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    # Stopped and started again: the same instance, still found by its address.
    ec2.stop_instances(InstanceIds=[b])
    ec2.describe_instances()
    ec2.start_instances(InstanceIds=[b])
    assert curl(b, "/latest/meta-data/instance-id") == (200, b)


def test_the_token_put_response_hop_limit_stops_a_container_behind_the_instance(dp):
    """A container namespace behind the instance (forwarded and masqueraded, as Docker does):
    its token PUT's answer leaves IMDS with TTL = HttpPutResponseHopLimit (1 by default) and dies
    at the instance's forwarding hop; a GET, without a token, still reaches it."""
    srv, ec2 = dp
    s1 = subnet(ec2, ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"], "10.0.1.0/24")
    inst = launch(ec2, s1, "10.0.1.10")
    ns, ctr = guest_ns(inst), "ctr-hop-limit"

    def sh(*argv):
        subprocess.run(argv, check=True, capture_output=True, text=True, timeout=30)

    sh("ip", "netns", "add", ctr)
    try:
        sh("ip", "-n", ns, "link", "add", "docker0", "type", "veth", "peer", "name", "eth0", "netns", ctr)
        sh("ip", "-n", ns, "addr", "add", "172.17.0.1/24", "dev", "docker0")
        sh("ip", "-n", ns, "link", "set", "docker0", "up")
        for cmd in (["addr", "add", "172.17.0.2/24", "dev", "eth0"], ["link", "set", "eth0", "up"],
                    ["link", "set", "lo", "up"], ["route", "add", "default", "via", "172.17.0.1"]):
            sh("ip", "-n", ctr, *cmd)
        in_guest(inst, "echo 1 > /proc/sys/net/ipv4/ip_forward && nft add table ip nat && "
                       "nft 'add chain ip nat post { type nat hook postrouting priority 100; }' && "
                       "nft add rule ip nat post oifname eth0 masquerade")

        def from_container(*argv):
            run = subprocess.run(["ip", "netns", "exec", ctr, "curl", "-s", "-m", "2", "-w", "\n%{http_code}", *argv],
                                 capture_output=True, text=True, timeout=30)
            return int(run.stdout.rpartition("\n")[2] or 0)

        put = ["-X", "PUT", "-H", "X-aws-ec2-metadata-token-ttl-seconds: 60", IMDS + "/latest/api/token"]
        assert from_container(IMDS + "/latest/meta-data/instance-id") == 200, "the container reaches IMDS"
        assert from_container(*put) == 0, "hop limit 1: the token never arrives"
        assert token(inst), "the instance itself gets one"
        ec2.modify_instance_metadata_options(InstanceId=inst, HttpPutResponseHopLimit=2)
        assert from_container(*put) == 200, "hop limit 2: one forwarding hop is allowed"
    finally:
        subprocess.run(["ip", "netns", "del", ctr], capture_output=True)


def test_dhcp_gives_every_eni_ec2s_lease(dp, tmp_path):
    srv, ec2 = dp
    vpc, (s1, s2, _) = seed_003_network(ec2)
    inst = launch(ec2, s1, "10.0.1.10")
    eni = ec2.create_network_interface(SubnetId=s2, PrivateIpAddress="10.0.2.20")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=inst, DeviceIndex=1)
    lease = dhcp(inst, "eth1", tmp_path)
    assert lease == {
        "ip": "10.0.2.20", "subnet": "255.255.255.0", "mask": "24", "broadcast": "10.0.2.255",
        "router": "10.0.2.1", "serverid": "10.0.2.1", "dns": "10.0.0.2",
        "domain": "ap-northeast-1.compute.internal", "hostname": "ip-10-0-2-20",
        "mtu": "9001", "lease": "3600",
    }
    links = subprocess.run(["ip", "-n", guest_ns(inst), "-o", "link", "show", "eth1"], capture_output=True, text=True).stdout
    assert "mtu 9001" in links, "the veth carries EC2's MTU"
    # eth0 gets its own lease (a renewal of what the image configured at boot).
    assert dhcp(inst, "eth0", tmp_path)["ip"] == "10.0.1.10"
    # In us-east-1 the domain is ec2.internal.
    east = client(srv.endpoint, new_account(), region="us-east-1")
    vpc_e = east.create_vpc(CidrBlock="172.31.0.0/16")["Vpc"]["VpcId"]
    s_e = east.create_subnet(VpcId=vpc_e, CidrBlock="172.31.16.0/20", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    inst_e = launch(east, s_e, "172.31.16.22")
    lease = dhcp(inst_e, "eth0", tmp_path)
    assert (lease["domain"], lease["dns"], lease["mask"]) == ("ec2.internal", "172.31.0.2", "20")


def test_the_vpc_dhcp_option_set_reaches_the_lease(dp, tmp_path):
    """A set's domain, name servers and NTP servers at the next lease; `default` (no set): the
    link-local resolver only, no domain."""
    srv, ec2 = dp
    vpc, (s1, _, _) = seed_003_network(ec2)
    inst = launch(ec2, s1, "10.0.1.10")
    dopt = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["corp.example"]},
        {"Key": "domain-name-servers", "Values": ["10.0.0.53", "AmazonProvidedDNS"]},
        {"Key": "ntp-servers", "Values": ["10.0.0.123"]},
    ])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
    lease = dhcp(inst, "eth0", tmp_path, "-O", "ntpsrv")
    assert (lease["domain"], lease["dns"], lease["ntpsrv"]) == ("corp.example", "10.0.0.53 10.0.0.2", "10.0.0.123")
    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc)
    lease = dhcp(inst, "eth0", tmp_path)
    assert lease["dns"] == "169.254.169.253" and "domain" not in lease


def dhcp_threads(srv):
    """The server's DHCP server threads, one per router namespace (`dhcp lvpc-r-…`)."""
    tasks = f"/proc/{srv.proc.pid}/task"
    names = (open(f"{tasks}/{t}/comm").read().strip() for t in os.listdir(tasks))
    return sum(1 for n in names if n.startswith("dhcp lvpc-r-"))


def test_guest_services_follow_the_routers(dp):
    """A new VPC's router gets IMDS and DHCP at once; a deleted VPC's are closed, so that
    nothing keeps its namespace alive."""
    srv, ec2 = dp
    assert dhcp_threads(srv) == 0
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    s1 = subnet(ec2, vpc, "10.9.1.0/24")
    inst = launch(ec2, s1, "10.9.1.10")
    assert wait_until(lambda: dhcp_threads(srv) == 2), "this VPC's router and the default VPC's"
    assert curl(inst, "/latest/meta-data/local-ipv4") == (200, "10.9.1.10")
    ec2.terminate_instances(InstanceIds=[inst])
    ec2.describe_instances()  # shutting-down → terminated
    ec2.delete_subnet(SubnetId=s1)
    ec2.delete_vpc(VpcId=vpc)
    assert wait_until(lambda: dhcp_threads(srv) == 1)
