use super::*;
use crate::model::tests::{ETH0, I1, I2, PEER, VPC, acl_entry, default_acl, default_group, eni};
use crate::model::{InstanceIn, Snapshot, SubnetIn, topology};
use localvpc_model::instance::InstanceState;
use localvpc_model::security_group::{Permission, Protocol, RulePeer};

/// Two instances in two subnets: A (checked) in the default group, B (check off) also in a
/// group allowing SSH from 192.0.2.0/24 and pings; subnet 2's ACL denies port 22 first.
fn small() -> Snapshot {
    let instance = |id: &str, eni| InstanceIn {
        id: id.into(),
        state: InstanceState::Running,
        runs_agent: false,
        imds_ipv6: false,
        enis: vec![eni],
    };
    let mut b = eni(PEER, "subnet-2", 0, &["10.0.2.11"]);
    b.source_dest_check = false;
    b.groups.push("sg-0f000000000000002".into());
    let ssh = Permission {
        protocol: Protocol::Tcp,
        ports: Some((22, 22)),
        peer: RulePeer::Cidr("192.0.2.0/24".parse().unwrap()),
    };
    let ping = Permission {
        protocol: Protocol::Icmp,
        ports: Some((8, -1)),
        peer: RulePeer::Cidr("10.0.0.0/16".parse().unwrap()),
    };
    let ssh_group = crate::model::filter::GroupIn {
        id: "sg-0f000000000000002".into(),
        ingress: vec![ssh, ping],
        egress: vec![],
        members: vec!["10.0.2.11".parse().unwrap()],
        members6: Vec::new(),
    };
    let mut other_acl = default_acl(&["subnet-2"]);
    other_acl.id = "acl-0e000000000000002".into();
    let mut deny_ssh = acl_entry(50, false, false);
    deny_ssh.protocol = "6".into();
    deny_ssh.port_range = Some((22, 22));
    other_acl.entries.push(deny_ssh);
    Snapshot {
        vpcs: vec![VPC.into()],
        subnets: ["10.0.1.0/24", "10.0.2.0/24"]
            .iter()
            .enumerate()
            .map(|(n, cidr)| SubnetIn {
                id: format!("subnet-{}", n + 1),
                cidr: cidr.parse().unwrap(),
                ipv6_cidr: None,
            })
            .collect(),
        instances: vec![
            instance(I1, eni(ETH0, "subnet-1", 0, &["10.0.1.10"])),
            instance(I2, b),
        ],
        groups: vec![default_group(&["10.0.1.10", "10.0.2.11"]), ssh_group],
        acls: vec![default_acl(&["subnet-1"]), other_acl],
        dhcp_options: Default::default(),
        prefix_lists: Default::default(),
        vpc_dns: Default::default(),
        routing: Default::default(),
        nat_gateways: Vec::new(),
        endpoint_interfaces: Vec::new(),
    }
}

#[test]
fn renders_checks_acls_and_groups_in_packet_order() {
    let t = topology(&small());
    let table = table(&t.routers[0]);
    assert_eq!(table.name, "lvpc_filter");
    let expected = r#"	set ports_1 {
		type ifname
		elements = { "lvpc-0a00000000" }
	}
	set ports_2 {
		type ifname
		elements = { "lvpc-0c00000000" }
	}
	set sg_0d000000000000001 {
		type ipv4_addr
		elements = { 10.0.1.10, 10.0.2.11 }
	}
	set sg6_0d000000000000001 {
		type ipv6_addr
	}
	chain input {
		type filter hook input priority filter; policy accept;
		ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept
		iifname { "lvpc-0a00000000", "lvpc-0c00000000" } ip6 daddr fd00:ec2::254 drop
		iifname vmap { "lvpc-0a00000000" : jump source_0a00000000 }
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname vmap { "lvpc-0a00000000" : jump source_0a00000000 }
		oifname vmap { "lvpc-0a00000000" : jump destination_0a00000000 }
		iifname @ports_1 oifname != @ports_1 jump acl_out_1
		oifname @ports_1 iifname != @ports_1 jump acl_in_1
		iifname @ports_2 oifname != @ports_2 jump acl_out_2
		oifname @ports_2 iifname != @ports_2 jump acl_in_2
		ct state established,related accept
		iifname vmap { "lvpc-0a00000000" : jump egress_0a00000000, "lvpc-0c00000000" : jump egress_0c00000000 }
		oifname vmap { "lvpc-0a00000000" : jump ingress_0a00000000, "lvpc-0c00000000" : jump ingress_0c00000000 }
	}
	chain source_0a00000000 {
		ip saddr { 10.0.1.10 } return
		ip6 saddr fe80::/10 return
		ip6 saddr :: return
		drop
	}
	chain destination_0a00000000 {
		ip daddr { 10.0.1.10 } return
		drop
	}
	chain egress_0a00000000 {
		meta nfproto ipv4 return
		drop
	}
	chain ingress_0a00000000 {
		ip saddr @sg_0d000000000000001 return
		ip6 saddr @sg6_0d000000000000001 return
		drop
	}
	chain egress_0c00000000 {
		meta nfproto ipv4 return
		drop
	}
	chain ingress_0c00000000 {
		ip saddr @sg_0d000000000000001 return
		ip6 saddr @sg6_0d000000000000001 return
		ip saddr 192.0.2.0/24 tcp dport 22 return
		ip saddr 10.0.0.0/16 icmp type 8 return
		drop
	}
	chain acl_in_1 {
		meta nfproto ipv4 return comment "rule 100"
		meta nfproto ipv4 drop comment "rule 32767"
		drop
	}
	chain acl_out_1 {
		meta nfproto ipv4 return comment "rule 100"
		meta nfproto ipv4 drop comment "rule 32767"
		drop
	}
	chain acl_in_2 {
		meta nfproto ipv4 tcp dport 22 drop comment "rule 50"
		meta nfproto ipv4 return comment "rule 100"
		meta nfproto ipv4 drop comment "rule 32767"
		drop
	}
	chain acl_out_2 {
		meta nfproto ipv4 return comment "rule 100"
		meta nfproto ipv4 drop comment "rule 32767"
		drop
	}
"#;
    assert_eq!(table.body, expected);
}

#[test]
fn traffic_matches_name_ports_and_icmp_types() {
    let tcp = |from, to| traffic(Traffic::Tcp(Ports { from, to }));
    assert_eq!(tcp(0, 65535), "meta l4proto tcp");
    assert_eq!(tcp(1024, 65535), "tcp dport 1024-65535");
    assert_eq!(
        traffic(Traffic::Udp(Ports { from: 53, to: 53 })),
        "udp dport 53"
    );
    let icmp = |kind, code| traffic(Traffic::Icmp { kind, code });
    assert_eq!(icmp(None, None), "meta l4proto icmp");
    assert_eq!(icmp(Some(3), Some(4)), "icmp type 3 icmp code 4");
    assert_eq!(traffic(Traffic::Protocol(47)), "meta l4proto 47");
    assert_eq!(traffic(Traffic::All), "");
}

#[test]
fn without_checked_ports_the_hooks_have_no_check_maps() {
    let mut s = small();
    s.instances[0].enis[0].source_dest_check = false;
    let body = table(&topology(&s).routers[0]).body;
    assert!(!body.contains("jump source_") && !body.contains("chain destination_"));
    assert!(body.contains("ct state established,related accept"));
}

#[test]
fn a_prefix_list_rule_matches_an_interval_set_of_its_merged_entries() {
    let mut s = small();
    let list = "pl-0123456789abcdef0";
    s.groups[1].ingress.push(Permission {
        protocol: Protocol::Tcp,
        ports: Some((443, 443)),
        peer: RulePeer::PrefixList(list.into()),
    });
    let entries = ["10.9.0.0/16", "10.9.3.0/24", "192.0.2.8/29"];
    s.prefix_lists.insert(
        list.into(),
        entries.iter().map(|c| c.parse().unwrap()).collect(),
    );
    let body = table(&topology(&s).routers[0]).body;
    assert!(body.contains(
        "\tset pl_0123456789abcdef0 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 10.9.0.0/16, 192.0.2.8/29 }\n\t}\n"
    ), "{body}");
    assert!(body.contains("ip saddr @pl_0123456789abcdef0 tcp dport 443 return"));
    // A list that is gone (or was never read) is an empty set: it matches nothing.
    s.prefix_lists.clear();
    let body = table(&topology(&s).routers[0]).body;
    assert!(
        body.contains(
            "\tset pl_0123456789abcdef0 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t}\n"
        )
    );
}

#[test]
fn a_nat_gateways_interface_meets_no_security_group() {
    use crate::model::routing::tests::{NAT_ENI, with_nat_gateway};
    let t = crate::model::topology(&with_nat_gateway());
    let body = table(&t.routers[0]).body;
    let hex = &crate::model::port_name(NAT_ENI)[5..];
    assert!(!body.contains(&format!("egress_{hex}")));
    assert!(!body.contains(&format!("ingress_{hex}")));
    assert!(
        body.contains(&format!("\"lvpc-{hex}\"")),
        "its subnet's ACL still applies"
    );
}

#[test]
fn a_peering_link_lets_on_only_the_peers_blocks_to_this_vpcs() {
    use crate::model::routing::tests::with_peering;
    let t = crate::model::topology(&with_peering(true));
    let body = table(&t.routers[0]).body;
    assert!(body.contains("iifname vmap { \"lvpc-0e00000000\" : jump peer_0e000000000000001 }"));
    assert!(body.contains("ip saddr { 10.9.0.0/16 } ip daddr { 10.0.0.0/16 } return"));
    let none = crate::model::topology(&with_peering(false));
    assert!(!table(&none.routers[0]).body.contains("peer_"));
}

#[test]
fn ipv6_rules_checks_and_the_egress_only_gateway_render_in_their_family() {
    let mut s = small();
    s.subnets[0].ipv6_cidr = Some("2001:db8:0:101::/64".parse().unwrap());
    s.instances[0].enis[0].ipv6_addresses = vec!["2001:db8:0:101::10".parse().unwrap()];
    s.instances[0].enis[0].prefixes = vec!["2001:db8:0:101:1::/80".parse().unwrap()];
    s.instances[0].imds_ipv6 = true;
    s.groups[1].ingress.push(Permission {
        protocol: Protocol::Icmpv6,
        ports: Some((128, -1)),
        peer: RulePeer::Ipv6Cidr("::/0".parse().unwrap()),
    });
    s.groups[1].ingress.push(Permission {
        protocol: Protocol::Tcp,
        ports: Some((80, 80)),
        peer: RulePeer::Ipv6Cidr("2001:db8:0:101::/64".parse().unwrap()),
    });
    let mut v6 = acl_entry(101, false, true);
    v6.cidr = "::/0".parse().unwrap();
    let mut deny = acl_entry(90, false, false);
    deny.cidr = "2001:db8:0:101::/64".parse().unwrap();
    deny.protocol = "58".into();
    deny.icmp_type_code = Some((128, -1));
    s.acls[1].entries.extend([v6, deny]);
    s.routing
        .egress_only
        .push(crate::model::routing::GatewayIn {
            id: "eigw-0a000000000000001".into(),
            vpc_id: VPC.into(),
        });
    let body = table(&topology(&s).routers[0]).body;
    for line in [
        "ip6 saddr { 2001:db8:0:101::10 } return",
        "ip6 saddr 2001:db8:0:101:1::/80 return",
        "ip6 daddr { 2001:db8:0:101::10 } return",
        "ip6 saddr fe80::/10 return",
        "meta nfproto ipv6 icmpv6 type 128 return",
        "ip6 saddr 2001:db8:0:101::/64 tcp dport 80 return",
        "ip6 saddr @sg6_0d000000000000001 return",
        "ip6 saddr 2001:db8:0:101::/64 icmpv6 type 128 drop comment \"rule 90\"",
        "meta nfproto ipv6 return comment \"rule 101\"",
        "iifname \"lvpc-eigw\" ct direction original drop",
        "oifname \"lvpc-eigw\" ct direction reply drop",
        "iifname { \"lvpc-0c00000000\" } ip6 daddr fd00:ec2::254 drop",
    ] {
        assert!(body.contains(line), "{line} in\n{body}");
    }
    let acl_in_2 = body.split("chain acl_in_2").nth(1).unwrap();
    let (ipv4_end, rule_90) = (
        acl_in_2.find("rule 32767").unwrap(),
        acl_in_2.find("rule 90").unwrap(),
    );
    assert!(
        ipv4_end < rule_90,
        "IPv6 entries after IPv4's: families never cross"
    );
    assert!(
        rule_90 < acl_in_2.find("rule 101").unwrap(),
        "in rule-number order"
    );
}
