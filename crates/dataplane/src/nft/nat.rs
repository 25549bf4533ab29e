//! `lvpc_nat`: the internet gateway's 1:1 NAT in a router namespace. A packet from the internet
//! to a public address has its destination rewritten to the private address before routing;
//! one leaving for the internet has its private source rewritten to that address's public one
//! after filtering, so security groups and ACLs see private addresses and the instance never
//! sees its public one, as on AWS. A private address with no public one gets no internet:
//! its packets toward the gateway are dropped. From the internet, only packets to a public
//! address get in (checked before the DNAT, on every packet): an internet host that routes a
//! private address to the gateway reaches nothing behind it.

use super::Table;
use crate::model::routing::{Gateway, UPLINK};

pub const NAME: &str = "lvpc_nat";

/// `{ a : b, … }` elements of a map, or nothing for an empty one.
fn elements(pairs: impl Iterator<Item = String>) -> String {
    let pairs: Vec<String> = pairs.collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!(" elements = {{ {} }};", pairs.join(", "))
    }
}

pub fn table(gateway: &Gateway) -> Table {
    let nat = &gateway.nat;
    let public_of = elements(
        nat.iter()
            .map(|(private, public)| format!("{private} : {public}")),
    );
    let mut by_public: Vec<_> = nat
        .iter()
        .map(|&(private, public)| (public, private))
        .collect();
    by_public.sort();
    let private_of = elements(
        by_public
            .iter()
            .map(|(public, private)| format!("{public} : {private}")),
    );
    let mapped = elements(nat.iter().map(|(private, _)| private.to_string()));
    let public = elements(by_public.iter().map(|(public, _)| public.to_string()));
    let body = format!(
        "\tmap public_of {{ type ipv4_addr : ipv4_addr;{public_of} }}\n\
         \tmap private_of {{ type ipv4_addr : ipv4_addr;{private_of} }}\n\
         \tset mapped {{ type ipv4_addr;{mapped} }}\n\
         \tset public {{ type ipv4_addr;{public} }}\n\
         \tchain inbound {{\n\
         \t\ttype filter hook prerouting priority dstnat - 10; policy accept;\n\
         \t\tiifname \"{UPLINK}\" ip daddr != @public drop\n\
         \t}}\n\
         \tchain prerouting {{\n\
         \t\ttype nat hook prerouting priority dstnat; policy accept;\n\
         \t\tiifname \"{UPLINK}\" dnat ip to ip daddr map @private_of\n\
         \t}}\n\
         \tchain forward {{\n\
         \t\ttype filter hook forward priority filter; policy accept;\n\
         \t\toifname \"{UPLINK}\" ip saddr != @mapped drop\n\
         \t}}\n\
         \tchain postrouting {{\n\
         \t\ttype nat hook postrouting priority srcnat; policy accept;\n\
         \t\toifname \"{UPLINK}\" snat ip to ip saddr map @public_of\n\
         \t}}\n"
    );
    Table {
        name: NAME.into(),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_each_private_address_to_its_public_one_both_ways() {
        let gateway = Gateway {
            id: "igw-1".into(),
            internet_link: "lvpc-0aaaaaaaaa".into(),
            nat: vec![
                ("10.0.1.10".parse().unwrap(), "203.0.113.9".parse().unwrap()),
                (
                    "10.0.1.11".parse().unwrap(),
                    "198.51.100.5".parse().unwrap(),
                ),
            ],
        };
        let body = table(&gateway).body;
        assert!(body.contains("elements = { 10.0.1.10 : 203.0.113.9, 10.0.1.11 : 198.51.100.5 }"));
        assert!(body.contains("elements = { 198.51.100.5 : 10.0.1.11, 203.0.113.9 : 10.0.1.10 }"));
        assert!(
            body.contains("set mapped { type ipv4_addr; elements = { 10.0.1.10, 10.0.1.11 }; }")
        );
        assert!(
            body.contains(
                "set public { type ipv4_addr; elements = { 198.51.100.5, 203.0.113.9 }; }"
            )
        );
        assert!(body.contains("oifname \"lvpc-igw\" ip saddr != @mapped drop"));
        assert!(body.contains("iifname \"lvpc-igw\" ip daddr != @public drop"));
    }

    #[test]
    fn without_public_addresses_nothing_passes() {
        let gateway = Gateway {
            id: "igw-1".into(),
            internet_link: "lvpc-0aaaaaaaaa".into(),
            nat: Vec::new(),
        };
        let body = table(&gateway).body;
        assert!(body.contains("set mapped { type ipv4_addr; }"));
        assert!(!body.contains("elements"));
    }
}
