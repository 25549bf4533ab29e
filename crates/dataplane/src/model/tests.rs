use super::*;
use localvpc_model::network_acl::{NetworkAclEntry, RuleAction};
use localvpc_model::security_group::{Permission, RulePeer};

pub(crate) const VPC: &str = "vpc-0aaaaaaaaaaaaaaaa";
pub(crate) const I1: &str = "i-01111111111111111";
pub(crate) const I2: &str = "i-02222222222222222";
pub(crate) const ETH0: &str = "eni-0a000000000000001";
pub(crate) const ETH1: &str = "eni-0b000000000000002";
pub(crate) const PEER: &str = "eni-0c000000000000003";
pub(crate) const SG: &str = "sg-0d000000000000001";

pub(crate) fn eni(id: &str, subnet: &str, device: u32, addresses: &[&str]) -> EniIn {
    EniIn {
        id: id.into(),
        vpc_id: VPC.into(),
        subnet_id: subnet.into(),
        mac: format!("0a:00:00:00:00:0{device}"),
        device_index: device,
        network_card_index: 0,
        addresses: addresses.iter().map(|a| a.parse().unwrap()).collect(),
        ipv6_addresses: Vec::new(),
        prefixes: Vec::new(),
        source_dest_check: true,
        groups: vec![SG.into()],
    }
}

/// A VPC's default security group: every ENI in it may reach every other; all egress.
pub(crate) fn default_group(members: &[&str]) -> GroupIn {
    GroupIn {
        id: SG.into(),
        ingress: vec![Permission::all_traffic(RulePeer::Group {
            group_id: SG.into(),
            user_id: "123456789012".into(),
        })],
        egress: vec![Permission::all_traffic(RulePeer::Cidr(
            "0.0.0.0/0".parse().unwrap(),
        ))],
        members: members.iter().map(|a| a.parse().unwrap()).collect(),
        members6: Vec::new(),
    }
}

pub(crate) fn acl_entry(number: i32, egress: bool, allow: bool) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number: number,
        egress,
        protocol: "-1".into(),
        action: if allow {
            RuleAction::Allow
        } else {
            RuleAction::Deny
        },
        cidr: "0.0.0.0/0".parse().unwrap(),
        icmp_type_code: None,
        port_range: None,
    }
}

/// A VPC's default ACL: rule 100 allows everything both ways, then the `*` rules.
pub(crate) fn default_acl(subnets: &[&str]) -> AclIn {
    AclIn {
        id: "acl-0e000000000000001".into(),
        subnets: subnets.iter().map(|s| s.to_string()).collect(),
        entries: vec![
            acl_entry(100, true, true),
            acl_entry(32767, true, false),
            acl_entry(100, false, true),
            acl_entry(32767, false, false),
        ],
    }
}

/// Seed 003: VPC 10.0.0.0/16, subnets 10.0.1.0/24 and 10.0.2.0/24; instance 1 with eth0 in
/// the first and eth1 (with a secondary address) in the second; instance 2, a peer, in the first.
pub(crate) fn seed_003() -> Snapshot {
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
            InstanceIn {
                id: I1.into(),
                state: InstanceState::Running,
                runs_agent: false,
                imds_ipv6: false,
                enis: vec![
                    eni(ETH0, "subnet-1", 0, &["10.0.1.10"]),
                    eni(ETH1, "subnet-2", 1, &["10.0.2.20", "10.0.2.21"]),
                ],
            },
            InstanceIn {
                id: I2.into(),
                state: InstanceState::Running,
                runs_agent: false,
                imds_ipv6: false,
                enis: vec![eni(PEER, "subnet-1", 0, &["10.0.1.11"])],
            },
        ],
        groups: vec![default_group(&[
            "10.0.1.10",
            "10.0.2.20",
            "10.0.2.21",
            "10.0.1.11",
        ])],
        acls: vec![default_acl(&["subnet-1", "subnet-2"])],
        dhcp_options: HashMap::from([(
            VPC.into(),
            amazon_provided(
                "10.0.0.0/16".parse().unwrap(),
                "ap-northeast-1.compute.internal",
            ),
        )]),
        prefix_lists: Default::default(),
        vpc_dns: HashMap::from([(
            VPC.into(),
            crate::dns::VpcDns {
                enabled: true,
                resolver: "10.0.0.2".parse().unwrap(),
                domain: "ap-northeast-1.compute.internal".into(),
            },
        )]),
        routing: Default::default(),
        nat_gateways: Vec::new(),
        endpoint_interfaces: Vec::new(),
    }
}

#[test]
fn every_port_leases_its_primary_address_with_the_vpc_options() {
    let t = topology(&seed_003());
    let eth1 = t.routers[0]
        .ports
        .iter()
        .find(|p| p.eni_id == ETH1)
        .unwrap();
    assert_eq!(eth1.instance_id, I1);
    assert_eq!(eth1.mac, "0a:00:00:00:00:01");
    let dhcp = eth1.dhcp.as_ref().expect("a lease");
    assert_eq!(dhcp.lease.address, "10.0.2.20/24".parse().unwrap());
    assert_eq!(dhcp.lease.router, "10.0.2.1".parse::<Ipv4Addr>().unwrap());
    assert_eq!(dhcp.options.name_servers, [Ipv4Addr::new(10, 0, 0, 2)]);
    assert_eq!(
        dhcp.options.domain_name.as_deref(),
        Some("ap-northeast-1.compute.internal")
    );
    assert_eq!(dhcp.host_name, "ip-10-0-2-20");
}

#[test]
fn names_carry_the_prefix_and_fit_linux_limits() {
    assert_eq!(router_ns(VPC), "lvpc-r-0aaaaaaaaaaaaaaaa");
    assert_eq!(guest_ns(I1), "lvpc-i-01111111111111111");
    assert_eq!(port_name(ETH1), "lvpc-0b00000000");
    assert_eq!(port_name(ETH1).len(), 15);
}

#[test]
fn seed_003_wires_every_eni_into_the_vpc_router() {
    let t = topology(&seed_003());
    assert_eq!(t.routers.len(), 1);
    let router = &t.routers[0];
    assert_eq!(router.ns, router_ns(VPC));
    let ports: Vec<_> = router
        .ports
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.gateway.to_string(),
                p.addresses.len(),
                p.up,
            )
        })
        .collect();
    assert_eq!(
        ports,
        [
            ("lvpc-0a00000000", "10.0.1.1".into(), 1, true),
            ("lvpc-0b00000000", "10.0.2.1".into(), 2, true),
            ("lvpc-0c00000000", "10.0.1.1".into(), 1, true),
        ]
    );
    let guest = &t.guests[0];
    assert_eq!(guest.ns, guest_ns(I1));
    let nics: Vec<_> = guest
        .nics
        .iter()
        .map(|n| (n.name.as_str(), n.lease))
        .collect();
    assert_eq!(
        nics,
        [
            (
                "eth0",
                Some(Lease {
                    address: "10.0.1.10/24".parse().unwrap(),
                    router: "10.0.1.1".parse().unwrap()
                })
            ),
            // Like seed 003's CentOS guest: nothing configures eth1 by itself.
            ("eth1", None),
        ]
    );
    assert_eq!(guest.nics[1].router_ns, router.ns);
    assert_eq!(guest.nics[1].port, "lvpc-0b00000000");
}

#[test]
fn stopped_instances_keep_their_links_down_and_terminated_ones_go() {
    let mut s = seed_003();
    s.instances[0].state = InstanceState::Stopped;
    s.instances[1].state = InstanceState::ShuttingDown;
    let t = topology(&s);
    assert_eq!(t.guests.len(), 1);
    assert!(!t.guests[0].up);
    assert!(t.routers[0].ports.iter().all(|p| !p.up));
    assert_eq!(t.routers[0].ports.len(), 2, "the peer's port is gone");
}

#[test]
fn a_multi_vpc_eni_goes_to_its_own_vpcs_router() {
    let mut s = seed_003();
    s.vpcs.push("vpc-0bbbbbbbbbbbbbbbb".into());
    s.subnets.push(SubnetIn {
        id: "subnet-3".into(),
        cidr: "10.0.1.0/24".parse().unwrap(),
        ipv6_cidr: None,
    });
    let mut other = eni("eni-0d000000000000004", "subnet-3", 2, &["10.0.1.10"]);
    other.vpc_id = "vpc-0bbbbbbbbbbbbbbbb".into();
    s.instances[0].enis.push(other);
    let t = topology(&s);
    assert_eq!(t.routers[1].ports.len(), 1);
    assert_eq!(
        t.routers[1].ports[0].addresses,
        ["10.0.1.10".parse::<Ipv4Addr>().unwrap()]
    );
    assert_eq!(t.guests[0].nics[2].router_ns, "lvpc-r-0bbbbbbbbbbbbbbbb");
}

#[test]
fn imds_knows_an_instance_by_any_address_of_its_enis_in_that_vpc() {
    let mut snapshot = seed_003();
    let t = topology(&snapshot);
    let router = t.router(&router_ns(VPC)).unwrap();
    let at = |ip: &str| router.instance_at(ip.parse().unwrap());
    assert_eq!(at("10.0.1.10"), Some(I1));
    assert_eq!(at("10.0.2.21"), Some(I1), "a secondary address of eth1");
    assert_eq!(at("10.0.1.11"), Some(I2));
    assert_eq!(at("10.0.1.99"), None);
    snapshot.instances[1].state = InstanceState::Stopped;
    let t = topology(&snapshot);
    assert_eq!(
        t.router(&router_ns(VPC))
            .unwrap()
            .instance_at("10.0.1.11".parse().unwrap()),
        None
    );
}

#[test]
fn an_interface_endpoint_is_a_filtered_guest_with_a_service_stand_in() {
    let mut s = seed_003();
    let mut endpoint_eni = eni("eni-0e0e0e0e0e0e0e0e0", "subnet-1", 0, &["10.0.1.50"]);
    endpoint_eni.groups = vec!["sg-default".into()];
    s.endpoint_interfaces.push(EndpointIn {
        endpoint_id: "vpce-0123456789abcdef0".into(),
        service_name: "com.amazonaws.us-east-1.sts".into(),
        private_dns_name: Some("sts.us-east-1.amazonaws.com".into()),
        eni: endpoint_eni,
    });
    let t = topology(&s);
    let ns = endpoint_ns("eni-0e0e0e0e0e0e0e0e0");
    assert_eq!(ns, "lvpc-e-0e0e0e0e0e0e0e0e0");
    assert_eq!(
        t.services,
        [StandIn {
            ns: ns.clone(),
            address: "10.0.1.50".parse().unwrap(),
            endpoint_id: "vpce-0123456789abcdef0".into(),
            service_name: "com.amazonaws.us-east-1.sts".into(),
        }]
    );
    let guest = t.guests.iter().find(|g| g.ns == ns).unwrap();
    assert_eq!(guest.nics[0].name, "eth0");
    assert!(guest.nics[0].lease.is_some() && guest.nat.is_none());
    let port = t.routers[0]
        .ports
        .iter()
        .find(|p| p.eni_id == "eni-0e0e0e0e0e0e0e0e0")
        .unwrap();
    assert!(
        port.security_groups,
        "the endpoint's groups filter its interface"
    );
}
