"""The reconciler's memory (`serve --dataplane`): an API call reads and changes only what it
touches, and the periodic full read (`--resync-seconds`) repairs what was changed behind
localvpc's back. Needs root; each test runs its own server and removes its namespaces."""
import subprocess
import tempfile
import time

from conftest import Server, client, new_account
from test_dataplane import down, guest_ns, launch, lvpc_namespaces, ping, pytestmark, subnet  # noqa: F401


def serve(data_dir, resync_seconds):
    return Server(data_dir, extra_args=["--dataplane", "--resync-seconds", str(resync_seconds)])


def run_network(resync_seconds):
    """A server, two instances in one subnet: (server, ec2, a, b)."""
    assert lvpc_namespaces() == [], "stale lvpc- namespaces from an earlier run"
    data_dir = tempfile.TemporaryDirectory(prefix="localvpc-dp-")
    srv = serve(data_dir.name, resync_seconds)
    ec2 = client(srv.endpoint, new_account())
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    net = subnet(ec2, vpc, "10.0.1.0/24")
    a, b = launch(ec2, net, "10.0.1.10"), launch(ec2, net, "10.0.1.11")
    return data_dir, srv, ec2, a, b


def stop(data_dir, srv):
    srv.stop()
    result = down()
    data_dir.cleanup()
    assert result.returncode == 0, result.stderr
    assert lvpc_namespaces() == []


def answers_within(seconds, instance, address):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ping(instance, address):
            return True
    return False


def test_a_guest_change_behind_localvpcs_back_is_repaired_by_the_periodic_full_read():
    data_dir, srv, ec2, a, b = run_network(resync_seconds=1)
    try:
        assert ping(a, "10.0.1.11")
        subprocess.run(["ip", "-n", guest_ns(b), "addr", "flush", "dev", "eth0"], check=True)
        assert not ping(a, "10.0.1.11")
        assert answers_within(10, a, "10.0.1.11"), "eth0's lease is back"
    finally:
        stop(data_dir, srv)


def test_api_calls_change_only_what_they_touch_and_a_later_full_read_repairs():
    data_dir, srv, ec2, a, b = run_network(resync_seconds=3600)
    try:
        subprocess.run(["ip", "-n", guest_ns(b), "addr", "flush", "dev", "eth0"], check=True)
        # Calls that do not concern instance b leave it as it is: nothing re-reads it.
        ec2.create_tags(Resources=[a], Tags=[{"Key": "Name", "Value": "a"}])
        ec2.stop_instances(InstanceIds=[a])
        ec2.start_instances(InstanceIds=[a])
        ec2.describe_instances()
        assert not ping(a, "10.0.1.11")
        # A restarted server reads everything and repairs it.
        srv.stop()
        srv = serve(data_dir.name, 3600)
        assert answers_within(10, a, "10.0.1.11")
    finally:
        stop(data_dir, srv)
