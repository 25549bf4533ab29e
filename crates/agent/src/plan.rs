//! The plan: from instance metadata and the guest's interfaces to the configuration
//! amazon-ec2-net-utils v2.5+ produces (`guest-routing.md` §2), and from there to the changes
//! that bring the observed state to it. Pure: no OS calls.
//!
//! Per ENI, found by MAC: the link up; the primary IP with the subnet's prefix and each secondary
//! as a /32 without prefix route; a default route in `main` via the subnet's router (base + 1)
//! with metric 512 + 100 × card + device, so every ENI has one and the primary's is preferred.
//! For every ENI but the primary (which uses `main` only, net-utils v2.4.1+): table
//! 10000 + 100 × card + device holding the on-link subnet route and a default via the router,
//! and a rule `from <addr> lookup <table> priority <table>` for each of its IPs and delegated
//! prefixes, so replies leave through the ENI that owns their source.

use crate::metadata::{GuestMetadata, InterfaceMetadata, Mac};
use crate::state::{Address, Change, Dev, Link, MAIN_TABLE, OsState, Route, Rule, Seen};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

#[cfg(test)]
pub(crate) mod tests;

/// The desired state of the guest: one entry per ENI whose interface is present.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Plan {
    pub enis: Vec<EniConfig>,
    /// ENIs listed in metadata that this round leaves alone, and why.
    pub skipped: Vec<(Mac, &'static str)>,
}

/// What one ENI's interface should carry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EniConfig {
    pub dev: Dev,
    pub mac: Mac,
    pub device_number: u32,
    pub network_card: u32,
    /// The ENI's own routing table and rule priority; `None` for the primary ENI.
    pub table: Option<u32>,
    /// Metric of its default route in `main`.
    pub metric: u32,
    /// `None` when the ENI has no IPv4 (IPv6-only subnet): net-utils skips every IPv4 part.
    pub ipv4: Option<Ipv4Config>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ipv4Config {
    pub subnet: Ipv4Net,
    /// Subnet base + 1, the VPC router (what DHCP would give as the router option).
    pub router: Ipv4Addr,
    pub primary_ip: Ipv4Addr,
    pub secondary_ips: Vec<Ipv4Addr>,
    pub prefixes: Vec<Ipv4Net>,
}

const NO_INTERFACE: &str = "no interface with this MAC in the guest (not hot-plugged yet?)";
const NOT_PROPAGATED: &str =
    "device-number 0 on a non-primary ENI: attachment not propagated yet, retrying later";

/// Matches every ENI in `meta` to its interface in `links` and computes its configuration.
pub fn plan(meta: &GuestMetadata, links: &[Link]) -> Plan {
    let mut plan = Plan {
        enis: Vec::new(),
        skipped: Vec::new(),
    };
    for eni in &meta.interfaces {
        let primary = eni.mac == meta.primary_mac;
        let Some(link) = links.iter().find(|l| l.mac == Some(eni.mac)) else {
            plan.skipped.push((eni.mac, NO_INTERFACE));
            continue;
        };
        // IMDS may report device 0 for a fresh attachment; net-utils waits for the real number.
        if !primary && eni.device_number == 0 && eni.network_card == 0 {
            plan.skipped.push((eni.mac, NOT_PROPAGATED));
            continue;
        }
        plan.enis.push(EniConfig {
            dev: link.dev.clone(),
            mac: eni.mac,
            device_number: eni.device_number,
            network_card: eni.network_card,
            table: (!primary).then(|| eni.table()),
            metric: eni.metric(),
            ipv4: ipv4_config(eni),
        });
    }
    plan
}

fn ipv4_config(eni: &InterfaceMetadata) -> Option<Ipv4Config> {
    let subnet = eni.subnet?;
    let (&primary_ip, secondary_ips) = eni.local_ipv4s.split_first()?;
    Some(Ipv4Config {
        subnet,
        router: Ipv4Addr::from(u32::from(subnet.network()) + 1),
        primary_ip,
        secondary_ips: secondary_ips.to_vec(),
        prefixes: eni.ipv4_prefixes.clone(),
    })
}

impl EniConfig {
    pub fn addresses(&self) -> Vec<Address> {
        let Some(v4) = &self.ipv4 else {
            return Vec::new();
        };
        let address = |ip, prefix, noprefixroute| Address {
            dev: self.dev.clone(),
            ip,
            prefix,
            noprefixroute,
        };
        let mut out = vec![address(v4.primary_ip, v4.subnet.prefix_len(), false)];
        out.extend(v4.secondary_ips.iter().map(|&ip| address(ip, 32, true)));
        out
    }

    /// On-link routes first: a gateway must be reachable when its route is added.
    pub fn routes(&self) -> Vec<Route> {
        let Some(v4) = &self.ipv4 else {
            return Vec::new();
        };
        let route = |table, dst, gateway, metric| Route {
            table,
            dst,
            gateway,
            dev: self.dev.clone(),
            metric,
        };
        let mut out = Vec::new();
        if let Some(table) = self.table {
            out.push(route(table, v4.subnet, None, 0));
            out.push(route(table, Ipv4Net::default(), Some(v4.router), 0));
        }
        out.push(route(
            MAIN_TABLE,
            Ipv4Net::default(),
            Some(v4.router),
            self.metric,
        ));
        out
    }

    pub fn rules(&self) -> Vec<Rule> {
        let (Some(table), Some(v4)) = (self.table, &self.ipv4) else {
            return Vec::new();
        };
        let ips = std::iter::once(v4.primary_ip).chain(v4.secondary_ips.iter().copied());
        let sources = ips.map(Ipv4Net::from).chain(v4.prefixes.iter().copied());
        sources
            .map(|src| Rule {
                priority: table,
                src,
                table,
            })
            .collect()
    }
}

impl Plan {
    /// The changes that turn `os` into the planned state: remove what carries the agent's mark
    /// and is no longer planned (rules, routes, then addresses), then bring links up and add what
    /// is missing (addresses, routes, then rules). Nothing unmarked is ever removed.
    pub fn changes(&self, os: &OsState) -> Vec<Change> {
        let addresses: Vec<_> = self.enis.iter().flat_map(EniConfig::addresses).collect();
        let mut routes: Vec<_> = self.enis.iter().flat_map(EniConfig::routes).collect();
        routes.sort_by_key(|r| r.gateway.is_some());
        let rules: Vec<_> = self.enis.iter().flat_map(EniConfig::rules).collect();

        let mut out = Vec::new();
        out.extend(stale(&os.rules, |r| rules.contains(r)).map(Change::DelRule));
        out.extend(stale(&os.routes, |r| routes.contains(r)).map(Change::DelRoute));
        out.extend(
            stale(&os.addresses, |a| addresses.iter().any(|w| w.same(a))).map(Change::DelAddress),
        );
        for eni in &self.enis {
            if os
                .links
                .iter()
                .any(|l| l.dev.index == eni.dev.index && !l.up)
            {
                out.push(Change::LinkUp(eni.dev.clone()));
            }
        }
        out.extend(missing(&addresses, &os.addresses, Address::same).map(Change::AddAddress));
        out.extend(missing(&routes, &os.routes, Route::eq).map(Change::AddRoute));
        out.extend(missing(&rules, &os.rules, Rule::eq).map(Change::AddRule));
        out
    }
}

/// What carries the agent's mark but is no longer wanted.
fn stale<T: Clone>(seen: &[Seen<T>], wanted: impl Fn(&T) -> bool) -> impl Iterator<Item = T> {
    seen.iter()
        .filter(move |s| s.ours && !wanted(&s.item))
        .map(|s| s.item.clone())
}

/// What is wanted and not present, whoever made what is present.
fn missing<'a, T: Clone>(
    wanted: &'a [T],
    seen: &'a [Seen<T>],
    same: impl Fn(&T, &T) -> bool + 'a,
) -> impl Iterator<Item = T> + 'a {
    wanted
        .iter()
        .filter(move |w| !seen.iter().any(|s| same(&s.item, w)))
        .cloned()
}
