//! Property test: random sequences of API calls (subnets, interfaces, addresses, attachments,
//! instances) through the real dispatch path, one transaction per call as the HTTP edge runs
//! them, against an in-memory store. After every call the invariants hold, and no call, however
//! unlucky its arguments, answers anything but a client error.

use crate::context::Config;
use crate::http::execute;
use chrono::{DateTime, Duration, Utc};
use ipnet::Ipv4Net;
use localvpc_model::region::Region;
use localvpc_model::{Ec2Error, ErrorCode, cidr};
use localvpc_store::Store;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};
use std::net::Ipv4Addr;

const ACCOUNT: &str = "246813579024";
const AMI: &str = "ami-0123456789abcdef0";
/// Candidate subnet blocks inside the test VPC: small ones fill up, overlapping ones conflict.
const BLOCKS: &[&str] = &["10.9.0.0/28", "10.9.0.16/28", "10.9.1.0/24", "10.9.0.0/27"];

#[derive(Debug, Clone)]
enum Op {
    CreateSubnet(usize),
    DeleteSubnet(usize),
    CreateInterface {
        subnet: usize,
        secondaries: u8,
        explicit: Option<u8>,
    },
    DeleteInterface(usize),
    Assign {
        eni: usize,
        count: u8,
        explicit: Option<u8>,
    },
    Unassign {
        eni: usize,
        which: usize,
    },
    Attach {
        eni: usize,
        instance: usize,
        index: u8,
    },
    Detach(usize),
    Run {
        subnet: usize,
        count: u8,
    },
    Terminate(usize),
    Stop(usize),
    Start(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0usize..16;
    prop_oneof![
        i().prop_map(Op::CreateSubnet),
        i().prop_map(Op::DeleteSubnet),
        (i(), 0u8..4, proptest::option::of(0u8..=255)).prop_map(
            |(subnet, secondaries, explicit)| Op::CreateInterface {
                subnet,
                secondaries,
                explicit
            }
        ),
        i().prop_map(Op::DeleteInterface),
        (i(), 1u8..4, proptest::option::of(0u8..=255)).prop_map(|(eni, count, explicit)| {
            Op::Assign {
                eni,
                count,
                explicit,
            }
        }),
        (i(), i()).prop_map(|(eni, which)| Op::Unassign { eni, which }),
        (i(), i(), 0u8..4).prop_map(|(eni, instance, index)| Op::Attach {
            eni,
            instance,
            index
        }),
        i().prop_map(Op::Detach),
        (i(), 1u8..3).prop_map(|(subnet, count)| Op::Run { subnet, count }),
        i().prop_map(Op::Terminate),
        i().prop_map(Op::Stop),
        i().prop_map(Op::Start),
    ]
}

struct World {
    store: Store,
    config: Config,
    now: DateTime<Utc>,
    vpc: String,
}

impl World {
    fn new() -> Self {
        let mut world = Self {
            store: Store::in_memory().expect("in-memory store"),
            config: Config::default(),
            now: "2026-01-01T00:00:00Z".parse().expect("a time"),
            vpc: String::new(),
        };
        let vpc = world.ok("CreateVpc", json!({ "CidrBlock": "10.9.0.0/16" }));
        world.vpc = text(&vpc["Vpc"]["VpcId"]);
        world.apply(&Op::CreateSubnet(2));
        world
    }

    fn call(&mut self, action: &str, input: Value) -> Result<Value, Ec2Error> {
        let region = Region::named("ap-northeast-1")?;
        let result = execute(
            &self.store,
            &self.config,
            ACCOUNT,
            region,
            action,
            input,
            self.now,
        )
        .map(|executed| executed.output);
        if let Err(e) = &result {
            assert!(
                e.code != ErrorCode::InternalError && e.code.http_status() < 500,
                "{action} answered {e}"
            );
        }
        result
    }

    fn ok(&mut self, action: &str, input: Value) -> Value {
        self.call(action, input)
            .unwrap_or_else(|e| panic!("{action}: {e}"))
    }

    fn subnets(&mut self) -> Vec<Value> {
        let vpc = self.vpc.clone();
        let out = self.ok(
            "DescribeSubnets",
            json!({ "Filters": [{ "Name": "vpc-id", "Values": [vpc] }] }),
        );
        list(&out["Subnets"])
    }

    fn interfaces(&mut self) -> Vec<Value> {
        let vpc = self.vpc.clone();
        let out = self.ok(
            "DescribeNetworkInterfaces",
            json!({ "Filters": [{ "Name": "vpc-id", "Values": [vpc] }] }),
        );
        list(&out["NetworkInterfaces"])
    }

    fn instances(&mut self) -> Vec<Value> {
        let out = self.ok("DescribeInstances", json!({}));
        list(&out["Reservations"])
            .iter()
            .flat_map(|r| list(&r["Instances"]))
            .filter(|i| text(&i["VpcId"]) == self.vpc)
            .collect()
    }

    fn apply(&mut self, op: &Op) {
        let subnets = self.subnets();
        let enis = self.interfaces();
        let instances = self.instances();
        let pick = |items: &[Value], i: usize, field: &str| {
            (!items.is_empty()).then(|| text(&items[i % items.len()][field]))
        };
        let in_subnet = |subnet: &Value, last: u8| {
            let net: Ipv4Net = text(&subnet["CidrBlock"]).parse().expect("a CIDR");
            let host = u32::from(last) % cidr::size(net) as u32;
            Ipv4Addr::from(u32::from(net.network()) + host).to_string()
        };
        // Errors are expected (full subnets, busy slots, wrong states); `call` checks their kind.
        let _ = match op {
            Op::CreateSubnet(i) => {
                let vpc = self.vpc.clone();
                self.call(
                    "CreateSubnet",
                    json!({ "VpcId": vpc, "CidrBlock": BLOCKS[i % BLOCKS.len()], "AvailabilityZone": "ap-northeast-1a" }),
                )
            }
            Op::DeleteSubnet(i) => match pick(&subnets, *i, "SubnetId") {
                Some(id) => self.call("DeleteSubnet", json!({ "SubnetId": id })),
                None => return,
            },
            Op::CreateInterface { subnet, secondaries, explicit } => {
                let Some(s) = subnets.get(subnet % subnets.len().max(1)) else { return };
                let mut input = json!({ "SubnetId": text(&s["SubnetId"]) });
                if let Some(last) = explicit {
                    input["PrivateIpAddress"] = json!(in_subnet(s, *last));
                }
                if *secondaries > 0 {
                    input["SecondaryPrivateIpAddressCount"] = json!(secondaries);
                }
                self.call("CreateNetworkInterface", input)
            }
            Op::DeleteInterface(i) => match pick(&enis, *i, "NetworkInterfaceId") {
                Some(id) => self.call("DeleteNetworkInterface", json!({ "NetworkInterfaceId": id })),
                None => return,
            },
            Op::Assign { eni, count, explicit } => {
                let Some(e) = enis.get(eni % enis.len().max(1)) else { return };
                let id = text(&e["NetworkInterfaceId"]);
                let input = match explicit {
                    Some(last) => {
                        let subnet = subnets
                            .iter()
                            .find(|s| s["SubnetId"] == e["SubnetId"])
                            .expect("an interface's subnet exists");
                        json!({ "NetworkInterfaceId": id, "PrivateIpAddresses": [in_subnet(subnet, *last)] })
                    }
                    None => json!({ "NetworkInterfaceId": id, "SecondaryPrivateIpAddressCount": count }),
                };
                self.call("AssignPrivateIpAddresses", input)
            }
            Op::Unassign { eni, which } => {
                let Some(e) = enis.get(eni % enis.len().max(1)) else { return };
                let addresses = list(&e["PrivateIpAddresses"]);
                let address = text(&addresses[which % addresses.len()]["PrivateIpAddress"]);
                let id = text(&e["NetworkInterfaceId"]);
                self.call(
                    "UnassignPrivateIpAddresses",
                    json!({ "NetworkInterfaceId": id, "PrivateIpAddresses": [address] }),
                )
            }
            Op::Attach { eni, instance, index } => {
                match (pick(&enis, *eni, "NetworkInterfaceId"), pick(&instances, *instance, "InstanceId")) {
                    (Some(e), Some(i)) => self.call(
                        "AttachNetworkInterface",
                        json!({ "NetworkInterfaceId": e, "InstanceId": i, "DeviceIndex": index }),
                    ),
                    _ => return,
                }
            }
            Op::Detach(i) => {
                let attached: Vec<Value> = enis.iter().filter(|e| !e["Attachment"].is_null()).cloned().collect();
                let Some(e) = attached.get(i % attached.len().max(1)) else { return };
                let id = text(&e["Attachment"]["AttachmentId"]);
                self.call("DetachNetworkInterface", json!({ "AttachmentId": id }))
            }
            Op::Run { subnet, count } => match pick(&subnets, *subnet, "SubnetId") {
                Some(id) => self.call(
                    "RunInstances",
                    json!({ "ImageId": AMI, "MinCount": count, "MaxCount": count, "InstanceType": "m5.large", "SubnetId": id }),
                ),
                None => return,
            },
            Op::Terminate(i) | Op::Stop(i) | Op::Start(i) => {
                let action = match op {
                    Op::Terminate(_) => "TerminateInstances",
                    Op::Stop(_) => "StopInstances",
                    _ => "StartInstances",
                };
                match pick(&instances, *i, "InstanceId") {
                    Some(id) => self.call(action, json!({ "InstanceIds": [id] })),
                    None => return,
                }
            }
        };
    }

    /// Every invariant the issue names, read back through the API.
    fn check(&mut self) {
        let subnets = self.subnets();
        let enis = self.interfaces();
        let instances = self.instances();
        let subnet_ids: HashSet<String> = subnets.iter().map(|s| text(&s["SubnetId"])).collect();
        for subnet in &subnets {
            let net: Ipv4Net = text(&subnet["CidrBlock"]).parse().expect("a CIDR");
            let held: Vec<Ipv4Addr> = enis
                .iter()
                .filter(|e| e["SubnetId"] == subnet["SubnetId"])
                .flat_map(|e| list(&e["PrivateIpAddresses"]))
                .map(|p| text(&p["PrivateIpAddress"]).parse().expect("an address"))
                .collect();
            let unique: BTreeSet<&Ipv4Addr> = held.iter().collect();
            assert_eq!(unique.len(), held.len(), "duplicate address in {subnet}");
            assert!(
                held.iter()
                    .all(|a| net.contains(a) && !cidr::is_reserved(net, *a))
            );
            assert_eq!(
                subnet["AvailableIpAddressCount"].as_u64(),
                Some(cidr::usable_count(net) - held.len() as u64),
                "free count of {subnet}"
            );
        }
        let live: HashSet<String> = instances
            .iter()
            .filter(|i| i["State"]["Name"] != "terminated")
            .map(|i| text(&i["InstanceId"]))
            .collect();
        let mut slots = HashSet::new();
        for eni in &enis {
            assert!(
                subnet_ids.contains(&text(&eni["SubnetId"])),
                "{eni} outlived its subnet"
            );
            let primaries: Vec<String> = list(&eni["PrivateIpAddresses"])
                .iter()
                .filter(|p| p["Primary"] == true)
                .map(|p| text(&p["PrivateIpAddress"]))
                .collect();
            assert_eq!(primaries, vec![text(&eni["PrivateIpAddress"])], "{eni}");
            if let Some(a) = eni["Attachment"].as_object() {
                let instance = text(&a["InstanceId"]);
                assert!(
                    live.contains(&instance),
                    "{eni} attached to a gone instance"
                );
                let slot = (
                    instance,
                    a["NetworkCardIndex"].clone(),
                    a["DeviceIndex"].clone(),
                );
                assert!(
                    slots.insert(slot),
                    "two interfaces on one device index: {eni}"
                );
            }
        }
        for instance in instances
            .iter()
            .filter(|i| live.contains(&text(&i["InstanceId"])))
        {
            let devices: Vec<u64> = list(&instance["NetworkInterfaces"])
                .iter()
                .filter_map(|n| n["Attachment"]["DeviceIndex"].as_u64())
                .collect();
            assert!(
                devices.contains(&0),
                "{instance} lost its primary interface"
            );
        }
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn list(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_call_sequences_keep_every_invariant(
        steps in proptest::collection::vec((op(), 0i64..40), 1..50)
    ) {
        let mut world = World::new();
        for (op, seconds) in &steps {
            world.now += Duration::seconds(*seconds);
            world.apply(op);
            world.check();
        }
    }
}
