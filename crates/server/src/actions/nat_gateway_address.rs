//! A NAT gateway's secondary addresses: Associate/DisassociateNatGatewayAddress (Elastic IPs
//! of a public gateway) and Assign/UnassignPrivateNatGatewayAddress (private addresses).
//!
//! Each address is a private address of the gateway's interface, and an Elastic IP is mapped to
//! one as to any interface's, so the data plane translates new flows to the new addresses at
//! once. The change is made whole within the call (AWS drains connections over
//! `MaxDrainDurationSeconds`; the answer shows the transitional status AWS answers with, and
//! the next Describe the settled one).

use crate::context::Ctx;
use localvpc_model::address;
use localvpc_model::elastic_ip::EipAssociation;
use localvpc_model::nat_gateway::addresses::{
    check_assign, check_associate, check_disassociate, check_drain, check_unassign,
};
use localvpc_model::nat_gateway::{NatAddress, NatGateway};
use localvpc_model::{Ec2Error, ErrorCode, IdKind};
use localvpc_store::{EniId, SubnetId};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddressWire {
    allocation_id: Option<String>,
    network_interface_id: Option<String>,
    private_ip: Option<String>,
    public_ip: Option<String>,
    association_id: Option<String>,
    is_primary: bool,
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddressesResponse {
    nat_gateway_id: String,
    nat_gateway_addresses: Vec<AddressWire>,
}

fn respond(nat: &NatGateway, changed: &[NatAddress], status: &'static str) -> AddressesResponse {
    AddressesResponse {
        nat_gateway_id: nat.id.clone(),
        nat_gateway_addresses: changed
            .iter()
            .map(|a| AddressWire {
                allocation_id: a.allocation_id.clone(),
                network_interface_id: nat.network_interface_id.clone(),
                private_ip: a.private_ip.map(|p| p.to_string()),
                public_ip: a.public_ip.map(|p| p.to_string()),
                association_id: a.association_id.clone(),
                is_primary: a.is_primary,
                status,
            })
            .collect(),
    }
}

fn load(ctx: &mut Ctx, id: &str) -> Result<NatGateway, Ec2Error> {
    ctx.tx.nat_gateway(&IdKind::NatGateway.parse(id)?)
}

fn parse_all(texts: &[String]) -> Result<Vec<Ipv4Addr>, Ec2Error> {
    texts.iter().map(|t| address::parse(t)).collect()
}

/// New private addresses on the gateway's interface: the ones given (free in its subnet), or
/// `count` picked from the subnet.
fn add_private(
    ctx: &mut Ctx,
    nat: &NatGateway,
    given: &[Ipv4Addr],
    count: usize,
) -> Result<Vec<Ipv4Addr>, Ec2Error> {
    let eni_id = nat
        .network_interface_id
        .clone()
        .ok_or_else(Ec2Error::internal)?;
    let subnet = ctx.tx.subnet(&ctx.owner(), &nat.subnet_id)?;
    let added = if given.is_empty() {
        address::allocate(
            &subnet.id,
            subnet.cidr,
            &mut ctx.tx.used_addresses(&subnet.id),
            &[],
            count,
        )?
    } else {
        for ip in given {
            address::check_placement(subnet.cidr, *ip)?;
            if ctx.tx.address_holder(&subnet.id, *ip)?.is_some() {
                return Err(address::in_use());
            }
        }
        given.to_vec()
    };
    for ip in &added {
        ctx.tx
            .add_private_ip(EniId(&eni_id), SubnetId(&subnet.id), *ip, false)?;
    }
    Ok(added)
}

fn private(ip: Ipv4Addr) -> NatAddress {
    NatAddress {
        private_ip: Some(ip),
        allocation_id: None,
        public_ip: None,
        association_id: None,
        is_primary: false,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssociateNatGatewayAddressRequest {
    nat_gateway_id: String,
    #[serde(default)]
    allocation_ids: Vec<String>,
    #[serde(default)]
    private_ip_addresses: Vec<String>,
    availability_zone: Option<String>,
    availability_zone_id: Option<String>,
}

/// AssociateNatGatewayAddress: each Elastic IP on a private address of the gateway, given or
/// new.
pub fn associate_nat_gateway_address(
    ctx: &mut Ctx,
    req: AssociateNatGatewayAddressRequest,
) -> Result<AddressesResponse, Ec2Error> {
    if req.availability_zone.is_some() || req.availability_zone_id.is_some() {
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            "Regional NAT gateways (AvailabilityZone) are not supported by localvpc.",
        ));
    }
    let mut nat = load(ctx, &req.nat_gateway_id)?;
    for id in &req.allocation_ids {
        IdKind::Allocation.parse(id)?;
    }
    let ips = parse_all(&req.private_ip_addresses)?;
    check_associate(&nat, &req.allocation_ids, &ips)?;
    let mut eips = Vec::new();
    for id in &req.allocation_ids {
        let eip = ctx.tx.elastic_ip(ctx.account, id)?;
        if eip.association.is_some() {
            return Err(Ec2Error::new(
                ErrorCode::ResourceAlreadyAssociated,
                format!("Elastic IP address {id} is already associated."),
            ));
        }
        eips.push(eip);
    }
    let new: Vec<Ipv4Addr> = ips
        .iter()
        .copied()
        .filter(|ip| !nat.addresses.iter().any(|a| a.private_ip == Some(*ip)))
        .collect();
    let added = add_private(ctx, &nat, &new, eips.len() - (ips.len() - new.len()))?;
    nat.addresses.extend(added.iter().copied().map(private));
    let targets: Vec<Ipv4Addr> = if ips.is_empty() { added } else { ips };
    let eni_id = nat
        .network_interface_id
        .clone()
        .ok_or_else(Ec2Error::internal)?;
    let mut changed = Vec::new();
    for (eip, ip) in eips.into_iter().zip(targets) {
        let association = EipAssociation {
            association_id: IdKind::EipAssociation.generate(),
            network_interface_id: eni_id.clone(),
            subnet_id: nat.subnet_id.clone(),
            private_ip: ip,
            instance_id: None,
        };
        ctx.tx
            .associate_elastic_ip(&eip.allocation_id, &association)?;
        let slot = nat
            .addresses
            .iter_mut()
            .find(|a| a.private_ip == Some(ip))
            .ok_or_else(Ec2Error::internal)?;
        slot.allocation_id = Some(eip.allocation_id);
        slot.public_ip = Some(eip.public_ip);
        slot.association_id = Some(association.association_id);
        changed.push(slot.clone());
    }
    ctx.tx.set_nat_gateway_addresses(&nat.id, &nat.addresses)?;
    Ok(respond(&nat, &changed, "associating"))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DisassociateNatGatewayAddressRequest {
    nat_gateway_id: String,
    #[serde(default)]
    association_ids: Vec<String>,
    max_drain_duration_seconds: Option<i64>,
}

/// DisassociateNatGatewayAddress: the Elastic IPs go back to the account (still allocated);
/// their private addresses stay with the gateway.
pub fn disassociate_nat_gateway_address(
    ctx: &mut Ctx,
    req: DisassociateNatGatewayAddressRequest,
) -> Result<AddressesResponse, Ec2Error> {
    check_drain(req.max_drain_duration_seconds)?;
    let mut nat = load(ctx, &req.nat_gateway_id)?;
    check_disassociate(&nat, &req.association_ids)?;
    let mut changed = Vec::new();
    for a in nat.addresses.iter_mut().filter(|a| {
        a.association_id
            .as_ref()
            .is_some_and(|id| req.association_ids.contains(id))
    }) {
        changed.push(a.clone());
        let allocation = a.allocation_id.take().ok_or_else(Ec2Error::internal)?;
        ctx.tx.disassociate_elastic_ip(&allocation)?;
        a.public_ip = None;
        a.association_id = None;
    }
    ctx.tx.set_nat_gateway_addresses(&nat.id, &nat.addresses)?;
    Ok(respond(&nat, &changed, "disassociating"))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssignPrivateNatGatewayAddressRequest {
    nat_gateway_id: String,
    #[serde(default)]
    private_ip_addresses: Vec<String>,
    private_ip_address_count: Option<i64>,
}

/// AssignPrivateNatGatewayAddress: more private addresses (new flows of a private gateway take
/// them in turn; a public one maps Elastic IPs to them later).
pub fn assign_private_nat_gateway_address(
    ctx: &mut Ctx,
    req: AssignPrivateNatGatewayAddressRequest,
) -> Result<AddressesResponse, Ec2Error> {
    let mut nat = load(ctx, &req.nat_gateway_id)?;
    let ips = parse_all(&req.private_ip_addresses)?;
    let count = check_assign(&nat, &ips, req.private_ip_address_count)?;
    let added = add_private(ctx, &nat, &ips, count)?;
    let changed: Vec<NatAddress> = added.into_iter().map(private).collect();
    nat.addresses.extend(changed.iter().cloned());
    ctx.tx.set_nat_gateway_addresses(&nat.id, &nat.addresses)?;
    Ok(respond(&nat, &changed, "assigning"))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UnassignPrivateNatGatewayAddressRequest {
    nat_gateway_id: String,
    #[serde(default)]
    private_ip_addresses: Vec<String>,
    max_drain_duration_seconds: Option<i64>,
}

/// UnassignPrivateNatGatewayAddress: secondary addresses without an Elastic IP go back to the
/// subnet.
pub fn unassign_private_nat_gateway_address(
    ctx: &mut Ctx,
    req: UnassignPrivateNatGatewayAddressRequest,
) -> Result<AddressesResponse, Ec2Error> {
    check_drain(req.max_drain_duration_seconds)?;
    let mut nat = load(ctx, &req.nat_gateway_id)?;
    let ips = parse_all(&req.private_ip_addresses)?;
    check_unassign(&nat, &ips)?;
    for ip in &ips {
        ctx.tx.remove_private_ip(&nat.subnet_id, *ip)?;
    }
    let changed: Vec<NatAddress> = nat
        .addresses
        .iter()
        .filter(|a| a.private_ip.is_some_and(|p| ips.contains(&p)))
        .cloned()
        .collect();
    nat.addresses
        .retain(|a| !a.private_ip.is_some_and(|p| ips.contains(&p)));
    ctx.tx.set_nat_gateway_addresses(&nat.id, &nat.addresses)?;
    Ok(respond(&nat, &changed, "unassigning"))
}
