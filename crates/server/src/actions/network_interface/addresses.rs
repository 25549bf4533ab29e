//! AssignPrivateIpAddresses and UnassignPrivateIpAddresses, with their IPv4 prefixes.

use super::prefixes::{self, Ipv4PrefixWire, addresses_of, ipv4_wire, pick_ipv4};
use crate::context::Ctx;
use crate::wire::Empty;
use localvpc_model::network_interface;
use localvpc_model::prefix::PrefixRequest;
use localvpc_model::{Ec2Error, IdKind, address};
use localvpc_store::{EniId, SubnetId};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssignPrivateIpAddressesRequest {
    network_interface_id: String,
    #[serde(default)]
    private_ip_addresses: Vec<String>,
    secondary_private_ip_address_count: Option<i64>,
    allow_reassignment: Option<bool>,
    #[serde(default)]
    ipv4_prefixes: Vec<String>,
    ipv4_prefix_count: Option<i64>,
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assigned_ipv4_prefixes: Vec<Ipv4PrefixWire>,
}

/// AssignPrivateIpAddresses: explicit addresses or a count, and/or prefixes, all or nothing.
/// With `AllowReassignment` a secondary address moves from another interface; a primary (or an
/// address inside a prefix) never does.
pub fn assign_private_ip_addresses(
    ctx: &mut Ctx,
    req: AssignPrivateIpAddressesRequest,
) -> Result<AssignPrivateIpAddressesResponse, Ec2Error> {
    let eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    network_interface::check_user_managed(&eni)?;
    let subnet = ctx.tx.subnet(&ctx.owner(), &eni.subnet_id)?;
    let prefix_req = PrefixRequest::new("Ipv4", req.ipv4_prefixes, req.ipv4_prefix_count, true)?;
    let assigned: Vec<Ipv4Addr> = match (
        req.private_ip_addresses.is_empty(),
        req.secondary_private_ip_address_count,
    ) {
        (false, Some(_)) => {
            return Err(Ec2Error::combination(
                "Specify either PrivateIpAddresses or SecondaryPrivateIpAddressCount, not both.",
            ));
        }
        (true, None) if !prefix_req.is_empty() => Vec::new(),
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
    // Prefixes after the addresses: clear of them and of the addresses moving here.
    let assigned_prefixes = pick_ipv4(ctx, &subnet, &prefix_req, &assigned)?;
    prefixes::check_attached(
        ctx,
        &eni,
        eni.ipv4_count() + assigned.len() + assigned_prefixes.len(),
        0,
        !assigned_prefixes.is_empty(),
    )?;
    // A reassigned address brings its Elastic IP along.
    for addr in &assigned {
        ctx.tx.remove_private_ip(&subnet.id, *addr)?;
        ctx.tx
            .add_private_ip(EniId(&eni.id), SubnetId(&subnet.id), *addr, false)?;
        ctx.tx
            .move_elastic_ip_of_address(SubnetId(&subnet.id), *addr, EniId(&eni.id))?;
    }
    for net in &assigned_prefixes {
        ctx.tx
            .add_ipv4_prefix(EniId(&eni.id), SubnetId(&subnet.id), *net)?;
    }
    Ok(AssignPrivateIpAddressesResponse {
        network_interface_id: eni.id,
        assigned_private_ip_addresses: assigned
            .iter()
            .map(|a| AssignedAddress {
                private_ip_address: a.to_string(),
            })
            .collect(),
        assigned_ipv4_prefixes: ipv4_wire(&assigned_prefixes),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UnassignPrivateIpAddressesRequest {
    network_interface_id: String,
    #[serde(default)]
    private_ip_addresses: Vec<String>,
    #[serde(default)]
    ipv4_prefixes: Vec<String>,
}

/// UnassignPrivateIpAddresses: secondaries and prefixes of this interface only.
pub fn unassign_private_ip_addresses(
    ctx: &mut Ctx,
    req: UnassignPrivateIpAddressesRequest,
) -> Result<Empty, Ec2Error> {
    let eni = ctx.tx.network_interface(
        ctx.account,
        &IdKind::NetworkInterface.parse(&req.network_interface_id)?,
    )?;
    network_interface::check_user_managed(&eni)?;
    if req.private_ip_addresses.is_empty() && req.ipv4_prefixes.is_empty() {
        return Err(Ec2Error::missing_parameter("PrivateIpAddress"));
    }
    let gone = prefixes::owned(
        &eni.id,
        &req.ipv4_prefixes,
        &eni.ipv4_prefixes,
        prefixes::parse_ipv4,
    )?;
    let addrs = req
        .private_ip_addresses
        .iter()
        .map(|t| address::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    network_interface::check_unassign(&eni, &addrs)?;
    // An Elastic IP may map an address inside a prefix: it goes with the prefix.
    let mut released = addrs.clone();
    released.extend(addresses_of(&gone));
    crate::actions::elastic_ip::release_addresses(ctx, &eni, &released)?;
    for addr in addrs {
        ctx.tx.remove_private_ip(&eni.subnet_id, addr)?;
    }
    for net in gone {
        ctx.tx.remove_ipv4_prefix(&eni.subnet_id, net)?;
    }
    Ok(Empty {})
}
