//! The rules, one function each (reachability.md §4.1).

use super::{Eni, Finding, Instance, Inventory, Options, RouteTable, Severity, rule};
use ipnet::IpNet;
use localvpc_model::instance::InstanceState;
use localvpc_model::network_acl::{NetworkAclEntry, RuleAction};
use localvpc_model::security_group::{Permission, Protocol, RulePeer};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

type Rule = fn(&Inventory, &Options) -> Vec<Finding>;

const ALL: &[Rule] = &[
    same_subnet_enis,
    secondary_eni_unconfigured,
    secondary_ip_unconfigured,
    multi_vpc_without_guest_routing,
    eip_without_igw_route,
    route_target_check_on,
    blackhole_routes,
    acl_blocks_ephemeral_replies,
    public_ip_lost_on_restart,
    failover_eni_deleted_on_termination,
    subnet_nearly_full,
    admin_ports,
    groups_without_rules,
    multi_eni_instance,
    idle_elastic_ips,
    unused_groups,
];

pub(super) fn all(inv: &Inventory, options: &Options) -> Vec<Finding> {
    ALL.iter().flat_map(|r| r(inv, options)).collect()
}

fn finding(id: &'static str, resources: Vec<String>, message: String, fix: String) -> Finding {
    Finding {
        rule: id,
        severity: rule(id).expect("catalogued").severity,
        resources,
        message,
        fix,
        evidence: None,
    }
}

/// Instances that still hold their ENIs, with them by device index.
fn live_instances(inv: &Inventory) -> impl Iterator<Item = (&Instance, Vec<&Eni>)> {
    inv.instances
        .iter()
        .filter(|i| {
            !matches!(
                i.state,
                InstanceState::Terminated | InstanceState::ShuttingDown
            )
        })
        .map(|i| {
            let mut enis: Vec<&Eni> = inv
                .enis
                .iter()
                .filter(|e| e.attachment.as_ref().is_some_and(|a| a.instance_id == i.id))
                .collect();
            enis.sort_by_key(|e| e.attachment.as_ref().map(|a| a.device_index));
            (i, enis)
        })
}

fn device(e: &Eni) -> u32 {
    e.attachment.as_ref().map_or(0, |a| a.device_index)
}

fn instance_of<'a>(inv: &'a Inventory, e: &Eni) -> Option<&'a Instance> {
    let a = e.attachment.as_ref()?;
    inv.instances.iter().find(|i| i.id == a.instance_id)
}

fn ids<'a>(enis: impl IntoIterator<Item = &'a &'a Eni>) -> Vec<String> {
    enis.into_iter().map(|e| e.id.clone()).collect()
}

/// LV101: several ENIs of one instance in one subnet.
fn same_subnet_enis(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for (instance, enis) in live_instances(inv) {
        let mut by_subnet: BTreeMap<&str, Vec<&Eni>> = BTreeMap::new();
        for e in &enis {
            by_subnet.entry(&e.subnet_id).or_default().push(e);
        }
        for (subnet, list) in by_subnet.into_iter().filter(|(_, l)| l.len() > 1) {
            let names = ids(&list).join(", ");
            let mut resources = vec![instance.id.clone()];
            resources.extend(ids(&list));
            resources.push(subnet.to_owned());
            out.push(finding(
                "LV101",
                resources,
                format!("{} has {} ENIs in {subnet} ({names}): replies may leave by the other ENI (asymmetric routing), and no bandwidth is gained", instance.id, list.len()),
                format!("assign secondary private IPs to {} instead (aws ec2 assign-private-ip-addresses), or configure per-ENI policy routing in the guest", list[0].id),
            ));
        }
    }
    out
}

/// LV102: a secondary ENI on an image that configures no hot-attached interface.
fn secondary_eni_unconfigured(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for (instance, enis) in live_instances(inv).filter(|(i, _)| !i.configures_enis) {
        for e in enis.iter().filter(|e| device(e) >= 1) {
            let n = device(e);
            let primary = e.addresses.first().map(|a| a.private);
            out.push(finding(
                "LV102",
                vec![e.id.clone(), instance.id.clone()],
                format!("{} is eth{n} of {} whose image {} does not configure attached interfaces: eth{n} stays down, without {} or routes", e.id, instance.id, instance.image_id, primary.map_or("an address".into(), |a| a.to_string())),
                format!("run `localvpc agent` in {} (per-ENI policy routing), or bring eth{n} up with its address and a `from` rule to its own route table", instance.id),
            ));
        }
    }
    out
}

/// LV103: a secondary private IP on such an image.
fn secondary_ip_unconfigured(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for (instance, enis) in live_instances(inv).filter(|(i, _)| !i.configures_enis) {
        for e in enis {
            let secondary: Vec<Ipv4Addr> = e
                .addresses
                .iter()
                .filter(|a| !a.primary)
                .map(|a| a.private)
                .collect();
            if secondary.is_empty() {
                continue;
            }
            let list = secondary
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>();
            out.push(finding(
                "LV103",
                vec![e.id.clone(), instance.id.clone()],
                format!("{} holds secondary {} on {} whose image {} configures only the primary address (DHCP)", e.id, list.join(", "), instance.id, instance.image_id),
                format!("in the guest: ip addr add {}/32 dev eth{}; or run `localvpc agent` in {}", list[0], device(e), instance.id),
            ));
        }
    }
    out
}

/// LV104: one instance in two VPCs, no guest routing for the second.
fn multi_vpc_without_guest_routing(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for (instance, enis) in live_instances(inv).filter(|(i, _)| !i.configures_enis) {
        let Some(first) = enis.first() else { continue };
        let others: Vec<&&Eni> = enis.iter().filter(|e| e.vpc_id != first.vpc_id).collect();
        if let Some(other) = others.first() {
            out.push(finding(
                "LV104",
                vec![instance.id.clone(), other.id.clone(), other.vpc_id.clone()],
                format!("{} has ENIs in {} and {}; its image routes nothing by source, so replies to {}'s peers leave by eth0", instance.id, first.vpc_id, other.vpc_id, other.vpc_id),
                format!("add a route table for eth{} (default via its subnet router) and `ip rule add from <its addresses> lookup <table>`; or run `localvpc agent` in {}", device(other), instance.id),
            ));
        }
    }
    out
}

/// The route table a subnet uses: its explicit association, else its VPC's main table.
fn table_of<'a>(inv: &'a Inventory, vpc_id: &str, subnet_id: &str) -> Option<&'a RouteTable> {
    inv.route_tables
        .iter()
        .find(|t| t.subnets.iter().any(|s| s == subnet_id))
        .or_else(|| {
            inv.route_tables
                .iter()
                .find(|t| t.vpc_id == vpc_id && t.main)
        })
}

/// LV105: a public address without a route to an attached internet gateway.
fn eip_without_igw_route(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in &inv.enis {
        let Some(public) = e.addresses.iter().find_map(|a| a.public) else {
            continue;
        };
        let igw = inv
            .vpcs
            .iter()
            .find(|v| v.id == e.vpc_id)
            .and_then(|v| v.internet_gateway.clone());
        let table = table_of(inv, &e.vpc_id, &e.subnet_id);
        let routed = table.is_some_and(|t| {
            t.routes
                .iter()
                .any(|r| !r.blackhole && Some(&r.target) == igw.as_ref())
        });
        if routed {
            continue;
        }
        let kind = if public.elastic {
            "Elastic IP"
        } else {
            "public IPv4"
        };
        let table_id = table.map_or("no route table".to_owned(), |t| t.id.clone());
        let mut resources = vec![e.id.clone()];
        resources.extend(instance_of(inv, e).map(|i| i.id.clone()));
        resources.push(table_id.clone());
        resources.push(e.subnet_id.clone());
        let (message, fix) = match &igw {
            Some(igw) => {
                resources.push(igw.clone());
                (
                    format!(
                        "{kind} {} on {} but {table_id} ({}) has no route to {igw}",
                        public.address, e.id, e.subnet_id
                    ),
                    format!(
                        "aws ec2 create-route --route-table-id {table_id} --destination-cidr-block 0.0.0.0/0 --gateway-id {igw}"
                    ),
                )
            }
            None => (
                format!(
                    "{kind} {} on {} but {} has no internet gateway attached",
                    public.address, e.id, e.vpc_id
                ),
                format!(
                    "attach an internet gateway to {} and add 0.0.0.0/0 → it to {table_id}",
                    e.vpc_id
                ),
            ),
        };
        out.push(finding("LV105", resources, message, fix));
    }
    out
}

/// The ENI a route target forwards to: an ENI, or an instance's primary ENI.
fn target_eni<'a>(inv: &'a Inventory, target: &str) -> Option<&'a Eni> {
    if target.starts_with("eni-") {
        return inv.enis.iter().find(|e| e.id == target);
    }
    if target.starts_with("i-") {
        return inv.enis.iter().find(|e| {
            e.attachment
                .as_ref()
                .is_some_and(|a| a.instance_id == target && a.device_index == 0)
        });
    }
    None
}

/// LV106: an appliance route whose target checks sources.
fn route_target_check_on(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &inv.route_tables {
        for r in t.routes.iter().filter(|r| !r.blackhole) {
            let Some(eni) = target_eni(inv, &r.target).filter(|e| e.source_dest_check) else {
                continue;
            };
            out.push(finding(
                "LV106",
                vec![eni.id.clone(), t.id.clone()],
                format!("{} routes {} to {}, but {} has source/destination check on: it drops what it should forward", t.id, r.destination, r.target, eni.id),
                format!("aws ec2 modify-network-interface-attribute --network-interface-id {} --no-source-dest-check", eni.id),
            ));
        }
    }
    out
}

/// LV107: blackhole routes; a warning only when the target is a stopped instance's.
fn blackhole_routes(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in &inv.route_tables {
        for r in t.routes.iter().filter(|r| r.blackhole) {
            let stopped = target_eni(inv, &r.target)
                .and_then(|e| instance_of(inv, e))
                .or_else(|| inv.instances.iter().find(|i| i.id == r.target))
                .is_some_and(|i| {
                    matches!(i.state, InstanceState::Stopped | InstanceState::Stopping)
                });
            let mut f = finding(
                "LV107",
                vec![t.id.clone(), r.target.clone()],
                format!(
                    "{} → {} in {} is a blackhole: {}",
                    r.destination,
                    r.target,
                    t.id,
                    if stopped {
                        "its instance is stopped"
                    } else {
                        "the target is gone, detached or not running"
                    }
                ),
                format!(
                    "aws ec2 replace-route --route-table-id {} --destination-cidr-block {} with a live target, or delete-route",
                    t.id, r.destination
                ),
            );
            if stopped {
                f.severity = Severity::Warning;
            }
            out.push(f);
        }
    }
    out
}

/// The ACL entry of one direction deciding a packet (first match by rule number).
fn deciding<'a>(
    entries: &'a [NetworkAclEntry],
    egress: bool,
    protocol: &str,
    peer: Ipv4Addr,
    port: u16,
) -> Option<&'a NetworkAclEntry> {
    let mut side: Vec<&NetworkAclEntry> = entries.iter().filter(|e| e.egress == egress).collect();
    side.sort_by_key(|e| e.rule_number);
    side.into_iter().find(|e| {
        (e.protocol == "-1" || e.protocol == protocol)
            && matches!(e.cidr, IpNet::V4(c) if c.contains(&peer))
            && e.port_range
                .is_none_or(|(from, to)| (from..=to).contains(&i32::from(port)))
    })
}

/// The ports of `from..=to` an ACL direction admits to `peer`, as (allowed, denied) counts.
fn admitted(
    entries: &[NetworkAclEntry],
    egress: bool,
    protocol: &str,
    peer: Ipv4Addr,
    (from, to): (u16, u16),
) -> (u32, u32) {
    // The verdict is constant between the entries' port edges: one probe per cell.
    let mut edges: Vec<u16> = vec![from];
    for e in entries {
        if let Some((a, b)) = e.port_range {
            for edge in [a, b.saturating_add(1)] {
                if let Ok(p) = u16::try_from(edge)
                    && p > from
                    && p <= to
                {
                    edges.push(p);
                }
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    let (mut allowed, mut denied) = (0, 0);
    for (i, &start) in edges.iter().enumerate() {
        let end = edges.get(i + 1).map_or(to, |n| n - 1);
        let width = u32::from(end - start) + 1;
        match deciding(entries, egress, protocol, peer, start) {
            Some(e) if e.action == RuleAction::Allow => allowed += width,
            _ => denied += width,
        }
    }
    (allowed, denied)
}

/// LV108: an ACL that admits a service but not its replies to ephemeral ports.
fn acl_blocks_ephemeral_replies(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for acl in inv.acls.iter().filter(|a| !a.subnets.is_empty()) {
        for e in &acl.entries {
            let (IpNet::V4(cidr), Some((port, _))) = (e.cidr, e.port_range) else {
                continue;
            };
            let proto = match e.protocol.as_str() {
                "6" => "tcp",
                "17" => "udp",
                _ => continue,
            };
            let peer = cidr.network();
            let Ok(port) = u16::try_from(port) else {
                continue;
            };
            let decides = deciding(&acl.entries, e.egress, &e.protocol, peer, port);
            if e.action != RuleAction::Allow || decides.is_none_or(|d| !std::ptr::eq(d, e)) {
                continue;
            }
            let (_, denied) = admitted(&acl.entries, !e.egress, &e.protocol, peer, (1024, 65535));
            if denied == 0 {
                continue;
            }
            let (linux, _) = admitted(&acl.entries, !e.egress, &e.protocol, peer, (32768, 60999));
            let (way, back) = if e.egress {
                ("egress", "inbound")
            } else {
                ("ingress", "outbound")
            };
            let mut f = finding(
                "LV108",
                vec![acl.id.clone()],
                format!(
                    "{} rule {} admits {proto} {port} {way} for {cidr}, but {denied} of the replies' ports 1024-65535 {back} to {cidr} are denied{}",
                    acl.id,
                    e.rule_number,
                    if linux == 0 {
                        " (Linux's 32768-60999 included)"
                    } else {
                        ""
                    }
                ),
                format!(
                    "aws ec2 create-network-acl-entry --network-acl-id {} {} --rule-number <before the deny> --protocol {proto} --port-range From=1024,To=65535 --cidr-block {cidr} --rule-action allow",
                    acl.id,
                    if e.egress { "--ingress" } else { "--egress" }
                ),
            );
            f.evidence = Some(format!(
                "rule {} {proto} {port} {cidr} allow",
                e.rule_number
            ));
            if linux == 0 {
                f.severity = Severity::Error;
            }
            out.push(f);
        }
    }
    out
}

/// LV109: an auto-assigned public IPv4 on a multi-ENI instance.
fn public_ip_lost_on_restart(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for (instance, enis) in live_instances(inv).filter(|(_, e)| e.len() > 1) {
        for e in &enis {
            for a in e.addresses.iter() {
                let Some(public) = a.public.filter(|p| !p.elastic) else {
                    continue;
                };
                out.push(finding(
                    "LV109",
                    vec![instance.id.clone(), e.id.clone()],
                    format!("{} has {} ENIs and the auto-assigned public IPv4 {} on {}: after a stop and start it gets none", instance.id, enis.len(), public.address, e.id),
                    format!("allocate an Elastic IP and associate it with {} ({})", e.id, a.private),
                ));
            }
        }
    }
    out
}

/// LV110: a failover ENI (secondary, with an EIP) deleted on termination.
fn failover_eni_deleted_on_termination(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in &inv.enis {
        let Some(a) = e.attachment.as_ref() else {
            continue;
        };
        let eip = e
            .addresses
            .iter()
            .find_map(|a| a.public.filter(|p| p.elastic));
        if let (true, true, Some(eip)) = (a.device_index >= 1, a.delete_on_termination, eip) {
            out.push(finding(
                "LV110",
                vec![e.id.clone(), a.instance_id.clone()],
                format!("{} (eth{} of {}) holds Elastic IP {} and is deleted when {} terminates: the standby cannot take it over", e.id, a.device_index, a.instance_id, eip.address, a.instance_id),
                format!("aws ec2 modify-network-interface-attribute --network-interface-id {} --attachment AttachmentId=<id>,DeleteOnTermination=false", e.id),
            ));
        }
    }
    out
}

/// LV111: a subnet nearly out of addresses.
fn subnet_nearly_full(inv: &Inventory, options: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &inv.subnets {
        let usable = (1u64 << (32 - u32::from(s.cidr.prefix_len()))).saturating_sub(5);
        if usable == 0 {
            continue;
        }
        let full = s.in_use >= usable;
        if !full && s.in_use * 100 < usable * u64::from(options.subnet_full_percent) {
            continue;
        }
        let mut f = finding(
            "LV111",
            vec![s.id.clone(), s.vpc_id.clone()],
            format!(
                "{} ({}) uses {} of its {usable} usable addresses",
                s.id, s.cidr, s.in_use
            ),
            format!(
                "add a bigger or an extra subnet to {}, or delete idle ENIs in {}",
                s.vpc_id, s.id
            ),
        );
        if full {
            f.severity = Severity::Error;
        }
        out.push(f);
    }
    out
}

/// Whether `p` admits TCP `port` from anywhere (IPv4 or IPv6).
fn open_to_world(p: &Permission, port: i32) -> bool {
    let world = match &p.peer {
        RulePeer::Cidr(c) => c.prefix_len() == 0,
        RulePeer::Ipv6Cidr(c) => c.prefix_len() == 0,
        RulePeer::Group { .. } => false,
    };
    let covers = match p.protocol {
        Protocol::All => true,
        Protocol::Tcp => p.ports.is_none_or(|(a, b)| (a..=b).contains(&port)),
        _ => false,
    };
    world && covers
}

/// LV201/LV202: SSH or RDP open to the world on a public ENI.
fn admin_ports(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in &inv.enis {
        if !e.addresses.iter().any(|a| a.public.is_some()) {
            continue;
        }
        let siblings: Vec<&Eni> = match &e.attachment {
            Some(a) => inv
                .enis
                .iter()
                .filter(|o| {
                    o.attachment
                        .as_ref()
                        .is_some_and(|b| b.instance_id == a.instance_id)
                })
                .collect(),
            None => Vec::new(),
        };
        let management = siblings
            .iter()
            .find(|o| o.addresses.iter().all(|a| a.public.is_none()));
        for g in inv.groups.iter().filter(|g| e.groups.contains(&g.id)) {
            let ports: Vec<i32> = [22, 3389]
                .into_iter()
                .filter(|&port| g.ingress.iter().any(|p| open_to_world(p, port)))
                .collect();
            if ports.is_empty() {
                continue;
            }
            let list = ports
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("/");
            let mut resources = vec![e.id.clone(), g.id.clone()];
            resources.extend(e.attachment.as_ref().map(|a| a.instance_id.clone()));
            let f = match management {
                Some(m) => {
                    resources.push(m.id.clone());
                    finding(
                        "LV201",
                        resources,
                        format!(
                            "{} ({}) admits tcp {list} from anywhere on public {}, while {} is the instance's management ENI",
                            g.id, g.name, e.id, m.id
                        ),
                        format!(
                            "revoke tcp {list} from 0.0.0.0/0 in {}; admit it in {}'s group from the admin range",
                            g.id, m.id
                        ),
                    )
                }
                None => finding(
                    "LV202",
                    resources,
                    format!(
                        "{} ({}) admits tcp {list} from anywhere on public {}",
                        g.id, g.name, e.id
                    ),
                    format!(
                        "aws ec2 revoke-security-group-ingress --group-id {} --protocol tcp --port {} --cidr 0.0.0.0/0, then admit the admin range only",
                        g.id, ports[0]
                    ),
                ),
            };
            out.push(f);
        }
    }
    out
}

/// LV203: a group without rules on an ENI.
fn groups_without_rules(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for g in inv
        .groups
        .iter()
        .filter(|g| g.ingress.is_empty() && g.egress.is_empty())
    {
        let users: Vec<&Eni> = inv
            .enis
            .iter()
            .filter(|e| e.groups.contains(&g.id))
            .collect();
        if users.is_empty() {
            continue;
        }
        let only = users.iter().any(|e| e.groups.len() == 1);
        let mut resources = vec![g.id.clone()];
        resources.extend(ids(&users));
        let mut f = finding(
            "LV203",
            resources,
            format!(
                "{} ({}) has no rules and is on {}{}",
                g.id,
                g.name,
                ids(&users).join(", "),
                if only {
                    ": the only group of one, so nothing passes in or out"
                } else {
                    ""
                }
            ),
            format!(
                "add the intended rules to {} (authorize-security-group-ingress/-egress), or detach it",
                g.id
            ),
        );
        if only {
            f.severity = Severity::Error;
        }
        out.push(f);
    }
    out
}

/// LV204: instances with more than one ENI.
fn multi_eni_instance(inv: &Inventory, _: &Options) -> Vec<Finding> {
    live_instances(inv)
        .filter(|(_, enis)| enis.len() > 1)
        .map(|(i, enis)| {
            let mut resources = vec![i.id.clone()];
            resources.extend(ids(&enis));
            finding(
                "LV204",
                resources,
                format!(
                    "{} has {} ENIs ({}): its OS bridges their segments",
                    i.id,
                    enis.len(),
                    ids(&enis).join(", ")
                ),
                "confirm the design; for more addresses prefer secondary IPs on one ENI".into(),
            )
        })
        .collect()
}

/// LV301/LV302: Elastic IPs on nothing, or on something idle.
fn idle_elastic_ips(inv: &Inventory, _: &Options) -> Vec<Finding> {
    let mut out = Vec::new();
    for eip in &inv.elastic_ips {
        let Some(eni_id) = &eip.eni_id else {
            out.push(finding(
                "LV301",
                vec![eip.allocation_id.clone()],
                format!(
                    "Elastic IP {} ({}) is associated with nothing and is charged",
                    eip.public_ip, eip.allocation_id
                ),
                format!(
                    "aws ec2 release-address --allocation-id {}",
                    eip.allocation_id
                ),
            ));
            continue;
        };
        let Some(eni) = inv.enis.iter().find(|e| &e.id == eni_id) else {
            continue;
        };
        if eni.requester_managed {
            continue;
        }
        let idle = match instance_of(inv, eni) {
            None => Some(format!("{eni_id} is attached to nothing")),
            Some(i) if matches!(i.state, InstanceState::Stopped | InstanceState::Stopping) => {
                Some(format!("{} is stopped", i.id))
            }
            Some(_) => None,
        };
        if let Some(why) = idle {
            let mut resources = vec![eip.allocation_id.clone(), eni_id.clone()];
            resources.extend(instance_of(inv, eni).map(|i| i.id.clone()));
            out.push(finding(
                "LV302",
                resources,
                format!(
                    "Elastic IP {} is on {eni_id} but {why}: charged and idle",
                    eip.public_ip
                ),
                format!(
                    "release {} or move it to a running instance",
                    eip.allocation_id
                ),
            ));
        }
    }
    out
}

/// LV304: non-default groups on no ENI.
fn unused_groups(inv: &Inventory, _: &Options) -> Vec<Finding> {
    inv.groups
        .iter()
        .filter(|g| g.name != "default" && !inv.enis.iter().any(|e| e.groups.contains(&g.id)))
        .map(|g| {
            finding(
                "LV304",
                vec![g.id.clone()],
                format!("{} ({}) is on no ENI", g.id, g.name),
                format!("aws ec2 delete-security-group --group-id {}", g.id),
            )
        })
        .collect()
}
