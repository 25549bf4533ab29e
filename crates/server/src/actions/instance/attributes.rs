//! Instance attributes: Modify/DescribeInstanceAttribute and ModifyInstanceMetadataOptions.

use super::{run, view};
use crate::context::Ctx;
use crate::wire::{BoolValue, Empty};
use localvpc_model::instance::{Instance, credits, lifecycle};
use localvpc_model::instance_type::InstanceType;
use localvpc_model::network_interface;
use localvpc_model::{Ec2Error, ErrorCode, IdKind};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TextValue {
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyInstanceAttributeRequest {
    instance_id: String,
    attribute: Option<String>,
    value: Option<String>,
    source_dest_check: Option<BoolValue>,
    disable_api_termination: Option<BoolValue>,
    instance_type: Option<TextValue>,
    user_data: Option<TextValue>,
    instance_initiated_shutdown_behavior: Option<TextValue>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    block_device_mappings: Vec<BlockDeviceChangeRequest>,
}

/// `BlockDeviceMapping.N` of ModifyInstanceAttribute: an attached volume's DeleteOnTermination.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct BlockDeviceChangeRequest {
    device_name: Option<String>,
    ebs: Option<EbsChangeRequest>,
    virtual_name: Option<String>,
    no_device: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct EbsChangeRequest {
    volume_id: Option<String>,
    delete_on_termination: Option<bool>,
}

/// An attribute change, whichever of the two request styles named it.
enum Change {
    SourceDestCheck(bool),
    DisableApiTermination(bool),
    InstanceType(String),
    UserData(String),
    ShutdownBehavior(String),
    Groups(Vec<String>),
    BlockDevices(Vec<BlockDeviceChangeRequest>),
}

fn requested_change(req: ModifyInstanceAttributeRequest) -> Result<Change, Ec2Error> {
    let bool_of = |b: BoolValue, name: &str| {
        b.value
            .ok_or_else(|| Ec2Error::missing_parameter(&format!("{name}.Value")))
    };
    let text_of = |t: TextValue, name: &str| {
        t.value
            .ok_or_else(|| Ec2Error::missing_parameter(&format!("{name}.Value")))
    };
    let mut changes: Vec<Change> = Vec::new();
    if let Some(b) = req.source_dest_check {
        changes.push(Change::SourceDestCheck(bool_of(b, "SourceDestCheck")?));
    }
    if let Some(b) = req.disable_api_termination {
        changes.push(Change::DisableApiTermination(bool_of(
            b,
            "DisableApiTermination",
        )?));
    }
    if let Some(t) = req.instance_type {
        changes.push(Change::InstanceType(text_of(t, "InstanceType")?));
    }
    if let Some(t) = req.user_data {
        changes.push(Change::UserData(text_of(t, "UserData")?));
    }
    if let Some(t) = req.instance_initiated_shutdown_behavior {
        changes.push(Change::ShutdownBehavior(text_of(
            t,
            "InstanceInitiatedShutdownBehavior",
        )?));
    }
    if !req.groups.is_empty() {
        changes.push(Change::Groups(req.groups));
    }
    if !req.block_device_mappings.is_empty() {
        changes.push(Change::BlockDevices(req.block_device_mappings));
    }
    if let Some(attribute) = req.attribute {
        let value = req
            .value
            .ok_or_else(|| Ec2Error::missing_parameter("Value"))?;
        let flag = || {
            value
                .parse::<bool>()
                .map_err(|_| Ec2Error::invalid_parameter("Value", &value))
        };
        changes.push(match attribute.as_str() {
            "sourceDestCheck" => Change::SourceDestCheck(flag()?),
            "disableApiTermination" => Change::DisableApiTermination(flag()?),
            "instanceType" => Change::InstanceType(value),
            "userData" => Change::UserData(value),
            "instanceInitiatedShutdownBehavior" => Change::ShutdownBehavior(value),
            other => {
                return Err(Ec2Error::new(
                    ErrorCode::UnsupportedOperation,
                    format!("localvpc does not modify the instance attribute '{other}'."),
                ));
            }
        });
    }
    match changes.len() {
        1 => Ok(changes.pop().expect("one")),
        0 => Err(Ec2Error::missing_parameter("Attribute")),
        _ => Err(Ec2Error::combination(
            "Only one attribute can be modified at a time.",
        )),
    }
}

/// ModifyInstanceAttribute: one attribute per call. Source/dest check and groups belong to the
/// primary interface, so an instance with several interfaces must change them per interface.
pub fn modify_instance_attribute(
    ctx: &mut Ctx,
    req: ModifyInstanceAttributeRequest,
) -> Result<Empty, Ec2Error> {
    let mut i = ctx
        .tx
        .instance(ctx.account, &IdKind::Instance.parse(&req.instance_id)?)?;
    let multi_eni = || {
        Ec2Error::new(
            ErrorCode::InvalidInstanceId,
            format!(
                "There are multiple interfaces attached to instance '{}'. Please specify an interface ID for the operation instead.",
                i.id
            ),
        )
    };
    match requested_change(req)? {
        Change::SourceDestCheck(value) => {
            if i.interfaces.len() > 1 {
                return Err(multi_eni());
            }
            let mut eni = i.primary_interface().cloned().ok_or_else(|| {
                Ec2Error::new(
                    ErrorCode::IncorrectInstanceState,
                    "The instance has no network interface.",
                )
            })?;
            eni.source_dest_check = value;
            ctx.tx.update_network_interface(&eni)?;
        }
        Change::Groups(ids) => {
            if i.interfaces.len() > 1 {
                return Err(multi_eni());
            }
            let eni = i.primary_interface().cloned().ok_or_else(|| {
                Ec2Error::new(
                    ErrorCode::IncorrectInstanceState,
                    "The instance has no network interface.",
                )
            })?;
            let groups =
                crate::actions::network_interface::create::resolve_groups(ctx, &eni.vpc_id, &ids)?;
            ctx.tx.set_network_interface_groups(
                &eni.id,
                &groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
            )?;
        }
        Change::BlockDevices(changes) => change_block_devices(ctx, &i, changes)?,
        Change::DisableApiTermination(value) => i.disable_api_termination = value,
        Change::ShutdownBehavior(value) => {
            if !matches!(value.as_str(), "stop" | "terminate") {
                return Err(Ec2Error::invalid_parameter(
                    "InstanceInitiatedShutdownBehavior",
                    &value,
                ));
            }
            i.shutdown_behavior = value;
        }
        Change::InstanceType(name) => {
            lifecycle::require_stopped(&i)?;
            let itype = InstanceType::named(&name)
                .ok_or_else(|| Ec2Error::invalid_parameter("InstanceType", &name))?;
            let cards: Vec<u32> = i
                .interfaces
                .iter()
                .filter_map(|e| e.attachment.as_ref().map(|a| a.network_card_index))
                .collect();
            network_interface::check_interface_count(&cards, itype)?;
            for e in &i.interfaces {
                crate::actions::network_interface::prefixes::check_interface(e, itype)?;
            }
            // A burstable type keeps its credit option; another type's default applies otherwise.
            let kept = i
                .cpu_credits
                .as_deref()
                .filter(|_| credits::default_cpu_credits(&itype.name).is_some());
            i.cpu_credits = credits::cpu_credits(&itype.name, kept)?;
            i.instance_type = itype.name.clone();
        }
        Change::UserData(data) => {
            lifecycle::require_stopped(&i)?;
            i.user_data = Some(data);
        }
    }
    ctx.tx.update_instance(&i)?;
    Ok(Empty {})
}

/// Sets DeleteOnTermination of attached volumes, named by device (and volume ID, if given).
/// The whole list is checked before anything is written.
fn change_block_devices(
    ctx: &mut Ctx,
    i: &Instance,
    changes: Vec<BlockDeviceChangeRequest>,
) -> Result<(), Ec2Error> {
    let mut writes = Vec::new();
    for (n, c) in changes.into_iter().enumerate() {
        let device = c.device_name.ok_or_else(|| {
            Ec2Error::missing_parameter(&format!("BlockDeviceMapping.{}.DeviceName", n + 1))
        })?;
        if c.virtual_name.is_some() || c.no_device.is_some() {
            return Err(Ec2Error::new(
                ErrorCode::UnsupportedOperation,
                format!(
                    "localvpc changes only DeleteOnTermination of an attached volume ({device})."
                ),
            ));
        }
        let volume = i
            .volumes
            .iter()
            .find(|v| v.attachment.as_ref().is_some_and(|a| a.device == device))
            .ok_or_else(|| {
                Ec2Error::invalid_value(format!(
                    "The device '{device}' is not attached to the instance '{}'.",
                    i.id
                ))
            })?;
        let ebs = c.ebs.ok_or_else(|| {
            Ec2Error::missing_parameter(&format!("BlockDeviceMapping.{}.Ebs", n + 1))
        })?;
        if let Some(id) = ebs.volume_id.filter(|id| *id != volume.id) {
            return Err(Ec2Error::invalid_value(format!(
                "The volume '{id}' is not attached to the instance '{}' at '{device}'.",
                i.id
            )));
        }
        if let Some(flag) = ebs.delete_on_termination {
            writes.push((volume.id.clone(), flag));
        }
    }
    for (id, flag) in writes {
        ctx.tx.set_volume_delete_on_termination(&id, flag)?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeInstanceAttributeRequest {
    instance_id: String,
    attribute: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct TextValueWire {
    value: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstanceAttributeResponse {
    instance_id: String,
    source_dest_check: Option<BoolValue>,
    disable_api_termination: Option<BoolValue>,
    disable_api_stop: Option<BoolValue>,
    instance_type: Option<TextValueWire>,
    user_data: Option<TextValueWire>,
    instance_initiated_shutdown_behavior: Option<TextValueWire>,
    groups: Option<Vec<crate::actions::network_interface::view::GroupWire>>,
    block_device_mappings: Option<Vec<view::InstanceBlockDeviceMappingWire>>,
    root_device_name: Option<TextValueWire>,
}

pub fn describe_instance_attribute(
    ctx: &mut Ctx,
    req: DescribeInstanceAttributeRequest,
) -> Result<DescribeInstanceAttributeResponse, Ec2Error> {
    let i = ctx
        .tx
        .instance(ctx.account, &IdKind::Instance.parse(&req.instance_id)?)?;
    let mut out = DescribeInstanceAttributeResponse {
        instance_id: i.id.clone(),
        ..Default::default()
    };
    let text = |v: &str| {
        Some(TextValueWire {
            value: v.to_owned(),
        })
    };
    match req.attribute.as_str() {
        "sourceDestCheck" => {
            out.source_dest_check = i
                .primary_interface()
                .map(|e| BoolValue::of(e.source_dest_check))
        }
        "disableApiTermination" => {
            out.disable_api_termination = Some(BoolValue::of(i.disable_api_termination))
        }
        // localvpc takes no stop protection (ModifyInstanceAttribute refuses DisableApiStop).
        "disableApiStop" => out.disable_api_stop = Some(BoolValue::of(false)),
        "instanceType" => out.instance_type = text(&i.instance_type),
        "userData" => {
            out.user_data = i.user_data.as_deref().map(|u| TextValueWire {
                value: u.to_owned(),
            })
        }
        "instanceInitiatedShutdownBehavior" => {
            out.instance_initiated_shutdown_behavior = text(&i.shutdown_behavior)
        }
        "blockDeviceMapping" => out.block_device_mappings = Some(view::block_device_mappings(&i)),
        "rootDeviceName" => out.root_device_name = text(i.root_device_name()),
        "groupSet" => {
            out.groups = Some(
                i.primary_interface()
                    .map(crate::actions::network_interface::view::groups)
                    .unwrap_or_default(),
            )
        }
        other => {
            return Err(Ec2Error::new(
                ErrorCode::UnsupportedOperation,
                format!("localvpc does not describe the instance attribute '{other}'."),
            ));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyInstanceMetadataOptionsRequest {
    instance_id: String,
    http_tokens: Option<String>,
    http_put_response_hop_limit: Option<i64>,
    http_endpoint: Option<String>,
    http_protocol_ipv6: Option<String>,
    instance_metadata_tags: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetadataOptionsResponse {
    instance_id: String,
    instance_metadata_options: view::MetadataOptionsWire,
}

/// ModifyInstanceMetadataOptions: IMDS settings take effect at once.
pub fn modify_instance_metadata_options(
    ctx: &mut Ctx,
    req: ModifyInstanceMetadataOptionsRequest,
) -> Result<MetadataOptionsResponse, Ec2Error> {
    let mut i = ctx
        .tx
        .instance(ctx.account, &IdKind::Instance.parse(&req.instance_id)?)?;
    lifecycle::require_not_terminated(&i)?;
    i.metadata_options = run::MetadataOptionsRequest {
        http_tokens: req.http_tokens,
        http_put_response_hop_limit: req.http_put_response_hop_limit,
        http_endpoint: req.http_endpoint,
        http_protocol_ipv6: req.http_protocol_ipv6,
        instance_metadata_tags: req.instance_metadata_tags,
    }
    .apply(i.metadata_options.clone())?;
    ctx.tx.update_instance(&i)?;
    Ok(MetadataOptionsResponse {
        instance_id: i.id.clone(),
        instance_metadata_options: view::metadata_options(&i, "pending"),
    })
}
