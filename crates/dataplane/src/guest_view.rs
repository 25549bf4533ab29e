//! What a guest's own IPv4 stack holds, as the path analyzer reads it (reachability.md §3.1):
//! its links and their addresses, its policy rules, the routes of every table, reverse-path
//! filtering and forwarding. Parsed here, with no IO, from iproute2's JSON (`ip -4 -j addr`,
//! `ip -4 -j rule`, `ip -4 -j route show table all`); `linux::guest_state` runs the commands.

use ipnet::Ipv4Net;
use serde_json::Value;
use std::net::Ipv4Addr;

/// Table numbers of the names iproute2 prints.
pub const TABLE_LOCAL: u32 = 255;
pub const TABLE_MAIN: u32 = 254;
pub const TABLE_DEFAULT: u32 = 253;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestState {
    pub links: Vec<GuestLink>,
    /// By priority, as `ip rule` lists them.
    pub rules: Vec<GuestRule>,
    /// Every table's routes, in the kernel's order within a table.
    pub routes: Vec<GuestRoute>,
    /// `net.ipv4.conf.all.rp_filter` (the kernel uses the larger of it and the link's).
    pub rp_filter_all: u8,
    /// `net.ipv4.ip_forward`.
    pub ip_forward: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestLink {
    pub name: String,
    /// Administratively up with a carrier.
    pub up: bool,
    pub addresses: Vec<Ipv4Net>,
    /// `net.ipv4.conf.<link>.rp_filter`.
    pub rp_filter: u8,
}

/// What a rule does when its selectors match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAction {
    Lookup(u32),
    /// `blackhole`, `unreachable`, `prohibit`: the packet is refused.
    Refuse,
    /// `goto`, `nop`: not modelled.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestRule {
    pub priority: u32,
    pub from: Option<Ipv4Net>,
    pub to: Option<Ipv4Net>,
    pub iif: Option<String>,
    pub oif: Option<String>,
    pub action: RuleAction,
    /// It selects on what the analyzer does not model (fwmark, uid, ports, …): such a rule
    /// matches no packet the analyzer walks (they carry no mark), which it reports.
    pub unmodeled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteType {
    Unicast,
    Local,
    Broadcast,
    /// `blackhole`, `unreachable`, `prohibit`.
    Refuse,
    Throw,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestRoute {
    pub table: u32,
    pub kind: RouteType,
    pub dst: Ipv4Net,
    pub gateway: Option<Ipv4Addr>,
    pub dev: Option<String>,
    pub src: Option<Ipv4Addr>,
    pub metric: u32,
}

impl GuestState {
    /// Parses the three JSON documents and the sysctls read with them.
    pub fn parse(
        addresses: &[Value],
        rules: &[Value],
        routes: &[Value],
        rp_filter: &dyn Fn(&str) -> u8,
        ip_forward: bool,
    ) -> GuestState {
        let links = addresses
            .iter()
            .filter_map(|l| {
                let name = l.get("ifname")?.as_str()?.to_owned();
                let flags: Vec<&str> = l
                    .get("flags")
                    .and_then(Value::as_array)
                    .map(|f| f.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let up = flags.contains(&"UP") && !flags.contains(&"NO-CARRIER");
                let addresses = l
                    .get("addr_info")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|a| a.get("family").and_then(Value::as_str) == Some("inet"))
                    .filter_map(|a| {
                        let local: Ipv4Addr = a.get("local")?.as_str()?.parse().ok()?;
                        let len = a.get("prefixlen")?.as_u64()?;
                        Ipv4Net::new(local, u8::try_from(len).ok()?).ok()
                    })
                    .collect();
                Some(GuestLink {
                    rp_filter: rp_filter(&name),
                    name,
                    up,
                    addresses,
                })
            })
            .collect();
        GuestState {
            links,
            rules: rules.iter().filter_map(rule).collect(),
            routes: routes.iter().filter_map(route).collect(),
            rp_filter_all: rp_filter("all"),
            ip_forward,
        }
    }

    pub fn link(&self, name: &str) -> Option<&GuestLink> {
        self.links.iter().find(|l| l.name == name)
    }

    /// The link holding `address`, if any (Linux accepts an address on any link).
    pub fn holder(&self, address: Ipv4Addr) -> Option<&GuestLink> {
        self.links
            .iter()
            .find(|l| l.addresses.iter().any(|a| a.addr() == address))
    }
}

fn table(v: Option<&Value>) -> Option<u32> {
    match v.and_then(Value::as_str) {
        None | Some("main") => Some(TABLE_MAIN),
        Some("local") => Some(TABLE_LOCAL),
        Some("default") => Some(TABLE_DEFAULT),
        Some(n) => n.parse().ok(),
    }
}

/// `"10.0.0.0"` with `srclen` 24, `"all"`, or a host.
fn prefix(v: &Value, key: &str, len_key: &str) -> Option<Option<Ipv4Net>> {
    let Some(text) = v.get(key).and_then(Value::as_str) else {
        return Some(None);
    };
    if text == "all" || text == "default" {
        return Some(None);
    }
    if let Ok(net) = text.parse::<Ipv4Net>() {
        return Some(Some(net));
    }
    let address: Ipv4Addr = text.parse().ok()?;
    let len = v.get(len_key).and_then(Value::as_u64).unwrap_or(32);
    Some(Some(Ipv4Net::new(address, u8::try_from(len).ok()?).ok()?))
}

const RULE_KEYS: &[&str] = &[
    "priority", "src", "srclen", "dst", "dstlen", "iif", "oif", "table", "action", "flags", "tos",
    "dsfield", "protocol", "l3mdev",
];

fn rule(v: &Value) -> Option<GuestRule> {
    let priority = u32::try_from(v.get("priority")?.as_u64()?).ok()?;
    let action = match v.get("action").and_then(Value::as_str) {
        Some("blackhole" | "unreachable" | "prohibit") => RuleAction::Refuse,
        Some("goto" | "nop") => RuleAction::Other,
        _ => RuleAction::Lookup(table(v.get("table"))?),
    };
    let unmodeled = v
        .as_object()
        .is_some_and(|o| o.keys().any(|k| !RULE_KEYS.contains(&k.as_str())))
        || v.get("l3mdev").is_some();
    let name = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(GuestRule {
        priority,
        from: prefix(v, "src", "srclen")?,
        to: prefix(v, "dst", "dstlen")?,
        iif: name("iif"),
        oif: name("oif"),
        action,
        unmodeled,
    })
}

fn route(v: &Value) -> Option<GuestRoute> {
    let kind = match v.get("type").and_then(Value::as_str) {
        None | Some("unicast") => RouteType::Unicast,
        Some("local") => RouteType::Local,
        Some("broadcast") => RouteType::Broadcast,
        Some("blackhole" | "unreachable" | "prohibit") => RouteType::Refuse,
        Some("throw") => RouteType::Throw,
        Some(_) => RouteType::Other,
    };
    let dst = match v.get("dst")?.as_str()? {
        "default" => Ipv4Net::default(),
        text => text
            .parse::<Ipv4Net>()
            .or_else(|_| text.parse::<Ipv4Addr>().map(Ipv4Net::from))
            .ok()?,
    };
    let address = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .and_then(|a| a.parse().ok())
    };
    Some(GuestRoute {
        table: table(v.get("table"))?,
        kind,
        dst,
        gateway: address("gateway"),
        dev: v.get("dev").and_then(Value::as_str).map(str::to_owned),
        src: address("prefsrc"),
        metric: v
            .get("metric")
            .and_then(Value::as_u64)
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Real `ip -4 -j` output of a namespace with eth0, a /32 secondary, per-ENI table 10001,
    /// a blackhole and an fwmark rule (iproute2 6.1).
    #[test]
    fn parses_iproute2_json_as_the_kernel_lists_it() {
        let addr = json!([
            {"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
            {"ifindex":3,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"addr_info":[
                {"family":"inet","local":"10.0.1.5","prefixlen":24},{"family":"inet","local":"10.0.1.50","prefixlen":32,"noprefixroute":true}]},
            {"ifindex":4,"ifname":"eth1","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"addr_info":[]}
        ]);
        let rules = json!([
            {"priority":0,"src":"all","table":"local"},
            {"priority":9999,"src":"all","fwmark":"0x3","table":"5"},
            {"priority":10000,"src":"10.0.3.0","srclen":24,"dst":"10.0.4.0","dstlen":24,"iif":"lo","table":"10001"},
            {"priority":10001,"src":"10.0.2.20","table":"10001"},
            {"priority":32766,"src":"all","table":"main"}
        ]);
        let routes = json!([
            {"dst":"default","gateway":"10.0.1.1","dev":"eth0","table":"10001","flags":["linkdown"]},
            {"type":"blackhole","dst":"10.9.0.0/16","table":"10001","flags":[]},
            {"dst":"default","gateway":"10.0.1.1","dev":"eth0","metric":512,"flags":[]},
            {"dst":"10.0.1.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"10.0.1.5","flags":[]},
            {"type":"local","dst":"10.0.1.5","dev":"eth0","table":"local","prefsrc":"10.0.1.5","flags":[]}
        ]);
        let state = GuestState::parse(
            addr.as_array().unwrap(),
            rules.as_array().unwrap(),
            routes.as_array().unwrap(),
            &|link| u8::from(link == "eth0") * 2,
            false,
        );
        let eth0 = state.link("eth0").unwrap();
        assert!(eth0.up && eth0.rp_filter == 2);
        assert_eq!(
            eth0.addresses[1],
            "10.0.1.50/32".parse::<Ipv4Net>().unwrap()
        );
        assert!(!state.link("eth1").unwrap().up, "no carrier");
        assert_eq!(
            state.holder("10.0.1.50".parse().unwrap()).unwrap().name,
            "eth0"
        );
        assert_eq!(state.rp_filter_all, 0);
        assert_eq!(state.rules.len(), 5);
        assert!(state.rules[1].unmodeled && !state.rules[3].unmodeled);
        assert_eq!(state.rules[2].from, Some("10.0.3.0/24".parse().unwrap()));
        assert_eq!(state.rules[2].iif.as_deref(), Some("lo"));
        assert_eq!(state.rules[3].from, Some("10.0.2.20/32".parse().unwrap()));
        assert_eq!(state.rules[4].action, RuleAction::Lookup(TABLE_MAIN));
        let r = &state.routes;
        assert_eq!(
            (r[0].table, r[0].dst, r[0].dev.as_deref()),
            (10001, Ipv4Net::default(), Some("eth0"))
        );
        assert_eq!((r[1].kind, r[1].table), (RouteType::Refuse, 10001));
        assert_eq!((r[2].table, r[2].metric), (TABLE_MAIN, 512));
        assert_eq!(r[3].src, Some("10.0.1.5".parse().unwrap()));
        assert_eq!((r[4].kind, r[4].table), (RouteType::Local, TABLE_LOCAL));
    }
}
