//! Every UNIQUE constraint of the schema (primary keys included) and what a call that loses a
//! race on it answers. A test walks the schema, so a constraint a migration adds without a row
//! here fails the build's tests.

use localvpc_model::ErrorCode;

/// One UNIQUE constraint: `table(column, …)` as the engine reports it, or the index's name for a
/// unique index on expressions.
#[derive(Debug)]
pub struct Unique {
    pub name: &'static str,
    pub answer: Answer,
}

/// What the loser of a race on a constraint answers.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// The AWS error the model gives when it sees the conflict itself (the model's message
    /// names values the constraint does not know; the code is the same).
    Aws(ErrorCode, &'static str),
    /// A conflict the call itself would not have if it ran again: a generated ID or MAC, a pick
    /// from a pool, a counter, a row the call replaces. Run again, it succeeds or gets the
    /// model's exact answer, so it is transient (`ServiceUnavailable`, which the server retries).
    Retry,
}

use Answer::{Aws, Retry};
use ErrorCode as E;

const ADDRESS_IN_USE: Answer = Aws(
    E::InvalidIpAddressInUse,
    "The specified address is already in use.",
);
const ALREADY_ASSOCIATED: Answer = Aws(
    E::ResourceAlreadyAssociated,
    "The specified association conflicts with an existing association.",
);

/// The constraints, migration by migration.
pub const UNIQUE: &[Unique] = &[
    // 0001_foundation
    u("partitions(id)", Retry),
    // Two calls provisioning a new account at once: the loser finds it provisioned.
    u("partitions(account, region)", Retry),
    u("vpcs(id)", Retry),
    // one_default_vpc: only provisioning creates a default VPC.
    u("vpcs(pid)", Retry),
    u("vpc_cidr_blocks(association_id)", Retry),
    u(
        "vpc_cidr_blocks(vpc_id, cidr)",
        Aws(
            E::InvalidVpcRange,
            "The CIDR conflicts with another CIDR block of the VPC.",
        ),
    ),
    u("subnets(id)", Retry),
    u(
        "subnets(vpc_id, cidr)",
        Aws(
            E::InvalidSubnetConflict,
            "The CIDR conflicts with another subnet.",
        ),
    ),
    u("internet_gateways(id)", Retry),
    u(
        "internet_gateways(vpc_id)",
        Aws(
            E::ResourceAlreadyAssociated,
            "The network already has an internet gateway attached.",
        ),
    ),
    u("route_tables(id)", Retry),
    u(
        "routes(route_table_id, destination)",
        Aws(
            E::RouteAlreadyExists,
            "The route identified by this destination already exists.",
        ),
    ),
    u("route_table_associations(id)", Retry),
    u("route_table_associations(subnet_id)", ALREADY_ASSOCIATED),
    u("route_table_associations(gateway_id)", ALREADY_ASSOCIATED),
    // one_main_route_table: replacing the main association moves it, which a rerun redoes.
    u("route_table_associations(vpc_id)", Retry),
    u("security_groups(id)", Retry),
    u(
        "security_groups(vpc_id, name)",
        Aws(
            E::InvalidGroupDuplicate,
            "The security group already exists for this VPC.",
        ),
    ),
    u("security_group_rules(id)", Retry),
    u(
        "security_group_rules_unique",
        Aws(
            E::InvalidPermissionDuplicate,
            "the specified rule already exists",
        ),
    ),
    u("network_acls(id)", Retry),
    // one_default_network_acl: created with its VPC only.
    u("network_acls(vpc_id)", Retry),
    u(
        "network_acl_entries(network_acl_id, egress, rule_number)",
        Aws(
            E::NetworkAclEntryAlreadyExists,
            "The network acl entry identified by this rule number already exists.",
        ),
    ),
    u("network_acl_associations(id)", Retry),
    // A subnet's ACL association is created with it and only ever replaced.
    u("network_acl_associations(subnet_id)", Retry),
    // Tags are replaced whole: the rerun replaces the winner's.
    u("tags(resource_id, pid, key)", Retry),
    // The same token twice at once: the rerun replays the winner's response, or answers
    // IdempotentParameterMismatch if the parameters differ.
    u("client_tokens(pid, operation, token)", Retry),
    // 0002_interfaces
    u("instances(id)", Retry),
    // Auto-assigned public addresses are picks from the pool.
    u("instances(public_ip)", Retry),
    u("network_interfaces(id)", Retry),
    u("network_interfaces(mac_address)", Retry),
    u("private_ips(subnet_id, address)", ADDRESS_IN_USE),
    // one_primary_ip_per_eni: a primary address is written with its new interface only.
    u("private_ips(eni_id)", Retry),
    // Groups are replaced whole.
    u("eni_security_groups(eni_id, group_id)", Retry),
    u("attachments(id)", Retry),
    u(
        "attachments(eni_id)",
        Aws(E::InvalidNetworkInterfaceInUse, "The interface is in use."),
    ),
    u(
        "attachments(instance_id, network_card_index, device_index)",
        Aws(
            E::InvalidParameterValue,
            "The instance already has an interface attached at this device index.",
        ),
    ),
    u("key_pairs(key_pair_id)", Retry),
    u(
        "key_pairs(pid, name)",
        Aws(E::InvalidKeyPairDuplicate, "The keypair already exists."),
    ),
    // 0003_elastic_ips
    u("elastic_ips(allocation_id)", Retry),
    u("elastic_ips(public_ip)", Retry),
    u("elastic_ips(association_id)", Retry),
    // Associating an address that holds another Elastic IP moves it: the rerun does.
    u("elastic_ips(subnet_id, private_ip)", Retry),
    u("ended_eip_associations(association_id)", Retry),
    // 0004_interface_lookups, 0006_address_blocks: counters kept by triggers.
    u("network_interface_counts(pid)", Retry),
    u("address_blocks(subnet_id, block)", Retry),
    // 0008_ipv6: VPC blocks are picks from the Amazon pool, its cursor one row.
    u("vpc_ipv6_blocks(association_id)", Retry),
    u("vpc_ipv6_blocks(cidr)", Retry),
    u("ipv6_pool_cursor(id)", Retry),
    u("subnet_ipv6_blocks(association_id)", Retry),
    u(
        "subnet_ipv6_blocks(subnet_id)",
        Aws(
            E::InvalidParameterValue,
            "The subnet already has an IPv6 CIDR block associated with it.",
        ),
    ),
    u(
        "subnet_ipv6_blocks(vpc_id, cidr)",
        Aws(
            E::InvalidSubnetConflict,
            "The IPv6 CIDR conflicts with another subnet.",
        ),
    ),
    u("ipv6_addresses(subnet_id, address)", ADDRESS_IN_USE),
    // 0009_launch_templates: a version's number is the template's next one.
    u("launch_templates(id)", Retry),
    u(
        "launch_templates(pid, name)",
        Aws(
            E::InvalidLaunchTemplateNameAlreadyExistsException,
            "Launch template name already in use.",
        ),
    ),
    u("launch_template_versions(template_id, number)", Retry),
    // 0010_dhcp_options
    u("dhcp_options(id)", Retry),
    u("dhcp_option_values(dhcp_options_id, position)", Retry),
    // 0012_network_insights
    u("network_insights_paths(id)", Retry),
    u("network_insights_analyses(id)", Retry),
    // 0013_nat_gateways
    u("nat_gateways(id)", Retry),
    u("nat_gateway_addresses(nat_gateway_id, position)", Retry),
    // 0014_volumes: an instance's root volume is made with it, at its root device.
    u("volumes(id)", Retry),
    u(
        "volumes(instance_id, device)",
        Aws(
            E::InvalidParameterValue,
            "The attachment point is already in use.",
        ),
    ),
    // 0015_prefixes: a delegated prefix is held once in its subnet.
    u("ipv4_prefixes(subnet_id, address)", ADDRESS_IN_USE),
    u("ipv6_prefixes(subnet_id, address)", ADDRESS_IN_USE),
    // 0016_prefix_lists: a version's entries are written by the call that made the version;
    // run again, the loser of two modifications meets `PrefixListVersionMismatch`.
    u("prefix_lists(id)", Retry),
    u("prefix_list_entries(prefix_list_id, version, cidr)", Retry),
    // 0017_ipv6_rules: one egress-only gateway per VPC.
    u("egress_only_internet_gateways(id)", Retry),
    u(
        "egress_only_internet_gateways(vpc_id)",
        Aws(
            E::ResourceAlreadyAssociated,
            "The network already has an egress only internet gateway attached.",
        ),
    ),
    // 0018_peering
    u("vpc_peering_connections(id)", Retry),
    // 0019_vpc_endpoints
    u("vpc_endpoints(id)", Retry),
    u("vpc_endpoint_routes(endpoint_id, route_table_id)", Retry),
    // Two gateway endpoints for one service racing into one table.
    u(
        "vpc_endpoint_routes(route_table_id, prefix_list_id)",
        Aws(
            E::RouteAlreadyExists,
            "The route table already has a route with this destination-prefix-list-id.",
        ),
    ),
    u("vpc_endpoint_interfaces(endpoint_id, subnet_id)", Retry),
    u(
        "vpc_endpoint_interfaces(endpoint_id, availability_zone)",
        Aws(
            E::DuplicateSubnetsInSameZone,
            "Found another VPC endpoint subnet in the availability zone of the subnet.",
        ),
    ),
    u("vpc_endpoint_groups(endpoint_id, group_id)", Retry),
];

const fn u(name: &'static str, answer: Answer) -> Unique {
    Unique { name, answer }
}

/// The constraint of this name.
pub fn named(name: &str) -> Option<&'static Unique> {
    UNIQUE.iter().find(|u| u.name == name)
}

/// The constraint named by SQLite's message: `UNIQUE constraint failed: t.a, t.b` for columns,
/// `UNIQUE constraint failed: index 'name'` for an index on expressions.
pub(crate) fn from_sqlite_message(message: &str) -> Option<&'static Unique> {
    let what = message.strip_prefix("UNIQUE constraint failed: ")?;
    if let Some(index) = what.strip_prefix("index '") {
        return named(index.strip_suffix('\'')?);
    }
    let mut table = None;
    let mut columns = Vec::new();
    for qualified in what.split(", ") {
        let (t, column) = qualified.split_once('.')?;
        table.get_or_insert(t);
        columns.push(column);
    }
    named(&format!("{}({})", table?, columns.join(", ")))
}

#[cfg(test)]
pub(crate) mod tests;
