//! The metadata tree of one instance, built from domain objects with no IO: what EC2 serves
//! under `/latest/` (`meta-data/`, `dynamic/`, `user-data`), per `shared/spec/imds.md`.
//!
//! Instance-level network keys describe device 0 of card 0. Every attached interface has a
//! `network/interfaces/macs/<mac>/` directory; `localvpc agent` (like amazon-ec2-net-utils)
//! relies on `mac`, `device-number`, `network-card` (absent = card 0), `interface-id`,
//! `local-ipv4s` (primary first), `subnet-ipv4-cidr-block` and `ipv4-associations/`.

use super::tree::Dir;
use crate::actions::network_interface::view::public_dns_name;
use base64::Engine;
use ipnet::Ipv4Net;
use localvpc_model::instance::Instance;
use localvpc_model::instance_type::InstanceType;
use localvpc_model::network_interface::{NetworkInterface, PrivateIp, private_dns_name};
use localvpc_model::region::Region;
use localvpc_model::vpc::Vpc;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Everything one instance's metadata is made of, read from the store in one transaction.
pub struct Facts {
    /// With its attached interfaces.
    pub instance: Instance,
    pub region: &'static Region,
    /// The VPC of every attached interface (a multi-VPC attachment brings a second one).
    pub vpcs: Vec<Vpc>,
    /// The IPv4 CIDR of every attached interface's subnet, by subnet ID.
    pub subnet_cidrs: HashMap<String, Ipv4Net>,
    /// The IPv6 /64 of every attached interface's subnet that has one.
    pub subnet_ipv6: HashMap<String, ipnet::Ipv6Net>,
    /// The instance's key pair as an OpenSSH line, while the key pair exists.
    pub public_key: Option<String>,
}

/// The tree under a version (`/latest/`): `dynamic/`, `meta-data/`, and `user-data` if any.
pub fn build(f: &Facts) -> Dir {
    let mut root = Dir::new();
    root.dir("meta-data", meta_data(f))
        .dir("dynamic", dynamic(f));
    if let Some(data) = user_data(&f.instance) {
        root.bytes("user-data", data);
    }
    root
}

/// User data is stored as RunInstances received it, in base64 (validated there).
fn user_data(i: &Instance) -> Option<Vec<u8>> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(i.user_data.as_deref()?)
        .ok()?;
    (!decoded.is_empty()).then_some(decoded)
}

fn meta_data(f: &Facts) -> Dir {
    let i = &f.instance;
    let mut d = Dir::new();
    d.text("ami-id", &i.image_id)
        .text("ami-launch-index", i.ami_launch_index.to_string())
        // What EC2 answers for EBS-backed AMIs, the only kind localvpc launches.
        .text("ami-manifest-path", "(unknown)")
        .text("instance-action", "none")
        .text("instance-id", &i.id)
        .text("instance-life-cycle", "on-demand")
        .text("instance-type", &i.instance_type)
        .text("profile", "default-hvm")
        .text("reservation-id", &i.reservation_id)
        .dir("network", network(f))
        .dir("placement", placement(f))
        .dir("public-keys", public_keys(f))
        .dir("services", services())
        .dir("tags", tags(i));
    if let Some(eni) = i.primary_interface() {
        let hostname = private_dns_name(eni.primary_ip(), f.region);
        d.text("hostname", &hostname)
            .text("local-hostname", hostname)
            .text("local-ipv4", eni.primary_ip().to_string())
            .text_opt("ipv6", primary_ipv6_first(eni).first())
            .text("mac", &eni.mac_address)
            .text_opt(
                "public-ipv4",
                eni.primary_association().map(|a| a.public_ip.to_string()),
            )
            .text_opt("public-hostname", public_hostname(f, eni))
            .lines("security-groups", eni.groups.iter().map(|g| &g.name));
    }
    d
}

fn placement(f: &Facts) -> Dir {
    let zone = &f.instance.availability_zone;
    let mut d = Dir::new();
    d.text("availability-zone", zone)
        .text_opt("availability-zone-id", f.region.zone(zone).map(|z| z.id))
        .text("region", f.region.name);
    d
}

fn services() -> Dir {
    let mut d = Dir::new();
    d.text("domain", "amazonaws.com").text("partition", "aws");
    d
}

/// `public-keys/` lists `0=<key name>`; `0/openssh-key` is the key itself.
fn public_keys(f: &Facts) -> Dir {
    let mut d = Dir::new();
    if let (Some(name), Some(key)) = (&f.instance.key_name, &f.public_key) {
        let mut zero = Dir::new();
        zero.text("openssh-key", key);
        d.dir_labelled("0", Some(format!("0={name}")), zero);
    }
    d
}

/// `tags/instance/<key>` when the instance allows tags in metadata. A key that cannot be one
/// path segment is left out.
fn tags(i: &Instance) -> Dir {
    let mut instance = Dir::new();
    if i.metadata_options.instance_metadata_tags == "enabled" {
        for tag in &i.tags {
            if !tag.key.contains('/') && !matches!(tag.key.as_str(), "" | "." | "..") {
                instance.text(&tag.key, &tag.value);
            }
        }
    }
    let mut d = Dir::new();
    d.dir("instance", instance);
    d
}

fn network(f: &Facts) -> Dir {
    let multi_card =
        InstanceType::named(&f.instance.instance_type).is_some_and(|t| t.network_cards > 1);
    let mut macs = Dir::new();
    for eni in &f.instance.interfaces {
        macs.dir(&eni.mac_address, interface(f, eni, multi_card));
    }
    let mut interfaces = Dir::new();
    interfaces.dir("macs", macs);
    let mut d = Dir::new();
    d.dir("interfaces", interfaces);
    d
}

/// `network/interfaces/macs/<mac>/`.
fn interface(f: &Facts, eni: &NetworkInterface, multi_card: bool) -> Dir {
    let ips = primary_first(&eni.private_ips);
    let associations: Vec<_> = ips
        .iter()
        .filter_map(|p| p.association.as_ref().map(|a| (a.public_ip, p.address)))
        .collect();
    let mut by_public = Dir::new();
    for (public, private) in &associations {
        by_public.text(&public.to_string(), private.to_string());
    }
    let vpc = f.vpcs.iter().find(|v| v.id == eni.vpc_id);
    let vpc_cidrs: Vec<Ipv4Net> = vpc
        .map(|v| v.cidr_blocks.iter().map(|b| b.cidr).collect())
        .unwrap_or_default();
    let mut d = Dir::new();
    if let Some(a) = &eni.attachment {
        d.text("device-number", a.device_index.to_string());
        // cloud-init and net-utils read `network-card`; EC2 documents `network-card-index`.
        // Both exist only where there is more than one card (imds.md §4).
        if multi_card {
            d.text("network-card", a.network_card_index.to_string())
                .text("network-card-index", a.network_card_index.to_string());
        }
    }
    d.text("interface-id", &eni.id)
        .text("mac", &eni.mac_address)
        .text("owner-id", &eni.owner_id)
        .text(
            "local-hostname",
            private_dns_name(eni.primary_ip(), f.region),
        )
        .lines("local-ipv4s", ips.iter().map(|p| p.address))
        .lines("ipv6s", primary_ipv6_first(eni))
        .lines("ipv4-prefix", &eni.ipv4_prefixes)
        .lines("ipv6-prefix", &eni.ipv6_prefixes)
        .lines(
            "public-ipv4s",
            associations.iter().map(|(public, _)| public),
        )
        .dir("ipv4-associations", by_public)
        .text_opt("public-hostname", public_hostname(f, eni))
        .lines("security-group-ids", eni.groups.iter().map(|g| &g.id))
        .lines("security-groups", eni.groups.iter().map(|g| &g.name))
        .text("subnet-id", &eni.subnet_id)
        .text_opt(
            "subnet-ipv4-cidr-block",
            f.subnet_cidrs.get(&eni.subnet_id).map(Ipv4Net::to_string),
        )
        .text("vpc-id", &eni.vpc_id)
        .text_opt(
            "vpc-ipv4-cidr-block",
            vpc_cidrs.first().map(Ipv4Net::to_string),
        )
        .lines("vpc-ipv4-cidr-blocks", vpc_cidrs)
        .text_opt(
            "subnet-ipv6-cidr-blocks",
            f.subnet_ipv6.get(&eni.subnet_id).map(|b| b.to_string()),
        )
        .lines(
            "vpc-ipv6-cidr-blocks",
            vpc.iter()
                .flat_map(|v| v.ipv6_blocks.iter().map(|b| b.cidr)),
        );
    d
}

/// The interface's IPv6 addresses, the primary one first.
fn primary_ipv6_first(eni: &NetworkInterface) -> Vec<String> {
    let mut addrs: Vec<_> = eni.ipv6_addresses.iter().collect();
    addrs.sort_by_key(|a| !a.primary);
    addrs.iter().map(|a| a.address.to_string()).collect()
}

/// The private addresses with the primary first: net-utils takes lines 2..n as secondaries.
fn primary_first(ips: &[PrivateIp]) -> Vec<&PrivateIp> {
    let mut ips: Vec<&PrivateIp> = ips.iter().collect();
    ips.sort_by_key(|p| !p.primary);
    ips
}

/// The public DNS name of an interface's primary address, where its VPC gives public names.
fn public_hostname(f: &Facts, eni: &NetworkInterface) -> Option<String> {
    let hostnames = f
        .vpcs
        .iter()
        .any(|v| v.id == eni.vpc_id && v.enable_dns_hostnames);
    eni.primary_association()
        .filter(|_| hostnames)
        .map(|a| public_dns_name(a, f.region))
}

/// `dynamic/instance-identity/document`: EC2's JSON (pretty-printed with `" : "`, fields in
/// EC2's order). Signatures are left out: nothing could verify them.
fn dynamic(f: &Facts) -> Dir {
    let i = &f.instance;
    let fields: [(&str, Value); 15] = [
        ("accountId", json!(i.owner_id)),
        // As DescribeInstances reports it.
        ("architecture", json!("x86_64")),
        ("availabilityZone", json!(i.availability_zone)),
        ("billingProducts", Value::Null),
        ("devpayProductCodes", Value::Null),
        ("marketplaceProductCodes", Value::Null),
        ("imageId", json!(i.image_id)),
        ("instanceId", json!(i.id)),
        ("instanceType", json!(i.instance_type)),
        ("kernelId", Value::Null),
        ("pendingTime", json!(whole_seconds(&i.launch_time))),
        (
            "privateIp",
            i.primary_interface()
                .map_or(Value::Null, |e| json!(e.primary_ip().to_string())),
        ),
        ("ramdiskId", Value::Null),
        ("region", json!(f.region.name)),
        ("version", json!("2017-09-30")),
    ];
    let lines: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("  \"{k}\" : {v}"))
        .collect();
    let mut identity = Dir::new();
    identity.text("document", format!("{{\n{}\n}}", lines.join(",\n")));
    let mut d = Dir::new();
    d.dir("instance-identity", identity);
    d
}

/// `2024-05-01T12:00:00.123Z` → `2024-05-01T12:00:00Z`, the identity document's format.
fn whole_seconds(timestamp: &str) -> String {
    match timestamp.split_once('.') {
        Some((seconds, _)) => format!("{seconds}Z"),
        None => timestamp.to_owned(),
    }
}

#[cfg(test)]
#[path = "metadata_tests.rs"]
pub(super) mod tests;
