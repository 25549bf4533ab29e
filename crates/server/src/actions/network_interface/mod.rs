//! Network interface actions: Create/Describe/Delete, Attach/Detach, Modify/Describe/Reset
//! attributes, Assign/UnassignPrivateIpAddresses.

pub mod create;
pub mod view;

use crate::actions::ipv6::{Ipv6Request, Ipv6Spec};
use crate::context::Ctx;
use crate::wire::{BoolValue, Empty, FilterWire, Selection, TagSpecification, select, tags_for};
use create::{NewInterface, PrivateIpSpec, create_interface, resolve_groups, split_addresses};
use localvpc_model::instance_type::InstanceType;
use localvpc_model::network_interface::{self, Attachment};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, IdKind, address};
use localvpc_store::{EniLookup, EniScope};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use view::{NetworkInterfaceWire, network_interface};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateNetworkInterfaceRequest {
    subnet_id: String,
    description: Option<String>,
    private_ip_address: Option<String>,
    #[serde(default)]
    private_ip_addresses: Vec<PrivateIpSpec>,
    secondary_private_ip_address_count: Option<i64>,
    #[serde(default)]
    groups: Vec<String>,
    interface_type: Option<String>,
    ipv6_address_count: Option<i64>,
    #[serde(default)]
    ipv6_addresses: Vec<Ipv6Spec>,
    enable_primary_ipv6: Option<bool>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
    client_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateNetworkInterfaceResponse {
    network_interface: NetworkInterfaceWire,
    client_token: Option<String>,
}

pub fn create_network_interface(
    ctx: &mut Ctx,
    req: CreateNetworkInterfaceRequest,
) -> Result<CreateNetworkInterfaceResponse, Ec2Error> {
    let (primary, secondaries, secondary_count) = split_addresses(
        req.private_ip_address,
        &req.private_ip_addresses,
        req.secondary_private_ip_address_count,
    )?;
    let interface_type = match req.interface_type.as_deref() {
        None => "interface".to_owned(),
        Some(t @ ("efa" | "efa-only" | "trunk")) => t.to_owned(),
        Some(other) => {
            return Err(Ec2Error::invalid_value(format!(
                "Value ({other}) for parameter interfaceType is invalid."
            )));
        }
    };
    let description = req.description.unwrap_or_default();
    network_interface::check_description(&description)?;
    let eni = create_interface(
        ctx,
        NewInterface {
            subnet_id: req.subnet_id,
            description,
            primary,
            secondaries,
            secondary_count,
            group_ids: req.groups,
            interface_type,
            ipv6: Ipv6Request::new(
                &req.ipv6_addresses,
                req.ipv6_address_count,
                req.enable_primary_ipv6,
            ),
            tags: tags_for(&req.tag_specifications, "network-interface")?,
        },
    )?;
    let naming = view::Naming::load(ctx)?;
    Ok(CreateNetworkInterfaceResponse {
        network_interface: network_interface(&eni, &naming, Some("pending")),
        client_token: req.client_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeNetworkInterfacesRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    #[serde(default)]
    network_interface_ids: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeNetworkInterfacesResponse {
    network_interfaces: Vec<NetworkInterfaceWire>,
    next_token: Option<String>,
}

/// Above this many candidates, loading the whole partition at once is cheaper than one by one.
const MAX_CANDIDATES: usize = 256;

/// Interfaces a request can only match, found through indexes: the IDs it names (all of them,
/// so an unknown one is still reported), or else the exact values of its indexed filters (AND
/// across filters, OR within one). `None` when nothing narrows the search. Every filter is
/// still applied afterwards, so this only saves work.
fn candidates(
    ctx: &mut Ctx,
    req: &DescribeNetworkInterfacesRequest,
) -> Result<Option<BTreeSet<String>>, Ec2Error> {
    if !req.network_interface_ids.is_empty() {
        return Ok(Some(req.network_interface_ids.iter().cloned().collect()));
    }
    let mut narrowed: Option<BTreeSet<String>> = None;
    for filter in &req.filters {
        let by = match filter.name.as_deref() {
            Some(name) if name.starts_with("tag:") => EniLookup::Tag(&name["tag:".len()..]),
            Some("network-interface-id") => EniLookup::Id,
            Some("subnet-id") => EniLookup::Subnet,
            Some("mac-address") => EniLookup::Mac,
            Some("private-ip-address" | "addresses.private-ip-address") => EniLookup::Address,
            Some("attachment.instance-id") => EniLookup::Instance,
            _ => continue,
        };
        if filter.values.is_empty() || filter.values.iter().any(|v| v.contains(['*', '?', '\\'])) {
            continue;
        }
        let mut ids = BTreeSet::new();
        for value in &filter.values {
            ids.extend(ctx.tx.network_interface_ids(by, value)?);
        }
        narrowed = Some(match narrowed {
            Some(before) => before.intersection(&ids).cloned().collect(),
            None => ids,
        });
    }
    Ok(narrowed)
}

pub fn describe_network_interfaces(
    ctx: &mut Ctx,
    req: DescribeNetworkInterfacesRequest,
) -> Result<DescribeNetworkInterfacesResponse, Ec2Error> {
    if req.max_results.is_some() && !req.network_interface_ids.is_empty() {
        return Err(Ec2Error::combination(
            "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults",
        ));
    }
    let all = match candidates(ctx, &req)? {
        Some(ids) if ids.len() <= MAX_CANDIDATES => {
            let mut some = Vec::with_capacity(ids.len());
            for id in &ids {
                some.extend(ctx.tx.network_interfaces(ctx.account, EniScope::One(id))?);
            }
            some
        }
        _ => ctx.tx.network_interfaces(ctx.account, EniScope::All)?,
    };
    let (enis, next_token) = select(
        all,
        |e| &e.id,
        network_interface::FILTERS,
        Selection {
            kind: IdKind::NetworkInterface,
            ids: &req.network_interface_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    let naming = view::Naming::load(ctx)?;
    Ok(DescribeNetworkInterfacesResponse {
        network_interfaces: enis
            .iter()
            .map(|e| network_interface(e, &naming, None))
            .collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct InterfaceRequest {
    network_interface_id: String,
}

pub fn delete_network_interface(ctx: &mut Ctx, req: InterfaceRequest) -> Result<Empty, Ec2Error> {
    let eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    network_interface::check_delete(&eni)?;
    let addresses: Vec<Ipv4Addr> = eni.private_ips.iter().map(|p| p.address).collect();
    crate::actions::elastic_ip::release_addresses(ctx, &eni, &addresses)?;
    ctx.tx.delete_network_interface(&eni.id)?;
    Ok(Empty {})
}

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
    crate::actions::ipv6::check_limit_for(&eni, itype)?;
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
    req.source_dest_check
        .ok_or_else(|| Ec2Error::missing_parameter("SourceDestCheck"))?;
    eni.source_dest_check = true;
    ctx.tx.update_network_interface(&eni)?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssignPrivateIpAddressesRequest {
    network_interface_id: String,
    #[serde(default)]
    private_ip_addresses: Vec<String>,
    secondary_private_ip_address_count: Option<i64>,
    allow_reassignment: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssignedAddress {
    private_ip_address: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssignPrivateIpAddressesResponse {
    network_interface_id: String,
    assigned_private_ip_addresses: Vec<AssignedAddress>,
}

/// AssignPrivateIpAddresses: explicit addresses or a count, all or nothing. With
/// `AllowReassignment` a secondary address moves from another interface; a primary never does.
pub fn assign_private_ip_addresses(
    ctx: &mut Ctx,
    req: AssignPrivateIpAddressesRequest,
) -> Result<AssignPrivateIpAddressesResponse, Ec2Error> {
    let eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    let subnet = ctx.tx.subnet(&ctx.owner(), &eni.subnet_id)?;
    let assigned: Vec<Ipv4Addr> = match (
        req.private_ip_addresses.is_empty(),
        req.secondary_private_ip_address_count,
    ) {
        (false, Some(_)) => {
            return Err(Ec2Error::combination(
                "Specify either PrivateIpAddresses or SecondaryPrivateIpAddressCount, not both.",
            ));
        }
        (true, None) => {
            return Err(Ec2Error::missing_parameter(
                "PrivateIpAddress or SecondaryPrivateIpAddressCount",
            ));
        }
        (true, Some(n)) => {
            let n = usize::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
                Ec2Error::invalid_parameter("SecondaryPrivateIpAddressCount", &n.to_string())
            })?;
            address::allocate(
                &subnet.id,
                subnet.cidr,
                &mut ctx.tx.used_addresses(&subnet.id),
                &[],
                n,
            )?
        }
        (false, None) => {
            let mut wanted: Vec<Ipv4Addr> = Vec::new();
            for text in &req.private_ip_addresses {
                let addr = address::parse(text)?;
                address::check_placement(subnet.cidr, addr)?;
                if wanted.contains(&addr) || eni.has(addr) {
                    continue;
                }
                match ctx.tx.address_holder(&subnet.id, addr)? {
                    None => {}
                    Some((_, true)) => return Err(address::in_use()),
                    Some(_) if req.allow_reassignment == Some(true) => {}
                    Some(_) => return Err(address::in_use()),
                }
                wanted.push(addr);
            }
            wanted
        }
    };
    if let Some(a) = &eni.attachment {
        let instance = ctx.tx.instance(ctx.account, &a.instance_id)?;
        let itype = InstanceType::named(&instance.instance_type).ok_or_else(Ec2Error::internal)?;
        network_interface::check_address_limit(eni.private_ips.len() + assigned.len(), itype)?;
    }
    // A reassigned address brings its Elastic IP along.
    for addr in &assigned {
        ctx.tx.remove_private_ip(&subnet.id, *addr)?;
        ctx.tx.add_private_ip(&eni.id, &subnet.id, *addr, false)?;
        ctx.tx
            .move_elastic_ip_of_address(&subnet.id, *addr, &eni.id)?;
    }
    Ok(AssignPrivateIpAddressesResponse {
        network_interface_id: eni.id,
        assigned_private_ip_addresses: assigned
            .iter()
            .map(|a| AssignedAddress {
                private_ip_address: a.to_string(),
            })
            .collect(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UnassignPrivateIpAddressesRequest {
    network_interface_id: String,
    #[serde(default)]
    private_ip_addresses: Vec<String>,
}

/// UnassignPrivateIpAddresses: secondaries of this interface only.
pub fn unassign_private_ip_addresses(
    ctx: &mut Ctx,
    req: UnassignPrivateIpAddressesRequest,
) -> Result<Empty, Ec2Error> {
    let eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    if req.private_ip_addresses.is_empty() {
        return Err(Ec2Error::missing_parameter("PrivateIpAddress"));
    }
    let addrs = req
        .private_ip_addresses
        .iter()
        .map(|t| address::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    network_interface::check_unassign(&eni, &addrs)?;
    crate::actions::elastic_ip::release_addresses(ctx, &eni, &addrs)?;
    for addr in addrs {
        ctx.tx.remove_private_ip(&eni.subnet_id, addr)?;
    }
    Ok(Empty {})
}

actions! {
    "CreateNetworkInterface" => create_network_interface,
    "DescribeNetworkInterfaces" => describe_network_interfaces,
    "DeleteNetworkInterface" => delete_network_interface,
    "AttachNetworkInterface" => attach_network_interface,
    "DetachNetworkInterface" => detach_network_interface,
    "ModifyNetworkInterfaceAttribute" => modify_network_interface_attribute,
    "DescribeNetworkInterfaceAttribute" => describe_network_interface_attribute,
    "ResetNetworkInterfaceAttribute" => reset_network_interface_attribute,
    "AssignPrivateIpAddresses" => assign_private_ip_addresses,
    "UnassignPrivateIpAddresses" => unassign_private_ip_addresses,
}
