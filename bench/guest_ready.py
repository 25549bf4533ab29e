"""Time from RunInstances returning to an Amazon Linux instance with two ENIs answering ping on
both (eth0 is configured by the data plane, eth1 by the guest agent the server runs).

Needs root; run inside scripts/isolated, with the localvpc binary to measure:
    LOCALVPC_BIN=target/debug/localvpc scripts/isolated .venv/bin/python bench/guest_ready.py [RUNS]
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from conftest import BINARY, Server, client, new_account  # noqa: E402

AL2023 = "ami-0f4a8aa657d4799b8"
ZONE = "ap-northeast-1a"

# Runs in the peer's namespace, started before the launch so that its own start-up is not
# counted: waits for a line on stdin, then pings each address until it answers.
POLLER = """
import subprocess, sys, time
addresses = sys.argv[1:]
sys.stdin.readline()
start = time.monotonic()
for address in addresses:
    while subprocess.run(["ping", "-c1", "-W0.05", address], capture_output=True).returncode:
        pass
    print(round((time.monotonic() - start) * 1000), flush=True)
"""


def main(runs):
    with tempfile.TemporaryDirectory() as data_dir:
        srv = Server(data_dir, extra_args=["--dataplane"])
        try:
            ec2 = client(srv.endpoint, new_account())
            vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            s1, s2 = (ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24", AvailabilityZone=ZONE)["Subnet"]["SubnetId"]
                      for n in (1, 2))
            peer = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                     SubnetId=s1)["Instances"][0]["InstanceId"]
            peer_ns = "lvpc-i-" + peer.split("-", 1)[1]
            both = []
            for n in range(runs):
                eth0, eth1 = f"10.0.1.{100 + n}", f"10.0.2.{100 + n}"
                poller = subprocess.Popen(["ip", "netns", "exec", peer_ns, "python3", "-c", POLLER, eth0, eth1],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                time.sleep(0.3)
                ec2.run_instances(ImageId=AL2023, InstanceType="t3.micro", MinCount=1, MaxCount=1, NetworkInterfaces=[
                    {"DeviceIndex": 0, "SubnetId": s1, "PrivateIpAddress": eth0},
                    {"DeviceIndex": 1, "SubnetId": s2, "PrivateIpAddress": eth1}])
                poller.stdin.write("go\n")
                poller.stdin.flush()
                first, second = (int(ms) for ms in poller.communicate(timeout=60)[0].split())
                both.append(second)
                print(f"run {n + 1}: eth0 answers after {first} ms, eth1 after {second} ms", flush=True)
            both.sort()
            print(f"both ENIs answering: median {both[len(both) // 2]} ms, max {both[-1]} ms over {runs} launches")
        finally:
            srv.stop()
            subprocess.run([BINARY, "dataplane", "down"], capture_output=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
