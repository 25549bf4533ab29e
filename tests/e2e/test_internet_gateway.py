"""Internet gateway actions: one VPC per gateway, one gateway per VPC."""
from conftest import code_of, error_code


def test_lifecycle(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway(TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "gw"}]}])["InternetGateway"]
    igw_id = igw["InternetGatewayId"]
    assert igw["Attachments"] == [] and igw["Tags"] == [{"Key": "Name", "Value": "gw"}]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    got = ec2.describe_internet_gateways(InternetGatewayIds=[igw_id])["InternetGateways"][0]
    assert got["Attachments"] == [{"State": "available", "VpcId": vpc_id}]
    found = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
    assert [g["InternetGatewayId"] for g in found] == [igw_id]
    assert code_of(error_code(ec2.delete_internet_gateway, InternetGatewayId=igw_id)) == "DependencyViolation"
    assert code_of(error_code(ec2.delete_vpc, VpcId=vpc_id)) == "DependencyViolation"
    ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=igw_id)
    assert code_of(error_code(ec2.describe_internet_gateways, InternetGatewayIds=[igw_id])) == "InvalidInternetGatewayID.NotFound"


def test_one_to_one(ec2):
    vpc_a = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    vpc_b = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    igw_1 = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    igw_2 = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_1, VpcId=vpc_a)
    assert code_of(error_code(ec2.attach_internet_gateway, InternetGatewayId=igw_1, VpcId=vpc_b)) == "Resource.AlreadyAssociated"
    assert code_of(error_code(ec2.attach_internet_gateway, InternetGatewayId=igw_2, VpcId=vpc_a)) == "Resource.AlreadyAssociated"
    assert code_of(error_code(ec2.detach_internet_gateway, InternetGatewayId=igw_1, VpcId=vpc_b)) == "Gateway.NotAttached"
    assert code_of(error_code(ec2.detach_internet_gateway, InternetGatewayId=igw_2, VpcId=vpc_a)) == "Gateway.NotAttached"


def test_ids_and_quota(ec2):
    assert code_of(error_code(ec2.delete_internet_gateway, InternetGatewayId="igw-zz")) == "InvalidInternetGatewayId.Malformed"
    assert code_of(error_code(ec2.delete_internet_gateway, InternetGatewayId="igw-0123456789abcdef0")) == "InvalidInternetGatewayID.NotFound"
    # The default VPC's gateway counts towards the quota of five.
    for _ in range(4):
        ec2.create_internet_gateway()
    assert code_of(error_code(ec2.create_internet_gateway)) == "InternetGatewayLimitExceeded"


def test_seed_001_network_with_cli(aws):
    """Seed 001's network set-up, step by step, with the AWS CLI."""
    vpc_id = aws.run("create-vpc", "--cidr-block", "192.168.1.0/24")["Vpc"]["VpcId"]
    subnet = aws.run("create-subnet", "--vpc-id", vpc_id, "--cidr-block", "192.168.1.0/24")["Subnet"]
    assert subnet["AvailableIpAddressCount"] == 251
    igw_id = aws.run("create-internet-gateway")["InternetGateway"]["InternetGatewayId"]
    assert aws.run("attach-internet-gateway", "--internet-gateway-id", igw_id, "--vpc-id", vpc_id) is None
    tables = aws.run("describe-route-tables", "--filters", f"Name=vpc-id,Values={vpc_id}")["RouteTables"]
    assert len(tables) == 1
    rtb = tables[0]
    assert rtb["Associations"][0]["Main"] is True
    assert rtb["Routes"] == [{"DestinationCidrBlock": "192.168.1.0/24", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}]
    assert aws.run("create-route", "--route-table-id", rtb["RouteTableId"], "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw_id) == {"Return": True}
    routes = aws.run("describe-route-tables", "--route-table-ids", rtb["RouteTableId"])["RouteTables"][0]["Routes"]
    assert {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw_id, "Origin": "CreateRoute", "State": "active"} in routes
    sg_id = aws.run("create-security-group", "--group-name", "standalone", "--description", "standalone in VPC", "--vpc-id", vpc_id)["GroupId"]
    for port in ("22", "25", "80"):
        aws.run("authorize-security-group-ingress", "--group-id", sg_id, "--protocol", "tcp", "--port", port, "--cidr", "0.0.0.0/0")
    group = aws.run("describe-security-groups", "--group-ids", sg_id)["SecurityGroups"][0]
    assert sorted(p["FromPort"] for p in group["IpPermissions"]) == [22, 25, 80]
    assert all(p["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}] for p in group["IpPermissions"])
    assert group["IpPermissionsEgress"] == [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}]
