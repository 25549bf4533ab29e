//! What the Describe calls show and filter on: EC2's `IpPermissions` (rules gathered by
//! protocol and ports) and the filter tables of DescribeSecurityGroups and
//! DescribeSecurityGroupRules.

use super::{Permission, Protocol, RulePeer};
use super::{SecurityGroup, SecurityGroupRule};
use crate::filter::{FilterDef, Tagged, def, one};
use crate::tags::Tag;
use std::collections::BTreeMap;

/// One entry of EC2's `IpPermissions`: the rules of one direction sharing a protocol and ports,
/// with each rule's peer and description.
#[derive(Debug, PartialEq)]
pub struct PermissionSet<'r> {
    pub protocol: Protocol,
    pub ports: Option<(i32, i32)>,
    pub peers: Vec<(&'r RulePeer, Option<&'r str>)>,
}

/// Gathers permissions by (protocol, ports) as EC2 lists them: one entry per distinct pair, in
/// order of first appearance, each listing its peers in order.
pub fn gather<'r>(
    permissions: impl IntoIterator<Item = (&'r Permission, Option<&'r str>)>,
) -> Vec<PermissionSet<'r>> {
    let mut sets: Vec<PermissionSet> = Vec::new();
    for (permission, description) in permissions {
        let peer = (&permission.peer, description);
        match sets
            .iter_mut()
            .find(|s| s.protocol == permission.protocol && s.ports == permission.ports)
        {
            Some(set) => set.peers.push(peer),
            None => sets.push(PermissionSet {
                protocol: permission.protocol,
                ports: permission.ports,
                peers: vec![peer],
            }),
        }
    }
    sets
}

/// A group as DescribeSecurityGroups sees it: with the names of the groups its rules reference,
/// which the `…ip-permission.group-name` filters match.
#[derive(Debug, Clone)]
pub struct ListedGroup {
    pub group: SecurityGroup,
    referenced_names: BTreeMap<String, String>,
}

impl ListedGroup {
    /// Lists `groups` (every group the caller has, so that references resolve to names).
    pub fn list(groups: Vec<SecurityGroup>) -> Vec<Self> {
        let names: BTreeMap<String, String> = groups
            .iter()
            .map(|g| (g.id.clone(), g.name.clone()))
            .collect();
        groups
            .into_iter()
            .map(|group| {
                let referenced_names = group
                    .rules
                    .iter()
                    .filter_map(|r| match &r.permission.peer {
                        RulePeer::Group { group_id, .. } => names
                            .get(group_id)
                            .map(|name| (group_id.clone(), name.clone())),
                        _ => None,
                    })
                    .collect();
                Self {
                    group,
                    referenced_names,
                }
            })
            .collect()
    }

    pub fn id(&self) -> &str {
        &self.group.id
    }
}

impl Tagged for ListedGroup {
    fn tags(&self) -> &[Tag] {
        &self.group.tags
    }
}

fn permissions(g: &ListedGroup, is_egress: bool) -> impl Iterator<Item = &Permission> {
    g.group.rules_of(is_egress).map(|r| &r.permission)
}

fn cidrs(g: &ListedGroup, is_egress: bool) -> Vec<String> {
    permissions(g, is_egress)
        .filter_map(|p| match &p.peer {
            RulePeer::Cidr(c) => Some(c.to_string()),
            _ => None,
        })
        .collect()
}

fn ipv6_cidrs(g: &ListedGroup, is_egress: bool) -> Vec<String> {
    permissions(g, is_egress)
        .filter_map(|p| match &p.peer {
            RulePeer::Ipv6Cidr(c) => Some(c.to_string()),
            _ => None,
        })
        .collect()
}

fn prefix_lists(g: &ListedGroup, is_egress: bool) -> Vec<String> {
    permissions(g, is_egress)
        .filter_map(|p| match &p.peer {
            RulePeer::PrefixList(id) => Some(id.clone()),
            _ => None,
        })
        .collect()
}

fn from_ports(g: &ListedGroup, is_egress: bool) -> Vec<String> {
    permissions(g, is_egress)
        .filter_map(|p| p.ports.map(|(from, _)| from.to_string()))
        .collect()
}

fn to_ports(g: &ListedGroup, is_egress: bool) -> Vec<String> {
    permissions(g, is_egress)
        .filter_map(|p| p.ports.map(|(_, to)| to.to_string()))
        .collect()
}

fn protocols(g: &ListedGroup, is_egress: bool) -> Vec<String> {
    permissions(g, is_egress)
        .map(|p| p.protocol.to_string())
        .collect()
}

fn referenced(g: &ListedGroup, is_egress: bool) -> impl Iterator<Item = (&String, &String)> {
    permissions(g, is_egress).filter_map(|p| match &p.peer {
        RulePeer::Group { group_id, user_id } => Some((group_id, user_id)),
        _ => None,
    })
}

fn group_ids(g: &ListedGroup, is_egress: bool) -> Vec<String> {
    referenced(g, is_egress).map(|(id, _)| id.clone()).collect()
}

fn group_names(g: &ListedGroup, is_egress: bool) -> Vec<String> {
    referenced(g, is_egress)
        .filter_map(|(id, _)| g.referenced_names.get(id).cloned())
        .collect()
}

fn user_ids(g: &ListedGroup, is_egress: bool) -> Vec<String> {
    referenced(g, is_egress)
        .map(|(_, user)| user.clone())
        .collect()
}

/// DescribeSecurityGroups' filters. A group matches a rule filter when any of its rules of that
/// direction does (several rule filters may be met by different rules, as EC2 documents).
pub const FILTERS: &[FilterDef<ListedGroup>] = &[
    def("description", |g| one(&g.group.description)),
    def("group-id", |g| one(&g.group.id)),
    def("group-name", |g| one(&g.group.name)),
    def("owner-id", |g| one(&g.group.owner_id)),
    def("vpc-id", |g| one(&g.group.vpc_id)),
    def("ip-permission.cidr", |g| cidrs(g, false)),
    def("ip-permission.from-port", |g| from_ports(g, false)),
    def("ip-permission.group-id", |g| group_ids(g, false)),
    def("ip-permission.group-name", |g| group_names(g, false)),
    def("ip-permission.ipv6-cidr", |g| ipv6_cidrs(g, false)),
    def("ip-permission.prefix-list-id", |g| prefix_lists(g, false)),
    def("ip-permission.protocol", |g| protocols(g, false)),
    def("ip-permission.to-port", |g| to_ports(g, false)),
    def("ip-permission.user-id", |g| user_ids(g, false)),
    def("egress.ip-permission.cidr", |g| cidrs(g, true)),
    def("egress.ip-permission.from-port", |g| from_ports(g, true)),
    def("egress.ip-permission.group-id", |g| group_ids(g, true)),
    def("egress.ip-permission.group-name", |g| group_names(g, true)),
    def("egress.ip-permission.ipv6-cidr", |g| ipv6_cidrs(g, true)),
    def("egress.ip-permission.prefix-list-id", |g| {
        prefix_lists(g, true)
    }),
    def("egress.ip-permission.protocol", |g| protocols(g, true)),
    def("egress.ip-permission.to-port", |g| to_ports(g, true)),
    def("egress.ip-permission.user-id", |g| user_ids(g, true)),
];

/// DescribeSecurityGroupRules' filters (plus the `tag:` family every tagged resource has).
pub const RULE_FILTERS: &[FilterDef<SecurityGroupRule>] = &[
    def("group-id", |r| one(&r.group_id)),
    def("security-group-rule-id", |r| one(&r.id)),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{CompiledFilters, Filter};

    fn rule(
        group_id: &str,
        n: usize,
        is_egress: bool,
        permission: Permission,
    ) -> SecurityGroupRule {
        SecurityGroupRule {
            id: format!("sgr-{group_id}-{n}"),
            group_id: group_id.into(),
            is_egress,
            permission,
            description: None,
            tags: vec![],
        }
    }

    fn tcp(port: i32, peer: RulePeer) -> Permission {
        Permission {
            protocol: Protocol::Tcp,
            ports: Some((port, port)),
            peer,
        }
    }

    fn cidr(text: &str) -> RulePeer {
        RulePeer::Cidr(text.parse().unwrap())
    }

    fn groups() -> Vec<SecurityGroup> {
        let mut n = 0;
        let mut ids = || {
            n += 1;
            format!("sgr-{n}")
        };
        let mut web = SecurityGroup::new(
            "sg-web".into(),
            "vpc-1".into(),
            "111".into(),
            "web".into(),
            "web tier".into(),
            &mut ids,
        );
        let db = SecurityGroup::new(
            "sg-db".into(),
            "vpc-1".into(),
            "111".into(),
            "db".into(),
            "db tier".into(),
            &mut ids,
        );
        web.rules
            .push(rule("sg-web", 1, false, tcp(22, cidr("10.0.0.0/8"))));
        web.rules.push(rule(
            "sg-web",
            2,
            false,
            tcp(
                5432,
                RulePeer::Group {
                    group_id: "sg-db".into(),
                    user_id: "111".into(),
                },
            ),
        ));
        vec![web, db]
    }

    fn matching(filters: &[(&str, &[&str])]) -> Vec<String> {
        let filters: Vec<Filter> = filters
            .iter()
            .map(|(name, values)| Filter {
                name: name.to_string(),
                values: values.iter().map(|v| v.to_string()).collect(),
            })
            .collect();
        let compiled = CompiledFilters::compile(&filters, FILTERS).unwrap();
        ListedGroup::list(groups())
            .into_iter()
            .filter(|g| compiled.matches(g))
            .map(|g| g.group.name)
            .collect()
    }

    #[test]
    fn ingress_and_egress_filters_look_at_their_own_direction() {
        assert_eq!(
            matching(&[("ip-permission.cidr", &["10.0.0.0/8"])]),
            ["web"]
        );
        assert!(matching(&[("egress.ip-permission.cidr", &["10.0.0.0/8"])]).is_empty());
        assert_eq!(
            matching(&[("egress.ip-permission.cidr", &["0.0.0.0/0"])]),
            ["web", "db"]
        );
        assert_eq!(
            matching(&[("egress.ip-permission.protocol", &["-1"])]),
            ["web", "db"]
        );
        assert_eq!(matching(&[("ip-permission.protocol", &["tcp"])]), ["web"]);
    }

    #[test]
    fn referenced_groups_match_by_id_name_and_owner() {
        assert_eq!(matching(&[("ip-permission.group-id", &["sg-db"])]), ["web"]);
        assert_eq!(matching(&[("ip-permission.group-name", &["db"])]), ["web"]);
        assert_eq!(matching(&[("ip-permission.user-id", &["111"])]), ["web"]);
        assert!(matching(&[("ip-permission.group-name", &["web"])]).is_empty());
    }

    #[test]
    fn port_filters_and_group_fields() {
        assert_eq!(matching(&[("ip-permission.from-port", &["5432"])]), ["web"]);
        assert_eq!(matching(&[("ip-permission.to-port", &["22"])]), ["web"]);
        assert_eq!(matching(&[("description", &["db*"])]), ["db"]);
        assert_eq!(
            matching(&[("group-name", &["web"]), ("vpc-id", &["vpc-1"])]),
            ["web"]
        );
        assert!(matching(&[("ip-permission.prefix-list-id", &["*"])]).is_empty());
    }

    #[test]
    fn gather_groups_by_protocol_and_ports_in_first_seen_order() {
        let rules = [
            tcp(22, cidr("10.0.0.0/8")),
            tcp(80, cidr("0.0.0.0/0")),
            tcp(22, cidr("192.168.0.0/16")),
            Permission::all_traffic(cidr("0.0.0.0/0")),
        ];
        let described = [None, None, Some("office"), None];
        let sets = gather(rules.iter().zip(described));
        assert_eq!(sets.len(), 3);
        assert_eq!(sets[0].ports, Some((22, 22)));
        assert_eq!(
            sets[0].peers,
            vec![
                (&cidr("10.0.0.0/8"), None),
                (&cidr("192.168.0.0/16"), Some("office"))
            ]
        );
        assert_eq!(sets[1].ports, Some((80, 80)));
        assert_eq!(sets[2].protocol, Protocol::All);
        assert_eq!(sets[2].ports, None);
    }
}
