use super::*;
use crate::model::tests::{ETH0, ETH1, I2, PEER, VPC, seed_003};
use crate::model::{port_name, topology};
use localvpc_model::instance::InstanceState;
use localvpc_model::route_table::{Route, RouteTableAssociation};

pub(crate) const IGW: &str = "igw-0aaaaaaaaaaaaaaaa";
pub(crate) const MAIN: &str = "rtb-0a000000000000001";
pub(crate) const PRIVATE: &str = "rtb-0b000000000000002";

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
        [(MAIN, 1000), (PRIVATE, 1001)]
    );
    assert_eq!(
        r.rules,
        [
            (port_name(ETH0), 1000),
            (port_name(ETH1), 1001),
            (port_name(PEER), 1000)
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
        default_route(&r, 1000),
        RouteKind::Via {
            gateway: UPLINK_INTERNET,
            dev: UPLINK.into()
        }
    );
    // The NAT instance's primary ENI, through its port, to its primary address.
    assert_eq!(
        default_route(&r, 1001),
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
        default_route(&r, 1000),
        RouteKind::Blackhole,
        "IGW detached"
    );
    assert_eq!(default_route(&r, 1001), RouteKind::Blackhole, "NAT stopped");
    assert_eq!(r.gateway, None, "no gateway, no uplink and no NAT");
    let mut s = with_gateway();
    s.instances.pop();
    let r = routing(&s);
    assert_eq!(default_route(&r, 1001), RouteKind::Blackhole, "NAT gone");
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
        default_route(&r, 1001),
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
