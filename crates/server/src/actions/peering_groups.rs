//! Security groups across VPC peering: a rule of one VPC may name a group of an actively peered
//! VPC in the same region (any account); DescribeSecurityGroupReferences says who references
//! a group, DescribeStaleSecurityGroups which rules lost their peer (the connection ended or the
//! group is gone).

use crate::actions::peering::listed;
use crate::actions::security_group::wire::{PeerGroup, PeerGroups};
use crate::context::Ctx;
use localvpc_model::page::PageLimits;
use localvpc_model::peering::{PeeringConnection, connection_between};
use localvpc_model::security_group::{RulePeer, SecurityGroup};
use localvpc_model::{Ec2Error, IdKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A group of a VPC actively peered with `vpc_id` in this region (a rule may reference it), and
/// its owner; `user_id`, when given, must be that owner.
pub fn peer_group(
    ctx: &mut Ctx,
    vpc_id: &str,
    group_id: &str,
    user_id: Option<&str>,
) -> Result<Option<(String, String)>, Ec2Error> {
    for p in listed(ctx)?.into_iter().filter(|p| p.forwards()) {
        let other = match (&p.requester, &p.accepter) {
            (r, a) if r.vpc_id == vpc_id => a,
            (r, a) if a.vpc_id == vpc_id => r,
            _ => continue,
        };
        if other.region != ctx.region.name || user_id.is_some_and(|u| u != other.owner_id) {
            continue;
        }
        let found = ctx
            .tx
            .security_group_elsewhere(&other.owner_id, &other.region, group_id)?;
        if found.is_some_and(|g| g.vpc_id == other.vpc_id) {
            return Ok(Some((group_id.to_owned(), other.owner_id.clone())));
        }
    }
    Ok(None)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GroupReferencesRequest {
    #[serde(default)]
    group_id: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupReferenceWire {
    group_id: String,
    referencing_vpc_id: String,
    vpc_peering_connection_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupReferencesResponse {
    security_group_reference_set: Vec<GroupReferenceWire>,
}

/// DescribeSecurityGroupReferences: which peered VPCs have rules naming the caller's groups,
/// over which active connection.
pub fn describe_security_group_references(
    ctx: &mut Ctx,
    req: GroupReferencesRequest,
) -> Result<GroupReferencesResponse, Ec2Error> {
    if req.group_id.is_empty() {
        return Err(Ec2Error::missing_parameter("GroupId"));
    }
    let active: Vec<PeeringConnection> =
        listed(ctx)?.into_iter().filter(|p| p.forwards()).collect();
    let mut out = Vec::new();
    for id in &req.group_id {
        let group = ctx
            .tx
            .security_group(ctx.account, &IdKind::SecurityGroup.parse(id)?)?;
        for vpc in ctx.tx.vpcs_referencing_group(&group.id)? {
            if let Some(p) = active.iter().find(|p| p.joins(&group.vpc_id, &vpc)) {
                out.push(GroupReferenceWire {
                    group_id: group.id.clone(),
                    referencing_vpc_id: vpc,
                    vpc_peering_connection_id: p.id.clone(),
                });
            }
        }
    }
    Ok(GroupReferencesResponse {
        security_group_reference_set: out,
    })
}

/// The groups of other VPCs that `groups`' rules name, each with its VPC and the connection
/// joining it to the naming group's VPC: what DescribeSecurityGroups shows beside such a pair.
/// `own` maps the caller's groups to their VPCs, so only groups of other accounts are loaded;
/// connections are read only when some rule names a group outside its own VPC.
pub fn peer_groups_named(
    ctx: &mut Ctx,
    groups: &[&SecurityGroup],
    own: &HashMap<String, String>,
) -> Result<PeerGroups, Ec2Error> {
    let mut peers = PeerGroups::new();
    let mut connections = None;
    for group in groups {
        for rule in &group.rules {
            let RulePeer::Group { group_id, user_id } = &rule.permission.peer else {
                continue;
            };
            let key = (group.vpc_id.clone(), group_id.clone());
            if peers.contains_key(&key) {
                continue;
            }
            let named_vpc = match own.get(group_id) {
                Some(vpc) => vpc.clone(),
                None => match ctx
                    .tx
                    .security_group_elsewhere(user_id, ctx.region.name, group_id)?
                {
                    Some(named) => named.vpc_id,
                    None => continue,
                },
            };
            if named_vpc == group.vpc_id {
                continue;
            }
            let connections = match &connections {
                Some(c) => c,
                None => connections.insert(listed(ctx)?),
            };
            let connection = connection_between(connections, &group.vpc_id, &named_vpc)
                .map(|p| (p.id.clone(), p.state.as_str().to_owned()));
            peers.insert(
                key,
                PeerGroup {
                    vpc_id: named_vpc,
                    connection,
                },
            );
        }
    }
    Ok(peers)
}

/// DescribeStaleSecurityGroups takes `MaxResults` from 5 to 255.
const STALE_PAGE_LIMITS: PageLimits = PageLimits { min: 5, max: 255 };

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct StaleRequest {
    vpc_id: String,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StalePairWire {
    user_id: String,
    group_id: String,
    vpc_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
    peering_status: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StalePermissionWire {
    from_port: Option<i64>,
    ip_protocol: String,
    ip_ranges: Vec<String>,
    prefix_list_ids: Vec<String>,
    to_port: Option<i64>,
    user_id_group_pairs: Vec<StalePairWire>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StaleGroupWire {
    description: String,
    group_id: String,
    group_name: String,
    stale_ip_permissions: Vec<StalePermissionWire>,
    stale_ip_permissions_egress: Vec<StalePermissionWire>,
    vpc_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StaleResponse {
    next_token: Option<String>,
    stale_security_group_set: Vec<StaleGroupWire>,
}

/// DescribeStaleSecurityGroups: the VPC's groups with rules naming a group of another VPC that
/// no active connection joins to it any more (or that is gone), each such rule as it was.
pub fn describe_stale_security_groups(
    ctx: &mut Ctx,
    req: StaleRequest,
) -> Result<StaleResponse, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let connections = listed(ctx)?;
    let groups = ctx.tx.security_groups(ctx.account, Some(&vpc.id))?;
    let mut stale = Vec::new();
    for group in &groups {
        let (mut ingress, mut egress) = (Vec::new(), Vec::new());
        for rule in &group.rules {
            let RulePeer::Group { group_id, user_id } = &rule.permission.peer else {
                continue;
            };
            if groups.iter().any(|g| &g.id == group_id) {
                continue;
            }
            let peer_vpc = ctx
                .tx
                .security_group_elsewhere(user_id, ctx.region.name, group_id)?
                .map(|g| g.vpc_id);
            let connection = peer_vpc
                .as_deref()
                .and_then(|v| connection_between(&connections, &vpc.id, v));
            if connection.is_some_and(PeeringConnection::forwards) {
                continue;
            }
            let permission = StalePermissionWire {
                from_port: rule.permission.ports.map(|(from, _)| from.into()),
                ip_protocol: rule.permission.protocol.to_string(),
                ip_ranges: Vec::new(),
                prefix_list_ids: Vec::new(),
                to_port: rule.permission.ports.map(|(_, to)| to.into()),
                user_id_group_pairs: vec![StalePairWire {
                    user_id: user_id.clone(),
                    group_id: group_id.clone(),
                    vpc_id: peer_vpc.clone(),
                    vpc_peering_connection_id: connection.map(|p| p.id.clone()),
                    peering_status: connection.map(|p| p.state.as_str()),
                }],
            };
            if rule.is_egress {
                egress.push(permission);
            } else {
                ingress.push(permission);
            }
        }
        if !ingress.is_empty() || !egress.is_empty() {
            stale.push(StaleGroupWire {
                description: group.description.clone(),
                group_id: group.id.clone(),
                group_name: group.name.clone(),
                stale_ip_permissions: ingress,
                stale_ip_permissions_egress: egress,
                vpc_id: vpc.id.clone(),
            });
        }
    }
    let (page, next_token) = localvpc_model::page::paginate(
        stale,
        |g| g.group_id.as_str(),
        req.max_results,
        req.next_token.as_deref(),
        STALE_PAGE_LIMITS,
    )?;
    Ok(StaleResponse {
        next_token,
        stale_security_group_set: page,
    })
}
