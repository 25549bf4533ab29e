//! Guest-aware analysis over the fixture of `tests.rs`, with seed 003's second ENI: B gets
//! eth1 in a third subnet (10.0.3.40), and A (10.0.1.10) connects to that address. The VPC
//! admits it; what the guests hold decides.

use super::tests::{A, B, SG_DB, fixture};
use super::*;
use localvpc_dataplane::guest_view::{
    GuestLink, GuestRoute, GuestRule, GuestState, RouteType, RuleAction, TABLE_LOCAL, TABLE_MAIN,
};
use localvpc_dataplane::model::{EniIn, SubnetIn, topology};

const ETH1: &str = "eni-0dddddddddddddddd";

fn network() -> Network {
    let mut s = fixture();
    s.subnets.push(SubnetIn {
        id: "subnet-3".into(),
        cidr: "10.0.3.0/24".parse().unwrap(),
        ipv6_cidr: None,
    });
    s.acls[0].subnets.push("subnet-3".into());
    let b = s.instances.iter_mut().find(|i| i.id == B).unwrap();
    b.enis.push(EniIn {
        id: ETH1.into(),
        vpc_id: tests::VPC.into(),
        subnet_id: "subnet-3".into(),
        mac: "0a:00:00:00:00:04".into(),
        device_index: 1,
        network_card_index: 0,
        addresses: vec!["10.0.3.40".parse().unwrap()],
        ipv6_addresses: Vec::new(),
        prefixes: Vec::new(),
        source_dest_check: true,
        groups: vec![SG_DB.into()],
    });
    s.groups[1].members.push("10.0.3.40".parse().unwrap());
    Network::new(&s, &topology(&s))
}

fn rule(priority: u32, from: Option<&str>, table: u32) -> GuestRule {
    GuestRule {
        priority,
        from: from.map(|f| f.parse().unwrap()),
        to: None,
        iif: None,
        oif: None,
        action: RuleAction::Lookup(table),
        unmodeled: false,
    }
}

fn route(table: u32, dst: &str, via: Option<&str>, dev: &str) -> GuestRoute {
    GuestRoute {
        table,
        kind: RouteType::Unicast,
        dst: dst.parse().unwrap(),
        gateway: via.map(|v| v.parse().unwrap()),
        dev: Some(dev.into()),
        src: None,
        metric: 0,
    }
}

fn link(name: &str, addresses: &[&str]) -> GuestLink {
    GuestLink {
        name: name.into(),
        up: true,
        addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
        rp_filter: 0,
    }
}

/// A guest with eth0 only, as DHCP configures it.
fn single(address: &str, subnet: &str, router: &str) -> GuestState {
    GuestState {
        links: vec![link("eth0", &[address])],
        rules: vec![rule(0, None, TABLE_LOCAL), rule(32766, None, TABLE_MAIN)],
        routes: vec![
            route(TABLE_MAIN, "0.0.0.0/0", Some(router), "eth0"),
            route(TABLE_MAIN, subnet, None, "eth0"),
        ],
        rp_filter_all: 0,
        ip_forward: false,
    }
}

/// B as CentOS leaves it after `ifup eth1` with DEFROUTE=no: eth1's address, no policy routing.
fn dual(rp_filter: u8) -> GuestState {
    let mut g = single("10.0.2.20/24", "10.0.2.0/24", "10.0.2.1");
    g.links.push(link("eth1", &["10.0.3.40/24"]));
    g.routes
        .push(route(TABLE_MAIN, "10.0.3.0/24", None, "eth1"));
    g.rp_filter_all = rp_filter;
    g
}

fn guests(b: GuestState) -> guest::Guests {
    [
        (
            A.to_owned(),
            single("10.0.1.10/24", "10.0.1.0/24", "10.0.1.1"),
        ),
        (B.to_owned(), b),
    ]
    .into_iter()
    .collect()
}

fn query() -> Query {
    Query {
        source: Endpoint::Instance(A.into()),
        destination: Endpoint::Address("10.0.3.40".parse().unwrap()),
        protocol: Protocol::Tcp,
        source_address: None,
        destination_address: None,
        source_ports: Ports::ALL,
        destination_ports: Ports {
            from: 5432,
            to: 5432,
        },
        filter_in: Vec::new(),
        filter_out: Vec::new(),
    }
}

fn codes(a: &Analysis) -> Vec<&'static str> {
    a.explanations.iter().map(|e| e.code).collect()
}

#[test]
fn the_vpc_admits_seed_003s_second_eni_and_the_loose_guest_replies_by_the_wrong_eni() {
    let net = network();
    assert!(analyze(&net, &query()).found, "AWS's answer: reachable");
    let a = analyze_with_guests(&net, &query(), &guests(dual(2)));
    assert!(!a.found);
    assert_eq!(codes(&a), vec!["localvpc:GUEST_REPLY_WRONG_INTERFACE"]);
    let e = &a.explanations[0];
    let eth0 = net.instance(B).unwrap().1[0].eni_id.clone();
    assert_eq!(
        e.network_interface.as_ref().unwrap().id,
        eth0,
        "dropped at eth0's check"
    );
    let back = a.reverse.as_ref().unwrap();
    assert_eq!(back.disposition, Disposition::DeniedOut);
    assert_eq!(
        (back.hops[0].step, back.hops[0].verdict),
        (Step::GuestRoute, Verdict::Forwarded)
    );
    assert!(back.hops[0].note.as_deref().unwrap().contains("dev eth0"));
    assert!(
        e.fix
            .as_deref()
            .unwrap()
            .contains("table 10001 + rule from 10.0.3.40")
    );
    let forward = &a.forward.hops;
    assert_eq!(forward.last().unwrap().step, Step::GuestDeliver);
}

#[test]
fn strict_rp_filter_drops_the_request_itself() {
    let a = analyze_with_guests(&network(), &query(), &guests(dual(1)));
    assert_eq!(codes(&a), vec!["localvpc:GUEST_RP_FILTER_DROP"]);
    assert_eq!(a.forward.disposition, Disposition::DeniedIn);
    assert!(a.reverse.is_none());
    let rpf = a
        .forward
        .hops
        .iter()
        .find(|h| h.step == Step::GuestRpf)
        .unwrap();
    assert_eq!(
        rpf.note.as_deref(),
        Some("eth1 rp_filter 1: route back leaves eth0")
    );
}

#[test]
fn per_eni_policy_routing_makes_it_reachable_under_strict_rp_filter() {
    let mut b = dual(1);
    b.rules.insert(1, rule(10001, Some("10.0.3.40/32"), 10001));
    b.routes
        .push(route(10001, "0.0.0.0/0", Some("10.0.3.1"), "eth1"));
    let a = analyze_with_guests(&network(), &query(), &guests(b));
    assert!(a.found, "{:?}", codes(&a));
    let back = a.reverse.unwrap();
    assert!(
        back.hops[0]
            .note
            .as_deref()
            .unwrap()
            .starts_with("10001: from 10.0.3.40 lookup 10001; default via 10.0.3.1 dev eth1")
    );
}

#[test]
fn an_unconfigured_address_and_a_stolen_default_route() {
    let mut b = dual(0);
    b.links[1].addresses.clear();
    let a = analyze_with_guests(&network(), &query(), &guests(b));
    assert_eq!(codes(&a), vec!["localvpc:GUEST_ADDRESS_NOT_CONFIGURED"]);
    // Seed 003 on CentOS: eth1's default route won; replies from eth0's address leave eth1.
    let mut b = dual(0);
    b.routes[0] = route(TABLE_MAIN, "0.0.0.0/0", Some("10.0.3.1"), "eth1");
    let mut q = query();
    q.destination = Endpoint::Address("10.0.2.20".parse().unwrap());
    q.destination_ports = Ports {
        from: 5432,
        to: 5432,
    };
    let a = analyze_with_guests(&network(), &q, &guests(b));
    assert_eq!(
        codes(&a),
        vec![
            "localvpc:GUEST_REPLY_WRONG_INTERFACE",
            "localvpc:GUEST_DEFAULT_ROUTE_VIA_SECONDARY"
        ]
    );
    assert_eq!(
        a.explanations[0].network_interface.as_ref().unwrap().id,
        ETH1
    );
}

#[test]
fn a_source_address_the_guest_does_not_hold_cannot_be_sent() {
    let mut q = query();
    q.source_address = Some("10.0.1.10".parse().unwrap());
    let mut a_guest = single("10.0.1.99/24", "10.0.1.0/24", "10.0.1.1");
    a_guest.links[0].addresses.clear();
    let mut g = guests(dual(0));
    g.insert(A.into(), a_guest);
    let a = analyze_with_guests(&network(), &q, &g);
    assert_eq!(codes(&a), vec!["localvpc:GUEST_ADDRESS_NOT_CONFIGURED"]);
    assert_eq!(a.forward.disposition, Disposition::DeniedOut);
}
