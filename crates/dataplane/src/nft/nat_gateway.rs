//! `lvpc_natgw`: a NAT gateway's namespace. What its subnet's instances route to it arrives on
//! eth0 and leaves by eth0 again, to the router, with the gateway's private address as source;
//! the router then routes it by the NAT subnet's table, and a public gateway's traffic becomes
//! its Elastic IP at the internet gateway's 1:1 NAT. A gateway with secondary addresses spreads
//! new flows over all of them in turn. Only outbound-initiated flows: replies (and ICMP errors
//! about them) come back; nothing else reaches the gateway itself (unsolicited packets, pings to
//! it), and only TCP, UDP and ICMP are translated, as AWS documents (VUG/nat-gateway-basics).
//!
//! AWS's limits of a connection, kept here: TCP and UDP take source ports from a range of
//! 55,000, so each address holds at most 55,000 simultaneous connections to one destination
//! (address, port, protocol); a connection idle for 350 seconds times out, and an instance that
//! then sends on it (anything but a new SYN) gets a TCP reset from the gateway, not a FIN.

use super::Table;
use std::net::Ipv4Addr;

pub const NAME: &str = "lvpc_natgw";

/// The gateway's interface inside its namespace.
pub const LINK: &str = "eth0";

/// Source ports a connection through the gateway may take: 55,000 of them.
const PORTS: &str = "1024-56023";

/// Seconds an established TCP connection, or a UDP flow with replies, may stay idle.
const IDLE_TIMEOUT_S: u32 = 350;

/// The table of a gateway with these private addresses, primary first.
pub fn table(addresses: &[Ipv4Addr]) -> Table {
    let name = NAME.to_owned();
    let to = match addresses {
        [address] => address.to_string(),
        _ => {
            let entries: Vec<String> = addresses
                .iter()
                .enumerate()
                .map(|(i, a)| format!("{i} : {a}"))
                .collect();
            format!(
                "numgen inc mod {} map {{ {} }}",
                addresses.len(),
                entries.join(", ")
            )
        }
    };
    let snat = format!(
        "\t\toifname \"{LINK}\" meta l4proto {{ tcp, udp }} snat ip to {to}:{PORTS}\n\
         \t\toifname \"{LINK}\" snat ip to {to}\n"
    );
    let body = format!(
        "\tct timeout idle_tcp {{\n\
         \t\tprotocol tcp;\n\
         \t\tl3proto ip;\n\
         \t\tpolicy = {{ established: {IDLE_TIMEOUT_S} }}\n\
         \t}}\n\
         \tct timeout idle_udp {{\n\
         \t\tprotocol udp;\n\
         \t\tl3proto ip;\n\
         \t\tpolicy = {{ replied: {IDLE_TIMEOUT_S} }}\n\
         \t}}\n\
         \tchain prerouting {{\n\
         \t\ttype filter hook prerouting priority mangle; policy accept;\n\
         \t\tiifname \"{LINK}\" ct state new meta l4proto tcp ct timeout set \"idle_tcp\"\n\
         \t\tiifname \"{LINK}\" ct state new meta l4proto udp ct timeout set \"idle_udp\"\n\
         \t}}\n\
         \tchain input {{\n\
         \t\ttype filter hook input priority filter; policy drop;\n\
         \t\tct state established,related accept\n\
         \t}}\n\
         \tchain forward {{\n\
         \t\ttype filter hook forward priority filter; policy drop;\n\
         \t\tct state established,related accept\n\
         \t\tiifname \"{LINK}\" ct state new tcp flags & (fin | syn | rst | ack) != syn reject with tcp reset\n\
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
        assert!(body.contains("meta l4proto { tcp, udp } snat ip to 10.0.1.5:1024-56023"));
        assert!(body.contains("oifname \"eth0\" snat ip to 10.0.1.5\n"));
    }

    #[test]
    fn idle_connections_time_out_after_350_s_and_a_late_segment_is_reset() {
        let body = table(&["10.0.1.5".parse().unwrap()]).body;
        assert!(body.contains("policy = { established: 350 }"));
        assert!(body.contains("policy = { replied: 350 }"));
        assert!(body.contains("ct state new meta l4proto tcp ct timeout set \"idle_tcp\""));
        assert!(body.contains(
            "ct state new tcp flags & (fin | syn | rst | ack) != syn reject with tcp reset"
        ));
    }

    #[test]
    fn secondary_addresses_take_new_flows_in_turn() {
        let addresses = ["10.0.1.5".parse().unwrap(), "10.0.1.6".parse().unwrap()];
        let body = table(&addresses).body;
        assert!(body.contains(
            "meta l4proto { tcp, udp } snat ip to numgen inc mod 2 map { 0 : 10.0.1.5, 1 : 10.0.1.6 }:1024-56023\n"
        ));
        assert!(body.contains(
            "oifname \"eth0\" snat ip to numgen inc mod 2 map { 0 : 10.0.1.5, 1 : 10.0.1.6 }\n"
        ));
    }
}
