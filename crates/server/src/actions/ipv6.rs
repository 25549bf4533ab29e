//! Interface IPv6 addresses: what a new interface gets (`Ipv6Addresses`, `Ipv6AddressCount`,
//! the subnet's `AssignIpv6AddressOnCreation`), AssignIpv6Addresses and UnassignIpv6Addresses.

use crate::actions::network_interface::prefixes::{check_attached, owned, parse_ipv6, pick_ipv6};
use crate::context::Ctx;
use ipnet::Ipv6Net;
use localvpc_model::ipv6::Ipv6Request;
use localvpc_model::network_interface::{Ipv6Address, NetworkInterface};
use localvpc_model::prefix::PrefixRequest;
use localvpc_model::subnet::Subnet;
use localvpc_model::{Ec2Error, IdKind, ipv6};
use localvpc_store::{EniId, SubnetId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::net::Ipv6Addr;

/// One `Ipv6Addresses.N` entry of CreateNetworkInterface or a launch's interface.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Ipv6Spec {
    pub ipv6_address: Option<String>,
    pub is_primary_ipv6: Option<bool>,
}

/// The request's `Ipv6Addresses.N` (entries without an address skipped), count and primary flag.
pub fn ipv6_request(specs: &[Ipv6Spec], count: Option<i64>, primary: Option<bool>) -> Ipv6Request {
    Ipv6Request {
        addresses: specs
            .iter()
            .filter_map(|s| s.ipv6_address.clone())
            .collect(),
        count,
        primary: primary.unwrap_or(false) || specs.iter().any(|s| s.is_primary_ipv6 == Some(true)),
    }
}

/// Explicit addresses checked in AWS's order, or `count` fresh ones: all or nothing, none
/// held in the subnet (the primary key has the last word).
fn pick(
    ctx: &mut Ctx,
    subnet: &Subnet,
    explicit: &[String],
    count: Option<i64>,
    eni: Option<&NetworkInterface>,
) -> Result<Vec<Ipv6Addr>, Ec2Error> {
    if !explicit.is_empty() && count.is_some() {
        return Err(Ec2Error::combination(
            "Specify either Ipv6Addresses or Ipv6AddressCount, not both.",
        ));
    }
    let count = match count {
        None => 0,
        Some(n) if n >= 0 => n as usize,
        Some(n) => {
            return Err(Ec2Error::invalid_parameter(
                "Ipv6AddressCount",
                &n.to_string(),
            ));
        }
    };
    if explicit.is_empty() && count == 0 {
        return Ok(Vec::new());
    }
    let block = subnet.ipv6_block.as_ref().map(|b| b.cidr);
    let mut out: Vec<Ipv6Addr> = Vec::new();
    for text in explicit {
        let mut used = HashSet::new();
        if let Ok(addr) = text.parse::<Ipv6Addr>() {
            let on_this = eni.is_some_and(|e| e.ipv6_addresses.iter().any(|a| a.address == addr));
            if out.contains(&addr) || on_this || ctx.tx.ipv6_address_held(&subnet.id, addr)? {
                used.insert(addr);
            }
        }
        out.push(ipv6::check_address(block, text, &used)?);
    }
    if count > 0 {
        let block = block.ok_or_else(ipv6::no_ipv6_block)?;
        let tx = &ctx.tx;
        out = ipv6::allocate(block, count, &mut rand::rng(), |a| {
            tx.ipv6_address_held(&subnet.id, a)
        })?;
    }
    Ok(out)
}

/// The IPv6 addresses of a new interface in `subnet`: what the request names or counts, else
/// one when the subnet assigns IPv6 on creation (`Ipv6AddressCount=0` suppresses it).
pub fn new_interface_addresses(
    ctx: &mut Ctx,
    subnet: &Subnet,
    req: &Ipv6Request,
) -> Result<Vec<Ipv6Address>, Ec2Error> {
    let count = match (req.addresses.is_empty(), req.count) {
        (true, None) if subnet.assign_ipv6_address_on_creation => Some(1),
        (_, count) => count,
    };
    let picked = pick(ctx, subnet, &req.addresses, count, None)?;
    Ok(picked
        .into_iter()
        .enumerate()
        .map(|(i, address)| Ipv6Address {
            address,
            primary: req.primary && i == 0,
        })
        .collect())
}

/// One entry of an interface's `ipv6AddressesSet`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6AddressWire {
    ipv6_address: String,
    is_primary_ipv6: bool,
}

pub fn ipv6_addresses(e: &NetworkInterface) -> Vec<Ipv6AddressWire> {
    e.ipv6_addresses
        .iter()
        .map(|a| Ipv6AddressWire {
            ipv6_address: a.address.to_string(),
            is_primary_ipv6: a.primary,
        })
        .collect()
}

/// The interface's `ipv6Address`: its primary IPv6, else its first.
pub fn main_ipv6(e: &NetworkInterface) -> Option<String> {
    e.ipv6_addresses
        .iter()
        .find(|a| a.primary)
        .or(e.ipv6_addresses.first())
        .map(|a| a.address.to_string())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssignIpv6AddressesRequest {
    network_interface_id: String,
    #[serde(default)]
    ipv6_addresses: Vec<String>,
    ipv6_address_count: Option<i64>,
    #[serde(default)]
    ipv6_prefixes: Vec<String>,
    ipv6_prefix_count: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssignIpv6AddressesResponse {
    assigned_ipv6_addresses: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assigned_ipv6_prefixes: Vec<String>,
    network_interface_id: String,
}

/// AssignIpv6Addresses: explicit addresses or a count, and/or /80 prefixes, all or nothing,
/// within the type's limit (a prefix counts as one address). IPv6 has no `AllowReassignment`:
/// an address another interface holds is in use.
pub fn assign_ipv6_addresses(
    ctx: &mut Ctx,
    req: AssignIpv6AddressesRequest,
) -> Result<AssignIpv6AddressesResponse, Ec2Error> {
    let eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    let prefix_req = PrefixRequest::new("Ipv6", req.ipv6_prefixes, req.ipv6_prefix_count, true)?;
    if req.ipv6_addresses.is_empty() && req.ipv6_address_count.is_none() && prefix_req.is_empty() {
        return Err(Ec2Error::missing_parameter(
            "Ipv6Addresses or Ipv6AddressCount",
        ));
    }
    if req.ipv6_address_count == Some(0) {
        return Err(Ec2Error::invalid_parameter("Ipv6AddressCount", "0"));
    }
    let subnet = ctx.tx.subnet(&ctx.owner(), &eni.subnet_id)?;
    let picked = pick(
        ctx,
        &subnet,
        &req.ipv6_addresses,
        req.ipv6_address_count,
        Some(&eni),
    )?;
    let prefixes = pick_ipv6(ctx, &subnet, &prefix_req, &picked)?;
    check_attached(
        ctx,
        &eni,
        0,
        eni.ipv6_count() + picked.len() + prefixes.len(),
        !prefixes.is_empty(),
    )?;
    for net in &prefixes {
        ctx.tx
            .add_ipv6_prefix(EniId(&eni.id), SubnetId(&subnet.id), *net)?;
    }
    for address in &picked {
        let primary = false;
        ctx.tx.add_ipv6_address(
            EniId(&eni.id),
            SubnetId(&subnet.id),
            &Ipv6Address {
                address: *address,
                primary,
            },
        )?;
    }
    Ok(AssignIpv6AddressesResponse {
        assigned_ipv6_addresses: picked.iter().map(Ipv6Addr::to_string).collect(),
        assigned_ipv6_prefixes: prefixes.iter().map(Ipv6Net::to_string).collect(),
        network_interface_id: eni.id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UnassignIpv6AddressesRequest {
    network_interface_id: String,
    #[serde(default)]
    ipv6_addresses: Vec<String>,
    #[serde(default)]
    ipv6_prefixes: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnassignIpv6AddressesResponse {
    network_interface_id: String,
    unassigned_ipv6_addresses: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unassigned_ipv6_prefixes: Vec<String>,
}

/// UnassignIpv6Addresses: addresses and prefixes of this interface only, all or nothing.
pub fn unassign_ipv6_addresses(
    ctx: &mut Ctx,
    req: UnassignIpv6AddressesRequest,
) -> Result<UnassignIpv6AddressesResponse, Ec2Error> {
    let eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    if req.ipv6_addresses.is_empty() && req.ipv6_prefixes.is_empty() {
        return Err(Ec2Error::missing_parameter("Ipv6Addresses"));
    }
    let gone_prefixes = owned(&eni.id, &req.ipv6_prefixes, &eni.ipv6_prefixes, parse_ipv6)?;
    let mut gone: Vec<Ipv6Addr> = Vec::new();
    for text in &req.ipv6_addresses {
        let held = text
            .parse::<Ipv6Addr>()
            .ok()
            .filter(|a| eni.ipv6_addresses.iter().any(|h| h.address == *a));
        let addr = held.ok_or_else(|| {
            Ec2Error::invalid_value(format!(
                "The IPv6 address {text} is not assigned to the network interface {}.",
                eni.id
            ))
        })?;
        if !gone.contains(&addr) {
            gone.push(addr);
        }
    }
    for addr in &gone {
        ctx.tx.remove_ipv6_address(&eni.subnet_id, *addr)?;
    }
    for net in &gone_prefixes {
        ctx.tx.remove_ipv6_prefix(&eni.subnet_id, *net)?;
    }
    Ok(UnassignIpv6AddressesResponse {
        network_interface_id: eni.id,
        unassigned_ipv6_addresses: gone.iter().map(Ipv6Addr::to_string).collect(),
        unassigned_ipv6_prefixes: gone_prefixes.iter().map(Ipv6Net::to_string).collect(),
    })
}
