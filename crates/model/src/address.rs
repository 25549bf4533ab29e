//! Private IPv4 addresses in a subnet: validation of explicit addresses in AWS's order, and
//! allocation that never hands out a reserved address or one already in use.

use crate::cidr;
use crate::error::{Ec2Error, ErrorCode};
use ipnet::Ipv4Net;
use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

/// Step 1: the text must be an IPv4 address.
pub fn parse(text: &str) -> Result<Ipv4Addr, Ec2Error> {
    text.parse().map_err(|_| {
        Ec2Error::invalid_value(format!("invalid value for parameter address: {text}"))
    })
}

/// Steps 2–3: inside the subnet and not one of its five reserved addresses.
pub fn check_placement(subnet: Ipv4Net, addr: Ipv4Addr) -> Result<(), Ec2Error> {
    if !subnet.contains(&addr) {
        return Err(Ec2Error::invalid_value(format!(
            "Address {addr} does not fall within the subnet's address range"
        )));
    }
    if cidr::is_reserved(subnet, addr) {
        return Err(Ec2Error::invalid_value(format!(
            "Address {addr} is in subnet's reserved address range"
        )));
    }
    Ok(())
}

/// Step 4: not held by another interface (CreateNetworkInterface, AssignPrivateIpAddresses).
pub fn in_use() -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidIpAddressInUse,
        "The specified address is already in use.",
    )
}

/// Step 4 as RunInstances words it: it names the address.
pub fn in_use_at_launch(addr: Ipv4Addr) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidIpAddressInUse,
        format!("Address {addr} is in use."),
    )
}

/// Validates explicitly requested addresses in AWS's order (syntax, subnet, reserved, in use);
/// the list itself must not repeat an address. `in_use` words the last refusal.
pub fn check_explicit(
    subnet: Ipv4Net,
    texts: &[String],
    used: &BTreeSet<Ipv4Addr>,
    in_use: fn(Ipv4Addr) -> Ec2Error,
) -> Result<Vec<Ipv4Addr>, Ec2Error> {
    let mut out: Vec<Ipv4Addr> = Vec::with_capacity(texts.len());
    for text in texts {
        let addr = parse(text)?;
        check_placement(subnet, addr)?;
        if used.contains(&addr) || out.contains(&addr) {
            return Err(in_use(addr));
        }
        out.push(addr);
    }
    Ok(out)
}

/// A subnet's used addresses as allocation reads them: a count per /24 first, then the
/// addresses of only the /24s it picks from, so a large, full subnet is never read whole.
pub trait UsedAddresses {
    /// How many addresses of the subnet each /24 holds, keyed by the /24's first address
    /// (a /24 holding none may be left out).
    fn count_per_block(&mut self) -> Result<HashMap<Ipv4Addr, usize>, Ec2Error>;
    /// The used addresses in `block` (a /24).
    fn within(&mut self, block: Ipv4Net) -> Result<BTreeSet<Ipv4Addr>, Ec2Error>;
}

/// Every used address at hand, as tests and small callers have them.
impl UsedAddresses for BTreeSet<Ipv4Addr> {
    fn count_per_block(&mut self) -> Result<HashMap<Ipv4Addr, usize>, Ec2Error> {
        let mut counts = HashMap::new();
        for a in self.iter() {
            *counts.entry(block_of(*a).network()).or_default() += 1;
        }
        Ok(counts)
    }

    fn within(&mut self, block: Ipv4Net) -> Result<BTreeSet<Ipv4Addr>, Ec2Error> {
        Ok(self
            .range(block.network()..=block.broadcast())
            .copied()
            .collect())
    }
}

/// The /24 an address is in: the unit [`UsedAddresses`] counts by.
pub fn block_of(addr: Ipv4Addr) -> Ipv4Net {
    Ipv4Net::new(addr, 24)
        .expect("24 is a valid prefix")
        .trunc()
}

/// Picks `count` free addresses, lowest first, skipping the reserved ones, `used` and `taken`
/// (free addresses chosen explicitly in the same call). All or nothing.
pub fn allocate(
    subnet_id: &str,
    subnet: Ipv4Net,
    used: &mut impl UsedAddresses,
    taken: &[Ipv4Addr],
    count: usize,
) -> Result<Vec<Ipv4Addr>, Ec2Error> {
    let first = u32::from(subnet.network()) + 4;
    let last = u32::from(subnet.broadcast()) - 1;
    let mut picked: Vec<Ipv4Addr> = Vec::with_capacity(count);
    if count > 0 && first <= last {
        let counts = used.count_per_block()?;
        let mut block_start = first & !0xff;
        while picked.len() < count && block_start <= last {
            let (lo, hi) = (first.max(block_start), last.min(block_start | 0xff));
            let block = block_of(Ipv4Addr::from(block_start));
            let in_block = |a: &&Ipv4Addr| (lo..=hi).contains(&u32::from(**a));
            let held = counts.get(&block.network()).copied().unwrap_or(0)
                + taken.iter().filter(in_block).count();
            if held < (hi - lo + 1) as usize {
                let block_used = if counts.contains_key(&block.network()) {
                    used.within(block)?
                } else {
                    BTreeSet::new()
                };
                picked.extend(
                    (lo..=hi)
                        .map(Ipv4Addr::from)
                        .filter(|a| !block_used.contains(a) && !taken.contains(a))
                        .take(count - picked.len()),
                );
            }
            block_start = match block_start.checked_add(0x100) {
                Some(next) => next,
                None => break,
            };
        }
    }
    if picked.len() < count {
        return Err(Ec2Error::new(
            ErrorCode::InsufficientFreeAddressesInSubnet,
            format!(
                "There are not enough free addresses in subnet '{subnet_id}' to satisfy the requested number of addresses."
            ),
        ));
    }
    Ok(picked)
}

/// One `PrivateIpAddresses.N` entry of a new interface.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrivateIpEntry {
    pub primary: Option<bool>,
    pub address: Option<String>,
}

/// Sorts `PrivateIpAddress` + `PrivateIpAddresses.N` + a secondary count into a primary and
/// secondaries, refusing the combinations EC2 refuses. Without a primary, the first entry not
/// marked `Primary=false` becomes it; entries marked false stay secondary and the primary is
/// picked from the subnet (the CLI's `--secondary-private-ip-addresses` sends them so).
pub fn split_private(
    private_ip_address: Option<String>,
    entries: &[PrivateIpEntry],
    secondary_count: Option<i64>,
) -> Result<(Option<String>, Vec<String>, u32), Ec2Error> {
    let mut primary = private_ip_address;
    let mut secondaries = Vec::new();
    let mut first_unmarked: Option<usize> = None;
    for (i, spec) in entries.iter().enumerate() {
        let addr = spec.address.clone().ok_or_else(|| {
            Ec2Error::missing_parameter(&format!("PrivateIpAddresses.{}.PrivateIpAddress", i + 1))
        })?;
        if spec.primary == Some(true) {
            match &primary {
                Some(p) if p == &addr => {}
                Some(_) => {
                    return Err(Ec2Error::combination(
                        "Only one primary private IP address can be specified.",
                    ));
                }
                None => primary = Some(addr),
            }
        } else if primary.as_ref() != Some(&addr) {
            if spec.primary.is_none() && first_unmarked.is_none() {
                first_unmarked = Some(secondaries.len());
            }
            secondaries.push(addr);
        }
    }
    if let (None, Some(at)) = (&primary, first_unmarked) {
        primary = Some(secondaries.remove(at));
    }
    let count = match secondary_count {
        None => 0,
        Some(n) if (0..=u32::MAX as i64).contains(&n) => n as u32,
        Some(n) => {
            return Err(Ec2Error::invalid_parameter(
                "SecondaryPrivateIpAddressCount",
                &n.to_string(),
            ));
        }
    };
    if count > 0 && entries.len() > 1 {
        return Err(Ec2Error::combination(
            "SecondaryPrivateIpAddressCount cannot be specified together with more than one PrivateIpAddresses entry.",
        ));
    }
    Ok((primary, secondaries, count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn spec(addr: &str, primary: Option<bool>) -> PrivateIpEntry {
        PrivateIpEntry {
            primary,
            address: Some(addr.into()),
        }
    }

    #[test]
    fn address_combinations() {
        let (p, s, n) = split_private(Some("10.0.0.5".into()), &[], Some(2)).unwrap();
        assert_eq!((p.as_deref(), s.len(), n), (Some("10.0.0.5"), 0, 2));
        let (p, s, _) = split_private(
            None,
            &[spec("10.0.0.6", None), spec("10.0.0.5", Some(true))],
            None,
        )
        .unwrap();
        assert_eq!(
            (p.as_deref(), s),
            (Some("10.0.0.5"), vec!["10.0.0.6".to_string()])
        );
        let (p, s, _) = split_private(
            Some("10.0.0.5".into()),
            &[spec("10.0.0.5", Some(true))],
            None,
        )
        .unwrap();
        assert_eq!((p.as_deref(), s.len()), (Some("10.0.0.5"), 0));
        let err = split_private(
            Some("10.0.0.5".into()),
            &[spec("10.0.0.6", Some(true))],
            None,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterCombination);
        let err = split_private(
            None,
            &[spec("10.0.0.5", Some(true)), spec("10.0.0.6", Some(true))],
            None,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterCombination);
        let err = split_private(
            None,
            &[spec("10.0.0.5", None), spec("10.0.0.6", None)],
            Some(1),
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterCombination);
        let (p, s, _) = split_private(None, &[spec("10.0.0.7", None)], None).unwrap();
        assert_eq!(
            (p.as_deref(), s.len()),
            (Some("10.0.0.7"), 0),
            "the first entry is primary when none is marked"
        );
        let (p, s, _) = split_private(
            None,
            &[spec("10.0.0.7", Some(false)), spec("10.0.0.8", Some(false))],
            None,
        )
        .unwrap();
        assert_eq!(
            (p, s),
            (None, vec!["10.0.0.7".to_string(), "10.0.0.8".to_string()]),
            "addresses marked secondary stay secondary"
        );
        let (p, s, _) = split_private(
            None,
            &[spec("10.0.0.7", Some(false)), spec("10.0.0.8", None)],
            None,
        )
        .unwrap();
        assert_eq!(
            (p.as_deref(), s),
            (Some("10.0.0.8"), vec!["10.0.0.7".to_string()])
        );
    }

    fn net() -> Ipv4Net {
        "10.0.1.0/28".parse().unwrap()
    }

    #[test]
    fn check_order() {
        let used: BTreeSet<Ipv4Addr> = ["10.0.1.5".parse().unwrap()].into();
        let codes =
            |t: &str| check_explicit(net(), &[t.to_string()], &used, |_| in_use()).unwrap_err();
        assert_eq!(
            codes("10.0.1").message,
            "invalid value for parameter address: 10.0.1"
        );
        assert_eq!(codes("10.0.2.5").code, ErrorCode::InvalidParameterValue);
        assert!(codes("10.0.2.5").message.contains("does not fall within"));
        assert!(codes("10.0.1.1").message.contains("reserved"));
        assert!(codes("10.0.1.15").message.contains("reserved"));
        assert_eq!(codes("10.0.1.5").code.as_str(), "InvalidIPAddress.InUse");
        let dup = check_explicit(
            net(),
            &["10.0.1.6".into(), "10.0.1.6".into()],
            &used,
            in_use_at_launch,
        )
        .unwrap_err();
        assert_eq!(
            (dup.code, dup.message.as_str()),
            (
                ErrorCode::InvalidIpAddressInUse,
                "Address 10.0.1.6 is in use."
            )
        );
        assert_eq!(
            check_explicit(net(), &["10.0.1.4".into()], &used, |_| in_use()).unwrap(),
            vec!["10.0.1.4".parse::<Ipv4Addr>().unwrap()]
        );
    }

    #[test]
    fn allocation_skips_reserved_used_and_taken() {
        let used: BTreeSet<Ipv4Addr> = ["10.0.1.4".parse().unwrap()].into();
        let got = allocate(
            "s",
            net(),
            &mut used.clone(),
            &["10.0.1.5".parse().unwrap()],
            2,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                "10.0.1.6".parse::<Ipv4Addr>().unwrap(),
                "10.0.1.7".parse().unwrap()
            ]
        );
        assert_eq!(
            allocate("s", net(), &mut BTreeSet::new(), &[], 11)
                .unwrap()
                .len(),
            11
        );
        assert_eq!(
            allocate("s", net(), &mut BTreeSet::new(), &[], 12)
                .unwrap_err()
                .code,
            ErrorCode::InsufficientFreeAddressesInSubnet
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Allocate(usize),
        Explicit(u8),
        Release(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1usize..4).prop_map(Op::Allocate),
            (0u8..32).prop_map(Op::Explicit),
            (0usize..40).prop_map(Op::Release)
        ]
    }

    proptest! {
        /// Block by block, allocation picks exactly what a scan of every address would: the
        /// lowest free ones, across /24 boundaries, with full and partly full blocks.
        #[test]
        fn blockwise_equals_a_full_scan(
            prefix in 20u8..29,
            dense in 0u32..1200,
            scattered in proptest::collection::vec(any::<u32>(), 0..300),
            taken in proptest::collection::vec(any::<u32>(), 0..4),
            count in 0usize..700,
        ) {
            let subnet = Ipv4Net::new("10.0.0.0".parse().unwrap(), prefix).unwrap();
            let (first, last) = (u32::from(subnet.network()) + 4, u32::from(subnet.broadcast()) - 1);
            let size = last - first + 1;
            let pick = |n: u32| Ipv4Addr::from(first + n % size);
            let mut used: BTreeSet<Ipv4Addr> = (0..dense.min(size)).map(pick).collect();
            used.extend(scattered.iter().map(|n| pick(*n)));
            let taken: Vec<Ipv4Addr> = taken.iter().map(|n| pick(*n)).filter(|a| !used.contains(a)).collect();
            let scan: Vec<Ipv4Addr> = (first..=last)
                .map(Ipv4Addr::from)
                .filter(|a| !used.contains(a) && !taken.contains(a))
                .take(count)
                .collect();
            match allocate("s", subnet, &mut used.clone(), &taken, count) {
                Ok(got) => prop_assert_eq!(got, scan),
                Err(e) => {
                    prop_assert_eq!(e.code, ErrorCode::InsufficientFreeAddressesInSubnet);
                    prop_assert!(scan.len() < count);
                }
            }
        }

        /// Random sequences of assign/unassign never produce a duplicate or a reserved address,
        /// and the free count always matches.
        #[test]
        fn never_duplicate_or_reserved(ops in proptest::collection::vec(op(), 1..60)) {
            let subnet: Ipv4Net = "10.0.1.0/27".parse().unwrap();
            let mut used: BTreeSet<Ipv4Addr> = BTreeSet::new();
            for op in ops {
                match op {
                    Op::Allocate(n) => match allocate("s", subnet, &mut used.clone(), &[], n) {
                        Ok(got) => {
                            prop_assert_eq!(got.len(), n);
                            for a in got { prop_assert!(used.insert(a), "duplicate {}", a); }
                        }
                        Err(e) => {
                            prop_assert_eq!(e.code, ErrorCode::InsufficientFreeAddressesInSubnet);
                            prop_assert!(cidr::usable_count(subnet) - (used.len() as u64) < n as u64);
                        }
                    },
                    Op::Explicit(last) => {
                        let text = format!("10.0.1.{last}");
                        if let Ok(got) = check_explicit(subnet, &[text], &used, |_| in_use()) {
                            prop_assert!(used.insert(got[0]));
                        }
                    }
                    Op::Release(i) => {
                        if let Some(a) = used.iter().nth(i).copied() { used.remove(&a); }
                    }
                }
                prop_assert!(used.iter().all(|a| subnet.contains(a) && !cidr::is_reserved(subnet, *a)));
                prop_assert!((used.len() as u64) <= cidr::usable_count(subnet));
            }
        }
    }
}
