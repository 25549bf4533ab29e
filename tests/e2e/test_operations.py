"""Operating the binary: SIGTERM drains requests in flight, and a data dir that is locked, from a
newer schema, unwritable or full stops the server with a clear message and its own exit code
(75, 65, 73, 74 from sysexits.h)."""
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time

import pytest

from conftest import BINARY, Server, client, new_account


def start(data_dir, *extra):
    """Runs `localvpc serve` expecting it to fail at once; returns (exit code, stderr)."""
    proc = subprocess.run(
        [BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir), *extra],
        capture_output=True, text=True, timeout=30,
    )
    return proc.returncode, proc.stderr


def test_sigterm_lets_a_request_in_flight_finish(tmp_path):
    srv = Server(str(tmp_path / "data"))
    account = new_account()
    body = b"Action=CreateVpc&Version=2016-11-15&CidrBlock=10.50.0.0%2F16"
    auth = f"AWS4-HMAC-SHA256 Credential={account}/20260101/ap-northeast-1/ec2/aws4_request, SignedHeaders=host, Signature=0"
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\nAuthorization: {auth}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        # Half the request is on the wire when the server is told to stop.
        sock.sendall(head + body[:10])
        time.sleep(0.2)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert srv.proc.poll() is None, "the server quit with a request in flight"
        # New connections are no longer accepted while it drains.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()
        sock.sendall(body[10:])
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert b"<vpcId>vpc-" in reply
    assert srv.proc.wait(timeout=10) == 0
    srv.log.close()
    # What the drained request did was committed.
    srv = Server(str(tmp_path / "data"))
    try:
        vpcs = client(srv.endpoint, account).describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.50.0.0/16"]}])
        assert len(vpcs["Vpcs"]) == 1
    finally:
        srv.stop()


def test_locked_data_dir(tmp_path):
    srv = Server(str(tmp_path))
    try:
        code, err = start(tmp_path)
    finally:
        srv.stop()
    assert code == 75
    assert f"data dir {tmp_path} is in use by another localvpc server" in err


def test_newer_schema(tmp_path):
    Server(str(tmp_path)).stop()
    with contextlib.closing(sqlite3.connect(tmp_path / "localvpc.sqlite3")) as db:
        db.execute("PRAGMA user_version = 999")
    code, err = start(tmp_path)
    assert code == 65
    assert "holds schema version 999, newer than this localvpc knows" in err
    assert "upgrade localvpc or use another --data-dir" in err


def test_unwritable_data_dir(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    code, err = start(not_a_dir / "data")
    assert code == 73
    assert f"cannot create or write data dir {not_a_dir / 'data'}" in err


@contextlib.contextmanager
def tmpfs(options):
    """A small tmpfs (root only); skips the test where mounting is not allowed."""
    point = tempfile.mkdtemp(prefix="localvpc-tmpfs-")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", point], capture_output=True).returncode:
        os.rmdir(point)
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", point], check=True)
        os.rmdir(point)


def test_read_only_data_dir():
    with tmpfs("ro,size=1m") as point:
        code, err = start(point)
    assert code == 73
    assert f"cannot create or write data dir {point}" in err


def test_full_disk_at_start():
    with tmpfs("size=48k") as point:
        code, err = start(point)
    assert code == 74, err
    assert f"data dir {point} is full" in err


def test_disk_filling_up_while_serving():
    """A full disk fails writes with InternalError, keeps what was committed, and recovers."""
    with tmpfs("size=4m") as point:
        srv = Server(point)
        try:
            ec2 = client(srv.endpoint, new_account())
            vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
            filler = os.path.join(point, "filler")
            # Unbuffered: closing must not flush a remainder into the full disk.
            with open(filler, "wb", buffering=0) as f:
                with contextlib.suppress(OSError):
                    while True:
                        f.write(b"\0" * 65536)
            failures = []
            for i in range(4):
                try:
                    ec2.create_tags(Resources=[vpc], Tags=[{"Key": f"k{i}", "Value": "v" * 256}])
                except Exception as e:  # noqa: BLE001
                    failures.append(getattr(e, "response", {}).get("Error", {}).get("Code"))
            assert failures and set(failures) == {"InternalError"}
            assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["VpcId"] == vpc
            os.remove(filler)
            ec2.create_tags(Resources=[vpc], Tags=[{"Key": "after", "Value": "space"}])
            tags = {t["Key"] for t in ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]}
            assert "after" in tags
        finally:
            srv.stop()
