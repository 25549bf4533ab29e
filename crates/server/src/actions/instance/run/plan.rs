//! Resolving and checking a launch's network interfaces before anything is written: both request
//! styles, every refusal of rules.md §9, zones, limits, addresses and capacity.

use super::{NetworkInterfaceSpec, RunInstancesRequest};
use crate::actions::ipv6::Ipv6Request;
use crate::actions::network_interface::create::{NewInterface, held_addresses, split_addresses};
use crate::actions::network_interface::prefixes::Prefixes;
use crate::context::Ctx;
use localvpc_model::instance_type::InstanceType;
use localvpc_model::network_interface::{self, NetworkInterface};
use localvpc_model::prefix;
use localvpc_model::subnet::Subnet;
use localvpc_model::{Ec2Error, ErrorCode, IdKind, Tag, address, cidr, ipv6};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// One interface of each launched instance, resolved and checked.
pub(super) struct InterfacePlan {
    pub(super) device_index: u32,
    pub(super) network_card_index: u32,
    pub(super) delete_on_termination: bool,
    pub(super) source: Source,
}

pub(super) enum Source {
    Existing(Box<NetworkInterface>),
    New {
        subnet: Box<Subnet>,
        new: Box<NewInterface>,
        addresses: usize,
    },
}

impl InterfacePlan {
    pub(super) fn zone(&self) -> &str {
        match &self.source {
            Source::Existing(e) => &e.availability_zone,
            Source::New { subnet, .. } => &subnet.availability_zone,
        }
    }
}

fn combination_with_interfaces(what: &str) -> Ec2Error {
    Ec2Error::combination(format!(
        "Network interfaces and an instance-level {what} may not be specified on the same request"
    ))
}

/// Converts instance-level network parameters into the one device-0 specification they mean.
fn instance_level_spec(req: &RunInstancesRequest) -> NetworkInterfaceSpec {
    NetworkInterfaceSpec {
        device_index: Some(0),
        subnet_id: req.subnet_id.clone(),
        groups: req.security_group_ids.clone(),
        private_ip_address: req.private_ip_address.clone(),
        ipv6_address_count: req.ipv6_address_count,
        ipv6_addresses: req.ipv6_addresses.clone(),
        primary_ipv6: req.enable_primary_ipv6,
        delete_on_termination: Some(true),
        ..Default::default()
    }
}

/// The default VPC's default subnet in `zone` (or in the region's first zone that has one), for
/// launches without a subnet.
fn default_subnet(ctx: &mut Ctx, zone: Option<&str>) -> Result<Subnet, Ec2Error> {
    let vpc_id = ctx.tx.default_vpc_id()?.ok_or_else(|| {
        Ec2Error::new(ErrorCode::VpcIdNotSpecified, "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
    })?;
    let subnets = ctx.tx.subnets(&ctx.owner(), Some(&vpc_id))?;
    subnets
        .into_iter()
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

/// Group IDs for an interface in `vpc_id`: a group of the account in another VPC is "a
/// different network"; an unknown one does not exist.
fn check_groups_in_vpc(
    ctx: &mut Ctx,
    group_ids: &[String],
    subnet: &Subnet,
) -> Result<(), Ec2Error> {
    let all = ctx.tx.security_groups(ctx.account, None)?;
    for id in group_ids {
        IdKind::SecurityGroup.parse(id)?;
        match all.iter().find(|g| &g.id == id) {
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

/// Resolves and checks every interface specification (before anything is written).
pub(super) fn plan_interfaces(
    ctx: &mut Ctx,
    req: &RunInstancesRequest,
    itype: &InstanceType,
    zone_hint: Option<&str>,
    eni_tags: &[Tag],
) -> Result<Vec<InterfacePlan>, Ec2Error> {
    let specs: Vec<NetworkInterfaceSpec> = if req.network_interfaces.is_empty() {
        vec![instance_level_spec(req)]
    } else {
        if req.subnet_id.is_some() {
            return Err(combination_with_interfaces("subnet ID"));
        }
        if !req.security_group_ids.is_empty() || !req.security_groups.is_empty() {
            return Err(combination_with_interfaces("security groups"));
        }
        if req.private_ip_address.is_some() {
            return Err(combination_with_interfaces("private IP address"));
        }
        if req.ipv6_address_count.is_some() || !req.ipv6_addresses.is_empty() {
            return Err(combination_with_interfaces("IPv6 address"));
        }
        req.network_interfaces.clone()
    };
    if specs.len() > 1
        && specs
            .iter()
            .any(|s| s.associate_public_ip_address.is_some())
    {
        return Err(Ec2Error::combination(
            "The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces",
        ));
    }
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
        let source = if let Some(eni_id) = &spec.network_interface_id {
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
            if req.max_count > 1 {
                return Err(Ec2Error::combination(
                    "An existing network interface can be attached to one instance only; MaxCount must be 1.",
                ));
            }
            let eni = ctx
                .tx
                .network_interface(ctx.account, &IdKind::NetworkInterface.parse(eni_id)?)?;
            if eni.attachment.is_some() {
                return Err(Ec2Error::new(
                    ErrorCode::InvalidNetworkInterfaceInUse,
                    format!("Interface: [{}] in use.", eni.id),
                ));
            }
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
            Source::Existing(Box::new(eni))
        } else {
            let subnet = match &spec.subnet_id {
                Some(id) => ctx.tx.subnet(&ctx.owner(), &IdKind::Subnet.parse(id)?)?,
                None if device_index == 0 && card == 0 => default_subnet(ctx, zone_hint)?,
                None => {
                    return Err(Ec2Error::missing_parameter(&format!(
                        "NetworkInterface.{}.SubnetId",
                        n + 1
                    )));
                }
            };
            let (primary, secondaries, secondary_count) = split_addresses(
                spec.private_ip_address.clone(),
                &spec.private_ip_addresses,
                spec.secondary_private_ip_address_count,
            )?;
            if req.max_count > 1 && (primary.is_some() || !secondaries.is_empty()) {
                return Err(Ec2Error::combination(
                    "Private IP addresses cannot be specified when launching more than one instance (MaxCount > 1).",
                ));
            }
            let prefixes = Prefixes::new(
                &spec.ipv4_prefixes,
                spec.ipv4_prefix_count,
                &spec.ipv6_prefixes,
                spec.ipv6_prefix_count,
            )?;
            if req.max_count > 1
                && !(prefixes.v4.explicit.is_empty() && prefixes.v6.explicit.is_empty())
            {
                return Err(Ec2Error::combination(
                    "Prefixes cannot be specified when launching more than one instance (MaxCount > 1).",
                ));
            }
            prefix::check_type(itype, prefixes.any())?;
            let v4_prefixes = prefixes.v4.wanted();
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
            let ipv6 = Ipv6Request::new(
                &spec.ipv6_addresses,
                spec.ipv6_address_count,
                spec.primary_ipv6,
            );
            if req.max_count > 1 && !ipv6.addresses.is_empty() {
                return Err(Ec2Error::combination(
                    "IPv6 addresses cannot be specified when launching more than one instance (MaxCount > 1).",
                ));
            }
            let v6_wanted = match ipv6.wanted() {
                0 if subnet.assign_ipv6_address_on_creation
                    && ipv6.count.is_none()
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
            if req.network_interfaces.is_empty() && !req.security_groups.is_empty() {
                group_ids.extend(group_ids_by_name(
                    ctx,
                    &req.security_groups,
                    &subnet,
                    req.subnet_id.is_some(),
                )?);
            }
            check_groups_in_vpc(ctx, &group_ids, &subnet)?;
            let explicit: Vec<String> = primary.iter().chain(&secondaries).cloned().collect();
            check_launch_addresses(ctx, &subnet, &explicit, &mut claimed)?;
            let new = NewInterface {
                subnet_id: subnet.id.clone(),
                description: spec.description.clone().unwrap_or_default(),
                primary,
                secondaries,
                secondary_count,
                group_ids,
                interface_type: spec
                    .interface_type
                    .clone()
                    .unwrap_or_else(|| "interface".into()),
                ipv6,
                prefixes,
                tags: eni_tags.to_vec(),
                requester: None,
            };
            Source::New {
                subnet: Box::new(subnet),
                new: Box::new(new),
                // A /28 takes 16 addresses of the subnet.
                addresses: addresses + 15 * v4_prefixes,
            }
        };
        let delete_on_termination =
            matches!(source, Source::New { .. }) && spec.delete_on_termination.unwrap_or(true);
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
    if let Some(z) = zone_hint
        && z != zone
    {
        return Err(Ec2Error::invalid_value(format!(
            "Value ({z}) for parameter availabilityZone is invalid. The network interfaces are in {zone}."
        )));
    }
    Ok(plans)
}

/// Explicit addresses of a new interface, checked in AWS's order before anything is written,
/// with RunInstances' wording for an address in use ("Address 10.0.1.12 is in use.").
fn check_launch_addresses(
    ctx: &mut Ctx,
    subnet: &Subnet,
    explicit: &[String],
    claimed: &mut BTreeSet<Ipv4Addr>,
) -> Result<(), Ec2Error> {
    let mut used = held_addresses(ctx, &subnet.id, explicit)?;
    used.extend(claimed.iter().filter(|a| subnet.cidr.contains(*a)));
    let checked = address::check_explicit(subnet.cidr, explicit, &used, address::in_use_at_launch)?;
    claimed.extend(checked);
    Ok(())
}

/// Instance-level `SecurityGroup.N` names: allowed only in the default VPC.
fn group_ids_by_name(
    ctx: &mut Ctx,
    names: &[String],
    subnet: &Subnet,
    explicit_subnet: bool,
) -> Result<Vec<String>, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &subnet.vpc_id)?;
    if explicit_subnet && !vpc.is_default {
        return Err(Ec2Error::combination(
            "The parameter groupName cannot be used with the parameter subnet",
        ));
    }
    let groups = ctx.tx.security_groups(ctx.account, Some(&vpc.id))?;
    names
        .iter()
        .map(|name| {
            groups
                .iter()
                .find(|g| &g.name == name)
                .map(|g| g.id.clone())
                .ok_or_else(|| {
                    Ec2Error::new(
                        ErrorCode::InvalidGroupNotFound,
                        format!(
                            "The security group '{name}' does not exist in default VPC '{}'",
                            vpc.id
                        ),
                    )
                })
        })
        .collect()
}

/// How many instances the subnets can address, given what each instance needs from each.
pub(super) fn launchable(plans: &[InterfacePlan], wanted: usize) -> usize {
    let mut need: Vec<(&Subnet, usize)> = Vec::new();
    for p in plans {
        if let Source::New {
            subnet, addresses, ..
        } = &p.source
        {
            match need.iter_mut().find(|(s, _)| s.id == subnet.id) {
                Some((_, n)) => *n += addresses,
                None => need.push((subnet, *addresses)),
            }
        }
    }
    let mut fit = wanted;
    for (subnet, per_instance) in need {
        let free = (cidr::usable_count(subnet.cidr) - subnet.addresses_in_use) as usize;
        fit = fit.min(free / per_instance);
    }
    fit
}
