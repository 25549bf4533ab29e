"""NAT gateways (issue 15): the API with AWS's rules, states, failures, requester-managed
interface and routes, driven by boto3 and the AWS CLI (its waiters included)."""
import pytest

from conftest import code_of, error_code

UNKNOWN_NAT = "nat-0123456789abcdef0"


def vpc_with_subnet(ec2, cidr="10.20.0.0/16", subnet_cidr="10.20.1.0/24", igw=True):
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=subnet_cidr)["Subnet"]
    if igw:
        igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    return vpc_id, subnet


def public_nat(ec2, subnet_id, **kwargs):
    eip = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=eip["AllocationId"], **kwargs)["NatGateway"]
    return nat, eip


def describe(ec2, nat_id):
    return ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]


def test_public_nat_gateway_is_pending_then_available_on_a_requester_managed_interface(ec2):
    vpc_id, subnet = vpc_with_subnet(ec2)
    nat, eip = public_nat(ec2, subnet["SubnetId"],
                          TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "n"}]}])
    assert nat["NatGatewayId"].startswith("nat-") and len(nat["NatGatewayId"]) == 21
    assert (nat["State"], nat["SubnetId"], nat["VpcId"], nat["ConnectivityType"]) == (
        "pending", subnet["SubnetId"], vpc_id, "public")
    assert nat["Tags"] == [{"Key": "Name", "Value": "n"}]
    (address,) = nat["NatGatewayAddresses"]
    assert address["AllocationId"] == eip["AllocationId"]
    assert address["PublicIp"] == eip["PublicIp"]
    assert address["IsPrimary"] is True and address["Status"] == "succeeded"
    assert address["AssociationId"].startswith("eipassoc-")
    eni_id = address["NetworkInterfaceId"]
    described = describe(ec2, nat["NatGatewayId"])
    assert described["State"] == "available"
    assert "FailureCode" not in described

    (eni,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
    assert eni["InterfaceType"] == "nat_gateway"
    assert eni["RequesterManaged"] is True
    assert eni["RequesterId"] == "036872051663"
    assert eni["Description"] == f"Interface for NAT Gateway {nat['NatGatewayId']}"
    assert eni["Status"] == "in-use"
    assert eni["SourceDestCheck"] is False
    assert eni["Groups"] == []
    assert eni["PrivateIpAddress"] == address["PrivateIp"]
    assert eni["Association"]["PublicIp"] == eip["PublicIp"]
    attachment = eni["Attachment"]
    assert attachment["AttachmentId"].startswith("ela-attach-")
    assert (attachment["InstanceOwnerId"], attachment["DeviceIndex"], attachment["Status"],
            attachment["DeleteOnTermination"]) == ("amazon-aws", 1, "attached", False)
    assert "InstanceId" not in attachment
    by_type = ec2.describe_network_interfaces(Filters=[{"Name": "interface-type", "Values": ["nat_gateway"]}])
    assert [e["NetworkInterfaceId"] for e in by_type["NetworkInterfaces"]] == [eni_id]
    managed = ec2.describe_network_interfaces(Filters=[{"Name": "requester-managed", "Values": ["true"]}])
    assert [e["NetworkInterfaceId"] for e in managed["NetworkInterfaces"]] == [eni_id]

    (described_eip,) = ec2.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"]
    assert described_eip["NetworkInterfaceId"] == eni_id
    assert described_eip["PrivateIpAddress"] == address["PrivateIp"]
    assert "InstanceId" not in described_eip
    # The subnet counts the interface's address.
    (s,) = ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"]
    assert s["AvailableIpAddressCount"] == subnet["AvailableIpAddressCount"] - 1


def test_the_user_may_not_manage_the_interface_or_its_elastic_ip(ec2):
    _, subnet = vpc_with_subnet(ec2)
    nat, eip = public_nat(ec2, subnet["SubnetId"])
    eni_id = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    (eni,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]

    err = error_code(ec2.detach_network_interface, AttachmentId=eni["Attachment"]["AttachmentId"])
    assert (code_of(err), err.response["Error"]["Message"]) == (
        "OperationNotPermitted", "You are not allowed to manage 'ela-attach' attachments.")
    err = error_code(ec2.delete_network_interface, NetworkInterfaceId=eni_id)
    assert (code_of(err), err.response["Error"]["Message"]) == (
        "InvalidParameterValue", f"Network interface '{eni_id}' is currently in use.")
    denied = "You do not have permission to access the specified resource."
    for call, kwargs in [
        (ec2.modify_network_interface_attribute, {"NetworkInterfaceId": eni_id, "SourceDestCheck": {"Value": True}}),
        (ec2.modify_network_interface_attribute, {"NetworkInterfaceId": eni_id, "Description": {"Value": "x"}}),
        (ec2.assign_private_ip_addresses, {"NetworkInterfaceId": eni_id, "SecondaryPrivateIpAddressCount": 1}),
        (ec2.disassociate_address, {"AssociationId": nat["NatGatewayAddresses"][0]["AssociationId"]}),
        (ec2.release_address, {"AllocationId": eip["AllocationId"]}),
        (ec2.associate_address, {"AllocationId": ec2.allocate_address(Domain="vpc")["AllocationId"],
                                 "NetworkInterfaceId": eni_id}),
    ]:
        err = error_code(call, **kwargs)
        assert (code_of(err), err.response["Error"]["Message"]) == ("AuthFailure", denied), call
        assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    instance = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                 SubnetId=subnet["SubnetId"])["Instances"][0]
    err = error_code(ec2.attach_network_interface, NetworkInterfaceId=eni_id, InstanceId=instance["InstanceId"],
                     DeviceIndex=1)
    assert code_of(err) == "InvalidNetworkInterface.InUse"
    # Nothing changed, and the subnet cannot go while the gateway's interface is in it.
    assert describe(ec2, nat["NatGatewayId"])["NatGatewayAddresses"][0]["PublicIp"] == eip["PublicIp"]
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    assert code_of(error_code(ec2.delete_subnet, SubnetId=subnet["SubnetId"])) == "DependencyViolation"


def test_delete_releases_the_interface_keeps_the_eip_and_blackholes_routes(ec2, aws):
    vpc_id, subnet = vpc_with_subnet(ec2)
    nat, eip = public_nat(ec2, subnet["SubnetId"])
    nat_id = nat["NatGatewayId"]
    eni_id = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    aws.run("wait", "nat-gateway-available", "--nat-gateway-ids", nat_id)
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    assert ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)["Return"]
    (table,) = ec2.describe_route_tables(Filters=[{"Name": "route.nat-gateway-id", "Values": [nat_id]}])["RouteTables"]
    assert table["Routes"][1] == {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat_id,
                                  "Origin": "CreateRoute", "State": "active"}
    # The EIP is held while the gateway lives: the internet gateway cannot leave.
    igw_id = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
        "InternetGateways"][0]["InternetGatewayId"]
    err = error_code(ec2.detach_internet_gateway, InternetGatewayId=igw_id, VpcId=vpc_id)
    assert code_of(err) == "DependencyViolation"

    assert ec2.delete_nat_gateway(NatGatewayId=nat_id)["NatGatewayId"] == nat_id
    gone = describe(ec2, nat_id)
    assert gone["State"] == "deleted" and "DeleteTime" in gone
    aws.run("wait", "nat-gateway-deleted", "--nat-gateway-ids", nat_id)
    assert ec2.describe_network_interfaces(Filters=[{"Name": "network-interface-id", "Values": [eni_id]}])[
        "NetworkInterfaces"] == []
    (described_eip,) = ec2.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"]
    assert "AssociationId" not in described_eip
    assert routes_state(ec2, table_id) == "blackhole"
    err = error_code(ec2.delete_nat_gateway, NatGatewayId=nat_id)
    assert (code_of(err), err.response["Error"]["Message"]) == ("NatGatewayNotFound", f"NAT gateway {nat_id} was not found")
    # A deleted gateway is no route target.
    err = error_code(ec2.create_route, RouteTableId=table_id, DestinationCidrBlock="10.99.0.0/16", NatGatewayId=nat_id)
    assert code_of(err) == "NatGatewayNotFound"
    ec2.release_address(AllocationId=eip["AllocationId"])
    ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)


def routes_state(ec2, table_id):
    return ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"][1]["State"]


def test_no_internet_gateway_fails_with_awss_code(ec2, aws):
    vpc_id, subnet = vpc_with_subnet(ec2, igw=False)
    nat, eip = public_nat(ec2, subnet["SubnetId"])
    assert nat["State"] == "pending"
    failed = describe(ec2, nat["NatGatewayId"])
    assert (failed["State"], failed["FailureCode"], failed["FailureMessage"]) == (
        "failed", "Gateway.NotAttached", f"Network {vpc_id} has no Internet gateway attached")
    assert failed["NatGatewayAddresses"][0]["Status"] == "failed"
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"][0]
    assert ec2.describe_network_interfaces(Filters=[{"Name": "interface-type", "Values": ["nat_gateway"]}])[
        "NetworkInterfaces"] == []
    err = aws.error("wait", "nat-gateway-available", "--nat-gateway-ids", nat["NatGatewayId"])
    assert err.status == 255 and "failed" in err.stderr
    assert describe(ec2, nat["NatGatewayId"])["State"] == "failed"
    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    assert describe(ec2, nat["NatGatewayId"])["State"] == "deleted"


def test_eip_in_use_or_unknown_fails_after_acceptance(ec2):
    _, subnet = vpc_with_subnet(ec2)
    first, eip = public_nat(ec2, subnet["SubnetId"])
    second = ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], AllocationId=eip["AllocationId"])["NatGateway"]
    failed = describe(ec2, second["NatGatewayId"])
    assert (failed["State"], failed["FailureCode"], failed["FailureMessage"]) == (
        "failed", "Resource.AlreadyAssociated", f"Elastic IP address {eip['AllocationId']} is already associated")
    unknown = "eipalloc-0123456789abcdef0"
    third = ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], AllocationId=unknown)["NatGateway"]
    failed = describe(ec2, third["NatGatewayId"])
    assert (failed["FailureCode"], failed["FailureMessage"]) == (
        "InvalidAllocationID.NotFound",
        f"Elastic IP address {unknown} could not be associated with this NAT gateway")
    assert describe(ec2, first["NatGatewayId"])["State"] == "available"


def test_a_full_subnet_fails_the_gateway(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.30.0.0/28")["Subnet"]
    ec2.create_network_interface(SubnetId=subnet["SubnetId"], SecondaryPrivateIpAddressCount=10)
    nat, _ = public_nat(ec2, subnet["SubnetId"])
    failed = describe(ec2, nat["NatGatewayId"])
    assert (failed["State"], failed["FailureCode"], failed["FailureMessage"]) == (
        "failed", "InsufficientFreeAddressesInSubnet",
        "Subnet has insufficient free addresses to create this NAT gateway")


def test_private_nat_gateway_with_explicit_and_secondary_addresses(ec2):
    _, subnet = vpc_with_subnet(ec2, igw=False)
    nat = ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], ConnectivityType="private",
                                 PrivateIpAddress="10.20.1.50",
                                 SecondaryPrivateIpAddresses=["10.20.1.51", "10.20.1.52"])["NatGateway"]
    assert nat["ConnectivityType"] == "private"
    assert [(a["PrivateIp"], a["IsPrimary"]) for a in nat["NatGatewayAddresses"]] == [
        ("10.20.1.50", True), ("10.20.1.51", False), ("10.20.1.52", False)]
    assert all("PublicIp" not in a and "AllocationId" not in a for a in nat["NatGatewayAddresses"])
    assert describe(ec2, nat["NatGatewayId"])["State"] == "available"
    counted = ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], ConnectivityType="private",
                                     SecondaryPrivateIpAddressCount=2)["NatGateway"]
    assert len(counted["NatGatewayAddresses"]) == 3
    # An address in use is refused at once.
    err = error_code(ec2.create_nat_gateway, SubnetId=subnet["SubnetId"], ConnectivityType="private",
                     PrivateIpAddress="10.20.1.50")
    assert code_of(err) == "InvalidIPAddress.InUse"


def test_public_nat_gateway_with_secondary_eips(ec2):
    _, subnet = vpc_with_subnet(ec2)
    primary = ec2.allocate_address(Domain="vpc")
    secondary = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], AllocationId=primary["AllocationId"],
                                 SecondaryAllocationIds=[secondary["AllocationId"]])["NatGateway"]
    assert [(a["PublicIp"], a["IsPrimary"]) for a in nat["NatGatewayAddresses"]] == [
        (primary["PublicIp"], True), (secondary["PublicIp"], False)]
    eni_id = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    (eni,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
    assert len(eni["PrivateIpAddresses"]) == 2


def test_create_refusals_with_awss_codes(ec2, unvalidated_ec2):
    _, subnet = vpc_with_subnet(ec2)
    subnet_id = subnet["SubnetId"]
    err = error_code(ec2.create_nat_gateway, SubnetId=subnet_id)
    assert (code_of(err), err.response["Error"]["Message"]) == (
        "MissingParameter",
        "The request must include the AllocationId parameter. Add the required parameter and retry the request.")
    err = error_code(ec2.create_nat_gateway, SubnetId="subnet-bad", AllocationId="eipalloc-12345678")
    assert (code_of(err), err.response["Error"]["Message"]) == ("InvalidSubnet", "The subnet ID 'subnet-bad' is malformed")
    err = error_code(ec2.create_nat_gateway, SubnetId=subnet_id, AllocationId="eipalloc-x")
    assert (code_of(err), err.response["Error"]["Message"]) == (
        "InvalidElasticIpID.Malformed", "The elastic-ip ID 'eipalloc-x' is malformed")
    err = error_code(ec2.create_nat_gateway, SubnetId="subnet-0123456789abcdef0", AllocationId="eipalloc-12345678")
    assert code_of(err) == "InvalidSubnetID.NotFound"
    err = error_code(ec2.create_nat_gateway, SubnetId=subnet_id, ConnectivityType="private",
                     AllocationId="eipalloc-12345678")
    assert code_of(err) == "InvalidParameterCombination"
    err = error_code(ec2.create_nat_gateway, SubnetId=subnet_id, ConnectivityType="private",
                     SecondaryPrivateIpAddressCount=8)
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.create_nat_gateway, SubnetId=subnet_id, ConnectivityType="private",
                     AvailabilityMode="regional")
    assert code_of(err) == "UnsupportedOperation"
    err = error_code(ec2.create_nat_gateway, SubnetId=subnet_id, ConnectivityType="private",
                     TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "k", "Value": "v"}]}])
    assert code_of(err) == "InvalidParameterValue"
    assert ec2.describe_nat_gateways()["NatGateways"] == [], "nothing was created"


def test_five_per_zone(ec2):
    _, subnet = vpc_with_subnet(ec2, igw=False)
    nats = [ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], ConnectivityType="private")["NatGateway"]
            for _ in range(5)]
    err = error_code(ec2.create_nat_gateway, SubnetId=subnet["SubnetId"], ConnectivityType="private")
    assert (code_of(err), err.response["Error"]["Message"]) == (
        "NatGatewayLimitExceeded", "Performing this operation would exceed the limit of 5 NAT gateways")
    ec2.delete_nat_gateway(NatGatewayId=nats[0]["NatGatewayId"])
    # Deleted ones no longer count.
    ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], ConnectivityType="private")


def test_client_token_makes_create_idempotent(ec2):
    _, subnet = vpc_with_subnet(ec2, igw=False)
    kwargs = {"SubnetId": subnet["SubnetId"], "ConnectivityType": "private", "ClientToken": "once"}
    first = ec2.create_nat_gateway(**kwargs)
    again = ec2.create_nat_gateway(**kwargs)
    assert first["NatGateway"]["NatGatewayId"] == again["NatGateway"]["NatGatewayId"]
    assert first["ClientToken"] == "once"
    assert len(ec2.describe_nat_gateways()["NatGateways"]) == 1
    err = error_code(ec2.create_nat_gateway, **{**kwargs, "PrivateIpAddress": "10.20.1.99"})
    assert code_of(err) == "IdempotentParameterMismatch"


def test_describe_filters_ids_and_pages(ec2, aws):
    vpc_id, subnet = vpc_with_subnet(ec2, igw=False)
    other = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.2.0/24")["Subnet"]["SubnetId"]
    a = ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], ConnectivityType="private",
                               TagSpecifications=[{"ResourceType": "natgateway",
                                                   "Tags": [{"Key": "tier", "Value": "a"}]}])["NatGateway"]["NatGatewayId"]
    b = ec2.create_nat_gateway(SubnetId=other, ConnectivityType="private")["NatGateway"]["NatGatewayId"]
    ec2.delete_nat_gateway(NatGatewayId=b)

    def ids(*filters):
        out = ec2.describe_nat_gateways(Filters=[{"Name": n, "Values": v} for n, v in filters])
        return sorted(n["NatGatewayId"] for n in out["NatGateways"])

    assert ids() == sorted([a, b])
    assert ids(("subnet-id", [other])) == [b]
    assert ids(("state", ["available"])) == [a]
    assert ids(("state", ["deleted"])) == [b]
    assert ids(("vpc-id", [vpc_id])) == sorted([a, b])
    assert ids(("nat-gateway-id", [a])) == [a]
    assert ids(("tag:tier", ["a"])) == [a]
    assert ids(("tag-key", ["tier"])) == [a]
    err = error_code(ec2.describe_nat_gateways, Filters=[{"Name": "bogus", "Values": ["x"]}])
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.describe_nat_gateways, NatGatewayIds=[UNKNOWN_NAT])
    assert (code_of(err), err.response["Error"]["Message"]) == ("NatGatewayNotFound", f"NAT gateway {UNKNOWN_NAT} was not found")
    assert code_of(error_code(ec2.describe_nat_gateways, NatGatewayIds=["nat-x"])) == "NatGatewayMalformed"
    assert code_of(error_code(ec2.delete_nat_gateway, NatGatewayId=UNKNOWN_NAT)) == "NatGatewayNotFound"
    pages = list(ec2.get_paginator("describe_nat_gateways").paginate(PaginationConfig={"PageSize": 5}))
    assert sum(len(p["NatGateways"]) for p in pages) == 2
    out = aws.run("describe-nat-gateways", "--filter", "Name=state,Values=available")
    assert [n["NatGatewayId"] for n in out["NatGateways"]] == [a]
    # Tags through the tag actions too.
    ec2.create_tags(Resources=[b], Tags=[{"Key": "k", "Value": "v"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [b]}])["Tags"]
    assert tags == [{"Key": "k", "ResourceId": b, "ResourceType": "natgateway", "Value": "v"}]


def test_routes_to_a_nat_gateway_follow_aws_rules(ec2):
    vpc_id, subnet = vpc_with_subnet(ec2)
    nat, _ = public_nat(ec2, subnet["SubnetId"])
    nat_id = nat["NatGatewayId"]
    table_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    other_table = ec2.create_route_table(VpcId=other_vpc)["RouteTable"]["RouteTableId"]
    err = error_code(ec2.create_route, RouteTableId=other_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    assert (code_of(err), err.response["Error"]["Message"]) == (
        "InvalidParameterValue", f"route table {other_table} and network gateway {nat_id} belong to different networks")
    # Middlebox routing: a whole subnet's range may go to the NAT gateway.
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="10.20.1.0/24", NatGatewayId=nat_id)
    ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock="10.20.1.0/24",
                      NetworkInterfaceId=nat["NatGatewayAddresses"][0]["NetworkInterfaceId"])
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)
    routes = ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]["Routes"]
    assert [r.get("NatGatewayId") for r in routes] == [None, None, nat_id]
