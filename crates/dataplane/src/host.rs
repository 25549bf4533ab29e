//! The narrow interface between the reconciler and the machine: read what exists in localvpc's
//! namespaces, make one change. [`crate::linux`] implements it; [`fake::FakeHost`] is an
//! in-memory host for unit tests.

use crate::model::routing::RouteKind;
use crate::nft::Table;
use ipnet::IpNet;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// localvpc's namespaces (those named with [`crate::model::PREFIX`]) and what is in them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostState {
    pub namespaces: BTreeMap<String, NsState>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NsState {
    pub links: Vec<Link>,
    /// Routes of the main table (both families) added by an administrator (`proto boot`), which
    /// is how localvpc adds them; kernel-made routes (subnet routes of addresses) are not listed.
    pub routes: Vec<Route>,
    /// Permanent neighbour entries (`nud permanent`), which is how localvpc adds them.
    pub neighbours: Vec<Neighbour>,
    /// `net.ipv4.ip_forward`, `net.ipv6.conf.all.forwarding` and `net.ipv4.conf.all.proxy_arp`
    /// on, reverse-path filtering off
    /// (`conf.{all,default}.rp_filter` 0: the filter table decides which sources are valid).
    pub routing: bool,
    /// localvpc's nftables tables (named with [`crate::nft::TABLE_PREFIX`]) and the
    /// fingerprint each was installed with.
    pub tables: BTreeMap<String, u64>,
    /// Policy rules of priority [`crate::model::routing::RULE_PRIORITY`] (localvpc's), both
    /// families.
    pub rules: Vec<Rule>,
    /// Routes of numbered tables other than main, local and default.
    pub table_routes: Vec<TableRoute>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    /// `0a:1b:…`, lower case.
    pub mac: String,
    pub up: bool,
    pub mtu: u32,
    /// IPv4 addresses, and IPv6 addresses that are global or localvpc's link-local ones
    /// ([`crate::model::is_localvpc_address`]): the kernel's own link-local is not listed.
    pub addresses: Vec<IpNet>,
    /// Proxy ARP answers at once (`neigh.<link>.proxy_delay` 0; Linux's default delays them
    /// by up to 0.8 s, AWS's router does not).
    pub prompt_proxy_arp: bool,
}

/// `dst [via gateway] dev dev` in the main table (`scope link` when there is no gateway).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub dst: IpNet,
    pub gateway: Option<IpAddr>,
    pub dev: String,
}

/// A permanent neighbour (IPv4 or IPv6): the router knows every ENI address's MAC, as the VPC does, so
/// an address answers as soon as the guest configures it (no ARP retry to wait for).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Neighbour {
    pub address: IpAddr,
    pub dev: String,
    /// `0a:1b:…`, lower case.
    pub mac: String,
}

/// A policy rule: packets arriving on `iif` (any, when `None`) look up `table`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rule {
    pub iif: Option<String>,
    pub table: u32,
    /// An IPv6 rule (`ip -6 rule`); IPv4 otherwise.
    pub v6: bool,
}

/// A route in a numbered table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TableRoute {
    pub table: u32,
    pub dst: IpNet,
    pub kind: RouteKind,
    /// The source address locally made packets take (`src`), instead of the device's.
    pub src: Option<IpAddr>,
}

/// One change to the host. Deleting something already gone succeeds (removing one end of a
/// veth pair removes the other, so the reconciler may ask twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    AddNamespace(String),
    DelNamespace(String),
    /// Turns on forwarding and proxy ARP in a router namespace, reverse-path filtering off.
    EnableRouting(String),
    /// A veth pair created inside `ns` (`name` with `mac`), its peer moved straight into
    /// `peer_ns`: no end ever sits in the host's namespace. Both ends start down.
    AddVeth {
        ns: String,
        name: String,
        mac: String,
        peer_ns: String,
        peer: String,
    },
    DelLink {
        ns: String,
        name: String,
    },
    SetLink {
        ns: String,
        name: String,
        up: bool,
    },
    SetMtu {
        ns: String,
        name: String,
        mtu: u32,
    },
    /// Makes proxy ARP on a router port answer at once.
    PromptProxyArp {
        ns: String,
        name: String,
    },
    AddAddress {
        ns: String,
        dev: String,
        address: IpNet,
    },
    DelAddress {
        ns: String,
        dev: String,
        address: IpNet,
    },
    AddRoute {
        ns: String,
        route: Route,
    },
    DelRoute {
        ns: String,
        route: Route,
    },
    SetNeighbour {
        ns: String,
        neighbour: Neighbour,
    },
    DelNeighbour {
        ns: String,
        neighbour: Neighbour,
    },
    /// Installs or replaces an nftables table, atomically.
    SetTable {
        ns: String,
        table: Table,
    },
    DelTable {
        ns: String,
        name: String,
    },
    AddRule {
        ns: String,
        rule: Rule,
    },
    DelRule {
        ns: String,
        rule: Rule,
    },
    AddTableRoute {
        ns: String,
        route: TableRoute,
    },
    DelTableRoute {
        ns: String,
        route: TableRoute,
    },
}

impl Change {
    /// The namespace the change is made in.
    pub fn ns(&self) -> &str {
        match self {
            Change::AddNamespace(ns) | Change::DelNamespace(ns) | Change::EnableRouting(ns) => ns,
            Change::AddVeth { ns, .. }
            | Change::DelLink { ns, .. }
            | Change::SetLink { ns, .. }
            | Change::SetMtu { ns, .. }
            | Change::PromptProxyArp { ns, .. }
            | Change::AddAddress { ns, .. }
            | Change::DelAddress { ns, .. }
            | Change::AddRoute { ns, .. }
            | Change::DelRoute { ns, .. }
            | Change::SetNeighbour { ns, .. }
            | Change::DelNeighbour { ns, .. }
            | Change::SetTable { ns, .. }
            | Change::DelTable { ns, .. }
            | Change::AddRule { ns, .. }
            | Change::DelRule { ns, .. }
            | Change::AddTableRoute { ns, .. }
            | Change::DelTableRoute { ns, .. } => ns,
        }
    }
}

pub trait Host {
    /// Every localvpc namespace, whole.
    fn read(&mut self) -> anyhow::Result<HostState>;
    /// One namespace (`None` if it does not exist), possibly without its `tables`: the
    /// reconciler knows them from its own changes ([`crate::reconciler`]).
    fn read_namespace(&mut self, ns: &str) -> anyhow::Result<Option<NsState>>;
    fn apply(&mut self, change: &Change) -> anyhow::Result<()>;
    /// Makes `changes` in order (a host may group them), one result each.
    fn apply_all(&mut self, changes: &[Change]) -> Vec<anyhow::Result<()>> {
        changes.iter().map(|c| self.apply(c)).collect()
    }
}

#[cfg(test)]
pub mod fake {
    use super::{Change, Host, HostState, Link, NsState, RouteKind, TableRoute};

    fn through(route: &TableRoute, link: &str) -> bool {
        matches!(&route.kind, RouteKind::Via { dev, .. } if dev == link)
    }

    /// A host in memory, behaving as the kernel does for what the reconciler touches: a new
    /// namespace has `lo` down; veth ends vanish together; a link going down loses its routes.
    #[derive(Default)]
    pub struct FakeHost {
        pub state: HostState,
        /// Veth pairs as ((ns, name), (ns, name)).
        pub pairs: Vec<((String, String), (String, String))>,
        pub applied: Vec<Change>,
    }

    impl FakeHost {
        fn ns(&mut self, name: &str) -> anyhow::Result<&mut NsState> {
            self.state
                .namespaces
                .get_mut(name)
                .ok_or_else(|| anyhow::anyhow!("no namespace {name}"))
        }

        fn link(&mut self, ns: &str, name: &str) -> anyhow::Result<&mut Link> {
            let ns = self.ns(ns)?;
            ns.links
                .iter_mut()
                .find(|l| l.name == name)
                .ok_or_else(|| anyhow::anyhow!("Cannot find device {name}"))
        }

        fn remove_link(&mut self, ns: &str, name: &str) {
            if let Some(state) = self.state.namespaces.get_mut(ns) {
                state.links.retain(|l| l.name != name);
                state.routes.retain(|r| r.dev != name);
                state.neighbours.retain(|n| n.dev != name);
                state.table_routes.retain(|r| !through(r, name));
            }
        }

        /// Removes a link and its veth peer, wherever that is.
        fn remove_pair(&mut self, ns: &str, name: &str) {
            let end = (ns.to_owned(), name.to_owned());
            let pair = self.pairs.iter().position(|(a, b)| *a == end || *b == end);
            if let Some(at) = pair {
                let (a, b) = self.pairs.remove(at);
                self.remove_link(&a.0, &a.1);
                self.remove_link(&b.0, &b.1);
            }
            self.remove_link(ns, name);
        }
    }

    fn link(name: &str, mac: &str) -> Link {
        Link {
            name: name.into(),
            mac: mac.into(),
            up: false,
            mtu: 1500,
            addresses: Vec::new(),
            prompt_proxy_arp: false,
        }
    }

    impl Host for FakeHost {
        fn read(&mut self) -> anyhow::Result<HostState> {
            Ok(self.state.clone())
        }

        fn read_namespace(&mut self, ns: &str) -> anyhow::Result<Option<NsState>> {
            Ok(self.state.namespaces.get(ns).cloned())
        }

        fn apply(&mut self, change: &Change) -> anyhow::Result<()> {
            match change {
                Change::AddNamespace(ns) => {
                    anyhow::ensure!(!self.state.namespaces.contains_key(ns), "File exists");
                    let lo = link("lo", "00:00:00:00:00:00");
                    self.state.namespaces.insert(
                        ns.clone(),
                        NsState {
                            links: vec![lo],
                            ..NsState::default()
                        },
                    );
                }
                Change::DelNamespace(ns) => {
                    let names: Vec<String> = match self.state.namespaces.get(ns) {
                        Some(state) => state.links.iter().map(|l| l.name.clone()).collect(),
                        None => Vec::new(),
                    };
                    for name in names {
                        self.remove_pair(ns, &name);
                    }
                    self.state.namespaces.remove(ns);
                }
                Change::EnableRouting(ns) => self.ns(ns)?.routing = true,
                Change::AddVeth {
                    ns,
                    name,
                    mac,
                    peer_ns,
                    peer,
                } => {
                    for (n, l) in [(ns, name), (peer_ns, peer)] {
                        let state = self.ns(n)?;
                        anyhow::ensure!(!state.links.iter().any(|x| x.name == *l), "File exists");
                    }
                    self.ns(ns)?.links.push(link(name, mac));
                    self.ns(peer_ns)?
                        .links
                        .push(link(peer, "02:00:00:00:00:01"));
                    self.pairs
                        .push(((ns.clone(), name.clone()), (peer_ns.clone(), peer.clone())));
                }
                Change::DelLink { ns, name } => self.remove_pair(ns, name),
                Change::SetLink { ns, name, up } => {
                    self.link(ns, name)?.up = *up;
                    if !up {
                        let state = self.ns(ns)?;
                        state.routes.retain(|r| r.dev != *name);
                        state.neighbours.retain(|n| n.dev != *name);
                        state.table_routes.retain(|r| !through(r, name));
                    }
                }
                Change::SetMtu { ns, name, mtu } => self.link(ns, name)?.mtu = *mtu,
                Change::PromptProxyArp { ns, name } => self.link(ns, name)?.prompt_proxy_arp = true,
                Change::AddAddress { ns, dev, address } => {
                    let link = self.link(ns, dev)?;
                    anyhow::ensure!(!link.addresses.contains(address), "File exists");
                    link.addresses.push(*address);
                }
                Change::DelAddress { ns, dev, address } => {
                    self.link(ns, dev)?.addresses.retain(|a| a != address)
                }
                Change::AddRoute { ns, route } => {
                    anyhow::ensure!(self.link(ns, &route.dev)?.up, "Network is down");
                    let state = self.ns(ns)?;
                    anyhow::ensure!(!state.routes.contains(route), "File exists");
                    state.routes.push(route.clone());
                }
                Change::DelRoute { ns, route } => self.ns(ns)?.routes.retain(|r| r != route),
                Change::SetNeighbour { ns, neighbour } => {
                    self.link(ns, &neighbour.dev)?;
                    let state = self.ns(ns)?;
                    state
                        .neighbours
                        .retain(|n| (&n.address, &n.dev) != (&neighbour.address, &neighbour.dev));
                    state.neighbours.push(neighbour.clone());
                }
                Change::DelNeighbour { ns, neighbour } => {
                    self.ns(ns)?.neighbours.retain(|n| n != neighbour)
                }
                Change::SetTable { ns, table } => {
                    let fingerprint = table.fingerprint();
                    self.ns(ns)?.tables.insert(table.name.clone(), fingerprint);
                }
                Change::DelTable { ns, name } => {
                    self.ns(ns)?.tables.remove(name);
                }
                Change::AddRule { ns, rule } => {
                    let state = self.ns(ns)?;
                    anyhow::ensure!(!state.rules.contains(rule), "File exists");
                    state.rules.push(rule.clone());
                }
                Change::DelRule { ns, rule } => self.ns(ns)?.rules.retain(|r| r != rule),
                Change::AddTableRoute { ns, route } => {
                    if let RouteKind::Via { dev, .. } = &route.kind {
                        anyhow::ensure!(self.link(ns, dev)?.up, "Network is down");
                    }
                    let state = self.ns(ns)?;
                    let taken = state
                        .table_routes
                        .iter()
                        .any(|r| r.table == route.table && r.dst == route.dst);
                    anyhow::ensure!(!taken, "File exists");
                    state.table_routes.push(route.clone());
                }
                Change::DelTableRoute { ns, route } => {
                    self.ns(ns)?.table_routes.retain(|r| r != route)
                }
            }
            self.applied.push(change.clone());
            Ok(())
        }
    }
}
