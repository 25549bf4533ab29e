#!/usr/bin/env python3
"""Trim botocore's EC2 model to the operations localvpc serves.

The protocol edge (crates/api) decodes requests and encodes responses from this model, so
wire names, list shapes, required members and enums come from AWS's own definition rather
than being typed by hand. Documentation is dropped; everything the wire needs is kept.

Usage: scripts/trim-ec2-model.py  (uses the botocore of the test venv or of python3)
"""
import gzip
import json
import os
import sys

import botocore

OPERATIONS = """
CreateVpc DescribeVpcs DeleteVpc AssociateVpcCidrBlock DisassociateVpcCidrBlock ModifyVpcAttribute
DescribeVpcAttribute CreateSubnet DescribeSubnets DeleteSubnet ModifySubnetAttribute
CreateInternetGateway DescribeInternetGateways DeleteInternetGateway AttachInternetGateway
DetachInternetGateway CreateRouteTable DescribeRouteTables DeleteRouteTable CreateRoute ReplaceRoute
DeleteRoute AssociateRouteTable DisassociateRouteTable ReplaceRouteTableAssociation
CreateSecurityGroup DeleteSecurityGroup DescribeSecurityGroups AuthorizeSecurityGroupIngress
AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress RevokeSecurityGroupEgress
DescribeSecurityGroupRules ModifySecurityGroupRules CreateNetworkInterface DeleteNetworkInterface
DescribeNetworkInterfaces AttachNetworkInterface DetachNetworkInterface
ModifyNetworkInterfaceAttribute DescribeNetworkInterfaceAttribute ResetNetworkInterfaceAttribute
AssignPrivateIpAddresses UnassignPrivateIpAddresses AssignIpv6Addresses UnassignIpv6Addresses
CreateNetworkInterfacePermission DeleteNetworkInterfacePermission
DescribeNetworkInterfacePermissions AllocateAddress AssociateAddress DisassociateAddress
ReleaseAddress DescribeAddresses DescribeAddressesAttribute ModifyAddressAttribute RunInstances
DescribeInstances DescribeInstanceStatus TerminateInstances StopInstances StartInstances
RebootInstances ModifyInstanceAttribute DescribeInstanceAttribute ModifyInstanceMetadataOptions
DescribeInstanceTypes DescribeImages CreateKeyPair ImportKeyPair DescribeKeyPairs DeleteKeyPair
CreateTags DeleteTags DescribeTags DescribeAvailabilityZones DescribeRegions
DescribeAccountAttributes CreateNetworkAcl DeleteNetworkAcl DescribeNetworkAcls
CreateNetworkAclEntry ReplaceNetworkAclEntry DeleteNetworkAclEntry ReplaceNetworkAclAssociation
AssociateSubnetCidrBlock DisassociateSubnetCidrBlock CreateEgressOnlyInternetGateway DescribeEgressOnlyInternetGateways DeleteEgressOnlyInternetGateway
CreateLaunchTemplate CreateLaunchTemplateVersion DescribeLaunchTemplates DescribeLaunchTemplateVersions ModifyLaunchTemplate DeleteLaunchTemplate DeleteLaunchTemplateVersions GetLaunchTemplateData
CreateManagedPrefixList ModifyManagedPrefixList RestoreManagedPrefixListVersion DeleteManagedPrefixList DescribeManagedPrefixLists GetManagedPrefixListEntries GetManagedPrefixListAssociations DescribePrefixLists
CreateDhcpOptions DescribeDhcpOptions DeleteDhcpOptions AssociateDhcpOptions
GetSecurityGroupsForVpc DescribeSecurityGroupReferences DescribeStaleSecurityGroups UpdateSecurityGroupRuleDescriptionsIngress UpdateSecurityGroupRuleDescriptionsEgress
ResetAddressAttribute CreateSubnetCidrReservation GetSubnetCidrReservations DeleteSubnetCidrReservation
CreateNatGateway DeleteNatGateway DescribeNatGateways AssignPrivateNatGatewayAddress UnassignPrivateNatGatewayAddress AssociateNatGatewayAddress DisassociateNatGatewayAddress
CreateVpcPeeringConnection AcceptVpcPeeringConnection RejectVpcPeeringConnection DeleteVpcPeeringConnection DescribeVpcPeeringConnections ModifyVpcPeeringConnectionOptions
CreateVpcEndpoint ModifyVpcEndpoint DeleteVpcEndpoints DescribeVpcEndpoints DescribeVpcEndpointServices
CreateNetworkInsightsPath DescribeNetworkInsightsPaths DeleteNetworkInsightsPath StartNetworkInsightsAnalysis DescribeNetworkInsightsAnalyses DeleteNetworkInsightsAnalysis
DescribeVolumes DescribeInstanceCreditSpecifications ModifyInstanceCreditSpecification DescribeInstanceTypeOfferings GetEbsEncryptionByDefault
""".split()

# Values the live service accepts beyond botocore's enum: DescribeAccountAttributes documents
# six attribute names, botocore's AccountAttributeName lists two.
EXTRA_ENUM_VALUES = {
    "AccountAttributeName": [
        "max-instances",
        "vpc-max-security-groups-per-interface",
        "max-elastic-ips",
        "vpc-max-elastic-ips",
    ],
}

KEEP_SHAPE = ("type", "members", "member", "required", "enum", "min", "max", "flattened")
KEEP_MEMBER = ("shape", "locationName", "queryName", "idempotencyToken")


def main() -> None:
    path = os.path.join(os.path.dirname(botocore.__file__), "data/ec2/2016-11-15/service-2.json.gz")
    model = json.load(gzip.open(path))
    shapes = model["shapes"]
    keep: dict[str, dict] = {}

    def visit(name: str) -> None:
        if name in keep:
            return
        src = shapes[name]
        out = {k: v for k, v in src.items() if k in KEEP_SHAPE}
        keep[name] = out
        if "members" in out:
            out["members"] = {
                m: {k: v for k, v in spec.items() if k in KEEP_MEMBER}
                for m, spec in src["members"].items()
            }
            for spec in out["members"].values():
                visit(spec["shape"])
        if "member" in out:
            out["member"] = {k: v for k, v in src["member"].items() if k in KEEP_MEMBER}
            visit(out["member"]["shape"])

    operations = {}
    for op in OPERATIONS:
        spec = model["operations"][op]
        operations[op] = {k: spec[k]["shape"] for k in ("input", "output") if k in spec}
        for shape in operations[op].values():
            visit(shape)

    for name, values in EXTRA_ENUM_VALUES.items():
        keep[name]["enum"] = keep[name]["enum"] + values

    trimmed = {
        "metadata": {k: model["metadata"][k] for k in ("apiVersion", "xmlNamespace")},
        "botocoreVersion": botocore.__version__,
        "allOperations": sorted(model["operations"]),
        "operations": operations,
        "shapes": dict(sorted(keep.items())),
    }
    dest = os.path.join(os.path.dirname(__file__), "..", "crates", "api", "model", "ec2.json")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "w") as f:
        # One member a line: branches that add operations merge without rewriting the file.
        json.dump(trimmed, f, indent=1, separators=(",", ": "), sort_keys=False)
        f.write("\n")
    print(f"{len(operations)} operations, {len(keep)} shapes -> {os.path.normpath(dest)}", file=sys.stderr)


if __name__ == "__main__":
    main()
