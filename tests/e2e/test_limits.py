"""Bounded input: body size, parameter count, list lengths, filters and string lengths are
refused with clear EC2-style errors, and malformed bytes never take the server down."""
import urllib.error
import urllib.request

from conftest import code_of, error_code

VERSION = "Version=2016-11-15"


def post(server, account, body: bytes):
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Authorization": f"AWS4-HMAC-SHA256 Credential={account}/20260101/ap-northeast-1/ec2/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    req = urllib.request.Request(server.endpoint + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_body_over_one_mebibyte_is_413_in_an_ec2_envelope(server, account):
    body = f"Action=DescribeVpcs&{VERSION}&VpcId.1=".encode() + b"v" * (1 << 20)
    status, reply = post(server, account, body)
    assert status == 413
    assert "<Code>RequestEntityTooLarge</Code>" in reply
    assert "<Message>The request body exceeds the limit of 1048576 bytes.</Message>" in reply
    assert "<RequestID>" in reply
    # Just under the limit is parsed as usual (and refused for what it says, not its size).
    body = f"Action=DescribeVpcs&{VERSION}&VpcId.1=".encode() + b"v" * ((1 << 20) - 100)
    status, reply = post(server, account, body)
    assert status == 400 and "<Code>InvalidVpcID.Malformed</Code>" in reply


def test_parameter_count_is_bounded(server, account):
    body = f"Action=DescribeVpcs&{VERSION}&" + "&".join(f"VpcId.{i % 500 + 1}=vpc-1" for i in range(5000))
    status, reply = post(server, account, body.encode())
    assert status == 400
    assert "<Code>InvalidParameterValue</Code>" in reply
    assert "The request has 5002 parameters; at most 5000 are allowed." in reply


def test_id_lists_hold_at_most_1000(unvalidated_ec2):
    err = error_code(unvalidated_ec2.describe_vpcs, VpcIds=[f"vpc-{i:08x}" for i in range(1001)])
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == "The parameter VpcId has 1001 members; at most 1000 are allowed."
    err = error_code(unvalidated_ec2.create_tags, Resources=["vpc-1"] * 1001, Tags=[{"Key": "k", "Value": "v"}])
    assert code_of(err) == "InvalidParameterValue"


def test_filter_counts_and_values(ec2):
    err = error_code(ec2.describe_vpcs, Filters=[{"Name": "vpc-id", "Values": ["x"]}] * 51)
    assert code_of(err) == "FilterLimitExceeded"
    err = error_code(ec2.describe_subnets, Filters=[{"Name": "vpc-id", "Values": [str(i) for i in range(1001)]}])
    assert code_of(err) == "FilterLimitExceeded"
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [str(i) for i in range(1000)]}])["Vpcs"] == []


def test_string_lengths(ec2):
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Description="d" * 256)
    assert code_of(err) == "InvalidParameterValue"
    eni = ec2.create_network_interface(SubnetId=subnet, Description="d" * 255)["NetworkInterface"]
    assert eni["Description"] == "d" * 255
    err = error_code(
        ec2.modify_network_interface_attribute,
        NetworkInterfaceId=eni["NetworkInterfaceId"],
        Description={"Value": "e" * 256},
    )
    assert code_of(err) == "InvalidParameterValue"
    group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    err = error_code(
        ec2.authorize_security_group_ingress,
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1,
                        "IpRanges": [{"CidrIp": "10.9.0.0/16", "Description": "r" * 256}]}],
    )
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.create_tags, Resources=[eni["NetworkInterfaceId"]], Tags=[{"Key": "k" * 128, "Value": "v"}])
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.create_tags, Resources=[eni["NetworkInterfaceId"]], Tags=[{"Key": "k", "Value": "v" * 257}])
    assert code_of(err) == "InvalidParameterValue"


def test_malformed_bytes_are_refused_not_fatal(server, account, ec2):
    for body in (
        b"Action=DescribeVpcs&" + VERSION.encode() + b"&VpcId.1=\xff\xfe%zz%",
        b"\x00\x01\x02=&&&==",
        b"Action=%E2%82&Version=\xff",
        b"Action=DescribeVpcs&" + VERSION.encode() + b"&VpcId.99999999999999999999=x",
        b"Action=DescribeVpcs&" + VERSION.encode() + b"&Filter.1.Value.1.Name=x",
    ):
        status, reply = post(server, account, body)
        assert 400 <= status < 500, (body, status, reply)
        assert "<Errors><Error><Code>" in reply
    ec2.describe_vpcs()  # still serving


def test_characters_xml_cannot_carry_do_not_break_responses(ec2, unvalidated_ec2):
    """Found by fuzzing: a control character quoted back (in a value or an error message) made
    the response unparseable. It comes back as U+FFFD instead."""
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "ctl", "Value": "a\x01b\tc"}])
    tags = {t["Key"]: t["Value"] for t in ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]}
    assert tags["ctl"] == "a\ufffdb\tc"
    err = error_code(unvalidated_ec2.describe_network_interfaces, NextToken="\x00junk")
    assert (code_of(err), err.response["Error"]["Message"]) == ("InvalidNextToken", "The token '\ufffdjunk' is invalid.")
