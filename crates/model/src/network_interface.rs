//! Elastic network interfaces: addresses, groups, attachment, and AWS's rules for attaching,
//! detaching, deleting and re-addressing them.

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::instance::Instance;
use crate::instance_type::InstanceType;
use crate::region::Region;
use crate::tags::Tag;
use rand::RngExt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// A public IPv4 mapped to one private address: an Elastic IP or an auto-assigned public IP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicAssociation {
    pub public_ip: Ipv4Addr,
    /// Elastic IPs only.
    pub allocation_id: Option<String>,
    pub association_id: Option<String>,
    /// The account for an Elastic IP, `amazon` for an auto-assigned address.
    pub ip_owner_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateIp {
    pub address: Ipv4Addr,
    pub primary: bool,
    pub association: Option<PublicAssociation>,
}

/// An IPv6 address of an interface (its public address too: IPv6 needs no NAT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Address {
    pub address: Ipv6Addr,
    /// `IsPrimaryIpv6` (`EnablePrimaryIpv6`): the first address, for the interface's life.
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: String,
    pub instance_id: String,
    pub instance_owner_id: String,
    pub device_index: u32,
    pub network_card_index: u32,
    pub delete_on_termination: bool,
    pub attach_time: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkInterface {
    pub id: String,
    pub owner_id: String,
    pub subnet_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub availability_zone_id: String,
    pub description: String,
    /// Locally administered, unique, and kept for the interface's whole life.
    pub mac_address: String,
    pub interface_type: String,
    pub source_dest_check: bool,
    pub requester_managed: bool,
    /// The primary address first.
    pub private_ips: Vec<PrivateIp>,
    /// In the order they were assigned.
    pub ipv6_addresses: Vec<Ipv6Address>,
    pub groups: Vec<GroupRef>,
    pub attachment: Option<Attachment>,
    pub tags: Vec<Tag>,
}

impl NetworkInterface {
    pub fn primary_ip(&self) -> Ipv4Addr {
        self.private_ips
            .iter()
            .find(|p| p.primary)
            .map(|p| p.address)
            .expect("an interface always has a primary address")
    }

    /// `in-use` while attached, `available` otherwise.
    pub fn status(&self) -> &'static str {
        if self.attachment.is_some() {
            "in-use"
        } else {
            "available"
        }
    }

    pub fn primary_association(&self) -> Option<&PublicAssociation> {
        self.private_ips
            .iter()
            .find(|p| p.primary)
            .and_then(|p| p.association.as_ref())
    }

    pub fn has(&self, addr: Ipv4Addr) -> bool {
        self.private_ips.iter().any(|p| p.address == addr)
    }
}

/// `ip-10-0-1-17.ec2.internal` in us-east-1, `ip-10-0-1-17.<region>.compute.internal` elsewhere.
pub fn private_dns_name(addr: Ipv4Addr, region: &Region) -> String {
    format!(
        "ip-{}.{}",
        addr.to_string().replace('.', "-"),
        region.private_dns_suffix()
    )
}

/// The private DNS name of an interface's primary address, from its zone's region (filters see
/// the resource alone, which knows its zone).
pub fn private_dns_name_of(eni: &NetworkInterface) -> Option<String> {
    let zone = &eni.availability_zone;
    let region = zone.get(..zone.len().checked_sub(1)?)?;
    let region = Region::named(region).ok()?;
    Some(private_dns_name(eni.primary_ip(), region))
}

/// Longest interface description AWS accepts.
pub const MAX_DESCRIPTION_LEN: usize = 255;

/// CreateNetworkInterface and ModifyNetworkInterfaceAttribute: a description of at most 255
/// characters.
pub fn check_description(description: &str) -> Result<(), Ec2Error> {
    let len = description.chars().count();
    if len > MAX_DESCRIPTION_LEN {
        return Err(Ec2Error::invalid_value(format!(
            "Value for parameter description is invalid: {len} characters, longer than the maximum of {MAX_DESCRIPTION_LEN}."
        )));
    }
    Ok(())
}

/// A random locally administered unicast MAC, `02:xx:xx:xx:xx:xx` as AWS hands out.
pub fn generate_mac() -> String {
    let bytes: [u8; 5] = rand::rng().random();
    format!(
        "02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]
    )
}

impl Tagged for NetworkInterface {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

fn attachment_values(e: &NetworkInterface, f: fn(&Attachment) -> String) -> Vec<String> {
    e.attachment.as_ref().map(f).into_iter().collect()
}

fn association_values(
    e: &NetworkInterface,
    f: fn(&PublicAssociation) -> Option<String>,
) -> Vec<String> {
    e.private_ips
        .iter()
        .filter_map(|p| p.association.as_ref().and_then(f))
        .collect()
}

fn ipv6_values(e: &NetworkInterface) -> Vec<String> {
    e.ipv6_addresses
        .iter()
        .map(|a| a.address.to_string())
        .collect()
}

pub const FILTERS: &[FilterDef<NetworkInterface>] = &[
    def("addresses.private-ip-address", |e| {
        e.private_ips
            .iter()
            .map(|p| p.address.to_string())
            .collect()
    }),
    def("addresses.primary", |e| {
        e.private_ips
            .iter()
            .map(|p| p.primary.to_string())
            .collect()
    }),
    def("addresses.association.public-ip", |e| {
        association_values(e, |a| Some(a.public_ip.to_string()))
    }),
    def("addresses.association.owner-id", |e| {
        association_values(e, |a| Some(a.ip_owner_id.clone()))
    }),
    def("association.association-id", |e| {
        association_values(e, |a| a.association_id.clone())
    }),
    def("association.allocation-id", |e| {
        association_values(e, |a| a.allocation_id.clone())
    }),
    def("association.ip-owner-id", |e| {
        opt(e.primary_association().map(|a| a.ip_owner_id.clone()))
    }),
    def("association.public-ip", |e| {
        opt(e.primary_association().map(|a| a.public_ip))
    }),
    def("association.public-dns-name", |_| vec![]),
    def("attachment.attach-time", |e| {
        attachment_values(e, |a| a.attach_time.clone())
    }),
    def("attachment.attachment-id", |e| {
        attachment_values(e, |a| a.id.clone())
    }),
    def("attachment.delete-on-termination", |e| {
        attachment_values(e, |a| a.delete_on_termination.to_string())
    }),
    def("attachment.device-index", |e| {
        attachment_values(e, |a| a.device_index.to_string())
    }),
    def("attachment.instance-id", |e| {
        attachment_values(e, |a| a.instance_id.clone())
    }),
    def("attachment.instance-owner-id", |e| {
        attachment_values(e, |a| a.instance_owner_id.clone())
    }),
    def("attachment.nat-gateway-id", |_| vec![]),
    def("attachment.network-card-index", |e| {
        attachment_values(e, |a| a.network_card_index.to_string())
    }),
    def("attachment.status", |e| {
        attachment_values(e, |_| "attached".to_string())
    }),
    def("availability-zone", |e| one(&e.availability_zone)),
    def("availability-zone-id", |e| one(&e.availability_zone_id)),
    def("description", |e| one(&e.description)),
    def("group-id", |e| {
        e.groups.iter().map(|g| g.id.clone()).collect()
    }),
    def("group-name", |e| {
        e.groups.iter().map(|g| g.name.clone()).collect()
    }),
    def("ipv6-addresses.ipv6-address", ipv6_values),
    def("ipv6-address", ipv6_values),
    def("interface-type", |e| one(&e.interface_type)),
    def("mac-address", |e| one(&e.mac_address)),
    def("network-interface-id", |e| one(&e.id)),
    def("operator.managed", |_| one(false)),
    def("operator.principal", |_| vec![]),
    def("owner-id", |e| one(&e.owner_id)),
    def("private-dns-name", |e| opt(private_dns_name_of(e).as_ref())),
    def("private-ip-address", |e| {
        e.private_ips
            .iter()
            .map(|p| p.address.to_string())
            .collect()
    }),
    def("requester-id", |_| vec![]),
    def("requester-managed", |e| one(e.requester_managed)),
    def("source-dest-check", |e| one(e.source_dest_check)),
    def("status", |e| one(e.status())),
    def("subnet-id", |e| one(&e.subnet_id)),
    def("vpc-id", |e| one(&e.vpc_id)),
];

/// AttachNetworkInterface's checks after both resources are found, in AWS's order: the
/// interface is free, the instance is running or stopped, same zone, the network card exists,
/// the slot is free, the type's interface limits hold, and the interface's addresses fit the
/// type. Returns the network card index to use (0 when omitted).
pub fn check_attach(
    eni: &NetworkInterface,
    instance: &Instance,
    itype: &InstanceType,
    device_index: i64,
    network_card_index: Option<i64>,
) -> Result<u32, Ec2Error> {
    if eni.attachment.is_some() {
        return Err(Ec2Error::new(
            ErrorCode::InvalidNetworkInterfaceInUse,
            format!("Interface: [{}] in use.", eni.id),
        ));
    }
    instance.check_attachment_changes_allowed()?;
    if eni.availability_zone != instance.availability_zone {
        // AWS's wording, as seen by seed 002's author.
        return Err(Ec2Error::combination(
            "You may not attach a network interface to an instance if they are not in the same availability zone",
        ));
    }
    let device = u32::try_from(device_index)
        .map_err(|_| Ec2Error::invalid_parameter("DeviceIndex", &device_index.to_string()))?;
    let card = u32::try_from(network_card_index.unwrap_or(0))
        .ok()
        .filter(|c| *c < itype.network_cards)
        .ok_or_else(|| {
            Ec2Error::invalid_value(format!(
                "Network card index {} is not valid for instance type {}; it has {} network card(s).",
                network_card_index.unwrap_or(0),
                itype.name,
                itype.network_cards
            ))
        })?;
    let slots: Vec<(u32, u32)> = instance
        .interfaces
        .iter()
        .filter_map(|i| i.attachment.as_ref())
        .map(|a| (a.network_card_index, a.device_index))
        .collect();
    if slots.contains(&(card, device)) {
        return Err(Ec2Error::invalid_value(format!(
            "Instance '{}' already has an interface attached at device index '{device}'.",
            instance.id
        )));
    }
    let cards: Vec<u32> = slots.iter().map(|(c, _)| *c).chain([card]).collect();
    check_interface_count(&cards, itype)?;
    check_address_limit(eni.private_ips.len(), itype)?;
    Ok(card)
}

/// The instance type's interface limits, overall and per network card, for an instance whose
/// interfaces sit on `cards` (one entry per interface, the new ones included).
pub fn check_interface_count(cards: &[u32], itype: &InstanceType) -> Result<(), Ec2Error> {
    let total = cards.len() as u32;
    let card_over = |card: &u32| {
        let on_card = cards.iter().filter(|c| *c == card).count() as u32;
        itype
            .max_interfaces_per_card
            .get(*card as usize)
            .is_none_or(|max| on_card > *max)
    };
    if total > itype.max_network_interfaces || cards.iter().any(card_over) {
        return Err(Ec2Error::new(
            ErrorCode::AttachmentLimitExceeded,
            format!(
                "Interface count {total} exceeds the limit for {}",
                itype.name
            ),
        ));
    }
    Ok(())
}

/// The per-interface IPv4 limit of an instance type (primary + secondaries).
pub fn check_address_limit(count: usize, itype: &InstanceType) -> Result<(), Ec2Error> {
    if count > itype.ipv4_addresses_per_interface as usize {
        return Err(Ec2Error::new(
            ErrorCode::PrivateIpAddressLimitExceeded,
            "Number of private addresses will exceed limit.",
        ));
    }
    Ok(())
}

/// DetachNetworkInterface: the primary interface (device 0 on card 0) never leaves.
pub fn check_detach(attachment: &Attachment) -> Result<(), Ec2Error> {
    if attachment.device_index == 0 && attachment.network_card_index == 0 {
        return Err(Ec2Error::new(
            ErrorCode::OperationNotPermitted,
            "The network interface at device index 0 and networkCard index 0 cannot be detached.",
        ));
    }
    Ok(())
}

/// DeleteNetworkInterface: detach first (AWS answers InvalidParameterValue, "currently in use").
pub fn check_delete(eni: &NetworkInterface) -> Result<(), Ec2Error> {
    if eni.requester_managed {
        return Err(Ec2Error::new(
            ErrorCode::OperationNotPermitted,
            format!(
                "You are not allowed to delete the requester-managed interface {}.",
                eni.id
            ),
        ));
    }
    if eni.attachment.is_some() {
        return Err(Ec2Error::invalid_value(format!(
            "Network interface '{}' is currently in use.",
            eni.id
        )));
    }
    Ok(())
}

/// UnassignPrivateIpAddresses: only secondaries of this interface.
pub fn check_unassign(eni: &NetworkInterface, addrs: &[Ipv4Addr]) -> Result<(), Ec2Error> {
    if addrs.iter().any(|a| *a == eni.primary_ip()) {
        return Err(Ec2Error::invalid_value(format!(
            "Cannot unassign primary address {} of interface {}.",
            eni.primary_ip(),
            eni.id
        )));
    }
    if addrs.iter().any(|a| !eni.has(*a)) {
        return Err(Ec2Error::invalid_value(format!(
            "Some of the specified addresses are not assigned to interface {}",
            eni.id
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::{InstanceState, MetadataOptions};

    #[test]
    fn descriptions_are_at_most_255_characters() {
        assert!(check_description(&"é".repeat(255)).is_ok());
        let err = check_description(&"d".repeat(256)).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert!(err.message.contains("256 characters"), "{}", err.message);
    }

    fn eni(id: &str, az: &str, attached_to: Option<(&str, u32)>) -> NetworkInterface {
        NetworkInterface {
            id: id.into(),
            owner_id: "000000000000".into(),
            subnet_id: "subnet-1".into(),
            vpc_id: "vpc-1".into(),
            availability_zone: az.into(),
            availability_zone_id: "x".into(),
            description: String::new(),
            mac_address: generate_mac(),
            interface_type: "interface".into(),
            source_dest_check: true,
            requester_managed: false,
            private_ips: vec![PrivateIp {
                address: "10.0.1.10".parse().unwrap(),
                primary: true,
                association: None,
            }],
            ipv6_addresses: vec![],
            groups: vec![],
            attachment: attached_to.map(|(i, d)| Attachment {
                id: format!("eni-attach-{d:08x}"),
                instance_id: i.into(),
                instance_owner_id: "0".into(),
                device_index: d,
                network_card_index: 0,
                delete_on_termination: d == 0,
                attach_time: "t".into(),
            }),
            tags: vec![],
        }
    }

    fn instance(state: InstanceState, devices: &[u32]) -> Instance {
        Instance {
            id: "i-1".into(),
            reservation_id: "r-1".into(),
            owner_id: "0".into(),
            image_id: "ami-1".into(),
            instance_type: "t3.medium".into(),
            key_name: None,
            state,
            state_transition_reason: String::new(),
            launch_time: "t".into(),
            availability_zone: "ap-northeast-1a".into(),
            client_token: None,
            ami_launch_index: 0,
            metadata_options: MetadataOptions::default(),
            user_data: None,
            shutdown_behavior: "stop".into(),
            disable_api_termination: false,
            monitoring: false,
            public_ip: None,
            auto_public_ip: false,
            tags: vec![],
            interfaces: devices
                .iter()
                .map(|d| eni(&format!("eni-{d}"), "ap-northeast-1a", Some(("i-1", *d))))
                .collect(),
        }
    }

    fn t3() -> &'static InstanceType {
        InstanceType::named("t3.medium").unwrap()
    }

    #[test]
    fn attach_order_of_checks() {
        let free = eni("eni-9", "ap-northeast-1a", None);
        let running = instance(InstanceState::Running, &[0]);
        assert_eq!(check_attach(&free, &running, t3(), 1, None).unwrap(), 0);
        let busy = eni("eni-9", "ap-northeast-1a", Some(("i-2", 1)));
        let err = check_attach(
            &busy,
            &instance(InstanceState::Pending, &[0]),
            t3(),
            1,
            None,
        )
        .unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            (
                "InvalidNetworkInterface.InUse",
                "Interface: [eni-9] in use."
            )
        );
        let err = check_attach(
            &free,
            &instance(InstanceState::Pending, &[0]),
            t3(),
            1,
            None,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::IncorrectInstanceState);
        assert!(
            check_attach(
                &free,
                &instance(InstanceState::Stopped, &[0]),
                t3(),
                1,
                None
            )
            .is_ok()
        );
        let other_zone = eni("eni-9", "ap-northeast-1c", None);
        let err = check_attach(&other_zone, &running, t3(), 1, None).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                ErrorCode::InvalidParameterCombination,
                "You may not attach a network interface to an instance if they are not in the same availability zone"
            )
        );
        let err = check_attach(&free, &running, t3(), 0, None).unwrap_err();
        assert_eq!(
            err.message,
            "Instance 'i-1' already has an interface attached at device index '0'."
        );
        assert_eq!(
            check_attach(&free, &running, t3(), 1, Some(1))
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
        let full = instance(InstanceState::Running, &[0, 1, 2]);
        let err = check_attach(&free, &full, t3(), 3, None).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            (
                "AttachmentLimitExceeded",
                "Interface count 4 exceeds the limit for t3.medium"
            )
        );
        let mut fat = free.clone();
        fat.private_ips.extend((11..17).map(|i| PrivateIp {
            address: Ipv4Addr::new(10, 0, 1, i),
            primary: false,
            association: None,
        }));
        assert_eq!(
            check_attach(&fat, &running, t3(), 1, None)
                .unwrap_err()
                .code,
            ErrorCode::PrivateIpAddressLimitExceeded
        );
    }

    #[test]
    fn interface_count_overall_and_per_card() {
        let two_cards = InstanceType::named("c6in.32xlarge").unwrap();
        assert_eq!(
            (two_cards.max_network_interfaces, two_cards.network_cards),
            (16, 2)
        );
        assert!(check_interface_count(&[0; 8], two_cards).is_ok());
        let err = check_interface_count(&[0; 9], two_cards).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                ErrorCode::AttachmentLimitExceeded,
                "Interface count 9 exceeds the limit for c6in.32xlarge"
            )
        );
        let mut spread = vec![0; 8];
        spread.extend([1; 8]);
        assert!(check_interface_count(&spread, two_cards).is_ok());
        spread.push(1);
        assert!(check_interface_count(&spread, two_cards).is_err());
        assert!(
            check_interface_count(&[0, 2], two_cards).is_err(),
            "a card the type does not have"
        );
        assert!(check_interface_count(&[0, 0, 0], t3()).is_ok());
        assert!(check_interface_count(&[0, 0, 0, 0], t3()).is_err());
    }

    #[test]
    fn primary_never_detached_and_attached_never_deleted() {
        let primary = eni("eni-0", "a", Some(("i-1", 0)));
        let err = check_detach(primary.attachment.as_ref().unwrap()).unwrap_err();
        assert_eq!(err.code, ErrorCode::OperationNotPermitted);
        assert!(
            check_detach(
                eni("eni-1", "a", Some(("i-1", 1)))
                    .attachment
                    .as_ref()
                    .unwrap()
            )
            .is_ok()
        );
        let err = check_delete(&primary).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                ErrorCode::InvalidParameterValue,
                "Network interface 'eni-0' is currently in use."
            )
        );
        assert!(check_delete(&eni("eni-1", "a", None)).is_ok());
    }

    #[test]
    fn unassign_rules() {
        let mut e = eni("eni-1", "a", None);
        e.private_ips.push(PrivateIp {
            address: "10.0.1.11".parse().unwrap(),
            primary: false,
            association: None,
        });
        assert!(check_unassign(&e, &["10.0.1.11".parse().unwrap()]).is_ok());
        assert_eq!(
            check_unassign(&e, &["10.0.1.10".parse().unwrap()])
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            check_unassign(&e, &["10.0.1.12".parse().unwrap()])
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn macs_and_dns() {
        let mac = generate_mac();
        assert!(mac.starts_with("02:") && mac.len() == 17);
        let tokyo = Region::named("ap-northeast-1").unwrap();
        assert_eq!(
            private_dns_name("10.0.1.17".parse().unwrap(), tokyo),
            "ip-10-0-1-17.ap-northeast-1.compute.internal"
        );
        let virginia = Region::named("us-east-1").unwrap();
        assert_eq!(
            private_dns_name("10.0.1.17".parse().unwrap(), virginia),
            "ip-10-0-1-17.ec2.internal"
        );
    }
}
