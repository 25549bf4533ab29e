//! The operation registry: one row per EC2 action localvpc implements (its handler, whether it
//! only reads, its `ClientToken` idempotency), and the operations of the botocore model
//! (`crates/api/model/ec2.json`) it deliberately does not implement. `http` and `dispatch` know
//! an action only through this file; adding one is one row here (see docs/ARCHITECTURE.md).

use crate::actions::*;
use crate::context::Ctx;
use crate::dispatch::{Handler, typed};
use localvpc_model::Ec2Error;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Whether a call may change state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Never changes state: a read-only transaction answers it, in parallel with others (the
    /// writer's when the partition is new or an instance is due to settle).
    Read,
    Write,
}

/// A check on a retried request (context, client token) before its first response is given again.
pub type ReplayCheck = fn(&mut Ctx, &str) -> Result<(), Ec2Error>;

/// An operation whose `ClientToken` makes a retry return the first response.
#[derive(Clone, Copy)]
pub struct ClientToken {
    /// What a retry must still satisfy (RunInstances: the instances still exist).
    pub replay: Option<ReplayCheck>,
}

/// One EC2 action localvpc implements.
pub struct Operation {
    pub name: &'static str,
    pub handler: Handler,
    pub access: Access,
    pub client_token: Option<ClientToken>,
}

/// `row!("Name", module::handler, Read|Write)`, with `token: <replay check or None>` for an
/// idempotent operation.
macro_rules! row {
    ($name:literal, $handler:path, $access:ident) => {
        row!(@ $name, $handler, $access, None)
    };
    ($name:literal, $handler:path, $access:ident, token: $replay:expr) => {
        row!(@ $name, $handler, $access, Some(ClientToken { replay: $replay }))
    };
    (@ $name:literal, $handler:path, $access:ident, $token:expr) => {
        Operation {
            name: $name,
            handler: |ctx, input| typed(ctx, input, $handler),
            access: Access::$access,
            client_token: $token,
        }
    };
}

/// Every action localvpc implements.
pub static OPERATIONS: &[Operation] = &[
    // ipv6 addresses
    row!("AssignIpv6Addresses", ipv6::assign_ipv6_addresses, Write),
    row!(
        "UnassignIpv6Addresses",
        ipv6::unassign_ipv6_addresses,
        Write
    ),
    // network insights (Reachability Analyzer)
    row!("CreateNetworkInsightsPath", network_insights::create_path, Write, token: None),
    row!(
        "DescribeNetworkInsightsPaths",
        network_insights::describe_paths,
        Read
    ),
    row!(
        "DeleteNetworkInsightsPath",
        network_insights::delete_path,
        Write
    ),
    row!("StartNetworkInsightsAnalysis", network_insights::start_analysis, Write, token: None),
    row!(
        "DescribeNetworkInsightsAnalyses",
        network_insights::describe_analyses,
        Read
    ),
    row!(
        "DeleteNetworkInsightsAnalysis",
        network_insights::delete_analysis,
        Write
    ),
    row!(
        "GetSecurityGroupsForVpc",
        security_group::groups::get_security_groups_for_vpc,
        Read
    ),
    // managed prefix lists
    row!("CreateManagedPrefixList", prefix_list::create_managed_prefix_list, Write, token: None),
    row!(
        "ModifyManagedPrefixList",
        prefix_list::modify_managed_prefix_list,
        Write
    ),
    row!(
        "RestoreManagedPrefixListVersion",
        prefix_list::restore_managed_prefix_list_version,
        Write
    ),
    row!(
        "DeleteManagedPrefixList",
        prefix_list::delete_managed_prefix_list,
        Write
    ),
    row!(
        "DescribeManagedPrefixLists",
        prefix_list::describe_managed_prefix_lists,
        Read
    ),
    row!(
        "GetManagedPrefixListEntries",
        prefix_list::get_managed_prefix_list_entries,
        Read
    ),
    row!(
        "GetManagedPrefixListAssociations",
        prefix_list::get_managed_prefix_list_associations,
        Read
    ),
    row!(
        "DescribePrefixLists",
        prefix_list::describe_prefix_lists,
        Read
    ),
    // dhcp options
    row!(
        "CreateDhcpOptions",
        dhcp_options::create_dhcp_options,
        Write
    ),
    row!(
        "DescribeDhcpOptions",
        dhcp_options::describe_dhcp_options,
        Read
    ),
    row!(
        "DeleteDhcpOptions",
        dhcp_options::delete_dhcp_options,
        Write
    ),
    row!(
        "AssociateDhcpOptions",
        dhcp_options::associate_dhcp_options,
        Write
    ),
    // egress-only internet gateway
    row!(
        "CreateEgressOnlyInternetGateway",
        egress_only_internet_gateway::create_egress_only_internet_gateway,
        Write,
        token: None
    ),
    row!(
        "DescribeEgressOnlyInternetGateways",
        egress_only_internet_gateway::describe_egress_only_internet_gateways,
        Read
    ),
    row!(
        "DeleteEgressOnlyInternetGateway",
        egress_only_internet_gateway::delete_egress_only_internet_gateway,
        Write
    ),
    // nat gateway
    row!("CreateNatGateway", nat_gateway::create_nat_gateway, Write, token: None),
    row!(
        "DescribeNatGateways",
        nat_gateway::describe_nat_gateways,
        Read
    ),
    row!("DeleteNatGateway", nat_gateway::delete_nat_gateway, Write),
    // vpc peering
    row!("CreateVpcPeeringConnection", peering::create, Write),
    row!("AcceptVpcPeeringConnection", peering::accept, Write),
    row!("RejectVpcPeeringConnection", peering::reject, Write),
    row!("DeleteVpcPeeringConnection", peering::delete, Write),
    row!("DescribeVpcPeeringConnections", peering::describe, Read),
    row!(
        "ModifyVpcPeeringConnectionOptions",
        peering::modify_options,
        Write
    ),
    row!(
        "DescribeSecurityGroupReferences",
        peering_groups::describe_security_group_references,
        Read
    ),
    row!(
        "DescribeStaleSecurityGroups",
        peering_groups::describe_stale_security_groups,
        Read
    ),
    row!(
        "AssociateNatGatewayAddress",
        nat_gateway_address::associate_nat_gateway_address,
        Write
    ),
    row!(
        "DisassociateNatGatewayAddress",
        nat_gateway_address::disassociate_nat_gateway_address,
        Write
    ),
    row!(
        "AssignPrivateNatGatewayAddress",
        nat_gateway_address::assign_private_nat_gateway_address,
        Write
    ),
    row!(
        "UnassignPrivateNatGatewayAddress",
        nat_gateway_address::unassign_private_nat_gateway_address,
        Write
    ),
    // vpc endpoints
    row!("CreateVpcEndpoint", vpc_endpoint::create_vpc_endpoint, Write, token: None),
    row!(
        "ModifyVpcEndpoint",
        vpc_endpoint::modify_vpc_endpoint,
        Write
    ),
    row!(
        "DescribeVpcEndpoints",
        vpc_endpoint::describe_vpc_endpoints,
        Read
    ),
    row!(
        "DeleteVpcEndpoints",
        vpc_endpoint::delete_vpc_endpoints,
        Write
    ),
    row!(
        "DescribeVpcEndpointServices",
        vpc_endpoint::describe_vpc_endpoint_services,
        Read
    ),
    // volumes
    row!("DescribeVolumes", volume::describe_volumes, Read),
    // address attributes
    row!(
        "DescribeAddressesAttribute",
        address_attribute::describe_addresses_attribute,
        Read
    ),
    row!(
        "ModifyAddressAttribute",
        address_attribute::modify_address_attribute,
        Write
    ),
    row!(
        "ResetAddressAttribute",
        address_attribute::reset_address_attribute,
        Write
    ),
    // instance credits
    row!(
        "DescribeInstanceCreditSpecifications",
        instance::credits::describe_instance_credit_specifications,
        Read
    ),
    row!(
        "ModifyInstanceCreditSpecification",
        instance::credits::modify_instance_credit_specification,
        Write
    ),
    // vpc
    row!("CreateVpc", vpc::create_vpc, Write),
    row!("DescribeVpcs", vpc::describe_vpcs, Read),
    row!("DeleteVpc", vpc::delete_vpc, Write),
    row!("ModifyVpcAttribute", vpc::modify_vpc_attribute, Write),
    row!("DescribeVpcAttribute", vpc::describe_vpc_attribute, Read),
    row!(
        "AssociateVpcCidrBlock",
        vpc::associate_vpc_cidr_block,
        Write
    ),
    row!(
        "DisassociateVpcCidrBlock",
        vpc::disassociate_vpc_cidr_block,
        Write
    ),
    // subnet
    row!("CreateSubnet", subnet::create_subnet, Write),
    row!("DescribeSubnets", subnet::describe_subnets, Read),
    row!("DeleteSubnet", subnet::delete_subnet, Write),
    row!(
        "ModifySubnetAttribute",
        subnet::modify_subnet_attribute,
        Write
    ),
    row!(
        "AssociateSubnetCidrBlock",
        subnet::associate_subnet_cidr_block,
        Write
    ),
    row!(
        "DisassociateSubnetCidrBlock",
        subnet::disassociate_subnet_cidr_block,
        Write
    ),
    // internet_gateway
    row!(
        "CreateInternetGateway",
        internet_gateway::create_internet_gateway,
        Write
    ),
    row!(
        "DescribeInternetGateways",
        internet_gateway::describe_internet_gateways,
        Read
    ),
    row!(
        "DeleteInternetGateway",
        internet_gateway::delete_internet_gateway,
        Write
    ),
    row!(
        "AttachInternetGateway",
        internet_gateway::attach_internet_gateway,
        Write
    ),
    row!(
        "DetachInternetGateway",
        internet_gateway::detach_internet_gateway,
        Write
    ),
    // route_table
    row!("CreateRouteTable", route_table::tables::create_route_table, Write, token: None),
    row!(
        "DescribeRouteTables",
        route_table::tables::describe_route_tables,
        Read
    ),
    row!(
        "DeleteRouteTable",
        route_table::tables::delete_route_table,
        Write
    ),
    row!("CreateRoute", route_table::routes::create_route, Write),
    row!("ReplaceRoute", route_table::routes::replace_route, Write),
    row!("DeleteRoute", route_table::routes::delete_route, Write),
    row!(
        "AssociateRouteTable",
        route_table::associations::associate_route_table,
        Write
    ),
    row!(
        "DisassociateRouteTable",
        route_table::associations::disassociate_route_table,
        Write
    ),
    row!(
        "ReplaceRouteTableAssociation",
        route_table::associations::replace_route_table_association,
        Write
    ),
    // security_group
    row!(
        "CreateSecurityGroup",
        security_group::groups::create_security_group,
        Write
    ),
    row!(
        "DescribeSecurityGroups",
        security_group::groups::describe_security_groups,
        Read
    ),
    row!(
        "DeleteSecurityGroup",
        security_group::groups::delete_security_group,
        Write
    ),
    row!(
        "AuthorizeSecurityGroupIngress",
        security_group::rules::authorize_ingress,
        Write
    ),
    row!(
        "AuthorizeSecurityGroupEgress",
        security_group::rules::authorize_egress,
        Write
    ),
    row!(
        "RevokeSecurityGroupIngress",
        security_group::rules::revoke_ingress,
        Write
    ),
    row!(
        "RevokeSecurityGroupEgress",
        security_group::rules::revoke_egress,
        Write
    ),
    row!(
        "DescribeSecurityGroupRules",
        security_group::rules::describe_security_group_rules,
        Read
    ),
    row!(
        "ModifySecurityGroupRules",
        security_group::rules::modify_security_group_rules,
        Write
    ),
    // network_acl
    row!("CreateNetworkAcl", network_acl::create_network_acl, Write, token: None),
    row!(
        "DescribeNetworkAcls",
        network_acl::describe_network_acls,
        Read
    ),
    row!("DeleteNetworkAcl", network_acl::delete_network_acl, Write),
    row!(
        "CreateNetworkAclEntry",
        network_acl::create_network_acl_entry,
        Write
    ),
    row!(
        "ReplaceNetworkAclEntry",
        network_acl::replace_network_acl_entry,
        Write
    ),
    row!(
        "DeleteNetworkAclEntry",
        network_acl::delete_network_acl_entry,
        Write
    ),
    row!(
        "ReplaceNetworkAclAssociation",
        network_acl::replace_network_acl_association,
        Write
    ),
    // network_interface
    row!("CreateNetworkInterface", network_interface::create_network_interface, Write, token: None),
    row!(
        "DescribeNetworkInterfaces",
        network_interface::describe_network_interfaces,
        Read
    ),
    row!(
        "DeleteNetworkInterface",
        network_interface::delete_network_interface,
        Write
    ),
    row!(
        "AttachNetworkInterface",
        network_interface::attachment::attach_network_interface,
        Write
    ),
    row!(
        "DetachNetworkInterface",
        network_interface::attachment::detach_network_interface,
        Write
    ),
    row!(
        "ModifyNetworkInterfaceAttribute",
        network_interface::attributes::modify_network_interface_attribute,
        Write
    ),
    row!(
        "DescribeNetworkInterfaceAttribute",
        network_interface::attributes::describe_network_interface_attribute,
        Read
    ),
    row!(
        "ResetNetworkInterfaceAttribute",
        network_interface::attributes::reset_network_interface_attribute,
        Write
    ),
    row!(
        "AssignPrivateIpAddresses",
        network_interface::addresses::assign_private_ip_addresses,
        Write
    ),
    row!(
        "UnassignPrivateIpAddresses",
        network_interface::addresses::unassign_private_ip_addresses,
        Write
    ),
    // instance
    row!("RunInstances", instance::run::run_instances, Write, token: Some(instance::run::check_replay)),
    row!("DescribeInstances", instance::describe_instances, Read),
    row!(
        "DescribeInstanceStatus",
        instance::lifecycle::describe_instance_status,
        Read
    ),
    row!(
        "StartInstances",
        instance::lifecycle::start_instances,
        Write
    ),
    row!("StopInstances", instance::lifecycle::stop_instances, Write),
    row!(
        "RebootInstances",
        instance::lifecycle::reboot_instances,
        Write
    ),
    row!(
        "TerminateInstances",
        instance::lifecycle::terminate_instances,
        Write
    ),
    row!(
        "ModifyInstanceAttribute",
        instance::attributes::modify_instance_attribute,
        Write
    ),
    row!(
        "DescribeInstanceAttribute",
        instance::attributes::describe_instance_attribute,
        Read
    ),
    row!(
        "ModifyInstanceMetadataOptions",
        instance::attributes::modify_instance_metadata_options,
        Write
    ),
    // elastic_ip
    row!("AllocateAddress", elastic_ip::allocate_address, Write),
    row!("AssociateAddress", elastic_ip::associate_address, Write),
    row!(
        "DisassociateAddress",
        elastic_ip::disassociate_address,
        Write
    ),
    row!("ReleaseAddress", elastic_ip::release_address, Write),
    row!("DescribeAddresses", elastic_ip::describe_addresses, Read),
    // tags
    row!("CreateTags", tags::create_tags, Write),
    row!("DeleteTags", tags::delete_tags, Write),
    row!("DescribeTags", tags::describe_tags, Read),
    // key_pair
    row!("CreateKeyPair", key_pair::create_key_pair, Write),
    row!("ImportKeyPair", key_pair::import_key_pair, Write),
    row!("DescribeKeyPairs", key_pair::describe_key_pairs, Read),
    row!("DeleteKeyPair", key_pair::delete_key_pair, Write),
    // launch_template
    row!("CreateLaunchTemplate", launch_template::create_launch_template, Write, token: None),
    row!("CreateLaunchTemplateVersion", launch_template::create_launch_template_version, Write, token: None),
    row!(
        "DescribeLaunchTemplates",
        launch_template::describe_launch_templates,
        Read
    ),
    row!(
        "DescribeLaunchTemplateVersions",
        launch_template::versions::describe_launch_template_versions,
        Read
    ),
    row!("ModifyLaunchTemplate", launch_template::modify_launch_template, Write, token: None),
    row!(
        "DeleteLaunchTemplate",
        launch_template::delete_launch_template,
        Write
    ),
    row!(
        "DeleteLaunchTemplateVersions",
        launch_template::versions::delete_launch_template_versions,
        Write
    ),
    row!(
        "GetLaunchTemplateData",
        launch_template::get_launch_template_data,
        Read
    ),
    // image
    row!("DescribeImages", image::describe_images, Read),
    // instance_type
    row!(
        "DescribeInstanceTypes",
        instance_type::describe_instance_types,
        Read
    ),
    // account
    row!("DescribeRegions", account::describe_regions, Read),
    row!(
        "DescribeAvailabilityZones",
        account::describe_availability_zones,
        Read
    ),
    row!(
        "DescribeAccountAttributes",
        account::describe_account_attributes,
        Read
    ),
];

/// Operations of the model localvpc does not implement yet (issues in progress): they answer
/// `UnsupportedOperation`. Every operation of the model is in exactly one of the two lists.
pub const UNSUPPORTED: &[&str] = &[
    "CreateNetworkInterfacePermission",
    "CreateSubnetCidrReservation",
    "DeleteNetworkInterfacePermission",
    "DeleteSubnetCidrReservation",
    "DescribeInstanceTypeOfferings",
    "DescribeNetworkInterfacePermissions",
    "GetEbsEncryptionByDefault",
    "GetSubnetCidrReservations",
    "UpdateSecurityGroupRuleDescriptionsEgress",
    "UpdateSecurityGroupRuleDescriptionsIngress",
];

/// The registry row of an action.
pub fn find(action: &str) -> Option<&'static Operation> {
    static BY_NAME: LazyLock<HashMap<&str, &Operation>> =
        LazyLock::new(|| OPERATIONS.iter().map(|op| (op.name, op)).collect());
    BY_NAME.get(action).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use localvpc_api::Model;
    use std::collections::BTreeSet;

    #[test]
    fn every_operation_of_the_model_is_implemented_or_declared_unsupported() {
        let model: BTreeSet<&str> = Model::get().operations.keys().map(String::as_str).collect();
        let implemented: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.name).collect();
        let unsupported: BTreeSet<&str> = UNSUPPORTED.iter().copied().collect();
        assert_eq!(
            implemented.len(),
            OPERATIONS.len(),
            "an action has two rows"
        );
        assert_eq!(
            unsupported.len(),
            UNSUPPORTED.len(),
            "an operation is declared twice"
        );
        let both: Vec<_> = implemented.intersection(&unsupported).collect();
        assert!(
            both.is_empty(),
            "implemented and declared unsupported: {both:?}"
        );
        let undecided: Vec<_> = model
            .iter()
            .filter(|op| !implemented.contains(*op) && !unsupported.contains(*op))
            .collect();
        assert!(
            undecided.is_empty(),
            "in crates/api/model/ec2.json but neither in OPERATIONS nor in UNSUPPORTED: {undecided:?}"
        );
        let unknown: Vec<_> = implemented
            .union(&unsupported)
            .filter(|op| !model.contains(*op))
            .collect();
        assert!(
            unknown.is_empty(),
            "not in the model (add them to scripts/trim-ec2-model.py): {unknown:?}"
        );
    }

    #[test]
    fn reads_are_the_describe_and_get_calls() {
        for op in OPERATIONS {
            let reads = op.name.starts_with("Describe") || op.name.starts_with("Get");
            assert_eq!(op.access == Access::Read, reads, "{}", op.name);
            assert!(std::ptr::eq(find(op.name).unwrap(), op));
        }
        assert!(
            find("RunInstances")
                .unwrap()
                .client_token
                .unwrap()
                .replay
                .is_some()
        );
        assert!(find("CreateVpc").unwrap().client_token.is_none());
    }
}
