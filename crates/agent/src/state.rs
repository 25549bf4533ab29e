//! The guest's IPv4 network state as the agent sees it, and the changes it makes to it.
//!
//! Ownership: every route, rule and address the agent creates carries the protocol number
//! [`PROTO`] (`proto 0xa7`; addresses through `IFA_PROTO`, Linux 6.3+). What carries it is the
//! agent's to remove when instance metadata no longer asks for it; what does not is never removed
//! or changed, only counted as already present when it is identical to what the plan wants.

use crate::metadata::Mac;
use ipnet::Ipv4Net;
use std::fmt;
use std::net::Ipv4Addr;

/// Protocol number marking the agent's routes, rules and addresses. Unassigned in
/// `/etc/iproute2/rt_protos`; chosen for "localvpc agent".
pub const PROTO: u8 = 0xa7;

/// The kernel's `main` routing table.
pub const MAIN_TABLE: u32 = 254;

/// A network interface, named for display and addressed by index.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Dev {
    pub index: u32,
    pub name: String,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Link {
    pub dev: Dev,
    pub mac: Option<Mac>,
    pub up: bool,
}

/// An IPv4 address on an interface. Identity is (interface, address, prefix length).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Address {
    pub dev: Dev,
    pub ip: Ipv4Addr,
    pub prefix: u8,
    /// `noprefixroute`: secondary IPs are /32 aliases with no route of their own.
    pub noprefixroute: bool,
}

impl Address {
    pub fn same(&self, other: &Address) -> bool {
        (self.dev.index, self.ip, self.prefix) == (other.dev.index, other.ip, other.prefix)
    }
}

/// A unicast IPv4 route through one interface; on-link (scope link) when it has no gateway.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Route {
    pub table: u32,
    pub dst: Ipv4Net,
    pub gateway: Option<Ipv4Addr>,
    pub dev: Dev,
    pub metric: u32,
}

/// `from <src> lookup <table> priority <priority>`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Rule {
    pub priority: u32,
    pub src: Ipv4Net,
    pub table: u32,
}

/// Something observed in the guest, and whether it carries the agent's [`PROTO`] mark.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Seen<T> {
    pub item: T,
    pub ours: bool,
}

/// The parts of the guest's state the agent reads: links, and IPv4 addresses, unicast routes in
/// every table, and rules.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct OsState {
    pub links: Vec<Link>,
    pub addresses: Vec<Seen<Address>>,
    pub routes: Vec<Seen<Route>>,
    pub rules: Vec<Seen<Rule>>,
}

/// One change to the guest. Additions carry the [`PROTO`] mark.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Change {
    LinkUp(Dev),
    AddAddress(Address),
    DelAddress(Address),
    AddRoute(Route),
    DelRoute(Route),
    AddRule(Rule),
    DelRule(Rule),
}

impl Change {
    /// The `ip` command that makes the same change (in namespace `netns` when given).
    pub fn command(&self, netns: Option<&str>) -> String {
        let ip = match netns {
            Some(ns) => format!("ip -n {ns}"),
            None => "ip".to_string(),
        };
        match self {
            Change::LinkUp(dev) => format!("{ip} link set dev {} up", dev.name),
            Change::AddAddress(a) => format!("{ip} addr add {}", address_args(a)),
            Change::DelAddress(a) => format!("{ip} addr del {}", address_args(a)),
            Change::AddRoute(r) => format!("{ip} route add {}", route_args(r)),
            Change::DelRoute(r) => format!("{ip} route del {}", route_args(r)),
            Change::AddRule(r) => format!("{ip} rule add {}", rule_args(r)),
            Change::DelRule(r) => format!("{ip} rule del {}", rule_args(r)),
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.command(None))
    }
}

fn address_args(a: &Address) -> String {
    // The netlink applier sets the broadcast address as `brd +` does, below /31.
    let brd = if a.prefix < 31 { " brd +" } else { "" };
    let flag = if a.noprefixroute {
        " noprefixroute"
    } else {
        ""
    };
    let (ip, prefix, dev) = (a.ip, a.prefix, &a.dev.name);
    format!("{ip}/{prefix}{brd} dev {dev}{flag} proto {PROTO:#x}")
}

fn route_args(r: &Route) -> String {
    let dst = match r.dst.prefix_len() {
        0 => "default".to_string(),
        _ => r.dst.to_string(),
    };
    let via = match r.gateway {
        Some(gateway) => format!(" via {gateway} dev {}", r.dev.name),
        None => format!(" dev {} scope link", r.dev.name),
    };
    let table = match r.table {
        MAIN_TABLE => String::new(),
        table => format!(" table {table}"),
    };
    let metric = match r.metric {
        0 => String::new(),
        metric => format!(" metric {metric}"),
    };
    format!("{dst}{via}{table}{metric} proto {PROTO:#x}")
}

fn rule_args(r: &Rule) -> String {
    let from = match r.src.prefix_len() {
        32 => r.src.addr().to_string(),
        _ => r.src.to_string(),
    };
    let (table, priority) = (r.table, r.priority);
    format!("from {from} lookup {table} priority {priority} protocol {PROTO:#x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth1() -> Dev {
        Dev {
            index: 3,
            name: "eth1".into(),
        }
    }

    #[test]
    fn changes_read_as_ip_commands() {
        let secondary = Address {
            dev: eth1(),
            ip: "10.0.2.21".parse().unwrap(),
            prefix: 32,
            noprefixroute: true,
        };
        let primary = Address {
            dev: eth1(),
            ip: "10.0.2.20".parse().unwrap(),
            prefix: 24,
            noprefixroute: false,
        };
        let subnet = Route {
            table: 10001,
            dst: "10.0.2.0/24".parse().unwrap(),
            gateway: None,
            dev: eth1(),
            metric: 0,
        };
        let default = Route {
            table: MAIN_TABLE,
            dst: "0.0.0.0/0".parse().unwrap(),
            gateway: Some("10.0.2.1".parse().unwrap()),
            dev: eth1(),
            metric: 513,
        };
        let rule = Rule {
            priority: 10001,
            src: "10.0.2.21/32".parse().unwrap(),
            table: 10001,
        };
        let prefix_rule = Rule {
            src: "10.0.2.208/28".parse().unwrap(),
            ..rule.clone()
        };
        let cases = [
            (Change::LinkUp(eth1()), "ip link set dev eth1 up"),
            (
                Change::AddAddress(primary),
                "ip addr add 10.0.2.20/24 brd + dev eth1 proto 0xa7",
            ),
            (
                Change::DelAddress(secondary),
                "ip addr del 10.0.2.21/32 dev eth1 noprefixroute proto 0xa7",
            ),
            (
                Change::AddRoute(subnet),
                "ip route add 10.0.2.0/24 dev eth1 scope link table 10001 proto 0xa7",
            ),
            (
                Change::DelRoute(default),
                "ip route del default via 10.0.2.1 dev eth1 metric 513 proto 0xa7",
            ),
            (
                Change::AddRule(rule),
                "ip rule add from 10.0.2.21 lookup 10001 priority 10001 protocol 0xa7",
            ),
            (
                Change::DelRule(prefix_rule),
                "ip rule del from 10.0.2.208/28 lookup 10001 priority 10001 protocol 0xa7",
            ),
        ];
        for (change, command) in cases {
            assert_eq!(change.to_string(), command);
        }
        assert_eq!(
            Change::LinkUp(eth1()).command(Some("guest")),
            "ip -n guest link set dev eth1 up"
        );
    }
}
