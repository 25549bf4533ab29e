"""The EC2 Query protocol edge: envelopes, status codes, parameters, accounts and regions."""
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from conftest import Server, client, code_of, error_code, new_account

NS = "{http://ec2.amazonaws.com/doc/2016-11-15/}"
AUTH = "AWS4-HMAC-SHA256 Credential={key}/20261122/{region}/ec2/aws4_request, SignedHeaders=host, Signature=0"


def call(server, params, method="POST", key="AKIDEXAMPLE", region="us-east-1"):
    """A raw EC2 request; returns (status, headers, body)."""
    body = urllib.parse.urlencode(params)
    headers = {"Authorization": AUTH.format(key=key, region=region)}
    if method == "POST":
        req = urllib.request.Request(server.endpoint + "/", data=body.encode(), headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
    else:
        req = urllib.request.Request(server.endpoint + "/?" + body, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def error_of(body):
    root = ET.fromstring(body)
    assert root.tag == "Response"
    assert root.find("RequestID").text
    return root.find("Errors/Error/Code").text, root.find("Errors/Error/Message").text


def test_success_envelope(server):
    status, headers, body = call(server, {"Action": "DescribeVpcs", "Version": "2016-11-15"})
    assert status == 200
    assert headers["Content-Type"] == "text/xml;charset=UTF-8"
    assert headers["Server"] == "AmazonEC2"
    root = ET.fromstring(body)
    assert root.tag == f"{NS}DescribeVpcsResponse"
    assert len(root.find(f"{NS}requestId").text) == 36


def test_get_with_query_string(server):
    status, _, body = call(server, {"Action": "DescribeRegions", "Version": "2016-11-15"}, method="GET")
    assert status == 200, body


def test_action_errors(server):
    status, _, body = call(server, {"Action": "FlyToTheMoon", "Version": "2016-11-15"})
    assert status == 400 and error_of(body) == ("InvalidAction", "The action FlyToTheMoon is not valid for this web service.")
    status, _, body = call(server, {"Action": "CreateTransitGateway", "Version": "2016-11-15"})
    assert status == 400 and error_of(body)[0] == "UnsupportedOperation"
    status, _, body = call(server, {"Version": "2016-11-15"})
    assert status == 400 and error_of(body)[0] == "MissingParameter"
    status, _, body = call(server, {"Action": "DescribeVpcs"})
    assert status == 400 and error_of(body) == ("MissingParameter", "The request must contain the parameter Version")


def test_parameter_errors(server):
    status, _, body = call(server, {"Action": "DescribeVpcs", "Version": "2016-11-15", "Item": "x"})
    assert status == 400 and error_of(body) == ("UnknownParameter", "The parameter Item is not recognized")
    status, _, body = call(server, {"Action": "DeleteVpc", "Version": "2016-11-15"})
    assert error_of(body) == ("MissingParameter", "The request must contain the parameter VpcId")
    status, _, body = call(server, {"Action": "DescribeVpcs", "Version": "2016-11-15", "MaxResults": "lots"})
    assert error_of(body)[0] == "InvalidParameterValue"
    status, _, body = call(server, {"Action": "CreateVpc", "Version": "2016-11-15", "CidrBlock": "10.0.0.0/16", "InstanceTenancy": "shared"})
    assert error_of(body)[0] == "InvalidParameterValue"
    # A parameter EC2 knows but localvpc does not implement is refused, never ignored.
    status, _, body = call(server, {"Action": "CreateVpc", "Version": "2016-11-15", "CidrBlock": "10.0.0.0/16", "Ipv4IpamPoolId": "ipam-pool-0123456789abcdef0"})
    assert error_of(body)[0] == "UnsupportedOperation"


def test_accounts_are_isolated(server):
    alice, bob = client(server.endpoint, new_account()), client(server.endpoint, new_account())
    vpc_id = alice.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    assert code_of(error_code(bob.describe_vpcs, VpcIds=[vpc_id])) == "InvalidVpcID.NotFound"
    assert code_of(error_code(bob.delete_vpc, VpcId=vpc_id)) == "InvalidVpcID.NotFound"
    assert vpc_id not in [v["VpcId"] for v in bob.describe_vpcs()["Vpcs"]]
    assert alice.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["OwnerId"] != bob.describe_vpcs()["Vpcs"][0]["OwnerId"]


def test_non_numeric_keys_share_the_default_account(server):
    status, _, body = call(server, {"Action": "DescribeVpcs", "Version": "2016-11-15"}, key="AKIAIOSFODNN7EXAMPLE")
    assert "<ownerId>000000000000</ownerId>" in body


def test_regions_are_partitions(server):
    account = new_account()
    tokyo, virginia = client(server.endpoint, account, "ap-northeast-1"), client(server.endpoint, account, "us-east-1")
    vpc_id = tokyo.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    assert code_of(error_code(virginia.describe_vpcs, VpcIds=[vpc_id])) == "InvalidVpcID.NotFound"
    zones = {s["AvailabilityZone"] for s in virginia.describe_subnets()["Subnets"]}
    assert zones == {f"us-east-1{z}" for z in "abcdef"}


def test_unknown_region_refused(server):
    status, _, body = call(server, {"Action": "DescribeVpcs", "Version": "2016-11-15"}, region="mars-north-1")
    assert status == 401 and error_of(body)[0] == "AuthFailure"


def test_health_and_reset(server):
    with urllib.request.urlopen(server.endpoint + "/_localvpc/health") as r:
        assert json.load(r)["status"] == "ok"


def test_reset_wipes_state_and_restart_keeps_it(tmp_path):
    srv = Server(str(tmp_path))
    try:
        account = new_account()
        ec2 = client(srv.endpoint, account)
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        # SIGKILL, then restart on the same data dir: the acknowledged VPC is still there.
        srv.proc.kill()
        srv.proc.wait()
        srv.log.close()
        srv = Server(str(tmp_path))
        ec2 = client(srv.endpoint, account)
        assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == "10.0.0.0/16"
        for path in ("/_localvpc/reset", "/moto-api/reset"):
            urllib.request.urlopen(urllib.request.Request(srv.endpoint + path, data=b"", method="POST")).close()
            assert code_of(error_code(ec2.describe_vpcs, VpcIds=[vpc_id])) == "InvalidVpcID.NotFound"
    finally:
        srv.stop()


def test_second_server_on_same_data_dir_refused(server):
    import subprocess

    from conftest import BINARY

    proc = subprocess.run([BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", server.data_dir], capture_output=True, text=True, timeout=10)
    assert proc.returncode != 0
    assert "in use by another localvpc server" in proc.stderr
