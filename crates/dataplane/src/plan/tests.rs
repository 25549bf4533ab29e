use super::*;
use crate::model::tests::{I1, seed_003};
use crate::model::{guest_ns, topology};

#[test]
fn an_empty_host_gets_everything_in_an_order_the_kernel_accepts() {
    let t = topology(&seed_003());
    let state = HostState::default();
    assert!(removals(&t, &state).is_empty());
    let changes = additions(&t, &state);
    let first = |f: fn(&Change) -> bool| changes.iter().position(f).unwrap();
    let add_ns = first(|c| matches!(c, Change::AddNamespace(_)));
    let veth = first(|c| matches!(c, Change::AddVeth { .. }));
    let up = first(|c| matches!(c, Change::SetLink { .. }));
    let address = first(|c| matches!(c, Change::AddAddress { .. }));
    let route = first(|c| matches!(c, Change::AddRoute { .. }));
    assert!(add_ns < veth && veth < up && up < address && address < route);
    let routes = changes
        .iter()
        .filter(|c| matches!(c, Change::AddRoute { .. }))
        .count();
    assert_eq!(
        routes,
        4 + 2,
        "four ENI addresses in the router, two default routes"
    );
}

#[test]
fn links_of_a_guest_that_are_not_localvpcs_are_left_alone() {
    let t = topology(&seed_003());
    let mut state = HostState::default();
    let ns = state.namespaces.entry(guest_ns(I1)).or_default();
    ns.links.push(Link {
        name: "dummy0".into(),
        mac: "02:00:00:00:00:09".into(),
        up: true,
        mtu: 1500,
        addresses: vec![],
        prompt_proxy_arp: false,
    });
    ns.links.push(Link {
        name: "eth5".into(),
        mac: "02:00:00:00:00:05".into(),
        up: true,
        mtu: 1500,
        addresses: vec![],
        prompt_proxy_arp: false,
    });
    let gone = removals(&t, &state);
    assert_eq!(
        gone,
        [Change::DelLink {
            ns: guest_ns(I1),
            name: "eth5".into()
        }]
    );
}

#[test]
fn namespaces_that_are_not_localvpcs_are_never_touched() {
    let t = topology(&seed_003());
    let mut state = HostState::default();
    state
        .namespaces
        .insert("lvpc-i-0dead".into(), NsState::default());
    state
        .namespaces
        .insert("someone-else".into(), NsState::default());
    assert_eq!(
        removals(&t, &state),
        [Change::DelNamespace("lvpc-i-0dead".into())]
    );
}

#[test]
fn a_table_no_longer_wanted_is_removed() {
    let t = topology(&seed_003());
    let mut state = HostState::default();
    let router = &t.routers[0].ns;
    let ns = state.namespaces.entry(router.clone()).or_default();
    ns.tables.insert("lvpc_gone".into(), 1);
    let changes = additions(&t, &state);
    assert!(changes.contains(&Change::DelTable {
        ns: router.clone(),
        name: "lvpc_gone".into()
    }));
}
