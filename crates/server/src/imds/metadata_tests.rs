//! The tree builder on the seed-003 topology (two ENIs in two subnets) and imds.md §6's
//! example (a secondary address with an Elastic IP), with no IO.

use super::*;
use crate::imds::tree::Node;
use localvpc_model::Tag;
use localvpc_model::instance::{InstanceState, MetadataOptions};
use localvpc_model::ipv6::VpcIpv6Block;
use localvpc_model::network_interface::{Attachment, GroupRef, Ipv6Address, PublicAssociation};
use localvpc_model::vpc::VpcCidrBlock;

pub(in crate::imds) const MAC0: &str = "02:aa:00:00:00:01";
const MAC1: &str = "02:bb:00:00:00:02";

fn ip(address: &str, primary: bool, public: Option<&str>) -> PrivateIp {
    PrivateIp {
        address: address.parse().unwrap(),
        primary,
        association: public.map(|p| PublicAssociation {
            public_ip: p.parse().unwrap(),
            allocation_id: Some("eipalloc-1".into()),
            association_id: Some("eipassoc-1".into()),
            ip_owner_id: "111122223333".into(),
        }),
    }
}

fn eni(id: &str, mac: &str, subnet: &str, device: u32, ips: Vec<PrivateIp>) -> NetworkInterface {
    NetworkInterface {
        id: id.into(),
        owner_id: "111122223333".into(),
        subnet_id: subnet.into(),
        vpc_id: "vpc-1".into(),
        availability_zone: "ap-northeast-1a".into(),
        availability_zone_id: "apne1-az4".into(),
        description: String::new(),
        mac_address: mac.into(),
        interface_type: "interface".into(),
        source_dest_check: true,
        requester: None,
        private_ips: ips,
        ipv6_addresses: vec![],
        ipv4_prefixes: vec![],
        ipv6_prefixes: vec![],
        groups: vec![
            GroupRef {
                id: "sg-1".into(),
                name: "web".into(),
            },
            GroupRef {
                id: "sg-2".into(),
                name: "ssh".into(),
            },
        ],
        attachment: Some(Attachment {
            id: format!("eni-attach-{device}"),
            instance_id: "i-0123".into(),
            instance_owner_id: "111122223333".into(),
            device_index: device,
            network_card_index: 0,
            delete_on_termination: device == 0,
            attach_time: "t".into(),
        }),
        tags: vec![],
    }
}

/// imds.md §6: eth0 10.0.1.10 + 10.0.1.11 (EIP 203.0.113.5 on the secondary), eth1 10.0.2.20.
pub(in crate::imds) fn facts() -> Facts {
    let eth0 = eni(
        "eni-0",
        MAC0,
        "subnet-1",
        0,
        vec![
            ip("10.0.1.11", false, Some("203.0.113.5")),
            ip("10.0.1.10", true, None),
        ],
    );
    let eth1 = eni(
        "eni-1",
        MAC1,
        "subnet-2",
        1,
        vec![ip("10.0.2.20", true, None)],
    );
    Facts {
        instance: Instance {
            id: "i-0123".into(),
            reservation_id: "r-0123".into(),
            owner_id: "111122223333".into(),
            image_id: "ami-0abc".into(),
            instance_type: "t3.medium".into(),
            key_name: Some("my-key".into()),
            state: InstanceState::Running,
            state_transition_reason: String::new(),
            launch_time: "2024-05-01T12:00:00.123Z".into(),
            availability_zone: "ap-northeast-1a".into(),
            client_token: None,
            ami_launch_index: 2,
            metadata_options: MetadataOptions::default(),
            user_data: Some("IyEvYmluL3NoCmVjaG8gaGk=".into()),
            shutdown_behavior: "stop".into(),
            disable_api_termination: false,
            monitoring: false,
            cpu_credits: Some("unlimited".into()),
            public_ip: None,
            auto_public_ip: false,
            tags: vec![Tag {
                key: "Name".into(),
                value: "web-1".into(),
            }],
            interfaces: vec![eth0, eth1],
            volumes: Vec::new(),
        },
        region: Region::named("ap-northeast-1").unwrap(),
        vpcs: vec![Vpc {
            id: "vpc-1".into(),
            owner_id: "111122223333".into(),
            cidr_blocks: ["10.0.0.0/16", "10.1.0.0/16"]
                .iter()
                .map(|c| VpcCidrBlock {
                    association_id: format!("vpc-cidr-assoc-{c}"),
                    cidr: c.parse().unwrap(),
                })
                .collect(),
            ipv6_blocks: vec![],
            is_default: false,
            instance_tenancy: "default".into(),
            dhcp_options_id: "dopt-1".into(),
            enable_dns_support: true,
            enable_dns_hostnames: false,
            enable_network_address_usage_metrics: false,
            tags: vec![],
        }],
        subnet_cidrs: HashMap::from([
            ("subnet-1".into(), "10.0.1.0/24".parse().unwrap()),
            ("subnet-2".into(), "10.0.2.0/24".parse().unwrap()),
        ]),
        subnet_ipv6: HashMap::new(),
        public_key: Some("ssh-ed25519 AAAAC3Nz my-key".into()),
    }
}

/// The value at `path` (a directory gives its listing), or `None` for a 404.
fn get(f: &Facts, path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match build(f).find(&segments)? {
        Node::Text(t) => Some(t.clone()),
        Node::Bytes(b) => Some(String::from_utf8(b.clone()).unwrap()),
        Node::Dir(d) => Some(d.listing()),
    }
}

/// `key` of the interface with `mac`.
fn at(f: &Facts, mac: &str, key: &str) -> Option<String> {
    get(f, &format!("meta-data/network/interfaces/macs/{mac}/{key}"))
}

#[test]
fn top_level_listings() {
    let f = facts();
    assert_eq!(build(&f).listing(), "dynamic/\nmeta-data/\nuser-data");
    assert_eq!(
        get(&f, "meta-data/").unwrap(),
        "ami-id\nami-launch-index\nami-manifest-path\nhostname\ninstance-action\ninstance-id\n\
         instance-life-cycle\ninstance-type\nlocal-hostname\nlocal-ipv4\nmac\nnetwork/\nplacement/\n\
         profile\npublic-keys/\nreservation-id\nsecurity-groups\nservices/"
    );
    assert_eq!(get(&f, "user-data").unwrap(), "#!/bin/sh\necho hi");
    assert_eq!(get(&f, "meta-data/public-keys/").unwrap(), "0=my-key");
    assert_eq!(get(&f, "meta-data/public-keys/0/").unwrap(), "openssh-key");
    assert_eq!(
        get(&f, "meta-data/public-keys/0/openssh-key").unwrap(),
        "ssh-ed25519 AAAAC3Nz my-key"
    );
}

#[test]
fn instance_keys_describe_device_zero() {
    let f = facts();
    for (key, value) in [
        ("ami-id", "ami-0abc"),
        ("ami-launch-index", "2"),
        ("instance-id", "i-0123"),
        ("instance-type", "t3.medium"),
        ("reservation-id", "r-0123"),
        ("mac", MAC0),
        ("local-ipv4", "10.0.1.10"),
        ("hostname", "ip-10-0-1-10.ap-northeast-1.compute.internal"),
        (
            "local-hostname",
            "ip-10-0-1-10.ap-northeast-1.compute.internal",
        ),
        ("security-groups", "web\nssh"),
        (
            "placement/",
            "availability-zone\navailability-zone-id\nregion",
        ),
        ("placement/availability-zone", "ap-northeast-1a"),
        ("placement/availability-zone-id", "apne1-az4"),
        ("placement/region", "ap-northeast-1"),
        ("services/domain", "amazonaws.com"),
        ("services/partition", "aws"),
        ("network/", "interfaces/"),
        ("network/interfaces/", "macs/"),
    ] {
        assert_eq!(
            get(&f, &format!("meta-data/{key}")).as_deref(),
            Some(value),
            "{key}"
        );
    }
    // Only the secondary address has a public IPv4 (imds.md §6): device 0 has none.
    for absent in ["public-ipv4", "public-hostname", "tags/", "ipv6", "nothing"] {
        assert_eq!(get(&f, &format!("meta-data/{absent}")), None, "{absent}");
    }
}

#[test]
fn per_interface_tree() {
    let f = facts();
    assert_eq!(
        get(&f, "meta-data/network/interfaces/macs/").unwrap(),
        format!("{MAC0}/\n{MAC1}/")
    );
    let eth0 = |key: &str| at(&f, MAC0, key);
    assert_eq!(
        eth0("").unwrap(),
        "device-number\ninterface-id\nipv4-associations/\nlocal-hostname\nlocal-ipv4s\nmac\n\
         owner-id\npublic-ipv4s\nsecurity-group-ids\nsecurity-groups\nsubnet-id\n\
         subnet-ipv4-cidr-block\nvpc-id\nvpc-ipv4-cidr-block\nvpc-ipv4-cidr-blocks"
    );
    for (key, value) in [
        ("device-number", "0"),
        ("interface-id", "eni-0"),
        ("mac", MAC0),
        ("owner-id", "111122223333"),
        ("local-ipv4s", "10.0.1.10\n10.0.1.11"),
        ("public-ipv4s", "203.0.113.5"),
        ("ipv4-associations/", "203.0.113.5"),
        ("ipv4-associations/203.0.113.5", "10.0.1.11"),
        ("security-group-ids", "sg-1\nsg-2"),
        ("security-groups", "web\nssh"),
        ("subnet-id", "subnet-1"),
        ("subnet-ipv4-cidr-block", "10.0.1.0/24"),
        ("vpc-id", "vpc-1"),
        ("vpc-ipv4-cidr-block", "10.0.0.0/16"),
        ("vpc-ipv4-cidr-blocks", "10.0.0.0/16\n10.1.0.0/16"),
    ] {
        assert_eq!(eth0(key).as_deref(), Some(value), "{key}");
    }
    let eth1 = |key: &str| at(&f, MAC1, key);
    assert_eq!(eth1("device-number").unwrap(), "1");
    assert_eq!(eth1("local-ipv4s").unwrap(), "10.0.2.20");
    assert_eq!(eth1("subnet-ipv4-cidr-block").unwrap(), "10.0.2.0/24");
    assert_eq!(
        eth1("local-hostname").unwrap(),
        "ip-10-0-2-20.ap-northeast-1.compute.internal"
    );
    // A single-card type has no network-card keys; nothing public on eth1.
    for absent in [
        "network-card",
        "network-card-index",
        "public-ipv4s",
        "ipv4-associations/",
        "public-hostname",
        "ipv6s",
    ] {
        assert_eq!(eth1(absent), None, "{absent}");
    }
}

#[test]
fn public_names_need_dns_hostnames() {
    let mut f = facts();
    f.instance.interfaces[0].private_ips[1] = ip("10.0.1.10", true, Some("198.51.100.7"));
    assert_eq!(
        get(&f, "meta-data/public-ipv4").as_deref(),
        Some("198.51.100.7")
    );
    assert_eq!(get(&f, "meta-data/public-hostname"), None);
    f.vpcs[0].enable_dns_hostnames = true;
    let name = "ec2-198-51-100-7.ap-northeast-1.compute.amazonaws.com";
    assert_eq!(get(&f, "meta-data/public-hostname").as_deref(), Some(name));
    assert_eq!(at(&f, MAC0, "public-hostname").as_deref(), Some(name));
    assert_eq!(
        at(&f, MAC0, "public-ipv4s").as_deref(),
        Some("198.51.100.7\n203.0.113.5")
    );
    assert_eq!(
        at(&f, MAC0, "ipv4-associations/").as_deref(),
        Some("198.51.100.7\n203.0.113.5")
    );
}

#[test]
fn network_card_keys_on_multi_card_types() {
    let mut f = facts();
    f.instance.instance_type = "p4d.24xlarge".into();
    f.instance.interfaces[1]
        .attachment
        .as_mut()
        .unwrap()
        .network_card_index = 1;
    assert_eq!(at(&f, MAC1, "network-card").as_deref(), Some("1"));
    assert_eq!(at(&f, MAC1, "network-card-index").as_deref(), Some("1"));
}

#[test]
fn optional_parts() {
    let mut f = facts();
    f.instance.user_data = None;
    f.public_key = None;
    assert_eq!(build(&f).listing(), "dynamic/\nmeta-data/");
    assert_eq!(get(&f, "meta-data/public-keys/"), None);
    f.instance.user_data = Some(String::new());
    assert_eq!(get(&f, "user-data"), None);
    f.instance.metadata_options.instance_metadata_tags = "enabled".into();
    f.instance.tags.push(Tag {
        key: "a/b".into(),
        value: "unservable".into(),
    });
    assert_eq!(get(&f, "meta-data/tags/instance/").as_deref(), Some("Name"));
    assert_eq!(
        get(&f, "meta-data/tags/instance/Name").as_deref(),
        Some("web-1")
    );
    // An instance whose interfaces are gone has no network keys at all.
    f.instance.interfaces.clear();
    for absent in ["mac", "local-ipv4", "network/", "security-groups"] {
        assert_eq!(get(&f, &format!("meta-data/{absent}")), None, "{absent}");
    }
}

#[test]
fn ipv6_keys() {
    let mut f = facts();
    assert_eq!(get(&f, "meta-data/ipv6"), None);
    assert_eq!(at(&f, MAC0, "ipv6s"), None);
    assert_eq!(at(&f, MAC0, "vpc-ipv6-cidr-blocks"), None);
    let v6 = |a: &str, primary| Ipv6Address {
        address: a.parse().unwrap(),
        primary,
    };
    f.instance.interfaces[0].ipv6_addresses = vec![
        v6("2001:db8:0:101::a", false),
        v6("2001:db8:0:101::b", true),
    ];
    f.vpcs[0].ipv6_blocks = vec![VpcIpv6Block {
        association_id: "vpc-cidr-assoc-6".into(),
        cidr: "2001:db8:0:100::/56".parse().unwrap(),
        pool: "Amazon".into(),
    }];
    f.subnet_ipv6
        .insert("subnet-1".into(), "2001:db8:0:101::/64".parse().unwrap());
    assert_eq!(
        get(&f, "meta-data/ipv6").as_deref(),
        Some("2001:db8:0:101::b")
    );
    assert_eq!(
        at(&f, MAC0, "ipv6s").as_deref(),
        Some("2001:db8:0:101::b\n2001:db8:0:101::a")
    );
    assert_eq!(
        at(&f, MAC0, "subnet-ipv6-cidr-blocks").as_deref(),
        Some("2001:db8:0:101::/64")
    );
    assert_eq!(
        at(&f, MAC0, "vpc-ipv6-cidr-blocks").as_deref(),
        Some("2001:db8:0:100::/56")
    );
    assert_eq!(at(&f, MAC1, "ipv6s"), None);
    assert_eq!(at(&f, MAC1, "subnet-ipv6-cidr-blocks"), None);
}

#[test]
fn prefix_keys_only_when_delegated() {
    let mut f = facts();
    // net-utils and the VPC CNI read a 404 as "no prefixes".
    assert_eq!(at(&f, MAC0, "ipv4-prefix"), None);
    assert_eq!(at(&f, MAC0, "ipv6-prefix"), None);
    f.instance.interfaces[0].ipv4_prefixes = vec![
        "10.0.1.16/28".parse().unwrap(),
        "10.0.1.208/28".parse().unwrap(),
    ];
    f.instance.interfaces[0].ipv6_prefixes = vec!["2001:db8:0:101:1768::/80".parse().unwrap()];
    assert_eq!(
        at(&f, MAC0, "ipv4-prefix").as_deref(),
        Some("10.0.1.16/28\n10.0.1.208/28")
    );
    assert_eq!(
        at(&f, MAC0, "ipv6-prefix").as_deref(),
        Some("2001:db8:0:101:1768::/80")
    );
    assert_eq!(at(&f, MAC1, "ipv4-prefix"), None);
}

#[test]
fn identity_document() {
    let doc = get(&facts(), "dynamic/instance-identity/document").unwrap();
    assert!(
        doc.starts_with("{\n  \"accountId\" : \"111122223333\",\n"),
        "{doc}"
    );
    assert!(
        doc.ends_with("\n  \"version\" : \"2017-09-30\"\n}"),
        "{doc}"
    );
    let parsed: Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(parsed["privateIp"], "10.0.1.10");
    assert_eq!(parsed["pendingTime"], "2024-05-01T12:00:00Z");
    assert_eq!(parsed["region"], "ap-northeast-1");
    assert_eq!(parsed["availabilityZone"], "ap-northeast-1a");
    assert_eq!(parsed["instanceId"], "i-0123");
    assert_eq!(parsed["kernelId"], Value::Null);
    assert_eq!(
        get(&facts(), "dynamic/").as_deref(),
        Some("instance-identity/")
    );
}
