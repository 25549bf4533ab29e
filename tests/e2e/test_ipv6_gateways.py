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


def v6_routes(ec2, table):
    (t,) = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"]
    return [r for r in t["Routes"] if "DestinationIpv6CidrBlock" in r]


@pytest.fixture
def dual_stack_table(ec2):
    """A VPC with IPv6, an internet gateway attached, an egress-only gateway and a new table."""
    vpc_id, block = ipv6_vpc(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    eigw = eigw_in(ec2, vpc_id)["EgressOnlyInternetGatewayId"]
    table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]
    return vpc_id, block, igw, eigw, table


def test_ipv6_routes_to_gateways_and_their_states(ec2, aws, dual_stack_table):
    vpc_id, block, igw, eigw, table = dual_stack_table
    rtb = table["RouteTableId"]
    local = {"DestinationIpv6CidrBlock": str(block), "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}
    # CreateRouteTable's answer already shows the IPv6 local route.
    assert [r for r in table["Routes"] if "DestinationIpv6CidrBlock" in r] == [local]
    ec2.create_route(RouteTableId=rtb, DestinationIpv6CidrBlock="::/0", GatewayId=igw)
    aws.run("create-route", "--route-table-id", rtb, "--destination-ipv6-cidr-block", "2001:DB8:FFFF::0/48",
            "--egress-only-internet-gateway-id", eigw)
    assert v6_routes(ec2, rtb) == [
        local,
        {"DestinationIpv6CidrBlock": "::/0", "GatewayId": igw, "Origin": "CreateRoute", "State": "active"},
        {"DestinationIpv6CidrBlock": "2001:db8:ffff::/48", "EgressOnlyInternetGatewayId": eigw,
         "Origin": "CreateRoute", "State": "active"},
    ]
    # IPv4 and IPv6 routes are independent: 0.0.0.0/0 is a separate route.
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)

    def found(name, value):
        tables = ec2.describe_route_tables(Filters=[{"Name": name, "Values": [value]}])["RouteTables"]
        return [t["RouteTableId"] for t in tables]

    assert found("route.egress-only-internet-gateway-id", eigw) == [rtb]
    assert found("route.destination-ipv6-cidr-block", "::/0") == [rtb]
    assert rtb in found("route.gateway-id", igw)
    ec2.replace_route(RouteTableId=rtb, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
    assert v6_routes(ec2, rtb)[1]["EgressOnlyInternetGatewayId"] == eigw
    # Deleting the gateway leaves its routes, as blackholes.
    ec2.delete_egress_only_internet_gateway(EgressOnlyInternetGatewayId=eigw)
    assert [r["State"] for r in v6_routes(ec2, rtb)] == ["active", "blackhole", "blackhole"]
    assert found("route.state", "blackhole") == [rtb]
    ec2.delete_route(RouteTableId=rtb, DestinationIpv6CidrBlock="2001:db8:ffff::/48")
    ec2.delete_route(RouteTableId=rtb, DestinationIpv6CidrBlock="::/0")
    assert v6_routes(ec2, rtb) == [local]


def test_ipv6_route_refusals(ec2, dual_stack_table):
    vpc_id, block, igw, eigw, table = dual_stack_table
    rtb = table["RouteTableId"]

    def refused(call=ec2.create_route, **kwargs):
        return code_of(error_code(call, RouteTableId=rtb, **kwargs))

    assert refused(DestinationCidrBlock="0.0.0.0/0", EgressOnlyInternetGatewayId=eigw) == "InvalidParameterValue"
    assert refused(DestinationIpv6CidrBlock="fd00:ec2::/32", GatewayId=igw) == "InvalidParameterValue"
    assert refused(DestinationIpv6CidrBlock="fd00:ec2::254/128", GatewayId=igw) == "InvalidParameterValue"
    assert refused(DestinationIpv6CidrBlock="not-a-cidr", GatewayId=igw) == "InvalidParameterValue"
    assert refused(DestinationIpv6CidrBlock="::/0") == "MissingParameter"
    assert refused(DestinationIpv6CidrBlock="::/0", GatewayId=igw, EgressOnlyInternetGatewayId=eigw) == \
        "InvalidParameterCombination"
    assert refused(DestinationCidrBlock="0.0.0.0/0", DestinationIpv6CidrBlock="::/0", GatewayId=igw) == \
        "InvalidParameterCombination"
    assert refused(DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId="eigw-0123456789abcdef0") == \
        "InvalidEgressOnlyInternetGatewayId.NotFound"
    # Gateways of another VPC.
    other_vpc, _ = ipv6_vpc(ec2, "10.1.0.0/16")
    other_eigw = eigw_in(ec2, other_vpc)["EgressOnlyInternetGatewayId"]
    other_igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=other_igw, VpcId=other_vpc)
    assert refused(DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=other_eigw) == "InvalidParameterValue"
    assert refused(DestinationIpv6CidrBlock="::/0", GatewayId=other_igw) == "InvalidParameterValue"
    ec2.create_route(RouteTableId=rtb, DestinationIpv6CidrBlock="::/0", GatewayId=igw)
    assert refused(DestinationIpv6CidrBlock="0::0/0", EgressOnlyInternetGatewayId=eigw) == "RouteAlreadyExists"
    assert refused(ec2.replace_route, DestinationIpv6CidrBlock="2001:db8::/32", GatewayId=igw) == "InvalidRoute.NotFound"
    assert refused(ec2.delete_route, DestinationIpv6CidrBlock="2001:db8::/32") == "InvalidRoute.NotFound"
    # The local route stays; inside the VPC's block only a whole subnet /64 may go to an interface.
    assert refused(ec2.delete_route, DestinationIpv6CidrBlock=str(block)) == "InvalidParameterValue"
    inside = str(next(block.subnets(new_prefix=64)))
    assert refused(DestinationIpv6CidrBlock=inside, GatewayId=igw) == "InvalidParameterValue"


def test_ipv6_routes_to_an_interface_and_local_routes_follow_the_blocks(ec2, dual_stack_table):
    vpc_id, block, igw, eigw, table = dual_stack_table
    rtb = table["RouteTableId"]
    s64 = list(block.subnets(new_prefix=64))
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", Ipv6CidrBlock=str(s64[1]))["Subnet"]["SubnetId"]
    other = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24", Ipv6CidrBlock=str(s64[2]))["Subnet"]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    # A whole subnet /64 may go to an interface (middlebox routing); the route is a blackhole
    # while the interface is attached to nothing.
    ec2.create_route(RouteTableId=rtb, DestinationIpv6CidrBlock=str(s64[2]), NetworkInterfaceId=eni)
    ec2.create_route(RouteTableId=rtb, DestinationIpv6CidrBlock="2001:db8:ffff::/48", NetworkInterfaceId=eni)
    routes = v6_routes(ec2, rtb)
    assert [(r["DestinationIpv6CidrBlock"], r.get("NetworkInterfaceId"), r["State"]) for r in routes[1:]] == [
        (str(s64[2]), eni, "blackhole"), ("2001:db8:ffff::/48", eni, "blackhole")]
    # The block's local route can point at an interface, and back.
    ec2.replace_route(RouteTableId=rtb, DestinationIpv6CidrBlock=str(block), NetworkInterfaceId=eni)
    assert v6_routes(ec2, rtb)[0]["NetworkInterfaceId"] == eni
    assert v6_routes(ec2, rtb)[0]["Origin"] == "CreateRouteTable"
    ec2.replace_route(RouteTableId=rtb, DestinationIpv6CidrBlock=str(block), LocalTarget=True)
    assert v6_routes(ec2, rtb)[0] == {"DestinationIpv6CidrBlock": str(block), "GatewayId": "local",
                                      "Origin": "CreateRouteTable", "State": "active"}
    # A second block gains a local route in every table, which goes when the block goes.
    second = ec2.associate_vpc_cidr_block(VpcId=vpc_id, AmazonProvidedIpv6CidrBlock=True)
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    blocks = [a["Ipv6CidrBlock"] for a in vpc["Ipv6CidrBlockAssociationSet"]]
    assert len(blocks) == 2
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    for t in tables:
        locals_ = [r["DestinationIpv6CidrBlock"] for r in t["Routes"] if r.get("GatewayId") == "local"
                   and "DestinationIpv6CidrBlock" in r]
        assert locals_ == blocks
    ec2.replace_route(RouteTableId=rtb, DestinationIpv6CidrBlock=blocks[1], NetworkInterfaceId=eni)
    ec2.disassociate_vpc_cidr_block(AssociationId=second["Ipv6CidrBlockAssociation"]["AssociationId"])
    assert [r["DestinationIpv6CidrBlock"] for r in v6_routes(ec2, rtb) if r["Origin"] == "CreateRouteTable"] == [str(block)]
    del other


def test_ipv6_route_to_an_instance_and_dry_run(ec2, dual_stack_table):
    vpc_id, block, igw, eigw, table = dual_stack_table
    rtb = table["RouteTableId"]
    s64 = next(block.subnets(new_prefix=64))
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.3.0/24", Ipv6CidrBlock=str(s64))["Subnet"]["SubnetId"]
    instance = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                 SubnetId=subnet, Ipv6AddressCount=1)["Instances"][0]["InstanceId"]
    ec2.create_route(RouteTableId=rtb, DestinationIpv6CidrBlock="2001:db8:ffff::/48", InstanceId=instance)
    (route,) = [r for r in v6_routes(ec2, rtb) if r["Origin"] == "CreateRoute"]
    assert (route["InstanceId"], route["State"]) == (instance, "active")
    ec2.stop_instances(InstanceIds=[instance])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance], WaiterConfig={"Delay": 1})
    (route,) = [r for r in v6_routes(ec2, rtb) if r["Origin"] == "CreateRoute"]
    assert route["State"] == "blackhole"
    err = error_code(ec2.create_egress_only_internet_gateway, VpcId=vpc_id, DryRun=True)
    # The VPC has its gateway: DryRun runs every check, so it answers the refusal.
    assert code_of(err) == "Resource.AlreadyAssociated"
    ec2.delete_egress_only_internet_gateway(EgressOnlyInternetGatewayId=eigw)
    err = error_code(ec2.create_egress_only_internet_gateway, VpcId=vpc_id, DryRun=True)
    assert code_of(err) == "DryRunOperation"
    assert ec2.describe_egress_only_internet_gateways()["EgressOnlyInternetGateways"] == []
