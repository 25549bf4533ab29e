//! The reconciler's cache against the in-memory host: exact after every reconciliation, reads
//! only what changes, retries what failed, and repairs what changed behind it on a full read.

use crate::host::fake::FakeHost;
use crate::host::{Change, Host, HostState, NsState};
use crate::model::routing::tests::with_gateway;
use crate::model::tests::{I1, I2, VPC, eni, seed_003};
use crate::model::{InstanceIn, Snapshot, guest_ns, router_ns, topology};
use crate::reconcile;
use crate::reconciler::{Reconciler, touched};
use localvpc_model::instance::InstanceState;

/// The in-memory host, counting namespace reads and failing the changes it is told to, once.
#[derive(Default)]
struct Counting {
    host: FakeHost,
    reads: usize,
    failing: Vec<Change>,
}

impl Host for Counting {
    fn read(&mut self) -> anyhow::Result<HostState> {
        self.reads += self.host.state.namespaces.len();
        self.host.read()
    }

    fn read_namespace(&mut self, ns: &str) -> anyhow::Result<Option<NsState>> {
        self.reads += 1;
        self.host.read_namespace(ns)
    }

    fn apply(&mut self, change: &Change) -> anyhow::Result<()> {
        if let Some(at) = self.failing.iter().position(|c| c == change) {
            self.failing.remove(at);
            anyhow::bail!("injected failure");
        }
        self.host.apply(change)
    }
}

/// Reconciles incrementally; checks that the cache is the host and that a reconciliation from
/// a full read finds nothing left to do. Returns the namespaces read.
fn step(reconciler: &mut Reconciler, host: &mut Counting, snapshot: &Snapshot) -> usize {
    host.reads = 0;
    reconciler.reconcile(&topology(snapshot), host).unwrap();
    let reads = host.reads;
    assert_eq!(
        reconciler.cache(),
        Some(&host.host.state),
        "the cache is exact"
    );
    let mut fresh = FakeHost {
        state: host.host.state.clone(),
        pairs: host.host.pairs.clone(),
        applied: Vec::new(),
    };
    assert_eq!(reconcile(&topology(snapshot), &mut fresh).unwrap(), 0);
    reads
}

fn instance(id: &str, eni_id: &str, address: &str) -> InstanceIn {
    InstanceIn {
        id: id.into(),
        state: InstanceState::Running,
        runs_agent: false,
        imds_ipv6: false,
        enis: vec![eni(eni_id, "subnet-1", 0, &[address])],
    }
}

#[test]
fn the_cache_stays_exact_through_the_lifecycle() {
    let (mut reconciler, mut host) = (Reconciler::default(), Counting::default());
    let mut s = with_gateway();
    step(&mut reconciler, &mut host, &s);
    s.instances.push(instance(
        "i-03333333333333333",
        "eni-0e000000000000004",
        "10.0.1.12",
    ));
    step(&mut reconciler, &mut host, &s);
    s.instances[0].state = InstanceState::Stopped;
    step(&mut reconciler, &mut host, &s);
    s.instances[0].state = InstanceState::Running;
    step(&mut reconciler, &mut host, &s);
    let moved = s.instances[0].enis.pop().unwrap();
    step(&mut reconciler, &mut host, &s);
    s.instances[1].enis.push(moved);
    step(&mut reconciler, &mut host, &s);
    s.routing.gateways.clear();
    step(&mut reconciler, &mut host, &s);
    s.instances[1].state = InstanceState::Terminated;
    step(&mut reconciler, &mut host, &s);
    assert!(!host.host.state.namespaces.contains_key(&guest_ns(I2)));
    s.instances.clear();
    s.vpcs.clear();
    step(&mut reconciler, &mut host, &s);
    let left: Vec<&String> = host.host.state.namespaces.keys().collect();
    assert_eq!(left, ["lvpc-internet"]);
}

#[test]
fn an_unchanged_topology_costs_nothing_and_a_change_is_made_once() {
    let (mut reconciler, mut host) = (Reconciler::default(), Counting::default());
    let mut s = seed_003();
    let launched = s.instances.pop().unwrap();
    step(&mut reconciler, &mut host, &s);
    host.host.applied.clear();
    assert_eq!(step(&mut reconciler, &mut host, &s), 0, "nothing read");
    assert!(host.host.applied.is_empty(), "nothing applied");
    s.instances.push(launched);
    let reads = step(&mut reconciler, &mut host, &s);
    assert_eq!(reads, 2, "the new instance's namespace and its router's");
    let elsewhere = host
        .host
        .applied
        .iter()
        .filter(|c| c.ns() != guest_ns(I2) && c.ns() != router_ns(VPC));
    assert_eq!(elsewhere.count(), 0, "instance 1 is not touched again");
}

#[test]
fn a_change_behind_the_cache_waits_for_the_full_read() {
    let (mut reconciler, mut host) = (Reconciler::default(), Counting::default());
    let s = seed_003();
    step(&mut reconciler, &mut host, &s);
    let eth0 = |host: &Counting| {
        host.host.state.namespaces[&guest_ns(I1)].links[1]
            .addresses
            .clone()
    };
    let guest = host.host.state.namespaces.get_mut(&guest_ns(I1)).unwrap();
    guest.links[1].addresses.clear();
    guest.routes.clear();
    let t = topology(&s);
    assert_eq!(reconciler.reconcile(&t, &mut host).unwrap(), 0);
    assert!(eth0(&host).is_empty(), "not seen between full reads");
    reconciler.forget();
    assert_eq!(reconciler.reconcile(&t, &mut host).unwrap(), 2);
    assert_eq!(eth0(&host), ["10.0.1.10/24".parse().unwrap()]);
    assert_eq!(reconciler.cache(), Some(&host.host.state));
}

#[test]
fn a_failed_change_is_retried_by_the_next_reconciliation() {
    let (mut reconciler, mut host) = (Reconciler::default(), Counting::default());
    let mut s = seed_003();
    step(&mut reconciler, &mut host, &s);
    s.instances[0].enis[1]
        .addresses
        .push("10.0.2.22".parse().unwrap());
    let t = topology(&s);
    let route = crate::plan::additions(&t, reconciler.cache().unwrap())
        .into_iter()
        .find(|c| matches!(c, Change::AddRoute { .. }))
        .unwrap();
    host.failing.push(route.clone());
    assert!(reconciler.reconcile(&t, &mut host).is_err());
    host.host.applied.clear();
    step(&mut reconciler, &mut host, &s);
    assert_eq!(host.host.applied, [route], "only the failed change, again");
}

#[test]
fn a_new_veth_pair_touches_both_namespaces() {
    let t = topology(&seed_003());
    let changes = crate::plan::additions(&t, &HostState::default());
    let names = touched(&changes);
    assert!(names.contains(&router_ns(VPC)));
    assert!(names.contains(&guest_ns(I1)) && names.contains(&guest_ns(I2)));
    let del = Change::DelLink {
        ns: guest_ns(I1),
        name: "eth1".into(),
    };
    assert_eq!(
        touched(&[del]),
        [guest_ns(I1)].into(),
        "a deleted pair's other end has its own change"
    );
}

#[test]
fn a_full_read_made_while_reconciliations_go_on_keeps_what_they_reread() {
    let (mut reconciler, mut host) = (Reconciler::default(), Counting::default());
    let mut s = seed_003();
    let launched = s.instances.pop().unwrap();
    step(&mut reconciler, &mut host, &s);
    let guest = host.host.state.namespaces.get_mut(&guest_ns(I1)).unwrap();
    guest.links[1].addresses.clear();
    guest.routes.clear();
    reconciler.begin_full_read();
    let read = host.host.read().unwrap();
    s.instances.push(launched);
    reconciler.reconcile(&topology(&s), &mut host).unwrap();
    reconciler.adopt(read);
    host.host.applied.clear();
    step(&mut reconciler, &mut host, &s);
    let repaired: Vec<&str> = host.host.applied.iter().map(|c| c.ns()).collect();
    assert_eq!(
        repaired,
        [guest_ns(I1), guest_ns(I1)],
        "eth0's address and default route, nothing else: the read's stale router is not used"
    );
}
