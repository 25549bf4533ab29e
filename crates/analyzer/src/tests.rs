//! One test per failure kind, over a small hand-built snapshot: two subnets of one VPC with an
//! internet gateway, instance A (web, with an EIP) and B (private), and an appliance C.

use super::*;
use localvpc_dataplane::model::filter::{AclIn, GroupIn};
use localvpc_dataplane::model::routing::{GatewayIn, PublicIpIn};
use localvpc_dataplane::model::{EniIn, InstanceIn, Snapshot, SubnetIn, topology};
use localvpc_model::instance::InstanceState;
use localvpc_model::network_acl::{NetworkAclEntry, RuleAction};
use localvpc_model::route_table::{Route, RouteTable, RouteTableAssociation, RouteTarget};
use localvpc_model::security_group::{Permission, Protocol as SgProtocol, RulePeer};

pub(crate) const VPC: &str = "vpc-0aaaaaaaaaaaaaaaa";
pub(crate) const IGW: &str = "igw-0aaaaaaaaaaaaaaaa";
pub(crate) const RTB: &str = "rtb-0aaaaaaaaaaaaaaaa";
pub(crate) const ACL: &str = "acl-0aaaaaaaaaaaaaaaa";
pub(crate) const SG_WEB: &str = "sg-0aaaaaaaaaaaaaaaa";
pub(crate) const SG_DB: &str = "sg-0bbbbbbbbbbbbbbbb";
pub(crate) const A: &str = "i-0aaaaaaaaaaaaaaaa";
pub(crate) const B: &str = "i-0bbbbbbbbbbbbbbbb";
pub(crate) const C: &str = "i-0cccccccccccccccc";
pub(crate) const ENI_A: &str = "eni-0aaaaaaaaaaaaaaaa";
pub(crate) const ENI_B: &str = "eni-0bbbbbbbbbbbbbbbb";
pub(crate) const ENI_C: &str = "eni-0cccccccccccccccc";

fn tcp(port: i32, peer: RulePeer) -> Permission {
    Permission {
        protocol: SgProtocol::Tcp,
        ports: Some((port, port)),
        peer,
    }
}

fn cidr(text: &str) -> RulePeer {
    RulePeer::Cidr(text.parse().unwrap())
}

pub(crate) fn entry(
    number: i32,
    egress: bool,
    allow: bool,
    ports: Option<(i32, i32)>,
) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number: number,
        egress,
        protocol: if ports.is_some() { "6" } else { "-1" }.into(),
        action: if allow {
            RuleAction::Allow
        } else {
            RuleAction::Deny
        },
        cidr: "0.0.0.0/0".parse().unwrap(),
        icmp_type_code: None,
        port_range: ports,
    }
}

fn eni(id: &str, subnet: &str, address: &str, groups: &[&str]) -> EniIn {
    EniIn {
        id: id.into(),
        vpc_id: VPC.into(),
        subnet_id: subnet.into(),
        mac: "0a:00:00:00:00:01".into(),
        device_index: 0,
        network_card_index: 0,
        addresses: vec![address.parse().unwrap()],
        ipv6_addresses: Vec::new(),
        prefixes: Vec::new(),
        source_dest_check: true,
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

/// Subnet 1 (10.0.1.0/24): A (10.0.1.10, EIP 203.0.113.10) and appliance C (10.0.1.30);
/// subnet 2 (10.0.2.0/24): B (10.0.2.20). One ACL allowing all, one table with
/// 0.0.0.0/0 → IGW. Web group: tcp 22 and 80 from anywhere; db group: tcp 5432 from web.
pub(crate) fn fixture() -> Snapshot {
    let instance = |id: &str, e: EniIn| InstanceIn {
        id: id.into(),
        state: InstanceState::Running,
        runs_agent: false,
        imds_ipv6: false,
        enis: vec![e],
    };
    let mut table = RouteTable::new(
        RTB.into(),
        VPC.into(),
        "123456789012".into(),
        &["10.0.0.0/16".parse().unwrap()],
    );
    table.routes.push(Route::created(
        "0.0.0.0/0".parse().unwrap(),
        RouteTarget::InternetGateway(IGW.into()),
    ));
    table.associations.push(RouteTableAssociation {
        id: "rtbassoc-0a".into(),
        route_table_id: RTB.into(),
        main: true,
        subnet_id: None,
        gateway_id: None,
    });
    let all_out = Permission::all_traffic(cidr("0.0.0.0/0"));
    Snapshot {
        vpcs: vec![VPC.into()],
        subnets: vec![
            SubnetIn {
                id: "subnet-1".into(),
                cidr: "10.0.1.0/24".parse().unwrap(),
                ipv6_cidr: None,
            },
            SubnetIn {
                id: "subnet-2".into(),
                cidr: "10.0.2.0/24".parse().unwrap(),
                ipv6_cidr: None,
            },
        ],
        instances: vec![
            instance(A, eni(ENI_A, "subnet-1", "10.0.1.10", &[SG_WEB])),
            instance(B, eni(ENI_B, "subnet-2", "10.0.2.20", &[SG_DB])),
            instance(C, eni(ENI_C, "subnet-1", "10.0.1.30", &[SG_WEB])),
        ],
        groups: vec![
            GroupIn {
                id: SG_WEB.into(),
                ingress: vec![tcp(22, cidr("0.0.0.0/0")), tcp(80, cidr("0.0.0.0/0"))],
                egress: vec![all_out.clone()],
                members: vec!["10.0.1.10".parse().unwrap(), "10.0.1.30".parse().unwrap()],
                members6: Vec::new(),
            },
            GroupIn {
                id: SG_DB.into(),
                ingress: vec![tcp(
                    5432,
                    RulePeer::Group {
                        group_id: SG_WEB.into(),
                        user_id: "123456789012".into(),
                    },
                )],
                egress: vec![all_out],
                members: vec!["10.0.2.20".parse().unwrap()],
                members6: Vec::new(),
            },
        ],
        acls: vec![AclIn {
            id: ACL.into(),
            subnets: vec!["subnet-1".into(), "subnet-2".into()],
            entries: vec![
                entry(100, true, true, None),
                entry(32767, true, false, None),
                entry(100, false, true, None),
                entry(32767, false, false, None),
            ],
        }],
        routing: localvpc_dataplane::model::routing::RoutingIn {
            route_tables: vec![table],
            gateways: vec![GatewayIn {
                id: IGW.into(),
                vpc_id: VPC.into(),
            }],
            public_ips: vec![PublicIpIn {
                eni_id: ENI_A.into(),
                private: "10.0.1.10".parse().unwrap(),
                public: "203.0.113.10".parse().unwrap(),
            }],
            peerings: Vec::new(),
            ..Default::default()
        },
        prefix_lists: Default::default(),
        vpc_dns: Default::default(),
        dhcp_options: Default::default(),
        nat_gateways: Vec::new(),
        endpoint_interfaces: Vec::new(),
    }
}

fn run(snapshot: &Snapshot, source: Endpoint, destination: Endpoint, port: u16) -> Analysis {
    let net = Network::new(snapshot, &topology(snapshot));
    analyze(
        &net,
        &Query {
            source,
            destination,
            protocol: Protocol::Tcp,
            source_address: None,
            destination_address: None,
            source_ports: Ports::ALL,
            destination_ports: Ports {
                from: port,
                to: port,
            },
            filter_in: Vec::new(),
            filter_out: Vec::new(),
        },
    )
}

fn codes(a: &Analysis) -> Vec<&'static str> {
    a.explanations.iter().map(|e| e.code).collect()
}

fn steps(d: &Direction) -> Vec<(Kind, Step, Verdict)> {
    d.hops
        .iter()
        .map(|h| (h.component.kind, h.step, h.verdict))
        .collect()
}

fn inst(id: &str) -> Endpoint {
    Endpoint::Instance(id.into())
}

#[test]
fn across_subnets_by_group_reference_with_both_acls_and_the_return() {
    let a = run(&fixture(), inst(A), inst(B), 5432);
    assert!(a.found, "{:?}", a.explanations);
    use Kind::*;
    assert_eq!(
        steps(&a.forward),
        vec![
            (Instance, Step::Originate, Verdict::Forwarded),
            (NetworkInterface, Step::SrcDstCheck, Verdict::Permitted),
            (SecurityGroup, Step::SgEgress, Verdict::Permitted),
            (NetworkAcl, Step::AclEgress, Verdict::Permitted),
            (RouteTable, Step::Route, Verdict::Forwarded),
            (NetworkAcl, Step::AclIngress, Verdict::Permitted),
            (SecurityGroup, Step::SgIngress, Verdict::Permitted),
            (NetworkInterface, Step::SrcDstCheck, Verdict::Permitted),
            (Instance, Step::Deliver, Verdict::Accepted),
        ]
    );
    let Some(Rule::SecurityGroup(rule)) = &a.forward.hops[6].rule else {
        panic!()
    };
    assert_eq!(
        (rule.group_id.as_str(), rule.peer_group.as_deref()),
        (SG_DB, Some(SG_WEB))
    );
    let back = a.reverse.unwrap();
    assert_eq!(back.disposition, Disposition::Accepted);
    assert!(back.hops.iter().any(|h| h.step == Step::Session));
}

#[test]
fn security_group_mismatch_names_the_port_and_the_group() {
    let a = run(&fixture(), inst(A), inst(B), 22);
    assert!(!a.found);
    assert_eq!(codes(&a), vec!["ENI_SG_RULES_MISMATCH"]);
    let e = &a.explanations[0];
    assert_eq!(e.direction, Some("ingress"));
    assert_eq!(
        e.security_groups,
        vec![Component::new(Kind::SecurityGroup, SG_DB)]
    );
    assert_eq!(e.packet_field, Some(Field::DestinationPort));
    assert_eq!(a.forward.disposition, Disposition::DeniedIn);
}

#[test]
fn group_with_no_rules() {
    let mut s = fixture();
    s.groups[1].ingress.clear();
    assert_eq!(
        codes(&run(&s, inst(A), inst(B), 5432)),
        vec!["SG_HAS_NO_RULES"]
    );
}

#[test]
fn acl_deny_names_the_rule_number_and_an_ephemeral_block_fails_the_return() {
    let mut s = fixture();
    s.acls[0]
        .entries
        .push(entry(90, false, false, Some((5432, 5432))));
    let a = run(&s, inst(A), inst(B), 5432);
    assert_eq!(codes(&a), vec!["SUBNET_ACL_RESTRICTION"]);
    assert_eq!(a.explanations[0].acl_rule.as_ref().unwrap().number, 90);
    assert_eq!(a.explanations[0].direction, Some("ingress"));

    // Replies to ephemeral ports denied on the way out of B's subnet (the ACL is shared, so
    // the deny of 1024-65535 outbound hits the forward path's egress too for high ports).
    let mut s = fixture();
    s.acls[0]
        .entries
        .push(entry(90, true, false, Some((1024, 65535))));
    let a = run(&s, inst(A), inst(B), 5432);
    assert!(!a.found);
    assert!(
        a.explanations
            .iter()
            .all(|e| e.code == "SUBNET_ACL_RESTRICTION")
    );
}

#[test]
fn acl_not_applied_within_a_subnet() {
    let mut s = fixture();
    s.acls[0].entries.push(entry(1, false, false, None));
    s.acls[0].entries.push(entry(1, true, false, None));
    let a = run(&s, inst(A), inst(C), 22);
    assert!(a.found, "{:?}", a.explanations);
    assert!(
        a.forward
            .hops
            .iter()
            .all(|h| h.component.kind != Kind::NetworkAcl)
    );
}

#[test]
fn internet_to_the_eip_and_back_through_the_gateway() {
    let a = run(
        &fixture(),
        Endpoint::InternetGateway(IGW.into()),
        inst(A),
        80,
    );
    assert!(a.found, "{:?}", a.explanations);
    let first = &a.forward.hops[0];
    assert_eq!(
        (first.component.kind, first.verdict),
        (Kind::InternetGateway, Verdict::Transformed)
    );
    assert_eq!(a.packet.unwrap().destination.to_string(), "203.0.113.10");
    let back = a.reverse.unwrap();
    assert_eq!(back.disposition, Disposition::ExitsNetwork);
    assert_eq!(
        back.hops.last().unwrap().component.kind,
        Kind::InternetGateway
    );
}

#[test]
fn no_public_address_behind_the_gateway() {
    let a = run(
        &fixture(),
        inst(C),
        Endpoint::InternetGateway(IGW.into()),
        443,
    );
    assert_eq!(codes(&a), vec!["IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"]);
    let a = run(
        &fixture(),
        Endpoint::InternetGateway(IGW.into()),
        inst(C),
        22,
    );
    assert_eq!(codes(&a), vec!["IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"]);
}

#[test]
fn missing_route_and_blackhole_route() {
    let mut s = fixture();
    s.routing.route_tables[0].routes.pop();
    let a = run(&s, inst(A), Endpoint::InternetGateway(IGW.into()), 443);
    assert_eq!(codes(&a), vec!["NO_ROUTE_TO_DESTINATION"]);
    assert_eq!(a.forward.disposition, Disposition::NoRoute);

    let mut s = fixture();
    s.routing.gateways.clear();
    let a = run(
        &s,
        inst(A),
        Endpoint::Address("192.0.2.1".parse().unwrap()),
        443,
    );
    assert_eq!(codes(&a), vec!["BAD_STATE_ROUTE"]);
    assert_eq!(a.forward.disposition, Disposition::NullRouted);
}

#[test]
fn appliance_route_stops_at_a_checked_eni_and_passes_when_the_check_is_off() {
    let mut s = fixture();
    let mut table = RouteTable::new(
        "rtb-0bbbbbbbbbbbbbbbb".into(),
        VPC.into(),
        "123456789012".into(),
        &["10.0.0.0/16".parse().unwrap()],
    );
    table.routes.push(Route::created(
        "192.0.2.0/24".parse().unwrap(),
        RouteTarget::NetworkInterface(ENI_C.into()),
    ));
    table.associations.push(RouteTableAssociation {
        id: "rtbassoc-0b".into(),
        route_table_id: table.id.clone(),
        main: false,
        subnet_id: Some("subnet-2".into()),
        gateway_id: None,
    });
    s.routing.route_tables.push(table);
    let dest = Endpoint::Address("192.0.2.7".parse().unwrap());
    let a = run(&s, inst(B), dest.clone(), 443);
    assert_eq!(
        codes(&a),
        vec![
            "ENI_SG_RULES_MISMATCH",
            "ENI_SOURCE_DEST_CHECK_RESTRICTION",
            "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"
        ]
    );
    s.instances[2].enis[0].source_dest_check = false;
    s.groups[0]
        .ingress
        .push(Permission::all_traffic(cidr("10.0.0.0/16")));
    let a = run(&s, inst(B), dest, 443);
    // Through C to the gateway, whose NAT has no public address for B.
    assert_eq!(codes(&a), vec!["IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"]);
}

#[test]
fn stopped_and_unknown_endpoints() {
    let mut s = fixture();
    s.instances[1].state = InstanceState::Stopped;
    let a = run(&s, inst(A), inst(B), 5432);
    assert_eq!(codes(&a), vec!["BAD_STATE"]);
    let a = run(&fixture(), inst("i-0ffffffffffffffff"), inst(B), 5432);
    assert_eq!(codes(&a), vec!["NO_SOURCE_OR_DESTINATION"]);
}

#[test]
fn every_blocker_is_named_and_fixing_them_lets_it_through() {
    let mut s = fixture();
    s.acls[0]
        .entries
        .push(entry(50, true, false, Some((5432, 5432))));
    s.groups[1].ingress.clear();
    s.groups[1].ingress.push(tcp(1, cidr("0.0.0.0/0")));
    let a = run(&s, inst(A), inst(B), 5432);
    assert_eq!(
        codes(&a),
        vec!["SUBNET_ACL_RESTRICTION", "ENI_SG_RULES_MISMATCH"]
    );
    s.acls[0].entries.retain(|e| e.rule_number != 50);
    s.groups[1].ingress.push(tcp(5432, cidr("10.0.1.10/32")));
    assert!(run(&s, inst(A), inst(B), 5432).found);
}
