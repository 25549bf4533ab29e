//! VPC peering in the model: each active connection is a veth pair between the two VPCs'
//! routers, and routes whose target is the connection leave through it.
//!
//! What arrives over the link is delivered only inside the receiving VPC, and only from the
//! sending VPC's blocks (no transitive peering, no edge-to-edge use of the peer's internet or
//! NAT gateway, as AWS documents); the receiving side's network ACLs and security groups apply
//! as to any packet entering a subnet from outside it ([`crate::nft`]'s filter table).

use super::{PREFIX, short};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// Where the ends of peering links are numbered: link-local like the internet gateway's uplink,
/// apart from it and from 169.254.169.254.
const ENDS: Ipv4Addr = Ipv4Addr::new(169, 254, 192, 0);
const PAIRS: u32 = 1 << 13;

/// The requester's and the accepter's end of a connection's link, from its ID alone. A router
/// with several connections holds several ends; each must differ from the others' far ends
/// (a next hop that is a local address goes nowhere), which distinct pairs give.
pub fn ends(pcx_id: &str) -> (Ipv4Addr, Ipv4Addr) {
    let hash = pcx_id.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    let base = u32::from(ENDS) + 2 * (hash % PAIRS);
    (Ipv4Addr::from(base), Ipv4Addr::from(base + 1))
}

/// An active connection, as the store holds it.
#[derive(Debug, Clone)]
pub struct PeeringIn {
    pub id: String,
    pub requester_vpc: String,
    pub accepter_vpc: String,
    pub requester_cidrs: Vec<Ipv4Net>,
    pub accepter_cidrs: Vec<Ipv4Net>,
    /// Whether the two VPCs are in different regions.
    pub inter_region: bool,
}

/// AWS's MTU over a peering connection: jumbo frames within a region, 1500 between regions.
pub const INTER_REGION_MTU: u32 = 1500;

/// One router's end of a peering link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeeringLink {
    pub id: String,
    /// The link's name, the same in both routers: the prefix and 10 hex digits of the ID.
    pub name: String,
    /// Whether this router made the pair (the requester's side does).
    pub creates: bool,
    pub local: Ipv4Addr,
    pub remote: Ipv4Addr,
    /// The other router's namespace.
    pub peer_ns: String,
    /// What may arrive over the link: from these blocks of the peer VPC…
    pub remote_cidrs: Vec<Ipv4Net>,
    /// …to these blocks of this one.
    pub local_cidrs: Vec<Ipv4Net>,
    pub mtu: u32,
}

pub fn link_name(pcx_id: &str) -> String {
    let hex: String = short(pcx_id).chars().take(15 - PREFIX.len()).collect();
    format!("{PREFIX}{hex}")
}

/// The peering links of the VPC's router, sorted by connection ID.
pub fn links(vpc_id: &str, peerings: &[PeeringIn]) -> Vec<PeeringLink> {
    let mut links: Vec<PeeringLink> = peerings
        .iter()
        .filter_map(|p| {
            let requester = p.requester_vpc == vpc_id;
            if !requester && p.accepter_vpc != vpc_id {
                return None;
            }
            let (requester_end, accepter_end) = ends(&p.id);
            let (local, remote, peer_vpc, local_cidrs, remote_cidrs) = if requester {
                let blocks = (&p.requester_cidrs, &p.accepter_cidrs);
                let ends = (requester_end, accepter_end);
                (ends.0, ends.1, &p.accepter_vpc, blocks.0, blocks.1)
            } else {
                let blocks = (&p.accepter_cidrs, &p.requester_cidrs);
                let ends = (accepter_end, requester_end);
                (ends.0, ends.1, &p.requester_vpc, blocks.0, blocks.1)
            };
            Some(PeeringLink {
                id: p.id.clone(),
                name: link_name(&p.id),
                creates: requester,
                local,
                remote,
                peer_ns: super::router_ns(peer_vpc),
                remote_cidrs: remote_cidrs.clone(),
                local_cidrs: local_cidrs.clone(),
                mtu: if p.inter_region {
                    INTER_REGION_MTU
                } else {
                    super::MTU
                },
            })
        })
        .collect();
    links.sort_by(|a, b| a.id.cmp(&b.id));
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_side_gets_its_end_and_the_other_sides_blocks() {
        let p = PeeringIn {
            id: "pcx-0123456789abcdef0".into(),
            requester_vpc: "vpc-a".into(),
            accepter_vpc: "vpc-b".into(),
            requester_cidrs: vec!["10.0.0.0/16".parse().unwrap()],
            accepter_cidrs: vec!["10.1.0.0/16".parse().unwrap()],
            inter_region: false,
        };
        let a = links("vpc-a", std::slice::from_ref(&p));
        let b = links("vpc-b", std::slice::from_ref(&p));
        assert_eq!(a[0].name, "lvpc-0123456789");
        assert_eq!(a[0].name, b[0].name);
        assert!(a[0].creates && !b[0].creates);
        let (requester, accepter) = ends(&p.id);
        assert_eq!((a[0].local, a[0].remote), (requester, accepter));
        assert_eq!((b[0].local, b[0].remote), (accepter, requester));
        assert!(u32::from(requester) >= u32::from(ENDS) && accepter.octets()[..2] == [169, 254]);
        assert_ne!(ends("pcx-0aaaaaaaaaaaaaaaa"), ends("pcx-0aaaaaaaaaaaaaaab"));
        assert_eq!(a[0].peer_ns, "lvpc-r-b");
        assert_eq!(a[0].remote_cidrs, p.accepter_cidrs);
        assert_eq!(b[0].remote_cidrs, p.requester_cidrs);
        assert_eq!(a[0].mtu, super::super::MTU);
        assert!(links("vpc-c", std::slice::from_ref(&p)).is_empty());
        let far = PeeringIn {
            inter_region: true,
            ..p
        };
        assert_eq!(links("vpc-a", &[far])[0].mtu, INTER_REGION_MTU);
    }
}
