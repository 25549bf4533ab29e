//! CIDR and IPv4 parsing over arbitrary text, and the subnet arithmetic on every block the
//! parsers accept: canonical forms round-trip, reserved addresses and allocation stay inside
//! the block.
#![no_main]

use libfuzzer_sys::fuzz_target;
use localvpc_model::{address, cidr};
use std::collections::BTreeSet;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (block, addresses) = text.split_once(' ').unwrap_or((&text, ""));
    if let Some(net) = cidr::parse_canonical(block) {
        assert_eq!(cidr::parse_canonical(&net.to_string()), Some(net));
        assert_eq!(cidr::any_block(block, "p").ok(), Some(net));
    } else {
        assert!(cidr::any_block(block, "p").is_err());
    }
    let _ = cidr::vpc_block(block);
    let Ok(subnet) = cidr::subnet_block(block) else {
        return;
    };
    assert!((cidr::MIN_PREFIX..=cidr::MAX_PREFIX).contains(&subnet.prefix_len()));
    assert!(
        cidr::reserved_addresses(subnet)
            .iter()
            .all(|a| subnet.contains(a))
    );
    let texts: Vec<String> = addresses.split(' ').map(str::to_owned).collect();
    let used: BTreeSet<_> = texts
        .iter()
        .filter_map(|t| address::parse(t).ok())
        .collect();
    if let Ok(picked) = address::check_explicit(subnet, &texts, &BTreeSet::new(), |_| address::in_use()) {
        assert!(
            picked
                .iter()
                .all(|a| subnet.contains(a) && !cidr::is_reserved(subnet, *a))
        );
    }
    let want = texts.len() % 16;
    match address::allocate("subnet-1", subnet, &mut used.clone(), &[], want) {
        Ok(got) => {
            assert_eq!(got.len(), want);
            assert!(got.iter().all(|a| subnet.contains(a)
                && !cidr::is_reserved(subnet, *a)
                && !used.contains(a)));
        }
        Err(e) => assert_eq!(e.code.as_str(), "InsufficientFreeAddressesInSubnet"),
    }
});
