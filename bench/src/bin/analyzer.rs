//! One path analysis over a VPC with 1,000 ENIs and 200 security-group rules (issue 16's
//! target: median ≤ 10 ms). Prints the median and p90 of the analysis alone and of the model
//! build plus the analysis (what StartNetworkInsightsAnalysis does after reading the database).
//! Run: `cargo run --release -p localvpc-bench --bin analyzer`.

use localvpc_analyzer::{Endpoint, Network, Ports, Protocol, Query, analyze};
use localvpc_dataplane::model::filter::{AclIn, GroupIn};
use localvpc_dataplane::model::routing::{GatewayIn, PublicIpIn, RoutingIn};
use localvpc_dataplane::model::{EniIn, InstanceIn, Snapshot, SubnetIn, topology};
use localvpc_model::instance::InstanceState;
use localvpc_model::network_acl::{NetworkAclEntry, RuleAction};
use localvpc_model::route_table::{Route, RouteTable, RouteTableAssociation, RouteTarget};
use localvpc_model::security_group::{Permission, Protocol as SgProtocol, RulePeer};
use std::net::Ipv4Addr;
use std::time::Instant;

const VPC: &str = "vpc-0aaaaaaaaaaaaaaaa";
const IGW: &str = "igw-0aaaaaaaaaaaaaaaa";
const ENIS: usize = 1000;
const GROUPS: usize = 10;
const RULES_PER_GROUP: usize = 20;

fn snapshot() -> Snapshot {
    let address = |i: usize| Ipv4Addr::new(10, 0, (i / 250) as u8 * 16, (i % 250) as u8 + 10);
    let group_id = |g: usize| format!("sg-{g:017x}");
    let mut snapshot = Snapshot {
        vpcs: vec![VPC.into()],
        subnets: (0..4)
            .map(|s| SubnetIn {
                id: format!("subnet-{s:017x}"),
                cidr: format!("10.0.{}.0/20", s * 16).parse().unwrap(),
                ipv6_cidr: None,
            })
            .collect(),
        ..Snapshot::default()
    };
    for i in 0..ENIS {
        let groups = vec![group_id(i % GROUPS), group_id((i + 1) % GROUPS)];
        snapshot.instances.push(InstanceIn {
            id: format!("i-{i:017x}"),
            state: InstanceState::Running,
            runs_agent: false,
            imds_ipv6: false,
            enis: vec![EniIn {
                id: format!("eni-{i:017x}"),
                vpc_id: VPC.into(),
                subnet_id: format!("subnet-{:017x}", i / 250),
                mac: "0a:00:00:00:00:01".into(),
                device_index: 0,
                network_card_index: 0,
                addresses: vec![address(i)],
                ipv6_addresses: Vec::new(),
                prefixes: Vec::new(),
                source_dest_check: true,
                groups,
            }],
        });
    }
    for g in 0..GROUPS {
        let ingress = (0..RULES_PER_GROUP)
            .map(|r| Permission {
                protocol: SgProtocol::Tcp,
                ports: Some((
                    1000 + (g * RULES_PER_GROUP + r) as i32,
                    1000 + (g * RULES_PER_GROUP + r) as i32,
                )),
                peer: if r % 2 == 0 {
                    RulePeer::Cidr(format!("10.0.{}.0/24", r).parse().unwrap())
                } else {
                    RulePeer::Group {
                        group_id: group_id((g + r) % GROUPS),
                        user_id: "123456789012".into(),
                    }
                },
            })
            .collect();
        snapshot.groups.push(GroupIn {
            id: group_id(g),
            ingress,
            egress: vec![Permission::all_traffic(RulePeer::Cidr(
                "0.0.0.0/0".parse().unwrap(),
            ))],
            members: (0..ENIS)
                .filter(|i| i % GROUPS == g || (i + 1) % GROUPS == g)
                .map(address)
                .collect(),
            members6: Vec::new(),
        });
    }
    let entry = |n, egress, allow| NetworkAclEntry {
        rule_number: n,
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
    };
    snapshot.acls.push(AclIn {
        id: "acl-0aaaaaaaaaaaaaaaa".into(),
        subnets: (0..4).map(|s| format!("subnet-{s:017x}")).collect(),
        entries: vec![
            entry(100, true, true),
            entry(32767, true, false),
            entry(100, false, true),
            entry(32767, false, false),
        ],
    });
    let mut table = RouteTable::new(
        "rtb-0aaaaaaaaaaaaaaaa".into(),
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
        route_table_id: table.id.clone(),
        main: true,
        subnet_id: None,
        gateway_id: None,
    });
    snapshot.routing = RoutingIn {
        route_tables: vec![table],
        gateways: vec![GatewayIn {
            id: IGW.into(),
            vpc_id: VPC.into(),
        }],
        public_ips: (0..100)
            .map(|i| PublicIpIn {
                eni_id: format!("eni-{i:017x}"),
                private: address(i),
                public: Ipv4Addr::new(203, 0, 113, i as u8),
            })
            .collect(),
        peerings: Vec::new(),
        ..RoutingIn::default()
    };
    snapshot
}

fn stats(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (samples[samples.len() / 2], samples[samples.len() * 9 / 10])
}

fn main() {
    let snapshot = snapshot();
    // From an ENI of the first subnet to one of the last: both ACLs, a group-referencing rule.
    let query = Query {
        source: Endpoint::Instance(format!("i-{:017x}", 3)),
        destination: Endpoint::NetworkInterface(format!("eni-{:017x}", 994)),
        protocol: Protocol::Tcp,
        source_address: None,
        destination_address: None,
        source_ports: Ports::ALL,
        destination_ports: Ports {
            from: 1000,
            to: 1199,
        },
        filter_in: Vec::new(),
        filter_out: Vec::new(),
    };
    let runs = 101;
    let net = Network::new(&snapshot, &topology(&snapshot));
    let found = analyze(&net, &query).found;
    let alone: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(analyze(&net, &query));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let whole: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let net = Network::new(&snapshot, &topology(&snapshot));
            std::hint::black_box(analyze(&net, &query));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let model: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(topology(&snapshot));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let (m50, m90) = stats(model);
    let (a50, a90) = stats(alone);
    let (w50, w90) = stats(whole);
    println!(
        "{ENIS} ENIs, {} security-group rules, path found: {found}",
        GROUPS * RULES_PER_GROUP
    );
    println!("analysis alone:            median {a50:.3} ms, p90 {a90:.3} ms");
    println!("data plane model alone:    median {m50:.3} ms, p90 {m90:.3} ms");
    println!("model + index + analysis:  median {w50:.3} ms, p90 {w90:.3} ms");
}
