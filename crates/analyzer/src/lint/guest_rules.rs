//! LV401–LV404 (`localvpc lint --guest`, reachability.md §4.1): what the guests of running
//! instances hold against their ENIs, with the analyzer's guest evaluation (`crate::guest`).
//! A reply is judged toward an address outside every subnet (192.0.2.1, the documentation
//! range the internet of localvpc uses): where the guest sends what it does not route by
//! source.

use super::{Eni, Finding, Inventory};
use crate::guest::{self, Decision};
use localvpc_dataplane::guest_view::GuestState;
use localvpc_model::instance::InstanceState;
use std::net::Ipv4Addr;

const ELSEWHERE: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);

pub(super) fn all(inv: &Inventory) -> Vec<Finding> {
    let mut out = Vec::new();
    for instance in inv
        .instances
        .iter()
        .filter(|i| i.state == InstanceState::Running)
    {
        let Some(g) = inv.guests.get(&instance.id) else {
            continue;
        };
        let mut enis: Vec<(&Eni, u32)> = inv
            .enis
            .iter()
            .filter_map(|e| {
                let a = e
                    .attachment
                    .as_ref()
                    .filter(|a| a.instance_id == instance.id)?;
                Some((e, a.device_index))
            })
            .collect();
        enis.sort_by_key(|&(_, d)| d);
        for &(eni, device) in &enis {
            check_eni(&mut out, &instance.id, g, eni, device);
        }
        if let Some(primary) = enis.first().and_then(|(e, _)| e.addresses.first()) {
            let d = guest::lookup(g, primary.private, ELSEWHERE, "lo");
            if guest::default_via_secondary(&d) {
                out.push(super::rules_finding(
                    "LV403",
                    vec![instance.id.clone()],
                    format!("{}: the main table's default route leaves by {}, not eth0 ({})", instance.id, d.dev().unwrap_or("?"), d.text()),
                    format!("DEFROUTE=no (ipv4.never-default) on {}, or a higher metric for its default route", d.dev().unwrap_or("?")),
                ));
            }
        }
    }
    out
}

fn check_eni(out: &mut Vec<Finding>, instance_id: &str, g: &GuestState, eni: &Eni, device: u32) {
    let link = format!("eth{device}");
    let resources = vec![eni.id.clone(), instance_id.to_owned()];
    if !g.link(&link).is_some_and(|l| l.up) {
        out.push(super::rules_finding(
            "LV401",
            resources,
            format!(
                "{} ({instance_id}): {link} is absent or down in the guest",
                eni.id
            ),
            format!("localvpc exec {instance_id} -- localvpc agent --once, or bring {link} up"),
        ));
        return;
    }
    for address in &eni.addresses {
        if g.holder(address.private).is_none() {
            out.push(super::rules_finding(
                "LV401",
                resources.clone(),
                format!("{} ({instance_id}): {} is on no interface of the guest", eni.id, address.private),
                format!("localvpc exec {instance_id} -- ip addr add {}/32 dev {link}, or run `localvpc agent`", address.private),
            ));
            continue;
        }
        if device == 0 {
            continue;
        }
        let d = guest::lookup(g, address.private, ELSEWHERE, "lo");
        if d.dev() != Some(link.as_str()) {
            out.push(super::rules_finding(
                "LV402",
                resources.clone(),
                format!("{} ({instance_id}): replies from {} leave by {} ({})", eni.id, address.private, d.dev().unwrap_or("nothing"), d.text()),
                format!("ip rule add from {} lookup {t}; ip route add default via <subnet router> dev {link} table {t}", address.private, t = 10000 + device),
            ));
        }
        let (mode, ok, back) = guest::reverse_path(g, &link, ELSEWHERE, address.private);
        if mode == 1 && !ok {
            let leaves = match back {
                Decision::Out { route, .. } => route.dev.clone().unwrap_or_default(),
                _ => "nothing".into(),
            };
            out.push(super::rules_finding(
                "LV404",
                resources.clone(),
                format!("{} ({instance_id}): strict rp_filter on {link} drops what arrives for {} (the route back leaves by {leaves})", eni.id, address.private),
                format!("per-ENI policy routing (localvpc agent), or sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.{link}.rp_filter=2"),
            ));
        }
    }
}
