//! Modify/Describe/ResetNetworkInterfaceAttribute.

use super::create::resolve_groups;
use super::view;
use crate::context::Ctx;
use crate::wire::{BoolValue, Empty};
use localvpc_model::network_interface;
use localvpc_model::{Ec2Error, IdKind};
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TextValue {
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AttachmentChanges {
    attachment_id: Option<String>,
    delete_on_termination: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyNetworkInterfaceAttributeRequest {
    network_interface_id: String,
    description: Option<TextValue>,
    source_dest_check: Option<BoolValue>,
    #[serde(default)]
    groups: Vec<String>,
    attachment: Option<AttachmentChanges>,
}

/// ModifyNetworkInterfaceAttribute: exactly one attribute per call.
pub fn modify_network_interface_attribute(
    ctx: &mut Ctx,
    req: ModifyNetworkInterfaceAttributeRequest,
) -> Result<Empty, Ec2Error> {
    let mut eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    network_interface::check_user_managed(&eni)?;
    let given: Vec<&str> = [
        ("description", req.description.is_some()),
        ("sourceDestCheck", req.source_dest_check.is_some()),
        ("groupSet", !req.groups.is_empty()),
        ("attachment", req.attachment.is_some()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(name, _)| *name)
    .collect();
    match given.len() {
        0 => {
            return Err(Ec2Error::missing_parameter(
                "Description, SourceDestCheck, SecurityGroupId or Attachment",
            ));
        }
        1 => {}
        _ => {
            return Err(Ec2Error::combination(format!(
                "Fields for multiple attribute types specified: {}",
                given.join(", ")
            )));
        }
    }
    if let Some(d) = req.description {
        eni.description = d.value.unwrap_or_default();
        network_interface::check_description(&eni.description)?;
        ctx.tx.update_network_interface(&eni)?;
    } else if let Some(b) = req.source_dest_check {
        eni.source_dest_check = b
            .value
            .ok_or_else(|| Ec2Error::missing_parameter("SourceDestCheck.Value"))?;
        ctx.tx.update_network_interface(&eni)?;
    } else if let Some(changes) = req.attachment {
        let wanted = changes
            .attachment_id
            .ok_or_else(|| Ec2Error::missing_parameter("Attachment.AttachmentId"))?;
        let dot = changes
            .delete_on_termination
            .ok_or_else(|| Ec2Error::missing_parameter("Attachment.DeleteOnTermination"))?;
        IdKind::Attachment.parse(&wanted)?;
        match &eni.attachment {
            Some(a) if a.id == wanted => ctx.tx.set_delete_on_termination(&wanted, dot)?,
            _ => return Err(IdKind::Attachment.not_found(&wanted)),
        }
    } else {
        let groups = resolve_groups(ctx, &eni.vpc_id, &req.groups)?;
        ctx.tx.set_network_interface_groups(
            &eni.id,
            &groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
        )?;
    }
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeNetworkInterfaceAttributeRequest {
    network_interface_id: String,
    attribute: Option<String>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct TextValueWire {
    value: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeNetworkInterfaceAttributeResponse {
    network_interface_id: String,
    description: Option<TextValueWire>,
    source_dest_check: Option<BoolValue>,
    groups: Option<Vec<view::GroupWire>>,
    attachment: Option<view::AttachmentWire>,
    associate_public_ip_address: Option<bool>,
}

/// DescribeNetworkInterfaceAttribute: only the asked attribute, plus the interface ID.
pub fn describe_network_interface_attribute(
    ctx: &mut Ctx,
    req: DescribeNetworkInterfaceAttributeRequest,
) -> Result<DescribeNetworkInterfaceAttributeResponse, Ec2Error> {
    let eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    let attribute = req
        .attribute
        .ok_or_else(|| Ec2Error::missing_parameter("Attribute"))?;
    let mut out = DescribeNetworkInterfaceAttributeResponse {
        network_interface_id: eni.id.clone(),
        ..Default::default()
    };
    match attribute.as_str() {
        "description" => {
            out.description = Some(TextValueWire {
                value: eni.description.clone(),
            })
        }
        "sourceDestCheck" => out.source_dest_check = Some(BoolValue::of(eni.source_dest_check)),
        "groupSet" => out.groups = Some(view::groups(&eni)),
        "attachment" => out.attachment = view::attachment(&eni, true),
        _ => {
            out.associate_public_ip_address = Some(
                eni.primary_association()
                    .is_some_and(|a| a.allocation_id.is_none()),
            )
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ResetNetworkInterfaceAttributeRequest {
    network_interface_id: String,
    source_dest_check: Option<String>,
}

/// ResetNetworkInterfaceAttribute: only `sourceDestCheck`, back to `true`.
pub fn reset_network_interface_attribute(
    ctx: &mut Ctx,
    req: ResetNetworkInterfaceAttributeRequest,
) -> Result<Empty, Ec2Error> {
    let mut eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    network_interface::check_user_managed(&eni)?;
    req.source_dest_check
        .ok_or_else(|| Ec2Error::missing_parameter("SourceDestCheck"))?;
    eni.source_dest_check = true;
    ctx.tx.update_network_interface(&eni)?;
    Ok(Empty {})
}
