"""A NAT gateway's secondary addresses (issue 15): Associate/DisassociateNatGatewayAddress for
Elastic IPs of a public gateway, Assign/UnassignPrivateNatGatewayAddress for private addresses,
with AWS's transitional statuses in the answers and the settled ones in Describe."""
from conftest import code_of, error_code
from test_nat_gateway import describe, public_nat, vpc_with_subnet


def interface_ips(ec2, eni_id):
    (eni,) = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"]
    return {p["PrivateIpAddress"]: p.get("Association", {}).get("PublicIp") for p in eni["PrivateIpAddresses"]}


def test_elastic_ips_come_and_go_on_a_public_gateways_secondary_addresses(ec2):
    _, subnet = vpc_with_subnet(ec2)
    nat, primary = public_nat(ec2, subnet["SubnetId"])
    nat_id = nat["NatGatewayId"]
    eni_id = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    assert describe(ec2, nat_id)["State"] == "available"
    assert code_of(error_code(ec2.associate_nat_gateway_address, NatGatewayId=nat_id,
                              AllocationIds=[primary["AllocationId"]])) == "Resource.AlreadyAssociated"

    second = ec2.allocate_address(Domain="vpc")
    out = ec2.associate_nat_gateway_address(NatGatewayId=nat_id, AllocationIds=[second["AllocationId"]])
    (added,) = out["NatGatewayAddresses"]
    assert (out["NatGatewayId"], added["AllocationId"], added["PublicIp"], added["IsPrimary"], added["Status"]) == (
        nat_id, second["AllocationId"], second["PublicIp"], False, "associating")
    assert added["NetworkInterfaceId"] == eni_id and added["AssociationId"].startswith("eipassoc-")
    listed = describe(ec2, nat_id)["NatGatewayAddresses"]
    assert [(a["PublicIp"], a["IsPrimary"], a["Status"]) for a in listed] == [
        (primary["PublicIp"], True, "succeeded"), (second["PublicIp"], False, "succeeded")]
    assert interface_ips(ec2, eni_id)[added["PrivateIp"]] == second["PublicIp"]
    (eip,) = ec2.describe_addresses(AllocationIds=[second["AllocationId"]])["Addresses"]
    assert eip["NetworkInterfaceId"] == eni_id and eip["PrivateIpAddress"] == added["PrivateIp"]

    # The primary stays; an unknown association is not the gateway's.
    primary_assoc = listed[0]["AssociationId"]
    assert code_of(error_code(ec2.disassociate_nat_gateway_address, NatGatewayId=nat_id,
                              AssociationIds=[primary_assoc])) == "InvalidParameterValue"
    assert code_of(error_code(ec2.disassociate_nat_gateway_address, NatGatewayId=nat_id,
                              AssociationIds=["eipassoc-0123456789abcdef0"])) == "InvalidAssociationID.NotFound"
    # An address with an Elastic IP cannot be unassigned before it is disassociated.
    assert code_of(error_code(ec2.unassign_private_nat_gateway_address, NatGatewayId=nat_id,
                              PrivateIpAddresses=[added["PrivateIp"]])) == "InvalidParameterValue"

    out = ec2.disassociate_nat_gateway_address(NatGatewayId=nat_id, AssociationIds=[added["AssociationId"]],
                                               MaxDrainDurationSeconds=30)
    (gone,) = out["NatGatewayAddresses"]
    assert (gone["AllocationId"], gone["Status"]) == (second["AllocationId"], "disassociating")
    listed = describe(ec2, nat_id)["NatGatewayAddresses"]
    assert [a.get("AllocationId") for a in listed] == [primary["AllocationId"], None]
    assert listed[1]["PrivateIp"] == added["PrivateIp"], "the private address stays with the gateway"
    (eip,) = ec2.describe_addresses(AllocationIds=[second["AllocationId"]])["Addresses"]
    assert "AssociationId" not in eip, "the Elastic IP stays allocated, unassociated"

    # An Elastic IP can go onto that address again, named explicitly.
    out = ec2.associate_nat_gateway_address(NatGatewayId=nat_id, AllocationIds=[second["AllocationId"]],
                                            PrivateIpAddresses=[added["PrivateIp"]])
    assert out["NatGatewayAddresses"][0]["PrivateIp"] == added["PrivateIp"]
    assert len(describe(ec2, nat_id)["NatGatewayAddresses"]) == 2
    assert code_of(error_code(ec2.associate_nat_gateway_address, NatGatewayId=nat_id,
                              AllocationIds=[second["AllocationId"]])) == "Resource.AlreadyAssociated"
    assert code_of(error_code(ec2.associate_nat_gateway_address, NatGatewayId=nat_id,
                              AllocationIds=["eipalloc-0123456789abcdef0"])) == "InvalidAllocationID.NotFound"


def test_private_addresses_are_assigned_and_unassigned(ec2, aws):
    _, subnet = vpc_with_subnet(ec2, igw=False)
    nat = ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], ConnectivityType="private")["NatGateway"]
    nat_id = nat["NatGatewayId"]
    eni_id = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    describe(ec2, nat_id)
    free_before = ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0]["AvailableIpAddressCount"]

    out = ec2.assign_private_nat_gateway_address(NatGatewayId=nat_id, PrivateIpAddressCount=2)
    assert [a["Status"] for a in out["NatGatewayAddresses"]] == ["assigning", "assigning"]
    assigned = [a["PrivateIp"] for a in out["NatGatewayAddresses"]]
    explicit = aws.run("assign-private-nat-gateway-address", "--nat-gateway-id", nat_id,
                       "--private-ip-addresses", "10.20.1.200")
    assert explicit["NatGatewayAddresses"][0]["PrivateIp"] == "10.20.1.200"
    listed = [a["PrivateIp"] for a in describe(ec2, nat_id)["NatGatewayAddresses"]]
    assert listed[1:] == assigned + ["10.20.1.200"]
    assert set(interface_ips(ec2, eni_id)) == set(listed)
    free = ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])["Subnets"][0]["AvailableIpAddressCount"]
    assert free == free_before - 3

    assert code_of(error_code(ec2.assign_private_nat_gateway_address, NatGatewayId=nat_id,
                              PrivateIpAddresses=["10.20.1.200"])) == "InvalidIPAddress.InUse"
    assert code_of(error_code(ec2.assign_private_nat_gateway_address, NatGatewayId=nat_id,
                              PrivateIpAddressCount=5)) == "InvalidParameterValue", "8 addresses at most"
    assert code_of(error_code(ec2.assign_private_nat_gateway_address, NatGatewayId=nat_id,
                              PrivateIpAddresses=["10.20.1.201"], PrivateIpAddressCount=1)) == \
        "InvalidParameterCombination"
    assert code_of(error_code(ec2.associate_nat_gateway_address, NatGatewayId=nat_id,
                              AllocationIds=[ec2.allocate_address(Domain="vpc")["AllocationId"]])) == \
        "InvalidParameter", "Elastic IPs are for public gateways"
    primary = nat["NatGatewayAddresses"][0]["PrivateIp"]
    assert code_of(error_code(ec2.unassign_private_nat_gateway_address, NatGatewayId=nat_id,
                              PrivateIpAddresses=[primary])) == "InvalidParameterValue"

    out = ec2.unassign_private_nat_gateway_address(NatGatewayId=nat_id, PrivateIpAddresses=assigned)
    assert [a["Status"] for a in out["NatGatewayAddresses"]] == ["unassigning", "unassigning"]
    assert [a["PrivateIp"] for a in describe(ec2, nat_id)["NatGatewayAddresses"]] == [primary, "10.20.1.200"]
    assert set(interface_ips(ec2, eni_id)) == {primary, "10.20.1.200"}
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert code_of(error_code(ec2.assign_private_nat_gateway_address, NatGatewayId=nat_id,
                              PrivateIpAddressCount=1)) == "NatGatewayNotFound"
