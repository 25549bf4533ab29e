//! The reconciler's plan: what to change so that the host matches the [`Topology`]. Pure: the
//! host's state in, [`Change`]s out.
//!
//! Two passes, each planned from a fresh read: [`removals`] takes away what should not be
//! there (namespaces of terminated instances and deleted VPCs, links of detached or moved
//! ENIs, half pairs), then [`additions`] builds and configures what is missing. What exists and
//! is right is kept, so a restarted server adopts the network it left behind.
//!
//! Ownership: router namespaces are entirely localvpc's (every address and route in them is
//! planned). In an instance namespace localvpc owns only the `eth*` links and what EC2's DHCP
//! would give eth0 (its address and default route); whatever the guest adds itself — the agent's
//! addresses, tables and rules — is left alone. A NAT gateway's namespace is a guest whose
//! forwarding and nftables tables are localvpc's too.

use crate::dns::LINK_LOCAL_RESOLVER;
use crate::host::{Change, HostState, Link, Neighbour, NsState, Route};
use crate::model::routing::{INTERNET_NS, UPLINK};
use crate::model::{
    Guest, IMDS_ADDRESS, IMDS_ADDRESS6, MTU, Nic, PREFIX, ROUTER_LINK_LOCAL, Topology,
};
use crate::nft::{self, Table};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

fn link<'s>(state: &'s HostState, ns: &str, name: &str) -> Option<&'s Link> {
    state
        .namespaces
        .get(ns)?
        .links
        .iter()
        .find(|l| l.name == name)
}

/// Both ends of a NIC's veth pair exist, the guest's with the right MAC.
fn pair_ok(state: &HostState, guest: &Guest, nic: &Nic) -> bool {
    let inside = link(state, &guest.ns, &nic.name);
    inside.is_some_and(|l| l.mac.eq_ignore_ascii_case(&nic.mac))
        && link(state, &nic.router_ns, &nic.port).is_some()
}

fn desired_namespaces(topology: &Topology) -> BTreeSet<&str> {
    let routers = topology.routers.iter().map(|r| r.ns.as_str());
    routers
        .chain(topology.guests.iter().map(|g| g.ns.as_str()))
        .chain([INTERNET_NS])
        .collect()
}

/// What must go before anything is added.
pub fn removals(topology: &Topology, state: &HostState) -> Vec<Change> {
    let wanted = desired_namespaces(topology);
    let mut changes: Vec<Change> = state
        .namespaces
        .keys()
        .filter(|ns| ns.starts_with(PREFIX) && !wanted.contains(ns.as_str()))
        .map(|ns| Change::DelNamespace(ns.clone()))
        .collect();
    for guest in &topology.guests {
        let Some(ns) = state.namespaces.get(&guest.ns) else {
            continue;
        };
        for l in ns.links.iter().filter(|l| l.name.starts_with("eth")) {
            let nic = guest.nics.iter().find(|n| n.name == l.name);
            if !nic.is_some_and(|nic| pair_ok(state, guest, nic)) {
                changes.push(del_link(&guest.ns, &l.name));
            }
        }
    }
    for router in &topology.routers {
        let Some(ns) = state.namespaces.get(&router.ns) else {
            continue;
        };
        let ports = ns.links.iter().filter(|l| l.name != UPLINK);
        for l in ports.filter(|l| l.name.starts_with(PREFIX)) {
            let paired = topology.guests.iter().any(|g| {
                g.nics
                    .iter()
                    .any(|n| n.router_ns == router.ns && n.port == l.name && pair_ok(state, g, n))
            });
            if !paired && !routing::peering_link_ok(state, router, &l.name) {
                changes.push(del_link(&router.ns, &l.name));
            }
        }
    }
    changes.extend(routing::removals(topology, state));
    changes
}

fn del_link(ns: &str, name: &str) -> Change {
    Change::DelLink {
        ns: ns.into(),
        name: name.into(),
    }
}

/// Accumulates changes by kind, so that they apply in an order the kernel accepts (a link
/// before its address, an address before a route through it).
#[derive(Default)]
struct Steps {
    namespaces: Vec<Change>,
    links: Vec<Change>,
    states: Vec<Change>,
    addresses: Vec<Change>,
    route_removals: Vec<Change>,
    routes: Vec<Change>,
    tables: Vec<Change>,
}

impl Steps {
    /// A veth end (new, or adopted with another MTU) gets EC2's MTU.
    fn set_mtu(&mut self, ns: &str, name: &str, current: Option<&Link>) {
        self.set_mtu_to(ns, name, current, MTU);
    }

    fn set_mtu_to(&mut self, ns: &str, name: &str, current: Option<&Link>, mtu: u32) {
        if current.is_none_or(|l| l.mtu != mtu) {
            let (ns, name) = (ns.into(), name.into());
            self.states.push(Change::SetMtu { ns, name, mtu });
        }
    }

    fn set_link(&mut self, ns: &str, name: &str, current: Option<&Link>, up: bool) {
        if current.is_none_or(|l| l.up != up) && (up || current.is_some()) {
            let (ns, name) = (ns.into(), name.into());
            self.states.push(Change::SetLink { ns, name, up });
        }
    }

    /// Replaces the tables whose text changed, removes localvpc's tables no longer wanted.
    fn tables(&mut self, ns: &str, current: &NsState, wanted: Vec<Table>) {
        for name in current.tables.keys() {
            if !wanted.iter().any(|t| t.name == *name) {
                let (ns, name) = (ns.into(), name.clone());
                self.tables.push(Change::DelTable { ns, name });
            }
        }
        for table in wanted {
            if current.tables.get(&table.name) != Some(&table.fingerprint()) {
                let ns = ns.into();
                self.tables.push(Change::SetTable { ns, table });
            }
        }
    }
}

/// What must be built or configured, given a host from which [`removals`] were applied.
pub fn additions(topology: &Topology, state: &HostState) -> Vec<Change> {
    let mut steps = Steps::default();
    let empty = NsState::default();
    for ns in desired_namespaces(topology) {
        if !state.namespaces.contains_key(ns) {
            steps.namespaces.push(Change::AddNamespace(ns.into()));
        }
        steps.set_link(ns, "lo", link(state, ns, "lo"), true);
    }
    for router in &topology.routers {
        let ns = state.namespaces.get(&router.ns).unwrap_or(&empty);
        if !ns.routing {
            steps
                .namespaces
                .push(Change::EnableRouting(router.ns.clone()));
        }
        // IMDS (both families) and the VPC resolver ([`crate::dns`]) live on the router's
        // loopback.
        let resolver = router.dns.address.into_iter().chain([LINK_LOCAL_RESOLVER]);
        let v4 = [IMDS_ADDRESS].into_iter().chain(resolver);
        let on_lo = v4
            .map(|a| IpNet::from(Ipv4Net::from(a)))
            .chain([Ipv6Net::from(IMDS_ADDRESS6).into()]);
        for address in on_lo {
            if !link(state, &router.ns, "lo").is_some_and(|lo| lo.addresses.contains(&address)) {
                steps.addresses.push(Change::AddAddress {
                    ns: router.ns.clone(),
                    dev: "lo".into(),
                    address,
                });
            }
        }
        let mut routes = BTreeSet::new();
        let mut neighbours = BTreeSet::new();
        for port in &router.ports {
            let current = link(state, &router.ns, &port.name);
            steps.set_mtu(&router.ns, &port.name, current);
            steps.set_link(&router.ns, &port.name, current, port.up);
            if !current.is_some_and(|l| l.prompt_proxy_arp) {
                steps.states.push(Change::PromptProxyArp {
                    ns: router.ns.clone(),
                    name: port.name.clone(),
                });
            }
            // The subnet router's addresses: base + 1, and for an IPv6 subnet `::1` and the
            // router's link-local (the guest's IPv6 default gateway).
            let mut wanted = vec![IpNet::from(Ipv4Net::from(port.gateway))];
            if let Some(gateway6) = port.ipv6_gateway {
                let link_local = Ipv6Net::new(ROUTER_LINK_LOCAL, 64).expect("/64");
                wanted.extend([IpNet::from(Ipv6Net::from(gateway6)), link_local.into()]);
            }
            let addresses = current.map_or(&[][..], |l| &l.addresses[..]);
            for &address in wanted.iter().filter(|a| !addresses.contains(a)) {
                steps.addresses.push(Change::AddAddress {
                    ns: router.ns.clone(),
                    dev: port.name.clone(),
                    address,
                });
            }
            for &address in addresses.iter().filter(|a| !wanted.contains(a)) {
                steps.addresses.push(Change::DelAddress {
                    ns: router.ns.clone(),
                    dev: port.name.clone(),
                    address,
                });
            }
            if port.up {
                let v4 = port.addresses.iter().map(|&ip| std::net::IpAddr::from(ip));
                let v6 = port.ipv6_addresses.iter().map(|&ip| ip.into());
                routes.extend(port.prefixes.iter().map(|&prefix| Route {
                    dst: prefix,
                    gateway: None,
                    dev: port.name.clone(),
                }));
                for address in v4.chain(v6) {
                    routes.insert(Route {
                        dst: address.into(),
                        gateway: None,
                        dev: port.name.clone(),
                    });
                    neighbours.insert(Neighbour {
                        address,
                        dev: port.name.clone(),
                        mac: port.mac.to_ascii_lowercase(),
                    });
                }
            }
        }
        for route in ns.routes.iter().filter(|r| !routes.contains(r)) {
            let (ns, route) = (router.ns.clone(), route.clone());
            steps.route_removals.push(Change::DelRoute { ns, route });
        }
        for route in routes.into_iter().filter(|r| !ns.routes.contains(r)) {
            let ns = router.ns.clone();
            steps.routes.push(Change::AddRoute { ns, route });
        }
        for neighbour in ns.neighbours.iter().filter(|n| !neighbours.contains(n)) {
            let (ns, neighbour) = (router.ns.clone(), neighbour.clone());
            steps
                .route_removals
                .push(Change::DelNeighbour { ns, neighbour });
        }
        for neighbour in neighbours
            .into_iter()
            .filter(|n| !ns.neighbours.contains(n))
        {
            let ns = router.ns.clone();
            steps.routes.push(Change::SetNeighbour { ns, neighbour });
        }
        steps.tables(&router.ns, ns, nft::router_tables(router));
    }
    for guest in &topology.guests {
        for nic in &guest.nics {
            guest_nic(&mut steps, state, guest, nic);
        }
        if let Some(addresses) = &guest.nat {
            nat_addresses(&mut steps, state, guest, addresses);
            let ns = state.namespaces.get(&guest.ns).unwrap_or(&empty);
            if !ns.routing {
                let change = Change::EnableRouting(guest.ns.clone());
                steps.namespaces.push(change);
            }
            steps.tables(&guest.ns, ns, nft::guest_tables(guest));
        }
    }
    routing::additions(&mut steps, topology, state);
    let Steps {
        namespaces,
        links,
        states,
        addresses,
        route_removals,
        routes,
        tables,
    } = steps;
    // Filtering is in place before any link comes up or is routed to: a new ENI never forwards
    // unchecked (nft matches interfaces by name, so the links need not exist yet).
    [
        namespaces,
        tables,
        links,
        states,
        addresses,
        route_removals,
        routes,
    ]
    .concat()
}

/// The guest's end of one ENI: the veth pair, its state, and eth0's lease.
fn guest_nic(steps: &mut Steps, state: &HostState, guest: &Guest, nic: &Nic) {
    let current = link(state, &guest.ns, &nic.name);
    if current.is_none() {
        steps.links.push(Change::AddVeth {
            ns: guest.ns.clone(),
            name: nic.name.clone(),
            mac: nic.mac.clone(),
            peer_ns: nic.router_ns.clone(),
            peer: nic.port.clone(),
        });
    }
    steps.set_mtu(&guest.ns, &nic.name, current);
    steps.set_link(&guest.ns, &nic.name, current, guest.up);
    let routes = state.namespaces.get(&guest.ns).map(|ns| &ns.routes);
    let mut leased = |address: IpNet, default: Option<Route>| {
        if !current.is_some_and(|l| l.addresses.contains(&address)) {
            steps.addresses.push(Change::AddAddress {
                ns: guest.ns.clone(),
                dev: nic.name.clone(),
                address,
            });
        }
        let Some(default) = default else { return };
        if guest.up && !routes.is_some_and(|r| r.contains(&default)) {
            let ns = guest.ns.clone();
            steps.routes.push(Change::AddRoute { ns, route: default });
        }
    };
    if let Some(lease) = nic.lease {
        let default = Route {
            dst: Ipv4Net::default().into(),
            gateway: Some(lease.router.into()),
            dev: nic.name.clone(),
        };
        leased(lease.address.into(), Some(default));
    }
    // DHCPv6's /128s, and the default route a router advertisement gives.
    for (at, &address) in nic.ipv6_lease.iter().enumerate() {
        let default = (at == 0).then(|| Route {
            dst: Ipv6Net::default().into(),
            gateway: Some(ROUTER_LINK_LOCAL.into()),
            dev: nic.name.clone(),
        });
        leased(Ipv6Net::from(address).into(), default);
    }
}

/// A NAT gateway's secondary addresses on its eth0 (the primary is its lease), with the
/// subnet's prefix: translated flows leave with them and their replies come back to them.
fn nat_addresses(steps: &mut Steps, state: &HostState, guest: &Guest, addresses: &[Ipv4Addr]) {
    let Some(Nic {
        name,
        lease: Some(lease),
        ..
    }) = guest.nics.first()
    else {
        return;
    };
    let current = link(state, &guest.ns, name);
    for &address in addresses.iter().skip(1) {
        let address = Ipv4Net::new(address, lease.address.prefix_len()).expect("subnet prefix");
        let address = IpNet::from(address);
        if !current.is_some_and(|l| l.addresses.contains(&address)) {
            let (ns, dev) = (guest.ns.clone(), name.clone());
            steps
                .addresses
                .push(Change::AddAddress { ns, dev, address });
        }
    }
}

mod routing;
#[cfg(test)]
mod tests;
