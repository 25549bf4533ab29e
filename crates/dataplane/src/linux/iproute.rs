//! Pure iproute2 parsing and printing: JSON objects of `ip -j` reads into [`crate::host`]
//! values, those values into `ip` arguments, and which error messages mean "already gone".

use crate::host::{Link, Neighbour, Route, Rule, TableRoute};
use crate::model::is_localvpc_address;
use crate::model::routing::{RULE_PRIORITY, RouteKind};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde_json::Value;

/// A route's `dst`: `default` (of the route's family, told by its gateway or by `ip -6`'s
/// metric and `pref`), a prefix, or a bare address (a host route).
fn destination(v: &Value) -> Option<IpNet> {
    Some(match v["dst"].as_str()? {
        "default" if is_ipv6(v) => Ipv6Net::default().into(),
        "default" => Ipv4Net::default().into(),
        text if text.contains('/') => text.parse().ok()?,
        text => IpNet::from(text.parse::<std::net::IpAddr>().ok()?),
    })
}

/// An IPv6 route: iproute2 prints `pref` for IPv6 routes only.
fn is_ipv6(v: &Value) -> bool {
    v.get("pref").is_some() || v["gateway"].as_str().is_some_and(|g| g.contains(':'))
}

/// A route of the main table: `ip route show table all` names every other table.
pub(super) fn in_main_table(v: &Value) -> bool {
    v.get("table").is_none_or(|t| t == "main")
}

/// An iproute2 error that means the thing is not there: deleting it has nothing to do.
pub(super) fn is_gone(message: &str) -> bool {
    [
        "Cannot find device",
        "No such file",
        "No such process",
        "does not exist",
        "Cannot assign requested address",
    ]
    .iter()
    .any(|m| message.contains(m))
}

pub(super) fn link(v: &Value) -> Link {
    let flags = v["flags"].as_array();
    Link {
        name: v["ifname"].as_str().unwrap_or_default().into(),
        mac: v["address"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase(),
        up: flags.is_some_and(|f| f.iter().any(|x| x == "UP")),
        mtu: v["mtu"].as_u64().unwrap_or_default() as u32,
        addresses: v["addr_info"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["family"] == "inet" || a["family"] == "inet6")
            .filter_map(|a| {
                let ip: std::net::IpAddr = a["local"].as_str()?.parse().ok()?;
                IpNet::new(ip, a["prefixlen"].as_u64()? as u8).ok()
            })
            .filter(is_localvpc_address)
            .collect(),
        prompt_proxy_arp: false,
    }
}

/// A plain unicast route through one device; others are never localvpc's.
pub(super) fn route(v: &Value) -> Option<Route> {
    if v.get("type").is_some_and(|t| t != "unicast") {
        return None;
    }
    let dst = destination(v)?;
    Some(Route {
        dst,
        gateway: v["gateway"].as_str().and_then(|g| g.parse().ok()),
        dev: v["dev"].as_str()?.into(),
    })
}

pub(super) fn neighbour(v: &Value) -> Option<Neighbour> {
    Some(Neighbour {
        address: v["dst"].as_str()?.parse().ok()?,
        dev: v["dev"].as_str()?.into(),
        mac: v["lladdr"].as_str()?.to_ascii_lowercase(),
    })
}

/// A numbered table (`main`, `local` and `default` are named in iproute2's output).
pub(super) fn numbered_table(v: &Value) -> Option<u32> {
    let table: u32 = v["table"].as_str()?.parse().ok()?;
    (!(253..=255).contains(&table)).then_some(table)
}

/// A rule of localvpc's priority that only selects a table (by arrival link, or always), as
/// `ip rule` (`v6` false) or `ip -6 rule` lists it.
pub(super) fn rule(v: &Value, v6: bool) -> Option<Rule> {
    if v["priority"].as_u64()? != u64::from(RULE_PRIORITY) {
        return None;
    }
    Some(Rule {
        iif: v["iif"].as_str().map(Into::into),
        table: numbered_table(v)?,
        v6,
    })
}

pub(super) fn rule_args(rule: &Rule) -> Vec<String> {
    let mut args = vec!["priority".into(), RULE_PRIORITY.to_string()];
    if let Some(iif) = &rule.iif {
        args.extend(["iif".into(), iif.clone()]);
    }
    args.extend(["lookup".into(), rule.table.to_string()]);
    args
}

/// A throw, blackhole or `via … onlink` route of a numbered table.
pub(super) fn table_route(v: &Value) -> Option<TableRoute> {
    let table = numbered_table(v)?;
    let dst = destination(v)?;
    let kind = match v["type"].as_str() {
        Some("throw") => RouteKind::Throw,
        Some("blackhole") => RouteKind::Blackhole,
        None | Some("unicast") => RouteKind::Via {
            gateway: v["gateway"].as_str()?.parse().ok()?,
            dev: v["dev"].as_str()?.into(),
        },
        Some(_) => return None,
    };
    let src = v["prefsrc"].as_str().and_then(|s| s.parse().ok());
    Some(TableRoute {
        table,
        dst,
        kind,
        src,
    })
}

pub(super) fn table_route_args(route: &TableRoute) -> Vec<String> {
    let dst = route.dst.to_string();
    let mut args = match &route.kind {
        RouteKind::Throw => vec!["throw".into(), dst],
        RouteKind::Blackhole => vec!["blackhole".into(), dst],
        RouteKind::Via { gateway, dev } => vec![
            dst,
            "via".into(),
            gateway.to_string(),
            "dev".into(),
            dev.clone(),
            "onlink".into(),
        ],
    };
    if let Some(src) = route.src {
        args.extend(["src".into(), src.to_string()]);
    }
    args.extend(["table".into(), route.table.to_string()]);
    args
}

pub(super) fn route_args(route: &Route) -> Vec<String> {
    let mut args = vec![route.dst.to_string()];
    match route.gateway {
        Some(gateway) => args.extend(["via".into(), gateway.to_string()]),
        None if route.dst.addr().is_ipv4() => args.extend(["scope".into(), "link".into()]),
        None => {}
    }
    args.extend(["dev".into(), route.dev.clone()]);
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_localvpcs_rules_and_numbered_routes_as_iproute2_prints_them() {
        let rules: Vec<Value> = serde_json::from_str(
            r#"[{"priority":0,"src":"all","table":"local"},
                {"priority":1000,"src":"all","iif":"lvpc-0a00000000","table":"1000"},
                {"priority":1000,"src":"all","table":"100"},
                {"priority":32766,"src":"all","table":"main"}]"#,
        )
        .unwrap();
        let rules: Vec<Rule> = rules.iter().filter_map(|r| rule(r, false)).collect();
        assert_eq!(
            rules,
            [
                Rule {
                    iif: Some("lvpc-0a00000000".into()),
                    table: 1000,
                    v6: false
                },
                Rule {
                    iif: None,
                    table: 100,
                    v6: false
                }
            ]
        );
        assert_eq!(
            rule_args(&rules[0]).join(" "),
            "priority 1000 iif lvpc-0a00000000 lookup 1000"
        );
        let routes: Vec<Value> = serde_json::from_str(
            r#"[{"dst":"default","gateway":"169.254.0.2","dev":"lvpc-igw","table":"1000","flags":["onlink"]},
                {"type":"throw","dst":"10.0.0.0/16","table":"1000","flags":[]},
                {"type":"blackhole","dst":"10.9.0.0/16","table":"1000","flags":[]},
                {"dst":"198.51.100.5","gateway":"169.254.0.1","dev":"lvpc-0aaaaaaaaa","table":"100","prefsrc":"192.0.2.1","flags":["onlink"]},
                {"type":"local","dst":"127.0.0.1","dev":"lo","table":"local","protocol":"kernel"}]"#,
        )
        .unwrap();
        let routes: Vec<TableRoute> = routes.iter().filter_map(table_route).collect();
        assert_eq!(routes.len(), 4, "the local table is not localvpc's");
        assert_eq!(routes[1].kind, RouteKind::Throw);
        assert_eq!(routes[2].kind, RouteKind::Blackhole);
        assert_eq!(
            table_route_args(&routes[3]).join(" "),
            "198.51.100.5/32 via 169.254.0.1 dev lvpc-0aaaaaaaaa onlink src 192.0.2.1 table 100"
        );
        assert_eq!(
            table_route_args(&routes[0]).join(" "),
            "0.0.0.0/0 via 169.254.0.2 dev lvpc-igw onlink table 1000"
        );
    }
}
