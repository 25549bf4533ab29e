//! The security group shapes as they travel: `IpPermission` (both a request and a response
//! shape), `SecurityGroup`, `SecurityGroupRule` and `RevokedSecurityGroupRule`.

use crate::wire::{TagWire, tag_set};
use localvpc_model::security_group::listing::{PermissionSet, gather};
use localvpc_model::security_group::{
    Permission, RulePeer, SecurityGroup, SecurityGroupRule, group_arn, rule_arn,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IpRangeWire {
    pub cidr_ip: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Ipv6RangeWire {
    pub cidr_ipv6: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PrefixListIdWire {
    pub prefix_list_id: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct UserIdGroupPairWire {
    pub description: Option<String>,
    pub user_id: Option<String>,
    pub group_name: Option<String>,
    pub group_id: Option<String>,
    pub vpc_id: Option<String>,
    pub vpc_peering_connection_id: Option<String>,
    pub peering_status: Option<String>,
}

/// EC2's `IpPermission`: one protocol and port range with the peers it admits.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IpPermissionWire {
    pub ip_protocol: Option<String>,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    #[serde(default)]
    pub user_id_group_pairs: Vec<UserIdGroupPairWire>,
    #[serde(default)]
    pub ip_ranges: Vec<IpRangeWire>,
    #[serde(default)]
    pub ipv6_ranges: Vec<Ipv6RangeWire>,
    #[serde(default)]
    pub prefix_list_ids: Vec<PrefixListIdWire>,
}

impl From<&PermissionSet<'_>> for IpPermissionWire {
    fn from(set: &PermissionSet) -> Self {
        let mut out = IpPermissionWire {
            ip_protocol: Some(set.protocol.to_string()),
            from_port: set.ports.map(|(from, _)| from.into()),
            to_port: set.ports.map(|(_, to)| to.into()),
            ..Default::default()
        };
        for (peer, description) in &set.peers {
            let description = description.map(str::to_owned);
            match peer {
                RulePeer::Cidr(c) => out.ip_ranges.push(IpRangeWire {
                    cidr_ip: Some(c.to_string()),
                    description,
                }),
                RulePeer::Ipv6Cidr(c) => out.ipv6_ranges.push(Ipv6RangeWire {
                    cidr_ipv6: Some(c.to_string()),
                    description,
                }),
                RulePeer::Group { group_id, user_id } => {
                    out.user_id_group_pairs.push(UserIdGroupPairWire {
                        description,
                        user_id: Some(user_id.clone()),
                        group_id: Some(group_id.clone()),
                        ..Default::default()
                    })
                }
                RulePeer::PrefixList(id) => out.prefix_list_ids.push(PrefixListIdWire {
                    prefix_list_id: Some(id.clone()),
                    description,
                }),
            }
        }
        out
    }
}

/// The `IpPermissions` of one direction of `group`, gathered as EC2 lists them; pairs naming a
/// group of a peered VPC carry that VPC and the connection, as AWS shows them.
fn ip_permissions(
    group: &SecurityGroup,
    is_egress: bool,
    peers: &PeerGroups,
) -> Vec<IpPermissionWire> {
    let rules = group
        .rules_of(is_egress)
        .map(|r| (&r.permission, r.description.as_deref()));
    let mut permissions: Vec<IpPermissionWire> =
        gather(rules).iter().map(IpPermissionWire::from).collect();
    for pair in permissions
        .iter_mut()
        .flat_map(|p| p.user_id_group_pairs.iter_mut())
    {
        let key = (
            group.vpc_id.clone(),
            pair.group_id.clone().unwrap_or_default(),
        );
        if let Some(peer) = peers.get(&key) {
            pair.vpc_id = Some(peer.vpc_id.clone());
            pair.vpc_peering_connection_id = peer.connection.as_ref().map(|(id, _)| id.clone());
            pair.peering_status = peer.connection.as_ref().map(|(_, s)| s.clone());
        }
    }
    permissions
}

/// A group of another VPC that a rule names: its VPC, and the peering connection joining that
/// VPC to the naming group's, with its status (`active`, or `deleted` once the rule is stale).
#[derive(Debug, Clone)]
pub struct PeerGroup {
    pub vpc_id: String,
    pub connection: Option<(String, String)>,
}

/// Peer groups by (the naming group's VPC, the named group's ID).
pub type PeerGroups = std::collections::HashMap<(String, String), PeerGroup>;

/// Permissions a revoke named that the group does not have, as `UnknownIpPermissions`.
pub fn unknown_permissions(permissions: &[Permission]) -> Vec<IpPermissionWire> {
    gather(permissions.iter().map(|p| (p, None)))
        .iter()
        .map(IpPermissionWire::from)
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupWire {
    group_id: String,
    ip_permissions_egress: Vec<IpPermissionWire>,
    tags: Option<Vec<TagWire>>,
    vpc_id: String,
    security_group_arn: String,
    owner_id: String,
    group_name: String,
    description: String,
    ip_permissions: Vec<IpPermissionWire>,
}

pub fn group_view(group: &SecurityGroup, region: &str, peers: &PeerGroups) -> SecurityGroupWire {
    SecurityGroupWire {
        group_id: group.id.clone(),
        ip_permissions_egress: ip_permissions(group, true, peers),
        tags: tag_set(&group.tags),
        vpc_id: group.vpc_id.clone(),
        security_group_arn: group_arn(region, &group.owner_id, &group.id),
        owner_id: group.owner_id.clone(),
        group_name: group.name.clone(),
        description: group.description.clone(),
        ip_permissions: ip_permissions(group, false, peers),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReferencedGroupWire {
    group_id: String,
    user_id: String,
}

/// A rule's peer in the flat form of `SecurityGroupRule`: exactly one of the four is set.
struct FlatPeer {
    cidr_ipv4: Option<String>,
    cidr_ipv6: Option<String>,
    prefix_list_id: Option<String>,
    group: Option<(String, String)>,
}

fn flat_peer(peer: &RulePeer) -> FlatPeer {
    let mut flat = FlatPeer {
        cidr_ipv4: None,
        cidr_ipv6: None,
        prefix_list_id: None,
        group: None,
    };
    match peer {
        RulePeer::Cidr(c) => flat.cidr_ipv4 = Some(c.to_string()),
        RulePeer::Ipv6Cidr(c) => flat.cidr_ipv6 = Some(c.to_string()),
        RulePeer::Group { group_id, user_id } => {
            flat.group = Some((group_id.clone(), user_id.clone()))
        }
        RulePeer::PrefixList(id) => flat.prefix_list_id = Some(id.clone()),
    }
    flat
}

/// A rule's ports as `SecurityGroupRule` shows them: `-1`/`-1` for protocols without ports.
fn flat_ports(permission: &Permission) -> (i32, i32) {
    permission.ports.unwrap_or((-1, -1))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupRuleWire {
    security_group_rule_id: String,
    group_id: String,
    group_owner_id: String,
    is_egress: bool,
    ip_protocol: String,
    from_port: i32,
    to_port: i32,
    cidr_ipv4: Option<String>,
    cidr_ipv6: Option<String>,
    prefix_list_id: Option<String>,
    referenced_group_info: Option<ReferencedGroupWire>,
    description: Option<String>,
    tags: Option<Vec<TagWire>>,
    security_group_rule_arn: String,
}

impl SecurityGroupRuleWire {
    /// As Authorize answers: without an empty tag list (DescribeSecurityGroupRules shows one).
    pub fn without_empty_tags(mut self) -> Self {
        self.tags = self.tags.filter(|t| !t.is_empty());
        self
    }
}

pub fn rule_view(rule: &SecurityGroupRule, owner_id: &str, region: &str) -> SecurityGroupRuleWire {
    let peer = flat_peer(&rule.permission.peer);
    let (from_port, to_port) = flat_ports(&rule.permission);
    SecurityGroupRuleWire {
        security_group_rule_id: rule.id.clone(),
        group_id: rule.group_id.clone(),
        group_owner_id: owner_id.to_owned(),
        is_egress: rule.is_egress,
        ip_protocol: rule.permission.protocol.to_string(),
        from_port,
        to_port,
        cidr_ipv4: peer.cidr_ipv4,
        cidr_ipv6: peer.cidr_ipv6,
        prefix_list_id: peer.prefix_list_id,
        referenced_group_info: peer
            .group
            .map(|(group_id, user_id)| ReferencedGroupWire { group_id, user_id }),
        description: rule.description.clone(),
        tags: Some(rule.tags.iter().map(TagWire::from).collect()),
        security_group_rule_arn: rule_arn(region, owner_id, &rule.id),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RevokedRuleWire {
    security_group_rule_id: String,
    group_id: String,
    is_egress: bool,
    ip_protocol: String,
    from_port: i32,
    to_port: i32,
    cidr_ipv4: Option<String>,
    cidr_ipv6: Option<String>,
    prefix_list_id: Option<String>,
    referenced_group_id: Option<String>,
    description: Option<String>,
}

pub fn revoked_view(rule: &SecurityGroupRule) -> RevokedRuleWire {
    let peer = flat_peer(&rule.permission.peer);
    let (from_port, to_port) = flat_ports(&rule.permission);
    RevokedRuleWire {
        security_group_rule_id: rule.id.clone(),
        group_id: rule.group_id.clone(),
        is_egress: rule.is_egress,
        ip_protocol: rule.permission.protocol.to_string(),
        from_port,
        to_port,
        cidr_ipv4: peer.cidr_ipv4,
        cidr_ipv6: peer.cidr_ipv6,
        prefix_list_id: peer.prefix_list_id,
        referenced_group_id: peer.group.map(|(group_id, _)| group_id),
        description: rule.description.clone(),
    }
}
