"""VPC endpoints (issue 15): gateway endpoints and their prefix-list routes, interface
endpoints and their requester-managed interfaces, the service catalogue, with AWS's codes,
driven by boto3 and the AWS CLI."""
import json

from conftest import DEFAULT_REGION, code_of, error_code

REGION = DEFAULT_REGION
S3 = f"com.amazonaws.{REGION}.s3"
EC2 = f"com.amazonaws.{REGION}.ec2"
UNKNOWN = "vpce-0123456789abcdef0"


def vpc_with_subnets(ec2, dns=True, zones=2):
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    if dns:
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=azs[i])["Subnet"]
        for i in range(zones)
    ]
    return vpc_id, subnets


def main_table(ec2, vpc_id):
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    return tables[0]["RouteTableId"]


def s3_prefix_list(ec2):
    (pl,) = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [S3]}])["PrefixLists"]
    return pl["PrefixListId"]


def endpoint(ec2, vpce_id):
    return ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])["VpcEndpoints"][0]


def test_a_gateway_endpoint_routes_the_services_prefix_list_in_its_tables(ec2):
    vpc_id, _ = vpc_with_subnets(ec2, zones=0)
    rtb = main_table(ec2, vpc_id)
    other = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    created = ec2.create_vpc_endpoint(
        VpcId=vpc_id, ServiceName=S3, RouteTableIds=[rtb], PrivateDnsEnabled=False,
        TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "Name", "Value": "s3"}]}],
    )["VpcEndpoint"]
    vpce = created["VpcEndpointId"]
    assert vpce.startswith("vpce-") and len(vpce) == 22
    assert (created["VpcEndpointType"], created["State"], created["ServiceName"], created["VpcId"]) == (
        "Gateway", "available", S3, vpc_id)
    assert created["RouteTableIds"] == [rtb]
    assert created["SubnetIds"] == [] and created["NetworkInterfaceIds"] == [] and created["DnsEntries"] == []
    assert created["RequesterManaged"] is False and created["PrivateDnsEnabled"] is False
    assert json.loads(created["PolicyDocument"])["Statement"][0]["Effect"] == "Allow"
    assert created["Tags"] == [{"Key": "Name", "Value": "s3"}]
    pl = s3_prefix_list(ec2)

    (route,) = [r for r in ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Routes"]
                if "DestinationPrefixListId" in r]
    assert route == {"DestinationPrefixListId": pl, "GatewayId": vpce, "Origin": "CreateRoute", "State": "active"}
    found = ec2.describe_route_tables(Filters=[{"Name": "route.destination-prefix-list-id", "Values": [pl]},
                                               {"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    assert [t["RouteTableId"] for t in found] == [rtb]

    # A second S3 gateway endpoint cannot route the same table.
    err = error_code(ec2.create_vpc_endpoint, VpcId=vpc_id, ServiceName=S3, RouteTableIds=[rtb])
    assert code_of(err) == "RouteAlreadyExists"
    assert err.response["Error"]["Message"] == (
        f"route table {rtb} already has a route with destination-prefix-list-id {pl}")

    # ModifyVpcEndpoint moves the route.
    assert ec2.modify_vpc_endpoint(VpcEndpointId=vpce, AddRouteTableIds=[other], RemoveRouteTableIds=[rtb])["Return"]
    assert endpoint(ec2, vpce)["RouteTableIds"] == [other]
    routes = ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Routes"]
    assert not any("DestinationPrefixListId" in r for r in routes)

    # The VPC cannot go while the endpoint lives; deleting it removes its routes.
    assert code_of(error_code(ec2.delete_vpc, VpcId=vpc_id)) == "DependencyViolation"
    assert ec2.delete_vpc_endpoints(VpcEndpointIds=[vpce])["Unsuccessful"] == []
    assert endpoint(ec2, vpce)["State"] == "deleted"
    routes = ec2.describe_route_tables(RouteTableIds=[other])["RouteTables"][0]["Routes"]
    assert not any("DestinationPrefixListId" in r for r in routes)
    ec2.delete_route_table(RouteTableId=other)
    ec2.delete_vpc(VpcId=vpc_id)


def test_an_interface_endpoint_has_one_requester_managed_interface_per_subnet(ec2):
    vpc_id, subnets = vpc_with_subnets(ec2)
    sg = ec2.create_security_group(GroupName="vpce", Description="endpoint", VpcId=vpc_id)["GroupId"]
    created = ec2.create_vpc_endpoint(
        VpcEndpointType="Interface", VpcId=vpc_id, ServiceName=EC2,
        SubnetIds=[s["SubnetId"] for s in subnets], SecurityGroupIds=[sg],
    )["VpcEndpoint"]
    vpce = created["VpcEndpointId"]
    assert (created["State"], created["PrivateDnsEnabled"]) == ("pending", True)
    assert sorted(created["SubnetIds"]) == sorted(s["SubnetId"] for s in subnets)
    assert created["Groups"] == [{"GroupId": sg, "GroupName": "vpce"}]
    assert created["DnsOptions"] == {"DnsRecordIpType": "ipv4"}
    names = [d["DnsName"] for d in created["DnsEntries"]]
    assert names[0].startswith(f"{vpce}-") and names[0].endswith(f".ec2.{REGION}.vpce.amazonaws.com")
    zones = sorted(s["AvailabilityZone"] for s in subnets)
    assert [n.split(".")[0].rsplit("-", 3)[-3:] for n in names[1:3]] == [z.split("-") for z in zones]
    assert names[3] == f"ec2.{REGION}.amazonaws.com"
    assert endpoint(ec2, vpce)["State"] == "available"

    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=created["NetworkInterfaceIds"])["NetworkInterfaces"]
    assert len(enis) == 2
    for eni in enis:
        assert eni["InterfaceType"] == "vpc_endpoint"
        assert eni["RequesterManaged"] is True and eni["RequesterId"] == "727180483921"
        assert eni["Description"] == f"VPC Endpoint Interface {vpce}"
        assert eni["Groups"] == [{"GroupId": sg, "GroupName": "vpce"}]
        assert eni["Status"] == "in-use"
    eni_id = enis[0]["NetworkInterfaceId"]
    assert code_of(error_code(ec2.delete_network_interface, NetworkInterfaceId=eni_id)) == "InvalidParameterValue"
    attachment = enis[0]["Attachment"]["AttachmentId"]
    assert code_of(error_code(ec2.detach_network_interface, AttachmentId=attachment)) == "OperationNotPermitted"
    # The endpoint holds its group and subnets.
    assert code_of(error_code(ec2.delete_security_group, GroupId=sg)) == "DependencyViolation"
    assert code_of(error_code(ec2.delete_subnet, SubnetId=subnets[0]["SubnetId"])) == "DependencyViolation"

    # Groups follow the endpoint to every interface; a removed subnet loses its interface.
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce, AddSecurityGroupIds=[default_sg], RemoveSecurityGroupIds=[sg],
                            RemoveSubnetIds=[subnets[1]["SubnetId"]])
    described = endpoint(ec2, vpce)
    assert described["SubnetIds"] == [subnets[0]["SubnetId"]]
    assert [g["GroupId"] for g in described["Groups"]] == [default_sg]
    (eni,) = ec2.describe_network_interfaces(NetworkInterfaceIds=described["NetworkInterfaceIds"])["NetworkInterfaces"]
    assert [g["GroupId"] for g in eni["Groups"]] == [default_sg]
    gone = [e for e in created["NetworkInterfaceIds"] if e not in described["NetworkInterfaceIds"]]
    assert code_of(error_code(ec2.describe_network_interfaces, NetworkInterfaceIds=gone)) == \
        "InvalidNetworkInterfaceID.NotFound"

    assert ec2.delete_vpc_endpoints(VpcEndpointIds=[vpce])["Unsuccessful"] == []
    assert endpoint(ec2, vpce)["State"] == "deleted"
    ec2.delete_security_group(GroupId=sg)
    for s in subnets:
        ec2.delete_subnet(SubnetId=s["SubnetId"])


def test_interface_endpoint_refusals(ec2):
    vpc_id, subnets = vpc_with_subnets(ec2, dns=False)
    az = subnets[0]["AvailabilityZone"]
    same_zone = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.9.0/24", AvailabilityZone=az)["Subnet"]
    err = error_code(ec2.create_vpc_endpoint, VpcEndpointType="Interface", VpcId=vpc_id, ServiceName=EC2,
                     SubnetIds=[subnets[0]["SubnetId"]])
    assert code_of(err) == "InvalidParameter"
    assert err.response["Error"]["Message"] == (
        "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes "
        f"set to true for {vpc_id}")
    err = error_code(ec2.create_vpc_endpoint, VpcEndpointType="Interface", VpcId=vpc_id, ServiceName=EC2,
                     PrivateDnsEnabled=False, SubnetIds=[subnets[0]["SubnetId"], same_zone["SubnetId"]])
    assert code_of(err) == "DuplicateSubnetsInSameZone"
    # Nothing of a refused call is left behind.
    assert ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"] == []
    enis = ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkInterfaces"]
    assert enis == []
    err = error_code(ec2.create_vpc_endpoint, VpcEndpointType="Gateway", VpcId=vpc_id, ServiceName=EC2)
    assert code_of(err) == "InvalidParameter"
    assert err.response["Error"]["Message"] == (
        "Endpoint type (Gateway) does not match available service types ([Interface]).")
    err = error_code(ec2.create_vpc_endpoint, VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.nope")
    assert code_of(err) == "InvalidServiceName"
    assert err.response["Error"]["Message"] == (
        f"The Vpc Endpoint Service 'com.amazonaws.{REGION}.nope' does not exist")
    err = error_code(ec2.create_vpc_endpoint, VpcId=vpc_id, ServiceName=S3, PolicyDocument="{not json")
    assert code_of(err) == "InvalidPolicyDocument"
    err = error_code(ec2.create_vpc_endpoint, VpcId=vpc_id, ServiceName=S3,
                     DnsOptions={"PrivateDnsOnlyForInboundResolverEndpoint": True})
    assert code_of(err) == "InvalidParameter"
    assert code_of(error_code(ec2.create_vpc_endpoint, VpcId="vpc-0123456789abcdef0", ServiceName=S3)) == \
        "InvalidVpcID.NotFound"


def test_describe_and_delete_name_unknown_endpoints_as_aws_does(ec2, aws):
    err = error_code(ec2.describe_vpc_endpoints, VpcEndpointIds=[UNKNOWN])
    assert code_of(err) == "InvalidVpcEndpointId.NotFound"
    assert code_of(error_code(ec2.describe_vpc_endpoints, VpcEndpointIds=["vpce-nope"])) == \
        "InvalidVpcEndpointId.Malformed"
    out = ec2.delete_vpc_endpoints(VpcEndpointIds=[UNKNOWN])
    (item,) = out["Unsuccessful"]
    assert item["ResourceId"] == UNKNOWN
    assert item["Error"]["Code"] == "InvalidVpcEndpoint.NotFound"
    err = error_code(ec2.modify_vpc_endpoint, VpcEndpointId=UNKNOWN, ResetPolicy=True)
    assert code_of(err) == "InvalidVpcEndpointId.NotFound"
    assert code_of(error_code(ec2.describe_vpc_endpoints, Filters=[{"Name": "nope", "Values": ["x"]}])) == \
        "InvalidParameterValue"

    vpc_id, _ = vpc_with_subnets(ec2, zones=0)
    vpce = aws.run("create-vpc-endpoint", "--vpc-id", vpc_id, "--service-name", S3,
                   "--route-table-ids", main_table(ec2, vpc_id))["VpcEndpoint"]["VpcEndpointId"]
    listed = aws.run("describe-vpc-endpoints", "--filters", f"Name=vpc-id,Values={vpc_id}",
                     "Name=vpc-endpoint-type,Values=Gateway", "Name=vpc-endpoint-state,Values=available")
    assert [e["VpcEndpointId"] for e in listed["VpcEndpoints"]] == [vpce]
    policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}'
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce, PolicyDocument=policy)
    assert endpoint(ec2, vpce)["PolicyDocument"] == policy
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce, ResetPolicy=True)
    assert json.loads(endpoint(ec2, vpce)["PolicyDocument"])["Statement"][0]["Effect"] == "Allow"
    ec2.create_tags(Resources=[vpce], Tags=[{"Key": "team", "Value": "net"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpce]}])["Tags"]
    assert [(t["ResourceType"], t["Key"]) for t in tags] == [("vpc-endpoint", "team")]
    out = aws.run("delete-vpc-endpoints", "--vpc-endpoint-ids", vpce)
    assert out["Unsuccessful"] == []
    # Deleted is gone for a second delete.
    (item,) = ec2.delete_vpc_endpoints(VpcEndpointIds=[vpce])["Unsuccessful"]
    assert item["Error"]["Code"] == "InvalidVpcEndpoint.NotFound"


def test_the_service_catalogue_lists_s3_as_gateway_and_interface(ec2, aws):
    out = ec2.describe_vpc_endpoint_services()
    assert S3 in out["ServiceNames"] and EC2 in out["ServiceNames"]
    s3 = [d for d in out["ServiceDetails"] if d["ServiceName"] == S3]
    assert sorted(d["ServiceType"][0]["ServiceType"] for d in s3) == ["Gateway", "Interface"]
    gateway = next(d for d in s3 if d["ServiceType"][0]["ServiceType"] == "Gateway")
    assert gateway["Owner"] == "amazon" and gateway["ServiceId"].startswith("vpce-svc-")
    assert gateway["BaseEndpointDnsNames"] == [f"s3.{REGION}.amazonaws.com"]
    assert gateway["VpcEndpointPolicySupported"] is True and gateway["AcceptanceRequired"] is False
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    assert gateway["AvailabilityZones"] == zones
    only = ec2.describe_vpc_endpoint_services(
        Filters=[{"Name": "service-type", "Values": ["Gateway"]}])["ServiceNames"]
    assert only == [f"com.amazonaws.{REGION}.dynamodb", S3]
    err = error_code(ec2.describe_vpc_endpoint_services, ServiceNames=["com.amazonaws.nowhere.s3"])
    assert code_of(err) == "InvalidServiceName"
    # The CLI pages through the whole catalogue (a name split over two pages is listed on both).
    paged = aws.run("describe-vpc-endpoint-services", "--page-size", "5")
    assert list(dict.fromkeys(paged["ServiceNames"])) == out["ServiceNames"]
    assert len(paged["ServiceDetails"]) == len(out["ServiceDetails"])
