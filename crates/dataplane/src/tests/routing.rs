//! Route tables, the internet gateway and its NAT against the in-memory host.

use super::converged;
use crate::host::fake::FakeHost;
use crate::host::{Rule, TableRoute};
use crate::model::routing::tests::{main_table, private_table, with_gateway};
use crate::model::routing::{INTERNET_NS, INTERNET_TABLE, RouteKind, UPLINK};
use crate::model::tests::{ETH0, VPC};
use crate::model::{port_name, router_ns};
use localvpc_model::instance::InstanceState;

fn has_link(host: &FakeHost, ns: &str, name: &str) -> bool {
    host.state.namespaces[ns]
        .links
        .iter()
        .any(|l| l.name == name && l.up)
}

fn default_of(host: &FakeHost, table: u32) -> Option<RouteKind> {
    let routes = &host.state.namespaces[&router_ns(VPC)].table_routes;
    routes
        .iter()
        .find(|r| r.table == table && r.dst.prefix_len() == 0)
        .map(|r| r.kind.clone())
}

#[test]
fn the_gateway_gets_an_uplink_policy_rules_tables_and_nat() {
    let mut host = FakeHost::default();
    converged(&mut host, &with_gateway());
    let router = router_ns(VPC);
    assert!(has_link(&host, &router, UPLINK));
    assert!(has_link(&host, INTERNET_NS, "lvpc-0aaaaaaaaa"));
    let rules = &host.state.namespaces[&router].rules;
    assert!(rules.contains(&Rule {
        iif: Some(port_name(ETH0)),
        table: main_table(),
        v6: false
    }));
    assert_eq!(rules.len(), 6, "one per port and family");
    assert!(
        matches!(default_of(&host, main_table()), Some(RouteKind::Via { dev, .. }) if dev == UPLINK)
    );
    let internet = &host.state.namespaces[INTERNET_NS];
    assert_eq!(
        internet.table_routes,
        [TableRoute {
            table: INTERNET_TABLE,
            dst: "198.51.100.5/32".parse().unwrap(),
            kind: RouteKind::Via {
                gateway: "169.254.0.1".parse().unwrap(),
                dev: "lvpc-0aaaaaaaaa".into()
            },
            src: Some("192.0.2.1".parse().unwrap()),
        }]
    );
    let lo = &internet.links[0];
    let hosts = ["192.0.2.1/24", "3fff:0:0:2::10/128"];
    assert_eq!(lo.addresses, hosts.map(|h| h.parse().unwrap()));
    assert!(
        host.state.namespaces[&router]
            .tables
            .contains_key("lvpc_nat")
    );
}

#[test]
fn a_stopped_nat_instance_turns_its_route_into_a_blackhole_and_back() {
    let mut host = FakeHost::default();
    let mut s = with_gateway();
    converged(&mut host, &s);
    assert!(matches!(
        default_of(&host, private_table()),
        Some(RouteKind::Via { .. })
    ));
    s.instances[1].state = InstanceState::Stopped;
    converged(&mut host, &s);
    assert_eq!(
        default_of(&host, private_table()),
        Some(RouteKind::Blackhole)
    );
    s.instances[1].state = InstanceState::Running;
    converged(&mut host, &s);
    assert!(matches!(
        default_of(&host, private_table()),
        Some(RouteKind::Via { .. })
    ));
}

#[test]
fn detaching_the_gateway_removes_the_uplink_and_the_nat() {
    let mut host = FakeHost::default();
    let mut s = with_gateway();
    converged(&mut host, &s);
    s.routing.gateways.clear();
    converged(&mut host, &s);
    let router = router_ns(VPC);
    assert!(!has_link(&host, &router, UPLINK));
    assert_eq!(link_count(&host, INTERNET_NS), 1, "only lo");
    assert!(host.state.namespaces[INTERNET_NS].table_routes.is_empty());
    let tables: Vec<_> = host.state.namespaces[&router].tables.keys().collect();
    assert_eq!(tables, ["lvpc_filter"], "no NAT");
    assert_eq!(default_of(&host, main_table()), Some(RouteKind::Blackhole));
}

#[test]
fn a_restart_adopts_the_routing_it_left() {
    let mut host = FakeHost::default();
    converged(&mut host, &with_gateway());
    let mut again = FakeHost {
        state: host.state.clone(),
        pairs: host.pairs.clone(),
        applied: Vec::new(),
    };
    let t = crate::model::topology(&with_gateway());
    assert_eq!(crate::reconcile(&t, &mut again).unwrap(), 0);
}

fn link_count(host: &FakeHost, ns: &str) -> usize {
    host.state.namespaces[ns].links.len()
}

#[test]
fn a_nat_gateway_is_a_forwarding_namespace_with_its_translation_and_goes_with_it() {
    use crate::model::routing::tests::{NAT, NAT_ENI, with_nat_gateway};
    let mut host = FakeHost::default();
    let mut s = with_nat_gateway();
    converged(&mut host, &s);
    let ns = crate::model::guest_ns(NAT);
    let inside = &host.state.namespaces[&ns];
    assert!(inside.routing, "forwarding on");
    assert!(inside.tables.contains_key("lvpc_natgw"));
    assert!(has_link(&host, &ns, "eth0"));
    assert!(has_link(&host, &router_ns(VPC), &port_name(NAT_ENI)));
    assert!(matches!(
        default_of(&host, private_table()),
        Some(RouteKind::Via { dev, .. }) if dev == port_name(NAT_ENI)
    ));
    s.nat_gateways.clear();
    converged(&mut host, &s);
    assert!(!host.state.namespaces.contains_key(&ns));
    assert!(!has_link(&host, &router_ns(VPC), &port_name(NAT_ENI)));
    assert_eq!(
        default_of(&host, private_table()),
        Some(RouteKind::Blackhole)
    );
}

#[test]
fn an_active_peering_links_the_two_routers_and_its_end_cuts_the_link() {
    use crate::model::peering::{ends, link_name};
    use crate::model::routing::tests::{OTHER_VPC, PCX, with_peering};
    let mut host = FakeHost::default();
    converged(&mut host, &with_peering(true));
    let (here, there, name) = (router_ns(VPC), router_ns(OTHER_VPC), link_name(PCX));
    assert!(has_link(&host, &here, &name) && has_link(&host, &there, &name));
    let (requester_end, accepter_end) = ends(PCX);
    let address = |ns: &str| {
        host.state.namespaces[ns]
            .links
            .iter()
            .find(|l| l.name == name)
            .unwrap()
            .addresses
            .clone()
    };
    let net = |a| ipnet::IpNet::from(ipnet::Ipv4Net::from(a));
    assert_eq!(address(&here), [net(accepter_end)]);
    assert_eq!(address(&there), [net(requester_end)]);
    assert_eq!(
        default_of(&host, private_table()),
        Some(RouteKind::Via {
            gateway: requester_end.into(),
            dev: name.clone()
        })
    );
    converged(&mut host, &with_peering(false));
    assert!(!has_link(&host, &here, &name) && !has_link(&host, &there, &name));
    assert_eq!(
        default_of(&host, private_table()),
        Some(RouteKind::Blackhole)
    );
}
