"""End-to-end fixtures: one localvpc server per test session, driven by boto3 and the AWS CLI.

Every test gets a fresh account (a random 12-digit access key is the account ID), so tests are
isolated from each other without resetting the server.
"""
import json
import os
import random
import re
import socket
import subprocess
import tempfile
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("LOCALVPC_BIN", os.path.join(ROOT, "target", "debug", "localvpc"))
DEFAULT_REGION = "ap-northeast-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A localvpc process on a free loopback port with its own data dir, or on the PostgreSQL
    database `database` (a URL), which other servers may share."""

    def __init__(self, data_dir: str, extra_args=(), port=None, env=None, log_path=None, database=None):
        self.data_dir = data_dir
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        # Logs outlive the temporary data dir, so a failure can be read afterwards.
        log_dir = os.path.join(ROOT, "target", "e2e-logs")
        os.makedirs(log_dir, exist_ok=True)
        self.log = open(log_path or os.path.join(log_dir, f"server-{self.port}.log"), "ab")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--listen", f"127.0.0.1:{self.port}",
             *(["--database", database] if database else ["--data-dir", data_dir]), *extra_args],
            stdout=self.log,
            stderr=self.log,
            env=None if env is None else {**os.environ, **env},
        )
        self.wait_ready()

    def wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"localvpc exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.endpoint + "/_localvpc/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("localvpc did not become ready")

    def stop(self, sig=None):
        if self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            self.proc.wait(timeout=10)
        self.log.close()


# With LOCALVPC_E2E_DATABASE (a PostgreSQL URL, e.g. from scripts/postgres) the session's
# server keeps its state there instead of in a data dir.
E2E_DATABASE = os.environ.get("LOCALVPC_E2E_DATABASE")


@pytest.fixture(scope="session")
def server():
    with tempfile.TemporaryDirectory(prefix="localvpc-test-") as data_dir:
        srv = Server(data_dir, database=E2E_DATABASE)
        yield srv
        srv.stop()


def new_account() -> str:
    return "".join(random.choice("0123456789") for _ in range(12))


@pytest.fixture
def account() -> str:
    return new_account()


def client(endpoint: str, account: str, region: str = DEFAULT_REGION, validate: bool = True):
    return boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=account,
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}, parameter_validation=validate),
    )


@pytest.fixture
def ec2(server, account):
    """A boto3 EC2 client for a fresh account in ap-northeast-1 (the seeds' region)."""
    return client(server.endpoint, account)


@pytest.fixture
def unvalidated_ec2(server, account):
    """The same account's client without botocore's own checks, so the server's are reached."""
    return client(server.endpoint, account, validate=False)


class AwsCli:
    """Runs the real `aws` CLI against localvpc as one account."""

    def __init__(self, endpoint: str, account: str, region: str = DEFAULT_REGION):
        self.endpoint = endpoint
        self.env = dict(os.environ)
        self.env.update(
            AWS_ACCESS_KEY_ID=account,
            AWS_SECRET_ACCESS_KEY="secret",
            AWS_DEFAULT_REGION=region,
            AWS_PAGER="",
            AWS_CONFIG_FILE="/dev/null",
            AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        )
        self.env.pop("AWS_PROFILE", None)

    def run(self, *args: str):
        """Runs `aws ec2 ARGS…`; returns parsed JSON output (or None) on success."""
        proc = subprocess.run(
            [os.path.join(os.path.dirname(os.path.realpath(__import__("sys").executable)), "aws"), "--endpoint-url", self.endpoint, "--output", "json", "ec2", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if proc.returncode != 0:
            raise CliError(proc.returncode, proc.stderr)
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    def error(self, *args: str) -> "CliError":
        """Runs a command that must fail; returns the error (code, message, exit status)."""
        try:
            out = self.run(*args)
        except CliError as e:
            return e
        raise AssertionError(f"aws ec2 {' '.join(args)} succeeded: {out}")


class CliError(Exception):
    PATTERN = re.compile(r"An error occurred \(([^)]+)\) when calling the (\w+) operation: (.*)", re.S)

    def __init__(self, status: int, stderr: str):
        super().__init__(stderr)
        self.status = status
        self.stderr = stderr
        m = self.PATTERN.search(stderr)
        self.code = m.group(1) if m else None
        self.operation = m.group(2) if m else None
        self.message = m.group(3).strip() if m else stderr.strip()


@pytest.fixture
def aws(server, account):
    return AwsCli(server.endpoint, account)


def error_code(call, *args, **kwargs) -> ClientError:
    """Calls a boto3 method that must fail and returns the ClientError."""
    with pytest.raises(ClientError) as info:
        call(*args, **kwargs)
    return info.value


def code_of(err: ClientError) -> str:
    return err.response["Error"]["Code"]
