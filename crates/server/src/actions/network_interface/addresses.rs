//! AssignPrivateIpAddresses and UnassignPrivateIpAddresses.

use crate::context::Ctx;
use crate::wire::Empty;
use localvpc_model::instance_type::InstanceType;
use localvpc_model::network_interface;
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
    network_interface::check_user_managed(&eni)?;
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
        ctx.tx
            .add_private_ip(EniId(&eni.id), SubnetId(&subnet.id), *addr, false)?;
        ctx.tx
            .move_elastic_ip_of_address(SubnetId(&subnet.id), *addr, EniId(&eni.id))?;
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
    network_interface::check_user_managed(&eni)?;
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
