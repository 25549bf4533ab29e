//! The pool public IPv4 addresses (auto-assigned and Elastic IPs) are drawn from. By default the
//! documentation ranges 198.51.100.0/24 and 203.0.113.0/24, which the data plane routes only
//! inside localvpc's own namespaces.

use crate::error::{Ec2Error, ErrorCode};
use ipnet::Ipv4Net;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

pub const DEFAULT_POOL: [&str; 2] = ["198.51.100.0/24", "203.0.113.0/24"];

/// The first free address of the pool (network and broadcast addresses of each range skipped).
pub fn allocate(pool: &[Ipv4Net], used: &BTreeSet<Ipv4Addr>) -> Result<Ipv4Addr, Ec2Error> {
    pool.iter()
        .flat_map(|net| net.hosts())
        .find(|a| !used.contains(a))
        .ok_or_else(|| {
            Ec2Error::new(
                ErrorCode::InsufficientAddressCapacity,
                "There are no free public IPv4 addresses left in localvpc's pool.",
            )
        })
}

/// A specific address a caller asks for (AllocateAddress `Address`): one of the pool's hosts
/// that no one holds. Taken or outside the pool, it is `InvalidAddress.NotFound`: the address
/// cannot be recovered (it belongs to another account, or AWS never had it).
pub fn claim(
    pool: &[Ipv4Net],
    used: &BTreeSet<Ipv4Addr>,
    text: &str,
) -> Result<Ipv4Addr, Ec2Error> {
    let address: Ipv4Addr = text.parse().map_err(|_| {
        Ec2Error::invalid_value(format!(
            "Value ({text}) for parameter address is invalid. Expected an IPv4 address."
        ))
    })?;
    let in_pool = pool.iter().any(|net| net.hosts().any(|h| h == address));
    if !in_pool || used.contains(&address) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidAddressNotFound,
            format!("Address {address} not found."),
        ));
    }
    Ok(address)
}

pub fn default_pool() -> Vec<Ipv4Net> {
    DEFAULT_POOL
        .iter()
        .map(|n| n.parse().expect("valid"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claimed_address_is_a_free_host_of_the_pool() {
        let pool = default_pool();
        let used = BTreeSet::from(["198.51.100.7".parse().unwrap()]);
        assert_eq!(
            claim(&pool, &used, "203.0.113.9").unwrap().to_string(),
            "203.0.113.9"
        );
        for taken_or_foreign in ["198.51.100.7", "198.51.100.0", "192.0.2.5"] {
            assert_eq!(
                claim(&pool, &used, taken_or_foreign).unwrap_err().code,
                ErrorCode::InvalidAddressNotFound
            );
        }
        assert_eq!(
            claim(&pool, &used, "nope").unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn first_free_then_next_range() {
        let pool = default_pool();
        assert_eq!(
            allocate(&pool, &BTreeSet::new()).unwrap().to_string(),
            "198.51.100.1"
        );
        let first: BTreeSet<Ipv4Addr> = pool[0].hosts().collect();
        assert_eq!(allocate(&pool, &first).unwrap().to_string(), "203.0.113.1");
        let all: BTreeSet<Ipv4Addr> = pool.iter().flat_map(|n| n.hosts()).collect();
        assert_eq!(
            allocate(&pool, &all).unwrap_err().code,
            ErrorCode::InsufficientAddressCapacity
        );
    }
}
