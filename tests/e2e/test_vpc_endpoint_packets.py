"""Interface VPC endpoints with real packets (issue 15): the endpoint's interface answers on the
service port inside its VPC, its security groups can shut it, another VPC cannot reach it, and
deleting the endpoint removes it from the network.

Needs root; run inside scripts/isolated. The `dp` fixture (test_dataplane.py) runs a server with
the data plane and always tears the network down."""
import os
import time

import pytest

from conftest import DEFAULT_REGION
from test_dataplane import dp, launch, lvpc_namespaces, subnet  # noqa: F401  (dp is a fixture)
from test_internet import run_in

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")

SERVICE = f"com.amazonaws.{DEFAULT_REGION}.sts"


def fetch(instance_id, address):
    """What the service behind address:443 answers a request from the instance, or None."""
    run = run_in(instance_id, f"curl -sS --max-time 2 http://{address}:443/")
    return run.stdout if run.returncode == 0 else None


def eventually(check, timeout=5.0):
    """The first truthy value of `check()` within the timeout (the data plane follows each API
    call right after it answers), or the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_an_interface_endpoint_answers_inside_its_vpc_as_its_security_group_allows(dp):
    srv, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    sub = subnet(ec2, vpc, "10.60.1.0/24")
    sg = ec2.create_security_group(GroupName="vpce", Description="endpoint", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.60.0.0/16"}]}])
    client = launch(ec2, sub, "10.60.1.10")
    vpce = ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=vpc, ServiceName=SERVICE,
                                   SubnetIds=[sub], SecurityGroupIds=[sg],
                                   PrivateDnsEnabled=False)["VpcEndpoint"]
    (eni_id,) = vpce["NetworkInterfaceIds"]
    address = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]["PrivateIpAddress"]
    assert "lvpc-e-" + eni_id.split("-", 1)[1] in lvpc_namespaces()

    answer = eventually(lambda: fetch(client, address))
    assert answer == f"{SERVICE} via {vpce['VpcEndpointId']} for 10.60.1.10\n"

    # Its security group shuts it: without the rule, nothing gets in.
    ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.60.0.0/16"}]}])
    assert eventually(lambda: fetch(client, address) is None)
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.60.1.10/32"}]}])
    assert eventually(lambda: fetch(client, address)) is not None

    # Another VPC has no way to it.
    other_vpc = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    outsider = launch(ec2, subnet(ec2, other_vpc, "10.61.1.0/24"), "10.61.1.10")
    assert fetch(outsider, address) is None

    # Deleted, it leaves the network.
    assert ec2.delete_vpc_endpoints(VpcEndpointIds=[vpce["VpcEndpointId"]])["Unsuccessful"] == []
    assert eventually(lambda: fetch(client, address) is None)
    assert eventually(lambda: not any(ns.startswith("lvpc-e-") for ns in lvpc_namespaces()))
