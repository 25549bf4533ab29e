//! Table `lvpc_filter` of a VPC router: source/destination check, network ACLs and security
//! groups, rendered from the model's filter data ([`crate::model::filter`]).
//!
//! Every packet from or to an ENI crosses the router, so the router's `forward` hook sees each
//! packet between two ENIs (or an ENI and the internet gateway link, where NAT has already
//! made addresses private), in this order:
//!
//! 0. from a peering link, only the peer VPC's blocks to this VPC's, never into a NAT gateway;
//! 1. source/destination check: from a checked port, the source must be one of the ENI's
//!    addresses; to a checked port, the destination must be;
//! 2. network ACLs, stateless (before conntrack), only across a subnet boundary: the outbound
//!    ACL of the subnet the packet leaves, then the inbound ACL of the subnet it enters; the
//!    first matching entry by rule number decides, and the `*` entry denies the rest;
//! 3. `ct state established,related accept`: security groups are stateful, so replies, and
//!    ICMP errors about an allowed flow (`related`, e.g. port unreachable, fragmentation
//!    needed), pass whatever the rules say — but still only through the ACLs above;
//! 4. a new flow must match an egress rule of the source ENI and an ingress rule of the
//!    destination ENI (the union of each one's groups); otherwise it is dropped. A NAT
//!    gateway's interface has no groups and meets no such gate. Every flow is
//!    tracked, so removing a rule stops new flows and leaves established ones running (AWS
//!    leaves flows allowed by 0.0.0.0/0 rules both ways untracked and stops those at once).
//!
//! IPv6 is filtered by the same chains: each rule names its family (`ip`/`ip6`, or
//! `meta nfproto` for a /0), `-1` and group references match both.
//!
//! Packets to the router itself (the subnet router, DHCP, 169.254.169.254, neighbour
//! discovery, DNS) go through the `input` hook, where only the source check applies: AWS's security groups and ACLs do
//! not filter that traffic. A DHCP client's first packets (from 0.0.0.0 to port 67) pass it.
//!
//! Each check is a chain that `return`s when the packet passes and drops it otherwise, so the
//! gates compose: `accept` would end the whole hook. Group members are named sets, a prefix
//! list's entries a named interval set, ports per subnet named sets of interface names.

use super::Table;
use crate::model::filter::{AclRule, Peer, Ports, SgRule, SubnetAcl, Traffic};
use crate::model::routing::EGRESS_ONLY_LINK;
use crate::model::{IMDS_ADDRESS6, PREFIX, Port, Router, short};
use ipnet::Ipv4Net;
use std::collections::BTreeMap;
use std::fmt::{Display, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

pub const TABLE: &str = "lvpc_filter";

/// The router's filter table.
pub fn table(router: &Router) -> Table {
    let mut body = String::new();
    let mut subnets: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for port in &router.ports {
        let ports = subnets.entry(&port.filter.subnet_id).or_default();
        ports.push(&port.name);
    }
    for (subnet, ports) in &subnets {
        let names = ports.iter().map(|p| format!("\"{p}\""));
        set(&mut body, &ports_set(subnet), "ifname", names);
    }
    for (group, members) in &router.filter.groups {
        let set_name = group_set(group);
        set(
            &mut body,
            &set_name,
            "ipv4_addr",
            members.iter().map(Ipv4Addr::to_string),
        );
    }
    for (group, members) in &router.filter.groups6 {
        let set_name = group_set6(group);
        set(
            &mut body,
            &set_name,
            "ipv6_addr",
            members.iter().map(Ipv6Addr::to_string),
        );
    }
    for (list, entries) in &router.filter.prefix_lists {
        let name = prefix_list_set(list);
        let _ = writeln!(
            body,
            "\tset {name} {{\n\t\ttype ipv4_addr\n\t\tflags interval"
        );
        if !entries.is_empty() {
            // An interval set refuses overlapping elements; a list may hold 10.0.0.0/8 and
            // 10.1.0.0/16 both.
            let merged = Ipv4Net::aggregate(&entries.iter().copied().collect());
            let entries: Vec<String> = merged.iter().map(ToString::to_string).collect();
            let _ = writeln!(body, "\t\telements = {{ {} }}", entries.join(", "));
        }
        body.push_str("\t}\n");
    }
    let checked: Vec<&Port> = router
        .ports
        .iter()
        .filter(|p| p.source_dest_check)
        .collect();
    let source = vmap("iifname", "source", checked.iter().copied());
    let destination = vmap("oifname", "destination", checked.iter().copied());

    // A DHCP client has no address yet: its DISCOVER, to the router only, is exempt.
    let dhcp = "ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept".to_owned();
    // IMDS over IPv6 only for instances with `HttpProtocolIpv6` enabled.
    let without_imds6: Vec<String> = router
        .ports
        .iter()
        .filter(|p| !p.imds_ipv6)
        .map(|p| format!("\"{}\"", p.name))
        .collect();
    let imds6 = (!without_imds6.is_empty()).then(|| {
        let ports = without_imds6.join(", ");
        format!("iifname {{ {ports} }} ip6 daddr {IMDS_ADDRESS6} drop")
    });
    let input = std::iter::once(dhcp)
        .chain(imds6)
        .chain(source.iter().cloned());
    chain(&mut body, "input", Some("input"), input);

    let peering = peering_vmap(router);
    let mut forward: Vec<String> = [peering, source, destination]
        .into_iter()
        .flatten()
        .collect();
    for subnet in subnets.keys() {
        let (ports, hex) = (ports_set(subnet), short(subnet));
        forward.push(format!(
            "iifname @{ports} oifname != @{ports} jump acl_out_{hex}"
        ));
        forward.push(format!(
            "oifname @{ports} iifname != @{ports} jump acl_in_{hex}"
        ));
    }
    if router.routing.egress_only.is_some() {
        // The egress-only gateway: flows start inside only. What comes in through it must be
        // a reply, and it carries no replies to flows that came in through the internet
        // gateway (their SYN-ACKs go nowhere, as AWS's stateful gateway drops them).
        let link = EGRESS_ONLY_LINK;
        forward.push(format!("iifname \"{link}\" ct direction original drop"));
        forward.push(format!("oifname \"{link}\" ct direction reply drop"));
    }
    forward.push("ct state established,related accept".into());
    let grouped: Vec<&Port> = router.ports.iter().filter(|p| p.security_groups).collect();
    forward.extend(vmap("iifname", "egress", grouped.iter().copied()));
    forward.extend(vmap("oifname", "ingress", grouped.iter().copied()));
    chain(&mut body, "forward", Some("forward"), forward);

    for port in checked {
        let hex = port_hex(port);
        let mut source = own_addresses(port, "saddr");
        // Neighbour discovery with the router (input only: no router forwards link-local
        // sources), and duplicate address detection's unspecified source.
        source.extend([
            "ip6 saddr fe80::/10 return".into(),
            "ip6 saddr :: return".into(),
        ]);
        source.push("drop".into());
        chain(&mut body, &format!("source_{hex}"), None, source);
        let mut destination = own_addresses(port, "daddr");
        destination.push("drop".into());
        chain(&mut body, &format!("destination_{hex}"), None, destination);
    }
    for port in grouped {
        let hex = port_hex(port);
        let egress = sg_chain(&port.filter.egress, "daddr");
        chain(&mut body, &format!("egress_{hex}"), None, egress);
        let ingress = sg_chain(&port.filter.ingress, "saddr");
        chain(&mut body, &format!("ingress_{hex}"), None, ingress);
    }
    for acl in &router.filter.acls {
        acl_chains(&mut body, acl);
    }
    peering_chains(&mut body, router);
    Table {
        name: TABLE.into(),
        body,
    }
}

/// `iifname vmap { "link" : jump peer_hex, … }` over the router's peering links.
fn peering_vmap(router: &Router) -> Option<String> {
    let entries: Vec<String> = router
        .routing
        .peerings
        .iter()
        .map(|p| format!("\"{}\" : jump peer_{}", p.name, short(&p.id)))
        .collect();
    (!entries.is_empty()).then(|| format!("iifname vmap {{ {} }}", entries.join(", ")))
}

/// What arrives over a peering link goes on only from the peer VPC's blocks to this VPC's, and
/// never into a NAT gateway (no transitive peering, no edge-to-edge routing).
fn peering_chains(body: &mut String, router: &Router) {
    let nat_ports: Vec<String> = router
        .ports
        .iter()
        .filter(|p| !p.security_groups)
        .map(|p| format!("\"{}\"", p.name))
        .collect();
    for p in &router.routing.peerings {
        let mut rules = Vec::new();
        if !nat_ports.is_empty() {
            rules.push(format!("oifname {{ {} }} drop", nat_ports.join(", ")));
        }
        let blocks = |cidrs: &[Ipv4Net]| {
            let list: Vec<String> = cidrs.iter().map(ToString::to_string).collect();
            format!("{{ {} }}", list.join(", "))
        };
        if !p.remote_cidrs.is_empty() && !p.local_cidrs.is_empty() {
            rules.push(format!(
                "ip saddr {} ip daddr {} return",
                blocks(&p.remote_cidrs),
                blocks(&p.local_cidrs)
            ));
        }
        rules.push("drop".into());
        chain(body, &format!("peer_{}", short(&p.id)), None, rules);
    }
}

fn ports_set(subnet_id: &str) -> String {
    format!("ports_{}", short(subnet_id))
}

fn group_set(group_id: &str) -> String {
    format!("sg_{}", short(group_id))
}

/// A group's IPv6 members.
fn group_set6(group_id: &str) -> String {
    format!("sg6_{}", short(group_id))
}

/// `ip FIELD { … } return` and `ip6 FIELD { … } return` over the port's addresses of each
/// family it has.
fn own_addresses(port: &Port, field: &str) -> Vec<String> {
    let mut rules = Vec::new();
    if !port.addresses.is_empty() {
        rules.push(format!(
            "ip {field} {} return",
            address_list(&port.addresses)
        ));
    }
    if !port.ipv6_addresses.is_empty() {
        let list = address_list(&port.ipv6_addresses);
        rules.push(format!("ip6 {field} {list} return"));
    }
    for prefix in &port.prefixes {
        let family = if prefix.addr().is_ipv4() { "ip" } else { "ip6" };
        rules.push(format!("{family} {field} {prefix} return"));
    }
    rules
}

/// A prefix list's entries, an interval set kept to the list's current version.
fn prefix_list_set(list_id: &str) -> String {
    format!("pl_{}", short(list_id))
}

/// The port's name without localvpc's prefix (the ENI ID's hex digits), to name its chains.
fn port_hex(port: &Port) -> &str {
    port.name.strip_prefix(PREFIX).unwrap_or(&port.name)
}

fn address_list<A: Display>(addresses: &[A]) -> String {
    let list: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    format!("{{ {} }}", list.join(", "))
}

/// `KEY vmap { "port" : jump KIND_hex, … }`, or nothing without ports.
fn vmap<'p>(key: &str, kind: &str, ports: impl Iterator<Item = &'p Port>) -> Option<String> {
    let entries: Vec<String> = ports
        .map(|port| format!("\"{}\" : jump {kind}_{}", port.name, port_hex(port)))
        .collect();
    (!entries.is_empty()).then(|| format!("{key} vmap {{ {} }}", entries.join(", ")))
}

fn set(body: &mut String, name: &str, kind: &str, elements: impl Iterator<Item = String>) {
    let elements: Vec<String> = elements.collect();
    let _ = writeln!(body, "\tset {name} {{\n\t\ttype {kind}");
    if !elements.is_empty() {
        let _ = writeln!(body, "\t\telements = {{ {} }}", elements.join(", "));
    }
    body.push_str("\t}\n");
}

/// A chain; a base chain (with its hook) accepts what its rules do not drop.
fn chain(
    body: &mut String,
    name: &str,
    hook: Option<&str>,
    rules: impl IntoIterator<Item = String>,
) {
    let _ = writeln!(body, "\tchain {name} {{");
    if let Some(hook) = hook {
        let _ = writeln!(
            body,
            "\t\ttype filter hook {hook} priority filter; policy accept;"
        );
    }
    for rule in rules {
        let _ = writeln!(body, "\t\t{rule}");
    }
    body.push_str("\t}\n");
}

/// A security group gate: any matching rule lets the new flow on; none drops it. `field` is
/// the peer's side: `saddr` for ingress, `daddr` for egress.
fn sg_chain(rules: &[SgRule], field: &str) -> Vec<String> {
    let mut lines: Vec<String> = rules
        .iter()
        .flat_map(|rule| {
            let peers = match &rule.peer {
                Peer::Cidr(cidr) if cidr.prefix_len() == 0 => vec!["meta nfproto ipv4".into()],
                Peer::Cidr(cidr) => vec![format!("ip {field} {cidr}")],
                Peer::Ipv6Cidr(cidr) if cidr.prefix_len() == 0 => {
                    vec!["meta nfproto ipv6".into()]
                }
                Peer::Ipv6Cidr(cidr) => vec![format!("ip6 {field} {cidr}")],
                // A group reference matches its members' addresses of both families.
                Peer::Group(group) => vec![
                    format!("ip {field} @{}", group_set(group)),
                    format!("ip6 {field} @{}", group_set6(group)),
                ],
                Peer::PrefixList(list) => vec![format!("ip {field} @{}", prefix_list_set(list))],
            };
            peers
                .into_iter()
                .map(|peer| words([peer, traffic(rule.traffic), "return".into()]))
        })
        .collect();
    lines.push("drop".into());
    lines
}

/// A subnet's two ACL chains: entries in rule-number order, allow = on to the next gate.
fn acl_chains(body: &mut String, acl: &SubnetAcl) {
    let hex = short(&acl.subnet_id);
    for (direction, rules, rules6, field) in [
        ("in", &acl.inbound, &acl.inbound6, "saddr"),
        ("out", &acl.outbound, &acl.outbound6, "daddr"),
    ] {
        let v4 = rules.iter().map(|rule| acl_line(rule, "ip", field, "ipv4"));
        let v6 = rules6
            .iter()
            .map(|rule| acl_line(rule, "ip6", field, "ipv6"));
        let mut lines: Vec<String> = v4.chain(v6).collect();
        lines.push("drop".into());
        chain(body, &format!("acl_{direction}_{hex}"), None, lines);
    }
}

/// One ACL entry of one family: `family` is nft's (`ip`, `ip6`), `nfproto` its name for the
/// whole family (a /0 entry).
fn acl_line<N: Display>(rule: &AclRule<N>, family: &str, field: &str, nfproto: &str) -> String {
    let text = rule.cidr.to_string();
    let cidr = if text.ends_with("/0") {
        format!("meta nfproto {nfproto}")
    } else {
        format!("{family} {field} {text}")
    };
    let verdict = if rule.allow { "return" } else { "drop" };
    let comment = format!("comment \"rule {}\"", rule.number);
    words([cidr, traffic(rule.traffic), verdict.into(), comment])
}

/// The match for a rule's protocol and ports (nothing for all traffic).
fn traffic(traffic: Traffic) -> String {
    let ports = |protocol: &str, ports: Ports| match ports {
        Ports::ALL => format!("meta l4proto {protocol}"),
        Ports { from, to } if from == to => format!("{protocol} dport {from}"),
        Ports { from, to } => format!("{protocol} dport {from}-{to}"),
    };
    match traffic {
        Traffic::All => String::new(),
        Traffic::Tcp(p) => ports("tcp", p),
        Traffic::Udp(p) => ports("udp", p),
        Traffic::Icmp { kind: None, .. } => "meta l4proto icmp".into(),
        Traffic::Icmp {
            kind: Some(kind),
            code: None,
        } => format!("icmp type {kind}"),
        Traffic::Icmp {
            kind: Some(kind),
            code: Some(code),
        } => format!("icmp type {kind} icmp code {code}"),
        Traffic::Icmpv6 { kind: None, .. } => "meta l4proto ipv6-icmp".into(),
        Traffic::Icmpv6 {
            kind: Some(kind),
            code: None,
        } => format!("icmpv6 type {kind}"),
        Traffic::Icmpv6 {
            kind: Some(kind),
            code: Some(code),
        } => format!("icmpv6 type {kind} icmpv6 code {code}"),
        Traffic::Protocol(n) => format!("meta l4proto {n}"),
    }
}

fn words(parts: impl IntoIterator<Item = String>) -> String {
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    parts.join(" ")
}

#[cfg(test)]
mod tests;
