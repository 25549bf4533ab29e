//! Path analysis over the data plane's network model (issue 16): a flow is walked as the
//! packet would go — the source's security groups (egress), its subnet's network ACL (out), the
//! route table's longest-prefix match, the internet gateway's 1:1 NAT, the destination subnet's
//! ACL (in), the destination's groups (ingress), the source/destination checks — and back (the
//! reply, with the groups' connection state). Each step records the component, the rule that
//! decided it by its AWS identity, and the verdict; a blocked gate becomes an explanation with
//! AWS's Reachability Analyzer code, and the walk goes on as if it had passed so that every
//! blocker is named. Pure: no IO.
//!
//! The flow is a set of packets (addresses and port ranges). Every rule is a box over (source,
//! destination, ports), so the verdict is constant between the rules' edges: the analyzer walks
//! one packet per cell of those edges ([`space`]) and keeps the first that passes, else the one
//! with the fewest blockers.

mod explain;
pub mod guest;
pub mod lint;
mod network;
pub mod space;
mod walk;

#[cfg(test)]
mod guest_tests;
#[cfg(test)]
mod nat_tests;
#[cfg(test)]
mod tests;

pub use explain::{Explanation, Field};
pub use network::Network;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// An end of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Instance(String),
    NetworkInterface(String),
    InternetGateway(String),
    /// A destination given only by address (a path without `Destination`).
    Address(Ipv4Addr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Tcp,
    Udp,
    /// ICMP echo: only `localvpc why` asks for it.
    Icmp,
}

impl Protocol {
    /// The IP protocol number, as AWS prints it in packet headers.
    pub fn number(self) -> u8 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Icmp => 1,
        }
    }
}

/// An inclusive port range.
pub use localvpc_dataplane::model::filter::Ports;

/// What to analyze: AWS's path (source, destination, protocol) and its filters — the header
/// leaving the source (`source_address`, ports) and arriving (`destination_address`).
#[derive(Debug, Clone)]
pub struct Query {
    pub source: Endpoint,
    pub destination: Endpoint,
    pub protocol: Protocol,
    pub source_address: Option<Ipv4Addr>,
    pub destination_address: Option<Ipv4Addr>,
    pub source_ports: Ports,
    pub destination_ports: Ports,
    /// StartNetworkInsightsAnalysis's `FilterInArns`: components the forward path must cross.
    pub filter_in: Vec<Component>,
    /// `FilterOutArns`: components the forward path must not cross.
    pub filter_out: Vec<Component>,
}

/// The kind of a component, named as AWS's ARNs name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Instance,
    NetworkInterface,
    SecurityGroup,
    NetworkAcl,
    RouteTable,
    InternetGateway,
    Subnet,
    Vpc,
    VpcPeeringConnection,
    NatGateway,
}

impl Kind {
    /// The resource type in the component's ARN.
    pub fn arn_type(self) -> &'static str {
        match self {
            Kind::Instance => "instance",
            Kind::NetworkInterface => "network-interface",
            Kind::SecurityGroup => "security-group",
            Kind::NetworkAcl => "network-acl",
            Kind::RouteTable => "route-table",
            Kind::InternetGateway => "internet-gateway",
            Kind::Subnet => "subnet",
            Kind::Vpc => "vpc",
            Kind::VpcPeeringConnection => "vpc-peering-connection",
            Kind::NatGateway => "natgateway",
        }
    }
}

/// A resource on the path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Component {
    pub kind: Kind,
    pub id: String,
}

impl Component {
    pub fn new(kind: Kind, id: &str) -> Self {
        Component {
            kind,
            id: id.to_owned(),
        }
    }
}

/// What a hop did (Batfish's steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Originate,
    SrcDstCheck,
    SgEgress,
    SgIngress,
    Session,
    AclEgress,
    AclIngress,
    Route,
    Nat,
    Exit,
    Deliver,
    /// Inside the instance: the guest's routing picks the link.
    GuestRoute,
    /// Inside the instance: the reverse-path filter.
    GuestRpf,
    /// Inside the instance: the address is configured, the packet taken.
    GuestDeliver,
}

/// How a hop ended (Batfish's step actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Permitted,
    Denied,
    Forwarded,
    Transformed,
    MatchedSession,
    NoRoute,
    NullRouted,
    Accepted,
}

impl Verdict {
    pub fn blocks(self) -> bool {
        matches!(
            self,
            Verdict::Denied | Verdict::NoRoute | Verdict::NullRouted
        )
    }
}

/// The packets of a hop: AWS's `AnalysisPacketHeader`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub protocol: Protocol,
    pub source: Vec<Ipv4Net>,
    pub destination: Vec<Ipv4Net>,
    pub source_ports: Vec<Ports>,
    pub destination_ports: Vec<Ports>,
}

/// The rule that decided a hop, by its AWS identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Acl(AclRuleRef),
    SecurityGroup(SgRuleRef),
    Route(RouteRef),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclRuleRef {
    pub number: i32,
    pub allow: bool,
    pub egress: bool,
    /// `all`, `tcp`, `udp`, `icmp` or the number.
    pub protocol: String,
    pub cidr: Ipv4Net,
    pub ports: Option<Ports>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SgRuleRef {
    pub group_id: String,
    /// `ingress` or `egress`.
    pub direction: &'static str,
    pub protocol: String,
    pub ports: Option<Ports>,
    pub cidr: Option<Ipv4Net>,
    /// The referenced group, for a rule naming one.
    pub peer_group: Option<String>,
    /// The referenced prefix list, for a rule naming one.
    pub prefix_list: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRef {
    pub route_table_id: String,
    pub destination: Ipv4Net,
    /// `local`, `igw-…`, `eni-…` or `i-…`.
    pub target: String,
    pub origin: &'static str,
    pub active: bool,
}

/// One step of the walk: a path component in AWS's terms, a trace line in `localvpc why`'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub component: Component,
    pub step: Step,
    pub verdict: Verdict,
    pub rule: Option<Rule>,
    /// Free text for what has no AWS rule (the check, the NAT).
    pub note: Option<String>,
    pub attached_to: Option<Component>,
    pub subnet: Option<String>,
    pub vpc: Option<String>,
    pub inbound_header: Option<Header>,
    pub outbound_header: Option<Header>,
}

/// How a direction ended (Batfish's dispositions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Accepted,
    DeniedIn,
    DeniedOut,
    NoRoute,
    NullRouted,
    ExitsNetwork,
}

/// One direction of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Direction {
    pub hops: Vec<Hop>,
    pub disposition: Disposition,
}

impl Direction {
    /// Whether the direction crosses `c`: as a hop's component, the instance an ENI hop is
    /// attached to, or the subnet or VPC a hop is in.
    pub fn crosses(&self, c: &Component) -> bool {
        self.hops.iter().any(|h| {
            h.component == *c
                || h.attached_to.as_ref() == Some(c)
                || (c.kind == Kind::Subnet && h.subnet.as_deref() == Some(c.id.as_str()))
                || (c.kind == Kind::Vpc && h.vpc.as_deref() == Some(c.id.as_str()))
        })
    }
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub found: bool,
    /// The packet walked (the first that passes, else the one with fewest blockers).
    pub packet: Option<Packet>,
    pub forward: Direction,
    /// Present when the forward walk arrived.
    pub reverse: Option<Direction>,
    /// Every blocker, forward then return; empty when found.
    pub explanations: Vec<Explanation>,
}

/// One concrete packet of the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    pub protocol: Protocol,
    pub source: Ipv4Addr,
    pub destination: Ipv4Addr,
    pub source_port: u16,
    pub destination_port: u16,
}

impl Packet {
    /// The reply: addresses and ports swapped.
    pub fn reply(self) -> Packet {
        Packet {
            protocol: self.protocol,
            source: self.destination,
            destination: self.source,
            source_port: self.destination_port,
            destination_port: self.source_port,
        }
    }
}

/// Analyzes `query` over `network`, as AWS does (guest-blind).
pub fn analyze(network: &Network, query: &Query) -> Analysis {
    walk::analyze(network, query, None)
}

/// Analyzes `query` over `network` and inside the instances of `guests` (reachability.md §3):
/// the guests' routing picks the ENI a packet leaves by, and they must take what arrives.
/// Instances without a state are walked as AWS does.
pub fn analyze_with_guests(network: &Network, query: &Query, guests: &guest::Guests) -> Analysis {
    walk::analyze(network, query, Some(guests))
}

/// The instances a flow can start or end in, whose guests a guest-aware analysis reads: the
/// endpoints' instances, and for an address the instance holding it in any VPC.
pub fn guest_instances(network: &Network, query: &Query) -> Vec<String> {
    let mut out = Vec::new();
    let addresses = [query.source_address, query.destination_address];
    for end in [&query.source, &query.destination] {
        match end {
            Endpoint::Instance(id) => out.push(id.clone()),
            Endpoint::NetworkInterface(id) => {
                out.extend(network.port(id).map(|p| p.instance_id.clone()));
            }
            Endpoint::Address(a) => out.extend(
                network
                    .ports()
                    .iter()
                    .filter(|p| p.addresses.contains(a))
                    .chain(network.public_holder(*a))
                    .map(|p| p.instance_id.clone()),
            ),
            Endpoint::InternetGateway(_) => {}
        }
    }
    for a in addresses.into_iter().flatten() {
        out.extend(
            network
                .ports()
                .iter()
                .filter(|p| p.addresses.contains(&a))
                .map(|p| p.instance_id.clone()),
        );
    }
    out.sort();
    out.dedup();
    out
}
