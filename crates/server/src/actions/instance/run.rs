//! RunInstances: both launch styles (instance-level subnet/groups/address, or
//! `NetworkInterface.N` specifications), every refusal of rules.md §9, capacity checked up front
//! so a launch is all or nothing.

use super::view::{Naming, ReservationWire, instance as instance_view};
use crate::actions::network_interface::create::{
    NewInterface, PrivateIpSpec, create_interface, split_addresses,
};
use crate::context::Ctx;
use crate::wire::{TagSpecification, tags_for};
use base64::Engine;
use localvpc_model::image::{CatalogueImage, catalogue_image};
use localvpc_model::instance::{Instance, InstanceState, MetadataOptions};
use localvpc_model::instance_type::InstanceType;
use localvpc_model::instance_type_info;
use localvpc_model::network_interface::{self, Attachment, NetworkInterface};
use localvpc_model::subnet::Subnet;
use localvpc_model::{Ec2Error, ErrorCode, IdKind, Tag, address, cidr, public_ip};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NetworkInterfaceSpec {
    associate_public_ip_address: Option<bool>,
    delete_on_termination: Option<bool>,
    description: Option<String>,
    device_index: Option<i64>,
    #[serde(default)]
    groups: Vec<String>,
    ipv6_address_count: Option<i64>,
    network_interface_id: Option<String>,
    private_ip_address: Option<String>,
    #[serde(default)]
    private_ip_addresses: Vec<PrivateIpSpec>,
    secondary_private_ip_address_count: Option<i64>,
    subnet_id: Option<String>,
    interface_type: Option<String>,
    network_card_index: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PlacementRequest {
    availability_zone: Option<String>,
    tenancy: Option<String>,
    group_name: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MetadataOptionsRequest {
    pub http_tokens: Option<String>,
    pub http_put_response_hop_limit: Option<i64>,
    pub http_endpoint: Option<String>,
    pub http_protocol_ipv6: Option<String>,
    pub instance_metadata_tags: Option<String>,
}

impl MetadataOptionsRequest {
    /// Applies the given options over `base`; the hop limit must be 1–64.
    pub fn apply(self, mut base: MetadataOptions) -> Result<MetadataOptions, Ec2Error> {
        if let Some(limit) = self.http_put_response_hop_limit {
            if !(1..=64).contains(&limit) {
                return Err(Ec2Error::invalid_parameter(
                    "HttpPutResponseHopLimit",
                    &limit.to_string(),
                ));
            }
            base.http_put_response_hop_limit = limit;
        }
        base.http_tokens = self.http_tokens.unwrap_or(base.http_tokens);
        base.http_endpoint = self.http_endpoint.unwrap_or(base.http_endpoint);
        base.http_protocol_ipv6 = self.http_protocol_ipv6.unwrap_or(base.http_protocol_ipv6);
        base.instance_metadata_tags = self
            .instance_metadata_tags
            .unwrap_or(base.instance_metadata_tags);
        Ok(base)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MonitoringRequest {
    enabled: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RunInstancesRequest {
    image_id: Option<String>,
    instance_type: Option<String>,
    min_count: i64,
    max_count: i64,
    key_name: Option<String>,
    #[serde(default)]
    security_group_ids: Vec<String>,
    #[serde(default)]
    security_groups: Vec<String>,
    subnet_id: Option<String>,
    private_ip_address: Option<String>,
    ipv6_address_count: Option<i64>,
    #[serde(default)]
    network_interfaces: Vec<NetworkInterfaceSpec>,
    placement: Option<PlacementRequest>,
    user_data: Option<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
    metadata_options: Option<MetadataOptionsRequest>,
    monitoring: Option<MonitoringRequest>,
    disable_api_termination: Option<bool>,
    instance_initiated_shutdown_behavior: Option<String>,
    client_token: Option<String>,
}

/// One interface of each launched instance, resolved and checked.
struct InterfacePlan {
    device_index: u32,
    network_card_index: u32,
    delete_on_termination: bool,
    source: Source,
}

enum Source {
    Existing(Box<NetworkInterface>),
    New {
        subnet: Box<Subnet>,
        new: NewInterface,
        addresses: usize,
    },
}

impl InterfacePlan {
    fn zone(&self) -> &str {
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
fn plan_interfaces(
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
            if eni.private_ips.len() > itype.ipv4_addresses_per_interface as usize {
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
            let addresses = 1 + secondaries.len() + secondary_count as usize;
            if addresses > itype.ipv4_addresses_per_interface as usize {
                return Err(Ec2Error::new(
                    ErrorCode::InvalidInterfaceIpAddressLimitExceeded,
                    format!(
                        "The number of private IP addresses ({addresses}) exceeds the limit for {} ({}).",
                        itype.name, itype.ipv4_addresses_per_interface
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
                ipv6_requested: spec.ipv6_address_count.unwrap_or(0) > 0,
                tags: eni_tags.to_vec(),
            };
            Source::New {
                subnet: Box::new(subnet),
                new,
                addresses,
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
    let mut used = ctx.tx.used_addresses(&subnet.id)?;
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
fn launchable(ctx: &mut Ctx, plans: &[InterfacePlan], wanted: usize) -> Result<usize, Ec2Error> {
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
        let free =
            cidr::usable_count(subnet.cidr) as usize - ctx.tx.used_addresses(&subnet.id)?.len();
        fit = fit.min(free / per_instance);
    }
    Ok(fit)
}

pub fn run_instances(ctx: &mut Ctx, req: RunInstancesRequest) -> Result<ReservationWire, Ec2Error> {
    let image_id = req
        .image_id
        .clone()
        .ok_or_else(|| Ec2Error::missing_parameter("ImageId"))?;
    if IdKind::Image.parse(&image_id).is_err() {
        return Err(Ec2Error::new(
            ErrorCode::InvalidAmiIdMalformed,
            format!("Invalid id: \"{image_id}\" (expecting \"ami-...\")"),
        ));
    }
    let type_name = req
        .instance_type
        .clone()
        .unwrap_or_else(|| "m1.small".into());
    let itype = InstanceType::named(&type_name)
        .ok_or_else(|| Ec2Error::invalid_parameter("InstanceType", &type_name))?;
    if req.min_count < 1 || req.max_count < req.min_count {
        return Err(Ec2Error::invalid_value(format!(
            "MinCount ({}) must be at least 1 and no more than MaxCount ({}).",
            req.min_count, req.max_count
        )));
    }
    if let Some(name) = &req.key_name
        && ctx.tx.key_pair_named(name)?.is_none()
    {
        return Err(Ec2Error::new(
            ErrorCode::InvalidKeyPairNotFound,
            format!("The key pair '{name}' does not exist"),
        ));
    }
    if let Some(data) = &req.user_data
        && base64::engine::general_purpose::STANDARD
            .decode(data)
            .is_err()
    {
        return Err(Ec2Error::invalid_value(
            "Invalid BASE64 encoding of user data.",
        ));
    }
    let placement = req.placement.as_ref();
    if let Some(t) = placement
        .and_then(|p| p.tenancy.as_deref())
        .filter(|t| *t != "default")
    {
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("localvpc launches only default-tenancy instances (Tenancy={t})."),
        ));
    }
    if let Some(g) = placement
        .and_then(|p| p.group_name.as_deref())
        .filter(|g| !g.is_empty())
    {
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("localvpc does not model placement groups (GroupName={g})."),
        ));
    }
    let zone_hint = placement.and_then(|p| p.availability_zone.clone());
    if let Some(z) = &zone_hint {
        ctx.region.require_zone(z)?;
    }
    let (instance_tags, eni_tags) = launch_tags(&req.tag_specifications)?;
    let image = catalogue_image(&image_id);
    if let Some(image) = image {
        let type_arch = instance_type_info::architecture(itype);
        if image.details.architecture != type_arch {
            return Err(Ec2Error::invalid_value(format!(
                "The architecture '{type_arch}' of the specified instance type does not match the architecture '{}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.",
                image.details.architecture
            )));
        }
    }
    let defaults = image_metadata_defaults(image);
    let metadata = match &req.metadata_options {
        Some(m) => m.clone().apply(defaults)?,
        None => defaults,
    };
    let plans = plan_interfaces(ctx, &req, itype, zone_hint.as_deref(), &eni_tags)?;
    let count = launchable(ctx, &plans, req.max_count as usize)?;
    if count < req.min_count as usize {
        let subnet = plans
            .iter()
            .find_map(|p| {
                if let Source::New { subnet, .. } = &p.source {
                    Some(subnet.id.clone())
                } else {
                    None
                }
            })
            .unwrap_or_default();
        return Err(Ec2Error::new(
            ErrorCode::InsufficientFreeAddressesInSubnet,
            format!(
                "There are not enough free addresses in subnet '{subnet}' to satisfy the requested number of instances."
            ),
        ));
    }
    let wants_public_ip = wants_public_ip(&req, &plans);
    let reservation_id = IdKind::Reservation.generate();
    let zone = plans[0].zone().to_owned();
    let naming_needed: Vec<String> = (0..count)
        .map(|n| {
            let mut instance = Instance {
                id: IdKind::Instance.generate(),
                reservation_id: reservation_id.clone(),
                owner_id: ctx.account.to_owned(),
                image_id: image_id.clone(),
                instance_type: itype.name.clone(),
                key_name: req.key_name.clone(),
                state: InstanceState::Pending,
                state_transition_reason: String::new(),
                launch_time: ctx.now.clone(),
                availability_zone: zone.clone(),
                client_token: req.client_token.clone(),
                ami_launch_index: n as i64,
                metadata_options: metadata.clone(),
                user_data: req.user_data.clone(),
                shutdown_behavior: req
                    .instance_initiated_shutdown_behavior
                    .clone()
                    .unwrap_or_else(|| "stop".into()),
                disable_api_termination: req.disable_api_termination.unwrap_or(false),
                monitoring: req.monitoring.as_ref().is_some_and(|m| m.enabled),
                public_ip: None,
                auto_public_ip: wants_public_ip,
                tags: instance_tags.clone(),
                interfaces: Vec::new(),
            };
            if wants_public_ip {
                instance.public_ip = Some(public_ip::allocate(
                    &ctx.config.public_ip_pool,
                    &ctx.tx.public_ips_in_use()?,
                )?);
            }
            ctx.tx.insert_instance(&instance, Some(&ctx.now))?;
            for plan in &plans {
                let eni_id = match &plan.source {
                    Source::Existing(e) => e.id.clone(),
                    Source::New { new, .. } => create_interface(ctx, new.clone())?.id,
                };
                let attachment = Attachment {
                    id: IdKind::Attachment.generate(),
                    instance_id: instance.id.clone(),
                    instance_owner_id: ctx.account.to_owned(),
                    device_index: plan.device_index,
                    network_card_index: plan.network_card_index,
                    delete_on_termination: plan.delete_on_termination,
                    attach_time: ctx.now.clone(),
                };
                ctx.tx.insert_attachment(&eni_id, &attachment)?;
            }
            Ok(instance.id)
        })
        .collect::<Result<_, Ec2Error>>()?;
    let naming = Naming::load(ctx)?;
    let instances = naming_needed
        .iter()
        .map(|id| ctx.tx.instance(ctx.account, id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ReservationWire {
        reservation_id,
        owner_id: ctx.account.to_owned(),
        groups: Vec::new(),
        instances: instances
            .iter()
            .map(|i| instance_view(i, &naming))
            .collect(),
    })
}

/// A RunInstances retry (same token, same parameters) whose instances have since been
/// terminated is refused rather than answered with the old reservation (EC2 since January 2025).
pub fn check_replay(ctx: &mut Ctx, token: &str) -> Result<(), Ec2Error> {
    let launched: Vec<Instance> = ctx
        .tx
        .instances(ctx.account)?
        .into_iter()
        .filter(|i| i.client_token.as_deref() == Some(token))
        .collect();
    let gone = launched.is_empty()
        || launched.iter().any(|i| {
            matches!(
                i.state,
                InstanceState::ShuttingDown | InstanceState::Terminated
            )
        });
    if gone {
        return Err(Ec2Error::new(
            ErrorCode::IdempotentInstanceTerminated,
            "The client token you have provided is associated with a terminated instance. Please use a different client token.",
        ));
    }
    Ok(())
}

/// IMDS defaults of an image: those flagged `ImdsSupport=v2.0` (Amazon Linux 2023) launch with
/// IMDSv2 required and a hop limit of 2, as on EC2.
fn image_metadata_defaults(image: Option<&CatalogueImage>) -> MetadataOptions {
    let defaults = MetadataOptions::default();
    match image.and_then(|i| i.details.imds_support) {
        Some("v2.0") => MetadataOptions {
            http_tokens: "required".into(),
            http_put_response_hop_limit: 2,
            ..defaults
        },
        _ => defaults,
    }
}

/// Tags for the instances and for the interfaces the launch creates; other resource types
/// (volumes, …) are not modelled and are refused rather than dropped.
fn launch_tags(specs: &[TagSpecification]) -> Result<(Vec<Tag>, Vec<Tag>), Ec2Error> {
    let of = |kind: &str| -> Vec<TagSpecification> {
        specs
            .iter()
            .filter(|s| s.resource_type.as_deref() == Some(kind))
            .cloned()
            .collect()
    };
    if let Some(other) = specs.iter().find(|s| {
        !matches!(
            s.resource_type.as_deref(),
            Some("instance" | "network-interface")
        )
    }) {
        return match other.resource_type.as_deref() {
            None => Err(Ec2Error::missing_parameter(
                "TagSpecification.N.ResourceType",
            )),
            Some(t) => Err(Ec2Error::new(
                ErrorCode::UnsupportedOperation,
                format!(
                    "localvpc does not model '{t}' resources, so it cannot tag them at launch."
                ),
            )),
        };
    }
    Ok((
        tags_for(&of("instance"), "instance")?,
        tags_for(&of("network-interface"), "network-interface")?,
    ))
}

/// A public IPv4 goes to device 0 when asked for on a single new interface, or when its subnet
/// maps public IPs on launch and the launch has only that interface.
fn wants_public_ip(req: &RunInstancesRequest, plans: &[InterfacePlan]) -> bool {
    if plans.len() != 1 {
        return false;
    }
    match &plans[0].source {
        Source::Existing(_) => false,
        Source::New { subnet, .. } => req
            .network_interfaces
            .first()
            .and_then(|s| s.associate_public_ip_address)
            .unwrap_or(subnet.map_public_ip_on_launch),
    }
}
