//! The plan against the in-memory [`FakeSystem`]: changes read as the `ip` commands they equal.

use crate::metadata::{GuestMetadata, InterfaceMetadata, Mac};
use crate::reconcile::reconcile;
use crate::state::{Address, Dev, Link, MAIN_TABLE, Route, Rule, Seen};
use crate::system::fake::FakeSystem;

pub(crate) const ETH0: Mac = Mac([0x02, 0, 0, 0, 0x01, 0x0a]);
pub(crate) const ETH1: Mac = Mac([0x02, 0, 0, 0, 0x02, 0x14]);

fn eni(mac: Mac, device_number: u32, ips: &[&str], subnet: &str) -> InterfaceMetadata {
    InterfaceMetadata {
        mac,
        device_number,
        network_card: 0,
        local_ipv4s: ips.iter().map(|ip| ip.parse().unwrap()).collect(),
        subnet: Some(subnet.parse().unwrap()),
        ipv4_prefixes: vec![],
    }
}

/// Seed 003: eth0 in 10.0.1.0/24, eth1 (device 1) in 10.0.2.0/24 with a secondary IP.
pub(crate) fn seed_003() -> GuestMetadata {
    GuestMetadata {
        primary_mac: ETH0,
        interfaces: vec![
            eni(ETH0, 0, &["10.0.1.10"], "10.0.1.0/24"),
            eni(ETH1, 1, &["10.0.2.20", "10.0.2.21"], "10.0.2.0/24"),
        ],
    }
}

fn foreign<T>(item: T) -> Seen<T> {
    Seen { item, ours: false }
}

fn dev(index: u32) -> Dev {
    Dev {
        index,
        name: format!("eth{}", index - 2),
    }
}

/// A guest with eth0 (index 2) and eth1 (index 3), both down, nothing configured.
pub(crate) fn guest(macs: &[Mac]) -> FakeSystem {
    let links = macs.iter().zip(2..).map(|(&mac, index)| Link {
        dev: dev(index),
        mac: Some(mac),
        up: false,
    });
    FakeSystem::with_links(links.collect())
}

/// Reconciles and returns the changes made, as `ip` commands.
fn run(meta: &GuestMetadata, system: &mut FakeSystem) -> Vec<String> {
    let outcome = reconcile(meta, system, false).unwrap();
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    outcome.changes.iter().map(ToString::to_string).collect()
}

#[test]
fn seed_003_gives_exactly_the_net_utils_v2_state() {
    let mut system = guest(&[ETH0, ETH1]);
    assert_eq!(
        run(&seed_003(), &mut system),
        [
            "ip link set dev eth0 up",
            "ip link set dev eth1 up",
            "ip addr add 10.0.1.10/24 brd + dev eth0 proto 0xa7",
            "ip addr add 10.0.2.20/24 brd + dev eth1 proto 0xa7",
            "ip addr add 10.0.2.21/32 dev eth1 noprefixroute proto 0xa7",
            "ip route add 10.0.2.0/24 dev eth1 scope link table 10001 proto 0xa7",
            "ip route add default via 10.0.1.1 dev eth0 metric 512 proto 0xa7",
            "ip route add default via 10.0.2.1 dev eth1 table 10001 proto 0xa7",
            "ip route add default via 10.0.2.1 dev eth1 metric 513 proto 0xa7",
            "ip rule add from 10.0.2.20 lookup 10001 priority 10001 protocol 0xa7",
            "ip rule add from 10.0.2.21 lookup 10001 priority 10001 protocol 0xa7",
        ]
    );
    assert!(
        run(&seed_003(), &mut system).is_empty(),
        "a second run changes nothing"
    );
}

#[test]
fn seed_001_secondary_ip_on_the_primary_eni_is_a_32_without_rules() {
    let meta = GuestMetadata {
        primary_mac: ETH0,
        interfaces: vec![eni(
            ETH0,
            0,
            &["192.168.1.100", "192.168.1.101"],
            "192.168.1.0/24",
        )],
    };
    let mut system = guest(&[ETH0]);
    assert_eq!(
        run(&meta, &mut system),
        [
            "ip link set dev eth0 up",
            "ip addr add 192.168.1.100/24 brd + dev eth0 proto 0xa7",
            "ip addr add 192.168.1.101/32 dev eth0 noprefixroute proto 0xa7",
            "ip route add default via 192.168.1.1 dev eth0 metric 512 proto 0xa7",
        ]
    );
}

#[test]
fn unassigning_an_ip_removes_its_address_and_rule_only() {
    let mut system = guest(&[ETH0, ETH1]);
    run(&seed_003(), &mut system);
    let mut meta = seed_003();
    meta.interfaces[1].local_ipv4s.pop();
    assert_eq!(
        run(&meta, &mut system),
        [
            "ip rule del from 10.0.2.21 lookup 10001 priority 10001 protocol 0xa7",
            "ip addr del 10.0.2.21/32 dev eth1 noprefixroute proto 0xa7",
        ]
    );
}

#[test]
fn detaching_removes_the_enis_rules_after_the_kernel_dropped_its_link() {
    let mut system = guest(&[ETH0, ETH1]);
    run(&seed_003(), &mut system);
    let mut meta = seed_003();
    meta.interfaces.pop();
    system.remove_link(3);
    assert_eq!(
        run(&meta, &mut system),
        [
            "ip rule del from 10.0.2.20 lookup 10001 priority 10001 protocol 0xa7",
            "ip rule del from 10.0.2.21 lookup 10001 priority 10001 protocol 0xa7",
        ]
    );
}

#[test]
fn detaching_before_the_interface_is_unplugged_removes_everything_the_agent_put_on_it() {
    let mut system = guest(&[ETH0, ETH1]);
    run(&seed_003(), &mut system);
    let mut meta = seed_003();
    meta.interfaces.pop();
    assert_eq!(
        run(&meta, &mut system),
        [
            "ip rule del from 10.0.2.20 lookup 10001 priority 10001 protocol 0xa7",
            "ip rule del from 10.0.2.21 lookup 10001 priority 10001 protocol 0xa7",
            "ip route del 10.0.2.0/24 dev eth1 scope link table 10001 proto 0xa7",
            "ip route del default via 10.0.2.1 dev eth1 table 10001 proto 0xa7",
            "ip route del default via 10.0.2.1 dev eth1 metric 513 proto 0xa7",
            "ip addr del 10.0.2.20/24 brd + dev eth1 proto 0xa7",
            "ip addr del 10.0.2.21/32 dev eth1 noprefixroute proto 0xa7",
        ]
    );
}

#[test]
fn what_the_agent_did_not_create_is_reused_when_identical_and_otherwise_never_touched() {
    let mut system = guest(&[ETH0, ETH1]);
    let (eth0, eth1) = (dev(2), dev(3));
    let dhcp_address = Address {
        dev: eth0.clone(),
        ip: "10.0.1.10".parse().unwrap(),
        prefix: 24,
        noprefixroute: false,
    };
    let hand_address = Address {
        dev: eth1.clone(),
        ip: "10.0.2.99".parse().unwrap(),
        prefix: 32,
        noprefixroute: false,
    };
    let dhcp_default = Route {
        table: MAIN_TABLE,
        dst: "0.0.0.0/0".parse().unwrap(),
        gateway: Some("10.0.1.1".parse().unwrap()),
        dev: eth0,
        metric: 512,
    };
    let hand_route = Route {
        table: 10001,
        dst: "192.0.2.0/24".parse().unwrap(),
        gateway: None,
        dev: eth1,
        metric: 0,
    };
    let hand_rule = Rule {
        priority: 10000,
        src: "10.0.1.99/32".parse().unwrap(),
        table: 10000,
    };
    system.state.addresses = vec![foreign(dhcp_address), foreign(hand_address)];
    system.state.routes = vec![foreign(dhcp_default), foreign(hand_route)];
    system.state.rules = vec![foreign(hand_rule)];
    let before = system.state.clone();

    let changes = run(&seed_003(), &mut system);
    assert_eq!(
        changes.len(),
        9,
        "the DHCP address and default route count as present: {changes:#?}"
    );
    let mut meta = seed_003();
    meta.interfaces.clear();
    run(&meta, &mut system);
    assert_eq!(system.state.addresses, before.addresses);
    assert_eq!(system.state.routes, before.routes);
    assert_eq!(system.state.rules, before.rules);
}

#[test]
fn network_cards_number_tables_metrics_and_priorities() {
    let mut meta = seed_003();
    meta.interfaces[1].network_card = 1;
    meta.interfaces[1].device_number = 0; // device 0 of card 1 is a real secondary ENI
    meta.interfaces[1].local_ipv4s.pop();
    let mut system = guest(&[ETH0, ETH1]);
    let changes = run(&meta, &mut system);
    let eth1: Vec<_> = changes
        .iter()
        .filter(|c| c.contains("eth1") || c.contains("rule"))
        .collect();
    assert_eq!(
        eth1,
        [
            "ip link set dev eth1 up",
            "ip addr add 10.0.2.20/24 brd + dev eth1 proto 0xa7",
            "ip route add 10.0.2.0/24 dev eth1 scope link table 10100 proto 0xa7",
            "ip route add default via 10.0.2.1 dev eth1 table 10100 proto 0xa7",
            "ip route add default via 10.0.2.1 dev eth1 metric 612 proto 0xa7",
            "ip rule add from 10.0.2.20 lookup 10100 priority 10100 protocol 0xa7",
        ]
    );
}

#[test]
fn delegated_prefixes_get_source_rules() {
    let mut meta = seed_003();
    meta.interfaces[1].ipv4_prefixes = vec!["10.0.2.208/28".parse().unwrap()];
    let mut system = guest(&[ETH0, ETH1]);
    let changes = run(&meta, &mut system);
    assert_eq!(
        changes.last().unwrap(),
        "ip rule add from 10.0.2.208/28 lookup 10001 priority 10001 protocol 0xa7"
    );
}

#[test]
fn enis_without_interface_or_device_number_yet_are_skipped_and_ipv6_only_ones_only_come_up() {
    let mut meta = seed_003();
    meta.interfaces[1].device_number = 0;
    meta.interfaces.push(eni(
        Mac([2, 0, 0, 0, 3, 0x1e]),
        2,
        &["10.0.3.30"],
        "10.0.3.0/24",
    ));
    let mut system = guest(&[ETH0, ETH1]);
    let outcome = reconcile(&meta, &mut system, true).unwrap();
    let skipped: Vec<_> = outcome
        .plan
        .skipped
        .iter()
        .map(|(mac, why)| format!("{mac}: {why}"))
        .collect();
    assert_eq!(
        skipped,
        [
            "02:00:00:00:02:14: device-number 0 on a non-primary ENI: attachment not propagated yet, retrying later",
            "02:00:00:00:03:1e: no interface with this MAC in the guest (not hot-plugged yet?)",
        ]
    );
    assert!(system.applied.is_empty(), "a dry run applies nothing");

    let mut meta = seed_003();
    meta.interfaces[1].local_ipv4s.clear();
    meta.interfaces[1].subnet = None;
    let changes = run(&meta, &mut system);
    assert_eq!(
        changes
            .iter()
            .filter(|c| c.contains("eth1"))
            .collect::<Vec<_>>(),
        ["ip link set dev eth1 up"]
    );
}
