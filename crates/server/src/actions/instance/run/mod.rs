//! RunInstances: both launch styles (instance-level subnet/groups/address, or
//! `NetworkInterface.N` specifications), every refusal of rules.md §9, capacity checked up front
//! so a launch is all or nothing.

use super::view::{Naming, ReservationWire, instance as instance_view};
use crate::actions::launch_template;
use crate::actions::network_interface::create::{PrivateIpSpec, create_interface};
use crate::context::Ctx;
use crate::wire::{TagSpecification, default_false, tags_for};
use localvpc_model::image::CatalogueImage;
use localvpc_model::instance::{Instance, InstanceState, MetadataOptions, credits};
use localvpc_model::network_interface::Attachment;
use localvpc_model::volume::{
    self, EbsRequest, ImageRoot, MappingRequest, Volume, VolumeAttachment,
};
use localvpc_model::{Ec2Error, ErrorCode, IdKind, Tag, public_ip};
use serde::{Deserialize, Serialize};

mod plan;
use localvpc_model::instance::launch::{self, Source};
use localvpc_model::instance::request::{self, LaunchRequest};

#[derive(Deserialize, Serialize, Default, Clone, Debug, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NetworkInterfaceSpec {
    pub(crate) associate_public_ip_address: Option<bool>,
    pub(crate) delete_on_termination: Option<bool>,
    pub(crate) description: Option<String>,
    pub(crate) device_index: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) groups: Vec<String>,
    pub(crate) ipv6_address_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) ipv6_addresses: Vec<crate::actions::ipv6::Ipv6Spec>,
    pub(crate) primary_ipv6: Option<bool>,
    pub(crate) network_interface_id: Option<String>,
    pub(crate) private_ip_address: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) private_ip_addresses: Vec<PrivateIpSpec>,
    pub(crate) secondary_private_ip_address_count: Option<i64>,
    pub(crate) subnet_id: Option<String>,
    pub(crate) interface_type: Option<String>,
    pub(crate) network_card_index: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) ipv4_prefixes: Vec<crate::actions::network_interface::prefixes::Ipv4PrefixSpec>,
    pub(crate) ipv4_prefix_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) ipv6_prefixes: Vec<crate::actions::network_interface::prefixes::Ipv6PrefixSpec>,
    pub(crate) ipv6_prefix_count: Option<i64>,
}

#[derive(Deserialize, Serialize, Default, Clone, Debug, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PlacementRequest {
    pub(crate) availability_zone: Option<String>,
    pub(crate) tenancy: Option<String>,
    pub(crate) group_name: Option<String>,
}

#[derive(Deserialize, Serialize, Default, Clone, Debug, PartialEq)]
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

#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct MonitoringRequest {
    pub(crate) enabled: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreditSpecificationRequest {
    cpu_credits: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct HibernationOptionsRequest {
    configured: Option<bool>,
}

/// `BlockDeviceMapping.N`: only the root device's is built (see `volume::plan_root`).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct BlockDeviceMappingRequest {
    device_name: Option<String>,
    no_device: Option<String>,
    virtual_name: Option<String>,
    ebs: Option<EbsBlockDeviceRequest>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct EbsBlockDeviceRequest {
    delete_on_termination: Option<bool>,
    iops: Option<i64>,
    snapshot_id: Option<String>,
    volume_size: Option<i64>,
    volume_type: Option<String>,
    kms_key_id: Option<String>,
    throughput: Option<i64>,
    encrypted: Option<bool>,
}

impl From<BlockDeviceMappingRequest> for MappingRequest {
    fn from(m: BlockDeviceMappingRequest) -> Self {
        MappingRequest {
            device_name: m.device_name,
            no_device: m.no_device,
            virtual_name: m.virtual_name,
            ebs: m.ebs.map(|e| EbsRequest {
                delete_on_termination: e.delete_on_termination,
                volume_size: e.volume_size,
                volume_type: e.volume_type,
                iops: e.iops,
                throughput: e.throughput,
                snapshot_id: e.snapshot_id,
                encrypted: e.encrypted,
                kms_key_id: e.kms_key_id,
            }),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RunInstancesRequest {
    pub(crate) image_id: Option<String>,
    pub(crate) instance_type: Option<String>,
    pub(crate) min_count: i64,
    pub(crate) max_count: i64,
    pub(crate) key_name: Option<String>,
    #[serde(default)]
    pub(crate) security_group_ids: Vec<String>,
    #[serde(default)]
    pub(crate) security_groups: Vec<String>,
    pub(crate) subnet_id: Option<String>,
    pub(crate) private_ip_address: Option<String>,
    pub(crate) ipv6_address_count: Option<i64>,
    #[serde(default)]
    pub(crate) ipv6_addresses: Vec<crate::actions::ipv6::Ipv6Spec>,
    pub(crate) enable_primary_ipv6: Option<bool>,
    #[serde(default)]
    pub(crate) network_interfaces: Vec<NetworkInterfaceSpec>,
    pub(crate) placement: Option<PlacementRequest>,
    pub(crate) user_data: Option<String>,
    #[serde(default)]
    pub(crate) tag_specifications: Vec<TagSpecification>,
    pub(crate) metadata_options: Option<MetadataOptionsRequest>,
    pub(crate) monitoring: Option<MonitoringRequest>,
    pub(crate) disable_api_termination: Option<bool>,
    pub(crate) instance_initiated_shutdown_behavior: Option<String>,
    pub(crate) client_token: Option<String>,
    pub(crate) launch_template: Option<LaunchTemplateSpec>,
    pub(crate) credit_specification: Option<CreditSpecificationRequest>,
    pub(crate) hibernation_options: Option<HibernationOptionsRequest>,
    pub(crate) ebs_optimized: Option<bool>,
    #[serde(default)]
    pub(crate) block_device_mappings: Vec<BlockDeviceMappingRequest>,
}

/// `LaunchTemplate`: a template by ID or name and a version (`$Default` when omitted).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LaunchTemplateSpec {
    launch_template_id: Option<String>,
    launch_template_name: Option<String>,
    version: Option<String>,
}

pub fn run_instances(
    ctx: &mut Ctx,
    mut req: RunInstancesRequest,
) -> Result<ReservationWire, Ec2Error> {
    // The template's data goes under the request's own parameters first, so everything below
    // checks the merged launch exactly as a launch without a template.
    let mut template_tags = Vec::new();
    if let Some(spec) = req.launch_template.take() {
        let (data, id, number) = launch_template::resolve(
            ctx,
            spec.launch_template_id.as_deref(),
            spec.launch_template_name.as_deref(),
            spec.version.as_deref(),
        )?;
        launch_template::data::merge_into(&mut req, data);
        template_tags = vec![
            Tag::new("aws:ec2launchtemplate:id", id),
            Tag::new("aws:ec2launchtemplate:version", number.to_string()),
        ];
    }
    let key_pair_exists = match &req.key_name {
        Some(name) => ctx.tx.key_pair_named(name)?.is_some(),
        None => false,
    };
    let placement = req.placement.clone().unwrap_or_default();
    let checked = request::check(&LaunchRequest {
        image_id: req.image_id.as_deref(),
        instance_type: req.instance_type.as_deref(),
        min_count: req.min_count,
        max_count: req.max_count,
        key_pair: req.key_name.as_deref().map(|n| (n, key_pair_exists)),
        user_data: req.user_data.as_deref(),
        tenancy: placement.tenancy.as_deref(),
        placement_group: placement.group_name.as_deref(),
    })?;
    let (image_id, image, itype) = (
        checked.image_id.to_owned(),
        checked.image,
        checked.instance_type,
    );
    default_false(
        "HibernationOptions.Configured",
        req.hibernation_options.as_ref().and_then(|h| h.configured),
    )?;
    default_false("EbsOptimized", req.ebs_optimized)?;
    let cpu_credits = credits::cpu_credits(
        &itype.name,
        req.credit_specification
            .as_ref()
            .and_then(|c| c.cpu_credits.as_deref()),
    )?;
    let zone_hint = placement.availability_zone.filter(|z| !z.is_empty());
    if let Some(z) = &zone_hint {
        ctx.region.require_zone(z)?;
    }
    let LaunchTags {
        instance: mut instance_tags,
        interface: eni_tags,
        volume: volume_tags,
    } = launch_tags(&req.tag_specifications)?;
    instance_tags.extend(template_tags);
    let mappings: Vec<MappingRequest> = std::mem::take(&mut req.block_device_mappings)
        .into_iter()
        .map(Into::into)
        .collect();
    let root = volume::plan_root(&ImageRoot::of(image), &mappings)?;
    request::check_architecture(&checked)?;
    let defaults = image_metadata_defaults(image);
    let metadata = match &req.metadata_options {
        Some(m) => m.clone().apply(defaults)?,
        None => defaults,
    };
    let launch = plan::launch_of(&req, zone_hint);
    let facts = plan::load_facts(ctx, &launch, itype)?;
    let plan = launch::plan(&facts, &launch)?;
    let count = plan.count(req.min_count as usize, req.max_count as usize)?;
    let wants_public_ip = plan.wants_public_ip(&launch);
    let reservation_id = IdKind::Reservation.generate();
    let zone = plan.zone().to_owned();
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
                cpu_credits: cpu_credits.clone(),
                public_ip: None,
                auto_public_ip: wants_public_ip,
                tags: instance_tags.clone(),
                interfaces: Vec::new(),
                volumes: Vec::new(),
            };
            if wants_public_ip {
                instance.public_ip = Some(public_ip::allocate(
                    &ctx.config.public_ip_pool,
                    &ctx.tx.public_ips_in_use()?,
                )?);
            }
            ctx.tx.insert_instance(&instance, Some(&ctx.now))?;
            ctx.tx.insert_volume(&Volume {
                id: IdKind::Volume.generate(),
                spec: root.spec.clone(),
                availability_zone: zone.clone(),
                create_time: ctx.now.clone(),
                attachment: Some(VolumeAttachment {
                    instance_id: instance.id.clone(),
                    device: root.device.clone(),
                    attach_time: ctx.now.clone(),
                    delete_on_termination: root.delete_on_termination,
                }),
                tags: volume_tags.clone(),
            })?;
            for interface in &plan.interfaces {
                let eni_id = match &interface.source {
                    Source::Existing(e) => e.id.clone(),
                    Source::New(new) => {
                        create_interface(ctx, plan::new_interface(new, &eni_tags))?.id
                    }
                };
                let attachment = Attachment {
                    id: IdKind::Attachment.generate(),
                    instance_id: instance.id.clone(),
                    instance_owner_id: ctx.account.to_owned(),
                    device_index: interface.device_index,
                    network_card_index: interface.network_card_index,
                    delete_on_termination: interface.delete_on_termination,
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

/// The tags of what a launch creates, by `TagSpecification.N.ResourceType`.
struct LaunchTags {
    instance: Vec<Tag>,
    interface: Vec<Tag>,
    volume: Vec<Tag>,
}

/// Tags for the instances, the interfaces and the root volumes the launch creates; other
/// resource types (spot requests, elastic GPUs, …) are not modelled and are refused rather
/// than dropped.
fn launch_tags(specs: &[TagSpecification]) -> Result<LaunchTags, Ec2Error> {
    const KINDS: [IdKind; 3] = [IdKind::Instance, IdKind::NetworkInterface, IdKind::Volume];
    let of = |kind: IdKind| -> Result<Vec<Tag>, Ec2Error> {
        let specs: Vec<TagSpecification> = specs
            .iter()
            .filter(|s| s.resource_type.as_deref() == kind.tag_type())
            .cloned()
            .collect();
        tags_for(&specs, kind)
    };
    if let Some(other) = specs.iter().find(|s| {
        !KINDS
            .iter()
            .any(|k| s.resource_type.as_deref() == k.tag_type())
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
    Ok(LaunchTags {
        instance: of(IdKind::Instance)?,
        interface: of(IdKind::NetworkInterface)?,
        volume: of(IdKind::Volume)?,
    })
}
