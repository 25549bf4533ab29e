//! Elastic network interfaces: addresses, groups, attachment, and AWS's rules for attaching,
//! detaching, deleting and re-addressing them.

use crate::error::{Ec2Error, ErrorCode};
use crate::instance::Instance;
use crate::instance_type::InstanceType;
use crate::region::Region;
use crate::tags::Tag;
use ipnet::{Ipv4Net, Ipv6Net};
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

/// The service that created an interface and holds it (a NAT gateway, a VPC endpoint): the
/// user sees it but may not detach, delete or modify it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    /// The AWS account AWS shows as `requesterId`.
    pub requester_id: String,
    /// Its `ela-attach-…` attachment, which the user may not manage.
    pub attachment_id: String,
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
    /// Set on the interfaces of NAT gateways and VPC endpoints (`requesterManaged`).
    pub requester: Option<Requester>,
    /// The primary address first.
    pub private_ips: Vec<PrivateIp>,
    /// In the order they were assigned.
    pub ipv6_addresses: Vec<Ipv6Address>,
    /// Delegated /28s and /80s, in the order they were assigned.
    pub ipv4_prefixes: Vec<Ipv4Net>,
    pub ipv6_prefixes: Vec<Ipv6Net>,
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

    pub fn requester_managed(&self) -> bool {
        self.requester.is_some()
    }

    /// `in-use` while attached (a service's interface always is), `available` otherwise.
    pub fn status(&self) -> &'static str {
        if self.attachment.is_some() || self.requester.is_some() {
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

    /// IPv4 addresses as the type's per-interface limit counts them: each prefix is one.
    pub fn ipv4_count(&self) -> usize {
        self.private_ips.len() + self.ipv4_prefixes.len()
    }

    /// IPv6 addresses as the limit counts them.
    pub fn ipv6_count(&self) -> usize {
        self.ipv6_addresses.len() + self.ipv6_prefixes.len()
    }

    pub fn has_prefixes(&self) -> bool {
        !self.ipv4_prefixes.is_empty() || !self.ipv6_prefixes.is_empty()
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

mod filters;
pub use filters::FILTERS;

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
    if eni.status() == "in-use" {
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
    check_address_limit(eni.ipv4_count(), itype)?;
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

/// DeleteNetworkInterface: detach first (AWS answers InvalidParameterValue, "currently in use");
/// a service's interface is always in use.
pub fn check_delete(eni: &NetworkInterface) -> Result<(), Ec2Error> {
    if eni.status() == "in-use" {
        return Err(Ec2Error::invalid_value(format!(
            "Network interface '{}' is currently in use.",
            eni.id
        )));
    }
    Ok(())
}

/// Changing a service's interface (its attributes or addresses) is refused as AWS refuses it.
pub fn check_user_managed(eni: &NetworkInterface) -> Result<(), Ec2Error> {
    if eni.requester_managed() {
        return Err(Ec2Error::new(
            ErrorCode::AuthFailure,
            "You do not have permission to access the specified resource.",
        ));
    }
    Ok(())
}

/// DetachNetworkInterface of a service's attachment (`ela-attach-…`).
pub fn service_attachment_refused() -> Ec2Error {
    Ec2Error::new(
        ErrorCode::OperationNotPermitted,
        "You are not allowed to manage 'ela-attach' attachments.",
    )
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
pub(crate) mod tests;
