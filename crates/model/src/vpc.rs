//! VPCs: IPv4 CIDR blocks (primary and secondary), DNS attributes, and the rules for adding and
//! removing blocks.

use crate::cidr;
use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one};
use crate::ipv6::VpcIpv6Block;
use crate::tags::Tag;
use ipnet::{Ipv4Net, Ipv6Net};

/// The CIDR of every default VPC.
pub const DEFAULT_VPC_CIDR: &str = "172.31.0.0/16";

#[derive(Debug, Clone, PartialEq)]
pub struct VpcCidrBlock {
    pub association_id: String,
    pub cidr: Ipv4Net,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Vpc {
    pub id: String,
    pub owner_id: String,
    /// The primary block first, then secondary blocks in the order they were added.
    pub cidr_blocks: Vec<VpcCidrBlock>,
    /// IPv6 /56 blocks in the order they were associated.
    pub ipv6_blocks: Vec<VpcIpv6Block>,
    pub is_default: bool,
    pub instance_tenancy: String,
    pub dhcp_options_id: String,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    pub enable_network_address_usage_metrics: bool,
    pub tags: Vec<Tag>,
}

impl Vpc {
    pub fn primary_cidr(&self) -> Ipv4Net {
        self.cidr_blocks[0].cidr
    }

    /// Whether `net` lies wholly inside one of the VPC's blocks.
    pub fn contains(&self, net: Ipv4Net) -> bool {
        self.cidr_blocks.iter().any(|b| b.cidr.contains(&net))
    }
}

impl Tagged for Vpc {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

pub const FILTERS: &[FilterDef<Vpc>] = &[
    def("cidr", |v| one(v.primary_cidr())),
    // Aliases AWS accepts beside the documented names (amazon.aws's ec2_vpc_net looks its VPC
    // up by `cidr-block`; AWS's own PowerShell examples filter on `isDefault`).
    def("cidr-block", |v| one(v.primary_cidr())),
    def("cidrBlock", |v| one(v.primary_cidr())),
    def("cidr-block-association.cidr-block", |v| {
        v.cidr_blocks.iter().map(|b| b.cidr.to_string()).collect()
    }),
    def("cidr-block-association.association-id", |v| {
        v.cidr_blocks
            .iter()
            .map(|b| b.association_id.clone())
            .collect()
    }),
    def("cidr-block-association.state", |v| {
        v.cidr_blocks
            .iter()
            .map(|_| "associated".to_string())
            .collect()
    }),
    def("dhcp-options-id", |v| one(&v.dhcp_options_id)),
    def("ipv6-cidr-block-association.ipv6-cidr-block", |v| {
        v.ipv6_blocks.iter().map(|b| b.cidr.to_string()).collect()
    }),
    def("ipv6-cidr-block-association.ipv6-pool", |v| {
        v.ipv6_blocks.iter().map(|b| b.pool.clone()).collect()
    }),
    def("ipv6-cidr-block-association.association-id", |v| {
        v.ipv6_blocks
            .iter()
            .map(|b| b.association_id.clone())
            .collect()
    }),
    def("ipv6-cidr-block-association.state", |v| {
        v.ipv6_blocks
            .iter()
            .map(|_| "associated".to_string())
            .collect()
    }),
    def("is-default", |v| one(v.is_default)),
    def("isDefault", |v| one(v.is_default)),
    def("owner-id", |v| one(&v.owner_id)),
    def("state", |_| one("available")),
    def("vpc-id", |v| one(&v.id)),
];

/// The private ranges of RFC 1918, which AWS does not let a VPC mix.
/// The ranges that a VPC's blocks may not mix (AWS's "IPv4 CIDR block association
/// restrictions"): the three RFC 1918 ranges and 198.19.0.0/16. A VPC whose primary block is in
/// one of them may add blocks from the same range, from 100.64.0.0/10 or publicly routable
/// ones; a VPC whose primary block is in none of them may add none of them.
const EXCLUSIVE_RANGES: [&str; 4] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "198.19.0.0/16",
];

fn private_range(net: Ipv4Net) -> Option<Ipv4Net> {
    EXCLUSIVE_RANGES
        .iter()
        .map(|r| r.parse::<Ipv4Net>().expect("valid"))
        .find(|r| r.contains(&net))
}

/// Checks a block for AssociateVpcCidrBlock: size, quota, no overlap with the VPC's blocks,
/// AWS's restriction on mixing RFC 1918 ranges with the primary block's range, and no route of
/// the VPC's route tables (`route_destinations`, local routes excluded) to the same or a more
/// specific range (AWS: "you cannot associate a CIDR block of 10.0.0.0/24 or larger").
pub fn check_additional_block(
    vpc: &Vpc,
    text: &str,
    max_blocks: usize,
    route_destinations: &[Ipv4Net],
) -> Result<Ipv4Net, Ec2Error> {
    let net = cidr::vpc_block(text)?;
    if vpc.cidr_blocks.len() >= max_blocks {
        return Err(Ec2Error::new(
            ErrorCode::CidrLimitExceeded,
            format!(
                "This network '{}' has met its maximum number of allowed CIDRs: {max_blocks}",
                vpc.id
            ),
        ));
    }
    if let Some(existing) = vpc.cidr_blocks.iter().find(|b| cidr::overlaps(b.cidr, net)) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidVpcRange,
            format!(
                "The CIDR '{net}' conflicts with another CIDR block '{}' of the VPC.",
                existing.cidr
            ),
        ));
    }
    let primary = private_range(vpc.primary_cidr());
    let added = private_range(net);
    if added.is_some() && added != primary {
        return Err(Ec2Error::new(
            ErrorCode::InvalidVpcRange,
            format!(
                "The CIDR '{net}' is restricted. Use a CIDR from the same private address range as the current VPC CIDR, or use a publicly-routable CIDR."
            ),
        ));
    }
    if let Some(route) = route_destinations.iter().find(|d| net.contains(*d)) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidVpcRange,
            format!(
                "The CIDR '{net}' is the same as or larger than the destination {route} of an existing route in the VPC's route tables."
            ),
        ));
    }
    Ok(net)
}

/// Checks DisassociateVpcCidrBlock: never the primary block, never a block that holds subnets.
pub fn check_remove_block(
    vpc: &Vpc,
    association_id: &str,
    subnets: &[Ipv4Net],
) -> Result<Ipv4Net, Ec2Error> {
    let index = vpc
        .cidr_blocks
        .iter()
        .position(|b| b.association_id == association_id)
        .ok_or_else(|| crate::IdKind::VpcCidrAssociation.not_found(association_id))?;
    let block = vpc.cidr_blocks[index].cidr;
    if index == 0 {
        return Err(Ec2Error::new(
            ErrorCode::OperationNotPermitted,
            format!(
                "The vpc CIDR block with association ID {association_id} may not be disassociated. It is the primary IPv4 CIDR block of the VPC"
            ),
        ));
    }
    if subnets.iter().any(|s| block.contains(s)) {
        return Err(Ec2Error::dependency(format!(
            "The vpc CIDR block with association ID {association_id} may not be disassociated. It has associated subnets."
        )));
    }
    Ok(block)
}

/// Checks AssociateVpcCidrBlock with `AmazonProvidedIpv6CidrBlock`: at most
/// [`crate::ipv6::BLOCKS_PER_VPC`] IPv6 blocks per VPC.
pub fn check_additional_ipv6_block(vpc: &Vpc) -> Result<(), Ec2Error> {
    let max = crate::ipv6::BLOCKS_PER_VPC;
    if vpc.ipv6_blocks.len() >= max {
        return Err(Ec2Error::new(
            ErrorCode::CidrLimitExceeded,
            format!(
                "This network '{}' has met its maximum number of allowed IPv6 CIDRs: {max}",
                vpc.id
            ),
        ));
    }
    Ok(())
}

/// Checks DisassociateVpcCidrBlock of an IPv6 block: refused while a subnet uses it.
pub fn check_remove_ipv6_block(
    vpc: &Vpc,
    association_id: &str,
    subnet_blocks: &[Ipv6Net],
) -> Result<Ipv6Net, Ec2Error> {
    let block = vpc
        .ipv6_blocks
        .iter()
        .find(|b| b.association_id == association_id)
        .ok_or_else(|| crate::IdKind::VpcCidrAssociation.not_found(association_id))?
        .cidr;
    if subnet_blocks.iter().any(|s| block.contains(s)) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidCidrBlockInUse,
            format!(
                "The vpc {} currently has a subnet within CIDR block {block}",
                vpc.id
            ),
        ));
    }
    Ok(block)
}

/// What lives in a VPC besides what EC2 made with it, as DeleteVpc sees it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct VpcDependents {
    pub subnets: usize,
    pub internet_gateway: bool,
    pub egress_only_internet_gateway: bool,
    /// Security groups other than the VPC's default group.
    pub security_groups: usize,
    /// Route tables other than the main one.
    pub route_tables: usize,
    /// Network ACLs other than the default one.
    pub network_acls: usize,
    /// Endpoints not deleting or deleted.
    pub vpc_endpoints: usize,
}

/// DeleteVpc: `DependencyViolation` while anything but the VPC's own defaults (main route
/// table, default security group and network ACL, which go with it) lives in it.
pub fn check_delete(vpc_id: &str, dependents: &VpcDependents) -> Result<(), Ec2Error> {
    if *dependents == VpcDependents::default() {
        return Ok(());
    }
    Err(Ec2Error::dependency(format!(
        "The vpc '{vpc_id}' has dependencies and cannot be deleted."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vpc(blocks: &[&str]) -> Vpc {
        Vpc {
            id: "vpc-12345678".into(),
            owner_id: "000000000000".into(),
            cidr_blocks: blocks
                .iter()
                .enumerate()
                .map(|(i, b)| VpcCidrBlock {
                    association_id: format!("vpc-cidr-assoc-{i:08x}"),
                    cidr: b.parse().unwrap(),
                })
                .collect(),
            ipv6_blocks: vec![],
            is_default: false,
            instance_tenancy: "default".into(),
            dhcp_options_id: "dopt-12345678".into(),
            enable_dns_support: true,
            enable_dns_hostnames: false,
            enable_network_address_usage_metrics: false,
            tags: vec![],
        }
    }

    #[test]
    fn additional_blocks() {
        let v = vpc(&["10.0.0.0/16"]);
        assert_eq!(
            check_additional_block(&v, "10.1.0.0/16", 5, &[])
                .unwrap()
                .to_string(),
            "10.1.0.0/16"
        );
        assert_eq!(
            check_additional_block(&v, "10.0.128.0/17", 5, &[])
                .unwrap_err()
                .code,
            ErrorCode::InvalidVpcRange
        );
        assert_eq!(
            check_additional_block(&v, "192.168.0.0/16", 5, &[])
                .unwrap_err()
                .code,
            ErrorCode::InvalidVpcRange
        );
        assert!(check_additional_block(&v, "100.64.0.0/16", 5, &[]).is_ok());
        assert!(check_additional_block(&v, "203.0.113.0/24", 5, &[]).is_ok());
        for restricted in [
            "198.19.0.0/16",
            "255.255.255.240/28",
            "169.254.0.0/16",
            "224.1.0.0/16",
        ] {
            let refused = check_additional_block(&v, restricted, 5, &[]).unwrap_err();
            assert_eq!(refused.code, ErrorCode::InvalidVpcRange, "{restricted}");
        }
        let public = vpc(&["100.64.0.0/16"]);
        for restricted in [
            "10.0.0.0/16",
            "172.31.0.0/16",
            "192.168.0.0/16",
            "198.19.0.0/16",
        ] {
            let refused = check_additional_block(&public, restricted, 5, &[]).unwrap_err();
            assert_eq!(refused.code, ErrorCode::InvalidVpcRange, "{restricted}");
        }
        let full = vpc(&[
            "10.0.0.0/16",
            "10.1.0.0/16",
            "10.2.0.0/16",
            "10.3.0.0/16",
            "10.4.0.0/16",
        ]);
        assert_eq!(
            check_additional_block(&full, "10.5.0.0/16", 5, &[])
                .unwrap_err()
                .code,
            ErrorCode::CidrLimitExceeded
        );
    }

    #[test]
    fn existing_routes_limit_new_blocks() {
        let v = vpc(&["10.2.0.0/16"]);
        let routes = ["10.0.0.0/24".parse().unwrap()];
        assert_eq!(
            check_additional_block(&v, "10.0.0.0/16", 5, &routes)
                .unwrap_err()
                .code,
            ErrorCode::InvalidVpcRange
        );
        assert_eq!(
            check_additional_block(&v, "10.0.0.0/24", 5, &routes)
                .unwrap_err()
                .code,
            ErrorCode::InvalidVpcRange
        );
        assert!(check_additional_block(&v, "10.0.0.0/25", 5, &routes).is_ok());
    }

    #[test]
    fn ipv6_blocks() {
        let mut v = vpc(&["10.0.0.0/16"]);
        for i in 0..5 {
            assert!(check_additional_ipv6_block(&v).is_ok());
            v.ipv6_blocks.push(VpcIpv6Block {
                association_id: format!("vpc-cidr-assoc-1000000{i}"),
                cidr: format!("2001:db8:0:{i}00::/56").parse().unwrap(),
                pool: "Amazon".into(),
            });
        }
        assert_eq!(
            check_additional_ipv6_block(&v).unwrap_err().code,
            ErrorCode::CidrLimitExceeded
        );
        let used = ["2001:db8:0:105::/64".parse().unwrap()];
        assert_eq!(
            check_remove_ipv6_block(&v, "vpc-cidr-assoc-10000001", &used)
                .unwrap_err()
                .code,
            ErrorCode::InvalidCidrBlockInUse
        );
        assert!(check_remove_ipv6_block(&v, "vpc-cidr-assoc-10000002", &used).is_ok());
        assert_eq!(
            check_remove_ipv6_block(&v, "vpc-cidr-assoc-10000009", &used)
                .unwrap_err()
                .code,
            ErrorCode::InvalidVpcCidrBlockAssociationIdNotFound
        );
    }

    #[test]
    fn removing_blocks() {
        let v = vpc(&["10.0.0.0/16", "10.1.0.0/16"]);
        assert_eq!(
            check_remove_block(&v, "vpc-cidr-assoc-00000000", &[])
                .unwrap_err()
                .code,
            ErrorCode::OperationNotPermitted
        );
        let in_use = ["10.1.2.0/24".parse().unwrap()];
        assert_eq!(
            check_remove_block(&v, "vpc-cidr-assoc-00000001", &in_use)
                .unwrap_err()
                .code,
            ErrorCode::DependencyViolation
        );
        assert!(check_remove_block(&v, "vpc-cidr-assoc-00000001", &[]).is_ok());
        assert_eq!(
            check_remove_block(&v, "vpc-cidr-assoc-00000009", &[])
                .unwrap_err()
                .code
                .as_str(),
            "InvalidVpcCidrBlockAssociationID.NotFound"
        );
    }

    #[test]
    fn delete_is_refused_while_anything_but_the_defaults_lives_in_the_vpc() {
        assert!(check_delete("vpc-1", &VpcDependents::default()).is_ok());
        for dependents in [
            VpcDependents {
                subnets: 1,
                ..Default::default()
            },
            VpcDependents {
                internet_gateway: true,
                ..Default::default()
            },
            VpcDependents {
                egress_only_internet_gateway: true,
                ..Default::default()
            },
            VpcDependents {
                security_groups: 1,
                ..Default::default()
            },
            VpcDependents {
                route_tables: 2,
                ..Default::default()
            },
            VpcDependents {
                network_acls: 1,
                ..Default::default()
            },
        ] {
            let err = check_delete("vpc-1", &dependents).unwrap_err();
            assert_eq!(
                (err.code, err.message.as_str()),
                (
                    ErrorCode::DependencyViolation,
                    "The vpc 'vpc-1' has dependencies and cannot be deleted."
                ),
                "{dependents:?}"
            );
        }
    }
}
