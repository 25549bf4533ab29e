"""Route table actions, driven by boto3 and the AWS CLI.

The internet gateway these tests route to is the default VPC's (every fresh account has one,
attached, with a 0.0.0.0/0 route in the main table). The Rust handler tests in
crates/server/src/actions/route_table/tests.rs cover the same rules.
"""
import pytest

from conftest import code_of, error_code

UNKNOWN_RTB = "rtb-0123456789abcdef0"


def default_vpc(ec2):
    """The default VPC's ID, main table and attached internet gateway."""
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]
    igw_id = next(r["GatewayId"] for r in main["Routes"] if r["GatewayId"].startswith("igw-"))
    return vpc_id, main, igw_id


def new_table(ec2, vpc_id, **kwargs):
    return ec2.create_route_table(VpcId=vpc_id, **kwargs)["RouteTable"]


def routes_of(ec2, table_id):
    return ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]


# --- the seed scenario, with the AWS CLI ----------------------------------------------------


def test_cli_finds_the_main_table_and_routes_to_the_gateway(aws):
    vpc_id = aws.run("describe-vpcs", "--filters", "Name=is-default,Values=true")["Vpcs"][0]["VpcId"]
    tables = aws.run("describe-route-tables", "--filters", f"Name=vpc-id,Values={vpc_id}")["RouteTables"]
    assert len(tables) == 1
    main = tables[0]
    assert main["Associations"][0]["Main"] is True
    assert main["Associations"][0]["AssociationState"] == {"State": "associated"}
    assert main["Routes"][0] == {
        "DestinationCidrBlock": "172.31.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active",
    }
    igw_id = main["Routes"][1]["GatewayId"]
    assert igw_id.startswith("igw-") and main["Routes"][1]["State"] == "active"

    table_id = aws.run("create-route-table", "--vpc-id", vpc_id)["RouteTable"]["RouteTableId"]
    out = aws.run("create-route", "--route-table-id", table_id, "--destination-cidr-block", "0.0.0.0/0",
                  "--gateway-id", igw_id)
    assert out == {"Return": True}
    routes = aws.run("describe-route-tables", "--route-table-ids", table_id)["RouteTables"][0]["Routes"]
    assert routes[1] == {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw_id, "Origin": "CreateRoute", "State": "active"}

    err = aws.error("create-route", "--route-table-id", table_id, "--destination-cidr-block", "0.0.0.0/0",
                    "--gateway-id", igw_id)
    assert err.code == "RouteAlreadyExists"
    assert err.message == "The route identified by 0.0.0.0/0 already exists."


# --- CreateRouteTable / DescribeRouteTables / DeleteRouteTable -------------------------------


def test_create_route_table_shape(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]
    ec2.associate_vpc_cidr_block(VpcId=vpc["VpcId"], CidrBlock="10.1.0.0/16")
    table = new_table(ec2, vpc["VpcId"])
    assert table["RouteTableId"].startswith("rtb-")
    assert table["VpcId"] == vpc["VpcId"]
    assert table["OwnerId"] == vpc["OwnerId"]
    assert table["Associations"] == [] and table["PropagatingVgws"] == []
    assert table["Tags"] == []  # an empty tag set, as AWS answers for route tables
    assert [(r["DestinationCidrBlock"], r["GatewayId"], r["Origin"], r["State"]) for r in table["Routes"]] == [
        ("10.0.0.0/16", "local", "CreateRouteTable", "active"),
        ("10.1.0.0/16", "local", "CreateRouteTable", "active"),
    ]
    described = ec2.describe_route_tables(RouteTableIds=[table["RouteTableId"]])["RouteTables"]
    assert described == [table]


def test_tags_and_client_token(ec2):
    vpc_id, _, _ = default_vpc(ec2)
    tags = [{"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "public"}]}]
    first = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tags, ClientToken="token-1")
    assert first["RouteTable"]["Tags"] == [{"Key": "Name", "Value": "public"}]
    assert first["ClientToken"] == "token-1"
    again = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tags, ClientToken="token-1")
    assert again["RouteTable"]["RouteTableId"] == first["RouteTable"]["RouteTableId"]
    assert len(ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]) == 2
    wrong_type = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "x"}]}]
    assert code_of(error_code(ec2.create_route_table, VpcId=vpc_id, TagSpecifications=wrong_type)) == "InvalidParameterValue"


def test_create_route_table_needs_a_vpc(ec2):
    err = error_code(ec2.create_route_table, VpcId="vpc-0123456789abcdef0")
    assert code_of(err) == "InvalidVpcID.NotFound"
    assert code_of(error_code(ec2.create_route_table, VpcId="rtb-12345678")) == "InvalidVpcID.Malformed"


def test_describe_ids_and_errors(ec2, unvalidated_ec2):
    err = error_code(ec2.describe_route_tables, RouteTableIds=[UNKNOWN_RTB])
    assert code_of(err) == "InvalidRouteTableID.NotFound"
    assert err.response["Error"]["Message"] == f"The routeTable ID '{UNKNOWN_RTB}' does not exist"
    assert code_of(error_code(ec2.describe_route_tables, RouteTableIds=["rtb-xyz"])) == "InvalidRouteTableId.Malformed"
    err = error_code(ec2.describe_route_tables, Filters=[{"Name": "route.colour", "Values": ["x"]}])
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == "The filter 'route.colour' is invalid"
    for bad in (4, 101):
        err = error_code(unvalidated_ec2.describe_route_tables, MaxResults=bad)
        assert code_of(err) == "InvalidParameterValue"
        assert "between 5 and 100" in err.response["Error"]["Message"]


def test_filters(ec2):
    vpc_id, main, igw_id = default_vpc(ec2)
    other_vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    tagged = new_table(ec2, vpc_id, TagSpecifications=[{"ResourceType": "route-table", "Tags": [{"Key": "tier", "Value": "web"}]}])
    ec2.create_route(RouteTableId=tagged["RouteTableId"], DestinationCidrBlock="192.168.0.0/16", GatewayId=igw_id)

    def ids(*filters):
        found = ec2.describe_route_tables(Filters=[{"Name": n, "Values": v} for n, v in filters])["RouteTables"]
        return sorted(t["RouteTableId"] for t in found)

    all_ids = sorted([main["RouteTableId"], tagged["RouteTableId"]] + ids(("vpc-id", [other_vpc])))
    assert len(all_ids) == 3
    assert ids(("vpc-id", [vpc_id])) == sorted([main["RouteTableId"], tagged["RouteTableId"]])
    assert ids(("association.main", ["true"]), ("vpc-id", [vpc_id])) == [main["RouteTableId"]]
    assert ids(("association.main", ["false"])) == [], "tables without associations never match"
    assert ids(("association.route-table-association-id", [main["Associations"][0]["RouteTableAssociationId"]])) == [main["RouteTableId"]]
    assert ids(("association.route-table-id", [main["RouteTableId"]])) == [main["RouteTableId"]]
    assert ids(("route-table-id", [tagged["RouteTableId"]])) == [tagged["RouteTableId"]]
    assert ids(("route.gateway-id", [igw_id])) == sorted([main["RouteTableId"], tagged["RouteTableId"]])
    assert ids(("route.gateway-id", ["local"])) == all_ids
    assert ids(("route.destination-cidr-block", ["192.168.*"])) == [tagged["RouteTableId"]]
    assert ids(("route.origin", ["CreateRoute"]), ("tag:tier", ["web"])) == [tagged["RouteTableId"]]
    assert ids(("route.state", ["active"])) == all_ids
    assert ids(("route.state", ["blackhole"])) == []
    assert ids(("tag-key", ["tier"])) == [tagged["RouteTableId"]]
    assert ids(("owner-id", [main["OwnerId"]])) == all_ids
    # Filters on resources localvpc cannot create are valid and match nothing.
    for name in ("route.nat-gateway-id", "route.transit-gateway-id", "route.vpc-peering-connection-id",
                 "route.egress-only-internet-gateway-id", "route.destination-ipv6-cidr-block",
                 "route.destination-prefix-list-id", "route.instance-id", "association.gateway-id",
                 "association.subnet-id"):
        assert ids((name, ["*"])) == [], name


def test_pagination(ec2):
    vpc_id, _, _ = default_vpc(ec2)
    created = {new_table(ec2, vpc_id)["RouteTableId"] for _ in range(6)}
    seen, token = [], None
    while True:
        kwargs = {"MaxResults": 5, **({"NextToken": token} if token else {})}
        page = ec2.describe_route_tables(**kwargs)
        assert len(page["RouteTables"]) <= 5
        seen += [t["RouteTableId"] for t in page["RouteTables"]]
        token = page.get("NextToken")
        if not token:
            break
    assert len(seen) == 7 and created < set(seen)


def test_delete_route_table(ec2):
    vpc_id, main, igw_id = default_vpc(ec2)
    err = error_code(ec2.delete_route_table, RouteTableId=main["RouteTableId"])
    assert code_of(err) == "DependencyViolation"
    assert err.response["Error"]["Message"] == f"The routeTable '{main['RouteTableId']}' has dependencies and cannot be deleted."
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    ec2.delete_route_table(RouteTableId=table_id)
    assert code_of(error_code(ec2.describe_route_tables, RouteTableIds=[table_id])) == "InvalidRouteTableID.NotFound"
    assert code_of(error_code(ec2.delete_route_table, RouteTableId=table_id)) == "InvalidRouteTableID.NotFound"


# --- CreateRoute / ReplaceRoute / DeleteRoute -------------------------------------------------


def test_create_route_canonicalises_the_destination(ec2):
    vpc_id, _, igw_id = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="192.168.1.7/16", GatewayId=igw_id)
    assert routes_of(ec2, table_id)[1]["DestinationCidrBlock"] == "192.168.0.0/16"
    err = error_code(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="192.168.0.0/16", GatewayId=igw_id)
    assert code_of(err) == "RouteAlreadyExists"
    err = error_code(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="192.168.0.0", GatewayId=igw_id)
    assert code_of(err) == "InvalidParameterValue"


def test_create_route_parameters(ec2):
    vpc_id, _, igw_id = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    dest = {"RouteTableId": table_id, "DestinationCidrBlock": "0.0.0.0/0"}
    err = error_code(ec2.create_route, RouteTableId=table_id, GatewayId=igw_id)
    assert code_of(err) == "MissingParameter"
    assert code_of(error_code(ec2.create_route, **dest)) == "MissingParameter"
    both = error_code(ec2.create_route, **dest, GatewayId=igw_id, NetworkInterfaceId="eni-0123456789abcdef0")
    assert code_of(both) == "InvalidParameterCombination"
    assert code_of(error_code(ec2.create_route, **dest, NatGatewayId="nat-0123456789abcdef0")) == "NatGatewayNotFound"
    assert code_of(error_code(ec2.create_route, **dest, NatGatewayId="nat-bad")) == "NatGatewayMalformed"
    both = error_code(ec2.create_route, **dest, GatewayId=igw_id, NatGatewayId="nat-0123456789abcdef0")
    assert code_of(both) == "InvalidParameterCombination"
    assert code_of(error_code(ec2.create_route, RouteTableId=UNKNOWN_RTB, DestinationCidrBlock="0.0.0.0/0",
                              GatewayId=igw_id)) == "InvalidRouteTableID.NotFound"
    assert routes_of(ec2, table_id)[1:] == [], "nothing was created"


def test_route_targets_must_exist(ec2):
    vpc_id, _, _ = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    dest = {"RouteTableId": table_id, "DestinationCidrBlock": "0.0.0.0/0"}
    err = error_code(ec2.create_route, **dest, GatewayId="igw-0123456789abcdef0")
    assert code_of(err) == "InvalidInternetGatewayID.NotFound"
    assert err.response["Error"]["Message"] == "The internetGateway ID 'igw-0123456789abcdef0' does not exist"
    assert code_of(error_code(ec2.create_route, **dest, GatewayId="igw-nothex!")) == "InvalidInternetGatewayId.Malformed"
    assert code_of(error_code(ec2.create_route, **dest, GatewayId="vgw-0123456789abcdef0")) == "InvalidGatewayID.NotFound"
    assert code_of(error_code(ec2.create_route, **dest, InstanceId="i-0123456789abcdef0")) == "InvalidInstanceID.NotFound"
    assert code_of(error_code(ec2.create_route, **dest, InstanceId="eni-0123456789abcdef0")) == "InvalidInstanceID.Malformed"
    err = error_code(ec2.create_route, **dest, NetworkInterfaceId="eni-0123456789abcdef0")
    assert code_of(err) == "InvalidNetworkInterfaceID.NotFound"
    assert code_of(error_code(ec2.create_route, **dest, NetworkInterfaceId="i-1")) == "InvalidNetworkInterfaceId.Malformed"


def test_gateway_of_another_vpc_is_refused(ec2):
    _, _, igw_id = default_vpc(ec2)
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    err = error_code(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == f"route table {table_id} and network gateway {igw_id} belong to different networks"


@pytest.mark.parametrize("destination", ["172.31.0.0/16", "172.31.0.0/20", "172.31.200.0/24"])
def test_gateway_routes_cannot_be_as_specific_as_local(ec2, destination):
    vpc_id, _, igw_id = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    err = error_code(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock=destination, GatewayId=igw_id)
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == (
        f"The destination CIDR block {destination} is equal to or more specific than one of this VPC's CIDR blocks. "
        "This route can target only an interface or an instance."
    )
    # Less specific than local is fine.
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="172.0.0.0/8", GatewayId=igw_id)


def test_route_quota(ec2):
    vpc_id, _, igw_id = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    for i in range(50):
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock=f"10.{i}.0.0/16", GatewayId=igw_id)
    err = error_code(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="10.99.0.0/16", GatewayId=igw_id)
    assert code_of(err) == "RouteLimitExceeded"
    assert len(routes_of(ec2, table_id)) == 51


def test_replace_route(ec2):
    vpc_id, _, igw_id = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    assert routes_of(ec2, table_id)[1]["Origin"] == "CreateRoute"

    err = error_code(ec2.replace_route, RouteTableId=table_id, DestinationCidrBlock="10.0.0.0/8", GatewayId=igw_id)
    assert code_of(err) == "InvalidRoute.NotFound"
    assert err.response["Error"]["Message"] == f"no route with destination-cidr-block 10.0.0.0/8 in route table {table_id}"
    err = error_code(ec2.replace_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0",
                     NetworkInterfaceId="eni-0123456789abcdef0")
    assert code_of(err) == "InvalidNetworkInterfaceID.NotFound"
    assert routes_of(ec2, table_id)[1]["GatewayId"] == igw_id, "a failed replace changes nothing"

    # The local route's target can be reset, but never pointed at a gateway.
    ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock="172.31.0.0/16", LocalTarget=True)
    assert routes_of(ec2, table_id)[0] == {
        "DestinationCidrBlock": "172.31.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active",
    }
    err = error_code(ec2.replace_route, RouteTableId=table_id, DestinationCidrBlock="172.31.0.0/16", GatewayId=igw_id)
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.replace_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", LocalTarget=True)
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.replace_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    assert code_of(err) == "MissingParameter"
    err = error_code(ec2.replace_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id, LocalTarget=True)
    assert code_of(err) == "InvalidParameterCombination"


def test_delete_route(aws, ec2):
    vpc_id, _, igw_id = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    assert [r["DestinationCidrBlock"] for r in routes_of(ec2, table_id)] == ["172.31.0.0/16"]
    err = error_code(ec2.delete_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    assert code_of(err) == "InvalidRoute.NotFound"
    err = aws.error("delete-route", "--route-table-id", table_id, "--destination-cidr-block", "172.31.0.0/16")
    assert err.code == "InvalidParameterValue"
    assert err.message == f"cannot remove local route 172.31.0.0/16 in route table {table_id}"


def test_dry_run_changes_nothing(ec2):
    vpc_id, _, igw_id = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    err = error_code(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id, DryRun=True)
    assert code_of(err) == "DryRunOperation"
    assert len(routes_of(ec2, table_id)) == 1
    err = error_code(ec2.create_route_table, VpcId=vpc_id, DryRun=True)
    assert code_of(err) == "DryRunOperation"
    assert len(ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]) == 2


# --- associations -------------------------------------------------------------------------------


def test_main_association_moves_to_another_table(ec2):
    vpc_id, main, _ = default_vpc(ec2)
    main_association = main["Associations"][0]["RouteTableAssociationId"]
    err = error_code(ec2.disassociate_route_table, AssociationId=main_association)
    assert code_of(err) == "InvalidParameterValue"
    assert err.response["Error"]["Message"] == f"cannot disassociate the main route table association {main_association}"

    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    out = ec2.replace_route_table_association(AssociationId=main_association, RouteTableId=table_id)
    assert out["AssociationState"] == {"State": "associated"}
    new_association = out["NewAssociationId"]
    assert new_association.startswith("rtbassoc-") and new_association != main_association
    mains = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    assert [t["RouteTableId"] for t in mains] == [table_id]
    assert mains[0]["Associations"] == [{
        "Main": True, "RouteTableAssociationId": new_association, "RouteTableId": table_id,
        "AssociationState": {"State": "associated"},
    }]
    # The former main table is now an ordinary one and can go.
    ec2.delete_route_table(RouteTableId=main["RouteTableId"])
    assert code_of(error_code(ec2.delete_route_table, RouteTableId=table_id)) == "DependencyViolation"

    other_vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    foreign = new_table(ec2, other_vpc)["RouteTableId"]
    err = error_code(ec2.replace_route_table_association, AssociationId=new_association, RouteTableId=foreign)
    assert code_of(err) == "InvalidParameterValue"


def test_unknown_associations(ec2):
    vpc_id, _, _ = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    err = error_code(ec2.disassociate_route_table, AssociationId="rtbassoc-0123456789abcdef0")
    assert code_of(err) == "InvalidAssociationID.NotFound"
    assert err.response["Error"]["Message"] == "The association ID 'rtbassoc-0123456789abcdef0' does not exist"
    assert code_of(error_code(ec2.disassociate_route_table, AssociationId="rtb-12345678")) == "InvalidAssociationID.Malformed"
    err = error_code(ec2.replace_route_table_association, AssociationId="rtbassoc-0123456789abcdef0", RouteTableId=table_id)
    assert code_of(err) == "InvalidAssociationID.NotFound"
    err = error_code(ec2.associate_route_table, RouteTableId=table_id)
    assert code_of(err) == "MissingParameter"


def test_edge_association_with_the_internet_gateway(ec2):
    vpc_id, main, igw_id = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    out = ec2.associate_route_table(RouteTableId=table_id, GatewayId=igw_id)
    assert out["AssociationState"] == {"State": "associated"}
    association = out["AssociationId"]
    table = ec2.describe_route_tables(Filters=[{"Name": "association.gateway-id", "Values": [igw_id]}])["RouteTables"]
    assert [t["RouteTableId"] for t in table] == [table_id]
    assert table[0]["Associations"] == [{
        "Main": False, "RouteTableAssociationId": association, "RouteTableId": table_id, "GatewayId": igw_id,
        "AssociationState": {"State": "associated"},
    }]
    # A gateway route table only routes inward, to interfaces.
    err = error_code(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    assert code_of(err) == "InvalidParameterValue"
    # One edge association per gateway; a table with a route out of the VPC cannot take one.
    other = new_table(ec2, vpc_id)["RouteTableId"]
    err = error_code(ec2.associate_route_table, RouteTableId=other, GatewayId=igw_id)
    assert code_of(err) == "Resource.AlreadyAssociated"
    assert err.response["Error"]["Message"] == (
        f"the specified association for route table {other} conflicts with an existing association"
    )
    err = error_code(ec2.replace_route_table_association, AssociationId=association, RouteTableId=main["RouteTableId"])
    assert code_of(err) == "InvalidParameterValue"
    ec2.disassociate_route_table(AssociationId=association)
    err = error_code(ec2.associate_route_table, RouteTableId=main["RouteTableId"], GatewayId=igw_id)
    assert code_of(err) == "InvalidParameterValue"
    ec2.delete_route_table(RouteTableId=table_id)


# --- tests that need actions written in parallel ----------------------------------------------


def test_subnet_association_lifecycle(ec2):
    vpc_id, main, _ = default_vpc(ec2)
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    subnet_id = subnets[0]["SubnetId"]
    # Without an explicit association the subnet uses the main table, which does not list it.
    assert all("SubnetId" not in a for a in main["Associations"])
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    out = ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    assert out["AssociationState"] == {"State": "associated"}
    found = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["RouteTables"]
    assert [t["RouteTableId"] for t in found] == [table_id]
    assert found[0]["Associations"][0]["SubnetId"] == subnet_id
    assert found[0]["Associations"][0]["Main"] is False

    err = error_code(ec2.associate_route_table, RouteTableId=main["RouteTableId"], SubnetId=subnet_id)
    assert code_of(err) == "Resource.AlreadyAssociated"
    err = error_code(ec2.delete_route_table, RouteTableId=table_id)
    assert code_of(err) == "DependencyViolation"

    other_vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    foreign = new_table(ec2, other_vpc)["RouteTableId"]
    err = error_code(ec2.associate_route_table, RouteTableId=foreign, SubnetId=subnets[1]["SubnetId"])
    assert code_of(err) == "InvalidParameterValue"

    ec2.disassociate_route_table(AssociationId=out["AssociationId"])
    ec2.delete_route_table(RouteTableId=table_id)


def test_route_to_a_detached_gateway_is_a_blackhole(ec2):
    vpc_id, main, igw_id = default_vpc(ec2)
    table_id = new_table(ec2, vpc_id)["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    assert routes_of(ec2, table_id)[1]["State"] == "blackhole"
    assert routes_of(ec2, main["RouteTableId"])[1]["State"] == "blackhole"
    found = ec2.describe_route_tables(Filters=[{"Name": "route.state", "Values": ["blackhole"]}])["RouteTables"]
    assert len(found) == 2
    err = error_code(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="10.0.0.0/8", GatewayId=igw_id)
    assert code_of(err) == "InvalidParameterValue"
