//! The reconciler against the in-memory host: converges, is idempotent, adopts what exists,
//! and follows stop, terminate, detach and ENI moves.

use crate::host::Change;
use crate::host::fake::FakeHost;
use crate::model::tests::acl_entry;
use crate::model::tests::{ETH1, I1, I2, seed_003};
use crate::model::{Snapshot, guest_ns, port_name, router_ns, topology};
use crate::reconcile;
use localvpc_model::instance::InstanceState;
use localvpc_model::security_group::{Permission, Protocol, RulePeer};

fn converged(host: &mut FakeHost, snapshot: &crate::model::Snapshot) {
    let t = topology(snapshot);
    reconcile(&t, host).unwrap();
    assert_eq!(
        reconcile(&t, host).unwrap(),
        0,
        "a second pass changes nothing"
    );
}

fn link_names(host: &FakeHost, ns: &str) -> Vec<String> {
    let mut names: Vec<_> = host.state.namespaces[ns]
        .links
        .iter()
        .map(|l| l.name.clone())
        .collect();
    names.sort();
    names
}

#[test]
fn builds_seed_003_and_is_idempotent() {
    let mut host = FakeHost::default();
    converged(&mut host, &seed_003());
    let router = router_ns(crate::model::tests::VPC);
    assert_eq!(
        host.state.namespaces.len(),
        4,
        "two instances, a router, the internet"
    );
    assert!(host.state.namespaces[&router].routing);
    assert_eq!(link_names(&host, &guest_ns(I1)), ["eth0", "eth1", "lo"]);
    assert_eq!(host.state.namespaces[&router].routes.len(), 4);
    let eth0 = &host.state.namespaces[&guest_ns(I1)].links[1];
    assert_eq!(eth0.addresses, ["10.0.1.10/24".parse().unwrap()]);
    assert_eq!(eth0.mtu, 9001);
    let ports = &host.state.namespaces[&router].links;
    assert!(
        ports
            .iter()
            .filter(|l| l.name != "lo")
            .all(|l| l.mtu == 9001)
    );
    let neighbours = &host.state.namespaces[&router].neighbours;
    assert_eq!(
        neighbours.len(),
        4,
        "every ENI address with its ENI's MAC, no ARP needed"
    );
    assert!(neighbours.iter().any(
        |n| n.address == std::net::Ipv4Addr::new(10, 0, 2, 21) && n.mac == "0a:00:00:00:00:01"
    ));
    let lo = ports.iter().find(|l| l.name == "lo").unwrap();
    // IMDS, the VPC resolver at the VPC's base + 2 and its link-local address, IMDS over IPv6.
    let on_lo: Vec<ipnet::IpNet> = [
        "169.254.169.254/32",
        "10.0.0.2/32",
        "169.254.169.253/32",
        "fd00:ec2::254/128",
    ]
    .iter()
    .map(|a| a.parse().unwrap())
    .collect();
    assert_eq!(lo.addresses, on_lo);
    let eth1 = &host.state.namespaces[&guest_ns(I1)].links[2];
    assert!(
        eth1.up && eth1.addresses.is_empty(),
        "eth1 is left unconfigured"
    );
}

#[test]
fn a_restart_adopts_the_network_it_left() {
    let mut host = FakeHost::default();
    converged(&mut host, &seed_003());
    // A new process: the same host, nothing remembered but the host itself.
    let mut again = FakeHost {
        state: host.state.clone(),
        pairs: host.pairs.clone(),
        applied: Vec::new(),
    };
    assert_eq!(reconcile(&topology(&seed_003()), &mut again).unwrap(), 0);
}

#[test]
fn stop_start_and_terminate() {
    let mut host = FakeHost::default();
    let mut s = seed_003();
    converged(&mut host, &s);
    s.instances[0].state = InstanceState::Stopped;
    converged(&mut host, &s);
    let guest = &host.state.namespaces[&guest_ns(I1)];
    assert!(guest.links.iter().filter(|l| l.name != "lo").all(|l| !l.up));
    assert!(guest.routes.is_empty());
    let router = router_ns(crate::model::tests::VPC);
    assert_eq!(
        host.state.namespaces[&router].routes.len(),
        1,
        "only the peer"
    );
    s.instances[0].state = InstanceState::Running;
    converged(&mut host, &s);
    assert_eq!(host.state.namespaces[&router].routes.len(), 4);
    s.instances[1].state = InstanceState::Terminated;
    converged(&mut host, &s);
    assert!(!host.state.namespaces.contains_key(&guest_ns(I2)));
    assert_eq!(
        link_names(&host, &router).len(),
        3,
        "lo and instance 1's two ports"
    );
}

#[test]
fn detach_unplugs_and_a_moved_eni_follows_with_its_addresses() {
    let mut host = FakeHost::default();
    let mut s = seed_003();
    converged(&mut host, &s);
    let eth1 = s.instances[0].enis.pop().unwrap();
    converged(&mut host, &s);
    assert_eq!(link_names(&host, &guest_ns(I1)), ["eth0", "lo"]);
    s.instances[1].enis.push(eth1);
    converged(&mut host, &s);
    assert_eq!(link_names(&host, &guest_ns(I2)), ["eth0", "eth1", "lo"]);
    let router = router_ns(crate::model::tests::VPC);
    let through_port = host.state.namespaces[&router]
        .routes
        .iter()
        .filter(|r| r.dev == port_name(ETH1))
        .count();
    assert_eq!(through_port, 2);
}

#[test]
fn an_unassigned_secondary_address_loses_its_route() {
    let mut host = FakeHost::default();
    let mut s = seed_003();
    converged(&mut host, &s);
    s.instances[0].enis[1].addresses.pop();
    converged(&mut host, &s);
    let router = router_ns(crate::model::tests::VPC);
    assert_eq!(host.state.namespaces[&router].routes.len(), 3);
}

#[test]
fn the_filter_table_follows_the_source_check_groups_members_and_acls() {
    let mut host = FakeHost::default();
    let mut s = seed_003();
    converged(&mut host, &s);
    let router = router_ns(crate::model::tests::VPC);
    let installed = |host: &FakeHost| host.state.namespaces[&router].tables["lvpc_filter"];
    let mut seen = vec![installed(&host)];
    let changes: [&dyn Fn(&mut Snapshot); 4] = [
        &|s| s.instances[0].enis[0].source_dest_check = false,
        &|s| {
            let ssh = Permission {
                protocol: Protocol::Tcp,
                ports: Some((22, 22)),
                peer: RulePeer::Cidr("192.0.2.0/24".parse().unwrap()),
            };
            s.groups[0].ingress.push(ssh)
        },
        &|s| s.groups[0].members.truncate(3),
        &|s| s.acls[0].entries.push(acl_entry(50, false, false)),
    ];
    for change in changes {
        change(&mut s);
        host.applied.clear();
        converged(&mut host, &s);
        let replaced = host
            .applied
            .iter()
            .filter(|c| matches!(c, Change::SetTable { .. }));
        assert_eq!(replaced.count(), 1, "one atomic replacement, nothing else");
        assert_eq!(host.applied.len(), 1);
        seen.push(installed(&host));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "every change re-rendered the table");
}

mod cache;
mod routing;
