//! Planning a launch's network interfaces (rules.md §9): both request styles, every refusal,
//! zones, per-type limits, explicit addresses and subnet capacity, decided from facts the
//! handler loaded so that nothing is written before the whole launch is known to fit.

use crate::address::{self, PrivateIpEntry};
use crate::cidr;
use crate::error::{Ec2Error, ErrorCode};
use crate::id::IdKind;
use crate::instance_type::InstanceType;
use crate::ipv6::{self, Ipv6Request};
use crate::network_interface::{self, NetworkInterface};
use crate::prefix::{self, Prefixes};
use crate::security_group::SecurityGroup;
use crate::subnet::Subnet;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// One `NetworkInterface.N` specification, or the one device-0 specification the instance-level
/// parameters mean.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InterfaceSpec {
    pub device_index: Option<i64>,
    pub network_card_index: Option<i64>,
    pub network_interface_id: Option<String>,
    pub subnet_id: Option<String>,
    pub groups: Vec<String>,
    pub description: Option<String>,
    pub interface_type: Option<String>,
    pub private_ip_address: Option<String>,
    pub private_ip_addresses: Vec<PrivateIpEntry>,
    pub secondary_private_ip_address_count: Option<i64>,
    pub ipv6: Ipv6Request,
    pub ipv4_prefixes: Vec<String>,
    pub ipv4_prefix_count: Option<i64>,
    pub ipv6_prefixes: Vec<String>,
    pub ipv6_prefix_count: Option<i64>,
    pub associate_public_ip_address: Option<bool>,
    pub delete_on_termination: Option<bool>,
}

/// The network parameters of a RunInstances call (after a launch template is merged).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Launch {
    pub max_count: i64,
    /// `Placement.AvailabilityZone`.
    pub zone: Option<String>,
    pub subnet_id: Option<String>,
    pub security_group_ids: Vec<String>,
    /// `SecurityGroup.N`: group names, default VPC only.
    pub security_groups: Vec<String>,
    pub private_ip_address: Option<String>,
    /// Instance-level `Ipv6AddressCount`/`Ipv6Addresses`/`EnablePrimaryIpv6`.
    pub ipv6: Ipv6Request,
    /// `NetworkInterface.N`.
    pub interfaces: Vec<InterfaceSpec>,
}

impl Launch {
    /// The interface specifications the launch means: the given ones, or device 0 built from
    /// the instance-level parameters. (What the handler loads facts for.)
    pub fn specs(&self) -> Vec<InterfaceSpec> {
        if !self.interfaces.is_empty() {
            return self.interfaces.clone();
        }
        vec![InterfaceSpec {
            device_index: Some(0),
            subnet_id: self.subnet_id.clone(),
            groups: self.security_group_ids.clone(),
            private_ip_address: self.private_ip_address.clone(),
            ipv6: self.ipv6.clone(),
            delete_on_termination: Some(true),
            ..Default::default()
        }]
    }

    /// Instance-level parameters exclude `NetworkInterface.N`.
    fn check_combination(&self) -> Result<(), Ec2Error> {
        if self.interfaces.is_empty() {
            return Ok(());
        }
        let given = if self.subnet_id.is_some() {
            "subnet ID"
        } else if !self.security_group_ids.is_empty() || !self.security_groups.is_empty() {
            "security groups"
        } else if self.private_ip_address.is_some() {
            "private IP address"
        } else if self.ipv6.count.is_some() || !self.ipv6.addresses.is_empty() {
            "IPv6 address"
        } else {
            return Ok(());
        };
        Err(Ec2Error::combination(format!(
            "Network interfaces and an instance-level {given} may not be specified on the same request"
        )))
    }
}

/// What the handler loaded for a launch: only what its specifications name.
#[derive(Debug, Clone)]
pub struct LaunchFacts<'a> {
    pub instance_type: &'a InstanceType,
    /// The subnets named by ID that exist (a missing one is NotFound when the plan reaches it).
    pub subnets: Vec<Subnet>,
    /// The account's interfaces named by ID that exist.
    pub interfaces: Vec<NetworkInterface>,
    /// Loaded when a specification has neither a subnet nor an interface, or groups are named.
    pub default_vpc_id: Option<String>,
    /// The default VPC's subnets.
    pub default_subnets: Vec<Subnet>,
    /// The account's security groups (loaded when a specification names groups).
    pub security_groups: Vec<SecurityGroup>,
    /// Explicit addresses some interface already holds, with their subnet's ID.
    pub held: BTreeSet<(String, Ipv4Addr)>,
}

/// The launch's interfaces, resolved and checked, sorted by (card, device).
#[derive(Debug, Clone)]
pub struct LaunchPlan {
    pub interfaces: Vec<InterfacePlan>,
}

#[derive(Debug, Clone)]
pub struct InterfacePlan {
    pub device_index: u32,
    pub network_card_index: u32,
    pub delete_on_termination: bool,
    pub source: Source,
}

#[derive(Debug, Clone)]
pub enum Source {
    Existing(Box<NetworkInterface>),
    New(Box<NewInterfacePlan>),
}

/// One interface each instance gets created.
#[derive(Debug, Clone)]
pub struct NewInterfacePlan {
    pub subnet: Subnet,
    pub description: String,
    pub interface_type: String,
    pub primary: Option<String>,
    pub secondaries: Vec<String>,
    pub secondary_count: u32,
    pub group_ids: Vec<String>,
    pub ipv6: Ipv6Request,
    pub prefixes: Prefixes,
    /// Subnet addresses one instance takes through this interface (a /28 counts 16).
    pub addresses: usize,
}

impl InterfacePlan {
    pub fn zone(&self) -> &str {
        match &self.source {
            Source::Existing(e) => &e.availability_zone,
            Source::New(n) => &n.subnet.availability_zone,
        }
    }
}

fn many(what: &str) -> Ec2Error {
    Ec2Error::combination(format!(
        "{what} cannot be specified when launching more than one instance (MaxCount > 1)."
    ))
}

/// Resolves and checks every interface specification, in AWS's order of refusals.
pub fn plan(facts: &LaunchFacts, launch: &Launch) -> Result<LaunchPlan, Ec2Error> {
    launch.check_combination()?;
    let specs = launch.specs();
    if specs.len() > 1
        && specs
            .iter()
            .any(|s| s.associate_public_ip_address.is_some())
    {
        return Err(Ec2Error::combination(
            "The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces",
        ));
    }
    let itype = facts.instance_type;
    let mut plans: Vec<InterfacePlan> = Vec::new();
    // Explicit addresses taken by earlier specifications of this launch.
    let mut claimed: BTreeSet<Ipv4Addr> = BTreeSet::new();
    for (n, spec) in specs.iter().enumerate() {
        let device_index = spec.device_index.ok_or_else(|| {
            Ec2Error::invalid_value(format!(
                "Each network interface requires a device index (NetworkInterface.{}).",
                n + 1
            ))
        })?;
        let device_index = u32::try_from(device_index)
            .map_err(|_| Ec2Error::invalid_parameter("DeviceIndex", &device_index.to_string()))?;
        let card = u32::try_from(spec.network_card_index.unwrap_or(0))
            .ok()
            .filter(|c| *c < itype.network_cards)
            .ok_or_else(|| {
                Ec2Error::invalid_value(format!(
                    "Network card index {} is not valid for instance type {}.",
                    spec.network_card_index.unwrap_or(0),
                    itype.name
                ))
            })?;
        if plans
            .iter()
            .any(|p| (p.network_card_index, p.device_index) == (card, device_index))
        {
            return Err(Ec2Error::invalid_value(format!(
                "Each network interface requires a unique device index; device index {device_index} is given twice."
            )));
        }
        let source = match &spec.network_interface_id {
            Some(eni_id) => Source::Existing(Box::new(existing(facts, launch, spec, eni_id)?)),
            None => {
                let subnet = match &spec.subnet_id {
                    Some(id) => {
                        let id = IdKind::Subnet.parse(id)?;
                        facts
                            .subnets
                            .iter()
                            .find(|s| s.id == id)
                            .ok_or_else(|| IdKind::Subnet.not_found(&id))?
                    }
                    None if device_index == 0 && card == 0 => {
                        default_subnet(facts, launch.zone.as_deref())?
                    }
                    None => {
                        return Err(Ec2Error::missing_parameter(&format!(
                            "NetworkInterface.{}.SubnetId",
                            n + 1
                        )));
                    }
                };
                Source::New(Box::new(new_interface(
                    facts,
                    launch,
                    spec,
                    subnet,
                    &mut claimed,
                )?))
            }
        };
        let delete_on_termination =
            matches!(source, Source::New(_)) && spec.delete_on_termination.unwrap_or(true);
        plans.push(InterfacePlan {
            device_index,
            network_card_index: card,
            delete_on_termination,
            source,
        });
    }
    if !plans
        .iter()
        .any(|p| (p.network_card_index, p.device_index) == (0, 0))
    {
        return Err(Ec2Error::invalid_value(
            "When specifying network interfaces, one must have device index 0.",
        ));
    }
    network_interface::check_interface_count(
        &plans
            .iter()
            .map(|p| p.network_card_index)
            .collect::<Vec<_>>(),
        itype,
    )?;
    plans.sort_by_key(|p| (p.network_card_index, p.device_index));
    let zone = plans[0].zone().to_owned();
    if let Some(other) = plans.iter().find(|p| p.zone() != zone) {
        return Err(Ec2Error::combination(format!(
            "All network interfaces of an instance must be in the same availability zone ({zone} and {} given).",
            other.zone()
        )));
    }
    if let Some(z) = &launch.zone
        && *z != zone
    {
        return Err(Ec2Error::invalid_value(format!(
            "Value ({z}) for parameter availabilityZone is invalid. The network interfaces are in {zone}."
        )));
    }
    Ok(LaunchPlan { interfaces: plans })
}

/// An interface given by ID: alone on its specification, free, within the type's limits.
fn existing(
    facts: &LaunchFacts,
    launch: &Launch,
    spec: &InterfaceSpec,
    eni_id: &str,
) -> Result<NetworkInterface, Ec2Error> {
    if spec.subnet_id.is_some()
        || !spec.groups.is_empty()
        || spec.private_ip_address.is_some()
        || !spec.private_ip_addresses.is_empty()
        || spec.secondary_private_ip_address_count.is_some()
    {
        return Err(Ec2Error::combination(format!(
            "A network interface ID ({eni_id}) cannot be specified together with a subnet, security groups or private IP addresses for the same interface."
        )));
    }
    if spec.delete_on_termination == Some(true) {
        return Err(Ec2Error::combination(
            "DeleteOnTermination can be set to true only when a new network interface is created.",
        ));
    }
    if spec.associate_public_ip_address.is_some() {
        return Err(Ec2Error::combination(
            "The associatePublicIPAddress parameter cannot be specified for a network interface with an ID.",
        ));
    }
    if launch.max_count > 1 {
        return Err(Ec2Error::combination(
            "An existing network interface can be attached to one instance only; MaxCount must be 1.",
        ));
    }
    let id = IdKind::NetworkInterface.parse(eni_id)?;
    let eni = facts
        .interfaces
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| IdKind::NetworkInterface.not_found(&id))?;
    if eni.attachment.is_some() {
        return Err(Ec2Error::new(
            ErrorCode::InvalidNetworkInterfaceInUse,
            format!("Interface: [{}] in use.", eni.id),
        ));
    }
    let itype = facts.instance_type;
    prefix::check_type(itype, eni.has_prefixes())?;
    if eni.ipv4_count() > itype.ipv4_addresses_per_interface as usize
        || ipv6::check_limit(eni.ipv6_count(), itype).is_err()
    {
        return Err(Ec2Error::new(
            ErrorCode::InvalidInterfaceIpAddressLimitExceeded,
            format!(
                "Interface {} has more private addresses than {} supports.",
                eni.id, itype.name
            ),
        ));
    }
    Ok(eni.clone())
}

/// A new interface in `subnet`: addresses, prefixes and groups checked against the type's
/// limits, the subnet and the addresses earlier specifications `claimed`.
fn new_interface(
    facts: &LaunchFacts,
    launch: &Launch,
    spec: &InterfaceSpec,
    subnet: &Subnet,
    claimed: &mut BTreeSet<Ipv4Addr>,
) -> Result<NewInterfacePlan, Ec2Error> {
    let itype = facts.instance_type;
    let (primary, secondaries, secondary_count) = address::split_private(
        spec.private_ip_address.clone(),
        &spec.private_ip_addresses,
        spec.secondary_private_ip_address_count,
    )?;
    if launch.max_count > 1 && (primary.is_some() || !secondaries.is_empty()) {
        return Err(many("Private IP addresses"));
    }
    let prefixes = Prefixes::new(
        spec.ipv4_prefixes.clone(),
        spec.ipv4_prefix_count,
        spec.ipv6_prefixes.clone(),
        spec.ipv6_prefix_count,
    )?;
    if launch.max_count > 1 && !(prefixes.v4.explicit.is_empty() && prefixes.v6.explicit.is_empty())
    {
        return Err(many("Prefixes"));
    }
    prefix::check_type(itype, prefixes.any())?;
    // Each prefix counts as one address of its family.
    let addresses = 1 + secondaries.len() + secondary_count as usize + prefixes.v4.wanted();
    if addresses > itype.ipv4_addresses_per_interface as usize {
        return Err(Ec2Error::new(
            ErrorCode::InvalidInterfaceIpAddressLimitExceeded,
            format!(
                "The number of private IP addresses ({addresses}) exceeds the limit for {} ({}).",
                itype.name, itype.ipv4_addresses_per_interface
            ),
        ));
    }
    if launch.max_count > 1 && !spec.ipv6.addresses.is_empty() {
        return Err(many("IPv6 addresses"));
    }
    let v6_wanted = match spec.ipv6.wanted() {
        0 if subnet.assign_ipv6_address_on_creation
            && spec.ipv6.count.is_none()
            && prefixes.v6.is_empty() =>
        {
            1
        }
        n => n,
    } + prefixes.v6.wanted();
    if ipv6::check_limit(v6_wanted, itype).is_err() {
        return Err(Ec2Error::new(
            ErrorCode::InvalidInterfaceIpAddressLimitExceeded,
            format!(
                "The number of IPv6 addresses ({v6_wanted}) exceeds the limit for {} ({}).",
                itype.name,
                itype.ipv6_addresses_per_interface.unwrap_or(0)
            ),
        ));
    }
    let mut group_ids = spec.groups.clone();
    if launch.interfaces.is_empty() && !launch.security_groups.is_empty() {
        group_ids.extend(group_ids_by_name(facts, launch, subnet)?);
    }
    check_groups_in_vpc(facts, &group_ids, subnet)?;
    let explicit: Vec<String> = primary.iter().chain(&secondaries).cloned().collect();
    let used: BTreeSet<Ipv4Addr> = facts
        .held
        .iter()
        .filter(|(s, _)| *s == subnet.id)
        .map(|(_, a)| *a)
        .chain(claimed.iter().copied().filter(|a| subnet.cidr.contains(a)))
        .collect();
    claimed.extend(address::check_explicit(
        subnet.cidr,
        &explicit,
        &used,
        address::in_use_at_launch,
    )?);
    let v4_prefixes = prefixes.v4.wanted();
    Ok(NewInterfacePlan {
        subnet: subnet.clone(),
        description: spec.description.clone().unwrap_or_default(),
        interface_type: spec
            .interface_type
            .clone()
            .unwrap_or_else(|| "interface".into()),
        primary,
        secondaries,
        secondary_count,
        group_ids,
        ipv6: spec.ipv6.clone(),
        prefixes,
        addresses: addresses + 15 * v4_prefixes,
    })
}

/// The default VPC's default subnet in `zone` (or in the region's first zone that has one), for
/// launches without a subnet.
fn default_subnet<'f>(facts: &'f LaunchFacts, zone: Option<&str>) -> Result<&'f Subnet, Ec2Error> {
    let vpc_id = facts.default_vpc_id.as_deref().ok_or_else(|| {
        Ec2Error::new(
            ErrorCode::VpcIdNotSpecified,
            "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
        )
    })?;
    facts
        .default_subnets
        .iter()
        .filter(|s| s.default_for_az && zone.is_none_or(|z| s.availability_zone == z))
        .min_by(|a, b| a.availability_zone.cmp(&b.availability_zone))
        .ok_or_else(|| {
            Ec2Error::new(
                ErrorCode::MissingInput,
                format!(
                    "No subnets found for the default VPC '{vpc_id}'. Please specify a subnet."
                ),
            )
        })
}

/// Group IDs for an interface in the subnet's VPC: a group of the account in another VPC is "a
/// different network"; an unknown one does not exist.
fn check_groups_in_vpc(
    facts: &LaunchFacts,
    group_ids: &[String],
    subnet: &Subnet,
) -> Result<(), Ec2Error> {
    for id in group_ids {
        IdKind::SecurityGroup.parse(id)?;
        match facts.security_groups.iter().find(|g| &g.id == id) {
            None => return Err(IdKind::SecurityGroup.not_found(id)),
            Some(g) if g.vpc_id != subnet.vpc_id => {
                return Err(Ec2Error::new(
                    ErrorCode::InvalidParameter,
                    format!(
                        "Security group {id} and subnet {} belong to different networks.",
                        subnet.id
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Instance-level `SecurityGroup.N` names: allowed only in the default VPC.
fn group_ids_by_name(
    facts: &LaunchFacts,
    launch: &Launch,
    subnet: &Subnet,
) -> Result<Vec<String>, Ec2Error> {
    let in_default = facts.default_vpc_id.as_deref() == Some(subnet.vpc_id.as_str());
    if launch.subnet_id.is_some() && !in_default {
        return Err(Ec2Error::combination(
            "The parameter groupName cannot be used with the parameter subnet",
        ));
    }
    launch
        .security_groups
        .iter()
        .map(|name| {
            facts
                .security_groups
                .iter()
                .find(|g| g.vpc_id == subnet.vpc_id && &g.name == name)
                .map(|g| g.id.clone())
                .ok_or_else(|| {
                    Ec2Error::new(
                        ErrorCode::InvalidGroupNotFound,
                        format!(
                            "The security group '{name}' does not exist in default VPC '{}'",
                            subnet.vpc_id
                        ),
                    )
                })
        })
        .collect()
}

impl LaunchPlan {
    /// The zone every interface is in.
    pub fn zone(&self) -> &str {
        self.interfaces[0].zone()
    }

    /// How many instances to launch: up to `max`, as many as the subnets can address, and
    /// at least `min` or none (a launch is all or nothing).
    pub fn count(&self, min: usize, max: usize) -> Result<usize, Ec2Error> {
        let mut need: Vec<(&Subnet, usize)> = Vec::new();
        for p in &self.interfaces {
            if let Source::New(new) = &p.source {
                match need.iter_mut().find(|(s, _)| s.id == new.subnet.id) {
                    Some((_, n)) => *n += new.addresses,
                    None => need.push((&new.subnet, new.addresses)),
                }
            }
        }
        let mut fit = max;
        for (subnet, per_instance) in &need {
            let free = (cidr::usable_count(subnet.cidr) - subnet.addresses_in_use) as usize;
            fit = fit.min(free / per_instance);
        }
        if fit < min {
            let subnet = need.first().map(|(s, _)| s.id.as_str()).unwrap_or_default();
            return Err(Ec2Error::new(
                ErrorCode::InsufficientFreeAddressesInSubnet,
                format!(
                    "There are not enough free addresses in subnet '{subnet}' to satisfy the requested number of instances."
                ),
            ));
        }
        Ok(fit)
    }

    /// A public IPv4 goes to device 0 when asked for on a single new interface, or when its
    /// subnet maps public IPs on launch and the launch has only that interface.
    pub fn wants_public_ip(&self, launch: &Launch) -> bool {
        match self.interfaces.as_slice() {
            [only] => match &only.source {
                Source::Existing(_) => false,
                Source::New(new) => launch
                    .interfaces
                    .first()
                    .and_then(|s| s.associate_public_ip_address)
                    .unwrap_or(new.subnet.map_public_ip_on_launch),
            },
            _ => false,
        }
    }
}

#[cfg(test)]
#[path = "launch_tests.rs"]
mod tests;
