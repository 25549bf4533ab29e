//! What the harness asks of a server: the state it seeds (the same calls on both servers) and
//! the workloads W1–W4. Every call is an ordinary EC2 Query call; nothing is server-specific.

use crate::client::{Client, Query, ZONE, require};
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Amazon Linux 2023 x86_64 from localvpc's catalogue: its architecture matches m5.large's (localvpc
/// refuses a mismatch as EC2 does; moto does not check).
const IMAGE: &str = "ami-0f4a8aa657d4799b8";
/// Three interfaces per instance: room for W2's attachment at device 1 and W3's two.
const INSTANCE_TYPE: &str = "m5.large";

/// A VPC's subnets (all in [`ZONE`]) and a security group: where a workload's interfaces live.
#[derive(Clone)]
pub struct Network {
    pub subnets: Vec<String>,
    pub group: String,
}

/// Creates a VPC over `blocks` (the first its primary CIDR, the rest associated), one subnet per
/// CIDR of `subnets`, and a security group.
pub async fn network(
    client: &mut Client,
    blocks: &[&str],
    subnets: &[String],
) -> anyhow::Result<Network> {
    let vpc = client
        .call(Query::new("CreateVpc").p("CidrBlock", blocks[0]))
        .await?;
    let vpc = require(&vpc, "vpcId")?.to_owned();
    for block in &blocks[1..] {
        client
            .call(
                Query::new("AssociateVpcCidrBlock")
                    .p("VpcId", &vpc)
                    .p("CidrBlock", block),
            )
            .await?;
    }
    let mut ids = Vec::new();
    for cidr in subnets {
        let subnet = client
            .call(
                Query::new("CreateSubnet")
                    .p("VpcId", &vpc)
                    .p("CidrBlock", cidr)
                    .p("AvailabilityZone", ZONE),
            )
            .await?;
        ids.push(require(&subnet, "subnetId")?.to_owned());
    }
    let group = client
        .call(
            Query::new("CreateSecurityGroup")
                .p("GroupName", "bench")
                .p("GroupDescription", "benchmark")
                .p("VpcId", &vpc),
        )
        .await?;
    Ok(Network {
        subnets: ids,
        group: require(&group, "groupId")?.to_owned(),
    })
}

/// The first `per_block` /20 subnets of each /16 block (a /16 holds 16).
pub fn subnets_of(blocks: &[&str], per_block: usize) -> Vec<String> {
    blocks
        .iter()
        .flat_map(|b| {
            let prefix = b.rsplit_once(".0.0/").expect("an a.b.0.0/16 block").0;
            (0..per_block).map(move |i| format!("{prefix}.{}.0/20", i * 16))
        })
        .collect()
}

/// How the `i`th seeded interface is told apart, so that one filter value picks exactly it.
#[derive(Clone)]
pub enum Marking {
    /// Tagged `bench=<prefix>-<i>`; found with `tag:bench`.
    Tag(&'static str),
    /// Untagged, created with the address [`address_of`] gives; found with `private-ip-address`.
    /// localvpc reads every tag of the partition for each listing, so 100k tagged interfaces
    /// would make seeding quadratic (see bench/README.md); addresses keep W4 seedable.
    Address(Vec<String>),
}

impl Marking {
    /// CreateNetworkInterface for interface `i`, round-robin over the subnets of `net`.
    fn create(&self, net: &Network, i: usize) -> Query {
        let query = Query::new("CreateNetworkInterface")
            .p("SubnetId", &net.subnets[i % net.subnets.len()])
            .p("SecurityGroupId.1", &net.group);
        match self {
            Self::Tag(prefix) => query
                .p("TagSpecification.1.ResourceType", "network-interface")
                .p("TagSpecification.1.Tag.1.Key", "bench")
                .p("TagSpecification.1.Tag.1.Value", format!("{prefix}-{i}")),
            Self::Address(cidrs) => query.p("PrivateIpAddress", address_of(cidrs, i).to_string()),
        }
    }

    /// DescribeNetworkInterfaces filtered down to interface `i`.
    fn describe(&self, i: usize) -> Query {
        let query = Query::new("DescribeNetworkInterfaces");
        match self {
            Self::Tag(prefix) => query
                .p("Filter.1.Name", "tag:bench")
                .p("Filter.1.Value.1", format!("{prefix}-{i}")),
            Self::Address(cidrs) => query
                .p("Filter.1.Name", "private-ip-address")
                .p("Filter.1.Value.1", address_of(cidrs, i).to_string()),
        }
    }
}

/// The address of interface `i` when interfaces go round-robin over subnets `cidrs` (each an
/// `a.b.c.0/20`): the subnet's `i / len`th address after the four AWS reserves at its start.
pub fn address_of(cidrs: &[String], i: usize) -> Ipv4Addr {
    let cidr = &cidrs[i % cidrs.len()];
    let base: Ipv4Addr = cidr
        .split_once('/')
        .expect("a CIDR")
        .0
        .parse()
        .expect("an IPv4 CIDR");
    Ipv4Addr::from(u32::from(base) + 4 + (i / cidrs.len()) as u32)
}

/// How many interfaces [`address_of`] can place in `cidrs` (/20s: 4091 usable addresses each).
pub fn address_capacity(cidrs: &[String]) -> usize {
    cidrs.len() * 4091
}

/// Creates interfaces `range`, marked as `marking` says, with `concurrency` clients and
/// returns the IDs the server acknowledged. A failure is fatal unless `stop` was raised first:
/// then the server was killed on purpose and the calls in flight are simply not acknowledged.
pub async fn create_interfaces(
    addr: SocketAddr,
    account: &str,
    net: &Network,
    marking: &Marking,
    range: Range<usize>,
    concurrency: usize,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(range.start));
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, stop, net) = (Arc::clone(&next), Arc::clone(&stop), net.clone());
            let mut client = Client::new(addr, account);
            let marking = marking.clone();
            let end = range.end;
            tokio::spawn(async move {
                let mut acked = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end || stop.load(Ordering::SeqCst) {
                        return Ok(acked);
                    }
                    match client.call(marking.create(&net, i)).await {
                        Ok(xml) => acked.push(require(&xml, "networkInterfaceId")?.to_owned()),
                        Err(_) if stop.load(Ordering::SeqCst) => return Ok(acked),
                        Err(e) => return Err(e),
                    }
                }
            })
        })
        .collect();
    let mut acked = Vec::new();
    for t in tasks {
        acked.extend(t.await??);
    }
    Ok(acked)
}

/// RunInstances of one instance in the first subnet: with its primary interface only, or with
/// two new interfaces (devices 0 and 1) deleted when it terminates.
fn run_instance(net: &Network, two_interfaces: bool) -> Query {
    let query = Query::new("RunInstances")
        .p("ImageId", IMAGE)
        .p("InstanceType", INSTANCE_TYPE)
        .p("MinCount", "1")
        .p("MaxCount", "1");
    if !two_interfaces {
        return query
            .p("SubnetId", &net.subnets[0])
            .p("SecurityGroupId.1", &net.group);
    }
    (1..=2).fold(query, |q, n| {
        q.p(
            &format!("NetworkInterface.{n}.DeviceIndex"),
            (n - 1).to_string(),
        )
        .p(&format!("NetworkInterface.{n}.SubnetId"), &net.subnets[0])
        .p(
            &format!("NetworkInterface.{n}.SecurityGroupId.1"),
            &net.group,
        )
        .p(&format!("NetworkInterface.{n}.DeleteOnTermination"), "true")
    })
}

/// Launches one instance per virtual client, for W2 to attach interfaces to.
pub async fn launch_instances(
    client: &mut Client,
    net: &Network,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for _ in 0..count {
        let xml = client.call(run_instance(net, false)).await?;
        ids.push(require(&xml, "instanceId")?.to_owned());
    }
    Ok(ids)
}

/// A workload: what one virtual client does, over and over, while the driver measures.
#[derive(Clone)]
pub enum Workload {
    /// W1 and W4 (and the hello-world ceiling): DescribeNetworkInterfaces filtered down to one
    /// of `count` seeded interfaces; each call asks for another one.
    DescribeOne { marking: Marking, count: usize },
    /// W2: CreateNetworkInterface, AssignPrivateIpAddresses, AttachNetworkInterface to the
    /// client's own instance, DetachNetworkInterface, DeleteNetworkInterface.
    InterfaceLifeCycle {
        net: Network,
        instances: Vec<String>,
    },
    /// W3: RunInstances with two new interfaces, then TerminateInstances.
    LaunchTerminate { net: Network },
}

impl Workload {
    /// One unit of work of virtual client `worker`, its `n`th. Every call counts as a request.
    pub async fn step(&self, client: &mut Client, worker: usize, n: u64) -> anyhow::Result<()> {
        match self {
            Self::DescribeOne { marking, count } => {
                let i = (worker as u64 * 7919 + n * 31) % *count as u64;
                client.call(marking.describe(i as usize)).await?;
            }
            Self::InterfaceLifeCycle { net, instances } => {
                let xml = client.call(Marking::Tag("w2").create(net, worker)).await?;
                let eni = require(&xml, "networkInterfaceId")?.to_owned();
                client
                    .call(
                        Query::new("AssignPrivateIpAddresses")
                            .p("NetworkInterfaceId", &eni)
                            .p("SecondaryPrivateIpAddressCount", "1"),
                    )
                    .await?;
                let xml = client
                    .call(
                        Query::new("AttachNetworkInterface")
                            .p("NetworkInterfaceId", &eni)
                            .p("InstanceId", &instances[worker])
                            .p("DeviceIndex", "1"),
                    )
                    .await?;
                let attachment = require(&xml, "attachmentId")?.to_owned();
                client
                    .call(Query::new("DetachNetworkInterface").p("AttachmentId", &attachment))
                    .await?;
                client
                    .call(Query::new("DeleteNetworkInterface").p("NetworkInterfaceId", &eni))
                    .await?;
            }
            Self::LaunchTerminate { net } => {
                let xml = client.call(run_instance(net, true)).await?;
                let instance = require(&xml, "instanceId")?.to_owned();
                client
                    .call(Query::new("TerminateInstances").p("InstanceId.1", &instance))
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_are_consecutive_slash_20s_of_each_block() {
        let s = subnets_of(&["10.0.0.0/16", "10.1.0.0/16"], 16);
        assert_eq!(s.len(), 32);
        assert_eq!(s[0], "10.0.0.0/20");
        assert_eq!(s[15], "10.0.240.0/20");
        assert_eq!(s[16], "10.1.0.0/20");
        assert_eq!(address_of(&s, 0).to_string(), "10.0.0.4");
        assert_eq!(address_of(&s, 33).to_string(), "10.0.16.5");
        assert_eq!(address_of(&s, 32 * 4091 - 1).to_string(), "10.1.255.254");
        assert_eq!(address_capacity(&s), 32 * 4091);
    }
}
