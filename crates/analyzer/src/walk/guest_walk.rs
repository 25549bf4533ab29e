//! The walk inside the instances (guest-aware analysis, reachability.md §3): which link the
//! guest's routing sends a packet out of — the VPC's gates then resume at that link's ENI —
//! and whether the guest accepts what the VPC delivered (the link up, the address configured,
//! the reverse-path filter). Each guest failure is a `localvpc:` finding with its fix.

use super::{End, Walk, eni};
use crate::explain::Explanation;
use crate::guest::{self, Decision};
use crate::network::Port;
use crate::{Component, Disposition, Kind, Packet, Step, Verdict};
use localvpc_dataplane::guest_view::GuestState;

/// The fix for a guest that does not configure or route an ENI: the agent (per-ENI tables
/// and `from` rules, as amazon-ec2-net-utils does).
fn agent_fix(instance_id: &str, port: &Port, address: std::net::Ipv4Addr) -> String {
    if port.device_index == 0 {
        format!(
            "localvpc exec {instance_id} -- ip addr add {address}/32 dev eth0   (or run `localvpc agent --once` there)"
        )
    } else {
        format!(
            "localvpc exec {instance_id} -- localvpc agent --once   (table {} + rule from {address})",
            10000 + port.device_index
        )
    }
}

impl<'n> Walk<'n> {
    fn guest(&self, instance_id: &str) -> Option<&'n GuestState> {
        self.guests.and_then(|g| g.get(instance_id))
    }

    fn guest_block(
        &mut self,
        code: &'static str,
        port: &Port,
        p: Packet,
        fix: String,
        d: Disposition,
    ) {
        let mut e = Explanation::new(code);
        e.component = Some(Component::new(Kind::Instance, &port.instance_id));
        e.network_interface = Some(eni(port));
        e.address = Some(p.source);
        e.fix = Some(fix);
        self.block(e, d);
    }

    /// The ENI a packet the guest sends leaves by, with the blockers to charge when that ENI
    /// is not the one holding its source; `Err` when the guest cannot send it at all.
    #[allow(clippy::type_complexity)]
    pub(super) fn guest_egress(
        &mut self,
        port: &'n Port,
        p: Packet,
        reply: bool,
    ) -> Result<(&'n Port, Option<Vec<Explanation>>), End> {
        let Some(g) = self.guest(&port.instance_id) else {
            return Ok((port, None));
        };
        let net = self.net;
        let instance = Component::new(Kind::Instance, &port.instance_id);
        if !reply && g.holder(p.source).is_none() {
            self.hop(instance, Step::GuestRoute, Verdict::Denied).note =
                Some(format!("{} is on no interface of the guest", p.source));
            let fix = agent_fix(&port.instance_id, port, p.source);
            self.guest_block(
                "localvpc:GUEST_ADDRESS_NOT_CONFIGURED",
                port,
                p,
                fix,
                Disposition::DeniedOut,
            );
            return Err(End::Dead(Disposition::DeniedOut));
        }
        let decision = guest::lookup(g, p.source, p.destination, "lo");
        let ports = net
            .instance(&port.instance_id)
            .map(|(_, ports)| ports)
            .unwrap_or_default();
        let next = decision.dev().and_then(|dev| {
            let index: u32 = dev.strip_prefix("eth")?.parse().ok()?;
            ports.iter().copied().find(|q| q.device_index == index)
        });
        let Some(next) = next else {
            self.hop(instance, Step::GuestRoute, Verdict::NoRoute).note = Some(decision.text());
            let fix = format!(
                "localvpc exec {} -- ip route add default via {} dev eth{}",
                port.instance_id,
                net.subnet_cidr(&port.subnet_id)
                    .map_or("<subnet router>".into(), |c| {
                        std::net::Ipv4Addr::from(u32::from(c.network()) + 1).to_string()
                    }),
                port.device_index
            );
            self.guest_block(
                "localvpc:GUEST_NO_ROUTE",
                port,
                p,
                fix,
                Disposition::NoRoute,
            );
            return Err(End::Dead(Disposition::NoRoute));
        };
        self.hop(instance, Step::GuestRoute, Verdict::Forwarded)
            .note = Some(format!("{}, src {}", decision.text(), p.source));
        if next.eni_id == port.eni_id || next.addresses.contains(&p.source) {
            return Ok((next, None));
        }
        // Out of another ENI's link: that ENI's check drops it unless it is off.
        let mut wrong = Explanation::new("localvpc:GUEST_REPLY_WRONG_INTERFACE");
        wrong.component = Some(Component::new(Kind::Instance, &port.instance_id));
        wrong.network_interface = Some(eni(next));
        wrong.address = Some(p.source);
        wrong.fix = Some(agent_fix(&port.instance_id, port, p.source));
        let mut blockers = vec![wrong];
        if guest::default_via_secondary(&decision) {
            let mut cause = Explanation::new("localvpc:GUEST_DEFAULT_ROUTE_VIA_SECONDARY");
            cause.component = Some(Component::new(Kind::Instance, &port.instance_id));
            cause.network_interface = Some(eni(next));
            cause.fix = Some(format!(
                "DEFROUTE=no (ipv4.never-default) on eth{}, or a higher metric for its default route",
                next.device_index
            ));
            blockers.push(cause);
        }
        Ok((next, Some(blockers)))
    }

    /// Whether the guest takes a packet the VPC delivered to `port`: its link, the address,
    /// the reverse-path filter. Records the guest hops and blockers; no-op without the guest.
    pub(super) fn guest_accept(&mut self, port: &Port, p: Packet) {
        let Some(g) = self.guest(&port.instance_id) else {
            return;
        };
        let instance = Component::new(Kind::Instance, &port.instance_id);
        let link = format!("eth{}", port.device_index);
        let arrived = Packet {
            source: p.destination,
            ..p
        };
        if !g.link(&link).is_some_and(|l| l.up) {
            self.hop(instance, Step::GuestDeliver, Verdict::Denied).note =
                Some(format!("{link} is absent or down in the guest"));
            let fix = agent_fix(&port.instance_id, port, p.destination);
            self.guest_block(
                "localvpc:GUEST_INTERFACE_DOWN",
                port,
                arrived,
                fix,
                Disposition::DeniedIn,
            );
            return;
        }
        let Some(holder) = g.holder(p.destination) else {
            self.hop(instance, Step::GuestDeliver, Verdict::Denied).note =
                Some(format!("{} is on no interface of the guest", p.destination));
            let fix = agent_fix(&port.instance_id, port, p.destination);
            self.guest_block(
                "localvpc:GUEST_ADDRESS_NOT_CONFIGURED",
                port,
                arrived,
                fix,
                Disposition::DeniedIn,
            );
            return;
        };
        let holder = holder.name.clone();
        let (mode, ok, back) = guest::reverse_path(g, &link, p.source, p.destination);
        if mode != 0 {
            let verdict = if ok {
                Verdict::Permitted
            } else {
                Verdict::Denied
            };
            let mut note = format!("{link} rp_filter {mode}");
            if !ok {
                note.push_str(&match back {
                    Decision::Out { route, .. } => format!(
                        ": route back leaves {}",
                        route.dev.as_deref().unwrap_or("?")
                    ),
                    _ => ": no route back".into(),
                });
            }
            self.hop(instance.clone(), Step::GuestRpf, verdict).note = Some(note);
            if !ok {
                let fix = format!(
                    "{}, or sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.{link}.rp_filter=2",
                    agent_fix(&port.instance_id, port, p.destination)
                );
                self.guest_block(
                    "localvpc:GUEST_RP_FILTER_DROP",
                    port,
                    arrived,
                    fix,
                    Disposition::DeniedIn,
                );
                return;
            }
        }
        self.hop(instance, Step::GuestDeliver, Verdict::Accepted)
            .note = Some(format!("{} on {holder}", p.destination));
    }
}
