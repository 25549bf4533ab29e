//! Private IPv4 addresses in a subnet: validation of explicit addresses in AWS's order, and
//! allocation that never hands out a reserved address or one already in use.

use crate::cidr;
use crate::error::{Ec2Error, ErrorCode};
use ipnet::Ipv4Net;
use std::collections::BTreeSet;
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

/// Picks `count` free addresses, lowest first, skipping the reserved ones, `used` and `taken`
/// (addresses chosen explicitly in the same call). All or nothing.
pub fn allocate(
    subnet_id: &str,
    subnet: Ipv4Net,
    used: &BTreeSet<Ipv4Addr>,
    taken: &[Ipv4Addr],
    count: usize,
) -> Result<Vec<Ipv4Addr>, Ec2Error> {
    let first = u32::from(subnet.network()) + 4;
    let last = u32::from(subnet.broadcast()) - 1;
    let picked: Vec<Ipv4Addr> = (first..=last)
        .map(Ipv4Addr::from)
        .filter(|a| !used.contains(a) && !taken.contains(a))
        .take(count)
        .collect();
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        let got = allocate("s", net(), &used, &["10.0.1.5".parse().unwrap()], 2).unwrap();
        assert_eq!(
            got,
            vec![
                "10.0.1.6".parse::<Ipv4Addr>().unwrap(),
                "10.0.1.7".parse().unwrap()
            ]
        );
        assert_eq!(
            allocate("s", net(), &BTreeSet::new(), &[], 11)
                .unwrap()
                .len(),
            11
        );
        assert_eq!(
            allocate("s", net(), &BTreeSet::new(), &[], 12)
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
        /// Random sequences of assign/unassign never produce a duplicate or a reserved address,
        /// and the free count always matches.
        #[test]
        fn never_duplicate_or_reserved(ops in proptest::collection::vec(op(), 1..60)) {
            let subnet: Ipv4Net = "10.0.1.0/27".parse().unwrap();
            let mut used: BTreeSet<Ipv4Addr> = BTreeSet::new();
            for op in ops {
                match op {
                    Op::Allocate(n) => match allocate("s", subnet, &used, &[], n) {
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
