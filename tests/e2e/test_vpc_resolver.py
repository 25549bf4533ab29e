"""The VPC resolver (AmazonProvidedDNS) with real packets: at the VPC's base + 2 and at
169.254.169.253, a guest resolves the private DNS names of the VPC's addresses (A and PTR)
while enableDnsSupport is on, and gets no answer once it is off. Names it does not own: NXDOMAIN
inside the region's private domain, SERVFAIL elsewhere (no internet to ask).

Needs root; run inside scripts/isolated."""
import os
import subprocess

import pytest

from conftest import BINARY
from test_dataplane import dp, launch, subnet  # noqa: F401  (dp is a fixture)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")


def nslookup(instance_id, what, server):
    run = subprocess.run([BINARY, "exec", instance_id, "--", "timeout", "4", "busybox", "nslookup", what, server],
                         capture_output=True, text=True, timeout=30)
    return run.returncode, run.stdout + run.stderr


def test_guests_resolve_private_names_through_the_vpc_resolver_while_dns_support_is_on(dp):
    _, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sub = subnet(ec2, vpc, "10.0.1.0/24")
    a = launch(ec2, sub, "10.0.1.5")
    b = launch(ec2, sub, "10.0.1.6")
    name = ec2.describe_instances(InstanceIds=[b])["Reservations"][0]["Instances"][0]["PrivateDnsName"]
    assert name.startswith("ip-10-0-1-6.") and name.endswith(".compute.internal")
    for server in ("10.0.0.2", "169.254.169.253"):
        rc, out = nslookup(a, name, server)
        assert rc == 0 and "10.0.1.6" in out, out
    rc, out = nslookup(a, "10.0.1.6", "10.0.0.2")
    assert rc == 0 and name in out, out
    rc, out = nslookup(a, name.replace("10-0-1-6", "10-0-1-99"), "10.0.0.2")
    assert rc != 0 and "NXDOMAIN" in out, out
    rc, out = nslookup(a, "example.com", "10.0.0.2")
    assert rc != 0 and "SERVFAIL" in out, out
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": False})
    rc, out = nslookup(a, name, "10.0.0.2")
    assert rc != 0 and "10.0.1.6" not in out, out
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    rc, out = nslookup(a, name, "169.254.169.253")
    assert rc == 0 and "10.0.1.6" in out, out


def test_an_interface_endpoints_private_dns_name_resolves_to_its_interface(dp):
    _, ec2 = dp
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    sub = subnet(ec2, vpc, "10.0.1.0/24")
    guest = launch(ec2, sub, "10.0.1.5")
    service = "com.amazonaws.ap-northeast-1.sts"
    vpce = ec2.create_vpc_endpoint(VpcEndpointType="Interface", VpcId=vpc, ServiceName=service,
                                   SubnetIds=[sub], PrivateDnsEnabled=True)["VpcEndpoint"]
    (eni_id,) = vpce["NetworkInterfaceIds"]
    address = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]["PrivateIpAddress"]
    rc, out = nslookup(guest, "sts.ap-northeast-1.amazonaws.com", "169.254.169.253")
    assert rc == 0 and address in out, out
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce["VpcEndpointId"], PrivateDnsEnabled=False)
    rc, out = nslookup(guest, "sts.ap-northeast-1.amazonaws.com", "169.254.169.253")
    assert rc != 0 and "SERVFAIL" in out, out
