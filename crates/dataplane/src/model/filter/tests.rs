use super::*;
use crate::model::tests::{SG, acl_entry, default_acl, default_group, seed_003};
use crate::model::topology;

fn permission(protocol: Protocol, ports: Option<(i32, i32)>, peer: RulePeer) -> Permission {
    Permission {
        protocol,
        ports,
        peer,
    }
}

fn cidr(text: &str) -> RulePeer {
    RulePeer::Cidr(text.parse().unwrap())
}

fn web_group() -> GroupIn {
    GroupIn {
        id: "sg-0f000000000000002".into(),
        ingress: vec![
            permission(Protocol::Tcp, Some((80, 80)), cidr("0.0.0.0/0")),
            permission(Protocol::Tcp, Some((-1, -1)), cidr("10.0.0.0/16")),
            permission(Protocol::Icmp, Some((8, -1)), cidr("10.0.0.0/16")),
            permission(Protocol::Icmpv6, Some((-1, -1)), cidr("10.0.0.0/16")),
            permission(
                Protocol::All,
                None,
                RulePeer::Ipv6Cidr("::/0".parse().unwrap()),
            ),
        ],
        egress: vec![permission(Protocol::All, None, cidr("0.0.0.0/0"))],
        members: vec!["10.0.1.10".parse().unwrap()],
        members6: Vec::new(),
    }
}

#[test]
fn an_enis_rules_are_the_union_of_its_groups_rules_of_both_families() {
    let groups = [default_group(&["10.0.1.10"]), web_group()];
    let rules = Rules::new(&groups, &[]);
    let both = [SG.to_owned(), "sg-0f000000000000002".into()];
    let port = rules.port("subnet-1", &both);
    let any_v4 = Peer::Cidr("0.0.0.0/0".parse().unwrap());
    let vpc = Peer::Cidr("10.0.0.0/16".parse().unwrap());
    assert_eq!(
        port.ingress,
        [
            SgRule {
                peer: Peer::Group(SG.into()),
                traffic: Traffic::All
            },
            SgRule {
                peer: any_v4.clone(),
                traffic: Traffic::Tcp(Ports { from: 80, to: 80 })
            },
            SgRule {
                peer: vpc.clone(),
                traffic: Traffic::Tcp(Ports::ALL)
            },
            SgRule {
                peer: vpc.clone(),
                traffic: Traffic::Icmp {
                    kind: Some(8),
                    code: None
                }
            },
            SgRule {
                peer: vpc,
                traffic: Traffic::Icmpv6 {
                    kind: None,
                    code: None
                }
            },
            SgRule {
                peer: Peer::Ipv6Cidr("::/0".parse().unwrap()),
                traffic: Traffic::All
            },
        ],
        "IPv6 ranges and ICMPv6 are rules of their own (the renderer gives them their family)"
    );
    assert_eq!(
        port.egress,
        [SgRule {
            peer: any_v4,
            traffic: Traffic::All
        }],
        "the same egress rule in both groups counts once"
    );
    assert_eq!(rules.port("subnet-1", &["sg-0gone".into()]).ingress, []);
}

#[test]
fn a_router_knows_the_members_of_referenced_groups() {
    let t = topology(&seed_003());
    let members = &t.routers[0].filter.groups[SG];
    assert_eq!(members.len(), 4);
    assert!(members.contains(&"10.0.2.21".parse().unwrap()));
}

#[test]
fn acl_rules_are_split_by_direction_in_rule_number_order() {
    let mut acl = default_acl(&["subnet-1"]);
    let mut ssh = acl_entry(90, false, false);
    ssh.protocol = "6".into();
    ssh.port_range = Some((22, 22));
    ssh.cidr = "192.0.2.0/24".parse().unwrap();
    let mut ping = acl_entry(80, true, true);
    ping.protocol = "1".into();
    ping.icmp_type_code = Some((0, -1));
    let mut v6 = acl_entry(70, false, true);
    v6.cidr = "::/0".parse().unwrap();
    acl.entries.extend([ssh, ping, v6]);
    let rules = Rules::new(&[], std::slice::from_ref(&acl));
    let port = rules.port("subnet-1", &[]);
    let filter = rules.router([&port]);
    let subnet = &filter.acls[0];
    assert_eq!(subnet.acl_id.as_deref(), Some("acl-0e000000000000001"));
    let numbers = |rules: &[AclRule]| rules.iter().map(|r| r.number).collect::<Vec<_>>();
    assert_eq!(numbers(&subnet.inbound), [90, 100, 32767]);
    assert_eq!(numbers(&subnet.outbound), [80, 100, 32767]);
    assert_eq!(
        subnet.inbound[0],
        AclRule {
            number: 90,
            allow: false,
            cidr: "192.0.2.0/24".parse().unwrap(),
            traffic: Traffic::Tcp(Ports { from: 22, to: 22 }),
        }
    );
    assert_eq!(
        subnet.outbound[0].traffic,
        Traffic::Icmp {
            kind: Some(0),
            code: None
        }
    );
    assert!(!subnet.inbound[2].allow, "the * rule denies");
}

#[test]
fn a_subnet_without_an_acl_lets_nothing_through() {
    let rules = Rules::new(&[], &[]);
    let port = rules.port("subnet-9", &[]);
    let acl = &rules.router([&port]).acls[0];
    assert_eq!((acl.acl_id.clone(), acl.inbound.len()), (None, 0));
}

#[test]
fn an_acl_entry_matches_its_protocol_and_never_widens() {
    let traffic = |protocol: &str| {
        let mut entry = acl_entry(100, false, true);
        entry.protocol = protocol.into();
        entry.port_range = Some((80, 80));
        Traffic::of_acl_entry(&entry)
    };
    assert_eq!(traffic("-1"), Some(Traffic::All));
    assert_eq!(
        traffic("6"),
        Some(Traffic::Tcp(Ports::from_ec2(Some((80, 80)))))
    );
    assert_eq!(traffic("47"), Some(Traffic::Protocol(47)));
    assert_eq!(traffic("tcp"), None, "not a number: matches nothing");
    assert_eq!(traffic("300"), None);
}
