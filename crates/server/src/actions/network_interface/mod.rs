//! Network interface actions: Create/Describe/Delete, Attach/Detach, Modify/Describe/Reset
//! attributes, Assign/UnassignPrivateIpAddresses.

pub mod addresses;
pub mod attachment;
pub mod attributes;
pub mod create;
pub mod prefixes;
pub mod view;

use crate::actions::ipv6::{Ipv6Spec, ipv6_request};
use crate::context::Ctx;
use crate::wire::{Empty, FilterWire, Selection, TagSpecification, select, tags_for};
use create::{NewInterface, PrivateIpSpec, create_interface};
use localvpc_model::network_interface;
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::prefix::Prefixes;
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
    ipv4_prefixes: Vec<prefixes::Ipv4PrefixSpec>,
    ipv4_prefix_count: Option<i64>,
    #[serde(default)]
    ipv6_prefixes: Vec<prefixes::Ipv6PrefixSpec>,
    ipv6_prefix_count: Option<i64>,
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
    let entries: Vec<_> = req
        .private_ip_addresses
        .iter()
        .map(PrivateIpSpec::entry)
        .collect();
    let (primary, secondaries, secondary_count) = address::split_private(
        req.private_ip_address,
        &entries,
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
            ipv6: ipv6_request(
                &req.ipv6_addresses,
                req.ipv6_address_count,
                req.enable_primary_ipv6,
            ),
            prefixes: Prefixes::new(
                prefixes::named_v4(&req.ipv4_prefixes),
                req.ipv4_prefix_count,
                prefixes::named_v6(&req.ipv6_prefixes),
                req.ipv6_prefix_count,
            )?,
            tags: tags_for(&req.tag_specifications, IdKind::NetworkInterface)?,
            requester: None,
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
