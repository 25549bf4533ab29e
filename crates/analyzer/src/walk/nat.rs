//! Through a NAT gateway (vpc-surface.md §3): a route sends the packet to the gateway's
//! interface (its subnet's ACL in, no security groups), which replaces the source with its
//! private address and sends it on by its own subnet's route table — out of the internet
//! gateway as its Elastic IP, or to a VPC destination as itself. Only replies come back: the
//! reply to the gateway's address is translated back to the original source and forwarded.

use super::{End, Walk, header};
use crate::network::Port;
use crate::{Component, Kind, Packet, Step, Verdict};

impl<'n> Walk<'n> {
    /// Into the NAT gateway `id` (interface `nat`) from `from`, translated, and on.
    pub(super) fn through_nat(
        &mut self,
        id: &str,
        nat: &'n Port,
        from: &Port,
        p: Packet,
        reply: bool,
        depth: usize,
    ) -> End {
        if nat.subnet_id != from.subnet_id {
            self.acl(&nat.subnet_id, p, false);
        }
        let Some(&address) = nat.addresses.first() else {
            return End::Dead(crate::Disposition::NullRouted);
        };
        let out = Packet {
            source: address,
            ..p
        };
        let hop = self.hop(
            Component::new(Kind::NatGateway, id),
            Step::Nat,
            Verdict::Transformed,
        );
        hop.subnet = Some(nat.subnet_id.clone());
        hop.vpc = Some(nat.vpc_id.clone());
        hop.note = Some(format!("source {} -> {address}", p.source));
        hop.inbound_header = Some(header(p));
        hop.outbound_header = Some(header(out));
        self.nat_sessions.push((nat.eni_id.clone(), p.source));
        self.visited.push(nat.eni_id.clone());
        self.leave(nat, out, reply, depth)
    }

    /// A reply arriving at a NAT gateway's address: back to the source it replaced, and on;
    /// `None` for any other port. Anything else addressed to the gateway dies there (it
    /// answers nothing itself).
    pub(super) fn nat_reply(
        &mut self,
        port: &'n Port,
        p: Packet,
        reply: bool,
        depth: usize,
    ) -> Option<End> {
        if !port.instance_id.starts_with("nat-") {
            return None;
        }
        let component = Component::new(Kind::NatGateway, &port.instance_id);
        let session = self
            .nat_sessions
            .iter()
            .find(|(eni, _)| *eni == port.eni_id)
            .map(|&(_, source)| source);
        let Some(original) = session.filter(|_| reply) else {
            self.hop(component, Step::Nat, Verdict::Denied).note =
                Some("a NAT gateway takes only replies to its flows".into());
            self.block(
                crate::Explanation::new("NO_PATH"),
                crate::Disposition::DeniedIn,
            );
            return Some(End::Dead(crate::Disposition::DeniedIn));
        };
        let back = Packet {
            destination: original,
            ..p
        };
        let hop = self.hop(component, Step::Nat, Verdict::Transformed);
        hop.subnet = Some(port.subnet_id.clone());
        hop.vpc = Some(port.vpc_id.clone());
        hop.note = Some(format!("destination {} -> {original}", p.destination));
        hop.outbound_header = Some(header(back));
        Some(self.leave(port, back, reply, depth + 1))
    }
}
