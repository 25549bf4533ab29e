"""IPv6 gateways and routes: egress-only internet gateways, and routes with
DestinationIpv6CidrBlock to an internet gateway, an egress-only gateway or an interface."""
import ipaddress

import pytest

from conftest import code_of, error_code


def ipv6_vpc(ec2, cidr="10.0.0.0/16"):
    vpc_id = ec2.create_vpc(CidrBlock=cidr, AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    return vpc_id, ipaddress.IPv6Network(vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])


def eigw_in(ec2, vpc_id, **kwargs):
    return ec2.create_egress_only_internet_gateway(VpcId=vpc_id, **kwargs)["EgressOnlyInternetGateway"]


def test_create_describe_delete_egress_only_gateway(ec2, aws):
    vpc_id, _ = ipv6_vpc(ec2)
    out = ec2.create_egress_only_internet_gateway(
        VpcId=vpc_id, ClientToken="tok-1",
        TagSpecifications=[{"ResourceType": "egress-only-internet-gateway", "Tags": [{"Key": "Name", "Value": "out"}]}])
    gateway = out["EgressOnlyInternetGateway"]
    assert out["ClientToken"] == "tok-1"
    eigw = gateway["EgressOnlyInternetGatewayId"]
    assert eigw.startswith("eigw-") and len(eigw) == len("eigw-") + 17
    assert gateway["Attachments"] == [{"State": "attached", "VpcId": vpc_id}]
    assert gateway["Tags"] == [{"Key": "Name", "Value": "out"}]
    # The same token and parameters answer the same gateway, not a second one.
    again = ec2.create_egress_only_internet_gateway(
        VpcId=vpc_id, ClientToken="tok-1",
        TagSpecifications=[{"ResourceType": "egress-only-internet-gateway", "Tags": [{"Key": "Name", "Value": "out"}]}])
    assert again["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"] == eigw
    (described,) = ec2.describe_egress_only_internet_gateways(EgressOnlyInternetGatewayIds=[eigw])["EgressOnlyInternetGateways"]
    assert described == gateway
    # DescribeTags and CreateTags know the kind.
    ec2.create_tags(Resources=[eigw], Tags=[{"Key": "team", "Value": "net"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [eigw]}])["Tags"]
    assert {(t["Key"], t["ResourceType"]) for t in tags} == {("Name", "egress-only-internet-gateway"),
                                                               ("team", "egress-only-internet-gateway")}
    # A VPC has one at a time.
    assert code_of(error_code(ec2.create_egress_only_internet_gateway, VpcId=vpc_id)) == "Resource.AlreadyAssociated"
    # Deleting a VPC with one is a DependencyViolation.
    err = error_code(ec2.delete_vpc, VpcId=vpc_id)
    assert code_of(err) == "DependencyViolation"
    out = aws.run("delete-egress-only-internet-gateway", "--egress-only-internet-gateway-id", eigw)
    assert out == {"ReturnCode": True}
    assert ec2.describe_egress_only_internet_gateways()["EgressOnlyInternetGateways"] == []
    ec2.delete_vpc(VpcId=vpc_id)


def test_egress_only_gateway_errors(ec2):
    assert code_of(error_code(ec2.create_egress_only_internet_gateway, VpcId="vpc-12345678")) == "InvalidVpcID.NotFound"
    assert code_of(error_code(ec2.create_egress_only_internet_gateway, VpcId="vpc-nope")) == "InvalidVpcID.Malformed"
    for call, kwargs in [
        (ec2.delete_egress_only_internet_gateway, {"EgressOnlyInternetGatewayId": "eigw-0123456789abcdef0"}),
        (ec2.describe_egress_only_internet_gateways, {"EgressOnlyInternetGatewayIds": ["eigw-0123456789abcdef0"]}),
    ]:
        err = error_code(call, **kwargs)
        assert code_of(err) == "InvalidEgressOnlyInternetGatewayId.NotFound"
        assert "eigw-0123456789abcdef0" in str(err)
    err = error_code(ec2.delete_egress_only_internet_gateway, EgressOnlyInternetGatewayId="igw-0123456789abcdef0")
    assert code_of(err) == "InvalidEgressOnlyInternetGatewayId.Malformed"
    err = error_code(ec2.describe_egress_only_internet_gateways, Filters=[{"Name": "vpc-id", "Values": ["x"]}])
    assert code_of(err) == "InvalidParameterValue"


def test_describe_filters_and_paging(ec2, unvalidated_ec2):
    gateways = {}
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    # The default VPC and four more: the region's quota of five VPCs, each with its gateway.
    for name in ["a", "b", "c", "d", "e"]:
        vpc_id = ipv6_vpc(ec2)[0] if name != "e" else default_vpc
        tags = [{"ResourceType": "egress-only-internet-gateway", "Tags": [{"Key": "Name", "Value": name}]}]
        gateways[name] = (eigw_in(ec2, vpc_id, TagSpecifications=tags)["EgressOnlyInternetGatewayId"], vpc_id)

    def ids(*filters):
        found = ec2.describe_egress_only_internet_gateways(
            Filters=[{"Name": n, "Values": v} for n, v in filters])["EgressOnlyInternetGateways"]
        return sorted(g["EgressOnlyInternetGatewayId"] for g in found)

    a, vpc_a = gateways["a"]
    assert ids(("tag:Name", ["a", "b"])) == sorted([a, gateways["b"][0]])
    assert ids(("tag-key", ["Name"])) == sorted(g for g, _ in gateways.values())
    assert ids(("attachment.vpc-id", [vpc_a])) == [a]
    assert ids(("attachment.state", ["attached"]), ("egress-only-internet-gateway-id", [a])) == [a]
    assert ids(("attachment.state", ["detached"])) == []
    page = ec2.describe_egress_only_internet_gateways(MaxResults=5)
    assert len(page["EgressOnlyInternetGateways"]) == 5 and "NextToken" not in page
    for bad in (4, 256):
        err = error_code(unvalidated_ec2.describe_egress_only_internet_gateways, MaxResults=bad)
        assert code_of(err) == "InvalidParameterValue"
