//! Filtering as data: each ENI's security group rules, each subnet's network ACL, and the
//! members of every referenced group, resolved from the database's rules into the shapes the
//! router enforces ([`crate::nft::filter`] renders them) and the path analyzer will evaluate.
//!
//! localvpc's data plane carries IPv4 only, so IPv6 ranges and ICMPv6 rules are left out: they
//! can match no packet.

use ipnet::{IpNet, Ipv4Net};
use localvpc_model::network_acl::{NetworkAclEntry, RuleAction};
use localvpc_model::security_group::{Permission, Protocol, RulePeer};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

/// A security group as the model reads it.
#[derive(Debug, Clone)]
pub struct GroupIn {
    pub id: String,
    pub ingress: Vec<Permission>,
    pub egress: Vec<Permission>,
    /// Private addresses of every ENI in the group (attached or not, any VPC), which is what a
    /// rule referencing the group matches.
    pub members: Vec<Ipv4Addr>,
}

/// A network ACL as the model reads it.
#[derive(Debug, Clone)]
pub struct AclIn {
    pub id: String,
    /// The subnets associated with it.
    pub subnets: Vec<String>,
    pub entries: Vec<NetworkAclEntry>,
}

/// What a rule matches besides addresses: a protocol and, for TCP/UDP, the destination port
/// range; for ICMP, the type and code (`None` = any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Traffic {
    All,
    Tcp(Ports),
    Udp(Ports),
    Icmp {
        kind: Option<u8>,
        code: Option<u8>,
    },
    /// Any other IP protocol, every packet of it.
    Protocol(u8),
}

/// An inclusive destination port range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ports {
    pub from: u16,
    pub to: u16,
}

impl Ports {
    pub const ALL: Ports = Ports { from: 0, to: 65535 };

    /// EC2's `(from, to)`; absent or `-1` means every port.
    fn from_ec2(range: Option<(i32, i32)>) -> Ports {
        match range {
            Some((from, to)) if from >= 0 && to >= 0 => Ports {
                from: from.clamp(0, 65535) as u16,
                to: to.clamp(0, 65535) as u16,
            },
            _ => Ports::ALL,
        }
    }
}

/// An ICMP type or code as EC2 stores it: `-1` is any.
fn icmp_value(value: i32) -> Option<u8> {
    u8::try_from(value).ok()
}

impl Traffic {
    fn icmp(type_code: Option<(i32, i32)>) -> Traffic {
        let (kind, code) = type_code.unwrap_or((-1, -1));
        Traffic::Icmp {
            kind: icmp_value(kind),
            code: icmp_value(kind).and(icmp_value(code)),
        }
    }

    /// A security group permission's traffic; `None` for ICMPv6 (IPv4 only here).
    fn of_permission(permission: &Permission) -> Option<Traffic> {
        Some(match permission.protocol {
            Protocol::All => Traffic::All,
            Protocol::Tcp => Traffic::Tcp(Ports::from_ec2(permission.ports)),
            Protocol::Udp => Traffic::Udp(Ports::from_ec2(permission.ports)),
            Protocol::Icmp => Traffic::icmp(permission.ports),
            Protocol::Icmpv6 => return None,
            Protocol::Number(n) => Traffic::Protocol(n),
        })
    }

    /// A network ACL entry's traffic: its protocol number (`-1` = all) with ports or ICMP
    /// type/code; `None` for a protocol that is no number (the store never holds one), so the
    /// entry matches nothing rather than everything.
    fn of_acl_entry(entry: &NetworkAclEntry) -> Option<Traffic> {
        Some(match entry.protocol.parse::<i32>().ok()? {
            -1 => Traffic::All,
            6 => Traffic::Tcp(Ports::from_ec2(entry.port_range)),
            17 => Traffic::Udp(Ports::from_ec2(entry.port_range)),
            1 => Traffic::icmp(entry.icmp_type_code),
            n => Traffic::Protocol(u8::try_from(n).ok()?),
        })
    }
}

/// Who is on the other side of a security group rule: a range, or the members of a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    Cidr(Ipv4Net),
    Group(String),
    /// The current entries of a managed prefix list.
    PrefixList(String),
}

/// One allow rule of a security group, for one direction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SgRule {
    pub peer: Peer,
    pub traffic: Traffic,
}

/// One network ACL entry, for one direction: its CIDR is the source of inbound traffic and the
/// destination of outbound traffic; ports are destination ports either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclRule {
    pub number: i32,
    pub allow: bool,
    pub cidr: Ipv4Net,
    pub traffic: Traffic,
}

/// The filtering of one router port (one ENI).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortFilter {
    /// The ENI's subnet: traffic between ports of different subnets crosses both ACLs.
    pub subnet_id: String,
    /// The union of the ENI's groups' rules, without duplicates. A new flow to the ENI must
    /// match one ingress rule, a new flow from it one egress rule.
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
}

/// A subnet's network ACL, rules in rule-number order: the first that matches decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubnetAcl {
    pub subnet_id: String,
    /// The associated ACL (`None` if the subnet has none, which EC2 never allows).
    pub acl_id: Option<String>,
    pub inbound: Vec<AclRule>,
    pub outbound: Vec<AclRule>,
}

/// The filtering data a router needs beyond its ports: the members of the groups its ports'
/// rules reference, the current IPv4 entries of the prefix lists they reference, and the ACLs
/// of its ports' subnets (all sorted by ID).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouterFilter {
    pub groups: BTreeMap<String, BTreeSet<Ipv4Addr>>,
    pub prefix_lists: BTreeMap<String, BTreeSet<Ipv4Net>>,
    pub acls: Vec<SubnetAcl>,
}

/// Every prefix list's current IPv4 entries, by ID.
pub type PrefixListsIn = BTreeMap<String, BTreeSet<Ipv4Net>>;

/// Security groups and network ACLs by ID and by subnet, to resolve ports against.
pub struct Rules<'s> {
    groups: BTreeMap<&'s str, &'s GroupIn>,
    acl_of_subnet: BTreeMap<&'s str, &'s AclIn>,
    prefix_lists: Option<&'s PrefixListsIn>,
}

impl<'s> Rules<'s> {
    pub fn new(groups: &'s [GroupIn], acls: &'s [AclIn]) -> Self {
        Rules {
            groups: groups.iter().map(|g| (g.id.as_str(), g)).collect(),
            acl_of_subnet: acls
                .iter()
                .flat_map(|a| a.subnets.iter().map(move |s| (s.as_str(), a)))
                .collect(),
            prefix_lists: None,
        }
    }

    /// The entries prefix-list rules match (a list not given matches nothing).
    pub fn with_prefix_lists(mut self, lists: &'s PrefixListsIn) -> Self {
        self.prefix_lists = Some(lists);
        self
    }

    /// An ENI's effective rules: the union of its groups' (a group that no longer exists
    /// contributes nothing).
    pub fn port(&self, subnet_id: &str, groups: &[String]) -> PortFilter {
        let mut filter = PortFilter {
            subnet_id: subnet_id.to_owned(),
            ..PortFilter::default()
        };
        for group in groups.iter().filter_map(|g| self.groups.get(g.as_str())) {
            union(&mut filter.ingress, &group.ingress);
            union(&mut filter.egress, &group.egress);
        }
        filter
    }

    /// What a router with these ports needs: referenced groups' members, its subnets' ACLs.
    pub fn router<'p>(&self, ports: impl IntoIterator<Item = &'p PortFilter>) -> RouterFilter {
        let mut filter = RouterFilter::default();
        let mut subnets = BTreeSet::new();
        for port in ports {
            subnets.insert(port.subnet_id.as_str());
            for rule in port.ingress.iter().chain(&port.egress) {
                match &rule.peer {
                    Peer::Group(id) => {
                        let members = self.groups.get(id.as_str()).map(|g| &g.members);
                        let set = members.into_iter().flatten().copied().collect();
                        filter.groups.insert(id.clone(), set);
                    }
                    Peer::PrefixList(id) => {
                        let entries = self.prefix_lists.and_then(|l| l.get(id));
                        let set = entries.into_iter().flatten().copied().collect();
                        filter.prefix_lists.insert(id.clone(), set);
                    }
                    Peer::Cidr(_) => {}
                }
            }
        }
        filter.acls = subnets
            .into_iter()
            .map(|subnet| self.subnet_acl(subnet))
            .collect();
        filter
    }

    /// A subnet's ACL; a subnet with none (which EC2 never allows) lets nothing through.
    fn subnet_acl(&self, subnet_id: &str) -> SubnetAcl {
        let acl = self.acl_of_subnet.get(subnet_id);
        let entries = acl.map_or(&[][..], |a| &a.entries[..]);
        let rules = |egress: bool| {
            let mut rules: Vec<AclRule> = entries
                .iter()
                .filter(|e| e.egress == egress)
                .filter_map(|e| {
                    let IpNet::V4(cidr) = e.cidr else { return None };
                    Some(AclRule {
                        number: e.rule_number,
                        allow: e.action == RuleAction::Allow,
                        cidr,
                        traffic: Traffic::of_acl_entry(e)?,
                    })
                })
                .collect();
            rules.sort_by_key(|r| r.number);
            rules
        };
        SubnetAcl {
            subnet_id: subnet_id.to_owned(),
            acl_id: acl.map(|a| a.id.clone()),
            inbound: rules(false),
            outbound: rules(true),
        }
    }
}

/// Adds the IPv4 rules of `permissions` not already in `rules`.
fn union(rules: &mut Vec<SgRule>, permissions: &[Permission]) {
    for permission in permissions {
        let peer = match &permission.peer {
            RulePeer::Cidr(cidr) => Peer::Cidr(*cidr),
            RulePeer::Ipv6Cidr(_) => continue,
            RulePeer::Group { group_id, .. } => Peer::Group(group_id.clone()),
            RulePeer::PrefixList(id) => Peer::PrefixList(id.clone()),
        };
        let Some(traffic) = Traffic::of_permission(permission) else {
            continue;
        };
        let rule = SgRule { peer, traffic };
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
}

#[cfg(test)]
mod tests;
