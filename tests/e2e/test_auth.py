"""`--auth verify`: SigV4 checked against a shared-credentials file, with AWS's codes, and STS
GetCallerIdentity in both modes."""
import datetime
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from unittest import mock

import boto3
import botocore.auth
import pytest
from botocore.config import Config

from conftest import DEFAULT_REGION, Server, code_of, error_code

ALICE = ("AKIAALICEEXAMPLE0001", "alice/secret+key=0123456789abcdefghij", "111122223333")
BOB = ("AKIABOBEXAMPLE000002", "bob-secret-0123456789abcdefghijklmnop", "444455556666")


@pytest.fixture(scope="module")
def verify_server():
    with tempfile.TemporaryDirectory(prefix="localvpc-auth-") as tmp:
        creds = os.path.join(tmp, "credentials")
        with open(creds, "w") as f:
            f.write("# keys localvpc accepts\n")
            for name, (key, secret, account) in (("alice", ALICE), ("profile bob", BOB)):
                f.write(f"[{name}]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n")
                f.write(f"aws_account_id = {account}\n\n")
        srv = Server(os.path.join(tmp, "data"), ["--auth", "verify", "--credentials", creds])
        srv.credentials_file = creds
        yield srv
        srv.stop()


def client(server, key, secret, service="ec2"):
    return boto3.client(
        service,
        endpoint_url=server.endpoint,
        region_name=DEFAULT_REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def status_of(err):
    return err.response["ResponseMetadata"]["HTTPStatusCode"]


def test_good_keys_act_as_their_profiles_account(verify_server):
    for key, secret, account in (ALICE, BOB):
        ec2 = client(verify_server, key, secret)
        vpcs = ec2.describe_vpcs()["Vpcs"]
        assert [v["OwnerId"] for v in vpcs] == [account]


def test_wrong_secret_is_signature_does_not_match(verify_server):
    ec2 = client(verify_server, ALICE[0], "not-the-secret")
    err = error_code(ec2.describe_vpcs)
    assert (code_of(err), status_of(err)) == ("SignatureDoesNotMatch", 403)
    assert "does not match the signature you provided" in err.response["Error"]["Message"]


def test_unknown_key_is_auth_failure(verify_server):
    ec2 = client(verify_server, "AKIANOBODYEXAMPLE999", ALICE[1])
    err = error_code(ec2.describe_vpcs)
    assert (code_of(err), status_of(err)) == ("AuthFailure", 401)
    assert err.response["Error"]["Message"] == "AWS was not able to validate the provided access credentials"


def test_skewed_clock_is_request_expired(verify_server):
    ec2 = client(verify_server, *ALICE[:2])
    for skew in (datetime.timedelta(minutes=-20), datetime.timedelta(minutes=20)):
        when = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) + skew
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
            err = error_code(ec2.describe_vpcs)
        assert (code_of(err), status_of(err)) == ("RequestExpired", 400)
    # Within the 15 minutes AWS tolerates, the request is good.
    when = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=10)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        ec2.describe_vpcs()


def post(endpoint, body: bytes, headers):
    req = urllib.request.Request(endpoint + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def test_unsigned_request_is_missing_authentication_token(verify_server):
    status, body = post(verify_server.endpoint, b"Action=DescribeVpcs&Version=2016-11-15", FORM)
    assert status == 403
    assert "<Code>MissingAuthenticationToken</Code>" in body


def signed_headers_for(endpoint, body: bytes, key, secret, token=None):
    """Headers botocore signs for `body`, to replay with another body."""
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=endpoint + "/", data=body, headers=dict(FORM))
    botocore.auth.SigV4Auth(Credentials(key, secret, token), "ec2", DEFAULT_REGION).add_auth(request)
    return dict(request.headers.items())


def test_signature_covers_the_body(verify_server):
    body = b"Action=DescribeVpcs&Version=2016-11-15"
    headers = signed_headers_for(verify_server.endpoint, body, *ALICE[:2])
    assert post(verify_server.endpoint, body, headers)[0] == 200
    status, reply = post(verify_server.endpoint, b"Action=DescribeSubnets&Version=2016-11-15", headers)
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in reply


def test_malformed_authorization_is_incomplete_signature(verify_server):
    headers = dict(FORM, Authorization="AWS4-HMAC-SHA256 Credential=AKIAALICEEXAMPLE0001")
    headers["X-Amz-Date"] = "20260101T000000Z"
    status, body = post(verify_server.endpoint, b"Action=DescribeVpcs&Version=2016-11-15", headers)
    assert status == 400 and "<Code>IncompleteSignature</Code>" in body


def presigned_url(server, key, secret, expires):
    ec2 = client(server, key, secret)
    return ec2.generate_presigned_url("describe_vpcs", Params={}, ExpiresIn=expires, HttpMethod="GET")


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_presigned_urls(verify_server):
    status, body = get(presigned_url(verify_server, *ALICE[:2], 300))
    assert status == 200, body
    assert f"<ownerId>{ALICE[2]}</ownerId>" in body
    # The signature covers the query: another action with the same signature is refused.
    url = presigned_url(verify_server, *ALICE[:2], 300).replace("DescribeVpcs", "DescribeSubnets")
    status, body = get(url)
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body
    # Signed with the wrong secret.
    status, body = get(presigned_url(verify_server, ALICE[0], "wrong", 300))
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body


def test_expired_presigned_url_is_request_expired(verify_server):
    url = presigned_url(verify_server, *ALICE[:2], 1)
    time.sleep(2.1)
    status, body = get(url)
    assert status == 400 and "<Code>RequestExpired</Code>" in body


def test_sts_get_caller_identity_in_verify_mode(verify_server):
    sts = client(verify_server, *BOB[:2], service="sts")
    who = sts.get_caller_identity()
    assert who["Account"] == BOB[2]
    assert who["Arn"] == f"arn:aws:iam::{BOB[2]}:root"
    assert who["UserId"] == BOB[2]
    err = error_code(client(verify_server, "AKIANOBODYEXAMPLE999", "x", service="sts").get_caller_identity)
    assert (code_of(err), status_of(err)) == ("InvalidClientTokenId", 403)
    err = error_code(client(verify_server, BOB[0], "wrong", service="sts").get_caller_identity)
    assert code_of(err) == "SignatureDoesNotMatch"


def aws_cli(endpoint, env_extra, *args):
    env = dict(os.environ, AWS_DEFAULT_REGION=DEFAULT_REGION, AWS_PAGER="", AWS_CONFIG_FILE="/dev/null")
    for k in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(k, None)
    env.update(env_extra)
    aws = os.path.join(os.path.dirname(os.path.realpath(sys.executable)), "aws")
    return subprocess.run(
        [aws, "--endpoint-url", endpoint, "--output", "text", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )


def test_cli_in_verify_mode(verify_server):
    # The CLI reads the very file the server does, by profile.
    profile = dict(AWS_SHARED_CREDENTIALS_FILE=verify_server.credentials_file, AWS_PROFILE="alice")
    out = aws_cli(verify_server.endpoint, profile, "sts", "get-caller-identity", "--query", "Account")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ALICE[2]
    out = aws_cli(verify_server.endpoint, profile, "ec2", "describe-vpcs", "--query", "Vpcs[].OwnerId")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ALICE[2]
    wrong = dict(AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_ACCESS_KEY_ID=ALICE[0], AWS_SECRET_ACCESS_KEY="wrong")
    out = aws_cli(verify_server.endpoint, wrong, "ec2", "describe-vpcs")
    assert out.returncode != 0
    assert "(SignatureDoesNotMatch)" in out.stderr
    unknown = dict(AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_ACCESS_KEY_ID="AKIANOBODY", AWS_SECRET_ACCESS_KEY="x")
    out = aws_cli(verify_server.endpoint, unknown, "ec2", "describe-vpcs")
    assert "(AuthFailure)" in out.stderr


def test_sts_get_caller_identity_in_off_mode(server, account):
    sts = boto3.client(
        "sts", endpoint_url=server.endpoint, region_name=DEFAULT_REGION,
        aws_access_key_id=account, aws_secret_access_key="anything",
    )
    assert sts.get_caller_identity()["Account"] == account
    out = aws_cli(
        server.endpoint,
        dict(AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_ACCESS_KEY_ID=account, AWS_SECRET_ACCESS_KEY="x"),
        "sts", "get-caller-identity", "--query", "Account",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == account


def test_verify_without_credentials_file_refuses_to_start(tmp_path):
    from conftest import BINARY

    proc = subprocess.run(
        [BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path), "--auth", "verify"],
        capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 1
    assert "--auth verify needs --credentials FILE" in proc.stderr
    bad = tmp_path / "creds"
    bad.write_text("[x]\naws_access_key_id = K\naws_secret_access_key = S\n")
    proc = subprocess.run(
        [BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "d"), "--auth", "verify",
         "--credentials", str(bad)],
        capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 1
    assert "profile [x] has no aws_account_id" in proc.stderr


def test_session_tokens_are_signed_over(verify_server):
    """A token is covered by the signature (not validated: the file has no temporary keys)."""
    ec2 = boto3.client(
        "ec2", endpoint_url=verify_server.endpoint, region_name=DEFAULT_REGION,
        aws_access_key_id=ALICE[0], aws_secret_access_key=ALICE[1], aws_session_token="token-1",
        config=Config(retries={"max_attempts": 1}),
    )
    assert ec2.describe_vpcs()["Vpcs"][0]["OwnerId"] == ALICE[2]
    body = b"Action=DescribeVpcs&Version=2016-11-15"
    headers = signed_headers_for(verify_server.endpoint, body, *ALICE[:2], token="token-1")
    assert post(verify_server.endpoint, body, headers)[0] == 200
    headers["X-Amz-Security-Token"] = "token-2"
    status, reply = post(verify_server.endpoint, body, headers)
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in reply
