use super::*;
use crate::model::tests::{ETH0, ETH1, I2, PEER, VPC, seed_003};
use crate::model::{port_name, topology};
use localvpc_model::instance::InstanceState;
use localvpc_model::route_table::{Route, RouteTableAssociation};

pub(crate) const IGW: &str = "igw-0aaaaaaaaaaaaaaaa";
pub(crate) const MAIN: &str = "rtb-0a000000000000001";
pub(crate) const PRIVATE: &str = "rtb-0b000000000000002";

pub(crate) fn main_table() -> u32 {
    kernel_table_number(MAIN)
}

pub(crate) fn private_table() -> u32 {
    kernel_table_number(PRIVATE)
}

fn association(table: &str, main: bool, subnet: Option<&str>) -> RouteTableAssociation {
    RouteTableAssociation {
        id: format!("rtbassoc-{}", &table[4..]),
        route_table_id: table.into(),
        main,
        subnet_id: subnet.map(Into::into),
        gateway_id: None,
    }
}

fn table(id: &str, default: RouteTarget, association: RouteTableAssociation) -> RouteTable {
    let mut t = RouteTable::new(
        id.into(),
        VPC.into(),
        "000000000000".into(),
        &["10.0.0.0/16".parse().unwrap()],
    );
    t.routes
        .push(Route::created("0.0.0.0/0".parse().unwrap(), default));
    t.associations.push(association);
    t
}

/// Seed 003's VPC with an internet gateway: the main table sends 0.0.0.0/0 to it; subnet-2 has
/// its own table whose default route goes through instance 2 (a NAT instance); 10.0.1.10 has
/// an Elastic IP.
pub(crate) fn with_gateway() -> Snapshot {
    let mut s = seed_003();
    s.routing = RoutingIn {
        route_tables: vec![
            table(
                MAIN,
                RouteTarget::InternetGateway(IGW.into()),
                association(MAIN, true, None),
            ),
            table(
                PRIVATE,
                RouteTarget::Instance(I2.into()),
                association(PRIVATE, false, Some("subnet-2")),
            ),
        ],
        gateways: vec![GatewayIn {
            id: IGW.into(),
            vpc_id: VPC.into(),
        }],
        public_ips: vec![PublicIpIn {
            eni_id: ETH0.into(),
            private: "10.0.1.10".parse().unwrap(),
            public: "198.51.100.5".parse().unwrap(),
        }],
        peerings: Vec::new(),
        ..RoutingIn::default()
    };
    s
}

fn routing(s: &Snapshot) -> Routing {
    topology(s).routers[0].routing.clone()
}

fn default_route(r: &Routing, table: u32) -> RouteKind {
    let t = r.tables.iter().find(|t| t.number == table).unwrap();
    let default = t.routes.iter().find(|r| r.dst.prefix_len() == 0).unwrap();
    default.kind.clone()
}

#[test]
fn each_port_looks_up_its_subnets_table_or_the_main_one() {
    let r = routing(&with_gateway());
    assert_eq!(
        r.tables
            .iter()
            .map(|t| (t.route_table_id.as_str(), t.number))
            .collect::<Vec<_>>(),
        [(MAIN, main_table()), (PRIVATE, private_table())]
    );
    assert_eq!(
        r.rules,
        [
            (port_name(ETH0), main_table()),
            (port_name(ETH1), private_table()),
            (port_name(PEER), main_table())
        ]
    );
}

#[test]
fn local_throws_to_the_host_routes_and_targets_become_next_hops() {
    let r = routing(&with_gateway());
    let local = KernelRoute {
        dst: "10.0.0.0/16".parse().unwrap(),
        kind: RouteKind::Throw,
    };
    assert!(r.tables.iter().all(|t| t.routes.contains(&local)));
    assert_eq!(
        default_route(&r, main_table()),
        RouteKind::Via {
            gateway: UPLINK_INTERNET.into(),
            dev: UPLINK.into()
        }
    );
    // The NAT instance's primary ENI, through its port, to its primary address.
    assert_eq!(
        default_route(&r, private_table()),
        RouteKind::Via {
            gateway: "10.0.1.11".parse().unwrap(),
            dev: port_name(PEER)
        }
    );
    let gateway = r.gateway.unwrap();
    assert_eq!(gateway.internet_link, "lvpc-0aaaaaaaaa");
    assert_eq!(
        gateway.nat,
        [(
            "10.0.1.10".parse().unwrap(),
            "198.51.100.5".parse().unwrap()
        )]
    );
}

#[test]
fn a_gone_target_is_a_blackhole() {
    let mut s = with_gateway();
    s.routing.gateways.clear();
    s.instances[1].state = InstanceState::Stopped;
    let r = routing(&s);
    assert_eq!(
        default_route(&r, main_table()),
        RouteKind::Blackhole,
        "IGW detached"
    );
    assert_eq!(
        default_route(&r, private_table()),
        RouteKind::Blackhole,
        "NAT stopped"
    );
    assert_eq!(r.gateway, None, "no gateway, no uplink and no NAT");
    let mut s = with_gateway();
    s.instances.pop();
    let r = routing(&s);
    assert_eq!(
        default_route(&r, private_table()),
        RouteKind::Blackhole,
        "NAT gone"
    );
}

#[test]
fn an_eni_target_follows_the_eni_to_another_instance() {
    let mut s = with_gateway();
    s.routing.route_tables[1].routes[1].target = RouteTarget::NetworkInterface(ETH1.into());
    // Moved to instance 2 (same VPC): the route follows the ENI.
    let eth1 = s.instances[0].enis.pop().unwrap();
    s.instances[1].enis.push(eth1);
    let r = routing(&s);
    assert_eq!(
        default_route(&r, private_table()),
        RouteKind::Via {
            gateway: "10.0.2.20".parse().unwrap(),
            dev: port_name(ETH1)
        }
    );
}

#[test]
fn nat_holds_only_this_vpcs_addresses() {
    let mut s = with_gateway();
    s.routing.public_ips.push(PublicIpIn {
        eni_id: "eni-0ffffffffffffffff".into(),
        private: "10.0.1.10".parse().unwrap(),
        public: "198.51.100.6".parse().unwrap(),
    });
    assert_eq!(routing(&s).gateway.unwrap().nat.len(), 1);
}

#[test]
fn a_new_route_table_never_renumbers_the_others() {
    let before = routing(&with_gateway());
    let mut s = with_gateway();
    let mut extra = s.routing.route_tables[1].clone();
    extra.id = "rtb-00000000000000000".into(); // sorts before both
    extra.associations.clear();
    s.routing.route_tables.push(extra);
    let after = routing(&s);
    assert_eq!(after.tables.len(), 3);
    for table in &before.tables {
        let same = after
            .tables
            .iter()
            .find(|t| t.route_table_id == table.route_table_id);
        assert_eq!(same.map(|t| t.number), Some(table.number));
    }
    assert_eq!(after.rules, before.rules);
}

pub(crate) const NAT: &str = "nat-0f000000000000001";
pub(crate) const NAT_ENI: &str = "eni-0f000000000000009";

/// [`with_gateway`] with a public NAT gateway in subnet-1 (10.0.1.5, Elastic IP
/// 203.0.113.7) as subnet-2's default route instead of the NAT instance.
pub(crate) fn with_nat_gateway() -> Snapshot {
    let mut s = with_gateway();
    let mut eni = crate::model::tests::eni(NAT_ENI, "subnet-1", 0, &["10.0.1.5"]);
    eni.source_dest_check = false;
    eni.groups.clear();
    s.nat_gateways.push(crate::model::NatIn {
        id: NAT.into(),
        eni,
    });
    s.routing.public_ips.push(PublicIpIn {
        eni_id: NAT_ENI.into(),
        private: "10.0.1.5".parse().unwrap(),
        public: "203.0.113.7".parse().unwrap(),
    });
    s.routing.route_tables[1].routes[1].target = RouteTarget::NatGateway(NAT.into());
    s
}

#[test]
fn a_nat_gateway_route_goes_to_its_interface_which_routes_by_its_subnets_table() {
    let t = topology(&with_nat_gateway());
    let r = &t.routers[0].routing;
    assert_eq!(
        default_route(r, private_table()),
        RouteKind::Via {
            gateway: "10.0.1.5".parse().unwrap(),
            dev: port_name(NAT_ENI)
        }
    );
    assert!(r.rules.contains(&(port_name(NAT_ENI), main_table())));
    let nat = &r.gateway.as_ref().unwrap().nat;
    assert!(nat.contains(&("10.0.1.5".parse().unwrap(), "203.0.113.7".parse().unwrap())));
    let port = t.routers[0].port(&port_name(NAT_ENI)).unwrap();
    assert!(!port.security_groups && !port.source_dest_check && port.up);
    let guest = t.guests.iter().find(|g| g.instance_id == NAT).unwrap();
    assert_eq!(guest.ns, "lvpc-n-0f000000000000001");
    assert_eq!(guest.nat, Some(vec!["10.0.1.5".parse().unwrap()]));
    let lease = guest.nics[0].lease.unwrap();
    assert_eq!(guest.nics[0].name, "eth0");
    assert_eq!(
        (lease.address, lease.router),
        ("10.0.1.5/24".parse().unwrap(), "10.0.1.1".parse().unwrap())
    );
}

#[test]
fn a_nat_gateway_that_stopped_forwarding_is_a_blackhole() {
    let mut s = with_nat_gateway();
    s.nat_gateways.clear();
    let t = topology(&s);
    assert_eq!(
        default_route(&t.routers[0].routing, private_table()),
        RouteKind::Blackhole
    );
    assert!(t.guests.iter().all(|g| g.nat.is_none()));
}

pub(crate) const PCX: &str = "pcx-0e000000000000001";
pub(crate) const OTHER_VPC: &str = "vpc-0f000000000000009";

/// [`with_gateway`] with the private table's default route to a connection to another VPC
/// (10.9.0.0/16, no instances), active when `active`.
pub(crate) fn with_peering(active: bool) -> Snapshot {
    let mut s = with_gateway();
    s.routing.route_tables[1].routes[1].target = RouteTarget::VpcPeeringConnection(PCX.into());
    s.vpcs.push(OTHER_VPC.into());
    if active {
        s.routing.peerings.push(crate::model::peering::PeeringIn {
            id: PCX.into(),
            requester_vpc: OTHER_VPC.into(),
            accepter_vpc: VPC.into(),
            requester_cidrs: vec!["10.9.0.0/16".parse().unwrap()],
            accepter_cidrs: vec!["10.0.0.0/16".parse().unwrap()],
            inter_region: false,
        });
    }
    s
}

#[test]
fn a_peering_route_goes_over_the_link_while_the_connection_is_active() {
    // Not active: a blackhole, as DescribeRouteTables says.
    assert_eq!(
        default_route(&routing(&with_peering(false)), private_table()),
        RouteKind::Blackhole
    );
    let t = topology(&with_peering(true));
    let here = &t.router(&crate::model::router_ns(VPC)).unwrap().routing;
    let (requester_end, accepter_end) = crate::model::peering::ends(PCX);
    assert_eq!(
        default_route(here, private_table()),
        RouteKind::Via {
            gateway: requester_end.into(),
            dev: "lvpc-0e00000000".into()
        }
    );
    let link = &here.peerings[0];
    assert_eq!((link.local, link.creates), (accepter_end, false));
    let there = &t
        .router(&crate::model::router_ns(OTHER_VPC))
        .unwrap()
        .routing;
    assert_eq!(there.peerings[0].name, link.name);
    assert!(there.peerings[0].creates);
}

#[test]
fn ipv6_routes_go_to_the_gateways_links_untranslated_and_the_internet_routes_the_block_back() {
    let mut s = with_gateway();
    let block: ipnet::Ipv6Net = "2001:db8:0:100::/56".parse().unwrap();
    s.routing.vpc_ipv6_blocks.insert(VPC.into(), vec![block]);
    s.routing.egress_only.push(GatewayIn {
        id: "eigw-0a000000000000001".into(),
        vpc_id: VPC.into(),
    });
    let main = s
        .routing
        .route_tables
        .iter_mut()
        .find(|t| t.is_main())
        .unwrap();
    main.ipv6_routes = vec![
        Route::local(block),
        Route::created(
            "::/0".parse().unwrap(),
            RouteTarget::InternetGateway(IGW.into()),
        ),
        Route::created(
            "2001:db8:ff::/48".parse().unwrap(),
            RouteTarget::EgressOnlyInternetGateway("eigw-0a000000000000001".into()),
        ),
    ];
    let r = routing(&s);
    let table = r.tables.iter().find(|t| t.number == main_table()).unwrap();
    let kind = |dst: &str| {
        let dst: IpNet = dst.parse().unwrap();
        table
            .routes
            .iter()
            .find(|k| k.dst == dst)
            .unwrap()
            .kind
            .clone()
    };
    assert_eq!(kind("2001:db8:0:100::/56"), RouteKind::Throw);
    let via = |dev: &str| RouteKind::Via {
        gateway: UPLINK6_INTERNET.into(),
        dev: dev.into(),
    };
    assert_eq!(kind("::/0"), via(UPLINK));
    assert_eq!(kind("2001:db8:ff::/48"), via(EGRESS_ONLY_LINK));
    assert_eq!(r.ipv6_blocks, [block]);
    assert!(r.egress_only.is_some());
}
