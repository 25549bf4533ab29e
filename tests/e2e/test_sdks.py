"""The AWS SDKs for Rust and JavaScript build seed 001's network, and LocalStack's `awslocal`
works unchanged against the default port. Each SDK takes its endpoint from
AWS_ENDPOINT_URL_EC2, as a user's program does; the programs are tests/sdk-rust and
tests/sdk-js (scripts/test builds the first and installs the second's packages)."""
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile

import pytest

from conftest import ROOT, Server, client, new_account

RUST = os.path.join(ROOT, "tests", "sdk-rust")
# Where scripts/test builds it (a cache outside the work tree).
RUST_TARGET = os.environ.get("LOCALVPC_SDK_RUST_TARGET", os.path.join(ROOT, "target", "sdk-rust"))
JS = os.path.join(ROOT, "tests", "sdk-js")
DEFAULT_PORT = 4566


def sdk_env(endpoint, account):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL_EC2=endpoint,
        AWS_ACCESS_KEY_ID=account,
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_REGION="ap-northeast-1",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def assert_torn_down(server, account):
    """The programs tear their network down; nothing but the default VPC's resources is left."""
    ec2 = client(server.endpoint, account)
    assert [v["CidrBlock"] for v in ec2.describe_vpcs()["Vpcs"]] == ["172.31.0.0/16"]
    assert ec2.describe_addresses()["Addresses"] == []
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []


def test_the_rust_sdk_builds_seed_001(server, account):
    if not glob.glob(os.path.join(RUST_TARGET, "debug", "deps", "seed_001-*")):
        pytest.skip(f"SKIPPED LOUDLY: tests/sdk-rust is not built; scripts/test builds it into {RUST_TARGET}")
    proc = subprocess.run(
        ["cargo", "test", "--frozen", "--quiet", "--manifest-path", os.path.join(RUST, "Cargo.toml"), "--target-dir", RUST_TARGET],
        env=sdk_env(server.endpoint, account), capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "test result: ok. 1 passed" in proc.stdout
    assert_torn_down(server, account)


def test_the_javascript_sdk_builds_seed_001(server, account):
    if shutil.which("node") is None or not os.path.isdir(os.path.join(JS, "node_modules", "@aws-sdk", "client-ec2")):
        pytest.skip("SKIPPED LOUDLY: no node or no tests/sdk-js/node_modules; scripts/test runs `npm ci` there")
    proc = subprocess.run(["node", "--test"], cwd=JS, env=sdk_env(server.endpoint, account),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# pass 1" in proc.stdout and "# fail 0" in proc.stdout
    assert_torn_down(server, account)


def port_taken(port):
    with socket.socket() as s:
        # As the server binds: a port in TIME_WAIT from the previous test is free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@pytest.fixture
def default_port_server():
    """A server on 4566, the port LocalStack's tools assume."""
    if port_taken(DEFAULT_PORT):
        pytest.skip(f"SKIPPED LOUDLY: port {DEFAULT_PORT} is taken (scripts/test runs this in a private network namespace)")
    with tempfile.TemporaryDirectory(prefix="localvpc-4566-") as data_dir:
        srv = Server(data_dir, port=DEFAULT_PORT)
        try:
            yield srv
        finally:
            srv.stop()


def test_awslocal_works_unchanged_on_the_default_port(default_port_server):
    awslocal = shutil.which("awslocal")
    assert awslocal, "awslocal (awscli-local, tests/requirements.txt) is not on the PATH"
    account = new_account()
    env = {k: v for k, v in os.environ.items() if not (k.startswith("AWS_") or k.startswith("LOCALSTACK_"))}
    env.update(AWS_ACCESS_KEY_ID=account, AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="ap-northeast-1")

    def awslocal_ec2(*args):
        proc = subprocess.run([awslocal, "ec2", *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    vpc = awslocal_ec2("create-vpc", "--cidr-block", "10.9.0.0/16")["Vpc"]
    assert (vpc["CidrBlock"], vpc["OwnerId"]) == ("10.9.0.0/16", account)
    found = awslocal_ec2("describe-vpcs", "--filters", "Name=cidr-block,Values=10.9.0.0/16")["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc["VpcId"]]
    assert client(default_port_server.endpoint, account).describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["CidrBlock"] == "10.9.0.0/16"
