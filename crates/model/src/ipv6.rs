//! IPv6 address plan: Amazon-provided /56 blocks for VPCs from localvpc's pool, a /64 per
//! subnet inside them, and interface addresses inside a subnet's /64. Text is accepted in any
//! IPv6 form and always emitted in RFC 5952 form (what `Ipv6Addr`'s `Display` writes).

use crate::error::{Ec2Error, ErrorCode};
use crate::instance_type::InstanceType;
use ipnet::Ipv6Net;
use std::collections::HashSet;
use std::net::Ipv6Addr;

/// localvpc's stand-in for Amazon's pool: the documentation prefix (RFC 3849).
pub const DEFAULT_POOL: &str = "2001:db8::/32";
/// Every Amazon-provided VPC block is a /56, every subnet block a /64.
pub const VPC_PREFIX: u8 = 56;
pub const SUBNET_PREFIX: u8 = 64;
/// IPv6 blocks per VPC (AWS's quota).
pub const BLOCKS_PER_VPC: usize = 5;

pub fn default_pool() -> Ipv6Net {
    DEFAULT_POOL.parse().expect("valid")
}

/// An IPv6 block associated with a VPC.
#[derive(Debug, Clone, PartialEq)]
pub struct VpcIpv6Block {
    pub association_id: String,
    pub cidr: Ipv6Net,
    /// `Amazon` for Amazon-provided blocks.
    pub pool: String,
}

/// The IPv6 block of a subnet (at most one).
#[derive(Debug, Clone, PartialEq)]
pub struct SubnetIpv6Block {
    pub association_id: String,
    pub cidr: Ipv6Net,
}

/// Parses an IPv6 CIDR in any text form, host bits cleared. `None` when it is not one.
pub fn parse_net(text: &str) -> Option<Ipv6Net> {
    let (addr, len) = text.split_once('/')?;
    if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Ipv6Net::new(addr.parse().ok()?, len.parse().ok()?)
        .ok()
        .map(|n| n.trunc())
}

/// The /56 at `index` of the pool (index 0 is the pool's own first block, never handed out so
/// that the first VPC gets `2001:db8:0:100::/56`), or `None` past the pool's end.
pub fn pool_block(pool: Ipv6Net, index: u64) -> Option<Ipv6Net> {
    let bits = u32::from(VPC_PREFIX.checked_sub(pool.prefix_len())?);
    if index == 0 || (bits < 64 && index >= 1u64 << bits) {
        return None;
    }
    let base = u128::from(pool.network()) + (u128::from(index) << (128 - u32::from(VPC_PREFIX)));
    Ipv6Net::new(Ipv6Addr::from(base), VPC_PREFIX).ok()
}

/// How many /56s the pool holds (index 0 excluded), capped at `u64::MAX`.
pub fn pool_size(pool: Ipv6Net) -> u64 {
    match VPC_PREFIX.checked_sub(pool.prefix_len()) {
        Some(bits) if bits < 64 => (1u64 << bits) - 1,
        Some(_) => u64::MAX,
        None => 0,
    }
}

/// The error when the pool is exhausted.
pub fn pool_exhausted() -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InsufficientAddressCapacity,
        "There are no free IPv6 CIDR blocks left in localvpc's Amazon pool.",
    )
}

/// Checks a subnet's IPv6 block: a /64 (else `InvalidParameterValue`), inside one of the VPC's
/// /56s (else `InvalidSubnet.Range`), clear of the other subnets' blocks (else
/// `InvalidSubnet.Conflict`).
pub fn check_subnet_block(
    vpc_blocks: &[VpcIpv6Block],
    siblings: &[(String, Ipv6Net)],
    text: &str,
) -> Result<Ipv6Net, Ec2Error> {
    let invalid = || {
        Ec2Error::invalid_value(format!(
            "invalid value for parameter ipv6-cidr-block: {text}"
        ))
    };
    let net = parse_net(text).ok_or_else(invalid)?;
    if net.prefix_len() != SUBNET_PREFIX {
        return Err(invalid());
    }
    if !vpc_blocks.iter().any(|b| b.cidr.contains(&net)) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidSubnetRange,
            format!("The IPv6 CIDR '{net}' is invalid."),
        ));
    }
    if let Some((id, _)) = siblings.iter().find(|(_, b)| *b == net) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidSubnetConflict,
            format!("The IPv6 CIDR '{net}' conflicts with another subnet ({id})."),
        ));
    }
    Ok(net)
}

/// Whether AWS reserves `addr` in the subnet's /64: `::0`–`::3` and the last address.
pub fn is_reserved(block: Ipv6Net, addr: Ipv6Addr) -> bool {
    let offset = u128::from(addr) - u128::from(block.network());
    offset <= 3 || addr == block.broadcast()
}

/// Checks an explicit interface address, in AWS's order: an IPv6 address, inside the subnet's
/// /64, not reserved, not held by another interface.
pub fn check_address(
    block: Option<Ipv6Net>,
    text: &str,
    used: &HashSet<Ipv6Addr>,
) -> Result<Ipv6Addr, Ec2Error> {
    let addr: Ipv6Addr = text.parse().map_err(|_| {
        Ec2Error::invalid_value(format!(
            "Invalid value '{text}' for IPv6 address. The value must be a valid IPv6 address."
        ))
    })?;
    let block = block.ok_or_else(no_ipv6_block)?;
    if !block.contains(&addr) {
        return Err(Ec2Error::invalid_value(format!(
            "Address {addr} is not in the IPv6 CIDR block {block} of the subnet."
        )));
    }
    if is_reserved(block, addr) {
        return Err(Ec2Error::invalid_value(format!(
            "Address {addr} is reserved by AWS in subnet block {block}."
        )));
    }
    if used.contains(&addr) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidIpAddressInUse,
            format!("Address {addr} is in use."),
        ));
    }
    Ok(addr)
}

/// An interface's IPv6 address count against its instance type: none on a type without IPv6,
/// at most `ipv6_addresses_per_interface` (not enforced where the table has no value).
pub fn check_limit(count: usize, itype: &InstanceType) -> Result<(), Ec2Error> {
    if count == 0 {
        return Ok(());
    }
    if !itype.ipv6_supported {
        return Err(Ec2Error::combination(format!(
            "The instance type {} does not support IPv6 addresses.",
            itype.name
        )));
    }
    match itype.ipv6_addresses_per_interface {
        Some(limit) if count > limit as usize => Err(Ec2Error::new(
            ErrorCode::PrivateIpAddressLimitExceeded,
            "Number of IPv6 addresses will exceed limit.",
        )),
        _ => Ok(()),
    }
}

/// The error for an IPv6 option in a subnet without an IPv6 block.
pub fn no_ipv6_block() -> Ec2Error {
    Ec2Error::invalid_value(
        "The subnet does not have an IPv6 CIDR block: IPv6 addresses cannot be assigned in it.",
    )
}

/// `count` fresh addresses in `block`: random interface IDs, as EC2's look, avoiding reserved
/// addresses and those `is_used` reports (a lookup per draw). Never enumerates the /64: with
/// at most a few thousand used addresses out of 2^64 a draw almost never collides, and the
/// draws are bounded.
pub fn allocate(
    block: Ipv6Net,
    count: usize,
    rng: &mut impl rand::Rng,
    mut is_used: impl FnMut(Ipv6Addr) -> Result<bool, Ec2Error>,
) -> Result<Vec<Ipv6Addr>, Ec2Error> {
    let mut out: Vec<Ipv6Addr> = Vec::with_capacity(count);
    let host_bits = 128 - u32::from(block.prefix_len());
    let mask = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    for _ in 0..count.saturating_mul(64).max(64) {
        if out.len() == count {
            break;
        }
        let id = u128::from(rng.next_u64()) & mask;
        let addr = Ipv6Addr::from(u128::from(block.network()) | id);
        if !is_reserved(block, addr) && !out.contains(&addr) && !is_used(addr)? {
            out.push(addr);
        }
    }
    if out.len() < count {
        return Err(Ec2Error::new(
            ErrorCode::InsufficientFreeAddressesInSubnet,
            "The specified subnet does not have enough free IPv6 addresses to satisfy the request.",
        ));
    }
    Ok(out)
}

/// What a caller asked of a new interface's IPv6 addresses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ipv6Request {
    pub addresses: Vec<String>,
    pub count: Option<i64>,
    /// `EnablePrimaryIpv6` (or an entry's `IsPrimaryIpv6`): the first address is primary.
    pub primary: bool,
}

impl Ipv6Request {
    /// How many addresses the request names or counts.
    pub fn wanted(&self) -> usize {
        self.addresses
            .len()
            .max(self.count.unwrap_or(0).max(0) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Ipv6Net {
        s.parse().unwrap()
    }

    #[test]
    fn pool_blocks_are_sequential_56s() {
        let pool = default_pool();
        assert_eq!(
            pool_block(pool, 1).unwrap().to_string(),
            "2001:db8:0:100::/56"
        );
        assert_eq!(
            pool_block(pool, 2).unwrap().to_string(),
            "2001:db8:0:200::/56"
        );
        assert_eq!(
            pool_block(pool, 256).unwrap().to_string(),
            "2001:db8:1::/56"
        );
        assert_eq!(pool_block(pool, 0), None);
        assert_eq!(pool_block(pool, 1 << 24), None);
        assert_eq!(pool_size(pool), (1 << 24) - 1);
        assert_eq!(pool_size(net("2001:db8::/56")), 0);
    }

    #[test]
    fn subnet_blocks() {
        let vpc = [VpcIpv6Block {
            association_id: "a".into(),
            cidr: net("2001:db8:0:100::/56"),
            pool: "Amazon".into(),
        }];
        let ok = check_subnet_block(&vpc, &[], "2001:DB8:0:1a0:0::/64").unwrap();
        assert_eq!(ok.to_string(), "2001:db8:0:1a0::/64");
        let code = |r: Result<Ipv6Net, Ec2Error>| r.unwrap_err().code;
        assert_eq!(
            code(check_subnet_block(&vpc, &[], "2001:db8:0:100::/60")),
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            code(check_subnet_block(&vpc, &[], "nonsense")),
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            code(check_subnet_block(&vpc, &[], "2001:db8:0:200::/64")),
            ErrorCode::InvalidSubnetRange
        );
        let siblings = [("subnet-1".to_string(), ok)];
        assert_eq!(
            code(check_subnet_block(&vpc, &siblings, "2001:db8:0:1a0::/64")),
            ErrorCode::InvalidSubnetConflict
        );
    }

    #[test]
    fn explicit_addresses_in_order() {
        let block = Some(net("2001:db8:0:101::/64"));
        let used: HashSet<Ipv6Addr> = ["2001:db8:0:101::10".parse().unwrap()].into();
        let code = |t: &str| check_address(block, t, &used).unwrap_err().code;
        assert_eq!(code("10.0.0.1"), ErrorCode::InvalidParameterValue);
        assert_eq!(code("2001:db8:0:102::10"), ErrorCode::InvalidParameterValue);
        assert_eq!(code("2001:db8:0:101::3"), ErrorCode::InvalidParameterValue);
        assert_eq!(
            code("2001:db8:0:101:ffff:ffff:ffff:ffff"),
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            code("2001:DB8:0:101:0::10"),
            ErrorCode::InvalidIpAddressInUse
        );
        assert_eq!(
            check_address(block, "2001:db8:0:101::4", &used)
                .unwrap()
                .to_string(),
            "2001:db8:0:101::4"
        );
        assert_eq!(
            check_address(None, "2001:db8:0:101::4", &used)
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn limits_per_instance_type() {
        let t3 = InstanceType::named("t3.micro").unwrap();
        assert!(check_limit(2, t3).is_ok());
        assert_eq!(
            check_limit(3, t3).unwrap_err().code,
            ErrorCode::PrivateIpAddressLimitExceeded
        );
        let m1 = InstanceType::named("m1.small").unwrap();
        assert!(check_limit(0, m1).is_ok());
        assert_eq!(
            check_limit(1, m1).unwrap_err().code,
            ErrorCode::InvalidParameterCombination
        );
    }

    #[test]
    fn allocation_avoids_used_and_reserved() {
        let block = net("2001:db8:0:101::/64");
        let mut rng = rand::rng();
        let got = allocate(block, 50, &mut rng, |_| Ok(false)).unwrap();
        assert_eq!(got.len(), 50);
        assert!(
            got.iter()
                .all(|a| block.contains(a) && !is_reserved(block, *a))
        );
        let unique: HashSet<_> = got.iter().collect();
        assert_eq!(unique.len(), 50);
        // A block with only reserved addresses left can give nothing, and says so.
        let tiny = net("2001:db8::/126");
        assert_eq!(
            allocate(tiny, 1, &mut rng, |_| Ok(false)).unwrap_err().code,
            ErrorCode::InsufficientFreeAddressesInSubnet
        );
    }
}
