//! The walk of one packet through the VPC, in the router's gate order (docs/ARCHITECTURE.md):
//! source/destination check, the ACLs across a subnet boundary, connection state for replies,
//! the source's groups (egress), the destination's (ingress); the longest-prefix route of the
//! table of the subnet left; 1:1 NAT at the internet gateway.

use crate::explain::{Explanation, Field};
use crate::guest::Guests;
use crate::network::{Network, Port};
use crate::space;
use crate::{
    AclRuleRef, Analysis, Component, Direction, Disposition, Endpoint, Header, Hop, Kind, Packet,
    Ports, Protocol, Query, RouteRef, Rule, SgRuleRef, Step, Verdict,
};
use ipnet::Ipv4Net;
use localvpc_dataplane::model::filter::{AclRule, Peer, SgRule, Traffic};
use localvpc_model::instance::InstanceState;
use localvpc_model::route_table::{RouteOrigin, RouteTarget};
use std::net::Ipv4Addr;

mod guest_walk;
mod nat;

/// Appliances a packet may cross before the walk gives up (a routing loop).
const MAX_APPLIANCES: usize = 8;
/// The source port walked first: Linux's ephemeral range starts at 32768.
const EPHEMERAL: u16 = 49152;

/// Where a walk starts: an ENI (the source, or the destination replying) or the internet
/// behind a gateway.
#[derive(Clone, Copy)]
enum Start<'n> {
    Port(&'n Port, bool),
    Internet(&'n str),
}

/// Where a direction ended up.
#[derive(Debug, Clone)]
enum End {
    Delivered(String, Packet),
    Exited(String, Packet),
    Dead(Disposition),
}

struct Walk<'n> {
    net: &'n Network,
    hops: Vec<Hop>,
    blockers: Vec<Explanation>,
    /// The disposition of the first blocking gate.
    first_block: Option<Disposition>,
    /// Appliances crossed: a second visit is a routing loop.
    visited: Vec<String>,
    /// The guests the walk looks into (guest-aware analysis), else none.
    guests: Option<&'n Guests>,
    /// NAT gateways crossed: (its interface, the source it replaced), which the reply is
    /// translated back to.
    nat_sessions: Vec<(String, Ipv4Addr)>,
}

pub fn analyze(net: &Network, q: &Query, guests: Option<&Guests>) -> Analysis {
    let mut best: Option<(usize, Analysis)> = None;
    let space = candidates(net, q);
    for (start, packet) in space.packets(q.protocol) {
        let mut analysis = one(net, q, start, packet, guests);
        filters(q, &mut analysis);
        let blockers = analysis.explanations.len();
        if analysis.found {
            return analysis;
        }
        if best.as_ref().is_none_or(|(b, _)| blockers < *b) {
            best = Some((blockers, analysis));
        }
    }
    best.map(|(_, a)| a).unwrap_or_else(|| unresolved(net, q))
}

/// `FilterInArns` / `FilterOutArns`: a path that misses a required component, or crosses an
/// excluded one, is no path; each such component is one more blocker.
fn filters(q: &Query, a: &mut Analysis) {
    for c in &q.filter_in {
        if !a.forward.crosses(c) {
            let mut e = Explanation::new("COMPONENT_FILTER_RESTRICTION");
            e.component = Some(c.clone());
            a.explanations.push(e);
        }
    }
    for c in &q.filter_out {
        if a.forward.crosses(c) {
            let mut e = Explanation::new("COMPONENT_FILTER_REMOVED_COMPONENT");
            e.component = Some(c.clone());
            e.fix = Some(format!("a path that avoids {}", c.id));
            a.explanations.push(e);
        }
    }
    a.found = a.explanations.is_empty();
}

/// No packet to walk at all: the endpoints do not exist in the network, or hold no address.
fn unresolved(net: &Network, q: &Query) -> Analysis {
    let mut e = Explanation::new("NO_SOURCE_OR_DESTINATION");
    let missing = [&q.source, &q.destination]
        .into_iter()
        .find(|end| !exists(net, end))
        .cloned();
    match missing {
        Some(end) => {
            let c = endpoint_component(&end);
            e.missing_component = c.as_ref().map(|c| c.id.clone());
            e.component = c;
        }
        None => {
            e = Explanation::new("UNASSOCIATED_COMPONENT");
            e.component = endpoint_component(&q.source);
        }
    }
    Analysis {
        found: false,
        packet: None,
        forward: Direction {
            hops: Vec::new(),
            disposition: Disposition::DeniedOut,
        },
        reverse: None,
        explanations: vec![e],
    }
}

fn exists(net: &Network, end: &Endpoint) -> bool {
    match end {
        Endpoint::Instance(id) => net.instance(id).is_some_and(|(_, p)| !p.is_empty()),
        Endpoint::NetworkInterface(id) => net.port(id).is_some(),
        Endpoint::InternetGateway(id) => net.gateway(id).is_some(),
        Endpoint::Address(_) => true,
    }
}

fn endpoint_component(end: &Endpoint) -> Option<Component> {
    Some(match end {
        Endpoint::Instance(id) => Component::new(Kind::Instance, id),
        Endpoint::NetworkInterface(id) => Component::new(Kind::NetworkInterface, id),
        Endpoint::InternetGateway(id) => Component::new(Kind::InternetGateway, id),
        Endpoint::Address(_) => return None,
    })
}

/// The ports of an instance or ENI endpoint, with whether the instance is the endpoint.
fn endpoint_ports<'n>(net: &'n Network, end: &Endpoint) -> Vec<(&'n Port, bool)> {
    match end {
        Endpoint::Instance(id) => net
            .instance(id)
            .map(|(_, ports)| ports.into_iter().map(|p| (p, true)).collect())
            .unwrap_or_default(),
        Endpoint::NetworkInterface(id) => net.port(id).map(|p| (p, false)).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The packets worth walking: one per cell of the endpoints' rules' edges, per start.
struct Candidates<'n> {
    starts: Vec<(Start<'n>, Vec<Ipv4Addr>)>,
    destinations: Vec<Ipv4Addr>,
    destination_ports: Vec<u16>,
    source_ports: Vec<u16>,
}

impl<'n> Candidates<'n> {
    /// Every packet, most natural first, produced lazily: the walk usually stops at the first.
    fn packets(&self, protocol: Protocol) -> impl Iterator<Item = (Start<'n>, Packet)> + '_ {
        self.starts.iter().flat_map(move |(start, sources)| {
            sources.iter().flat_map(move |&source| {
                self.destinations.iter().flat_map(move |&destination| {
                    self.destination_ports
                        .iter()
                        .flat_map(move |&destination_port| {
                            self.source_ports.iter().map(move |&source_port| {
                                let packet = Packet {
                                    protocol,
                                    source,
                                    destination,
                                    source_port,
                                    destination_port,
                                };
                                (*start, packet)
                            })
                        })
                })
            })
        })
    }
}

/// The cells of the flow. Destination ports are cut at every rule's edges; source ports only
/// at the ACLs' (a reply's destination port is the source port, and only stateless ACLs judge
/// replies), so the space is linear in the rules, not their square.
fn candidates<'n>(net: &'n Network, q: &'n Query) -> Candidates<'n> {
    let any: Ipv4Net = "0.0.0.0/0".parse().expect("constant");
    let (mut address_cuts, mut port_cuts, mut acl_port_cuts) = (Vec::new(), Vec::new(), Vec::new());
    let ends: Vec<&Port> = endpoint_ports(net, &q.source)
        .into_iter()
        .chain(endpoint_ports(net, &q.destination))
        .map(|(p, _)| p)
        .chain(net.appliances())
        .collect();
    let mut groups: Vec<&str> = ends
        .iter()
        .flat_map(|p| p.groups.iter().map(String::as_str))
        .collect();
    groups.sort_unstable();
    groups.dedup();
    for group in groups.iter().filter_map(|g| net.group(g)) {
        for rule in group.ingress.iter().chain(&group.egress) {
            if let Peer::Cidr(c) = rule.peer {
                address_cuts.push(c);
            }
            port_cuts.extend(traffic_ports(&rule.traffic));
        }
    }
    // Any subnet's ACL may be crossed (through appliances, to an address's holder).
    for acl in net.acls() {
        for rule in acl.inbound.iter().chain(&acl.outbound) {
            address_cuts.push(rule.cidr);
            port_cuts.extend(traffic_ports(&rule.traffic));
            acl_port_cuts.extend(traffic_ports(&rule.traffic));
        }
    }
    let mut starts: Vec<(Start, Vec<Ipv4Addr>)> = Vec::new();
    match &q.source {
        Endpoint::InternetGateway(id) => {
            let sources = match q.source_address {
                Some(a) => vec![a],
                None => space::addresses(any, address_cuts.iter().copied(), true),
            };
            starts.push((Start::Internet(id), sources));
        }
        end => {
            for (port, is_instance) in endpoint_ports(net, end) {
                let sources = match q.source_address {
                    Some(a) => vec![a],
                    None => port.addresses.clone(),
                };
                starts.push((Start::Port(port, is_instance), sources));
            }
        }
    }
    let destinations: Vec<Ipv4Addr> = match (&q.destination, q.destination_address) {
        (_, Some(a)) => vec![a],
        (Endpoint::Address(a), None) => vec![*a],
        (Endpoint::InternetGateway(_), None) => {
            space::addresses(any, address_cuts.iter().copied(), true)
        }
        (end, None) => {
            let from_internet = matches!(q.source, Endpoint::InternetGateway(_));
            let mut out = Vec::new();
            for (port, _) in endpoint_ports(net, end) {
                let gateway = net.vpc(&port.vpc_id).and_then(|v| v.gateway.as_ref());
                for &a in &port.addresses {
                    if !from_internet {
                        out.push(a);
                    } else if let Some(&(_, public)) =
                        gateway.and_then(|g| g.nat.iter().find(|(private, _)| *private == a))
                    {
                        out.push(public);
                    }
                }
            }
            if from_internet && out.is_empty() {
                // No public address: walk to the private one, which the gateway refuses.
                out = endpoint_ports(net, end)
                    .iter()
                    .flat_map(|(p, _)| p.addresses.first().copied())
                    .collect();
            }
            out
        }
    };
    let (dports, sports) = match q.protocol {
        Protocol::Icmp => (vec![0], vec![0]),
        _ => (
            space::ports(
                q.destination_ports,
                port_cuts.iter().copied(),
                q.destination_ports.from,
            ),
            space::ports(q.source_ports, acl_port_cuts.iter().copied(), EPHEMERAL),
        ),
    };
    Candidates {
        starts,
        destinations,
        destination_ports: dports,
        source_ports: sports,
    }
}

fn traffic_ports(t: &Traffic) -> Option<Ports> {
    match t {
        Traffic::Tcp(p) | Traffic::Udp(p) => Some(*p),
        _ => None,
    }
}

/// Walks one packet there and back.
fn one<'n>(
    net: &'n Network,
    q: &Query,
    start: Start<'n>,
    packet: Packet,
    guests: Option<&'n Guests>,
) -> Analysis {
    let mut fwd = Walk::new(net, guests);
    let end = fwd.from(start, packet, false);
    let arrived = match (&end, &q.destination) {
        (End::Delivered(eni, _), Endpoint::Instance(i)) => {
            net.port(eni).is_some_and(|p| &p.instance_id == i)
        }
        (End::Delivered(eni, _), Endpoint::NetworkInterface(id)) => eni == id,
        (End::Delivered(..), Endpoint::Address(_)) => true,
        (End::Exited(igw, _), Endpoint::InternetGateway(id)) => igw == id,
        (End::Exited(..), Endpoint::Address(a)) => !space::is_private(*a),
        _ => false,
    };
    if !arrived && fwd.blockers.is_empty() {
        fwd.block(Explanation::new("NO_PATH"), Disposition::NoRoute);
    }
    let mut explanations = std::mem::take(&mut fwd.blockers);
    let sessions = std::mem::take(&mut fwd.nat_sessions);
    let forward = fwd.finish(&end);
    let reverse = match (&end, arrived && explanations.is_empty()) {
        (End::Delivered(eni, p), true) => {
            let port = net.port(eni).expect("delivered to a port");
            let is_instance = matches!(q.destination, Endpoint::Instance(_));
            Some(back(
                net,
                guests,
                sessions,
                Start::Port(port, is_instance),
                p.reply(),
                &mut explanations,
            ))
        }
        (End::Exited(igw, p), true) => Some(back(
            net,
            guests,
            sessions,
            Start::Internet(igw),
            p.reply(),
            &mut explanations,
        )),
        _ => None,
    };
    Analysis {
        found: explanations.is_empty(),
        packet: Some(packet),
        forward,
        reverse,
        explanations,
    }
}

fn back<'n>(
    net: &'n Network,
    guests: Option<&'n Guests>,
    nat_sessions: Vec<(String, Ipv4Addr)>,
    start: Start<'n>,
    reply: Packet,
    explanations: &mut Vec<Explanation>,
) -> Direction {
    let mut walk = Walk::new(net, guests);
    walk.nat_sessions = nat_sessions;
    let end = walk.from(start, reply, true);
    explanations.append(&mut walk.blockers);
    walk.finish(&end)
}

impl<'n> Walk<'n> {
    fn new(net: &'n Network, guests: Option<&'n Guests>) -> Self {
        Walk {
            net,
            hops: Vec::new(),
            blockers: Vec::new(),
            first_block: None,
            visited: Vec::new(),
            guests,
            nat_sessions: Vec::new(),
        }
    }

    fn finish(self, end: &End) -> Direction {
        let reached = match end {
            End::Delivered(..) => Disposition::Accepted,
            End::Exited(..) => Disposition::ExitsNetwork,
            End::Dead(d) => *d,
        };
        Direction {
            disposition: self.first_block.unwrap_or(reached),
            hops: self.hops,
        }
    }

    fn block(&mut self, e: Explanation, disposition: Disposition) {
        self.first_block.get_or_insert(disposition);
        self.blockers.push(e);
    }

    fn hop(&mut self, component: Component, step: Step, verdict: Verdict) -> &mut Hop {
        self.hops.push(Hop {
            component,
            step,
            verdict,
            rule: None,
            note: None,
            attached_to: None,
            subnet: None,
            vpc: None,
            inbound_header: None,
            outbound_header: None,
        });
        self.hops.last_mut().expect("pushed")
    }

    /// One direction from `start`.
    fn from(&mut self, start: Start<'n>, packet: Packet, reply: bool) -> End {
        match start {
            Start::Port(port, is_instance) => {
                let (port, steered) = match self.guest_egress(port, packet, reply) {
                    Ok(chosen) => chosen,
                    Err(end) => return end,
                };
                self.originate(port, is_instance, packet, reply, steered);
                self.leave(port, packet, reply, 0)
            }
            Start::Internet(igw) => self.in_from_internet(igw, packet, reply),
        }
    }

    /// The instance and ENI a packet leaves: the instance's state, the address it may use.
    /// `steered`: the guest's routing sent it out of another ENI than the one holding its
    /// source (the blockers that explain it, charged if this ENI's check drops it).
    fn originate(
        &mut self,
        port: &Port,
        is_instance: bool,
        p: Packet,
        reply: bool,
        steered: Option<Vec<Explanation>>,
    ) {
        let net = self.net;
        if is_instance {
            let state = net.instance(&port.instance_id).map(|(s, _)| s);
            let running = state == Some(InstanceState::Running);
            let verdict = if running {
                Verdict::Forwarded
            } else {
                Verdict::Denied
            };
            let hop = self.hop(
                Component::new(Kind::Instance, &port.instance_id),
                Step::Originate,
                verdict,
            );
            hop.outbound_header = Some(header(p));
            if !running {
                let mut e = Explanation::new("BAD_STATE");
                e.component = Some(Component::new(Kind::Instance, &port.instance_id));
                e.state = state.map(|s| s.name().to_owned());
                e.fix = Some(format!("start {}", port.instance_id));
                self.block(e, Disposition::DeniedOut);
            }
        } else if !port.up {
            let mut e = Explanation::new("BAD_STATE");
            e.component = Some(Component::new(Kind::Instance, &port.instance_id));
            e.state = Some("stopped".into());
            e.fix = Some(format!("start {}", port.instance_id));
            self.block(e, Disposition::DeniedOut);
        }
        let owns = port.addresses.contains(&p.source);
        let passes = owns || (steered.is_some() && !port.source_dest_check);
        let verdict = if passes {
            Verdict::Permitted
        } else {
            Verdict::Denied
        };
        let hop = self.hop(eni(port), Step::SrcDstCheck, verdict);
        hop.attached_to = Some(Component::new(Kind::Instance, &port.instance_id));
        hop.subnet = Some(port.subnet_id.clone());
        hop.vpc = Some(port.vpc_id.clone());
        if !is_instance {
            hop.outbound_header = Some(header(p));
        }
        hop.note = Some(if owns {
            format!("{} belongs to {}", p.source, port.eni_id)
        } else if passes {
            format!("check off on {}: {} passes", port.eni_id, p.source)
        } else {
            format!("{} does not belong to {}", p.source, port.eni_id)
        });
        if let Some(blockers) = steered {
            if !passes {
                for e in blockers {
                    self.block(e, Disposition::DeniedOut);
                }
            }
        } else if !owns && !reply {
            let mut e = Explanation::new("ENI_ADDRESS_RESTRICTION");
            e.direction = Some("egress");
            e.network_interface = Some(eni(port));
            e.address = Some(p.source);
            self.block(e, Disposition::DeniedOut);
        }
    }

    /// From a port into the VPC: its groups, then its subnet's route.
    fn leave(&mut self, port: &'n Port, p: Packet, reply: bool, depth: usize) -> End {
        self.security_groups(port, p, reply, true);
        let Some(table) = port.route_table.clone() else {
            let mut e = Explanation::new("NO_ROUTE_TO_DESTINATION");
            e.subnet = Some(Component::new(Kind::Subnet, &port.subnet_id));
            e.address = Some(p.destination);
            self.block(e, Disposition::NoRoute);
            return End::Dead(Disposition::NoRoute);
        };
        let rtb = Component::new(Kind::RouteTable, &table);
        let routes = self.net.routes(&table);
        let best = routes
            .iter()
            .filter(|r| r.destination.contains(&p.destination))
            .max_by_key(|r| r.destination.prefix_len());
        let Some(route) = best else {
            self.hop(rtb.clone(), Step::Route, Verdict::NoRoute).note =
                Some(format!("no route to {}", p.destination));
            let mut e = Explanation::new("NO_ROUTE_TO_DESTINATION");
            e.route_table = Some(rtb);
            e.subnet = Some(Component::new(Kind::Subnet, &port.subnet_id));
            e.vpc = Some(Component::new(Kind::Vpc, &port.vpc_id));
            e.address = Some(p.destination);
            e.fix = Some(format!("add a route to {} in {table}", p.destination));
            self.block(e, Disposition::NoRoute);
            return End::Dead(Disposition::NoRoute);
        };
        let rule = route_ref(&table, route);
        if !route.active {
            let hop = self.hop(rtb.clone(), Step::Route, Verdict::NullRouted);
            hop.rule = Some(Rule::Route(rule.clone()));
            let mut e = Explanation::new("BAD_STATE_ROUTE");
            e.route_table = Some(rtb);
            e.route_table_route = Some(rule);
            e.subnet = Some(Component::new(Kind::Subnet, &port.subnet_id));
            e.fix = Some(format!(
                "replace the blackhole route {} in {table} with a live target",
                route.destination
            ));
            self.block(e, Disposition::NullRouted);
            return End::Dead(Disposition::NullRouted);
        }
        match &route.target {
            RouteTarget::Local => {
                let Some(next) = self.net.holder(&port.vpc_id, p.destination) else {
                    self.acl(&port.subnet_id, p, true);
                    self.route_hop(rtb, rule);
                    let mut e = Explanation::new("NO_POSSIBLE_DESTINATION");
                    e.component = Some(Component::new(Kind::Vpc, &port.vpc_id));
                    e.address = Some(p.destination);
                    self.block(e, Disposition::NoRoute);
                    return End::Dead(Disposition::NoRoute);
                };
                if next.subnet_id != port.subnet_id {
                    self.acl(&port.subnet_id, p, true);
                }
                self.route_hop(rtb, rule);
                self.enter(next, Some(&port.subnet_id), p, reply, depth)
            }
            RouteTarget::InternetGateway(igw) => {
                self.acl(&port.subnet_id, p, true);
                self.route_hop(rtb, rule);
                self.out_to_internet(igw, port, p, reply)
            }
            RouteTarget::NetworkInterface(_) | RouteTarget::Instance(_) => {
                let target = match &route.target {
                    RouteTarget::NetworkInterface(id) => self.net.port(id),
                    RouteTarget::Instance(id) => self
                        .net
                        .instance(id)
                        .and_then(|(_, ports)| ports.into_iter().find(|p| p.device_index == 0)),
                    _ => None,
                };
                let Some(next) = target else {
                    return End::Dead(Disposition::NullRouted);
                };
                if next.subnet_id != port.subnet_id {
                    self.acl(&port.subnet_id, p, true);
                }
                self.route_hop(rtb, rule);
                if depth >= MAX_APPLIANCES || self.visited.contains(&next.eni_id) {
                    self.block(Explanation::new("NO_PATH"), Disposition::NoRoute);
                    return End::Dead(Disposition::NoRoute);
                }
                self.enter(next, Some(&port.subnet_id), p, reply, depth + 1)
            }
            RouteTarget::VpcPeeringConnection(pcx) => {
                self.acl(&port.subnet_id, p, true);
                self.route_hop(rtb, rule);
                self.over_peering(pcx, port, p, reply, depth)
            }
            // IPv6 only: the analyzer walks IPv4 packets, whose routes never have one.
            RouteTarget::EgressOnlyInternetGateway(_) => End::Dead(Disposition::NullRouted),
            RouteTarget::NatGateway(id) => {
                let Some(nat) = self.net.nat_gateway(id) else {
                    return End::Dead(Disposition::NullRouted);
                };
                if nat.subnet_id != port.subnet_id {
                    self.acl(&port.subnet_id, p, true);
                }
                self.route_hop(rtb, rule);
                if depth >= MAX_APPLIANCES || self.visited.contains(&nat.eni_id) {
                    self.block(Explanation::new("NO_PATH"), Disposition::NoRoute);
                    return End::Dead(Disposition::NoRoute);
                }
                self.through_nat(id, nat, port, p, reply, depth + 1)
            }
        }
    }

    /// Over an active peering connection into the peer VPC, which delivers only to its own
    /// addresses (no transitive routing); the peer's subnet ACL and groups follow.
    fn over_peering(
        &mut self,
        pcx: &str,
        port: &Port,
        p: Packet,
        reply: bool,
        depth: usize,
    ) -> End {
        let net = self.net;
        let component = Component::new(Kind::VpcPeeringConnection, pcx);
        let peer = net
            .vpc(&port.vpc_id)
            .and_then(|v| v.peerings.iter().find(|(id, _, _)| id == pcx));
        let next = peer
            .filter(|(_, _, cidrs)| cidrs.iter().any(|c| c.contains(&p.destination)))
            .and_then(|(_, vpc, _)| net.holder(vpc, p.destination));
        let Some(next) = next else {
            self.hop(component.clone(), Step::Route, Verdict::Denied);
            let mut e = Explanation::new("NO_POSSIBLE_DESTINATION");
            e.component = Some(component);
            e.address = Some(p.destination);
            self.block(e, Disposition::NoRoute);
            return End::Dead(Disposition::NoRoute);
        };
        let hop = self.hop(component, Step::Route, Verdict::Forwarded);
        hop.vpc = Some(next.vpc_id.clone());
        self.enter(next, None, p, reply, depth)
    }

    fn route_hop(&mut self, rtb: Component, rule: RouteRef) {
        let hop = self.hop(rtb, Step::Route, Verdict::Forwarded);
        hop.rule = Some(Rule::Route(rule));
    }

    /// Into a port: its subnet's ACL (when crossing into it), its groups, its check; then
    /// delivered, or forwarded on if it is an appliance (the packet is not for it).
    fn enter(
        &mut self,
        port: &'n Port,
        from_subnet: Option<&str>,
        p: Packet,
        reply: bool,
        depth: usize,
    ) -> End {
        if from_subnet != Some(port.subnet_id.as_str()) {
            self.acl(&port.subnet_id, p, false);
        }
        self.security_groups(port, p, reply, false);
        let mine = port.addresses.contains(&p.destination);
        let verdict = if mine || !port.source_dest_check {
            Verdict::Permitted
        } else {
            Verdict::Denied
        };
        let hop = self.hop(eni(port), Step::SrcDstCheck, verdict);
        hop.attached_to = Some(Component::new(Kind::Instance, &port.instance_id));
        hop.subnet = Some(port.subnet_id.clone());
        hop.vpc = Some(port.vpc_id.clone());
        hop.note = Some(if mine {
            format!("{} belongs to {}", p.destination, port.eni_id)
        } else if port.source_dest_check {
            format!(
                "{} does not belong to {} (check on)",
                p.destination, port.eni_id
            )
        } else {
            format!("check off on {}: forwarded", port.eni_id)
        });
        if !port.up {
            let mut e = Explanation::new("BAD_STATE");
            e.component = Some(Component::new(Kind::Instance, &port.instance_id));
            e.state = Some("stopped".into());
            e.fix = Some(format!("start {}", port.instance_id));
            self.block(e, Disposition::DeniedIn);
        }
        if mine {
            if let Some(end) = self.nat_reply(port, p, reply, depth) {
                return end;
            }
            let hop = self.hop(
                Component::new(Kind::Instance, &port.instance_id),
                Step::Deliver,
                Verdict::Accepted,
            );
            hop.inbound_header = Some(header(p));
            self.guest_accept(port, p);
            return End::Delivered(port.eni_id.clone(), p);
        }
        if port.source_dest_check {
            let mut e = Explanation::new("ENI_SOURCE_DEST_CHECK_RESTRICTION");
            e.direction = Some("ingress");
            e.network_interface = Some(eni(port));
            e.address = Some(p.destination);
            e.vpc = Some(Component::new(Kind::Vpc, &port.vpc_id));
            e.fix = Some(format!(
                "aws ec2 modify-network-interface-attribute --network-interface-id {} --no-source-dest-check",
                port.eni_id
            ));
            self.block(e, Disposition::DeniedIn);
        }
        self.visited.push(port.eni_id.clone());
        self.leave(port, p, reply, depth)
    }

    /// Out through the internet gateway: the route's gateway must be the VPC's, the source
    /// must have a public address, the destination must be on the internet.
    fn out_to_internet(&mut self, igw: &str, port: &Port, p: Packet, reply: bool) -> End {
        let net = self.net;
        let gateway = net.vpc(&port.vpc_id).and_then(|v| v.gateway.as_ref());
        let component = Component::new(Kind::InternetGateway, igw);
        let public = gateway.and_then(|g| g.nat.iter().find(|(private, _)| *private == p.source));
        let mut out = p;
        let mut ok = true;
        if space::is_private(p.destination) {
            ok = false;
            let mut e = Explanation::new("IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS");
            e.internet_gateway = Some(component.clone());
            e.address = Some(p.destination);
            self.block(e, Disposition::DeniedOut);
        } else if net.is_mapped_public(p.destination) {
            ok = false;
            let mut e = Explanation::new("IGW_NAT_REFLECTION");
            e.internet_gateway = Some(component.clone());
            self.block(e, Disposition::DeniedOut);
        }
        match public {
            Some(&(_, public)) => out.source = public,
            None => {
                ok = false;
                let mut e = Explanation::new("IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS");
                e.internet_gateway = Some(component.clone());
                e.address = Some(p.source);
                e.network_interface = Some(eni(port));
                e.fix = Some(format!(
                    "associate an Elastic IP with {} on {}",
                    p.source, port.eni_id
                ));
                self.block(e, Disposition::DeniedOut);
            }
        }
        let verdict = if ok {
            Verdict::Transformed
        } else {
            Verdict::Denied
        };
        let hop = self.hop(component, Step::Nat, verdict);
        hop.vpc = Some(port.vpc_id.clone());
        hop.note = Some(format!("source {} -> {}", p.source, out.source));
        if !reply {
            hop.inbound_header = Some(header(p));
        }
        hop.outbound_header = Some(header(out));
        End::Exited(igw.to_owned(), out)
    }

    /// In from the internet: the gateway translates a public destination to its ENI's private
    /// address; the ENI's subnet ACL and groups follow.
    fn in_from_internet(&mut self, igw: &str, p: Packet, reply: bool) -> End {
        let net = self.net;
        let component = Component::new(Kind::InternetGateway, igw);
        let Some((vpc_id, gateway)) = net.gateway(igw) else {
            let mut e = Explanation::new("BAD_STATE_ATTACHMENT");
            e.component = Some(component);
            e.state = Some("detached".into());
            self.block(e, Disposition::DeniedIn);
            return End::Dead(Disposition::DeniedIn);
        };
        let private = gateway
            .nat
            .iter()
            .find(|(_, public)| *public == p.destination);
        let Some(&(private, _)) = private else {
            let hop = self.hop(component.clone(), Step::Nat, Verdict::Denied);
            hop.vpc = Some(vpc_id.to_owned());
            hop.note = Some(format!(
                "{} is no public address of {vpc_id}",
                p.destination
            ));
            let mut e = Explanation::new("IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS");
            e.internet_gateway = Some(component);
            e.address = Some(p.destination);
            if let Some(port) = net.holder(vpc_id, p.destination) {
                e.fix = Some(format!(
                    "associate an Elastic IP with {} on {}",
                    p.destination, port.eni_id
                ));
            }
            self.block(e, Disposition::DeniedIn);
            return End::Dead(Disposition::DeniedIn);
        };
        let inside = Packet {
            destination: private,
            ..p
        };
        let hop = self.hop(component, Step::Nat, Verdict::Transformed);
        hop.vpc = Some(vpc_id.to_owned());
        hop.note = Some(format!("destination {} -> {private}", p.destination));
        hop.inbound_header = Some(header(p));
        hop.outbound_header = Some(header(inside));
        let port = net
            .holder(vpc_id, private)
            .expect("a mapping is of an attached ENI");
        self.enter(port, None, inside, reply, 0)
    }

    /// The port's groups, one direction: a reply matches the session; a new flow needs a rule.
    /// A NAT gateway's interface has none.
    fn security_groups(&mut self, port: &Port, p: Packet, reply: bool, egress: bool) {
        let net = self.net;
        if !port.security_groups {
            return;
        }
        let first = port.groups.first().map_or("", String::as_str);
        if reply {
            let hop = self.hop(
                Component::new(Kind::SecurityGroup, first),
                Step::Session,
                Verdict::MatchedSession,
            );
            hop.note = Some("reply of an allowed flow (stateful)".into());
            return;
        }
        let (step, direction) = if egress {
            (Step::SgEgress, "egress")
        } else {
            (Step::SgIngress, "ingress")
        };
        let peer = if egress { p.destination } else { p.source };
        let mut any_rule = false;
        let mut matched = None;
        for group_id in &port.groups {
            let Some(group) = net.group(group_id) else {
                continue;
            };
            let rules = if egress {
                &group.egress
            } else {
                &group.ingress
            };
            any_rule |= !rules.is_empty();
            if let Some(rule) = rules.iter().find(|r| sg_matches(net, r, p, peer)) {
                matched = Some((group_id, rule));
                break;
            }
        }
        if let Some((group_id, rule)) = matched {
            let hop = self.hop(
                Component::new(Kind::SecurityGroup, group_id),
                step,
                Verdict::Permitted,
            );
            hop.rule = Some(Rule::SecurityGroup(sg_ref(group_id, direction, rule)));
            return;
        }
        self.hop(
            Component::new(Kind::SecurityGroup, first),
            step,
            Verdict::Denied,
        )
        .note = Some(format!(
            "no {direction} rule of {} admits it",
            port.groups.join(", ")
        ));
        let groups: Vec<Component> = port
            .groups
            .iter()
            .map(|g| Component::new(Kind::SecurityGroup, g))
            .collect();
        let mut e = Explanation::new(if any_rule {
            "ENI_SG_RULES_MISMATCH"
        } else {
            "SG_HAS_NO_RULES"
        });
        e.direction = Some(direction);
        e.network_interface = Some(eni(port));
        e.security_groups = groups;
        e.vpc = Some(Component::new(Kind::Vpc, &port.vpc_id));
        if any_rule {
            e.subnet = Some(Component::new(Kind::Subnet, &port.subnet_id));
            e.packet_field = Some(mismatch_field(net, port, p, egress));
        }
        let (proto, port_text) = match p.protocol {
            Protocol::Icmp => ("icmp".to_owned(), String::new()),
            other => (
                format!("{other:?}").to_lowercase(),
                format!(" --port {}", p.destination_port),
            ),
        };
        e.port = (p.protocol != Protocol::Icmp).then_some(p.destination_port);
        e.fix = Some(format!(
            "aws ec2 authorize-security-group-{direction} --group-id {first} --protocol {proto}{port_text} --cidr {peer}/32"
        ));
        self.block(
            e,
            if egress {
                Disposition::DeniedOut
            } else {
                Disposition::DeniedIn
            },
        );
    }

    /// A subnet's ACL, one direction: the first rule that matches decides.
    fn acl(&mut self, subnet_id: &str, p: Packet, egress: bool) {
        let net = self.net;
        let acl = net.acl(subnet_id);
        let acl_id = acl.and_then(|a| a.acl_id.clone()).unwrap_or_default();
        let component = Component::new(Kind::NetworkAcl, &acl_id);
        let rules: &[AclRule] = match acl {
            Some(a) if egress => &a.outbound,
            Some(a) => &a.inbound,
            None => &[],
        };
        let peer = if egress { p.destination } else { p.source };
        let decided = rules
            .iter()
            .find(|r| r.cidr.contains(&peer) && traffic_matches(&r.traffic, p));
        let allow = decided.is_some_and(|r| r.allow);
        let step = if egress {
            Step::AclEgress
        } else {
            Step::AclIngress
        };
        let verdict = if allow {
            Verdict::Permitted
        } else {
            Verdict::Denied
        };
        let rule = decided.map(|r| acl_ref(r, egress)).unwrap_or(AclRuleRef {
            number: 32767,
            allow: false,
            egress,
            protocol: "all".into(),
            cidr: "0.0.0.0/0".parse().expect("constant"),
            ports: None,
        });
        let hop = self.hop(component.clone(), step, verdict);
        hop.rule = Some(Rule::Acl(rule.clone()));
        hop.subnet = Some(subnet_id.to_owned());
        if allow {
            return;
        }
        let direction = if egress { "egress" } else { "ingress" };
        let mut e = Explanation::new("SUBNET_ACL_RESTRICTION");
        e.direction = Some(direction);
        e.acl = Some(component);
        e.subnet = Some(Component::new(Kind::Subnet, subnet_id));
        let before = if rule.number == 32767 {
            32766
        } else {
            rule.number - 1
        };
        e.fix = Some(format!(
            "aws ec2 create-network-acl-entry --network-acl-id {acl_id} --{direction} --rule-number {before} --protocol {} --port-range From={p},To={p} --cidr-block {peer}/32 --rule-action allow",
            p.protocol.number(),
            p = p.destination_port,
        ));
        e.acl_rule = Some(rule);
        self.block(
            e,
            if egress {
                Disposition::DeniedOut
            } else {
                Disposition::DeniedIn
            },
        );
    }
}

/// Which field of the packet no rule of the port's groups admits: the address if some rule
/// would take the traffic from elsewhere, else the port if some rule takes the protocol.
fn mismatch_field(net: &Network, port: &Port, p: Packet, egress: bool) -> Field {
    let rules: Vec<&SgRule> = port
        .groups
        .iter()
        .filter_map(|g| net.group(g))
        .flat_map(|g| if egress { &g.egress } else { &g.ingress })
        .collect();
    if rules.iter().any(|r| traffic_matches(&r.traffic, p)) {
        return if egress {
            Field::DestinationAddress
        } else {
            Field::SourceAddress
        };
    }
    let same_protocol = rules.iter().any(|r| {
        matches!(
            (r.traffic, p.protocol),
            (Traffic::Tcp(_), Protocol::Tcp)
                | (Traffic::Udp(_), Protocol::Udp)
                | (Traffic::Icmp { .. }, Protocol::Icmp)
        )
    });
    if same_protocol {
        Field::DestinationPort
    } else {
        Field::Protocol
    }
}

fn sg_matches(net: &Network, rule: &SgRule, p: Packet, peer: Ipv4Addr) -> bool {
    let peer_ok = match &rule.peer {
        Peer::Cidr(c) => c.contains(&peer),
        // The analyzer follows IPv4 packets: an IPv6 range never matches one.
        Peer::Ipv6Cidr(_) => false,
        Peer::Group(g) => net.group(g).is_some_and(|g| g.members.contains(&peer)),
        Peer::PrefixList(l) => net.prefix_list(l).any(|c| c.contains(&peer)),
    };
    peer_ok && traffic_matches(&rule.traffic, p)
}

/// Whether a rule's traffic covers the packet (ICMP: an echo request forward, a reply back
/// — both are type 8/0 of the same flow; rules with a type match the request's).
pub(crate) fn traffic_matches(t: &Traffic, p: Packet) -> bool {
    match (*t, p.protocol) {
        (Traffic::All, _) => true,
        (Traffic::Tcp(r), Protocol::Tcp) | (Traffic::Udp(r), Protocol::Udp) => {
            r.from <= p.destination_port && p.destination_port <= r.to
        }
        (Traffic::Icmp { kind, code }, Protocol::Icmp) => {
            kind.is_none_or(|k| k == 8 || k == 0) && code.is_none_or(|c| c == 0)
        }
        (Traffic::Protocol(n), proto) => n == proto.number(),
        _ => false,
    }
}

fn eni(port: &Port) -> Component {
    Component::new(Kind::NetworkInterface, &port.eni_id)
}

fn header(p: Packet) -> Header {
    let host = |a: Ipv4Addr| Ipv4Net::new(a, 32).expect("/32");
    let ports = |n: u16| match p.protocol {
        Protocol::Icmp => Vec::new(),
        _ => vec![Ports { from: n, to: n }],
    };
    Header {
        protocol: p.protocol,
        source: vec![host(p.source)],
        destination: vec![host(p.destination)],
        source_ports: ports(p.source_port),
        destination_ports: ports(p.destination_port),
    }
}

fn protocol_name(t: &Traffic) -> (String, Option<Ports>) {
    match *t {
        Traffic::All => ("all".into(), None),
        Traffic::Tcp(p) => ("tcp".into(), Some(p)),
        Traffic::Udp(p) => ("udp".into(), Some(p)),
        Traffic::Icmp { .. } => ("icmp".into(), None),
        Traffic::Icmpv6 { .. } => ("icmpv6".into(), None),
        Traffic::Protocol(n) => (n.to_string(), None),
    }
}

fn acl_ref(rule: &AclRule, egress: bool) -> AclRuleRef {
    let (protocol, ports) = protocol_name(&rule.traffic);
    AclRuleRef {
        number: rule.number,
        allow: rule.allow,
        egress,
        protocol,
        cidr: rule.cidr,
        ports,
    }
}

fn sg_ref(group_id: &str, direction: &'static str, rule: &SgRule) -> SgRuleRef {
    let (protocol, ports) = protocol_name(&rule.traffic);
    let (cidr, peer_group, prefix_list) = match &rule.peer {
        Peer::Cidr(c) => (Some(*c), None, None),
        Peer::Ipv6Cidr(_) => (None, None, None),
        Peer::Group(g) => (None, Some(g.clone()), None),
        Peer::PrefixList(l) => (None, None, Some(l.clone())),
    };
    SgRuleRef {
        group_id: group_id.to_owned(),
        direction,
        protocol,
        ports,
        cidr,
        peer_group,
        prefix_list,
    }
}

fn route_ref(table: &str, route: &crate::network::Route) -> RouteRef {
    let target = match &route.target {
        RouteTarget::Local => "local".to_owned(),
        RouteTarget::InternetGateway(id)
        | RouteTarget::Instance(id)
        | RouteTarget::NetworkInterface(id)
        | RouteTarget::NatGateway(id)
        | RouteTarget::VpcPeeringConnection(id)
        | RouteTarget::EgressOnlyInternetGateway(id) => id.clone(),
    };
    RouteRef {
        route_table_id: table.to_owned(),
        destination: route.destination,
        target,
        origin: match route.origin {
            RouteOrigin::CreateRouteTable => "createroutetable",
            RouteOrigin::CreateRoute => "createroute",
        },
        active: route.active,
    }
}
