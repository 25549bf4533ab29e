"""The data plane's figures (issue 8's targets), measured with real packets; run by
`bench/dataplane` as root inside private network and mount namespaces (scripts/isolated).

- wired: RunInstances with two ENIs (eth0 and eth1 in two subnets) returning → both addresses
  answering a ping from a peer instance (an Amazon Linux image, whose agent brings eth1 up by
  itself; with a generic image only eth0 is timed);
- scale: N instances launched in batches, each batch's RunInstances time, all reachable, the
  server's RSS, then terminated;
- RTT: ping between two instances (through the VPC router) against a bare veth pair between two
  namespaces;
- NAT: CreateNatGateway called → a private instance's first `curl http://192.0.2.1/` answered
  with the gateway's Elastic IP (the route to it created right after the call returned);
- peering: AcceptVpcPeeringConnection called → the first ping reply over the connection;
- endpoint: CreateVpcEndpoint (Interface) called → an instance's first request to the
  endpoint's interface on port 443 answered by the service's stand-in.

Prints a table and writes bench/out/dataplane.json. Nothing here asserts anything."""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AMAZON_LINUX = "ami-0f4a8aa657d4799b8"
GENERIC = "ami-0123456789abcdef0"
ZONE = "us-east-1a"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class Server:
    def __init__(self, binary, data_dir, port=4599):
        self.endpoint = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(data_dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [binary, "serve", "--dataplane", "--down-on-exit", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir],
            stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.endpoint + "/_localvpc/health", timeout=1):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("localvpc did not become ready")

    def rss_mib(self):
        status = open(f"/proc/{self.proc.pid}/status").read()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)


def ec2_client(endpoint):
    return boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="123456789012",
                        aws_secret_access_key="secret", config=Config(retries={"max_attempts": 1}))


def exec_in(binary, target, *argv, timeout=30):
    return subprocess.run([binary, "exec", target, "--", *argv], capture_output=True, text=True, timeout=timeout)


def answers(binary, source, address, wait="1"):
    return exec_in(binary, source, "ping", "-c1", "-W", wait, address).returncode == 0


def wait_answering(binary, source, addresses, limit=10.0):
    """Seconds until every address answers a ping from `source` (polled), or None. Each ping
    waits 50 ms for its reply, so a lost first ping does not cost a whole second."""
    start = time.monotonic()
    pending = list(addresses)
    while pending and time.monotonic() - start < limit:
        pending = [a for a in pending if not answers(binary, source, a, wait="0.05")]
    return None if pending else time.monotonic() - start


def network(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=ZONE)["Subnet"]["SubnetId"]
               for n in (1, 2)]
    wide = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.16.0/20", AvailabilityZone=ZONE)["Subnet"]["SubnetId"]
    return vpc, subnets, wide


def two_eni_launch(ec2, subnets, image):
    interfaces = [{"DeviceIndex": 0, "SubnetId": subnets[0]}, {"DeviceIndex": 1, "SubnetId": subnets[1]}]
    start = time.monotonic()
    instance = ec2.run_instances(ImageId=image, InstanceType="t3.medium", MinCount=1, MaxCount=1,
                                 NetworkInterfaces=interfaces)["Instances"][0]
    returned = time.monotonic() - start
    addresses = [n["PrivateIpAddress"] for n in sorted(instance["NetworkInterfaces"],
                                                        key=lambda n: n["Attachment"]["DeviceIndex"])]
    return instance["InstanceId"], addresses, returned


def measure_wired(binary, ec2, subnets, image, rounds):
    peer = ec2.run_instances(ImageId=GENERIC, InstanceType="t3.medium", MinCount=1, MaxCount=1,
                             SubnetId=subnets[0])["Instances"][0]["InstanceId"]
    ec2.describe_instances()  # pending → running
    calls, eth0, both = [], [], []
    for n in range(rounds):
        instance, addresses, returned = two_eni_launch(ec2, subnets, image)
        calls.append(returned * 1000)
        first = wait_answering(binary, peer, addresses[:1])
        eth0.append(None if first is None else first * 1000)
        if image == AMAZON_LINUX:
            all_up = wait_answering(binary, peer, addresses)
            both.append(None if all_up is None else all_up * 1000)
        ec2.terminate_instances(InstanceIds=[instance])
        log(f"  wired round {n + 1}/{rounds}: RunInstances {returned * 1000:.1f} ms, eth0 {eth0[-1]} ms, both {both[-1] if both else '-'} ms")
    ec2.terminate_instances(InstanceIds=[peer])
    return {"run_instances_ms": calls, "eth0_reachable_after_return_ms": eth0, "both_reachable_after_return_ms": both}


def measure_scale(binary, server, ec2, subnet, count, batch):
    calls, ids = [], []
    start = time.monotonic()
    while len(ids) < count:
        n = min(batch, count - len(ids))
        t = time.monotonic()
        reply = ec2.run_instances(ImageId=GENERIC, InstanceType="t3.micro", MinCount=n, MaxCount=n, SubnetId=subnet)
        calls.append((time.monotonic() - t) * 1000)
        ids += [(i["InstanceId"], i["PrivateIpAddress"]) for i in reply["Instances"]]
        log(f"  scale: {len(ids)}/{count} instances, last RunInstances({n}) {calls[-1]:.0f} ms")
    total = time.monotonic() - start
    ec2.describe_instances()  # pending → running
    sample = [ids[0], ids[len(ids) // 2], ids[-1]]
    reachable = all(answers(binary, ids[1][0], address) for _, address in sample)
    namespaces = len([line for line in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.splitlines()
                      if line.startswith("lvpc-i-")])
    rss = server.rss_mib()
    t = time.monotonic()
    for at in range(0, len(ids), 100):
        ec2.terminate_instances(InstanceIds=[i for i, _ in ids[at:at + 100]])
    terminate = time.monotonic() - t
    return {"instances": count, "batch": batch, "launch_total_s": total, "run_instances_ms": calls,
            "instance_namespaces": namespaces, "sample_reachable": reachable, "server_rss_mib": rss,
            "terminate_all_s": terminate}


def rtt_ms(command):
    out = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"= [\d.]+/([\d.]+)/", out)
    return float(match.group(1)) if match else None


def measure_rtt(binary, ec2, subnet, pings):
    a, b = (ec2.run_instances(ImageId=GENERIC, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnet)
            ["Instances"][0] for _ in range(2))
    ec2.describe_instances()
    ping = ["ping", "-q", "-c", str(pings), "-i", "0.002", b["PrivateIpAddress"]]
    exec_in(binary, a["InstanceId"], "ping", "-c1", "-W1", b["PrivateIpAddress"])  # ARP warm-up
    through_router = rtt_ms([binary, "exec", a["InstanceId"], "--", *ping])
    for command in (["ip", "netns", "add", "bench-a"], ["ip", "netns", "add", "bench-b"],
                    ["ip", "-n", "bench-a", "link", "add", "v", "type", "veth", "peer", "name", "v", "netns", "bench-b"],
                    ["ip", "-n", "bench-a", "addr", "add", "10.99.0.1/24", "dev", "v"],
                    ["ip", "-n", "bench-b", "addr", "add", "10.99.0.2/24", "dev", "v"],
                    ["ip", "-n", "bench-a", "link", "set", "v", "up"], ["ip", "-n", "bench-b", "link", "set", "v", "up"]):
        subprocess.run(command, check=True)
    try:
        subprocess.run(["ip", "netns", "exec", "bench-a", "ping", "-c1", "10.99.0.2"], capture_output=True)
        bare = rtt_ms(["ip", "netns", "exec", "bench-a", "ping", "-q", "-c", str(pings), "-i", "0.002", "10.99.0.2"])
    finally:
        for ns in ("bench-a", "bench-b"):
            subprocess.run(["ip", "netns", "del", ns])
    ec2.terminate_instances(InstanceIds=[a["InstanceId"], b["InstanceId"]])
    return {"pings": pings, "instances_avg_ms": through_router, "bare_veth_avg_ms": bare,
            "ratio": (through_router / bare) if through_router and bare else None}


def measure_nat(binary, ec2, rounds):
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    public, private = (ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{n}.0/24", AvailabilityZone=ZONE)["Subnet"]["SubnetId"]
                       for n in (1, 2))
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=private)
    inside = ec2.run_instances(ImageId=GENERIC, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                               SubnetId=private)["Instances"][0]["InstanceId"]
    ec2.describe_instances()
    eip = ec2.allocate_address(Domain="vpc")
    create, first = [], []
    for n in range(rounds):
        start = time.monotonic()
        nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip["AllocationId"])["NatGateway"]["NatGatewayId"]
        create.append((time.monotonic() - start) * 1000)
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        seen = None
        while seen != eip["PublicIp"] and time.monotonic() - start < 10:
            run = exec_in(binary, inside, "curl", "-s", "--max-time", "0.2", "http://192.0.2.1/")
            seen = run.stdout.strip()
        first.append((time.monotonic() - start) * 1000 if seen == eip["PublicIp"] else None)
        log(f"  nat round {n + 1}/{rounds}: CreateNatGateway {create[-1]:.1f} ms, first reply {fmt(first[-1], ' ms')}")
        ec2.delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")
        ec2.delete_nat_gateway(NatGatewayId=nat)
        ec2.describe_nat_gateways(NatGatewayIds=[nat])  # deleting → deleted
    ec2.terminate_instances(InstanceIds=[inside])
    return {"create_nat_gateway_ms": create, "first_reply_after_create_ms": first}


def measure_peering(binary, ec2, rounds):
    """AcceptVpcPeeringConnection → the first ping reply over the connection, with the routes on
    both sides already in place (blackholes until the accept)."""
    sides = []
    for n, peer in ((2, 3), (3, 2)):
        vpc = ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"]
        sub = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{n}.1.0/24", AvailabilityZone=ZONE)["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="peer", Description="peer", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": f"10.{peer}.0.0/16"}]}])
        instance = ec2.run_instances(ImageId=GENERIC, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=sub,
                                     PrivateIpAddress=f"10.{n}.1.10", SecurityGroupIds=[group])["Instances"][0]["InstanceId"]
        table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
        sides.append((vpc, table, instance, f"10.{peer}.0.0/16"))
    ec2.describe_instances()
    accept, first = [], []
    for n in range(rounds):
        pcx = ec2.create_vpc_peering_connection(VpcId=sides[0][0], PeerVpcId=sides[1][0])[
            "VpcPeeringConnection"]["VpcPeeringConnectionId"]
        for _, table, _, cidr in sides:
            ec2.create_route(RouteTableId=table, DestinationCidrBlock=cidr, VpcPeeringConnectionId=pcx)
        start = time.monotonic()
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        accept.append((time.monotonic() - start) * 1000)
        reply = wait_answering(binary, sides[0][2], ["10.3.1.10"])
        first.append(None if reply is None else reply * 1000 + accept[-1])
        log(f"  peering round {n + 1}/{rounds}: AcceptVpcPeeringConnection {accept[-1]:.1f} ms, first reply {fmt(first[-1], ' ms')}")
        ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        for _, table, _, cidr in sides:
            ec2.delete_route(RouteTableId=table, DestinationCidrBlock=cidr)
    ec2.terminate_instances(InstanceIds=[s[2] for s in sides])
    return {"accept_ms": accept, "first_reply_after_accept_ms": first}


def measure_endpoint(binary, ec2, rounds):
    """CreateVpcEndpoint (Interface) → the first answer from the endpoint's interface on port 443
    to an instance of the VPC (the stand-in for the service answers there)."""
    region = ec2.meta.region_name
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.4.1.0/24", AvailabilityZone=ZONE)["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="vpce", Description="endpoint", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.4.0.0/16"}]}])
    inside = ec2.run_instances(ImageId=GENERIC, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                               SubnetId=sub)["Instances"][0]["InstanceId"]
    ec2.describe_instances()
    create, first = [], []
    for n in range(rounds):
        start = time.monotonic()
        endpoint = ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=vpc, SubnetIds=[sub],
                                           ServiceName=f"com.amazonaws.{region}.sts", SecurityGroupIds=[group],
                                           PrivateDnsEnabled=False)["VpcEndpoint"]
        create.append((time.monotonic() - start) * 1000)
        (eni,) = endpoint["NetworkInterfaceIds"]
        address = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]["PrivateIpAddress"]
        answered = False
        while not answered and time.monotonic() - start < 10:
            run = exec_in(binary, inside, "curl", "-s", "--max-time", "0.2", f"http://{address}:443/")
            answered = endpoint["VpcEndpointId"] in run.stdout
        first.append((time.monotonic() - start) * 1000 if answered else None)
        log(f"  endpoint round {n + 1}/{rounds}: CreateVpcEndpoint {create[-1]:.1f} ms, first answer {fmt(first[-1], ' ms')}")
        ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
        ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])  # deleting → deleted
    ec2.terminate_instances(InstanceIds=[inside])
    return {"create_vpc_endpoint_ms": create, "first_answer_after_create_ms": first}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def micro(ms):
    return None if ms is None else ms * 1000


def fmt(value, unit=""):
    return "-" if value is None else f"{value:.2f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "localvpc"))
    parser.add_argument("--rounds", type=int, default=5, help="two-ENI launches timed")
    parser.add_argument("--instances", type=int, default=200, help="instances in the scale step")
    parser.add_argument("--batch", type=int, default=20, help="instances per RunInstances in the scale step")
    parser.add_argument("--pings", type=int, default=200)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out", "dataplane.json"))
    parser.add_argument("--steps", default="wired,rtt,scale,nat,peering,endpoint", help="which steps to run (comma-separated)")
    args = parser.parse_args()
    steps = set(args.steps.split(","))
    results = {}
    with tempfile.TemporaryDirectory(prefix="localvpc-bench-dp-") as data_dir:
        server = Server(args.binary, data_dir)
        try:
            ec2 = ec2_client(server.endpoint)
            _, subnets, wide = network(ec2)
            if "wired" in steps:
                log("wired: two-ENI launches (Amazon Linux image: the agent brings eth1 up)")
                results["wired"] = measure_wired(args.binary, ec2, subnets, AMAZON_LINUX, args.rounds)
            if "rtt" in steps:
                log("rtt: instance to instance vs a bare veth pair")
                results["rtt"] = measure_rtt(args.binary, ec2, wide, args.pings)
            if "scale" in steps:
                log(f"scale: {args.instances} instances")
                results["scale"] = measure_scale(args.binary, server, ec2, wide, args.instances, args.batch)
            if "nat" in steps:
                log("nat: CreateNatGateway → first reply through it")
                results["nat"] = measure_nat(args.binary, ec2, args.rounds)
            if "peering" in steps:
                log("peering: AcceptVpcPeeringConnection → first reply over it")
                results["peering"] = measure_peering(args.binary, ec2, args.rounds)
            if "endpoint" in steps:
                log("endpoint: CreateVpcEndpoint (Interface) → first answer from it")
                results["endpoint"] = measure_endpoint(args.binary, ec2, args.rounds)
        finally:
            server.stop()
    rows = []
    if "wired" in results:
        wired = results["wired"]
        rows += [
        ("RunInstances (2 ENIs), median", fmt(median(wired["run_instances_ms"]), " ms"), ""),
        ("eth0 answers after RunInstances returned, median", fmt(median(wired["eth0_reachable_after_return_ms"]), " ms"), "≤ 50 ms"),
        ("eth0 and eth1 answer after return, median", fmt(median(wired["both_reachable_after_return_ms"]), " ms"), "≤ 50 ms"),
        ]
    if "scale" in results:
        scale = results["scale"]
        rows += [
        (f"{scale['instances']} instances: launch total", fmt(scale["launch_total_s"], " s"), ""),
        (f"  RunInstances({scale['batch']}) median", fmt(median(scale["run_instances_ms"]), " ms"), ""),
        ("  instance namespaces / sample reachable", f"{scale['instance_namespaces']} / {scale['sample_reachable']}", f"{scale['instances']} / True"),
        ("  server RSS", fmt(scale["server_rss_mib"], " MiB"), ""),
        ("  terminate all", fmt(scale["terminate_all_s"], " s"), ""),
        ]
    if "rtt" in results:
        rtt = results["rtt"]
        rows += [
        ("ping RTT instance→instance (avg)", fmt(micro(rtt["instances_avg_ms"]), " µs"), ""),
        ("ping RTT bare veth pair (avg)", fmt(micro(rtt["bare_veth_avg_ms"]), " µs"), ""),
        ("  ratio", fmt(rtt["ratio"], "×"), "≤ 2×"),
        ]
    if "nat" in results:
        nat = results["nat"]
        rows += [
        ("CreateNatGateway, median", fmt(median(nat["create_nat_gateway_ms"]), " ms"), ""),
        ("  first reply through it after the call, median", fmt(median(nat["first_reply_after_create_ms"]), " ms"), ""),
        ]
    if "peering" in results:
        peering = results["peering"]
        rows += [
        ("AcceptVpcPeeringConnection, median", fmt(median(peering["accept_ms"]), " ms"), ""),
        ("  first reply over it after the call, median", fmt(median(peering["first_reply_after_accept_ms"]), " ms"), ""),
        ]
    if "endpoint" in results:
        endpoint = results["endpoint"]
        rows += [
        ("CreateVpcEndpoint (Interface), median", fmt(median(endpoint["create_vpc_endpoint_ms"]), " ms"), ""),
        ("  first answer from it after the call, median", fmt(median(endpoint["first_answer_after_create_ms"]), " ms"), ""),
        ]
    width = max(len(r[0]) for r in rows)
    print(f"{'data plane':<{width}}  {'measured':>14}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>14}  {target}")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    results["load_average"] = os.getloadavg()
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
    log(f"written: {args.out}")


if __name__ == "__main__":
    main()
