use super::*;
use std::collections::BTreeSet;

fn v4(s: &str) -> Ipv4Net {
    s.parse().unwrap()
}

fn v6(s: &str) -> Ipv6Net {
    s.parse().unwrap()
}

fn never<T>(_: T) -> Result<bool, Ec2Error> {
    Ok(false)
}

#[test]
fn request_options_are_exclusive_and_counted() {
    let code = |r: Result<PrefixRequest, Ec2Error>| r.unwrap_err().code;
    assert_eq!(
        code(PrefixRequest::new(
            "Ipv4",
            vec!["10.0.0.16/28".into()],
            Some(1),
            false
        )),
        ErrorCode::InvalidParameterCombination
    );
    assert_eq!(
        code(PrefixRequest::new("Ipv6", vec![], Some(0), true)),
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(
        code(PrefixRequest::new("Ipv6", vec![], Some(-1), false)),
        ErrorCode::InvalidParameterValue
    );
    let none = PrefixRequest::new("Ipv4", vec![], Some(0), false).unwrap();
    assert!(none.is_empty());
    let two = PrefixRequest::new("Ipv4", vec!["a".into(), "b".into()], None, false).unwrap();
    assert_eq!(two.wanted(), 2);
}

#[test]
fn explicit_ipv4_prefixes_in_order() {
    let subnet = v4("10.0.1.0/24");
    let code = |t: &str| check_ipv4(subnet, t, never).unwrap_err().code;
    assert_eq!(code("10.0.1.16"), ErrorCode::InvalidParameterValue);
    assert_eq!(code("10.0.1.16/27"), ErrorCode::InvalidParameterValue);
    assert_eq!(code("10.0.1.17/28"), ErrorCode::InvalidParameterValue);
    assert_eq!(code("10.0.2.16/28"), ErrorCode::InvalidParameterValue);
    // The first /28 holds .0–.3, the last one the broadcast address.
    assert!(
        check_ipv4(subnet, "10.0.1.0/28", never)
            .unwrap_err()
            .message
            .contains("reserved")
    );
    assert_eq!(code("10.0.1.240/28"), ErrorCode::InvalidParameterValue);
    assert_eq!(
        check_ipv4(subnet, "10.0.1.32/28", |_| Ok(true))
            .unwrap_err()
            .code,
        ErrorCode::InvalidIpAddressInUse
    );
    assert_eq!(
        check_ipv4(subnet, "10.0.1.208/28", never).unwrap(),
        v4("10.0.1.208/28")
    );
}

#[test]
fn explicit_ipv6_prefixes_in_order() {
    let block = Some(v6("2001:db8:0:101::/64"));
    let code = |t: &str| check_ipv6(block, t, never).unwrap_err().code;
    assert_eq!(
        code("2001:db8:0:101:1768::"),
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(
        code("2001:db8:0:101:1768::/96"),
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(
        code("2001:db8:0:101:1768::1/80"),
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(
        code("2001:db8:0:102:1768::/80"),
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(
        code("2001:db8:0:101::/80"),
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(
        code("2001:db8:0:101:ffff::/80"),
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(
        check_ipv6(None, "2001:db8:0:101:1768::/80", never)
            .unwrap_err()
            .code,
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(
        check_ipv6(block, "2001:db8:0:101:1768::/80", |_| Ok(true))
            .unwrap_err()
            .code,
        ErrorCode::InvalidIpAddressInUse
    );
    assert_eq!(
        check_ipv6(block, "2001:DB8:0:101:1768:0::/80", never)
            .unwrap()
            .to_string(),
        "2001:db8:0:101:1768::/80"
    );
}

#[test]
fn ipv4_allocation_takes_free_aligned_blocks() {
    let subnet = v4("10.0.1.0/26");
    // .4 is used: the first /28 holds reserved addresses anyway; .20 blocks the second.
    let mut used: BTreeSet<Ipv4Addr> =
        ["10.0.1.4".parse().unwrap(), "10.0.1.20".parse().unwrap()].into();
    let got = allocate_ipv4(subnet, &mut used, &[], 1).unwrap();
    assert_eq!(got, vec![v4("10.0.1.32/28")]);
    // The last /28 holds the broadcast address: only one fits.
    assert_eq!(
        allocate_ipv4(subnet, &mut used, &[], 2).unwrap_err().code,
        ErrorCode::InsufficientCidrBlocks
    );
    assert_eq!(
        allocate_ipv4(subnet, &mut used, &["10.0.1.40".parse().unwrap()], 1)
            .unwrap_err()
            .code,
        ErrorCode::InsufficientCidrBlocks
    );
    // Fragmented: free single addresses everywhere, yet no whole /28.
    let mut scattered: BTreeSet<Ipv4Addr> = (0..64u32)
        .step_by(8)
        .map(|i| Ipv4Addr::from(u32::from(subnet.network()) + i + 5))
        .collect();
    assert_eq!(
        allocate_ipv4(subnet, &mut scattered, &[], 1)
            .unwrap_err()
            .code,
        ErrorCode::InsufficientCidrBlocks
    );
    // Across /24s of a larger subnet, lowest first.
    let wide = v4("10.0.0.0/23");
    let got = allocate_ipv4(wide, &mut BTreeSet::new(), &[], 16).unwrap();
    assert_eq!(got[0], v4("10.0.0.16/28"));
    assert_eq!(got[15], v4("10.0.1.0/28"));
    assert_eq!(
        allocate_ipv4(v4("10.0.0.0/28"), &mut BTreeSet::new(), &[], 1)
            .unwrap_err()
            .code,
        ErrorCode::InsufficientCidrBlocks
    );
}

#[test]
fn ipv6_allocation_avoids_reserved_and_used() {
    let block = v6("2001:db8:0:101::/64");
    let mut rng = rand::rng();
    let got = allocate_ipv6(block, 20, &mut rng, never).unwrap();
    assert_eq!(got.len(), 20);
    assert!(
        got.iter().all(|p| block.contains(p)
            && p.prefix_len() == IPV6_LEN
            && !holds_reserved_v6(block, *p))
    );
    let unique: BTreeSet<_> = got.iter().collect();
    assert_eq!(unique.len(), 20);
    assert_eq!(
        allocate_ipv6(block, 1, &mut rng, |_| Ok(true))
            .unwrap_err()
            .code,
        ErrorCode::InsufficientCidrBlocks
    );
    assert_eq!(
        ipv6_prefix_of("2001:db8:0:101:1768:1:2:3".parse().unwrap()).to_string(),
        "2001:db8:0:101:1768::/80"
    );
}

#[test]
fn prefixes_need_nitro() {
    let m1 = InstanceType::named("m1.small").unwrap();
    assert!(check_type(m1, false).is_ok());
    assert_eq!(
        check_type(m1, true).unwrap_err().code,
        ErrorCode::InvalidParameterCombination
    );
    assert!(check_type(InstanceType::named("c5.large").unwrap(), true).is_ok());
}
