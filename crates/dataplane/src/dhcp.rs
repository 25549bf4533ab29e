//! EC2's DHCPv4 server, the pure part: one client message in, the answer out. The socket side
//! (one server per router namespace, the ENI known by the port a message arrives on) is in
//! `linux::guest`.
//!
//! Every ENI leases its primary address with the subnet's mask, the subnet router (base + 1)
//! as router and server identifier, the name servers, domain, NTP and NetBIOS servers of the
//! VPC's DHCP option set (AmazonProvidedDNS is VPC base + 2; a VPC without a set gets
//! 169.254.169.253), the address's `ip-a-b-c-d` host name and MTU 9001, for an hour — the
//! lease a guest gets on EC2 (`guest-routing.md` §6). Only the ENI's own MAC gets an answer.

use crate::model::{DhcpLease, MTU};
use dhcproto::v4::{DhcpOption, Message, MessageType, Opcode, OptionCode};
use dhcproto::{Decodable, Encodable};
use std::net::Ipv4Addr;

/// How long a lease lasts (EC2's is an hour; clients renew at half of it).
pub const LEASE_SECONDS: u32 = 3600;

/// Where an answer goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// 255.255.255.255:68 out of the port: the client has no address yet (or is refused), so
    /// it cannot be reached by unicast without an ARP entry.
    Broadcast,
    /// The client's own address (a renewal or an INFORM): `ciaddr`:68.
    Unicast(Ipv4Addr),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub message: Message,
    pub to: Destination,
}

impl Reply {
    pub fn encode(&self) -> Vec<u8> {
        self.message
            .to_vec()
            .expect("a DHCP message this module built")
    }
}

/// `0a:1b:…` → its six bytes.
fn mac_bytes(mac: &str) -> Option<[u8; 6]> {
    let mut bytes = [0; 6];
    let mut parts = mac.split(':');
    for byte in &mut bytes {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(bytes)
}

/// The answer to `packet`, received on the port of the ENI with MAC `mac` and lease `lease`;
/// `None` for anything a DHCP server ignores (not a request, someone else's hardware address,
/// a RELEASE or DECLINE, a REQUEST for another server).
pub fn answer(packet: &[u8], mac: &str, lease: &DhcpLease) -> Option<Reply> {
    let request = Message::from_bytes(packet).ok()?;
    // An Ethernet address is 6 bytes; dhcproto slices chaddr by the packet's own hlen, which
    // would panic past 16, so nothing else is read.
    if request.hlen() != 6
        || request.opcode() != Opcode::BootRequest
        || request.chaddr() != mac_bytes(mac)?
    {
        return None;
    }
    let server = lease.lease.router;
    let address = lease.lease.address.addr();
    let asked = match request.opts().get(OptionCode::RequestedIpAddress) {
        Some(DhcpOption::RequestedIpAddress(ip)) => Some(*ip),
        _ => None,
    };
    let for_another_server = matches!(
        request.opts().get(OptionCode::ServerIdentifier),
        Some(DhcpOption::ServerIdentifier(id)) if *id != server
    );
    let kind = match request.opts().msg_type()? {
        MessageType::Discover => MessageType::Offer,
        MessageType::Request if for_another_server => return None,
        MessageType::Request => {
            let wanted = asked.unwrap_or(request.ciaddr());
            if wanted == address {
                MessageType::Ack
            } else {
                MessageType::Nak
            }
        }
        MessageType::Inform => MessageType::Ack,
        _ => return None,
    };
    let inform = request.opts().msg_type() == Some(MessageType::Inform);
    let mut reply = Message::default();
    reply
        .set_opcode(Opcode::BootReply)
        .set_xid(request.xid())
        .set_flags(request.flags())
        .set_chaddr(request.chaddr())
        .set_giaddr(request.giaddr());
    let opts = reply.opts_mut();
    opts.insert(DhcpOption::MessageType(kind));
    opts.insert(DhcpOption::ServerIdentifier(server));
    if kind == MessageType::Nak {
        return Some(Reply {
            message: reply,
            to: Destination::Broadcast,
        });
    }
    if inform {
        reply.set_ciaddr(request.ciaddr());
    } else {
        reply.set_yiaddr(address);
        let opts = reply.opts_mut();
        opts.insert(DhcpOption::AddressLeaseTime(LEASE_SECONDS));
        opts.insert(DhcpOption::Renewal(LEASE_SECONDS / 2));
        opts.insert(DhcpOption::Rebinding(LEASE_SECONDS / 8 * 7));
    }
    let net = lease.lease.address;
    let opts = reply.opts_mut();
    opts.insert(DhcpOption::SubnetMask(net.netmask()));
    opts.insert(DhcpOption::BroadcastAddr(net.broadcast()));
    opts.insert(DhcpOption::Router(vec![server]));
    let options = &lease.options;
    if !options.name_servers.is_empty() {
        opts.insert(DhcpOption::DomainNameServer(options.name_servers.clone()));
    }
    if let Some(domain) = &options.domain_name {
        opts.insert(DhcpOption::DomainName(domain.clone()));
    }
    if !options.ntp_servers.is_empty() {
        opts.insert(DhcpOption::NtpServers(options.ntp_servers.clone()));
    }
    if !options.netbios_name_servers.is_empty() {
        opts.insert(DhcpOption::NetBiosNameServers(
            options.netbios_name_servers.clone(),
        ));
    }
    if let Some(node_type) = options.netbios_node_type {
        opts.insert(DhcpOption::NetBiosNodeType(node_type.into()));
    }
    opts.insert(DhcpOption::Hostname(lease.host_name.clone()));
    opts.insert(DhcpOption::InterfaceMtu(MTU as u16));
    let to = match request.ciaddr() {
        ip if ip.is_unspecified() => Destination::Broadcast,
        ip => Destination::Unicast(ip),
    };
    Some(Reply { message: reply, to })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Lease, amazon_provided};

    const MAC: &str = "0a:00:00:00:00:01";

    fn lease() -> DhcpLease {
        DhcpLease {
            lease: Lease {
                address: "10.0.2.20/24".parse().unwrap(),
                router: Ipv4Addr::new(10, 0, 2, 1),
            },
            options: amazon_provided(
                "10.0.0.0/16".parse().unwrap(),
                "ap-northeast-1.compute.internal",
            ),
            host_name: "ip-10-0-2-20".into(),
        }
    }

    fn client(kind: MessageType, mac: &str, extra: &[DhcpOption]) -> Message {
        let mut m = Message::default();
        m.set_xid(0x1234_5678).set_chaddr(&mac_bytes(mac).unwrap());
        m.opts_mut().insert(DhcpOption::MessageType(kind));
        for option in extra {
            m.opts_mut().insert(option.clone());
        }
        m
    }

    fn ask(m: &Message) -> Option<Reply> {
        answer(&m.to_vec().unwrap(), MAC, &lease())
    }

    fn option(reply: &Reply, code: OptionCode) -> Option<DhcpOption> {
        reply.message.opts().get(code).cloned()
    }

    #[test]
    fn a_hardware_address_length_other_than_ethernets_is_ignored() {
        let mut bytes = client(MessageType::Discover, MAC, &[]).to_vec().unwrap();
        for hlen in [0, 5, 7, 16, 17, 255] {
            bytes[2] = hlen; // op, htype, hlen
            assert!(answer(&bytes, MAC, &lease()).is_none(), "hlen {hlen}");
        }
        bytes[2] = 6;
        assert!(answer(&bytes, MAC, &lease()).is_some());
    }

    #[test]
    fn discover_gets_ec2s_lease_on_the_wire() {
        let reply = ask(&client(MessageType::Discover, MAC, &[])).expect("an offer");
        assert_eq!(reply.to, Destination::Broadcast);
        // Decoded from the bytes that go out, as a client sees them.
        let offer = Message::from_bytes(&reply.encode()).unwrap();
        assert_eq!(offer.opcode(), Opcode::BootReply);
        assert_eq!(offer.xid(), 0x1234_5678);
        assert_eq!(offer.yiaddr(), Ipv4Addr::new(10, 0, 2, 20));
        assert_eq!(&offer.chaddr()[..6], &mac_bytes(MAC).unwrap());
        let o = offer.opts();
        assert_eq!(o.msg_type(), Some(MessageType::Offer));
        let expect = [
            DhcpOption::ServerIdentifier(Ipv4Addr::new(10, 0, 2, 1)),
            DhcpOption::SubnetMask(Ipv4Addr::new(255, 255, 255, 0)),
            DhcpOption::BroadcastAddr(Ipv4Addr::new(10, 0, 2, 255)),
            DhcpOption::Router(vec![Ipv4Addr::new(10, 0, 2, 1)]),
            DhcpOption::DomainNameServer(vec![Ipv4Addr::new(10, 0, 0, 2)]),
            DhcpOption::DomainName("ap-northeast-1.compute.internal".into()),
            DhcpOption::Hostname("ip-10-0-2-20".into()),
            DhcpOption::InterfaceMtu(9001),
            DhcpOption::AddressLeaseTime(3600),
        ];
        for want in expect {
            assert_eq!(o.get(OptionCode::from(&want)), Some(&want));
        }
    }

    #[test]
    fn request_for_the_primary_address_is_acked_anything_else_naked() {
        let asked = |ip: [u8; 4]| DhcpOption::RequestedIpAddress(ip.into());
        let ack = ask(&client(MessageType::Request, MAC, &[asked([10, 0, 2, 20])])).unwrap();
        let kind = |r: &Reply| r.message.opts().msg_type();
        assert_eq!(kind(&ack), Some(MessageType::Ack));
        assert_eq!(ack.message.yiaddr(), Ipv4Addr::new(10, 0, 2, 20));
        let nak = ask(&client(MessageType::Request, MAC, &[asked([10, 0, 2, 99])])).unwrap();
        assert_eq!(kind(&nak), Some(MessageType::Nak));
        assert_eq!(nak.to, Destination::Broadcast);
        assert_eq!(option(&nak, OptionCode::AddressLeaseTime), None);
        let elsewhere = DhcpOption::ServerIdentifier([10, 9, 9, 9].into());
        assert_eq!(
            ask(&client(
                MessageType::Request,
                MAC,
                &[asked([10, 0, 2, 20]), elsewhere]
            )),
            None,
            "the client chose another server"
        );
    }

    #[test]
    fn a_renewal_is_answered_by_unicast() {
        let mut renew = client(MessageType::Request, MAC, &[]);
        renew.set_ciaddr(Ipv4Addr::new(10, 0, 2, 20));
        let ack = ask(&renew).unwrap();
        assert_eq!(ack.message.opts().msg_type(), Some(MessageType::Ack));
        assert_eq!(ack.to, Destination::Unicast(Ipv4Addr::new(10, 0, 2, 20)));
    }

    #[test]
    fn inform_gets_the_options_without_a_lease() {
        let mut inform = client(MessageType::Inform, MAC, &[]);
        inform.set_ciaddr(Ipv4Addr::new(10, 0, 2, 21));
        let ack = ask(&inform).unwrap();
        assert_eq!(ack.message.yiaddr(), Ipv4Addr::UNSPECIFIED);
        assert_eq!(option(&ack, OptionCode::AddressLeaseTime), None);
        assert_eq!(
            option(&ack, OptionCode::InterfaceMtu),
            Some(DhcpOption::InterfaceMtu(9001))
        );
    }

    #[test]
    fn only_the_enis_own_mac_and_real_requests_are_answered() {
        assert_eq!(
            ask(&client(MessageType::Discover, "0a:00:00:00:00:02", &[])),
            None
        );
        assert_eq!(ask(&client(MessageType::Release, MAC, &[])), None);
        assert_eq!(ask(&client(MessageType::Decline, MAC, &[])), None);
        let mut reply = client(MessageType::Discover, MAC, &[]);
        reply.set_opcode(Opcode::BootReply);
        assert_eq!(ask(&reply), None);
        assert_eq!(answer(b"not dhcp", MAC, &lease()), None);
    }
}
