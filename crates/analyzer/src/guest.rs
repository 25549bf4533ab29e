//! Guest evaluation (reachability.md §3.2): what the instance's own kernel does with a packet,
//! from the state read in its namespace — the policy rules by priority, the longest prefix of
//! the table a rule looks up (lowest metric on ties, the kernel's order after that), and the
//! reverse-path filter (the larger of `all` and the link's value). Pure; `walk` continues the
//! VPC walk from the link chosen here, and lint's LV4xx rules read the same answers.

use localvpc_dataplane::guest_view::{
    GuestRoute, GuestRule, GuestState, RouteType, RuleAction, TABLE_DEFAULT, TABLE_LOCAL,
    TABLE_MAIN,
};
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// The guests the analysis may look into: instance ID → its state, read at the analysis.
pub type Guests = HashMap<String, GuestState>;

/// Where the kernel sends a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'g> {
    /// Out of `route`'s link, found through `rule`.
    Out {
        rule: &'g GuestRule,
        route: &'g GuestRoute,
    },
    /// To the guest itself (a local or broadcast route).
    Local,
    /// Refused by a rule or a route, or no route at all.
    Unreachable(Option<&'g GuestRule>),
}

impl Decision<'_> {
    /// The link the packet leaves by.
    pub fn dev(&self) -> Option<&str> {
        match self {
            Decision::Out { route, .. } => route.dev.as_deref(),
            _ => None,
        }
    }

    /// `10001: from 10.0.2.20 lookup 10001; default via 10.0.2.1 dev eth1`.
    pub fn text(&self) -> String {
        match self {
            Decision::Out { rule, route } => format!("{}; {}", rule_text(rule), route_text(route)),
            Decision::Local => "local delivery".into(),
            Decision::Unreachable(Some(rule)) => format!("{}: unreachable", rule_text(rule)),
            Decision::Unreachable(None) => "no route".into(),
        }
    }
}

/// The kernel's route lookup for a packet from `source` to `destination` arriving on `iif`
/// (`lo` for what the guest sends itself, and for the reverse-path check).
pub fn lookup<'g>(
    g: &'g GuestState,
    source: Ipv4Addr,
    destination: Ipv4Addr,
    iif: &str,
) -> Decision<'g> {
    for rule in &g.rules {
        let selected = !rule.unmodeled
            && rule.oif.is_none()
            && rule.from.is_none_or(|n| n.contains(&source))
            && rule.to.is_none_or(|n| n.contains(&destination))
            && rule.iif.as_deref().is_none_or(|i| i == iif);
        if !selected {
            continue;
        }
        let table = match rule.action {
            RuleAction::Lookup(t) => t,
            RuleAction::Refuse => return Decision::Unreachable(Some(rule)),
            RuleAction::Other => continue,
        };
        let best = g
            .routes
            .iter()
            .filter(|r| r.table == table && r.dst.contains(&destination))
            .fold(None::<&GuestRoute>, |best, r| match best {
                Some(b)
                    if (b.dst.prefix_len(), std::cmp::Reverse(b.metric))
                        >= (r.dst.prefix_len(), std::cmp::Reverse(r.metric)) =>
                {
                    Some(b)
                }
                _ => Some(r),
            });
        match best.map(|r| (r, r.kind)) {
            Some((route, RouteType::Unicast)) if route.dev.is_some() => {
                return Decision::Out { rule, route };
            }
            Some((_, RouteType::Local | RouteType::Broadcast)) => return Decision::Local,
            Some((_, RouteType::Refuse)) => return Decision::Unreachable(Some(rule)),
            _ => continue,
        }
    }
    Decision::Unreachable(None)
}

/// The effective `rp_filter` of a link: the larger of `all` and its own.
pub fn rp_filter(g: &GuestState, link: &str) -> u8 {
    let own = g.link(link).map_or(0, |l| l.rp_filter);
    own.max(g.rp_filter_all)
}

/// The reverse-path check of a packet from `source` to `destination` arriving on `link`:
/// the mode, whether it passes, and the lookup back (`fib_validate_source`: strict wants the
/// route back to leave by `link`, loose any route).
pub fn reverse_path<'g>(
    g: &'g GuestState,
    link: &str,
    source: Ipv4Addr,
    destination: Ipv4Addr,
) -> (u8, bool, Decision<'g>) {
    let mode = rp_filter(g, link);
    let back = lookup(g, destination, source, "lo");
    let ok = match (mode, back) {
        (0, _) => true,
        (1, Decision::Out { route, .. }) => route.dev.as_deref() == Some(link),
        (_, Decision::Out { .. }) => true,
        _ => false,
    };
    (mode, ok, back)
}

/// Whether the winning route is `main`'s default through another link than eth0: the cause
/// of seed 003's stolen default route.
pub fn default_via_secondary(d: &Decision) -> bool {
    matches!(d, Decision::Out { rule, route }
        if rule.action == RuleAction::Lookup(TABLE_MAIN)
            && route.dst.prefix_len() == 0
            && route.dev.as_deref().is_some_and(|dev| dev != "eth0"))
}

fn table_name(t: u32) -> String {
    match t {
        TABLE_MAIN => "main".into(),
        TABLE_LOCAL => "local".into(),
        TABLE_DEFAULT => "default".into(),
        n => n.to_string(),
    }
}

/// `10001: from 10.0.2.20 lookup 10001`, as `ip rule` prints it.
pub fn rule_text(r: &GuestRule) -> String {
    let mut out = format!("{}: from ", r.priority);
    match r.from {
        Some(n) if n.prefix_len() == 32 => out.push_str(&n.addr().to_string()),
        Some(n) => out.push_str(&n.to_string()),
        None => out.push_str("all"),
    }
    if let Some(n) = r.to {
        out.push_str(&format!(" to {n}"));
    }
    if let Some(i) = &r.iif {
        out.push_str(&format!(" iif {i}"));
    }
    match r.action {
        RuleAction::Lookup(t) => out.push_str(&format!(" lookup {}", table_name(t))),
        RuleAction::Refuse => out.push_str(" unreachable"),
        RuleAction::Other => {}
    }
    out
}

/// `default via 10.0.1.1 dev eth0`, as `ip route` prints it.
pub fn route_text(r: &GuestRoute) -> String {
    let mut out = if r.dst.prefix_len() == 0 {
        "default".to_owned()
    } else {
        r.dst.to_string()
    };
    if let Some(g) = r.gateway {
        out.push_str(&format!(" via {g}"));
    }
    if let Some(d) = &r.dev {
        out.push_str(&format!(" dev {d}"));
    }
    if r.metric != 0 {
        out.push_str(&format!(" metric {}", r.metric));
    }
    out
}
