//! VPC routing and the internet gateway in the model: each subnet's route table as a kernel
//! routing table in the VPC's router, and the 1:1 NAT of public addresses at the gateway.
//!
//! In the router namespace every route table of the VPC is one kernel table; a policy rule per
//! port (`iif <port> lookup <table>`) picks the table of the port's subnet (its explicit
//! association, else the VPC's main table), so longest-prefix match runs over the subnet's own
//! routes as on AWS. The `local` route is `throw <vpc block>`: the lookup falls back to the main
//! table, whose /32 host routes reach each ENI address. An internet gateway route leaves through
//! the uplink, a veth to the internet namespace; an ENI or instance route goes to the ENI's
//! primary address through its port, a NAT gateway route to its interface's primary address
//! (its namespace forwards and source-NATs, then the router routes the result by the NAT
//! subnet's table), a peering route to the peer router's end of the link ([`peering`]). A route is a blackhole exactly when DescribeRouteTables
//! says so ([`RouteState`], from the same [`LiveTargets`]): its target is gone, detached, or
//! its instance stopped.
//!
//! A route table decides where packets leaving its subnets go, never which packets may enter
//! them, as on AWS. That holds because reverse-path filtering is off in routers: the kernel's
//! source validation of a forwarded packet looks the source up with the *outgoing* port as
//! `iif`, hence in that port's table, and only with `rp_filter` on would a blackhole found
//! there drop the packet (the source/destination check is the filter table's).

use super::peering::{self, PeeringIn, PeeringLink};
use super::{PREFIX, Port, Snapshot, short};
use ipnet::{IpNet, Ipv6Net};
use localvpc_model::route_table::{LiveTargets, RouteState, RouteTable, RouteTarget};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The namespace beyond every internet gateway: test hosts and the what-is-my-IP service.
pub const INTERNET_NS: &str = "lvpc-internet";
/// The uplink's name in a router namespace.
pub const UPLINK: &str = "lvpc-igw";
/// The uplink's address in the router, and its peer's on the internet side. Link-local: AWS
/// refuses 169.254.0.0/16 as a VPC block, so it can never clash with an instance.
pub const UPLINK_ROUTER: Ipv4Addr = Ipv4Addr::new(169, 254, 0, 1);
pub const UPLINK_INTERNET: Ipv4Addr = Ipv4Addr::new(169, 254, 0, 2);
/// The IPv6 link-locals of the uplinks' ends (router, internet), and of the egress-only
/// gateway's link: IPv6 is routed, never translated, over both.
pub const UPLINK6_ROUTER: Ipv6Addr = Ipv6Addr::new(0xfe80, 0xec2, 0, 0, 0, 0, 0, 1);
pub const UPLINK6_INTERNET: Ipv6Addr = Ipv6Addr::new(0xfe80, 0xec2, 0, 0, 0, 0, 0, 2);
/// The egress-only internet gateway's link in a router namespace (to the internet namespace).
pub const EGRESS_ONLY_LINK: &str = "lvpc-eigw";
/// The internet's IPv6 test host (RFC 9637's documentation prefix, outside the VPC pool
/// 2001:db8::/32): it answers in the internet namespace, and opens connections from there.
pub const TEST_HOST6: Ipv6Addr = Ipv6Addr::new(0x3fff, 0, 0, 2, 0, 0, 0, 0x10);
/// The internet's test hosts: every address of the block answers in the internet namespace,
/// the first (192.0.2.1) also serves "what is my IP" over HTTP.
pub const TEST_HOSTS: &str = "192.0.2.1/24";
/// The test host that answers HTTP on port 80 with the caller's address.
pub const WHAT_IS_MY_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
/// The priority of every policy rule localvpc adds (rules of other priorities are not its).
pub const RULE_PRIORITY: u32 = 1000;
/// Route tables' kernel table numbers: [`kernel_table_number`] maps into this range.
const FIRST_TABLE: u32 = 1000;
const TABLE_SPAN: u32 = 1 << 24;

/// The kernel table of a route table, from its ID alone: creating or deleting another route
/// table never renumbers it (on AWS, CreateRouteTable does nothing to traffic). Two IDs that
/// meet in the range are told apart by probing, in ID order ([`RoutingIndex::routing`]).
pub fn kernel_table_number(route_table_id: &str) -> u32 {
    let hash = route_table_id.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    FIRST_TABLE + hash % TABLE_SPAN
}
/// The internet namespace's table of routes to public addresses.
pub const INTERNET_TABLE: u32 = 100;

/// What routing reads from the database, beside the VPCs, subnets and instances.
#[derive(Debug, Clone, Default)]
pub struct RoutingIn {
    /// Every route table, with its routes and associations.
    pub route_tables: Vec<RouteTable>,
    /// Internet gateways attached to a VPC.
    pub gateways: Vec<GatewayIn>,
    /// Public addresses (Elastic IPs and auto-assigned) of attached ENIs' private addresses.
    pub public_ips: Vec<PublicIpIn>,
    /// Active peering connections.
    pub peerings: Vec<PeeringIn>,
    /// Egress-only internet gateways (each of a VPC).
    pub egress_only: Vec<GatewayIn>,
    /// The associated IPv6 blocks of each VPC, by VPC ID: what the internet routes to a VPC
    /// that has a gateway.
    pub vpc_ipv6_blocks: HashMap<String, Vec<Ipv6Net>>,
}

#[derive(Debug, Clone)]
pub struct GatewayIn {
    pub id: String,
    pub vpc_id: String,
}

#[derive(Debug, Clone)]
pub struct PublicIpIn {
    pub eni_id: String,
    pub private: Ipv4Addr,
    pub public: Ipv4Addr,
}

/// How a kernel route forwards.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteKind {
    /// Not here: the lookup goes on with the next rule (the main table).
    Throw,
    /// Dropped.
    Blackhole,
    /// To `gateway` through `dev`, without needing a subnet route to it (`onlink`).
    Via { gateway: IpAddr, dev: String },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KernelRoute {
    /// An IPv4 or IPv6 destination: a kernel table holds both families.
    pub dst: IpNet,
    pub kind: RouteKind,
}

/// A route table of the VPC as a kernel routing table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelTable {
    pub route_table_id: String,
    pub number: u32,
    pub routes: Vec<KernelRoute>,
}

/// A router's routing: its tables, the table each port looks up, and its internet gateway.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Routing {
    pub tables: Vec<KernelTable>,
    /// (port, table number): packets arriving on the port look up that table (both families).
    pub rules: Vec<(String, u32)>,
    pub gateway: Option<Gateway>,
    /// The egress-only internet gateway's link to the internet namespace, if the VPC has one.
    pub egress_only: Option<EgressOnly>,
    /// The VPC's IPv6 blocks, routed to it from the internet while it has a gateway of either
    /// kind (through the internet gateway when it has both).
    pub ipv6_blocks: Vec<Ipv6Net>,
    /// Links to the routers of peered VPCs.
    pub peerings: Vec<PeeringLink>,
}

/// An attached internet gateway: the uplink to the internet namespace and the 1:1 NAT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gateway {
    pub id: String,
    /// The uplink's peer in the internet namespace.
    pub internet_link: String,
    /// (private, public) address pairs, sorted.
    pub nat: Vec<(Ipv4Addr, Ipv4Addr)>,
}

/// An egress-only internet gateway: a link of its own ([`EGRESS_ONLY_LINK`]), so that the
/// filter admits from it only replies to flows that left through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressOnly {
    pub id: String,
    /// The link's peer in the internet namespace.
    pub internet_link: String,
}

/// The egress-only link's peer in the internet namespace: `lvpc-x` and 9 hex digits of the
/// VPC ID (never an [`internet_link`], which has only hex digits after the prefix).
pub fn egress_only_internet_link(vpc_id: &str) -> String {
    let hex: String = short(vpc_id).chars().take(15 - PREFIX.len() - 1).collect();
    format!("{PREFIX}x{hex}")
}

/// The uplink's peer in the internet namespace: the prefix and 10 hex digits of the VPC ID.
pub fn internet_link(vpc_id: &str) -> String {
    let hex: String = short(vpc_id).chars().take(15 - PREFIX.len()).collect();
    format!("{PREFIX}{hex}")
}

/// Routing inputs indexed once for every router.
pub struct RoutingIndex<'s> {
    snapshot: &'s Snapshot,
    live: LiveTargets,
    /// ENI → (subnet, primary address).
    enis: HashMap<&'s str, (&'s str, Option<Ipv4Addr>)>,
    /// ENI → its first IPv6 address: where IPv6 routes to the ENI go.
    ipv6_of_eni: HashMap<&'s str, Ipv6Addr>,
    /// Instance → its primary ENI (device 0 of card 0); NAT gateway → its interface.
    primary_enis: HashMap<&'s str, &'s str>,
}

impl<'s> RoutingIndex<'s> {
    pub fn new(snapshot: &'s Snapshot) -> Self {
        let mut enis = HashMap::new();
        let mut primary_enis = HashMap::new();
        let mut ipv6_of_eni = HashMap::new();
        for instance in &snapshot.instances {
            for eni in &instance.enis {
                if let Some(&first) = eni.ipv6_addresses.first() {
                    ipv6_of_eni.insert(eni.id.as_str(), first);
                }
                let primary = eni.addresses.first().copied();
                enis.insert(eni.id.as_str(), (eni.subnet_id.as_str(), primary));
                if eni.device_index == 0 && eni.network_card_index == 0 {
                    primary_enis.insert(instance.id.as_str(), eni.id.as_str());
                }
            }
        }
        for nat in &snapshot.nat_gateways {
            let (eni, primary) = (&nat.eni, nat.eni.addresses.first().copied());
            enis.insert(eni.id.as_str(), (eni.subnet_id.as_str(), primary));
            primary_enis.insert(nat.id.as_str(), eni.id.as_str());
        }
        let live = LiveTargets::new(
            snapshot.instances.iter().map(|i| (i.id.as_str(), i.state)),
            snapshot.instances.iter().flat_map(|i| {
                let instance = Some(i.id.as_str());
                i.enis.iter().map(move |eni| (eni.id.as_str(), instance))
            }),
        )
        .with_nat_gateways(snapshot.nat_gateways.iter().map(|n| n.id.as_str()))
        .with_peerings(snapshot.routing.peerings.iter().map(|p| p.id.as_str()))
        .with_egress_only_gateways(snapshot.routing.egress_only.iter().map(|g| g.id.as_str()));
        RoutingIndex {
            snapshot,
            live,
            enis,
            ipv6_of_eni,
            primary_enis,
        }
    }

    /// The routing of the VPC's router, whose ports are `ports`.
    pub fn routing(&self, vpc_id: &str, ports: &[Port]) -> Routing {
        let routing = &self.snapshot.routing;
        let gateway_id = routing
            .gateways
            .iter()
            .find(|g| g.vpc_id == vpc_id)
            .map(|g| g.id.as_str());
        let live = self.live.for_gateway(gateway_id);
        let peerings = peering::links(vpc_id, &routing.peerings);
        let mut tables: Vec<&RouteTable> = routing
            .route_tables
            .iter()
            .filter(|t| t.vpc_id == vpc_id && !t.is_gateway_table())
            .collect();
        tables.sort_by(|a, b| a.id.cmp(&b.id));
        let mut taken = std::collections::BTreeSet::new();
        let numbered: Vec<(&RouteTable, u32)> = tables
            .into_iter()
            .map(|table| {
                let mut number = kernel_table_number(&table.id);
                while !taken.insert(number) {
                    number = FIRST_TABLE + (number - FIRST_TABLE + 1) % TABLE_SPAN;
                }
                (table, number)
            })
            .collect();
        let kernel_tables = numbered
            .iter()
            .map(|&(table, number)| KernelTable {
                route_table_id: table.id.clone(),
                number,
                routes: {
                    let mut routes: Vec<KernelRoute> = table
                        .routes
                        .iter()
                        .map(|r| KernelRoute {
                            dst: r.destination.into(),
                            kind: self.kind(&r.target, r.state(&live), ports, &peerings),
                        })
                        .collect();
                    self.add_prefix_list_routes(&mut routes, table, &live, ports, &peerings);
                    routes.extend(table.ipv6_routes.iter().map(|r| KernelRoute {
                        dst: r.destination.into(),
                        kind: self.kind6(&r.target, r.state(&live), ports),
                    }));
                    routes
                },
            })
            .collect();
        let table_of_subnet = |subnet: &str| {
            let associated = numbered.iter().find(|(t, _)| {
                t.associations
                    .iter()
                    .any(|a| a.subnet_id.as_deref() == Some(subnet))
            });
            associated
                .or_else(|| numbered.iter().find(|(t, _)| t.is_main()))
                .map(|&(_, number)| number)
        };
        let rules = ports
            .iter()
            .filter_map(|p| {
                let (subnet, _) = self.enis.get(p.eni_id.as_str())?;
                Some((p.name.clone(), table_of_subnet(subnet)?))
            })
            .collect();
        let gateway = gateway_id.map(|id| {
            let mut nat: Vec<(Ipv4Addr, Ipv4Addr)> = routing
                .public_ips
                .iter()
                .filter(|p| ports.iter().any(|port| port.eni_id == p.eni_id))
                .map(|p| (p.private, p.public))
                .collect();
            nat.sort();
            Gateway {
                id: id.to_owned(),
                internet_link: internet_link(vpc_id),
                nat,
            }
        });
        let egress_only = routing
            .egress_only
            .iter()
            .find(|g| g.vpc_id == vpc_id)
            .map(|g| EgressOnly {
                id: g.id.clone(),
                internet_link: egress_only_internet_link(vpc_id),
            });
        let ipv6_blocks = routing
            .vpc_ipv6_blocks
            .get(vpc_id)
            .cloned()
            .unwrap_or_default();
        Routing {
            tables: kernel_tables,
            rules,
            gateway,
            egress_only,
            ipv6_blocks,
            peerings,
        }
    }

    /// Where an IPv6 route sends packets: the internet gateway's uplink or the egress-only
    /// gateway's link (routed, no NAT), an ENI's first IPv6 address through its port. Peering
    /// and NAT gateways carry IPv4 only here: their IPv6 routes drop.
    fn kind6(&self, target: &RouteTarget, state: RouteState, ports: &[Port]) -> RouteKind {
        if state == RouteState::Blackhole {
            return RouteKind::Blackhole;
        }
        let eni = match target {
            RouteTarget::Local => return RouteKind::Throw,
            RouteTarget::InternetGateway(_) => {
                return RouteKind::Via {
                    gateway: UPLINK6_INTERNET.into(),
                    dev: UPLINK.into(),
                };
            }
            RouteTarget::EgressOnlyInternetGateway(_) => {
                return RouteKind::Via {
                    gateway: UPLINK6_INTERNET.into(),
                    dev: EGRESS_ONLY_LINK.into(),
                };
            }
            RouteTarget::Instance(id) => self.primary_enis.get(id.as_str()).copied(),
            RouteTarget::NetworkInterface(id) => Some(id.as_str()),
            RouteTarget::NatGateway(_) | RouteTarget::VpcPeeringConnection(_) => {
                return RouteKind::Blackhole;
            }
        };
        let port = eni.and_then(|eni| ports.iter().find(|p| p.eni_id == eni && p.up));
        match (port, eni.and_then(|eni| self.ipv6_of_eni.get(eni))) {
            (Some(port), Some(&gateway)) => RouteKind::Via {
                gateway: gateway.into(),
                dev: port.name.clone(),
            },
            _ => RouteKind::Blackhole,
        }
    }

    /// A route to a prefix list is a kernel route per current IPv4 entry of the list. A CIDR
    /// route to the same block wins, and of two lists with a block in common the one first by
    /// ID does (AWS: a static route wins, otherwise an arbitrary but stable choice); longest
    /// prefix still decides between different blocks.
    fn add_prefix_list_routes(
        &self,
        routes: &mut Vec<KernelRoute>,
        table: &RouteTable,
        live: &LiveTargets,
        ports: &[Port],
        peerings: &[PeeringLink],
    ) {
        let mut listed: Vec<_> = table.prefix_list_routes.iter().collect();
        listed.sort_by(|a, b| a.destination.cmp(&b.destination));
        for route in listed {
            let Some(entries) = self.snapshot.prefix_lists.get(&route.destination) else {
                continue;
            };
            let kind = self.kind(&route.target, route.state(live), ports, peerings);
            for &dst in entries {
                if !routes.iter().any(|r| r.dst == IpNet::from(dst)) {
                    routes.push(KernelRoute {
                        dst: dst.into(),
                        kind: kind.clone(),
                    });
                }
            }
        }
    }

    /// Where a route of a table sends packets: a blackhole when the target is not live, or
    /// (which the API's validation leaves no way to reach) when its ENI has no port up here.
    fn kind(
        &self,
        target: &RouteTarget,
        state: RouteState,
        ports: &[Port],
        peerings: &[PeeringLink],
    ) -> RouteKind {
        if state == RouteState::Blackhole {
            return RouteKind::Blackhole;
        }
        let eni = match target {
            RouteTarget::Local => return RouteKind::Throw,
            RouteTarget::InternetGateway(_) => {
                return RouteKind::Via {
                    gateway: UPLINK_INTERNET.into(),
                    dev: UPLINK.into(),
                };
            }
            RouteTarget::Instance(id) | RouteTarget::NatGateway(id) => {
                self.primary_enis.get(id.as_str()).copied()
            }
            RouteTarget::NetworkInterface(id) => Some(id.as_str()),
            RouteTarget::VpcPeeringConnection(id) => {
                return match peerings.iter().find(|l| &l.id == id) {
                    Some(link) => RouteKind::Via {
                        gateway: link.remote.into(),
                        dev: link.name.clone(),
                    },
                    None => RouteKind::Blackhole,
                };
            }
            // An IPv6-only target, which no IPv4 route can have (the data plane routes IPv4).
            RouteTarget::EgressOnlyInternetGateway(_) => return RouteKind::Blackhole,
        };
        let port = eni.and_then(|eni| ports.iter().find(|p| p.eni_id == eni && p.up));
        let primary = eni.and_then(|eni| self.enis.get(eni)?.1);
        match (port, primary) {
            (Some(port), Some(gateway)) => RouteKind::Via {
                gateway: gateway.into(),
                dev: port.name.clone(),
            },
            _ => RouteKind::Blackhole,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
