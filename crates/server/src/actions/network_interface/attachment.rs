//! AttachNetworkInterface and DetachNetworkInterface.

use crate::context::Ctx;
use crate::wire::Empty;
use localvpc_model::instance_type::InstanceType;
use localvpc_model::network_interface::{self, Attachment};
use localvpc_model::{Ec2Error, IdKind};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AttachNetworkInterfaceRequest {
    network_interface_id: String,
    instance_id: String,
    device_index: i64,
    network_card_index: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachNetworkInterfaceResponse {
    attachment_id: String,
    network_card_index: u32,
}

/// AttachNetworkInterface. The interface may come from another VPC of the same account in the
/// same zone (multi-VPC attachment); another account's interface is simply not found.
pub fn attach_network_interface(
    ctx: &mut Ctx,
    req: AttachNetworkInterfaceRequest,
) -> Result<AttachNetworkInterfaceResponse, Ec2Error> {
    let eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    let instance = ctx
        .tx
        .instance(ctx.account, &IdKind::Instance.parse(&req.instance_id)?)?;
    let itype = InstanceType::named(&instance.instance_type).ok_or_else(Ec2Error::internal)?;
    let card = network_interface::check_attach(
        &eni,
        &instance,
        itype,
        req.device_index,
        req.network_card_index,
    )?;
    super::prefixes::check_interface(&eni, itype)?;
    let attachment = Attachment {
        id: IdKind::Attachment.generate(),
        instance_id: instance.id.clone(),
        instance_owner_id: ctx.account.to_owned(),
        device_index: req.device_index as u32,
        network_card_index: card,
        delete_on_termination: false,
        attach_time: ctx.now.clone(),
    };
    ctx.tx.insert_attachment(&eni.id, &attachment)?;
    Ok(AttachNetworkInterfaceResponse {
        attachment_id: attachment.id,
        network_card_index: card,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DetachNetworkInterfaceRequest {
    attachment_id: String,
    /// A last resort on AWS; here a detach is always clean, so it is accepted and changes nothing.
    #[serde(rename = "Force")]
    _force: Option<bool>,
}

/// DetachNetworkInterface: the interface keeps its addresses, MAC, groups, tags and Elastic IPs.
pub fn detach_network_interface(
    ctx: &mut Ctx,
    req: DetachNetworkInterfaceRequest,
) -> Result<Empty, Ec2Error> {
    if IdKind::ServiceAttachment.parse(&req.attachment_id).is_ok() {
        return Err(network_interface::service_attachment_refused());
    }
    let attachment_id = IdKind::Attachment.parse(&req.attachment_id)?;
    let eni_id = ctx
        .tx
        .attachment_interface(&attachment_id)?
        .ok_or_else(|| IdKind::Attachment.not_found(&attachment_id))?;
    let eni = ctx.tx.network_interface(ctx.account, &eni_id)?;
    let attachment = eni.attachment.as_ref().ok_or_else(Ec2Error::internal)?;
    network_interface::check_detach(attachment)?;
    ctx.tx
        .instance(ctx.account, &attachment.instance_id)?
        .check_attachment_changes_allowed()?;
    ctx.tx.delete_attachment(&attachment_id)?;
    Ok(Empty {})
}
