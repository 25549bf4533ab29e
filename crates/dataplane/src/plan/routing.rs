//! The plan for routing: policy rules and numbered tables in each router, the uplinks between
//! routers and the internet namespace, and the internet's test hosts and routes to public
//! addresses. Routers and the internet namespace are entirely localvpc's, so every rule of
//! [`RULE_PRIORITY`] and every route of a numbered table in them is planned.

use super::{Steps, del_link, link};
use crate::host::{Change, HostState, NsState, Rule, TableRoute};
use crate::model::routing::{
    EGRESS_ONLY_LINK, INTERNET_NS, INTERNET_TABLE, RouteKind, TEST_HOST6, TEST_HOSTS, UPLINK,
    UPLINK_INTERNET, UPLINK_ROUTER, UPLINK6_INTERNET, UPLINK6_ROUTER, WHAT_IS_MY_IP,
};
use crate::model::{PREFIX, Router, Topology, short};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::collections::BTreeSet;

/// A link of the router to a peered VPC's router, both ends present.
pub(super) fn peering_link_ok(state: &HostState, router: &Router, name: &str) -> bool {
    router
        .routing
        .peerings
        .iter()
        .any(|p| p.name == name && link(state, &p.peer_ns, name).is_some())
}

/// Both ends of a router's uplink exist.
fn uplink_ok(state: &HostState, router: &Router, internet_link: &str) -> bool {
    link(state, &router.ns, UPLINK).is_some() && link(state, INTERNET_NS, internet_link).is_some()
}

/// Uplinks of routers whose VPC lost its gateway (or the router), and half pairs.
pub(super) fn removals(topology: &Topology, state: &HostState) -> Vec<Change> {
    let mut changes = Vec::new();
    fn wanted<'t>(state: &HostState, router: &'t Router) -> Option<&'t str> {
        let gateway = router.routing.gateway.as_ref()?;
        uplink_ok(state, router, &gateway.internet_link).then_some(gateway.internet_link.as_str())
    }
    let kept: Vec<&str> = topology
        .routers
        .iter()
        .filter_map(|r| wanted(state, r))
        .collect();
    fn wanted_egress_only<'t>(state: &HostState, router: &'t Router) -> Option<&'t str> {
        let eigw = router.routing.egress_only.as_ref()?;
        let ok = link(state, &router.ns, EGRESS_ONLY_LINK).is_some()
            && link(state, INTERNET_NS, &eigw.internet_link).is_some();
        ok.then_some(eigw.internet_link.as_str())
    }
    let kept_egress_only: Vec<&str> = topology
        .routers
        .iter()
        .filter_map(|r| wanted_egress_only(state, r))
        .collect();
    for router in &topology.routers {
        if link(state, &router.ns, UPLINK).is_some() && wanted(state, router).is_none() {
            changes.push(del_link(&router.ns, UPLINK));
        }
        let eigw = link(state, &router.ns, EGRESS_ONLY_LINK).is_some();
        if eigw && wanted_egress_only(state, router).is_none() {
            changes.push(del_link(&router.ns, EGRESS_ONLY_LINK));
        }
    }
    if let Some(internet) = state.namespaces.get(INTERNET_NS) {
        for l in internet.links.iter().filter(|l| l.name.starts_with(PREFIX)) {
            let name = l.name.as_str();
            if !kept.contains(&name) && !kept_egress_only.contains(&name) {
                changes.push(del_link(INTERNET_NS, &l.name));
            }
        }
    }
    changes
}

/// A locally administered MAC for a router's uplink, from its VPC ID.
fn uplink_mac(vpc_id: &str) -> String {
    let hex: Vec<char> = short(vpc_id)
        .chars()
        .filter(char::is_ascii_hexdigit)
        .chain(std::iter::repeat('0'))
        .take(8)
        .collect();
    let bytes: Vec<String> = hex.chunks(2).map(|c| c.iter().collect()).collect();
    format!("02:1f:{}", bytes.join(":"))
}

/// A locally administered MAC for the requester's end of a peering link, from its ID.
fn peering_mac(pcx_id: &str) -> String {
    uplink_mac(pcx_id).replacen("02:1f", "02:1d", 1)
}

/// The router's ends of its peering links: the requester's side makes the pair (the
/// accepter's router exists: both VPCs of an active connection do), each side sets its own
/// end up with its address.
fn peerings(steps: &mut Steps, topology: &Topology, state: &HostState, router: &Router) {
    for p in &router.routing.peerings {
        let current = link(state, &router.ns, &p.name);
        if p.creates && current.is_none() {
            if topology.router(&p.peer_ns).is_none() {
                continue;
            }
            steps.links.push(Change::AddVeth {
                ns: router.ns.clone(),
                name: p.name.clone(),
                mac: peering_mac(&p.id),
                peer_ns: p.peer_ns.clone(),
                peer: p.name.clone(),
            });
        }
        steps.set_mtu_to(&router.ns, &p.name, current, p.mtu);
        steps.set_link(&router.ns, &p.name, current, true);
        address(
            steps,
            state,
            &router.ns,
            &p.name,
            Ipv4Net::from(p.local).into(),
        );
    }
}

/// Adds `address` to a link unless it has it.
fn address(steps: &mut Steps, state: &HostState, ns: &str, dev: &str, address: IpNet) {
    if !link(state, ns, dev).is_some_and(|l| l.addresses.contains(&address)) {
        steps.addresses.push(Change::AddAddress {
            ns: ns.into(),
            dev: dev.into(),
            address,
        });
    }
}

pub(super) fn additions(steps: &mut Steps, topology: &Topology, state: &HostState) {
    let empty = NsState::default();
    let internet = state.namespaces.get(INTERNET_NS).unwrap_or(&empty);
    if !internet.routing {
        steps
            .namespaces
            .push(Change::EnableRouting(INTERNET_NS.into()));
    }
    let test_hosts: Ipv4Net = TEST_HOSTS.parse().expect("test host block");
    address(steps, state, INTERNET_NS, "lo", test_hosts.into());
    address(
        steps,
        state,
        INTERNET_NS,
        "lo",
        Ipv6Net::from(TEST_HOST6).into(),
    );
    let link_local = |a| IpNet::from(Ipv6Net::new(a, 64).expect("/64"));
    let mut internet_routes = BTreeSet::new();
    for router in &topology.routers {
        let current = state.namespaces.get(&router.ns).unwrap_or(&empty);
        let mut rules = BTreeSet::new();
        let mut routes = BTreeSet::new();
        for (port, table) in &router.routing.rules {
            for v6 in [false, true] {
                rules.insert(Rule {
                    iif: Some(port.clone()),
                    table: *table,
                    v6,
                });
            }
        }
        for table in &router.routing.tables {
            routes.extend(table.routes.iter().map(|r| TableRoute {
                table: table.number,
                dst: r.dst,
                kind: r.kind.clone(),
                src: None,
            }));
        }
        if let Some(gateway) = &router.routing.gateway {
            let (peer, uplink) = (
                link(state, INTERNET_NS, &gateway.internet_link),
                link(state, &router.ns, UPLINK),
            );
            if uplink.is_none() {
                steps.links.push(Change::AddVeth {
                    ns: router.ns.clone(),
                    name: UPLINK.into(),
                    mac: uplink_mac(&router.vpc_id),
                    peer_ns: INTERNET_NS.into(),
                    peer: gateway.internet_link.clone(),
                });
            }
            steps.set_link(&router.ns, UPLINK, uplink, true);
            steps.set_link(INTERNET_NS, &gateway.internet_link, peer, true);
            address(
                steps,
                state,
                &router.ns,
                UPLINK,
                Ipv4Net::from(UPLINK_ROUTER).into(),
            );
            address(steps, state, &router.ns, UPLINK, link_local(UPLINK6_ROUTER));
            let link = &gateway.internet_link;
            address(
                steps,
                state,
                INTERNET_NS,
                link,
                Ipv4Net::from(UPLINK_INTERNET).into(),
            );
            address(
                steps,
                state,
                INTERNET_NS,
                link,
                link_local(UPLINK6_INTERNET),
            );
            internet_routes.extend(gateway.nat.iter().map(|&(_, public)| TableRoute {
                table: INTERNET_TABLE,
                dst: Ipv4Net::from(public).into(),
                kind: RouteKind::Via {
                    gateway: UPLINK_ROUTER.into(),
                    dev: link.clone(),
                },
                // A connection opened in the internet comes from a test host, never
                // from the uplink's link-local address.
                src: Some(WHAT_IS_MY_IP.into()),
            }));
        }
        if let Some(eigw) = &router.routing.egress_only {
            let (peer, own) = (
                link(state, INTERNET_NS, &eigw.internet_link),
                link(state, &router.ns, EGRESS_ONLY_LINK),
            );
            if own.is_none() {
                steps.links.push(Change::AddVeth {
                    ns: router.ns.clone(),
                    name: EGRESS_ONLY_LINK.into(),
                    mac: uplink_mac(&router.vpc_id).replacen("02:1f", "02:1e", 1),
                    peer_ns: INTERNET_NS.into(),
                    peer: eigw.internet_link.clone(),
                });
            }
            steps.set_link(&router.ns, EGRESS_ONLY_LINK, own, true);
            steps.set_link(INTERNET_NS, &eigw.internet_link, peer, true);
            let ours = link_local(UPLINK6_ROUTER);
            address(steps, state, &router.ns, EGRESS_ONLY_LINK, ours);
            let theirs = link_local(UPLINK6_INTERNET);
            address(steps, state, INTERNET_NS, &eigw.internet_link, theirs);
        }
        // The internet reaches the VPC's IPv6 blocks through its internet gateway, else
        // through its egress-only gateway (which the router lets only replies through).
        let way_in = match (&router.routing.gateway, &router.routing.egress_only) {
            (Some(gateway), _) => Some(&gateway.internet_link),
            (None, Some(eigw)) => Some(&eigw.internet_link),
            (None, None) => None,
        };
        if let Some(way_in) = way_in {
            internet_routes.extend(router.routing.ipv6_blocks.iter().map(|&block| TableRoute {
                table: INTERNET_TABLE,
                dst: block.into(),
                kind: RouteKind::Via {
                    gateway: UPLINK6_ROUTER.into(),
                    dev: way_in.clone(),
                },
                src: Some(TEST_HOST6.into()),
            }));
        }
        peerings(steps, topology, state, router);
        policy(steps, &router.ns, current, rules, routes);
    }
    let rules = [false, true].map(|v6| Rule {
        iif: None,
        table: INTERNET_TABLE,
        v6,
    });
    policy(steps, INTERNET_NS, internet, rules.into(), internet_routes);
}

/// Makes a namespace's rules and numbered tables exactly `rules` and `routes`. A route that
/// changes kind is removed before its replacement is added.
fn policy(
    steps: &mut Steps,
    ns: &str,
    current: &NsState,
    rules: BTreeSet<Rule>,
    routes: BTreeSet<TableRoute>,
) {
    for rule in current.rules.iter().filter(|r| !rules.contains(r)) {
        let (ns, rule) = (ns.into(), rule.clone());
        steps.route_removals.push(Change::DelRule { ns, rule });
    }
    for route in current.table_routes.iter().filter(|r| !routes.contains(r)) {
        let (ns, route) = (ns.into(), route.clone());
        steps
            .route_removals
            .push(Change::DelTableRoute { ns, route });
    }
    for rule in rules.into_iter().filter(|r| !current.rules.contains(r)) {
        let ns = ns.into();
        steps.routes.push(Change::AddRule { ns, rule });
    }
    for route in routes
        .into_iter()
        .filter(|r| !current.table_routes.contains(r))
    {
        let ns = ns.into();
        steps.routes.push(Change::AddTableRoute { ns, route });
    }
}
