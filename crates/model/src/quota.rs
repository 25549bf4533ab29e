//! AWS's default quotas, and the one check every handler makes against them. Each can be
//! raised (or lowered) in localvpc's configuration file.

use crate::error::{Ec2Error, ErrorCode};
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
    pub active_peerings_per_vpc: usize,
    pub pending_peerings_per_account: usize,
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
            active_peerings_per_vpc: 50,
            pending_peerings_per_account: 25,
        }
    }
}

/// A quota a call can run into (the per-direction rule quotas of security groups and network
/// ACLs, routes per table and CIDR blocks per VPC are checked with their own rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    VpcsPerRegion,
    SubnetsPerVpc,
    InternetGatewaysPerRegion,
    RouteTablesPerVpc,
    SecurityGroupsPerRegion,
    SecurityGroupsPerInterface,
    NetworkAclsPerVpc,
    ElasticIpsPerRegion,
    NetworkInterfacesPerRegion,
    NatGatewaysPerAvailabilityZone,
    /// Active peering connections of one VPC, checked when one is accepted.
    ActivePeeringsPerVpc,
    /// Requests awaiting acceptance that an account has made.
    PendingPeeringsPerAccount,
}

impl Quota {
    /// AWS's code and message when the quota is full: `{limit}` is the quota, `{scope}` the
    /// resource it applies to (the VPC, for per-VPC quotas).
    fn refusal(self) -> (ErrorCode, &'static str) {
        use ErrorCode as E;
        match self {
            Self::VpcsPerRegion => (
                E::VpcLimitExceeded,
                "The maximum number of VPCs has been reached ({limit}).",
            ),
            Self::SubnetsPerVpc => (
                E::SubnetLimitExceeded,
                "The maximum number of subnets for VPC {scope} has been reached ({limit}).",
            ),
            Self::InternetGatewaysPerRegion => (
                E::InternetGatewayLimitExceeded,
                "The maximum number of internet gateways has been reached ({limit}).",
            ),
            Self::RouteTablesPerVpc => (
                E::RouteTableLimitExceeded,
                "The maximum number of route tables has been reached for {scope} ({limit}).",
            ),
            Self::SecurityGroupsPerRegion => (
                E::SecurityGroupLimitExceeded,
                "The maximum number of security groups for this region has been reached ({limit}).",
            ),
            Self::SecurityGroupsPerInterface => (
                E::SecurityGroupsPerInterfaceLimitExceeded,
                "The maximum number of security groups per interface has been reached ({limit}).",
            ),
            Self::NetworkAclsPerVpc => (
                E::NetworkAclLimitExceeded,
                "The maximum number of network ACLs per VPC ({limit}) has been reached.",
            ),
            Self::ElasticIpsPerRegion => (
                E::AddressLimitExceeded,
                "The maximum number of addresses has been reached.",
            ),
            Self::NetworkInterfacesPerRegion => (
                E::NetworkInterfaceLimitExceeded,
                "The maximum number of network interfaces has been reached ({limit}).",
            ),
            Self::NatGatewaysPerAvailabilityZone => (
                E::NatGatewayLimitExceeded,
                "Performing this operation would exceed the limit of {limit} NAT gateways",
            ),
            Self::ActivePeeringsPerVpc => (
                E::ActiveVpcPeeringConnectionPerVpcLimitExceeded,
                "The maximum number of active VPC peering connections for {scope} has been reached ({limit}).",
            ),
            Self::PendingPeeringsPerAccount => (
                E::OutstandingVpcPeeringConnectionLimitExceeded,
                "The maximum number of outstanding VPC peering connection requests has been reached ({limit}).",
            ),
        }
    }
}

impl Quotas {
    pub fn limit(&self, quota: Quota) -> usize {
        match quota {
            Quota::VpcsPerRegion => self.vpcs_per_region,
            Quota::SubnetsPerVpc => self.subnets_per_vpc,
            Quota::InternetGatewaysPerRegion => self.internet_gateways_per_region,
            Quota::RouteTablesPerVpc => self.route_tables_per_vpc,
            Quota::SecurityGroupsPerRegion => self.security_groups_per_region,
            Quota::SecurityGroupsPerInterface => self.security_groups_per_interface,
            Quota::NetworkAclsPerVpc => self.network_acls_per_vpc,
            Quota::ElasticIpsPerRegion => self.elastic_ips_per_region,
            Quota::NetworkInterfacesPerRegion => self.network_interfaces_per_region,
            Quota::NatGatewaysPerAvailabilityZone => self.nat_gateways_per_availability_zone,
            Quota::ActivePeeringsPerVpc => self.active_peerings_per_vpc,
            Quota::PendingPeeringsPerAccount => self.pending_peerings_per_account,
        }
    }

    /// The quota check: `in_use` resources count against `quota` in `scope` and the call adds
    /// `adding`; refused with AWS's code and message when that goes past the limit.
    pub fn check(
        &self,
        quota: Quota,
        scope: &str,
        in_use: usize,
        adding: usize,
    ) -> Result<(), Ec2Error> {
        let limit = self.limit(quota);
        if in_use + adding <= limit {
            return Ok(());
        }
        let (code, message) = quota.refusal();
        Err(Ec2Error::new(
            code,
            message
                .replace("{limit}", &limit.to_string())
                .replace("{scope}", scope),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Quota; 12] = [
        Quota::VpcsPerRegion,
        Quota::SubnetsPerVpc,
        Quota::InternetGatewaysPerRegion,
        Quota::RouteTablesPerVpc,
        Quota::SecurityGroupsPerRegion,
        Quota::SecurityGroupsPerInterface,
        Quota::NetworkAclsPerVpc,
        Quota::ElasticIpsPerRegion,
        Quota::NetworkInterfacesPerRegion,
        Quota::NatGatewaysPerAvailabilityZone,
        Quota::ActivePeeringsPerVpc,
        Quota::PendingPeeringsPerAccount,
    ];

    #[test]
    fn a_quota_refuses_only_past_its_limit() {
        let q = Quotas::default();
        for quota in ALL {
            let limit = q.limit(quota);
            assert!(q.check(quota, "vpc-1", limit - 1, 1).is_ok(), "{quota:?}");
            let err = q.check(quota, "vpc-1", limit, 1).unwrap_err();
            assert_eq!(err.code, quota.refusal().0, "{quota:?}");
            assert!(!err.message.contains('{'), "{}", err.message);
        }
    }

    #[test]
    fn messages_name_the_limit_and_the_scope_as_aws_does() {
        let q = Quotas::default();
        let refused = |quota, in_use, adding| {
            let e = q.check(quota, "vpc-1", in_use, adding).unwrap_err();
            (e.code.as_str(), e.message)
        };
        assert_eq!(
            refused(Quota::VpcsPerRegion, 5, 1),
            (
                "VpcLimitExceeded",
                "The maximum number of VPCs has been reached (5).".into()
            )
        );
        assert_eq!(
            refused(Quota::SubnetsPerVpc, 200, 1),
            (
                "SubnetLimitExceeded",
                "The maximum number of subnets for VPC vpc-1 has been reached (200).".into()
            )
        );
        assert_eq!(
            refused(Quota::RouteTablesPerVpc, 200, 1),
            (
                "RouteTableLimitExceeded",
                "The maximum number of route tables has been reached for vpc-1 (200).".into()
            )
        );
        assert_eq!(
            refused(Quota::SecurityGroupsPerInterface, 0, 6),
            (
                "SecurityGroupsPerInterfaceLimitExceeded",
                "The maximum number of security groups per interface has been reached (5).".into()
            )
        );
        assert_eq!(
            refused(Quota::ElasticIpsPerRegion, 5, 1),
            (
                "AddressLimitExceeded",
                "The maximum number of addresses has been reached.".into()
            )
        );
        assert_eq!(
            refused(Quota::NatGatewaysPerAvailabilityZone, 5, 1),
            (
                "NatGatewayLimitExceeded",
                "Performing this operation would exceed the limit of 5 NAT gateways".into()
            )
        );
    }
}
