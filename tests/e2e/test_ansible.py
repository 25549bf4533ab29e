"""Ansible's amazon.aws collection against localvpc, as a user runs it: tests/ansible/seeds.yml
builds seed 001's and seed 003's networks, a second run changes nothing, `--check` of the
tear-down changes nothing, and tests/ansible/teardown.yml leaves the account as it found it (checked with boto3).
scripts/test installs Ansible into tests/ansible/.venv."""
import json
import os
import subprocess

import pytest

from conftest import ROOT, client

ANSIBLE = os.path.join(ROOT, "tests", "ansible")
PLAYBOOK = os.path.join(ANSIBLE, ".venv", "bin", "ansible-playbook")

pytestmark = pytest.mark.skipif(
    not os.path.exists(PLAYBOOK), reason=f"SKIPPED LOUDLY: no {PLAYBOOK}; scripts/test installs Ansible there"
)


def playbook(server, account, tmp_path, name, *args):
    """Runs one playbook; returns localhost's recap (changed, failures, …)."""
    env = dict(os.environ)
    env.update(
        AWS_URL=server.endpoint,
        AWS_ACCESS_KEY_ID=account,
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_REGION="ap-northeast-1",
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        ANSIBLE_PIPELINING="true",
    )
    for key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(key, None)
    proc = subprocess.run(
        [PLAYBOOK, "-i", "localhost,", os.path.join(ANSIBLE, name), *args],
        env=env, capture_output=True, text=True, timeout=600,
    )
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"ansible-playbook {name} printed no JSON:\n{proc.stdout}\n{proc.stderr}")
    failed = [
        (task["task"]["name"], result)
        for play in out["plays"]
        for task in play["tasks"]
        for result in task["hosts"].values()
        if result.get("failed") or result.get("unreachable")
    ]
    assert proc.returncode == 0 and not failed, f"ansible-playbook {name} {args} failed: {json.dumps(failed, indent=1)[:6000]}\n{proc.stderr[-2000:]}"
    changed = [
        task["task"]["name"] for play in out["plays"] for task in play["tasks"]
        if any(r.get("changed") for r in task["hosts"].values())
    ]
    return out["stats"]["localhost"], changed


def snapshot(ec2):
    """Everything the account has that a playbook could create, as comparable data."""
    everything = [i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]
    instances = [i for i in everything if i["State"]["Name"] != "terminated"]
    # A terminated instance keeps its tags while it is still listed (an hour, as on AWS).
    gone = {i["InstanceId"] for i in everything if i["State"]["Name"] == "terminated"}
    return {
        "vpcs": ec2.describe_vpcs()["Vpcs"],
        "subnets": ec2.describe_subnets()["Subnets"],
        "gateways": ec2.describe_internet_gateways()["InternetGateways"],
        "route_tables": ec2.describe_route_tables()["RouteTables"],
        "groups": ec2.describe_security_groups()["SecurityGroups"],
        "interfaces": ec2.describe_network_interfaces()["NetworkInterfaces"],
        "addresses": ec2.describe_addresses()["Addresses"],
        "instances": instances,
        "volumes": ec2.describe_volumes()["Volumes"],
        "tags": [t for t in ec2.describe_tags()["Tags"] if t["ResourceId"] not in gone],
    }


def test_seed_networks_apply_reapply_check_and_tear_down(server, account, tmp_path):
    ec2 = client(server.endpoint, account)
    before = snapshot(ec2)

    stats, _ = playbook(server, account, tmp_path, "seeds.yml")
    assert stats["changed"] > 0
    built = snapshot(ec2)
    [eni] = [n for n in built["interfaces"] if n.get("Description") == "ENI-01 for standalone"]
    assert sorted(p["PrivateIpAddress"] for p in eni["PrivateIpAddresses"]) == ["192.168.1.100", "192.168.1.101"]
    assert sorted((a["PrivateIpAddress"], a["NetworkInterfaceId"]) for a in built["addresses"]) == [
        ("192.168.1.100", eni["NetworkInterfaceId"]), ("192.168.1.101", eni["NetworkInterfaceId"])]
    [standalone] = [i for i in built["instances"] if i["PrivateIpAddress"] == "192.168.1.100"]
    assert (standalone["State"]["Name"], standalone["NetworkInterfaces"][0]["NetworkInterfaceId"]) == ("running", eni["NetworkInterfaceId"])
    [a] = [i for i in built["instances"] if i["PrivateIpAddress"] == "10.0.1.5"]
    assert sorted((n["Attachment"]["DeviceIndex"], n["PrivateIpAddress"]) for n in a["NetworkInterfaces"]) == [(0, "10.0.1.5"), (1, "10.0.2.5")]

    stats, changed = playbook(server, account, tmp_path, "seeds.yml")
    assert (stats["changed"], changed) == (0, [])
    assert snapshot(ec2) == built

    # --check changes nothing even where a real run would: the tear-down's check run.
    stats, _ = playbook(server, account, tmp_path, "teardown.yml", "--check")
    assert stats["changed"] > 0
    assert snapshot(ec2) == built, "--check changed something"

    playbook(server, account, tmp_path, "teardown.yml")
    assert snapshot(ec2) == before
