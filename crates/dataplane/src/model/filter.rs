//! Filtering as data: each ENI's security group rules, each subnet's network ACL, and the
//! members of every referenced group, resolved from the database's rules into the shapes the
//! router enforces ([`crate::nft::filter`] renders them) and the path analyzer will evaluate.
//!
//! Both families: IPv6 ranges, ICMPv6 and the ACLs' IPv6 entries are rules of their own family
//! (an IPv4 rule never matches an IPv6 packet, nor the other way round); `-1` and group
//! references match both.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use localvpc_model::network_acl::{NetworkAclEntry, RuleAction};
use localvpc_model::security_group::{Permission, Protocol, RulePeer};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};

/// A security group as the model reads it.
#[derive(Debug, Clone)]
pub struct GroupIn {
    pub id: String,
    pub ingress: Vec<Permission>,
    pub egress: Vec<Permission>,
    /// Private addresses of every ENI in the group (attached or not, any VPC), which is what a
    /// rule referencing the group matches.
    pub members: Vec<Ipv4Addr>,
    /// Their IPv6 addresses.
    pub members6: Vec<Ipv6Addr>,
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
    /// ICMPv6 (protocol 58), by type and code (`None` = any).
    Icmpv6 {
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

    fn icmpv6(type_code: Option<(i32, i32)>) -> Traffic {
        match Traffic::icmp(type_code) {
            Traffic::Icmp { kind, code } => Traffic::Icmpv6 { kind, code },
            other => other,
        }
    }

    /// A security group permission's traffic.
    fn of_permission(permission: &Permission) -> Option<Traffic> {
        Some(match permission.protocol {
            Protocol::All => Traffic::All,
            Protocol::Tcp => Traffic::Tcp(Ports::from_ec2(permission.ports)),
            Protocol::Udp => Traffic::Udp(Ports::from_ec2(permission.ports)),
            Protocol::Icmp => Traffic::icmp(permission.ports),
            Protocol::Icmpv6 => Traffic::icmpv6(permission.ports),
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
            // With an IPv6 CIDR, 58 takes a type and code; with an IPv4 one it is all ICMP.
            58 if entry.cidr.addr().is_ipv6() => Traffic::icmpv6(entry.icmp_type_code),
            n => Traffic::Protocol(u8::try_from(n).ok()?),
        })
    }
}

/// Who is on the other side of a security group rule: a range, or the members of a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Peer {
    Cidr(Ipv4Net),
    /// An `Ipv6Ranges` range.
    Ipv6Cidr(Ipv6Net),
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
pub struct AclRule<N = Ipv4Net> {
    pub number: i32,
    pub allow: bool,
    pub cidr: N,
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
    /// The IPv6 entries, in rule-number order too (the families never match each other's
    /// packets, so each family's entries decide alone).
    pub inbound6: Vec<AclRule<Ipv6Net>>,
    pub outbound6: Vec<AclRule<Ipv6Net>>,
}

/// The filtering data a router needs beyond its ports: the members of the groups its ports'
/// rules reference, the current IPv4 entries of the prefix lists they reference, and the ACLs
/// of its ports' subnets (all sorted by ID).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RouterFilter {
    pub groups: BTreeMap<String, BTreeSet<Ipv4Addr>>,
    /// The same groups' IPv6 members.
    pub groups6: BTreeMap<String, BTreeSet<Ipv6Addr>>,
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
                        let group = self.groups.get(id.as_str());
                        let members = group.map(|g| &g.members);
                        let set = members.into_iter().flatten().copied().collect();
                        filter.groups.insert(id.clone(), set);
                        let members6 = group.map(|g| &g.members6);
                        let set = members6.into_iter().flatten().copied().collect();
                        filter.groups6.insert(id.clone(), set);
                    }
                    Peer::PrefixList(id) => {
                        let entries = self.prefix_lists.and_then(|l| l.get(id));
                        let set = entries.into_iter().flatten().copied().collect();
                        filter.prefix_lists.insert(id.clone(), set);
                    }
                    Peer::Cidr(_) | Peer::Ipv6Cidr(_) => {}
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
        SubnetAcl {
            subnet_id: subnet_id.to_owned(),
            acl_id: acl.map(|a| a.id.clone()),
            inbound: acl_rules(entries, false, |c| match c {
                IpNet::V4(c) => Some(c),
                IpNet::V6(_) => None,
            }),
            outbound: acl_rules(entries, true, |c| match c {
                IpNet::V4(c) => Some(c),
                IpNet::V6(_) => None,
            }),
            inbound6: acl_rules(entries, false, |c| match c {
                IpNet::V6(c) => Some(c),
                IpNet::V4(_) => None,
            }),
            outbound6: acl_rules(entries, true, |c| match c {
                IpNet::V6(c) => Some(c),
                IpNet::V4(_) => None,
            }),
        }
    }
}

/// One direction's entries of one family (`family` picks the CIDRs), in rule-number order.
fn acl_rules<N>(
    entries: &[NetworkAclEntry],
    egress: bool,
    family: impl Fn(IpNet) -> Option<N>,
) -> Vec<AclRule<N>> {
    let mut rules: Vec<AclRule<N>> = entries
        .iter()
        .filter(|e| e.egress == egress)
        .filter_map(|e| {
            Some(AclRule {
                number: e.rule_number,
                allow: e.action == RuleAction::Allow,
                cidr: family(e.cidr)?,
                traffic: Traffic::of_acl_entry(e)?,
            })
        })
        .collect();
    rules.sort_by_key(|r| r.number);
    rules
}

/// Adds the rules of `permissions` not already in `rules`.
fn union(rules: &mut Vec<SgRule>, permissions: &[Permission]) {
    for permission in permissions {
        let peer = match &permission.peer {
            RulePeer::Cidr(cidr) => Peer::Cidr(*cidr),
            RulePeer::Ipv6Cidr(cidr) => Peer::Ipv6Cidr(*cidr),
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
