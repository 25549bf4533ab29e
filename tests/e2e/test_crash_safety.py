"""Crash safety: concurrent clients create, assign, attach and delete while the server is killed
with SIGKILL; after a restart on the same data dir every acknowledged call is there, no refused
call left a trace, and the invariants hold. Each worker owns its interfaces, so it knows exactly
what the server must hold; the one call it had in flight at the kill may have landed or not.

The figures (requests in flight at each kill, how many of them landed, acknowledged calls lost)
are written to target/e2e-logs/crash-safety.json."""
import ipaddress
import json
import os
import random
import signal
import tempfile
import threading
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import DEFAULT_REGION, ROOT, Server

AMI = "ami-0123456789abcdef0"
WORKERS = 8
ROUNDS = 3
ACCOUNT = "135792468024"


def make_client(endpoint):
    return boto3.client(
        "ec2", endpoint_url=endpoint, region_name=DEFAULT_REGION,
        aws_access_key_id=ACCOUNT, aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
    )


class Worker(threading.Thread):
    """Drives random calls against its own interfaces until the server dies, keeping the state
    the server acknowledged (`enis`: id → {"ips": set, "attached": (instance, index) | None})."""

    def __init__(self, number, ec2, subnets, instances, enis):
        super().__init__(daemon=True)
        self.tag = f"worker-{number}"
        self.ec2 = ec2
        self.subnets = subnets
        self.instances = instances
        self.enis = enis
        self.rng = random.Random(number * 7919 + len(enis))
        self.acked = 0
        self.refused = []  # (operation, eni, detail) the server refused: must have left no trace
        self.in_flight = None  # the call that got no answer: (operation, eni, detail)
        self.error = None

    def run(self):
        try:
            while self.in_flight is None:
                self.step()
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = repr(e)

    def call(self, operation, eni, detail, fn):
        try:
            result = fn()
        except ClientError as e:
            if e.response["ResponseMetadata"].get("HTTPStatusCode", 0) >= 500:
                raise
            self.refused.append((operation, eni, detail, e.response["Error"]["Code"]))
            return None
        except Exception:  # the connection died with the server
            self.in_flight = (operation, eni, detail)
            return None
        self.acked += 1
        return result

    def step(self):
        free = [e for e, s in self.enis.items() if s["attached"] is None]
        choice = self.rng.random()
        if choice < 0.3 or not self.enis:
            subnet, cidr = self.rng.choice(self.subnets)
            out = self.call("create", None, subnet, lambda: self.ec2.create_network_interface(
                SubnetId=subnet,
                TagSpecifications=[{"ResourceType": "network-interface", "Tags": [{"Key": "owner", "Value": self.tag}]}]))
            if out:
                eni = out["NetworkInterface"]
                self.enis[eni["NetworkInterfaceId"]] = {
                    "ips": {eni["PrivateIpAddress"]}, "primary": eni["PrivateIpAddress"],
                    "subnet": subnet, "attached": None}
        elif choice < 0.55:
            eni = self.rng.choice(list(self.enis))
            state = self.enis[eni]
            if len(state["ips"]) >= 5:
                return
            cidr = dict(self.subnets)[state["subnet"]]
            if self.rng.random() < 0.5:
                # An explicit address: others may hold it, and then it must not appear here.
                ip = str(ipaddress.ip_network(cidr)[self.rng.randrange(4, 250)])
                if ip in state["ips"]:
                    return
                out = self.call("assign", eni, ip, lambda: self.ec2.assign_private_ip_addresses(
                    NetworkInterfaceId=eni, PrivateIpAddresses=[ip]))
            else:
                out = self.call("assign", eni, None, lambda: self.ec2.assign_private_ip_addresses(
                    NetworkInterfaceId=eni, SecondaryPrivateIpAddressCount=1))
            if out:
                state["ips"].update(a["PrivateIpAddress"] for a in out["AssignedPrivateIpAddresses"])
        elif choice < 0.65:
            eni = self.rng.choice(list(self.enis))
            state = self.enis[eni]
            secondaries = sorted(state["ips"] - {state["primary"]})
            if not secondaries:
                return
            ip = self.rng.choice(secondaries)
            if self.call("unassign", eni, ip, lambda: self.ec2.unassign_private_ip_addresses(
                    NetworkInterfaceId=eni, PrivateIpAddresses=[ip])):
                state["ips"].discard(ip)
        elif choice < 0.85 and free:
            eni = self.rng.choice(free)
            instance = self.rng.choice(self.instances)
            index = self.rng.choice([1, 2])
            if self.call("attach", eni, (instance, index), lambda: self.ec2.attach_network_interface(
                    NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=index)):
                self.enis[eni]["attached"] = (instance, index)
        elif free:
            eni = self.rng.choice(free)
            if self.call("delete", eni, None, lambda: self.ec2.delete_network_interface(NetworkInterfaceId=eni)):
                del self.enis[eni]


def check(ec2, workers, subnets):
    """Compares the server with what was acknowledged; returns (lost, in flight that landed, problems)."""
    enis = {e["NetworkInterfaceId"]: e for e in ec2.describe_network_interfaces()["NetworkInterfaces"]}
    lost, landed, problems = 0, 0, []
    for w in workers:
        in_flight = w.in_flight or (None, None, None)
        for eni_id, state in w.enis.items():
            actual = enis.get(eni_id)
            if actual is None:
                if in_flight[:2] == ("delete", eni_id):
                    landed += 1
                else:
                    lost += 1
                    problems.append(f"{w.tag}: acknowledged {eni_id} is gone")
                continue
            ips = {p["PrivateIpAddress"] for p in actual["PrivateIpAddresses"]}
            if ips != state["ips"]:
                op, target, detail = in_flight
                explained = target == eni_id and op in ("assign", "unassign") and (
                    (op == "unassign" and ips == state["ips"] - {detail})
                    or (op == "assign" and ips > state["ips"] and len(ips - state["ips"]) == 1
                        and (detail is None or ips - state["ips"] == {detail})))
                landed += explained
                if not explained:
                    lost += len(state["ips"] - ips)
                    problems.append(f"{w.tag}: {eni_id} holds {sorted(ips)}, acknowledged {sorted(state['ips'])}")
            attachment = actual.get("Attachment")
            got = (attachment["InstanceId"], attachment["DeviceIndex"]) if attachment else None
            if got != state["attached"] and in_flight[:2] == ("attach", eni_id) and got == in_flight[2]:
                landed += 1
            elif got != state["attached"]:
                lost += 1
                problems.append(f"{w.tag}: {eni_id} attached to {got}, acknowledged {state['attached']}")
        # Interfaces of this worker the server has but it never heard of: only its in-flight create.
        extra = [e for e, x in enis.items()
                 if {"Key": "owner", "Value": w.tag} in x.get("TagSet", []) and e not in w.enis]
        if len(extra) > (1 if in_flight[0] == "create" else 0):
            problems.append(f"{w.tag}: unacknowledged interfaces {extra}")
        landed += len(extra)
        # A refused explicit assign left no trace: the address is not on the interface unless
        # an acknowledged call (or the call in flight) put it there.
        for op, eni_id, detail, code in w.refused:
            if op != "assign" or not detail or eni_id not in enis or in_flight[:2] == ("assign", eni_id):
                continue
            held = {p["PrivateIpAddress"] for p in enis[eni_id]["PrivateIpAddresses"]}
            if detail in held and detail not in w.enis.get(eni_id, {}).get("ips", ()):
                problems.append(f"{w.tag}: refused ({code}) address {detail} is on {eni_id}")
    problems += invariants(ec2, list(enis.values()), subnets)
    return lost, landed, problems


def reconcile(ec2, workers):
    """After a check, each worker adopts what the server holds: its call in flight may have landed."""
    enis = ec2.describe_network_interfaces()["NetworkInterfaces"]
    for w in workers:
        w.enis.clear()
        for e in enis:
            if {"Key": "owner", "Value": w.tag} in e.get("TagSet", []):
                attachment = e.get("Attachment")
                w.enis[e["NetworkInterfaceId"]] = {
                    "ips": {p["PrivateIpAddress"] for p in e["PrivateIpAddresses"]},
                    "primary": e["PrivateIpAddress"], "subnet": e["SubnetId"],
                    "attached": (attachment["InstanceId"], attachment["DeviceIndex"]) if attachment else None,
                }


def invariants(ec2, enis, subnets):
    problems = []
    for subnet_id, cidr in subnets:
        held = [p["PrivateIpAddress"] for e in enis if e["SubnetId"] == subnet_id for p in e["PrivateIpAddresses"]]
        if len(held) != len(set(held)):
            problems.append(f"duplicate address in {subnet_id}")
        size = ipaddress.ip_network(cidr).num_addresses
        free = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailableIpAddressCount"]
        if free != size - 5 - len(held):
            problems.append(f"{subnet_id}: AvailableIpAddressCount {free}, expected {size - 5 - len(held)}")
    slots = [(e["Attachment"]["InstanceId"], e["Attachment"].get("NetworkCardIndex", 0), e["Attachment"]["DeviceIndex"])
             for e in enis if e.get("Attachment")]
    if len(slots) != len(set(slots)):
        problems.append("two interfaces on one device index")
    for e in enis:
        primaries = [p["PrivateIpAddress"] for p in e["PrivateIpAddresses"] if p["Primary"]]
        if primaries != [e["PrivateIpAddress"]]:
            problems.append(f"{e['NetworkInterfaceId']}: primary {primaries} vs {e['PrivateIpAddress']}")
    return problems


def test_acknowledged_calls_survive_sigkill():
    figures = []
    with tempfile.TemporaryDirectory(prefix="localvpc-crash-") as data_dir:
        srv = Server(data_dir)
        ec2 = make_client(srv.endpoint)
        vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
        azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:1]
        subnets = []
        for i, cidr in enumerate(("10.40.1.0/24", "10.40.2.0/24")):
            subnets.append((ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=azs[0])["Subnet"]["SubnetId"], cidr))
        instances = [i["InstanceId"] for i in ec2.run_instances(
            ImageId=AMI, MinCount=4, MaxCount=4, InstanceType="m5.large", SubnetId=subnets[0][0])["Instances"]]
        owned = [dict() for _ in range(WORKERS)]
        try:
            for round_ in range(ROUNDS):
                workers = [Worker(n, make_client(srv.endpoint), subnets, instances, owned[n]) for n in range(WORKERS)]
                for w in workers:
                    w.start()
                time.sleep(1.5 + round_ * 0.5)
                acked_before = sum(w.acked for w in workers)
                srv.stop(signal.SIGKILL)
                for w in workers:
                    w.join(timeout=30)
                assert not any(w.is_alive() for w in workers)
                assert [w.error for w in workers if w.error] == []
                assert acked_before > 20, "the load did not get going"
                srv = Server(data_dir)
                ec2 = make_client(srv.endpoint)
                lost, landed, problems = check(ec2, workers, subnets)
                figures.append({
                    "round": round_ + 1,
                    "acknowledged": sum(w.acked for w in workers),
                    "refused": sum(len(w.refused) for w in workers),
                    "in_flight_at_kill": sum(w.in_flight is not None for w in workers),
                    "in_flight_that_landed": landed,
                    "lost": lost,
                })
                assert problems == [], "\n".join(problems)
                assert lost == 0
                reconcile(ec2, workers)
        finally:
            srv.stop()
            log_dir = os.path.join(ROOT, "target", "e2e-logs")
            os.makedirs(log_dir, exist_ok=True)
            with open(os.path.join(log_dir, "crash-safety.json"), "w") as f:
                json.dump(figures, f, indent=1)
            print(json.dumps(figures))
    assert sum(f["in_flight_at_kill"] for f in figures) > 0, "no request was in flight at any kill"
