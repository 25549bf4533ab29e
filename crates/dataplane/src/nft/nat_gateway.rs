//! `lvpc_natgw`: a NAT gateway's namespace. What its subnet's instances route to it arrives on
//! eth0 and leaves by eth0 again, to the router, with the gateway's private address as source
//! (ports 1024–65535 for TCP and UDP); the router then routes it by the NAT subnet's table, and
//! a public gateway's traffic becomes its Elastic IP at the internet gateway's 1:1 NAT. A
//! gateway with secondary addresses spreads new flows over all of them in turn (TCP and UDP
//! keep their source ports then). Only
//! outbound-initiated flows: replies (and ICMP errors about them) come back; nothing else
//! reaches the gateway itself (unsolicited packets, pings to it), and only TCP, UDP and ICMP are
//! translated, as AWS documents (VUG/nat-gateway-basics).

use super::Table;
use std::net::Ipv4Addr;

pub const NAME: &str = "lvpc_natgw";

/// The gateway's interface inside its namespace.
pub const LINK: &str = "eth0";

/// The table of a gateway with these private addresses, primary first.
pub fn table(addresses: &[Ipv4Addr]) -> Table {
    let name = NAME.to_owned();
    let snat = match addresses {
        [address] => format!(
            "\t\toifname \"{LINK}\" meta l4proto {{ tcp, udp }} snat ip to {address}:1024-65535\n\
             \t\toifname \"{LINK}\" snat ip to {address}\n"
        ),
        _ => {
            let entries: Vec<String> = addresses
                .iter()
                .enumerate()
                .map(|(i, a)| format!("{i} : {a}"))
                .collect();
            format!(
                "\t\toifname \"{LINK}\" snat ip to numgen inc mod {} map {{ {} }}\n",
                addresses.len(),
                entries.join(", ")
            )
        }
    };
    let body = format!(
        "\tchain input {{\n\
         \t\ttype filter hook input priority filter; policy drop;\n\
         \t\tct state established,related accept\n\
         \t}}\n\
         \tchain forward {{\n\
         \t\ttype filter hook forward priority filter; policy drop;\n\
         \t\tct state established,related accept\n\
         \t\tiifname \"{LINK}\" oifname \"{LINK}\" ct state new meta l4proto {{ tcp, udp, icmp }} accept\n\
         \t}}\n\
         \tchain postrouting {{\n\
         \t\ttype nat hook postrouting priority srcnat; policy accept;\n\
         {snat}\
         \t}}\n"
    );
    Table { name, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwards_new_flows_back_out_with_the_gateways_address_and_lets_only_replies_in() {
        let body = table(&["10.0.1.5".parse().unwrap()]).body;
        assert!(body.contains("hook input priority filter; policy drop;"));
        assert!(body.contains("hook forward priority filter; policy drop;"));
        assert!(body.contains(
            "iifname \"eth0\" oifname \"eth0\" ct state new meta l4proto { tcp, udp, icmp } accept"
        ));
        assert!(body.contains("meta l4proto { tcp, udp } snat ip to 10.0.1.5:1024-65535"));
        assert!(body.contains("oifname \"eth0\" snat ip to 10.0.1.5\n"));
    }

    #[test]
    fn secondary_addresses_take_new_flows_in_turn() {
        let addresses = ["10.0.1.5".parse().unwrap(), "10.0.1.6".parse().unwrap()];
        let body = table(&addresses).body;
        assert!(body.contains(
            "oifname \"eth0\" snat ip to numgen inc mod 2 map { 0 : 10.0.1.5, 1 : 10.0.1.6 }\n"
        ));
    }
}
