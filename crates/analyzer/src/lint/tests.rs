//! One test per rule: the seed's or AWS page's situation triggers it, the fixed one does not.

use super::*;
use localvpc_model::network_acl::RuleAction;
use localvpc_model::security_group::{Protocol, RulePeer};

fn net(s: &str) -> Ipv4Net {
    s.parse().unwrap()
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// VPC vpc-1 (igw-1 attached), subnets subnet-1 (10.0.1.0/24) and subnet-2 (10.0.2.0/24), main
/// table rtb-1 with local and 0.0.0.0/0 → igw-1, group sg-1 (egress all).
fn base() -> Inventory {
    Inventory {
        vpcs: vec![Vpc {
            id: "vpc-1".into(),
            internet_gateway: Some("igw-1".into()),
        }],
        subnets: ["1", "2"]
            .iter()
            .map(|n| Subnet {
                id: format!("subnet-{n}"),
                vpc_id: "vpc-1".into(),
                cidr: net(&format!("10.0.{n}.0/24")),
                in_use: 1,
            })
            .collect(),
        route_tables: vec![RouteTable {
            id: "rtb-1".into(),
            vpc_id: "vpc-1".into(),
            main: true,
            subnets: vec![],
            routes: vec![
                route("10.0.0.0/16", "local", false),
                route("0.0.0.0/0", "igw-1", false),
            ],
        }],
        groups: vec![Group {
            id: "sg-1".into(),
            name: "web".into(),
            ingress: vec![],
            egress: vec![Permission::all_traffic(RulePeer::Cidr(net("0.0.0.0/0")))],
        }],
        ..Inventory::default()
    }
}

fn route(dst: &str, target: &str, blackhole: bool) -> Route {
    Route {
        destination: net(dst),
        target: target.into(),
        blackhole,
    }
}

fn instance(inv: &mut Inventory, id: &str, configures_enis: bool) {
    inv.instances.push(Instance {
        id: id.into(),
        image_id: if configures_enis {
            "ami-al2023"
        } else {
            "ami-centos6"
        }
        .into(),
        configures_enis,
        state: InstanceState::Running,
    });
}

/// Adds an ENI; `at` = (instance, device index).
fn eni(inv: &mut Inventory, id: &str, subnet: &str, address: &str, at: Option<(&str, u32)>) {
    inv.enis.push(Eni {
        id: id.into(),
        vpc_id: "vpc-1".into(),
        subnet_id: subnet.into(),
        attachment: at.map(|(i, d)| Attachment {
            instance_id: i.into(),
            device_index: d,
            delete_on_termination: d == 0,
        }),
        addresses: vec![Address {
            private: ip(address),
            primary: true,
            public: None,
        }],
        source_dest_check: true,
        groups: vec!["sg-1".into()],
        requester_managed: false,
    });
}

fn eni_mut<'a>(inv: &'a mut Inventory, id: &str) -> &'a mut Eni {
    inv.enis.iter_mut().find(|e| e.id == id).unwrap()
}

fn give_eip(inv: &mut Inventory, eni_id: &str, public: &str) {
    eni_mut(inv, eni_id).addresses[0].public = Some(Public {
        address: ip(public),
        elastic: true,
    });
    inv.elastic_ips.push(ElasticIp {
        allocation_id: format!("eipalloc-{eni_id}"),
        public_ip: ip(public),
        eni_id: Some(eni_id.into()),
    });
}

fn rules_of(inv: &Inventory) -> Vec<&'static str> {
    lint(inv, &Options::default())
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

fn only(inv: &Inventory, id: &str) -> Vec<Finding> {
    lint(inv, &Options::default())
        .into_iter()
        .filter(|f| f.rule == id)
        .collect()
}

#[test]
fn lv101_seed_004_two_enis_of_one_instance_in_one_subnet() {
    let mut inv = base();
    instance(&mut inv, "i-1", true);
    eni(&mut inv, "eni-a", "subnet-1", "10.0.1.4", Some(("i-1", 0)));
    eni(&mut inv, "eni-b", "subnet-1", "10.0.1.5", Some(("i-1", 1)));
    let found = only(&inv, "LV101");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].resources, ["i-1", "eni-a", "eni-b", "subnet-1"]);
    assert_eq!(found[0].severity, Severity::Warning);
    assert!(found[0].fix.contains("secondary private IPs to eni-a"));
    eni_mut(&mut inv, "eni-b").subnet_id = "subnet-2".into();
    assert!(only(&inv, "LV101").is_empty());
}

#[test]
fn lv102_lv103_seed_003_and_001_unconfigured_eni_and_secondary_ip() {
    let mut inv = base();
    instance(&mut inv, "i-1", false);
    eni(&mut inv, "eni-a", "subnet-1", "10.0.1.5", Some(("i-1", 0)));
    eni(&mut inv, "eni-b", "subnet-2", "10.0.2.5", Some(("i-1", 1)));
    eni_mut(&mut inv, "eni-a").addresses.push(Address {
        private: ip("10.0.1.6"),
        primary: false,
        public: None,
    });
    let eth1 = only(&inv, "LV102");
    assert_eq!(eth1.len(), 1);
    assert_eq!(eth1[0].resources, ["eni-b", "i-1"]);
    assert!(
        eth1[0].message.contains("eth1 stays down"),
        "{}",
        eth1[0].message
    );
    assert!(eth1[0].fix.contains("run `localvpc agent` in i-1"));
    let secondary = only(&inv, "LV103");
    assert_eq!(secondary.len(), 1);
    assert!(
        secondary[0]
            .fix
            .contains("ip addr add 10.0.1.6/32 dev eth0")
    );
    // Amazon Linux configures both itself.
    inv.instances[0].configures_enis = true;
    assert!(only(&inv, "LV102").is_empty() && only(&inv, "LV103").is_empty());
}

#[test]
fn lv104_seed_002_two_vpcs_without_guest_routing() {
    let mut inv = base();
    instance(&mut inv, "i-1", false);
    eni(&mut inv, "eni-a", "subnet-1", "10.0.1.5", Some(("i-1", 0)));
    eni(&mut inv, "eni-b", "subnet-9", "10.0.1.5", Some(("i-1", 1)));
    eni_mut(&mut inv, "eni-b").vpc_id = "vpc-2".into();
    assert_eq!(only(&inv, "LV104")[0].resources, ["i-1", "eni-b", "vpc-2"]);
    inv.instances[0].configures_enis = true;
    assert!(only(&inv, "LV104").is_empty());
}

#[test]
fn lv105_eip_without_a_route_to_the_gateway() {
    let mut inv = base();
    instance(&mut inv, "i-1", true);
    eni(&mut inv, "eni-a", "subnet-1", "10.0.1.5", Some(("i-1", 0)));
    give_eip(&mut inv, "eni-a", "203.0.113.7");
    assert!(only(&inv, "LV105").is_empty());
    inv.route_tables[0].routes.pop();
    let found = only(&inv, "LV105");
    assert_eq!(
        found[0].message,
        "Elastic IP 203.0.113.7 on eni-a but rtb-1 (subnet-1) has no route to igw-1"
    );
    assert_eq!(found[0].severity, Severity::Error);
    assert!(found[0].fix.contains("--gateway-id igw-1"));
    // A blackhole route to a detached gateway does not count either.
    inv.route_tables[0]
        .routes
        .push(route("0.0.0.0/0", "igw-1", true));
    inv.vpcs[0].internet_gateway = None;
    assert!(
        only(&inv, "LV105")[0]
            .message
            .contains("no internet gateway attached")
    );
}

#[test]
fn lv106_lv107_appliance_route_with_the_check_on_and_blackholes() {
    let mut inv = base();
    instance(&mut inv, "i-nat", true);
    eni(
        &mut inv,
        "eni-nat",
        "subnet-1",
        "10.0.1.10",
        Some(("i-nat", 0)),
    );
    inv.route_tables[0]
        .routes
        .push(route("10.9.0.0/16", "i-nat", false));
    let found = only(&inv, "LV106");
    assert_eq!(found[0].resources, ["eni-nat", "rtb-1"]);
    assert!(found[0].fix.contains("--no-source-dest-check"));
    eni_mut(&mut inv, "eni-nat").source_dest_check = false;
    assert!(only(&inv, "LV106").is_empty());
    inv.route_tables[0].routes[2].blackhole = true;
    assert_eq!(only(&inv, "LV107")[0].severity, Severity::Error);
    inv.instances[0].state = InstanceState::Stopped;
    let stopped = only(&inv, "LV107");
    assert_eq!(stopped[0].severity, Severity::Warning);
    assert!(stopped[0].message.contains("its instance is stopped"));
}

fn acl_entry(
    number: i32,
    egress: bool,
    proto: &str,
    cidr: &str,
    ports: Option<(i32, i32)>,
    allow: bool,
) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number: number,
        egress,
        protocol: proto.into(),
        action: if allow {
            RuleAction::Allow
        } else {
            RuleAction::Deny
        },
        cidr: cidr.parse().unwrap(),
        icmp_type_code: None,
        port_range: ports,
    }
}

#[test]
fn lv108_acl_admitting_a_service_but_not_its_ephemeral_replies() {
    let mut inv = base();
    let star = |egress| acl_entry(32767, egress, "-1", "0.0.0.0/0", None, false);
    let mut entries = vec![
        acl_entry(100, false, "6", "0.0.0.0/0", Some((80, 80)), true),
        acl_entry(100, true, "6", "0.0.0.0/0", Some((80, 80)), true),
        star(false),
        star(true),
    ];
    inv.acls.push(Acl {
        id: "acl-1".into(),
        subnets: vec!["subnet-1".into()],
        entries: entries.clone(),
    });
    let found = only(&inv, "LV108");
    // Both rule 100s admit port 80 one way and nothing of the replies' ports the other.
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].severity, Severity::Error);
    // Only 32768-65535 back: Linux's range passes, a warning.
    entries.push(acl_entry(
        110,
        true,
        "6",
        "0.0.0.0/0",
        Some((32768, 65535)),
        true,
    ));
    entries.push(acl_entry(
        110,
        false,
        "6",
        "0.0.0.0/0",
        Some((32768, 65535)),
        true,
    ));
    inv.acls[0].entries = entries.clone();
    let found = only(&inv, "LV108");
    assert!(found.iter().all(|f| f.severity == Severity::Warning));
    assert!(
        found[0].message.contains("31744 of the replies' ports"),
        "{}",
        found[0].message
    );
    // 1024-65535 both ways: fine.
    entries.push(acl_entry(
        120,
        true,
        "6",
        "0.0.0.0/0",
        Some((1024, 65535)),
        true,
    ));
    entries.push(acl_entry(
        120,
        false,
        "6",
        "0.0.0.0/0",
        Some((1024, 65535)),
        true,
    ));
    inv.acls[0].entries = entries;
    assert!(only(&inv, "LV108").is_empty());
}

#[test]
fn lv109_lv110_lv204_public_ip_and_failover_eni_of_a_multi_eni_instance() {
    let mut inv = base();
    instance(&mut inv, "i-1", true);
    eni(&mut inv, "eni-a", "subnet-1", "10.0.1.5", Some(("i-1", 0)));
    eni(&mut inv, "eni-b", "subnet-2", "10.0.2.5", Some(("i-1", 1)));
    eni_mut(&mut inv, "eni-a").addresses[0].public = Some(Public {
        address: ip("198.51.100.9"),
        elastic: false,
    });
    assert_eq!(only(&inv, "LV109")[0].resources, ["i-1", "eni-a"]);
    assert_eq!(only(&inv, "LV204")[0].resources, ["i-1", "eni-a", "eni-b"]);
    give_eip(&mut inv, "eni-b", "203.0.113.8");
    assert!(only(&inv, "LV110").is_empty());
    eni_mut(&mut inv, "eni-b")
        .attachment
        .as_mut()
        .unwrap()
        .delete_on_termination = true;
    assert_eq!(only(&inv, "LV110")[0].severity, Severity::Info);
}

#[test]
fn lv111_subnet_nearly_full_and_full() {
    let mut inv = base();
    inv.subnets[0].in_use = 226; // 90% of 251
    assert_eq!(only(&inv, "LV111")[0].severity, Severity::Warning);
    inv.subnets[0].in_use = 251;
    assert_eq!(only(&inv, "LV111")[0].severity, Severity::Error);
    inv.subnets[0].in_use = 225;
    assert!(only(&inv, "LV111").is_empty());
}

#[test]
fn lv201_lv202_admin_ports_open_to_the_world_on_a_public_eni() {
    let mut inv = base();
    instance(&mut inv, "i-1", true);
    eni(&mut inv, "eni-a", "subnet-1", "10.0.1.5", Some(("i-1", 0)));
    give_eip(&mut inv, "eni-a", "203.0.113.7");
    inv.groups[0].ingress.push(Permission {
        protocol: Protocol::Tcp,
        ports: Some((22, 22)),
        peer: RulePeer::Cidr(net("0.0.0.0/0")),
    });
    assert_eq!(only(&inv, "LV202")[0].resources, ["eni-a", "sg-1", "i-1"]);
    eni(
        &mut inv,
        "eni-mgmt",
        "subnet-2",
        "10.0.2.5",
        Some(("i-1", 1)),
    );
    assert!(only(&inv, "LV202").is_empty());
    let found = only(&inv, "LV201");
    assert_eq!(found[0].resources, ["eni-a", "sg-1", "i-1", "eni-mgmt"]);
    assert_eq!(rule("LV201").unwrap().security_severity, Some("7.5"));
    inv.groups[0].ingress[0].peer = RulePeer::Cidr(net("192.0.2.0/24"));
    assert!(only(&inv, "LV201").is_empty());
}

#[test]
fn lv203_lv304_groups_without_rules_and_unused() {
    let mut inv = base();
    instance(&mut inv, "i-1", true);
    eni(&mut inv, "eni-a", "subnet-1", "10.0.1.5", Some(("i-1", 0)));
    inv.groups.push(Group {
        id: "sg-2".into(),
        name: "empty".into(),
        ingress: vec![],
        egress: vec![],
    });
    assert_eq!(only(&inv, "LV304")[0].resources, ["sg-2"]);
    eni_mut(&mut inv, "eni-a").groups.push("sg-2".into());
    assert_eq!(only(&inv, "LV203")[0].severity, Severity::Warning);
    eni_mut(&mut inv, "eni-a").groups = vec!["sg-2".into()];
    assert_eq!(only(&inv, "LV203")[0].severity, Severity::Error);
    // sg-1 is now unused.
    assert_eq!(only(&inv, "LV304")[0].resources, ["sg-1"]);
}

#[test]
fn lv301_lv302_idle_elastic_ips() {
    let mut inv = base();
    instance(&mut inv, "i-1", true);
    eni(&mut inv, "eni-a", "subnet-1", "10.0.1.5", Some(("i-1", 0)));
    give_eip(&mut inv, "eni-a", "203.0.113.7");
    inv.elastic_ips.push(ElasticIp {
        allocation_id: "eipalloc-free".into(),
        public_ip: ip("203.0.113.9"),
        eni_id: None,
    });
    assert_eq!(only(&inv, "LV301")[0].resources, ["eipalloc-free"]);
    assert!(only(&inv, "LV302").is_empty());
    inv.instances[0].state = InstanceState::Stopped;
    assert_eq!(
        only(&inv, "LV302")[0].resources,
        ["eipalloc-eni-a", "eni-a", "i-1"]
    );
}

#[test]
fn findings_are_sorted_errors_first_and_every_rule_is_catalogued_once() {
    let mut inv = base();
    instance(&mut inv, "i-1", false);
    eni(&mut inv, "eni-a", "subnet-1", "10.0.1.5", Some(("i-1", 0)));
    eni(&mut inv, "eni-b", "subnet-1", "10.0.1.6", Some(("i-1", 1)));
    give_eip(&mut inv, "eni-a", "203.0.113.7");
    inv.route_tables[0].routes.pop();
    assert_eq!(rules_of(&inv), ["LV105", "LV101", "LV102", "LV204"]);
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
    assert!(RULES.iter().all(|r| r.seed.is_some() || r.doc.is_some()));
}

mod guest {
    //! LV401–LV404 over seed 003's instance as CentOS leaves it after `ifup eth1`.
    use super::*;
    use localvpc_dataplane::guest_view::{
        GuestLink, GuestRoute, GuestRule, GuestState, RouteType, RuleAction as Action, TABLE_MAIN,
    };

    fn route(table: u32, dst: &str, via: Option<&str>, dev: &str) -> GuestRoute {
        GuestRoute {
            table,
            kind: RouteType::Unicast,
            dst: net(dst),
            gateway: via.map(ip),
            dev: Some(dev.into()),
            src: None,
            metric: 0,
        }
    }

    fn rule(priority: u32, from: Option<&str>, table: u32) -> GuestRule {
        GuestRule {
            priority,
            from: from.map(net),
            to: None,
            iif: None,
            oif: None,
            action: Action::Lookup(table),
            unmodeled: false,
        }
    }

    fn seed_003(rp_filter: u8) -> Inventory {
        let mut inv = base();
        instance(&mut inv, "i-1", false);
        eni(&mut inv, "eni-0", "subnet-1", "10.0.1.5", Some(("i-1", 0)));
        eni(&mut inv, "eni-1", "subnet-2", "10.0.2.5", Some(("i-1", 1)));
        let link = |name: &str, a: &str| GuestLink {
            name: name.into(),
            up: true,
            addresses: vec![net(a)],
            rp_filter: 0,
        };
        let g = GuestState {
            links: vec![link("eth0", "10.0.1.5/24"), link("eth1", "10.0.2.5/24")],
            rules: vec![rule(32766, None, TABLE_MAIN)],
            routes: vec![
                route(TABLE_MAIN, "0.0.0.0/0", Some("10.0.1.1"), "eth0"),
                route(TABLE_MAIN, "10.0.1.0/24", None, "eth0"),
                route(TABLE_MAIN, "10.0.2.0/24", None, "eth1"),
            ],
            rp_filter_all: rp_filter,
            ip_forward: false,
        };
        inv.guests.insert("i-1".into(), g);
        inv
    }

    fn rules(inv: &Inventory) -> Vec<&'static str> {
        let mut ids: Vec<_> = lint(inv, &Options::default())
            .into_iter()
            .filter(|f| f.rule.starts_with("LV4"))
            .map(|f| f.rule)
            .collect();
        ids.dedup();
        ids
    }

    #[test]
    fn an_unrouted_second_eni_is_asymmetric_and_strict_rp_filter_drops_it() {
        assert_eq!(rules(&seed_003(2)), ["LV402"]);
        assert_eq!(rules(&seed_003(1)), ["LV402", "LV404"]);
        let f = lint(&seed_003(1), &Options::default());
        let asym = f.iter().find(|f| f.rule == "LV402").unwrap();
        assert_eq!(asym.resources, ["eni-1", "i-1"]);
        assert!(
            asym.fix
                .starts_with("ip rule add from 10.0.2.5 lookup 10001")
        );
    }

    #[test]
    fn policy_routing_fixes_both_and_the_missing_address_and_stolen_default_are_found() {
        let mut inv = seed_003(1);
        let g = inv.guests.get_mut("i-1").unwrap();
        g.rules.insert(0, rule(10001, Some("10.0.2.5/32"), 10001));
        g.routes
            .push(route(10001, "0.0.0.0/0", Some("10.0.2.1"), "eth1"));
        assert!(rules(&inv).is_empty());
        inv.guests.get_mut("i-1").unwrap().links[1]
            .addresses
            .clear();
        assert_eq!(rules(&inv), ["LV401"]);
        let mut inv = seed_003(0);
        inv.guests.get_mut("i-1").unwrap().routes[0] =
            route(TABLE_MAIN, "0.0.0.0/0", Some("10.0.2.1"), "eth1");
        assert_eq!(rules(&inv), ["LV403"]);
        assert!(
            rules(&Inventory {
                guests: Default::default(),
                ..seed_003(1)
            })
            .is_empty()
        );
    }
}
