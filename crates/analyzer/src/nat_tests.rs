//! Through a NAT gateway, over the fixture of `tests.rs`: subnet 2 (B) routes 0.0.0.0/0 to a
//! NAT gateway in subnet 1 (10.0.1.50, Elastic IP 203.0.113.50), whose table reaches the IGW.

use super::tests::{B, IGW, VPC, fixture};
use super::*;
use localvpc_dataplane::model::routing::PublicIpIn;
use localvpc_dataplane::model::{EniIn, NatIn, topology};
use localvpc_model::route_table::{Route, RouteTable, RouteTableAssociation, RouteTarget};

const NAT: &str = "nat-0aaaaaaaaaaaaaaaa";
const NAT_ENI: &str = "eni-0eeeeeeeeeeeeeeee";

fn network(eip: bool) -> Network {
    let mut s = fixture();
    let mut private = RouteTable::new(
        "rtb-0private".into(),
        VPC.into(),
        "123456789012".into(),
        &["10.0.0.0/16".parse().unwrap()],
    );
    private.routes.push(Route::created(
        "0.0.0.0/0".parse().unwrap(),
        RouteTarget::NatGateway(NAT.into()),
    ));
    private.associations.push(RouteTableAssociation {
        id: "rtbassoc-0b".into(),
        route_table_id: "rtb-0private".into(),
        main: false,
        subnet_id: Some("subnet-2".into()),
        gateway_id: None,
    });
    s.routing.route_tables.push(private);
    s.nat_gateways.push(NatIn {
        id: NAT.into(),
        eni: EniIn {
            id: NAT_ENI.into(),
            vpc_id: VPC.into(),
            subnet_id: "subnet-1".into(),
            mac: "0a:00:00:00:00:0e".into(),
            device_index: 0,
            network_card_index: 0,
            addresses: vec!["10.0.1.50".parse().unwrap()],
            ipv6_addresses: Vec::new(),
            prefixes: Vec::new(),
            source_dest_check: false,
            groups: Vec::new(),
        },
    });
    if eip {
        s.routing.public_ips.push(PublicIpIn {
            eni_id: NAT_ENI.into(),
            private: "10.0.1.50".parse().unwrap(),
            public: "203.0.113.50".parse().unwrap(),
        });
    }
    Network::new(&s, &topology(&s))
}

fn query(source: Endpoint, destination: Endpoint) -> Query {
    Query {
        source,
        destination,
        protocol: Protocol::Tcp,
        source_address: None,
        destination_address: None,
        source_ports: Ports::ALL,
        destination_ports: Ports { from: 80, to: 80 },
        filter_in: Vec::new(),
        filter_out: Vec::new(),
    }
}

fn notes(d: &Direction) -> Vec<(String, Step, String)> {
    d.hops
        .iter()
        .filter(|h| h.step == Step::Nat)
        .map(|h| {
            (
                h.component.id.clone(),
                h.step,
                h.note.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_private_instance_leaves_as_the_gateways_elastic_ip_and_the_reply_comes_back() {
    let net = network(true);
    let internet = Endpoint::Address("192.0.2.1".parse().unwrap());
    let a = analyze(&net, &query(Endpoint::Instance(B.into()), internet));
    assert!(a.found, "{:?}", a.explanations);
    assert_eq!(
        notes(&a.forward),
        vec![
            (
                NAT.into(),
                Step::Nat,
                "source 10.0.2.20 -> 10.0.1.50".into()
            ),
            (
                IGW.into(),
                Step::Nat,
                "source 10.0.1.50 -> 203.0.113.50".into()
            ),
        ]
    );
    let back = a.reverse.unwrap();
    assert_eq!(back.disposition, Disposition::Accepted);
    assert_eq!(
        notes(&back),
        vec![
            (
                IGW.into(),
                Step::Nat,
                "destination 203.0.113.50 -> 10.0.1.50".into()
            ),
            (
                NAT.into(),
                Step::Nat,
                "destination 10.0.1.50 -> 10.0.2.20".into()
            ),
        ]
    );
    let groups: Vec<&str> = a
        .forward
        .hops
        .iter()
        .chain(&back.hops)
        .filter(|h| h.component.kind == Kind::SecurityGroup)
        .map(|h| h.component.id.as_str())
        .collect();
    assert!(
        groups.iter().all(|g| !g.is_empty()),
        "the gateway's interface has no groups: {groups:?}"
    );
}

#[test]
fn nothing_gets_in_through_it_and_a_private_gateway_gets_nothing_out_of_the_igw() {
    let net = network(true);
    let inbound = query(
        Endpoint::InternetGateway(IGW.into()),
        Endpoint::Address("203.0.113.50".parse().unwrap()),
    );
    let a = analyze(&net, &inbound);
    assert!(!a.found);
    assert_eq!(a.explanations[0].code, "NO_PATH");
    let net = network(false);
    let internet = Endpoint::Address("192.0.2.1".parse().unwrap());
    let a = analyze(&net, &query(Endpoint::Instance(B.into()), internet));
    assert_eq!(
        a.explanations.iter().map(|e| e.code).collect::<Vec<_>>(),
        vec!["IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"]
    );
    assert_eq!(
        a.explanations[0].network_interface.as_ref().unwrap().id,
        NAT_ENI
    );
}
