//! IPv4 CIDR maths for VPCs and subnets: parsing and canonicalisation, the /16–/28 size rule,
//! containment and overlap, and the five addresses AWS reserves in every subnet.

use crate::error::{Ec2Error, ErrorCode};
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// Smallest and largest prefix lengths AWS allows for VPC and subnet IPv4 blocks.
pub const MIN_PREFIX: u8 = 16;
pub const MAX_PREFIX: u8 = 28;

/// Parses `a.b.c.d/n` and clears host bits (`100.68.0.18/18` → `100.68.0.0/18`), as EC2 does.
/// Returns `None` when the text is not an IPv4 CIDR at all.
pub fn parse_canonical(text: &str) -> Option<Ipv4Net> {
    let (addr, len) = text.split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    if len.is_empty() || len.len() > 2 || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Ipv4Net::new(addr, len.parse().ok()?)
        .ok()
        .map(|n| n.trunc())
}

/// A CIDR for a VPC block: canonical, /16 to /28, else `InvalidVpc.Range`.
pub fn vpc_block(text: &str) -> Result<Ipv4Net, Ec2Error> {
    let net = sized_block(text, ErrorCode::InvalidVpcRange)?;
    if let Some(reserved) = RESERVED_FOR_VPCS
        .iter()
        .find(|r| overlaps(r.parse().expect("valid"), net))
    {
        return Err(Ec2Error::new(
            ErrorCode::InvalidVpcRange,
            format!("The CIDR '{net}' is invalid: it overlaps the reserved range {reserved}."),
        ));
    }
    Ok(net)
}

/// Ranges no VPC can hold: "this network", loopback, link-local (where the instance metadata
/// service and the Amazon DNS live), multicast and the reserved class E with the broadcast
/// address.
const RESERVED_FOR_VPCS: [&str; 5] = [
    "0.0.0.0/8",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
];

/// A CIDR for a subnet: canonical, /16 to /28, else `InvalidSubnet.Range`.
pub fn subnet_block(text: &str) -> Result<Ipv4Net, Ec2Error> {
    sized_block(text, ErrorCode::InvalidSubnetRange)
}

fn sized_block(text: &str, range_code: ErrorCode) -> Result<Ipv4Net, Ec2Error> {
    let net = parse_canonical(text).ok_or_else(|| {
        Ec2Error::new(
            ErrorCode::InvalidParameterValue,
            format!(
                "Value ({text}) for parameter cidrBlock is invalid. This is not a valid CIDR block."
            ),
        )
    })?;
    if !(MIN_PREFIX..=MAX_PREFIX).contains(&net.prefix_len()) {
        return Err(Ec2Error::new(
            range_code,
            format!("The CIDR '{text}' is invalid."),
        ));
    }
    Ok(net)
}

/// Any IPv4 CIDR (route destinations, security group and ACL rules): `/0`–`/32`, canonicalised.
pub fn any_block(text: &str, parameter: &str) -> Result<Ipv4Net, Ec2Error> {
    parse_canonical(text).ok_or_else(|| {
        Ec2Error::invalid_value(format!(
            "Value ({text}) for parameter {parameter} is invalid. This is not a valid CIDR block."
        ))
    })
}

pub fn overlaps(a: Ipv4Net, b: Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// The number of addresses in a block.
pub fn size(net: Ipv4Net) -> u64 {
    1u64 << (32 - net.prefix_len())
}

/// The five addresses AWS keeps for itself in every subnet: network, VPC router (+1),
/// Amazon DNS (+2), reserved for future use (+3), and the last (broadcast).
pub fn reserved_addresses(subnet: Ipv4Net) -> [Ipv4Addr; 5] {
    let base = u32::from(subnet.network());
    [
        base,
        base + 1,
        base + 2,
        base + 3,
        u32::from(subnet.broadcast()),
    ]
    .map(Ipv4Addr::from)
}

pub fn is_reserved(subnet: Ipv4Net, addr: Ipv4Addr) -> bool {
    reserved_addresses(subnet).contains(&addr)
}

/// Addresses a subnet can hand out: its size less the five reserved.
pub fn usable_count(subnet: Ipv4Net) -> u64 {
    size(subnet) - 5
}

/// The subnet's router (base + 1): the default gateway DHCP gives every ENI in it.
pub fn router(subnet: Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(subnet.network()) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonicalises_host_bits() {
        assert_eq!(
            parse_canonical("100.68.0.18/18").unwrap().to_string(),
            "100.68.0.0/18"
        );
        assert_eq!(
            vpc_block("192.168.1.0/24").unwrap().to_string(),
            "192.168.1.0/24"
        );
    }

    #[test]
    fn rejects_non_cidrs() {
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0/16",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "a/16",
            "10.0.0.0/016x",
        ] {
            assert!(parse_canonical(bad).is_none(), "{bad}");
        }
        assert_eq!(
            vpc_block("banana").unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn size_rule_has_its_own_code_per_resource() {
        let err = vpc_block("10.0.0.0/8").unwrap_err();
        assert_eq!(err.code.as_str(), "InvalidVpc.Range");
        assert_eq!(err.message, "The CIDR '10.0.0.0/8' is invalid.");
        assert_eq!(
            subnet_block("10.0.0.0/29").unwrap_err().code.as_str(),
            "InvalidSubnet.Range"
        );
        assert!(subnet_block("10.0.0.0/28").is_ok());
        assert!(vpc_block("10.0.0.0/16").is_ok());
    }

    #[test]
    fn reserved_ranges_hold_no_vpc() {
        for reserved in [
            "0.0.0.0/16",
            "127.0.0.0/16",
            "169.254.0.0/16",
            "224.0.0.0/16",
            "255.255.255.240/28",
        ] {
            assert_eq!(
                vpc_block(reserved).unwrap_err().code,
                ErrorCode::InvalidVpcRange,
                "{reserved}"
            );
        }
        for usable in [
            "100.64.0.0/16",
            "198.51.100.0/24",
            "223.255.255.0/24",
            "1.0.0.0/16",
        ] {
            assert!(vpc_block(usable).is_ok(), "{usable}");
        }
    }

    #[test]
    fn reserved_and_usable() {
        let s: Ipv4Net = "192.168.1.0/24".parse().unwrap();
        assert_eq!(usable_count(s), 251);
        assert_eq!(usable_count("10.0.0.0/28".parse().unwrap()), 11);
        assert!(is_reserved(s, "192.168.1.3".parse().unwrap()));
        assert!(is_reserved(s, "192.168.1.255".parse().unwrap()));
        assert!(!is_reserved(s, "192.168.1.4".parse().unwrap()));
        assert_eq!(router(s).to_string(), "192.168.1.1");
    }

    proptest! {
        #[test]
        fn canonical_form_is_a_fixed_point(a in any::<u32>(), len in 0u8..=32) {
            let text = format!("{}/{len}", Ipv4Addr::from(a));
            let net = parse_canonical(&text).unwrap();
            prop_assert_eq!(parse_canonical(&net.to_string()), Some(net));
            prop_assert!(net.contains(&Ipv4Addr::from(a)));
        }

        #[test]
        fn overlap_is_symmetric_and_matches_address_sets(a in any::<u32>(), la in 16u8..=28, b in any::<u32>(), lb in 16u8..=28) {
            let x = Ipv4Net::new(Ipv4Addr::from(a), la).unwrap().trunc();
            let y = Ipv4Net::new(Ipv4Addr::from(b), lb).unwrap().trunc();
            prop_assert_eq!(overlaps(x, y), overlaps(y, x));
            let shares = u32::from(x.network()) <= u32::from(y.broadcast()) && u32::from(y.network()) <= u32::from(x.broadcast());
            prop_assert_eq!(overlaps(x, y), shares);
        }
    }
}
