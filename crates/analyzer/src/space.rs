//! The cells of a flow: rules are boxes, so between their edges every packet meets the same
//! verdicts. One representative per cell is enough to decide the whole set exactly.

use crate::Ports;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// Address space the internet is (what is not private, shared, link-local or reserved).
const NOT_INTERNET: [&str; 8] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/3",
];

/// Whether an address is one the internet gateway will not carry to or from the internet.
pub fn is_private(address: Ipv4Addr) -> bool {
    NOT_INTERNET
        .iter()
        .any(|c| c.parse::<Ipv4Net>().expect("constant").contains(&address))
}

/// One representative address of each cell of `space` cut at the edges of `cuts`, public
/// addresses only when `internet`. Test hosts (192.0.2.0/24, which answer in localvpc's
/// internet) come first, so a path to "anywhere" is walked with one that really exists.
pub fn addresses(
    space: Ipv4Net,
    cuts: impl IntoIterator<Item = Ipv4Net>,
    internet: bool,
) -> Vec<Ipv4Addr> {
    let test_hosts: Ipv4Net = "192.0.2.0/24".parse().expect("constant");
    let mut edges: Vec<u64> = vec![u32::from(space.network()).into()];
    let mut push = |net: Ipv4Net| {
        edges.push(u32::from(net.network()).into());
        edges.push(u64::from(u32::from(net.broadcast())) + 1);
    };
    push(space);
    push("192.0.2.1/32".parse().expect("constant"));
    if internet {
        for c in NOT_INTERNET {
            push(c.parse().expect("constant"));
        }
    }
    for c in cuts {
        push(c);
    }
    let (lo, hi) = (
        u64::from(u32::from(space.network())),
        u64::from(u32::from(space.broadcast())),
    );
    edges.retain(|&e| e >= lo && e <= hi);
    edges.sort_unstable();
    edges.dedup();
    let mut out: Vec<Ipv4Addr> = edges
        .into_iter()
        .map(|e| Ipv4Addr::from(e as u32))
        .filter(|&a| !internet || !is_private(a))
        .collect();
    out.sort_by_key(|a| !test_hosts.contains(a));
    out
}

/// One representative port of each cell of `range` cut at `cuts`; the preferred cell (holding
/// `prefer`) first.
pub fn ports(range: Ports, cuts: impl IntoIterator<Item = Ports>, prefer: u16) -> Vec<u16> {
    let mut edges: Vec<u32> = vec![range.from.into(), prefer.into()];
    for c in cuts {
        edges.push(c.from.into());
        edges.push(u32::from(c.to) + 1);
    }
    edges.retain(|&e| e >= range.from.into() && e <= range.to.into());
    edges.sort_unstable();
    edges.dedup();
    let mut out: Vec<u16> = edges.into_iter().map(|e| e as u16).collect();
    if let Some(i) = out.iter().position(|&p| p == prefer) {
        out[..=i].rotate_right(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_cut_at_rule_edges_preferring_the_ephemeral_cell() {
        let cuts = [
            Ports { from: 22, to: 22 },
            Ports {
                from: 1024,
                to: 65535,
            },
        ];
        assert_eq!(ports(Ports::ALL, cuts, 49152), vec![49152, 0, 22, 23, 1024]);
        assert_eq!(ports(Ports { from: 22, to: 22 }, cuts, 49152), vec![22]);
    }

    #[test]
    fn internet_addresses_skip_private_space() {
        let all: Ipv4Net = "0.0.0.0/0".parse().unwrap();
        let got = addresses(all, ["203.0.113.0/24".parse().unwrap()], true);
        assert_eq!(got[0], Ipv4Addr::new(192, 0, 2, 1));
        assert!(got.contains(&Ipv4Addr::new(203, 0, 113, 0)));
        assert!(got.iter().all(|a| !is_private(*a)));
    }
}
