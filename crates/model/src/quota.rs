//! AWS's default quotas. Each can be raised (or lowered) in localvpc's configuration file.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Quotas {
    pub vpcs_per_region: usize,
    pub subnets_per_vpc: usize,
    pub cidr_blocks_per_vpc: usize,
    pub internet_gateways_per_region: usize,
    pub route_tables_per_vpc: usize,
    pub routes_per_route_table: usize,
    pub security_groups_per_region: usize,
    pub rules_per_security_group: usize,
    pub security_groups_per_interface: usize,
    pub network_acls_per_vpc: usize,
    pub rules_per_network_acl: usize,
    pub elastic_ips_per_region: usize,
    pub network_interfaces_per_region: usize,
    pub nat_gateways_per_availability_zone: usize,
    pub prefix_lists_per_region: usize,
}

impl Default for Quotas {
    /// The defaults of the Amazon VPC and EC2 user guides.
    fn default() -> Self {
        Self {
            vpcs_per_region: 5,
            subnets_per_vpc: 200,
            cidr_blocks_per_vpc: 5,
            internet_gateways_per_region: 5,
            route_tables_per_vpc: 200,
            routes_per_route_table: 50,
            security_groups_per_region: 2500,
            rules_per_security_group: 60,
            security_groups_per_interface: 5,
            network_acls_per_vpc: 200,
            rules_per_network_acl: 20,
            elastic_ips_per_region: 5,
            network_interfaces_per_region: 5000,
            nat_gateways_per_availability_zone: 5,
            prefix_lists_per_region: 100,
        }
    }
}
