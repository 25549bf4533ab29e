//! Subnets: placement inside the VPC, no overlap, one zone for life, and the address count.

use crate::cidr;
use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one};
use crate::ipv6::SubnetIpv6Block;
use crate::region::Zone;
use crate::tags::Tag;
use crate::vpc::Vpc;
use ipnet::Ipv4Net;

#[derive(Debug, Clone, PartialEq)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub cidr: Ipv4Net,
    pub availability_zone: String,
    pub availability_zone_id: String,
    pub default_for_az: bool,
    pub map_public_ip_on_launch: bool,
    pub assign_ipv6_address_on_creation: bool,
    /// The subnet's IPv6 /64, if it has one.
    pub ipv6_block: Option<SubnetIpv6Block>,
    /// An IPv6-only subnet: its interfaces have no private IPv4 address.
    pub ipv6_native: bool,
    pub enable_dns64: bool,
    pub private_dns_hostname_type: String,
    pub enable_resource_name_dns_a_record: bool,
    pub enable_resource_name_dns_aaaa_record: bool,
    /// Private IPv4 addresses held by network interfaces in this subnet.
    pub addresses_in_use: u64,
    pub region: String,
    pub tags: Vec<Tag>,
}

/// Where a new subnet goes.
pub struct Placement<'a> {
    pub vpc_id: &'a str,
    pub owner_id: &'a str,
    pub cidr: Ipv4Net,
    pub zone: &'a Zone,
    pub region: &'a str,
}

impl Subnet {
    /// A new subnet with EC2's defaults. A default subnet (one per zone of a default VPC) is
    /// the zone's default and maps public IPs on launch.
    pub fn new(id: String, at: Placement, default_for_az: bool) -> Self {
        Self {
            id,
            vpc_id: at.vpc_id.to_owned(),
            owner_id: at.owner_id.to_owned(),
            cidr: at.cidr,
            availability_zone: at.zone.name.to_owned(),
            availability_zone_id: at.zone.id.to_owned(),
            default_for_az,
            map_public_ip_on_launch: default_for_az,
            assign_ipv6_address_on_creation: false,
            ipv6_block: None,
            ipv6_native: false,
            enable_dns64: false,
            private_dns_hostname_type: "ip-name".into(),
            enable_resource_name_dns_a_record: false,
            enable_resource_name_dns_aaaa_record: false,
            addresses_in_use: 0,
            region: at.region.to_owned(),
            tags: Vec::new(),
        }
    }

    /// `size − 5 reserved − addresses in use`, as EC2 reports it.
    pub fn available_ip_address_count(&self) -> u64 {
        cidr::usable_count(self.cidr).saturating_sub(self.addresses_in_use)
    }

    pub fn arn(&self) -> String {
        format!(
            "arn:aws:ec2:{}:{}:subnet/{}",
            self.region, self.owner_id, self.id
        )
    }
}

impl Tagged for Subnet {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

pub const FILTERS: &[FilterDef<Subnet>] = &[
    def("availability-zone", |s| one(&s.availability_zone)),
    def("availability-zone-id", |s| one(&s.availability_zone_id)),
    def("available-ip-address-count", |s| {
        one(s.available_ip_address_count())
    }),
    def("cidr-block", |s| one(s.cidr)),
    def("cidr", |s| one(s.cidr)),
    def("cidrBlock", |s| one(s.cidr)),
    def("customer-owned-ipv4-pool", |_| vec![]),
    def("default-for-az", |s| one(s.default_for_az)),
    def("defaultForAz", |s| one(s.default_for_az)),
    def("enable-dns64", |s| one(s.enable_dns64)),
    def("enable-lni-at-device-index", |_| vec![]),
    def("ipv6-cidr-block-association.ipv6-cidr-block", |s| {
        s.ipv6_block.iter().map(|b| b.cidr.to_string()).collect()
    }),
    def("ipv6-cidr-block-association.association-id", |s| {
        s.ipv6_block
            .iter()
            .map(|b| b.association_id.clone())
            .collect()
    }),
    def("ipv6-cidr-block-association.state", |s| {
        s.ipv6_block
            .iter()
            .map(|_| "associated".to_string())
            .collect()
    }),
    def("ipv6-native", |s| one(s.ipv6_native)),
    def("map-customer-owned-ip-on-launch", |_| one(false)),
    def(
        "map-public-ip-on-launch",
        |s| one(s.map_public_ip_on_launch),
    ),
    def("outpost-arn", |_| vec![]),
    def("owner-id", |s| one(&s.owner_id)),
    def("private-dns-name-options-on-launch.hostname-type", |s| {
        one(&s.private_dns_hostname_type)
    }),
    def(
        "private-dns-name-options-on-launch.enable-resource-name-dns-a-record",
        |s| one(s.enable_resource_name_dns_a_record),
    ),
    def(
        "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record",
        |s| one(s.enable_resource_name_dns_aaaa_record),
    ),
    def("state", |_| one("available")),
    def("subnet-arn", |s| one(s.arn())),
    def("subnet-id", |s| one(&s.id)),
    def("vpc-id", |s| one(&s.vpc_id)),
];

/// Checks a new subnet's block: canonical, /16–/28, inside one of the VPC's blocks, and clear of
/// every other subnet of the VPC.
pub fn check_new_block(vpc: &Vpc, siblings: &[Subnet], text: &str) -> Result<Ipv4Net, Ec2Error> {
    let net = cidr::subnet_block(text)?;
    if !vpc.contains(net) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidSubnetRange,
            format!("The CIDR '{text}' is invalid."),
        ));
    }
    if let Some(other) = siblings.iter().find(|s| cidr::overlaps(s.cidr, net)) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidSubnetConflict,
            format!(
                "The CIDR '{net}' conflicts with another subnet ({}).",
                other.id
            ),
        ));
    }
    Ok(net)
}

/// Checks DisassociateSubnetCidrBlock: the subnet's IPv6 block, refused while new interfaces
/// get an address from it (`AssignIpv6AddressOnCreation`) or an interface holds one.
pub fn check_remove_ipv6_block(
    subnet: &Subnet,
    association_id: &str,
    addresses_in_use: bool,
) -> Result<SubnetIpv6Block, Ec2Error> {
    let block = subnet
        .ipv6_block
        .clone()
        .filter(|b| b.association_id == association_id)
        .ok_or_else(|| crate::IdKind::SubnetCidrAssociation.not_found(association_id))?;
    if subnet.assign_ipv6_address_on_creation {
        return Err(Ec2Error::new(
            ErrorCode::InvalidCidrBlockInUse,
            format!(
                "The subnet IPv6 CIDR block with association ID {association_id} may not be disassociated, because its subnet has assign-ipv6-address-on-creation set to true."
            ),
        ));
    }
    if addresses_in_use {
        return Err(Ec2Error::new(
            ErrorCode::InvalidCidrBlockInUse,
            format!(
                "The subnet IPv6 CIDR block with association ID {association_id} may not be disassociated, because network interfaces in subnet {} hold IPv6 addresses from it.",
                subnet.id
            ),
        ));
    }
    Ok(block)
}

/// Checks AssociateSubnetCidrBlock: a subnet has at most one IPv6 block.
pub fn check_add_ipv6_block(subnet: &Subnet) -> Result<(), Ec2Error> {
    match &subnet.ipv6_block {
        Some(b) => Err(Ec2Error::new(
            ErrorCode::InvalidParameterValue,
            format!(
                "The subnet {} already has an IPv6 CIDR block ({}) associated with it.",
                subnet.id, b.cidr
            ),
        )),
        None => Ok(()),
    }
}

/// The blocks of a default VPC's default subnets: consecutive /20s of 172.31.0.0/16, one per zone.
pub fn default_subnet_blocks(zones: usize) -> Vec<Ipv4Net> {
    let base: Ipv4Net = crate::vpc::DEFAULT_VPC_CIDR.parse().expect("valid");
    base.subnets(20)
        .expect("a /16 splits into /20s")
        .take(zones)
        .collect()
}

/// DeleteSubnet: `DependencyViolation` while any network interface (attached or not) lives in
/// the subnet; its route table and network ACL associations go with it.
pub fn check_delete(subnet_id: &str, network_interfaces: usize) -> Result<(), Ec2Error> {
    if network_interfaces == 0 {
        return Ok(());
    }
    Err(Ec2Error::dependency(format!(
        "The subnet '{subnet_id}' has dependencies and cannot be deleted."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vpc::VpcCidrBlock;

    fn vpc() -> Vpc {
        Vpc {
            id: "vpc-12345678".into(),
            owner_id: "0".into(),
            cidr_blocks: vec![VpcCidrBlock {
                association_id: "a".into(),
                cidr: "10.0.0.0/16".parse().unwrap(),
            }],
            ipv6_blocks: vec![],
            is_default: false,
            instance_tenancy: "default".into(),
            dhcp_options_id: "dopt-1".into(),
            enable_dns_support: true,
            enable_dns_hostnames: false,
            enable_network_address_usage_metrics: false,
            tags: vec![],
        }
    }

    fn subnet(cidr: &str) -> Subnet {
        let zone = Zone {
            name: "us-east-1a",
            id: "use1-az6",
        };
        let at = Placement {
            vpc_id: "vpc-12345678",
            owner_id: "0",
            cidr: cidr.parse().unwrap(),
            zone: &zone,
            region: "us-east-1",
        };
        Subnet::new("subnet-12345678".into(), at, false)
    }

    #[test]
    fn placement_rules() {
        let siblings = [subnet("10.0.1.0/24")];
        assert_eq!(
            check_new_block(&vpc(), &siblings, "10.0.2.7/24")
                .unwrap()
                .to_string(),
            "10.0.2.0/24"
        );
        assert_eq!(
            check_new_block(&vpc(), &siblings, "10.0.1.128/25")
                .unwrap_err()
                .code,
            ErrorCode::InvalidSubnetConflict
        );
        assert_eq!(
            check_new_block(&vpc(), &siblings, "10.0.0.0/15")
                .unwrap_err()
                .code,
            ErrorCode::InvalidSubnetRange
        );
        assert_eq!(
            check_new_block(&vpc(), &siblings, "10.1.0.0/24")
                .unwrap_err()
                .code,
            ErrorCode::InvalidSubnetRange
        );
        assert_eq!(
            check_new_block(&vpc(), &siblings, "10.0.3.0/29")
                .unwrap_err()
                .code,
            ErrorCode::InvalidSubnetRange
        );
    }

    #[test]
    fn available_count() {
        let mut s = subnet("192.168.1.0/24");
        assert_eq!(s.available_ip_address_count(), 251);
        s.addresses_in_use = 2;
        assert_eq!(s.available_ip_address_count(), 249);
    }

    #[test]
    fn ipv6_block_rules() {
        let mut s = subnet("10.0.1.0/24");
        assert!(check_add_ipv6_block(&s).is_ok());
        assert_eq!(
            check_remove_ipv6_block(&s, "subnet-cidr-assoc-12345678", false)
                .unwrap_err()
                .code,
            ErrorCode::InvalidSubnetCidrBlockAssociationIdNotFound
        );
        s.ipv6_block = Some(SubnetIpv6Block {
            association_id: "subnet-cidr-assoc-12345678".into(),
            cidr: "2001:db8:0:101::/64".parse().unwrap(),
        });
        assert_eq!(
            check_add_ipv6_block(&s).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
        let remove =
            |s: &Subnet, used| check_remove_ipv6_block(s, "subnet-cidr-assoc-12345678", used);
        assert_eq!(
            remove(&s, true).unwrap_err().code,
            ErrorCode::InvalidCidrBlockInUse
        );
        assert!(remove(&s, false).is_ok());
        s.assign_ipv6_address_on_creation = true;
        assert_eq!(
            remove(&s, false).unwrap_err().code,
            ErrorCode::InvalidCidrBlockInUse
        );
    }

    #[test]
    fn default_blocks() {
        let blocks: Vec<String> = default_subnet_blocks(3)
            .iter()
            .map(|b| b.to_string())
            .collect();
        assert_eq!(
            blocks,
            ["172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20"]
        );
    }

    #[test]
    fn delete_is_refused_while_an_interface_lives_in_the_subnet() {
        assert!(check_delete("subnet-1", 0).is_ok());
        let err = check_delete("subnet-1", 1).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                ErrorCode::DependencyViolation,
                "The subnet 'subnet-1' has dependencies and cannot be deleted."
            )
        );
    }
}
