use super::*;
use crate::network_interface::tests::eni;
use proptest::prelude::*;

const SUBNET_A: &str = "subnet-0000000a";
const SUBNET_B: &str = "subnet-0000000b";
const ENI: &str = "eni-00000001";
const SG: &str = "sg-00000001";
const SG_OTHER: &str = "sg-00000002";

fn subnet(id: &str, vpc: &str, cidr: &str, zone: &str) -> Subnet {
    Subnet {
        id: id.into(),
        vpc_id: vpc.into(),
        owner_id: "000000000000".into(),
        cidr: cidr.parse().unwrap(),
        availability_zone: zone.into(),
        availability_zone_id: format!("{zone}-id"),
        default_for_az: false,
        map_public_ip_on_launch: false,
        assign_ipv6_address_on_creation: false,
        ipv6_block: None,
        ipv6_native: false,
        enable_dns64: false,
        private_dns_hostname_type: "ip-name".into(),
        enable_resource_name_dns_a_record: false,
        enable_resource_name_dns_aaaa_record: false,
        addresses_in_use: 0,
        region: "us-east-1".into(),
        tags: vec![],
    }
}

fn group(id: &str, vpc: &str, name: &str) -> SecurityGroup {
    SecurityGroup {
        id: id.into(),
        vpc_id: vpc.into(),
        owner_id: "000000000000".into(),
        name: name.into(),
        description: String::new(),
        rules: vec![],
        tags: vec![],
    }
}

fn itype(name: &str) -> &'static InstanceType {
    InstanceType::named(name).unwrap()
}

/// Two subnets of vpc-1 in two zones, an interface, a group in vpc-1 and one elsewhere.
fn facts() -> LaunchFacts<'static> {
    let mut free = eni(ENI, "us-east-1a", None);
    free.subnet_id = SUBNET_A.into();
    LaunchFacts {
        instance_type: itype("t3.micro"),
        subnets: vec![
            subnet(SUBNET_A, "vpc-1", "10.0.1.0/24", "us-east-1a"),
            subnet(SUBNET_B, "vpc-1", "10.0.2.0/24", "us-east-1b"),
        ],
        interfaces: vec![free],
        default_vpc_id: None,
        default_subnets: vec![],
        security_groups: vec![group(SG, "vpc-1", "web"), group(SG_OTHER, "vpc-2", "web")],
        held: BTreeSet::new(),
    }
}

fn in_subnet(id: &str) -> Launch {
    Launch {
        max_count: 1,
        subnet_id: Some(id.into()),
        ..Default::default()
    }
}

fn with_interfaces(specs: Vec<InterfaceSpec>) -> Launch {
    Launch {
        max_count: 1,
        interfaces: specs,
        ..Default::default()
    }
}

fn device(index: i64, subnet: &str) -> InterfaceSpec {
    InterfaceSpec {
        device_index: Some(index),
        subnet_id: Some(subnet.into()),
        ..Default::default()
    }
}

fn by_id(index: i64, eni: &str) -> InterfaceSpec {
    InterfaceSpec {
        device_index: Some(index),
        network_interface_id: Some(eni.into()),
        ..Default::default()
    }
}

fn refused(facts: &LaunchFacts, launch: &Launch) -> (ErrorCode, String) {
    let e = plan(facts, launch).unwrap_err();
    (e.code, e.message)
}

fn code(facts: &LaunchFacts, launch: &Launch) -> ErrorCode {
    refused(facts, launch).0
}

#[test]
fn instance_level_parameters_exclude_interface_specifications() {
    let f = facts();
    let base = with_interfaces(vec![device(0, SUBNET_A)]);
    type Set = Box<dyn Fn(&mut Launch)>;
    let cases: [(&str, Set); 5] = [
        (
            "subnet ID",
            Box::new(|l| l.subnet_id = Some(SUBNET_A.into())),
        ),
        (
            "security groups",
            Box::new(|l| l.security_group_ids = vec![SG.into()]),
        ),
        (
            "security groups",
            Box::new(|l| l.security_groups = vec!["web".into()]),
        ),
        (
            "private IP address",
            Box::new(|l| l.private_ip_address = Some("10.0.1.9".into())),
        ),
        ("IPv6 address", Box::new(|l| l.ipv6.count = Some(1))),
    ];
    for (what, set) in cases {
        let mut launch = base.clone();
        set(&mut launch);
        let (c, m) = refused(&f, &launch);
        assert_eq!(c, ErrorCode::InvalidParameterCombination);
        assert!(m.contains(&format!("instance-level {what}")), "{m}");
    }
}

#[test]
fn public_ip_flag_needs_a_single_interface() {
    let mut first = device(0, SUBNET_A);
    first.associate_public_ip_address = Some(true);
    let launch = with_interfaces(vec![first, device(1, SUBNET_A)]);
    let (c, m) = refused(&facts(), &launch);
    assert_eq!(c, ErrorCode::InvalidParameterCombination);
    assert!(m.contains("multiple network interfaces"), "{m}");
}

#[test]
fn device_and_card_indexes() {
    let f = facts();
    let mut no_index = device(0, SUBNET_A);
    no_index.device_index = None;
    let (c, m) = refused(&f, &with_interfaces(vec![no_index]));
    assert_eq!(c, ErrorCode::InvalidParameterValue);
    assert!(m.contains("NetworkInterface.1"), "{m}");
    assert_eq!(
        code(&f, &with_interfaces(vec![device(-1, SUBNET_A)])),
        ErrorCode::InvalidParameterValue
    );
    let mut card = device(0, SUBNET_A);
    card.network_card_index = Some(1);
    let (c, m) = refused(&f, &with_interfaces(vec![card]));
    assert_eq!(c, ErrorCode::InvalidParameterValue);
    assert!(m.contains("Network card index 1"), "{m}");
    let (c, m) = refused(
        &f,
        &with_interfaces(vec![device(0, SUBNET_A), device(0, SUBNET_A)]),
    );
    assert_eq!(c, ErrorCode::InvalidParameterValue);
    assert!(m.contains("device index 0 is given twice"), "{m}");
    let (c, m) = refused(&f, &with_interfaces(vec![device(1, SUBNET_A)]));
    assert_eq!(c, ErrorCode::InvalidParameterValue);
    assert!(m.contains("one must have device index 0"), "{m}");
}

#[test]
fn the_same_device_index_on_another_card_is_another_slot() {
    let mut f = facts();
    f.instance_type = itype("p4d.24xlarge");
    let mut second = device(0, SUBNET_A);
    second.network_card_index = Some(1);
    let p = plan(&f, &with_interfaces(vec![second, device(0, SUBNET_A)])).unwrap();
    let slots: Vec<_> = p
        .interfaces
        .iter()
        .map(|i| (i.network_card_index, i.device_index))
        .collect();
    assert_eq!(slots, [(0, 0), (1, 0)], "sorted by card, then device");
}

#[test]
fn an_interface_by_id_stands_alone() {
    let f = facts();
    let mut with_subnet = by_id(0, ENI);
    with_subnet.subnet_id = Some(SUBNET_A.into());
    let mut with_count = by_id(0, ENI);
    with_count.secondary_private_ip_address_count = Some(1);
    let mut delete = by_id(0, ENI);
    delete.delete_on_termination = Some(true);
    let mut public = by_id(0, ENI);
    public.associate_public_ip_address = Some(false);
    for (spec, words) in [
        (with_subnet, "cannot be specified together with a subnet"),
        (with_count, "cannot be specified together with a subnet"),
        (delete, "DeleteOnTermination"),
        (public, "associatePublicIPAddress"),
    ] {
        let (c, m) = refused(&f, &with_interfaces(vec![spec]));
        assert_eq!(c, ErrorCode::InvalidParameterCombination);
        assert!(m.contains(words), "{m}");
    }
    let mut many = with_interfaces(vec![by_id(0, ENI)]);
    many.max_count = 2;
    let (c, m) = refused(&f, &many);
    assert_eq!(c, ErrorCode::InvalidParameterCombination);
    assert!(m.contains("MaxCount must be 1"), "{m}");
}

#[test]
fn an_interface_by_id_must_exist_and_be_free() {
    let mut f = facts();
    assert_eq!(
        code(&f, &with_interfaces(vec![by_id(0, "eni-zz")])),
        ErrorCode::InvalidNetworkInterfaceIdMalformed
    );
    assert_eq!(
        code(&f, &with_interfaces(vec![by_id(0, "eni-00000009")])),
        ErrorCode::InvalidNetworkInterfaceIdNotFound
    );
    let mut attached = eni("eni-00000002", "us-east-1a", Some(("i-00000001", 0)));
    attached.subnet_id = SUBNET_A.into();
    f.interfaces.push(attached);
    let (c, m) = refused(&f, &with_interfaces(vec![by_id(0, "eni-00000002")]));
    assert_eq!(c, ErrorCode::InvalidNetworkInterfaceInUse);
    assert_eq!(m, "Interface: [eni-00000002] in use.");
    let p = plan(&f, &with_interfaces(vec![by_id(0, ENI)])).unwrap();
    assert!(matches!(&p.interfaces[0].source, Source::Existing(e) if e.id == ENI));
    assert!(
        !p.interfaces[0].delete_on_termination,
        "an existing interface outlives the instance"
    );
}

#[test]
fn an_interface_by_id_must_fit_the_type() {
    let mut f = facts();
    f.interfaces[0]
        .private_ips
        .extend((11..13).map(|n| crate::network_interface::PrivateIp {
            address: Ipv4Addr::new(10, 0, 1, n),
            primary: false,
            association: None,
        }));
    let (c, m) = refused(&f, &with_interfaces(vec![by_id(0, ENI)]));
    assert_eq!(c, ErrorCode::InvalidInterfaceIpAddressLimitExceeded);
    assert!(m.contains("t3.micro"), "{m}");
    let mut f = facts();
    f.instance_type = itype("m1.small");
    f.interfaces[0].ipv4_prefixes = vec!["10.0.1.16/28".parse().unwrap()];
    assert_eq!(
        code(&f, &with_interfaces(vec![by_id(0, ENI)])),
        ErrorCode::InvalidParameterCombination,
        "xen types take no prefixes"
    );
}

#[test]
fn the_subnet_must_exist() {
    let f = facts();
    assert_eq!(
        code(&f, &in_subnet("subnet-zz")),
        ErrorCode::InvalidSubnetIdMalformed
    );
    assert_eq!(
        code(&f, &in_subnet("subnet-00000009")),
        ErrorCode::InvalidSubnetIdNotFound
    );
    let mut second = device(1, SUBNET_A);
    second.subnet_id = None;
    let (c, m) = refused(&f, &with_interfaces(vec![device(0, SUBNET_A), second]));
    assert_eq!(c, ErrorCode::MissingParameter);
    assert!(m.contains("NetworkInterface.2.SubnetId"), "{m}");
}

#[test]
fn without_a_subnet_the_default_vpc_picks_one() {
    let mut f = facts();
    let launch = Launch {
        max_count: 1,
        ..Default::default()
    };
    assert_eq!(code(&f, &launch), ErrorCode::VpcIdNotSpecified);
    f.default_vpc_id = Some("vpc-d".into());
    let (c, m) = refused(&f, &launch);
    assert_eq!(c, ErrorCode::MissingInput);
    assert!(m.contains("vpc-d"), "{m}");
    for (id, zone) in [
        ("subnet-000000d2", "us-east-1b"),
        ("subnet-000000d1", "us-east-1a"),
    ] {
        let mut s = subnet(id, "vpc-d", "172.31.0.0/20", zone);
        s.default_for_az = true;
        f.default_subnets.push(s);
    }
    let p = plan(&f, &launch).unwrap();
    assert_eq!(p.zone(), "us-east-1a", "the region's first zone");
    let in_b = Launch {
        zone: Some("us-east-1b".into()),
        ..launch
    };
    assert_eq!(plan(&f, &in_b).unwrap().zone(), "us-east-1b");
}

#[test]
fn explicit_addresses_prefixes_and_ipv6_need_max_count_1() {
    let f = facts();
    let mut addr = in_subnet(SUBNET_A);
    addr.private_ip_address = Some("10.0.1.9".into());
    let mut prefix = with_interfaces(vec![device(0, SUBNET_A)]);
    prefix.interfaces[0].ipv4_prefixes = vec!["10.0.1.16/28".into()];
    let mut v6 = in_subnet(SUBNET_A);
    v6.ipv6.addresses = vec!["2600:1f18::5".into()];
    for (mut launch, what) in [
        (addr, "Private IP addresses"),
        (prefix, "Prefixes"),
        (v6, "IPv6 addresses"),
    ] {
        launch.max_count = 2;
        let (c, m) = refused(&f, &launch);
        assert_eq!(c, ErrorCode::InvalidParameterCombination);
        assert!(m.starts_with(what), "{m}");
    }
}

#[test]
fn per_interface_address_limits_of_the_type() {
    let f = facts();
    let mut v4 = with_interfaces(vec![device(0, SUBNET_A)]);
    v4.interfaces[0].secondary_private_ip_address_count = Some(2);
    let (c, m) = refused(&f, &v4);
    assert_eq!(c, ErrorCode::InvalidInterfaceIpAddressLimitExceeded);
    assert!(m.contains("(3) exceeds the limit for t3.micro (2)"), "{m}");
    let mut v6 = in_subnet(SUBNET_A);
    v6.ipv6.count = Some(3);
    let (c, m) = refused(&f, &v6);
    assert_eq!(c, ErrorCode::InvalidInterfaceIpAddressLimitExceeded);
    assert!(m.contains("IPv6 addresses (3)"), "{m}");
    let mut xen = facts();
    xen.instance_type = itype("m1.small");
    let mut prefix = with_interfaces(vec![device(0, SUBNET_A)]);
    prefix.interfaces[0].ipv4_prefix_count = Some(1);
    assert_eq!(code(&xen, &prefix), ErrorCode::InvalidParameterCombination);
}

#[test]
fn too_many_interfaces_for_the_type() {
    let launch = with_interfaces(vec![
        device(0, SUBNET_A),
        device(1, SUBNET_A),
        device(2, SUBNET_A),
    ]);
    assert_eq!(code(&facts(), &launch), ErrorCode::AttachmentLimitExceeded);
}

#[test]
fn groups_by_id_must_be_in_the_subnets_vpc() {
    let f = facts();
    let mut launch = in_subnet(SUBNET_A);
    launch.security_group_ids = vec![SG_OTHER.into()];
    let (c, m) = refused(&f, &launch);
    assert_eq!(c, ErrorCode::InvalidParameter);
    assert!(m.contains("belong to different networks"), "{m}");
    launch.security_group_ids = vec!["sg-00000009".into()];
    assert_eq!(code(&f, &launch), ErrorCode::InvalidGroupNotFound);
    launch.security_group_ids = vec!["sg-x".into()];
    assert_eq!(code(&f, &launch), ErrorCode::InvalidGroupIdMalformed);
    launch.security_group_ids = vec![SG.into()];
    let p = plan(&f, &launch).unwrap();
    let Source::New(new) = &p.interfaces[0].source else {
        panic!("a new interface")
    };
    assert_eq!(new.group_ids, [SG]);
}

#[test]
fn groups_by_name_only_in_the_default_vpc() {
    let mut f = facts();
    let mut launch = in_subnet(SUBNET_A);
    launch.security_groups = vec!["web".into()];
    let (c, m) = refused(&f, &launch);
    assert_eq!(c, ErrorCode::InvalidParameterCombination);
    assert!(m.contains("groupName"), "{m}");
    f.default_vpc_id = Some("vpc-1".into());
    let p = plan(&f, &launch).unwrap();
    let Source::New(new) = &p.interfaces[0].source else {
        panic!("a new interface")
    };
    assert_eq!(new.group_ids, [SG], "the name of vpc-1, not vpc-2's");
    launch.security_groups = vec!["db".into()];
    let (c, m) = refused(&f, &launch);
    assert_eq!(c, ErrorCode::InvalidGroupNotFound);
    assert_eq!(
        m,
        "The security group 'db' does not exist in default VPC 'vpc-1'"
    );
}

#[test]
fn explicit_addresses_in_the_subnet_and_free() {
    let mut f = facts();
    let mut launch = in_subnet(SUBNET_A);
    launch.private_ip_address = Some("10.0.2.9".into());
    assert_eq!(code(&f, &launch), ErrorCode::InvalidParameterValue);
    launch.private_ip_address = Some("10.0.1.9".into());
    f.held.insert((SUBNET_A.into(), Ipv4Addr::new(10, 0, 1, 9)));
    let (c, m) = refused(&f, &launch);
    assert_eq!(c, ErrorCode::InvalidIpAddressInUse);
    assert_eq!(m, "Address 10.0.1.9 is in use.");
    f.held.clear();
    f.held.insert((SUBNET_B.into(), Ipv4Addr::new(10, 0, 1, 9)));
    assert!(plan(&f, &launch).is_ok(), "held in another subnet");
}

#[test]
fn two_specifications_cannot_claim_one_address() {
    let mut f = facts();
    f.instance_type = itype("m1.small");
    let mut first = device(0, SUBNET_A);
    first.private_ip_address = Some("10.0.1.9".into());
    let second = InterfaceSpec {
        device_index: Some(1),
        ..first.clone()
    };
    assert_eq!(
        code(&f, &with_interfaces(vec![first, second])),
        ErrorCode::InvalidIpAddressInUse
    );
}

#[test]
fn interfaces_share_one_zone_and_match_the_placement() {
    let f = facts();
    let launch = with_interfaces(vec![device(0, SUBNET_A), device(1, SUBNET_B)]);
    let (c, m) = refused(&f, &launch);
    assert_eq!(c, ErrorCode::InvalidParameterCombination);
    assert!(m.contains("us-east-1a and us-east-1b"), "{m}");
    let mut placed = in_subnet(SUBNET_A);
    placed.zone = Some("us-east-1b".into());
    let (c, m) = refused(&f, &placed);
    assert_eq!(c, ErrorCode::InvalidParameterValue);
    assert!(
        m.contains("(us-east-1b) for parameter availabilityZone"),
        "{m}"
    );
}

#[test]
fn too_few_free_addresses_refuse_the_whole_launch() {
    let mut f = facts();
    f.subnets[0].cidr = "10.0.1.0/28".parse().unwrap();
    f.subnets[0].addresses_in_use = 9;
    let p = plan(&f, &in_subnet(SUBNET_A)).unwrap();
    assert_eq!(p.count(1, 5).unwrap(), 2, "11 usable, 9 in use");
    let e = p.count(3, 5).unwrap_err();
    assert_eq!(e.code, ErrorCode::InsufficientFreeAddressesInSubnet);
    assert!(e.message.contains(SUBNET_A), "{}", e.message);
}

#[test]
fn a_public_address_only_for_a_single_new_interface() {
    let mut f = facts();
    f.subnets[0].map_public_ip_on_launch = true;
    let launch = in_subnet(SUBNET_A);
    assert!(plan(&f, &launch).unwrap().wants_public_ip(&launch));
    let mut refuse = with_interfaces(vec![device(0, SUBNET_A)]);
    refuse.interfaces[0].associate_public_ip_address = Some(false);
    assert!(!plan(&f, &refuse).unwrap().wants_public_ip(&refuse));
    let two = with_interfaces(vec![device(0, SUBNET_A), device(1, SUBNET_A)]);
    assert!(!plan(&f, &two).unwrap().wants_public_ip(&two));
    let existing = with_interfaces(vec![by_id(0, ENI)]);
    assert!(!plan(&f, &existing).unwrap().wants_public_ip(&existing));
}

proptest! {
    /// The count never takes more addresses than are free, and stops only at `max` or at the
    /// last instance that fits.
    #[test]
    fn count_fits_the_free_addresses(
        prefix_len in 20u8..=28,
        used_share in 0u64..=100,
        secondaries in 0i64..=3,
        max in 1usize..=3000,
    ) {
        let mut f = facts();
        f.instance_type = itype("m1.small");
        f.subnets[0].cidr = format!("10.0.0.0/{prefix_len}").parse().unwrap();
        let usable = cidr::usable_count(f.subnets[0].cidr);
        f.subnets[0].addresses_in_use = usable * used_share / 100;
        let mut launch = with_interfaces(vec![device(0, SUBNET_A)]);
        launch.interfaces[0].secondary_private_ip_address_count = Some(secondaries);
        let p = plan(&f, &launch).unwrap();
        let per = 1 + secondaries as usize;
        let free = (usable - f.subnets[0].addresses_in_use) as usize;
        match p.count(0, max) {
            Ok(n) => {
                prop_assert!(n * per <= free);
                prop_assert!(n == max || (n + 1) * per > free);
            }
            Err(e) => prop_assert!(false, "count(0, _) refused: {e:?}"),
        }
        prop_assert_eq!(p.count(max, max).is_ok(), max * per <= free);
    }
}
