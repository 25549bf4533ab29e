//! A request's permissions — `IpPermissions.N`, or the old flat `IpProtocol`/`FromPort`/
//! `ToPort`/`CidrIp`/`SourceSecurityGroupName` parameters — as domain permission requests, with
//! every referenced group found in the target group's VPC, every prefix list found (the caller's
//! or AWS's), and every peer localvpc cannot have (peering connections, other accounts' groups)
//! refused with EC2's codes.

use super::wire::{IpPermissionWire, IpRangeWire, UserIdGroupPairWire};
use crate::context::Ctx;
use localvpc_model::security_group::SecurityGroup;
use localvpc_model::security_group::group_pair::{self, GroupPair};
use localvpc_model::security_group::permission::{PeerRequest, PermissionRequest, RequestedPeer};
use localvpc_model::{Ec2Error, IdKind};

/// The flat parameters of the old request style.
#[derive(Debug, Default)]
pub struct FlatParameters {
    pub ip_protocol: Option<String>,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub cidr_ip: Option<String>,
    pub source_security_group_name: Option<String>,
    pub source_security_group_owner_id: Option<String>,
}

impl FlatParameters {
    /// The names of the flat parameters the caller gave.
    fn given(&self) -> Vec<&'static str> {
        [
            ("IpProtocol", self.ip_protocol.is_some()),
            ("FromPort", self.from_port.is_some()),
            ("ToPort", self.to_port.is_some()),
            ("CidrIp", self.cidr_ip.is_some()),
            (
                "SourceSecurityGroupName",
                self.source_security_group_name.is_some(),
            ),
            (
                "SourceSecurityGroupOwnerId",
                self.source_security_group_owner_id.is_some(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }
}

/// The permissions of an ingress request: its `IpPermissions`, or the flat parameters turned
/// into them (never both). Empty when the request names none.
pub fn ingress_permissions(
    flat: FlatParameters,
    ip_permissions: Vec<IpPermissionWire>,
) -> Result<Vec<IpPermissionWire>, Ec2Error> {
    let given = flat.given();
    if given.is_empty() {
        return Ok(ip_permissions);
    }
    if !ip_permissions.is_empty() {
        return Err(Ec2Error::combination(format!(
            "The parameter IpPermissions cannot be used with the parameter {}",
            given[0]
        )));
    }
    let Some(source) = flat.source_security_group_name else {
        if flat.source_security_group_owner_id.is_some() {
            return Err(Ec2Error::missing_parameter("SourceSecurityGroupName"));
        }
        let cidr = flat
            .cidr_ip
            .ok_or_else(|| Ec2Error::missing_parameter("CidrIp"))?;
        return Ok(vec![IpPermissionWire {
            ip_protocol: flat.ip_protocol,
            from_port: flat.from_port,
            to_port: flat.to_port,
            ip_ranges: vec![IpRangeWire {
                cidr_ip: Some(cidr),
                description: None,
            }],
            ..Default::default()
        }]);
    };
    if let Some(other) = given.iter().find(|g| !g.starts_with("SourceSecurityGroup")) {
        return Err(Ec2Error::combination(format!(
            "The parameter SourceSecurityGroupName cannot be used with the parameter {other}"
        )));
    }
    // EC2's old style: a source group gets full ICMP, TCP and UDP access.
    let pair = UserIdGroupPairWire {
        group_name: Some(source),
        user_id: flat.source_security_group_owner_id,
        ..Default::default()
    };
    Ok([("icmp", -1, -1), ("tcp", 0, 65535), ("udp", 0, 65535)]
        .into_iter()
        .map(|(protocol, from, to)| IpPermissionWire {
            ip_protocol: Some(protocol.into()),
            from_port: Some(from),
            to_port: Some(to),
            user_id_group_pairs: vec![pair.clone()],
            ..Default::default()
        })
        .collect())
}

/// Egress takes `IpPermissions` only: EC2 documents the flat parameters as not supported there.
pub fn refuse_flat_parameters(flat: &FlatParameters, action: &str) -> Result<(), Ec2Error> {
    match flat.given().first() {
        Some(name) => Err(Ec2Error::invalid_value(format!(
            "The parameter {name} is not supported by {action}. Use IpPermissions instead."
        ))),
        None => Ok(()),
    }
}

/// Resolves permissions for rules of `target`: referenced groups must be the caller's and in
/// `target`'s VPC. Empty descriptions count as none.
pub fn resolve(
    ctx: &mut Ctx,
    target: &SecurityGroup,
    wires: &[IpPermissionWire],
) -> Result<Vec<PermissionRequest>, Ec2Error> {
    let in_vpc = ctx.tx.security_groups(ctx.account, Some(&target.vpc_id))?;
    let described = |d: &Option<String>| d.clone().filter(|d| !d.is_empty());
    let mut requests = Vec::with_capacity(wires.len());
    for wire in wires {
        let mut peers = Vec::new();
        for range in &wire.ip_ranges {
            let cidr = range
                .cidr_ip
                .clone()
                .ok_or_else(|| Ec2Error::missing_parameter("IpRanges.N.CidrIp"))?;
            peers.push(PeerRequest {
                peer: RequestedPeer::Cidr(cidr),
                description: described(&range.description),
            });
        }
        for range in &wire.ipv6_ranges {
            let cidr = range
                .cidr_ipv6
                .clone()
                .ok_or_else(|| Ec2Error::missing_parameter("Ipv6Ranges.N.CidrIpv6"))?;
            peers.push(PeerRequest {
                peer: RequestedPeer::Ipv6Cidr(cidr),
                description: described(&range.description),
            });
        }
        for list in &wire.prefix_list_ids {
            let id = list
                .prefix_list_id
                .as_deref()
                .ok_or_else(|| Ec2Error::missing_parameter("PrefixListIds.N.PrefixListId"))?;
            peers.push(PeerRequest {
                peer: RequestedPeer::PrefixList(crate::actions::prefix_list::find(ctx, id)?.id),
                description: described(&list.description),
            });
        }
        for pair in &wire.user_id_group_pairs {
            peers.push(PeerRequest {
                peer: referenced_group(ctx, target, &in_vpc, pair)?,
                description: described(&pair.description),
            });
        }
        requests.push(PermissionRequest {
            protocol: wire.ip_protocol.clone(),
            from_port: wire.from_port,
            to_port: wire.to_port,
            peers,
        });
    }
    Ok(requests)
}

/// The group a `UserIdGroupPair` names: by ID in a VPC actively peered with the target's (in
/// this region), whose members are the peer's; else `group_pair::resolve` among `in_vpc` (the
/// groups of the target's VPC), with the one lookup it needs: whether a group outside the VPC
/// exists at all.
fn referenced_group(
    ctx: &mut Ctx,
    target: &SecurityGroup,
    in_vpc: &[SecurityGroup],
    pair: &UserIdGroupPairWire,
) -> Result<RequestedPeer, Ec2Error> {
    let mut pair = GroupPair {
        user_id: pair.user_id.clone(),
        group_name: pair.group_name.clone(),
        group_id: pair.group_id.clone(),
        vpc_id: pair.vpc_id.clone(),
        vpc_peering_connection_id: pair.vpc_peering_connection_id.clone(),
        peering_status: pair.peering_status.clone(),
    };
    if pair.peering_status.is_none()
        && let Some(id) = pair.id_outside(in_vpc).map(str::to_owned)
    {
        if let Some(pcx) = pair.vpc_peering_connection_id.take() {
            crate::actions::peering::route_target(ctx, &pcx, &target.vpc_id)?;
        }
        let found = crate::actions::peering_groups::peer_group(
            ctx,
            &target.vpc_id,
            &id,
            pair.user_id.as_deref(),
        )?;
        if let Some((group_id, user_id)) = found {
            return Ok(RequestedPeer::Group { group_id, user_id });
        }
    }
    let known_elsewhere = match pair.id_outside(in_vpc) {
        Some(id) => match ctx.tx.security_group(ctx.account, id) {
            Ok(_) => true,
            Err(e) if e.code == IdKind::SecurityGroup.not_found_code() => false,
            Err(e) => return Err(e),
        },
        None => false,
    };
    group_pair::resolve(&pair, ctx.account, target, in_vpc, known_elsewhere)
}
