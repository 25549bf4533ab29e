//! Prefix delegation: IPv4 /28s and IPv6 /80s assigned to an interface inside its subnet
//! (EC2:ec2-prefix-eni). A prefix is naturally aligned, holds no reserved address, overlaps
//! nothing else assigned in the subnet, and counts as one address against the instance type's
//! per-interface limit of its family. Nitro types only.

use crate::address::{UsedAddresses, block_of};
use crate::cidr;
use crate::error::{Ec2Error, ErrorCode};
use crate::instance_type::InstanceType;
use crate::ipv6;
use ipnet::{Ipv4Net, Ipv6Net};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Every delegated IPv4 prefix is a /28, every IPv6 prefix a /80.
pub const IPV4_LEN: u8 = 28;
pub const IPV6_LEN: u8 = 80;

/// Explicit prefixes or a count of fresh ones, as a request gives them for one family.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrefixRequest {
    pub explicit: Vec<String>,
    pub count: usize,
}

impl PrefixRequest {
    /// `Ipv4Prefixes`/`Ipv4PrefixCount` (or the IPv6 pair, `family` names which): never both,
    /// the count not negative. `Assign*` calls pass `at_least_one` (a count of 0 is invalid).
    pub fn new(
        family: &str,
        explicit: Vec<String>,
        count: Option<i64>,
        at_least_one: bool,
    ) -> Result<Self, Ec2Error> {
        if !explicit.is_empty() && count.is_some() {
            return Err(Ec2Error::combination(format!(
                "Specify either {family}Prefixes or {family}PrefixCount, not both."
            )));
        }
        let min = i64::from(at_least_one);
        let count = match count {
            None => 0,
            Some(n) if n >= min => n as usize,
            Some(n) => {
                return Err(Ec2Error::invalid_parameter(
                    &format!("{family}PrefixCount"),
                    &n.to_string(),
                ));
            }
        };
        Ok(Self { explicit, count })
    }

    /// How many prefixes the request adds.
    pub fn wanted(&self) -> usize {
        self.explicit.len() + self.count
    }

    pub fn is_empty(&self) -> bool {
        self.wanted() == 0
    }
}

fn malformed(text: &str, len: u8) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "Invalid value '{text}' for prefix. The prefix must be a valid /{len} CIDR block on a /{len} boundary."
    ))
}

/// A prefix overlapping an address or prefix already assigned in the subnet.
pub fn in_use(prefix: impl std::fmt::Display) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidIpAddressInUse,
        format!(
            "The prefix {prefix} overlaps addresses or prefixes already assigned in the subnet."
        ),
    )
}

/// No aligned block left for a `…PrefixCount` (the subnet may still have single addresses).
pub fn insufficient() -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InsufficientCidrBlocks,
        "The specified subnet does not have enough free cidr blocks to satisfy the request.",
    )
}

/// An explicit IPv4 prefix, in order: a /28 on its boundary, inside the subnet, clear of the
/// reserved addresses, overlapping nothing (`overlaps` asks the store).
pub fn check_ipv4(
    subnet: Ipv4Net,
    text: &str,
    mut overlaps: impl FnMut(Ipv4Net) -> Result<bool, Ec2Error>,
) -> Result<Ipv4Net, Ec2Error> {
    let net: Ipv4Net = text.parse().map_err(|_| malformed(text, IPV4_LEN))?;
    if net.prefix_len() != IPV4_LEN || net.trunc() != net {
        return Err(malformed(text, IPV4_LEN));
    }
    if !subnet.contains(&net) {
        return Err(Ec2Error::invalid_value(format!(
            "Prefix {net} does not fall within the subnet's address range"
        )));
    }
    if holds_reserved_v4(subnet, net) {
        return Err(Ec2Error::invalid_value(format!(
            "Prefix {net} overlaps the subnet's reserved address range"
        )));
    }
    if overlaps(net)? {
        return Err(in_use(net));
    }
    Ok(net)
}

fn holds_reserved_v4(subnet: Ipv4Net, net: Ipv4Net) -> bool {
    cidr::reserved_addresses(subnet)
        .iter()
        .any(|a| net.contains(a))
}

/// An explicit IPv6 prefix, as [`check_ipv4`], inside the subnet's /64.
pub fn check_ipv6(
    block: Option<Ipv6Net>,
    text: &str,
    mut overlaps: impl FnMut(Ipv6Net) -> Result<bool, Ec2Error>,
) -> Result<Ipv6Net, Ec2Error> {
    let net: Ipv6Net = text.parse().map_err(|_| malformed(text, IPV6_LEN))?;
    if net.prefix_len() != IPV6_LEN || net.trunc() != net {
        return Err(malformed(text, IPV6_LEN));
    }
    let block = block.ok_or_else(ipv6::no_ipv6_block)?;
    if !block.contains(&net) {
        return Err(Ec2Error::invalid_value(format!(
            "Prefix {net} is not in the IPv6 CIDR block {block} of the subnet."
        )));
    }
    if holds_reserved_v6(block, net) {
        return Err(Ec2Error::invalid_value(format!(
            "Prefix {net} overlaps the addresses AWS reserves in subnet block {block}."
        )));
    }
    if overlaps(net)? {
        return Err(in_use(net));
    }
    Ok(net)
}

/// The first /80 of a /64 holds `::0`–`::3`, the last one its last address.
fn holds_reserved_v6(block: Ipv6Net, net: Ipv6Net) -> bool {
    net.contains(&block.network()) || net.contains(&block.broadcast())
}

/// The /80 an IPv6 address falls in.
pub fn ipv6_prefix_of(addr: Ipv6Addr) -> Ipv6Net {
    Ipv6Net::new(addr, IPV6_LEN).expect("80 is valid").trunc()
}

/// The /28 an IPv4 address falls in.
pub fn ipv4_prefix_of(addr: Ipv4Addr) -> Ipv4Net {
    Ipv4Net::new(addr, IPV4_LEN).expect("28 is valid").trunc()
}

/// `count` free aligned /28s of the subnet, lowest first, none holding a used or reserved
/// address or one of `taken` (chosen in the same call). Reads the subnet a /24 at a time, only
/// where one could fit.
pub fn allocate_ipv4(
    subnet: Ipv4Net,
    used: &mut impl UsedAddresses,
    taken: &[Ipv4Addr],
    count: usize,
) -> Result<Vec<Ipv4Net>, Ec2Error> {
    let mut out: Vec<Ipv4Net> = Vec::with_capacity(count);
    if count == 0 {
        return Ok(out);
    }
    if subnet.prefix_len() > IPV4_LEN {
        return Err(insufficient());
    }
    let counts = used.count_per_block()?;
    let (first, last) = (u32::from(subnet.network()), u32::from(subnet.broadcast()));
    let mut start = first;
    while out.len() < count && start <= last {
        let block = block_of(Ipv4Addr::from(start));
        let block_end = last.min(u32::from(block.broadcast()));
        let candidates: Vec<Ipv4Net> = (start..=block_end)
            .step_by(16)
            .map(|a| ipv4_prefix_of(Ipv4Addr::from(a)))
            .filter(|p| !holds_reserved_v4(subnet, *p) && !taken.iter().any(|a| p.contains(a)))
            .collect();
        let size = (block_end - start + 1) as usize;
        let held = counts.get(&block.network()).copied().unwrap_or(0);
        if !candidates.is_empty() && held + 16 <= size {
            let block_used = if held > 0 {
                used.within(block)?
            } else {
                Default::default()
            };
            out.extend(
                candidates
                    .into_iter()
                    .filter(|p| {
                        block_used
                            .range(p.network()..=p.broadcast())
                            .next()
                            .is_none()
                    })
                    .take(count - out.len()),
            );
        }
        start = match block_end.checked_add(1) {
            Some(next) => next,
            None => break,
        };
    }
    if out.len() < count {
        return Err(insufficient());
    }
    Ok(out)
}

/// `count` free /80s of the subnet's /64, drawn at random as EC2's look, avoiding the two
/// holding reserved addresses and those `is_used` reports. Bounded draws, never an enumeration.
pub fn allocate_ipv6(
    block: Ipv6Net,
    count: usize,
    rng: &mut impl rand::Rng,
    mut is_used: impl FnMut(Ipv6Net) -> Result<bool, Ec2Error>,
) -> Result<Vec<Ipv6Net>, Ec2Error> {
    let mut out: Vec<Ipv6Net> = Vec::with_capacity(count);
    let bits = u32::from(IPV6_LEN.saturating_sub(block.prefix_len()));
    if bits == 0 || bits > 32 {
        return if count == 0 {
            Ok(out)
        } else {
            Err(insufficient())
        };
    }
    let span = 1u64 << bits;
    for _ in 0..count.saturating_mul(64).max(64) {
        if out.len() == count {
            break;
        }
        let index = rng.next_u64() % span;
        let base = u128::from(block.network()) | (u128::from(index) << (128 - u32::from(IPV6_LEN)));
        let net = Ipv6Net::new(Ipv6Addr::from(base), IPV6_LEN).expect("80 is valid");
        if !holds_reserved_v6(block, net) && !out.contains(&net) && !is_used(net)? {
            out.push(net);
        }
    }
    if out.len() < count {
        return Err(insufficient());
    }
    Ok(out)
}

/// Prefixes need a Nitro type (the table's blank hypervisor, bare metal, is let through).
pub fn check_type(itype: &InstanceType, any: bool) -> Result<(), Ec2Error> {
    if any && itype.hypervisor.as_deref() == Some("xen") {
        return Err(Ec2Error::combination(format!(
            "Prefix delegation is not supported for the instance type {}.",
            itype.name
        )));
    }
    Ok(())
}

/// Both families' prefix options of one new interface.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prefixes {
    pub v4: PrefixRequest,
    pub v6: PrefixRequest,
}

impl Prefixes {
    pub fn new(
        v4: Vec<String>,
        v4_count: Option<i64>,
        v6: Vec<String>,
        v6_count: Option<i64>,
    ) -> Result<Self, Ec2Error> {
        Ok(Self {
            v4: PrefixRequest::new("Ipv4", v4, v4_count, false)?,
            v6: PrefixRequest::new("Ipv6", v6, v6_count, false)?,
        })
    }

    pub fn any(&self) -> bool {
        !self.v4.is_empty() || !self.v6.is_empty()
    }
}

#[cfg(test)]
mod tests;
