"""The data plane as the analyzer's oracle (reachability.md §5): random topologies built through
the API, random flows analyzed by StartNetworkInsightsAnalysis and sent as real packets in the
namespaces (TCP handshake, UDP reply); the verdicts must agree, and fixing what the analysis
blamed must let the packet through (and make a new analysis agree).

Scope, as the guest-blind analysis can judge it: flows use addresses the guest has configured
(eth0's primary, secondaries added to eth0 or not); paths through an appliance instance are
skipped (the guest's forwarding is not modelled); ICMP is left to `localvpc why`."""
import ctypes
import os
import random
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
PROBE_TIMEOUT = 0.3  # veth pairs answer in microseconds
AMI = "ami-0123456789abcdef0"  # no agent: only eth0's primary is configured by "DHCP"
ZONE = "ap-northeast-1a"
EDGES = [22, 23, 80, 443, 1023, 1024, 5432, 8080, 32767, 32768, 60999, 61000, 65535]
SOURCE_PORTS = [1024, 5000, 32768, 45000, 60999, 61000, 65535]


def _in_ns(ns, make):
    """Runs `make()` on a thread inside network namespace `ns`; sockets it makes stay there."""
    out = {}

    def run():
        try:
            fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), f"setns {ns}")
            finally:
                os.close(fd)
            out["value"] = make()
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            out["error"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def _sock(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s


def probe(proto, src_ns, src_ip, sport, dst_ns, listen_ip, dst_ip, dport):
    """Whether the flow works with real packets: the TCP handshake completes, or the UDP echo
    (bound to `listen_ip`, so its reply leaves from that address) comes back."""
    if proto == "tcp":
        def listener():
            s = _sock(socket.SOCK_STREAM)
            s.bind((listen_ip, dport))
            s.listen(16)
            return s
    else:
        def listener():
            s = _sock(socket.SOCK_DGRAM)
            s.bind((listen_ip, dport))
            s.settimeout(PROBE_TIMEOUT + 0.5)
            return s
    server = _in_ns(dst_ns, listener)

    def client():
        s = _sock(socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
        s.bind((src_ip, sport))
        s.settimeout(PROBE_TIMEOUT)
        return s
    conn = _in_ns(src_ns, client)
    try:
        if proto == "tcp":
            return conn.connect_ex((dst_ip, dport)) == 0

        def echo():
            try:
                data, peer = server.recvfrom(64)
                server.sendto(data, peer)
            except OSError:
                pass
        t = threading.Thread(target=echo)
        t.start()
        conn.sendto(b"oracle", (dst_ip, dport))
        try:
            return conn.recv(64) == b"oracle"
        except OSError:
            return False
        finally:
            t.join()
    finally:
        conn.close()
        server.close()


def ns_of(instance_id):
    return "lvpc-i-" + instance_id.split("-", 1)[1]


@dataclass
class Instance:
    id: str
    eni: str
    subnet: str
    primary: str
    secondaries: list
    configured: list  # addresses the guest has
    public: dict = field(default_factory=dict)  # private -> public


@dataclass
class Round:
    """One random topology in a fresh account."""
    ec2: object
    rng: random.Random
    vpc: str = ""
    igw: str = ""
    subnets: list = field(default_factory=list)  # (id, cidr)
    groups: list = field(default_factory=list)
    acls: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    instances: list = field(default_factory=list)
    ports: set = field(default_factory=set)


def _rule_ports(rng):
    a = rng.choice(EDGES)
    b = rng.choice([a, a, rng.choice(EDGES)])
    return min(a, b), max(a, b)


def build(ec2, rng):
    r = Round(ec2, rng)
    r.vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for k in range(1, rng.randint(1, 3) + 1):
        cidr = f"10.0.{k}.0/24"
        sid = ec2.create_subnet(VpcId=r.vpc, CidrBlock=cidr, AvailabilityZone=ZONE)["Subnet"]["SubnetId"]
        r.subnets.append((sid, cidr))
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [r.vpc]}])["RouteTables"][0]["RouteTableId"]
    r.tables.append(main)
    if rng.random() < 0.8:
        r.igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=r.igw, VpcId=r.vpc)
    if len(r.subnets) > 1 and rng.random() < 0.4:
        table = ec2.create_route_table(VpcId=r.vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=r.subnets[1][0])
        r.tables.append(table)
    for table in r.tables:
        if r.igw and rng.random() < 0.8:
            ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=r.igw)
    if rng.random() < 0.3:
        # A route to an unattached interface is a blackhole.
        spare = ec2.create_network_interface(SubnetId=r.subnets[0][0])["NetworkInterface"]["NetworkInterfaceId"]
        ec2.create_route(RouteTableId=rng.choice(r.tables), DestinationCidrBlock="192.0.2.128/25", NetworkInterfaceId=spare)
    # Groups: 1-3, 0-4 ingress rules each; egress all, or 0-2 random rules.
    for g in range(rng.randint(1, 3)):
        gid = ec2.create_security_group(GroupName=f"g{g}", Description="oracle", VpcId=r.vpc)["GroupId"]
        r.groups.append(gid)
    peers = ["0.0.0.0/0", "10.0.0.0/16", "192.0.2.0/24"] + [c for _, c in r.subnets]
    for gid in r.groups:
        for direction in ("ingress", "egress"):
            if direction == "egress":
                if rng.random() < 0.6:
                    continue
                ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
            for _ in range(rng.randint(0, 4 if direction == "ingress" else 2)):
                perm = {"IpProtocol": rng.choice(["tcp", "udp", "tcp", "-1"])}
                if perm["IpProtocol"] != "-1":
                    lo, hi = _rule_ports(rng)
                    perm.update(FromPort=lo, ToPort=hi)
                    r.ports.update({lo, hi})
                if rng.random() < 0.3:
                    perm["UserIdGroupPairs"] = [{"GroupId": rng.choice(r.groups)}]
                else:
                    perm["IpRanges"] = [{"CidrIp": rng.choice(peers)}]
                call = ec2.authorize_security_group_ingress if direction == "ingress" else ec2.authorize_security_group_egress
                try:
                    call(GroupId=gid, IpPermissions=[perm])
                except ec2.exceptions.ClientError as e:
                    if "Duplicate" not in str(e):
                        raise
    # ACLs: a custom one for a random subnet, rules in random order of numbers.
    if rng.random() < 0.6:
        acl = ec2.create_network_acl(VpcId=r.vpc)["NetworkAcl"]["NetworkAclId"]
        sid = rng.choice(r.subnets)[0]
        assoc = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [sid]}])["NetworkAcls"][0]
        aid = next(a["NetworkAclAssociationId"] for a in assoc["Associations"] if a["SubnetId"] == sid)
        ec2.replace_network_acl_association(AssociationId=aid, NetworkAclId=acl)
        r.acls.append(acl)
        for egress in (False, True):
            numbers = rng.sample([20, 40, 60, 80, 100, 120, 140, 160], rng.randint(0, 4))
            for n in numbers:
                proto = rng.choice(["6", "17", "-1"])
                entry = dict(NetworkAclId=acl, RuleNumber=n, Protocol=proto, Egress=egress,
                             RuleAction=rng.choice(["allow", "deny"]), CidrBlock=rng.choice(peers))
                if proto != "-1":
                    lo, hi = rng.choice([_rule_ports(rng), (1024, 65535), (32768, 60999)])
                    entry["PortRange"] = {"From": lo, "To": hi}
                    r.ports.update({lo, hi})
                ec2.create_network_acl_entry(**entry)
            if rng.random() < 0.7:
                ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=300, Protocol="-1", Egress=egress,
                                             RuleAction="allow", CidrBlock="0.0.0.0/0")
    # Instances: eth0 in a random subnet with 1-2 groups, maybe a secondary address (in the
    # guest or not), maybe an Elastic IP.
    for _ in range(rng.randint(2, 4)):
        sid, _ = rng.choice(r.subnets)
        spec = {"DeviceIndex": 0, "SubnetId": sid, "Groups": rng.sample(r.groups, rng.randint(1, len(r.groups)))}
        if rng.random() < 0.4:
            spec["SecondaryPrivateIpAddressCount"] = 1
        inst = ec2.run_instances(ImageId=AMI, InstanceType="t3.medium", MinCount=1, MaxCount=1,
                                 NetworkInterfaces=[spec])["Instances"][0]
        nic = inst["NetworkInterfaces"][0]
        addrs = [p["PrivateIpAddress"] for p in nic["PrivateIpAddresses"]]
        i = Instance(inst["InstanceId"], nic["NetworkInterfaceId"], sid, addrs[0], addrs[1:], [addrs[0]])
        ec2.describe_instances(InstanceIds=[i.id])  # pending → running
        for a in i.secondaries:
            if rng.random() < 0.5:
                subprocess.run(["ip", "-n", ns_of(i.id), "addr", "add", f"{a}/32", "dev", "eth0"], check=True)
                i.configured.append(a)
        if r.igw and rng.random() < 0.5:
            address = rng.choice(addrs)
            eip = ec2.allocate_address(Domain="vpc")
            ec2.associate_address(AllocationId=eip["AllocationId"], NetworkInterfaceId=i.eni, PrivateIpAddress=address)
            i.public[address] = eip["PublicIp"]
        r.instances.append(i)
    if rng.random() < 0.3:
        # 192.0.2.64/26 through an instance whose check is on: the VPC drops it there.
        ec2.create_route(RouteTableId=rng.choice(r.tables), DestinationCidrBlock="192.0.2.64/26",
                         NetworkInterfaceId=rng.choice(r.instances).eni)
    return r


@dataclass
class Flow:
    proto: str
    kind: str  # "east-west", "egress", "ingress"
    src: object  # Instance or internet address
    src_ip: str
    sport: int
    dst: object  # Instance or internet address
    dst_ip: str  # as sent
    listen_ip: str  # where the listener binds
    dport: int

    def __str__(self):
        s = self.src.id if isinstance(self.src, Instance) else "internet"
        d = self.dst.id if isinstance(self.dst, Instance) else "internet"
        return f"{self.proto} {s} {self.src_ip}:{self.sport} -> {d} {self.dst_ip}:{self.dport}"


def flows(r, n):
    rng = r.rng
    ports = sorted(r.ports | {22, 80, 443})
    out = []
    for _ in range(n * 4):
        if len(out) == n:
            break
        proto = rng.choice(["tcp", "udp"])
        dport = rng.choice(ports + [p + 1 for p in ports if p < 65535])
        sport = rng.choice(SOURCE_PORTS)
        kind = rng.choice(["east-west", "east-west", "egress", "ingress"])
        if kind == "east-west":
            a, b = rng.sample(r.instances, 2)
            dst_ip = rng.choice(b.configured)
            out.append(Flow(proto, kind, a, rng.choice(a.configured), sport, b, dst_ip, dst_ip, dport))
        elif kind == "egress":
            a = rng.choice(r.instances)
            dst_ip = f"192.0.2.{rng.choice([10, 70, 200, 250])}"  # .1:80 serves "what is my IP"
            out.append(Flow(proto, kind, a, rng.choice(a.configured), sport, dst_ip, dst_ip, dst_ip, dport))
        else:
            mapped = [(i, p, q) for i in r.instances for p, q in i.public.items() if p in i.configured]
            if not mapped or not r.igw:
                continue
            b, private, public = rng.choice(mapped)
            src_ip = f"192.0.2.{rng.choice([1, 33])}"
            out.append(Flow(proto, kind, src_ip, src_ip, sport, b, public, private, dport))
    return out


def analyze(ec2, f, igw):
    """A path for exactly this flow, analyzed: the analysis."""
    at_source = {"SourceAddress": f.src_ip, "DestinationAddress": f.dst_ip,
                 "SourcePortRange": {"FromPort": f.sport, "ToPort": f.sport},
                 "DestinationPortRange": {"FromPort": f.dport, "ToPort": f.dport}}
    args = dict(Protocol=f.proto, FilterAtSource=at_source)
    if f.kind == "ingress":
        args.update(Source=igw, Destination=f.dst.eni)
    else:
        args["Source"] = f.src.eni
        if f.kind == "east-west":
            args["Destination"] = f.dst.eni
    path = ec2.create_network_insights_path(**args)["NetworkInsightsPath"]["NetworkInsightsPathId"]
    started = ec2.start_network_insights_analysis(NetworkInsightsPathId=path)["NetworkInsightsAnalysis"]
    for _ in range(100):  # settled at once by default; Describe shows the outcome
        got = ec2.describe_network_insights_analyses(NetworkInsightsAnalysisIds=[started["NetworkInsightsAnalysisId"]])
        a = got["NetworkInsightsAnalyses"][0]
        if a["Status"] != "running":
            assert a["Status"] == "succeeded", a
            return a
        time.sleep(0.05)
    raise AssertionError("analysis still running")


def send(f):
    src_ns = ns_of(f.src.id) if isinstance(f.src, Instance) else "lvpc-internet"
    dst_ns = ns_of(f.dst.id) if isinstance(f.dst, Instance) else "lvpc-internet"
    return probe(f.proto, src_ns, f.src_ip, f.sport, dst_ns, f.listen_ip, f.dst_ip, f.dport)


def through_appliance(a, f):
    """Whether the analysis's path crosses an ENI that is neither end (guest forwarding)."""
    ends = {getattr(f.src, "eni", None), getattr(f.dst, "eni", None)}
    hops = a.get("ForwardPathComponents", []) + a.get("ReturnPathComponents", [])
    return any(c["Component"]["Id"].startswith("eni-") and c["Component"]["Id"] not in ends for c in hops)


def fix(r, f, e):
    """Applies the minimal fix for one explanation; False if it has none here."""
    ec2, code = r.ec2, e["ExplanationCode"]
    if code in ("ENI_SG_RULES_MISMATCH", "SG_HAS_NO_RULES"):
        group = e["SecurityGroups"][0]["Id"]
        peer = f.dst_ip if e["Direction"] == "egress" else f.src_ip
        if f.kind == "ingress" and e["Direction"] == "egress":
            return False
        perm = {"IpProtocol": f.proto, "FromPort": f.dport, "ToPort": f.dport, "IpRanges": [{"CidrIp": f"{peer}/32"}]}
        call = ec2.authorize_security_group_egress if e["Direction"] == "egress" else ec2.authorize_security_group_ingress
        call(GroupId=group, IpPermissions=[perm])
        return True
    if code == "SUBNET_ACL_RESTRICTION":
        number = e["AclRule"]["RuleNumber"]
        number = 32766 if number == 32767 else number - 1
        ec2.create_network_acl_entry(NetworkAclId=e["Acl"]["Id"], RuleNumber=number, Protocol="-1",
                                     Egress=e["Direction"] == "egress", RuleAction="allow", CidrBlock="0.0.0.0/0")
        return True
    if code in ("NO_ROUTE_TO_DESTINATION", "BAD_STATE_ROUTE") and r.igw and f.kind == "egress":
        table = e["RouteTable"]["Id"]
        cidr = e.get("RouteTableRoute", {}).get("DestinationCidr", "0.0.0.0/0")
        if code == "BAD_STATE_ROUTE":
            ec2.replace_route(RouteTableId=table, DestinationCidrBlock=cidr, GatewayId=r.igw)
        else:
            ec2.create_route(RouteTableId=table, DestinationCidrBlock=cidr, GatewayId=r.igw)
        return True
    if code == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS":
        eip = ec2.allocate_address(Domain="vpc")
        ec2.associate_address(AllocationId=eip["AllocationId"], NetworkInterfaceId=e["NetworkInterface"]["Id"],
                              PrivateIpAddress=e["Address"])
        f.src.public[e["Address"]] = eip["PublicIp"]
        return True
    return False


def codes(a):
    return [e["ExplanationCode"] for e in a.get("Explanations", [])]


def run(ec2_factory, seed, rounds, per_round, fixes_per_round=3, log=print):
    """Runs the oracle; returns (flows compared, fixes proved, skipped, disagreements)."""
    compared = proved = skipped = 0
    disagreements = []
    for k in range(rounds):
        rng = random.Random(f"{seed}/{k}")
        r = build(ec2_factory(), rng)
        blocked = []
        for f in flows(r, per_round):
            a = analyze(r.ec2, f, r.igw)
            if through_appliance(a, f) and a["NetworkPathFound"]:
                skipped += 1
                continue
            got = send(f)
            compared += 1
            if got != a["NetworkPathFound"]:
                disagreements.append(f"seed {seed}/{k}: {f}: analysis {a['NetworkPathFound']} {codes(a)}, packets {got}")
                log(disagreements[-1])
            elif not got:
                blocked.append(f)
        for f in blocked[:fixes_per_round]:
            for _ in range(4):
                a = analyze(r.ec2, f, r.igw)
                if a["NetworkPathFound"] or not all(fix(r, f, e) for e in a["Explanations"]):
                    break
            if not a["NetworkPathFound"]:
                skipped += 1  # a blocker without a fix here (an appliance, no gateway)
                continue
            if through_appliance(a, f):
                skipped += 1
                continue
            got = send(f)
            if got:
                proved += 1
            else:
                disagreements.append(f"seed {seed}/{k}: {f}: fixed {codes(a)}, analysis found, packets blocked")
                log(disagreements[-1])
    return compared, proved, skipped, disagreements
