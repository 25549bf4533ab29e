"""IPv6: Amazon-provided /56 VPC blocks, subnet /64s, AssignIpv6AddressOnCreation, and what a
VPC gains with IPv6 (local routes, the default group's ::/0 egress)."""
import ipaddress

import pytest

from conftest import client, code_of, error_code, new_account


def ipv6_vpc(ec2, cidr="10.0.0.0/16"):
    vpc = ec2.create_vpc(CidrBlock=cidr, AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    described = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]
    return vpc, described


def block_of(vpc):
    return ipaddress.IPv6Network(vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])


def test_amazon_provided_block_is_a_56_of_the_documentation_pool(ec2):
    created, vpc = ipv6_vpc(ec2)
    (assoc,) = created["Ipv6CidrBlockAssociationSet"]
    assert assoc["Ipv6CidrBlockState"]["State"] == "associating"
    assert "Ipv6CidrBlock" not in assoc
    (assoc,) = vpc["Ipv6CidrBlockAssociationSet"]
    assert assoc["Ipv6CidrBlockState"]["State"] == "associated"
    assert assoc["Ipv6Pool"] == "Amazon"
    assert assoc["NetworkBorderGroup"] == "ap-northeast-1"
    assert assoc["AssociationId"].startswith("vpc-cidr-assoc-")
    block = block_of(vpc)
    assert block.prefixlen == 56
    assert block.subnet_of(ipaddress.IPv6Network("2001:db8::/32"))
    assert ec2.describe_vpcs(Filters=[
        {"Name": "ipv6-cidr-block-association.ipv6-cidr-block", "Values": [str(block)]},
    ])["Vpcs"][0]["VpcId"] == vpc["VpcId"]
    assert ec2.describe_vpcs(Filters=[
        {"Name": "ipv6-cidr-block-association.association-id", "Values": [assoc["AssociationId"]]},
    ])["Vpcs"][0]["VpcId"] == vpc["VpcId"]
    plain = ec2.create_vpc(CidrBlock="10.1.0.0/16", AmazonProvidedIpv6CidrBlock=False)["Vpc"]
    assert "Ipv6CidrBlockAssociationSet" not in ec2.describe_vpcs(VpcIds=[plain["VpcId"]])["Vpcs"][0]


def test_blocks_are_unique_across_accounts(server, ec2):
    other = client(server.endpoint, new_account())
    blocks = {block_of(ipv6_vpc(c)[1]) for c in (ec2, other, ec2, other)}
    assert len(blocks) == 4


def test_border_group_needs_amazon_block_and_the_region(ec2):
    err = error_code(ec2.create_vpc, CidrBlock="10.0.0.0/16", Ipv6CidrBlockNetworkBorderGroup="ap-northeast-1")
    assert code_of(err) == "InvalidParameterCombination"
    err = error_code(ec2.create_vpc, CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True,
                     Ipv6CidrBlockNetworkBorderGroup="us-west-2-lax-1")
    assert code_of(err) == "InvalidParameterValue"
    ok = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True,
                        Ipv6CidrBlockNetworkBorderGroup="ap-northeast-1")["Vpc"]
    assert ok["Ipv6CidrBlockAssociationSet"][0]["NetworkBorderGroup"] == "ap-northeast-1"


def test_associate_and_disassociate_vpc_ipv6_blocks(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    answer = ec2.associate_vpc_cidr_block(VpcId=vpc_id, AmazonProvidedIpv6CidrBlock=True)
    assoc = answer["Ipv6CidrBlockAssociation"]
    assert answer["VpcId"] == vpc_id and "CidrBlockAssociation" not in answer
    assert assoc["Ipv6CidrBlockState"]["State"] == "associating"
    for _ in range(4):
        ec2.associate_vpc_cidr_block(VpcId=vpc_id, AmazonProvidedIpv6CidrBlock=True)
    err = error_code(ec2.associate_vpc_cidr_block, VpcId=vpc_id, AmazonProvidedIpv6CidrBlock=True)
    assert code_of(err) == "CidrLimitExceeded"
    err = error_code(ec2.associate_vpc_cidr_block, VpcId=vpc_id, AmazonProvidedIpv6CidrBlock=True,
                     CidrBlock="10.1.0.0/16")
    assert code_of(err) == "InvalidParameterCombination"
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert len(vpc["Ipv6CidrBlockAssociationSet"]) == 5
    first = vpc["Ipv6CidrBlockAssociationSet"][0]
    block = ipaddress.IPv6Network(first["Ipv6CidrBlock"])
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24",
                               Ipv6CidrBlock=str(next(block.subnets(new_prefix=64))))["Subnet"]
    err = error_code(ec2.disassociate_vpc_cidr_block, AssociationId=first["AssociationId"])
    assert code_of(err) == "InvalidCidrBlock.InUse"
    assert f"currently has a subnet within CIDR block {block}" in str(err)
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    gone = ec2.disassociate_vpc_cidr_block(AssociationId=first["AssociationId"])
    assert gone["Ipv6CidrBlockAssociation"]["Ipv6CidrBlockState"]["State"] == "disassociating"
    assert gone["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"] == str(block)
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert str(block) not in [a["Ipv6CidrBlock"] for a in vpc["Ipv6CidrBlockAssociationSet"]]
    err = error_code(ec2.disassociate_vpc_cidr_block, AssociationId=first["AssociationId"])
    assert code_of(err) == "InvalidVpcCidrBlockAssociationID.NotFound"


def test_route_tables_get_a_local_route_per_block(ec2):
    _, vpc = ipv6_vpc(ec2)
    block = str(block_of(vpc))
    extra = ec2.create_route_table(VpcId=vpc["VpcId"])["RouteTable"]["RouteTableId"]
    for table in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["RouteTables"]:
        v6 = [r for r in table["Routes"] if "DestinationIpv6CidrBlock" in r]
        assert v6 == [{"DestinationIpv6CidrBlock": block, "GatewayId": "local",
                       "Origin": "CreateRouteTable", "State": "active"}]
    found = ec2.describe_route_tables(Filters=[{"Name": "route.destination-ipv6-cidr-block", "Values": [block]}])
    assert extra in [t["RouteTableId"] for t in found["RouteTables"]]


def test_default_group_gains_ipv6_egress_unless_modified(ec2):
    def default_egress(vpc_id):
        (group,) = ec2.describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
        return group["GroupId"], group["IpPermissionsEgress"]

    _, vpc = ipv6_vpc(ec2)
    _, egress = default_egress(vpc["VpcId"])
    assert egress == [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                       "Ipv6Ranges": [{"CidrIpv6": "::/0"}], "PrefixListIds": [], "UserIdGroupPairs": []}]
    other = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    group, _ = default_egress(other)
    ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.associate_vpc_cidr_block(VpcId=other, AmazonProvidedIpv6CidrBlock=True)
    assert default_egress(other)[1] == []


def test_subnet_ipv6_blocks(ec2):
    _, vpc = ipv6_vpc(ec2)
    block = block_of(vpc)
    s64 = list(block.subnets(new_prefix=64))
    created = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24", Ipv6CidrBlock=str(s64[1]))["Subnet"]
    (assoc,) = created["Ipv6CidrBlockAssociationSet"]
    assert assoc["Ipv6CidrBlock"] == str(s64[1])
    assert assoc["Ipv6CidrBlockState"]["State"] == "associating"
    assert assoc["AssociationId"].startswith("subnet-cidr-assoc-")
    assert created["Ipv6Native"] is False and created["AssignIpv6AddressOnCreation"] is False
    described = ec2.describe_subnets(SubnetIds=[created["SubnetId"]])["Subnets"][0]
    assert described["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlockState"]["State"] == "associated"
    assert ec2.describe_subnets(Filters=[
        {"Name": "ipv6-cidr-block-association.ipv6-cidr-block", "Values": [str(s64[1])]},
    ])["Subnets"][0]["SubnetId"] == created["SubnetId"]
    # Any text form is accepted and shown canonical.
    long_form = s64[2].network_address.exploded.upper() + "/64"
    other = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.2.0/24", Ipv6CidrBlock=long_form)["Subnet"]
    assert other["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == str(s64[2])


@pytest.mark.parametrize("ipv6, code", [
    ("prefix60", "InvalidParameterValue"),
    ("outside", "InvalidSubnet.Range"),
    ("taken", "InvalidSubnet.Conflict"),
    ("2001:db8::/x", "InvalidParameterValue"),
])
def test_subnet_ipv6_block_rules(ec2, ipv6, code):
    _, vpc = ipv6_vpc(ec2)
    block = block_of(vpc)
    first = str(next(block.subnets(new_prefix=64)))
    ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24", Ipv6CidrBlock=first)
    text = {
        "prefix60": str(next(block.subnets(new_prefix=60))),
        "outside": "2001:db8:ffff:ff00::/64",
        "taken": first,
    }.get(ipv6, ipv6)
    err = error_code(ec2.create_subnet, VpcId=vpc["VpcId"], CidrBlock="10.0.2.0/24", Ipv6CidrBlock=text)
    assert code_of(err) == code


def test_ipv6_block_in_a_vpc_without_ipv6(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    err = error_code(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.0.1.0/24", Ipv6CidrBlock="2001:db8:0:100::/64")
    assert code_of(err) == "InvalidSubnet.Range"


def test_associate_disassociate_subnet_block_and_assign_on_creation(ec2, aws):
    _, vpc = ipv6_vpc(ec2)
    s64 = list(block_of(vpc).subnets(new_prefix=64))
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    err = error_code(ec2.modify_subnet_attribute, SubnetId=subnet, AssignIpv6AddressOnCreation={"Value": True})
    assert code_of(err) == "InvalidParameterValue"
    assert "has an IPv6 CIDR block associated with it" in str(err)
    answer = ec2.associate_subnet_cidr_block(SubnetId=subnet, Ipv6CidrBlock=str(s64[5]))
    assert answer["SubnetId"] == subnet
    assoc = answer["Ipv6CidrBlockAssociation"]
    assert assoc["Ipv6CidrBlock"] == str(s64[5]) and assoc["Ipv6CidrBlockState"]["State"] == "associating"
    err = error_code(ec2.associate_subnet_cidr_block, SubnetId=subnet, Ipv6CidrBlock=str(s64[6]))
    assert code_of(err) == "InvalidParameterValue"
    ec2.modify_subnet_attribute(SubnetId=subnet, AssignIpv6AddressOnCreation={"Value": True})
    assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["AssignIpv6AddressOnCreation"] is True
    err = error_code(ec2.disassociate_subnet_cidr_block, AssociationId=assoc["AssociationId"])
    assert code_of(err) == "InvalidCidrBlock.InUse"
    assert "assign-ipv6-address-on-creation set to true" in str(err)
    ec2.modify_subnet_attribute(SubnetId=subnet, AssignIpv6AddressOnCreation={"Value": False})
    out = aws.run("disassociate-subnet-cidr-block", "--association-id", assoc["AssociationId"])
    assert out["Ipv6CidrBlockAssociation"]["Ipv6CidrBlockState"]["State"] == "disassociating"
    assert ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["Ipv6CidrBlockAssociationSet"] == []
    err = error_code(ec2.disassociate_subnet_cidr_block, AssociationId=assoc["AssociationId"])
    assert code_of(err) == "InvalidSubnetCidrBlockAssociationID.NotFound"
    err = error_code(ec2.disassociate_subnet_cidr_block, AssociationId="subnet-cidr-assoc-xyz")
    assert code_of(err) == "InvalidSubnetCidrBlockAssociationId.Malformed"


@pytest.fixture
def dual_stack(ec2):
    """A VPC with IPv6 and a dual-stack subnet: (vpc id, subnet id, subnet /64)."""
    _, vpc = ipv6_vpc(ec2)
    s64 = next(block_of(vpc).subnets(new_prefix=64))
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24", Ipv6CidrBlock=str(s64))["Subnet"]
    return vpc["VpcId"], subnet["SubnetId"], s64


def v6_of(eni):
    return [a["Ipv6Address"] for a in eni["Ipv6Addresses"]]


def test_interface_ipv6_count_and_explicit(ec2, dual_stack):
    _, subnet, s64 = dual_stack
    eni = ec2.create_network_interface(SubnetId=subnet, Ipv6AddressCount=2)["NetworkInterface"]
    got = v6_of(eni)
    assert len(got) == 2 and all(ipaddress.IPv6Address(a) in s64 for a in got)
    assert eni["Ipv6Address"] == got[0]
    explicit = str(s64.network_address + 0x10)
    long_form = ipaddress.IPv6Address(explicit).exploded
    other = ec2.create_network_interface(SubnetId=subnet, Ipv6Addresses=[{"Ipv6Address": long_form}],
                                         EnablePrimaryIpv6=True)["NetworkInterface"]
    assert other["Ipv6Addresses"] == [{"Ipv6Address": explicit, "IsPrimaryIpv6": True}]
    found = ec2.describe_network_interfaces(Filters=[{"Name": "ipv6-addresses.ipv6-address", "Values": [explicit]}])
    assert [e["NetworkInterfaceId"] for e in found["NetworkInterfaces"]] == [other["NetworkInterfaceId"]]
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Ipv6Addresses=[{"Ipv6Address": explicit}])
    assert code_of(err) == "InvalidIPAddress.InUse"


@pytest.mark.parametrize("addr, code", [
    ("not-an-address", "InvalidParameterValue"),
    ("2001:db8:ffff::10", "InvalidParameterValue"),  # outside the subnet's /64
    ("reserved", "InvalidParameterValue"),  # ::3 of the /64
])
def test_explicit_ipv6_rules(ec2, dual_stack, addr, code):
    _, subnet, s64 = dual_stack
    if addr == "reserved":
        addr = str(s64.network_address + 3)
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Ipv6Addresses=[{"Ipv6Address": addr}])
    assert code_of(err) == code


def test_ipv6_needs_a_subnet_block_and_one_option(ec2, dual_stack):
    vpc_id, subnet, s64 = dual_stack
    plain = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    err = error_code(ec2.create_network_interface, SubnetId=plain, Ipv6AddressCount=1)
    assert code_of(err) == "InvalidParameterValue"
    err = error_code(ec2.create_network_interface, SubnetId=subnet, Ipv6AddressCount=1,
                     Ipv6Addresses=[{"Ipv6Address": str(s64.network_address + 9)}])
    assert code_of(err) == "InvalidParameterCombination"


def test_assign_on_creation(ec2, dual_stack):
    _, subnet, s64 = dual_stack
    ec2.modify_subnet_attribute(SubnetId=subnet, AssignIpv6AddressOnCreation={"Value": True})
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    assert len(v6_of(eni)) == 1
    none = ec2.create_network_interface(SubnetId=subnet, Ipv6AddressCount=0)["NetworkInterface"]
    assert v6_of(none) == []


def test_assign_and_unassign_ipv6_addresses(ec2, aws, dual_stack):
    _, subnet, s64 = dual_stack
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    err = error_code(ec2.assign_ipv6_addresses, NetworkInterfaceId=eni)
    assert code_of(err) == "MissingParameter"
    answer = ec2.assign_ipv6_addresses(NetworkInterfaceId=eni, Ipv6AddressCount=2)
    assert answer["NetworkInterfaceId"] == eni and len(answer["AssignedIpv6Addresses"]) == 2
    explicit = str(s64.network_address + 0x20)
    out = aws.run("assign-ipv6-addresses", "--network-interface-id", eni, "--ipv6-addresses", explicit)
    assert out["AssignedIpv6Addresses"] == [explicit]
    other = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    err = error_code(ec2.assign_ipv6_addresses, NetworkInterfaceId=other, Ipv6Addresses=[explicit])
    assert code_of(err) == "InvalidIPAddress.InUse"
    held = v6_of(ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0])
    assert len(held) == 3 and explicit in held
    err = error_code(ec2.unassign_ipv6_addresses, NetworkInterfaceId=other, Ipv6Addresses=[explicit])
    assert code_of(err) == "InvalidParameterValue"
    gone = ec2.unassign_ipv6_addresses(NetworkInterfaceId=eni, Ipv6Addresses=[explicit, held[0]])
    assert sorted(gone["UnassignedIpv6Addresses"]) == sorted([explicit, held[0]])
    assert v6_of(ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]) == [held[1]]
    ec2.assign_ipv6_addresses(NetworkInterfaceId=other, Ipv6Addresses=[explicit])


def test_subnet_block_in_use_by_an_interface(ec2, dual_stack):
    _, subnet, _ = dual_stack
    eni = ec2.create_network_interface(SubnetId=subnet, Ipv6AddressCount=1)["NetworkInterface"]["NetworkInterfaceId"]
    assoc = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["Ipv6CidrBlockAssociationSet"][0]["AssociationId"]
    err = error_code(ec2.disassociate_subnet_cidr_block, AssociationId=assoc)
    assert code_of(err) == "InvalidCidrBlock.InUse"
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.disassociate_subnet_cidr_block(AssociationId=assoc)


def test_limits_per_instance_type(ec2, dual_stack):
    _, subnet, _ = dual_stack
    err = error_code(ec2.run_instances, ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1,
                     MaxCount=1, SubnetId=subnet, Ipv6AddressCount=3)
    assert code_of(err) == "InvalidInterface.IpAddressLimitExceeded"
    run = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                            SubnetId=subnet, Ipv6AddressCount=2)["Instances"][0]
    (eni,) = run["NetworkInterfaces"]
    assert len(v6_of(eni)) == 2
    assert run["Ipv6Address"] in v6_of(eni)
    err = error_code(ec2.assign_ipv6_addresses, NetworkInterfaceId=eni["NetworkInterfaceId"], Ipv6AddressCount=1)
    assert code_of(err) == "PrivateIpAddressLimitExceeded"
    found = ec2.describe_instances(Filters=[{"Name": "network-interface.ipv6-addresses.ipv6-address",
                                             "Values": [run["Ipv6Address"]]}])
    assert [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]] == [run["InstanceId"]]
    spec = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=2, MaxCount=2,
                             NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet, "Ipv6AddressCount": 1}])
    addrs = [v6_of(i["NetworkInterfaces"][0])[0] for i in spec["Instances"]]
    assert len(set(addrs)) == 2
    big = ec2.create_network_interface(SubnetId=subnet, Ipv6AddressCount=3)["NetworkInterface"]["NetworkInterfaceId"]
    err = error_code(ec2.attach_network_interface, NetworkInterfaceId=big, InstanceId=run["InstanceId"], DeviceIndex=1)
    assert code_of(err) == "PrivateIpAddressLimitExceeded"
