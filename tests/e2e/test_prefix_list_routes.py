"""Routes to customer-managed prefix lists (spec vpc-surface.md §2, "Referencing and weight"):
CreateRoute/ReplaceRoute/DeleteRoute with DestinationPrefixListId, the routes DescribeRouteTables
shows and filters, the list's MaxEntries counted against the route quota, a referenced list
that cannot be deleted or grown past a full table, and (with the data plane) the router routing
each current entry of the list."""
import os

import pytest

from conftest import code_of, error_code
from netkit import message, new_subnet, new_vpc


def new_list(ec2, max_entries=5, entries=(), family="IPv4", name="office") -> str:
    return ec2.create_managed_prefix_list(
        PrefixListName=name, MaxEntries=max_entries, AddressFamily=family,
        Entries=[{"Cidr": c} for c in entries],
    )["PrefixList"]["PrefixListId"]


def vpc_with_gateway(ec2):
    vpc = new_vpc(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    return vpc, igw, table


def routes(ec2, table) -> list:
    return ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]


def listed(ec2, table, pl) -> dict:
    return next(r for r in routes(ec2, table) if r.get("DestinationPrefixListId") == pl)


def test_a_route_to_a_prefix_list_is_shown_filtered_replaced_and_deleted(ec2):
    vpc, igw, table = vpc_with_gateway(ec2)
    pl = new_list(ec2, entries=["192.0.2.0/25"])
    assert ec2.create_route(RouteTableId=table, DestinationPrefixListId=pl, GatewayId=igw)["Return"] is True
    assert listed(ec2, table, pl) == {
        "DestinationPrefixListId": pl, "GatewayId": igw, "Origin": "CreateRoute", "State": "active",
    }
    for name, value in [("route.destination-prefix-list-id", pl), ("route.gateway-id", igw)]:
        found = ec2.describe_route_tables(Filters=[{"Name": name, "Values": [value]}])["RouteTables"]
        assert [t["RouteTableId"] for t in found] == [table]
    associations = ec2.get_managed_prefix_list_associations(PrefixListId=pl)["PrefixListAssociations"]
    assert associations == [{"ResourceId": table, "ResourceOwner": ec2.describe_route_tables(
        RouteTableIds=[table])["RouteTables"][0]["OwnerId"]}]

    err = error_code(ec2.create_route, RouteTableId=table, DestinationPrefixListId=pl, GatewayId=igw)
    assert code_of(err) == "RouteAlreadyExists"

    sub = new_subnet(ec2, vpc, "10.0.1.0/24")
    eni = ec2.create_network_interface(SubnetId=sub)["NetworkInterface"]["NetworkInterfaceId"]
    ec2.replace_route(RouteTableId=table, DestinationPrefixListId=pl, NetworkInterfaceId=eni)
    replaced = listed(ec2, table, pl)
    assert replaced["NetworkInterfaceId"] == eni and "GatewayId" not in replaced
    assert replaced["State"] == "blackhole", "the interface is attached to nothing"

    ec2.delete_route(RouteTableId=table, DestinationPrefixListId=pl)
    assert all("DestinationPrefixListId" not in r for r in routes(ec2, table))
    for call in (ec2.delete_route, ec2.replace_route):
        kw = {"NetworkInterfaceId": eni} if call == ec2.replace_route else {}
        err = error_code(call, RouteTableId=table, DestinationPrefixListId=pl, **kw)
        assert code_of(err) == "InvalidRoute.NotFound"


def test_destination_refusals(ec2):
    _, igw, table = vpc_with_gateway(ec2)
    pl = new_list(ec2)
    err = error_code(ec2.create_route, RouteTableId=table, DestinationPrefixListId="pl-0123456789abcdef0", GatewayId=igw)
    assert code_of(err) == "InvalidPrefixListID.NotFound"
    err = error_code(ec2.create_route, RouteTableId=table, DestinationPrefixListId="pl-xyz", GatewayId=igw)
    assert code_of(err) == "InvalidPrefixListId.Malformed"
    err = error_code(ec2.create_route, RouteTableId=table, DestinationPrefixListId=pl,
                     DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert code_of(err) == "InvalidParameterCombination"
    s3 = next(p["PrefixListId"] for p in ec2.describe_managed_prefix_lists()["PrefixLists"]
              if p["PrefixListName"].endswith(".s3"))
    err = error_code(ec2.create_route, RouteTableId=table, DestinationPrefixListId=s3, GatewayId=igw)
    assert code_of(err) == "InvalidParameterValue" and "AWS-managed" in message(err)


def test_max_entries_count_against_the_route_quota(ec2):
    _, igw, table = vpc_with_gateway(ec2)
    big = new_list(ec2, max_entries=49, name="big")
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=big, GatewayId=igw)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    err = error_code(ec2.create_route, RouteTableId=table, DestinationCidrBlock="198.18.0.0/15", GatewayId=igw)
    assert code_of(err) == "RouteLimitExceeded"
    small = new_list(ec2, max_entries=1, name="small")
    err = error_code(ec2.create_route, RouteTableId=table, DestinationPrefixListId=small, GatewayId=igw)
    assert code_of(err) == "RouteLimitExceeded"
    # The full table keeps the list from growing; shrinking the table's routes makes room.
    err = error_code(ec2.modify_managed_prefix_list, PrefixListId=big, MaxEntries=50)
    assert code_of(err) == "InvalidParameterValue" and table in message(err)
    ec2.delete_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0")
    ec2.modify_managed_prefix_list(PrefixListId=big, MaxEntries=50)
    assert ec2.describe_managed_prefix_lists(PrefixListIds=[big])["PrefixLists"][0]["MaxEntries"] == 50


def test_a_list_a_route_references_cannot_be_deleted(ec2):
    _, igw, table = vpc_with_gateway(ec2)
    pl = new_list(ec2)
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=pl, GatewayId=igw)
    err = error_code(ec2.delete_managed_prefix_list, PrefixListId=pl)
    assert code_of(err) == "DependencyViolation" and table in message(err)
    ec2.delete_route_table(RouteTableId=table)
    assert ec2.delete_managed_prefix_list(PrefixListId=pl)["PrefixList"]["State"] == "delete-in-progress"


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the data plane needs root")


@needs_root
def test_the_router_routes_each_current_entry_of_the_list(dp):  # noqa: F811
    """No default route: only a route to the prefix list reaches the internet, and only for the
    list's current entries (192.0.2.1 answers "what is my IP")."""
    from test_internet import eip, my_ip, primary_eni
    _, ec2 = dp
    vpc, igw, table = vpc_with_gateway(ec2)
    sub = new_subnet(ec2, vpc, "10.0.1.0/24")
    ec2.associate_route_table(RouteTableId=table, SubnetId=sub)
    inst = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.medium", MinCount=1, MaxCount=1,
                             SubnetId=sub)["Instances"][0]["InstanceId"]
    public, _ = eip(ec2, primary_eni(ec2, inst), ec2.describe_instances(InstanceIds=[inst])[
        "Reservations"][0]["Instances"][0]["PrivateIpAddress"])
    pl = new_list(ec2, entries=["192.0.2.128/25"])
    ec2.create_route(RouteTableId=table, DestinationPrefixListId=pl, GatewayId=igw)
    assert my_ip(inst) is None, "192.0.2.1 is not in the list"
    ec2.modify_managed_prefix_list(PrefixListId=pl, CurrentVersion=1, AddEntries=[{"Cidr": "192.0.2.0/25"}])
    assert my_ip(inst) == public
    ec2.modify_managed_prefix_list(PrefixListId=pl, CurrentVersion=2, RemoveEntries=[{"Cidr": "192.0.2.0/25"}])
    assert my_ip(inst) is None
    ec2.modify_managed_prefix_list(PrefixListId=pl, CurrentVersion=3, AddEntries=[{"Cidr": "192.0.2.0/25"}])
    assert my_ip(inst) == public
    ec2.delete_route(RouteTableId=table, DestinationPrefixListId=pl)
    assert my_ip(inst) is None


from test_dataplane import dp  # noqa: E402,F401  (the fixture)
