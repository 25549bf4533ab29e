//! The network ACL rules, one test per rule.

use super::*;

fn request(protocol: &str) -> EntryRequest<'_> {
    EntryRequest {
        rule_number: 100,
        protocol,
        rule_action: "allow",
        cidr_block: Some("10.0.0.0/16"),
        ..Default::default()
    }
}

fn code(result: Result<NetworkAclEntry, Ec2Error>) -> ErrorCode {
    result.unwrap_err().code
}

fn acl(is_default: bool) -> NetworkAcl {
    NetworkAcl::new(
        "acl-1".into(),
        "vpc-1".into(),
        "111122223333".into(),
        is_default,
    )
}

#[test]
fn new_acls_allow_or_deny_everything_and_end_with_the_star_rule() {
    let rules = |a: &NetworkAcl| -> Vec<(bool, i32, RuleAction)> {
        a.entries
            .iter()
            .map(|e| (e.egress, e.rule_number, e.action))
            .collect()
    };
    use RuleAction::*;
    assert_eq!(
        rules(&acl(true)),
        [
            (true, 100, Allow),
            (true, 32767, Deny),
            (false, 100, Allow),
            (false, 32767, Deny)
        ]
    );
    assert_eq!(
        rules(&acl(false)),
        [(true, 32767, Deny), (false, 32767, Deny)]
    );
}

#[test]
fn rule_numbers_are_1_to_32766() {
    assert_eq!(check_rule_number(1).unwrap(), 1);
    assert_eq!(check_rule_number(32766).unwrap(), 32766);
    for bad in [0, -1, 32767, 65535, 1 << 40] {
        assert_eq!(
            check_rule_number(bad).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
    }
}

#[test]
fn protocols_become_numbers() {
    assert_eq!(protocol_number("tcp").unwrap(), "6");
    assert_eq!(protocol_number("UDP").unwrap(), "17");
    assert_eq!(protocol_number("icmp").unwrap(), "1");
    assert_eq!(protocol_number("-1").unwrap(), "-1");
    assert_eq!(protocol_number("047").unwrap(), "47");
    for bad in ["256", "-2", "gre", "", "all"] {
        assert_eq!(
            protocol_number(bad).unwrap_err().code,
            ErrorCode::InvalidParameterValue,
            "{bad}"
        );
    }
}

#[test]
fn tcp_and_udp_need_a_port_range() {
    assert_eq!(
        code(request("tcp").validate()),
        ErrorCode::InvalidParameterValue
    );
    let half = EntryRequest {
        port_range: Some((Some(22), None)),
        ..request("udp")
    };
    assert_eq!(code(half.validate()), ErrorCode::InvalidParameterValue);
    let reversed = EntryRequest {
        port_range: Some((Some(90), Some(80))),
        ..request("6")
    };
    assert_eq!(code(reversed.validate()), ErrorCode::InvalidParameterValue);
    let ok = EntryRequest {
        port_range: Some((Some(22), Some(22))),
        ..request("tcp")
    };
    assert_eq!(ok.validate().unwrap().port_range, Some((22, 22)));
}

#[test]
fn icmp_needs_type_and_code() {
    assert_eq!(
        code(request("icmp").validate()),
        ErrorCode::InvalidParameterValue
    );
    let ok = EntryRequest {
        icmp: Some((Some(-1), Some(-1))),
        ..request("1")
    };
    assert_eq!(ok.validate().unwrap().icmp_type_code, Some((-1, -1)));
    let v6 = EntryRequest {
        cidr_block: None,
        ipv6_cidr_block: Some("::/0"),
        ..request("58")
    };
    assert_eq!(code(v6.validate()), ErrorCode::InvalidParameterValue);
    // ICMPv6 with an IPv4 range allows every type: nothing to give.
    assert_eq!(request("58").validate().unwrap().icmp_type_code, None);
}

#[test]
fn ports_and_types_kept_only_where_they_mean_something() {
    let all = EntryRequest {
        port_range: Some((Some(1), Some(2))),
        icmp: Some((Some(3), Some(4))),
        ..request("-1")
    };
    let entry = all.validate().unwrap();
    assert_eq!((entry.port_range, entry.icmp_type_code), (None, None));
    let tcp = EntryRequest {
        protocol: "tcp",
        ..all.clone()
    }
    .validate()
    .unwrap();
    assert_eq!((tcp.port_range, tcp.icmp_type_code), (Some((1, 2)), None));
}

#[test]
fn exactly_one_cidr_canonicalised() {
    let none = EntryRequest {
        cidr_block: None,
        ..request("-1")
    };
    assert_eq!(code(none.validate()), ErrorCode::MissingParameter);
    let both = EntryRequest {
        ipv6_cidr_block: Some("::/0"),
        ..request("-1")
    };
    assert_eq!(
        code(both.validate()),
        ErrorCode::InvalidParameterCombination
    );
    let v4 = EntryRequest {
        cidr_block: Some("100.68.0.18/18"),
        ..request("-1")
    };
    assert_eq!(v4.validate().unwrap().cidr.to_string(), "100.68.0.0/18");
    let v6 = EntryRequest {
        cidr_block: None,
        ipv6_cidr_block: Some("2001:db8::1/32"),
        ..request("-1")
    };
    assert_eq!(v6.validate().unwrap().cidr.to_string(), "2001:db8::/32");
    let bad = EntryRequest {
        cidr_block: Some("10.0.0.0"),
        ..request("-1")
    };
    assert_eq!(code(bad.validate()), ErrorCode::InvalidParameterValue);
}

#[test]
fn rule_numbers_unique_per_direction_and_limited() {
    let a = acl(true);
    let mut entry = request("-1").validate().unwrap();
    assert_eq!(
        a.check_new_entry(&entry, 20).unwrap_err().code,
        ErrorCode::NetworkAclEntryAlreadyExists
    );
    entry.rule_number = 110;
    assert!(a.check_new_entry(&entry, 20).is_ok());
    // 100 and `*` are two of the direction's entries: a quota of 2 is full.
    assert_eq!(
        a.check_new_entry(&entry, 2).unwrap_err().code,
        ErrorCode::NetworkAclEntryLimitExceeded
    );
    assert!(acl(false).check_new_entry(&entry, 2).is_ok());
}

#[test]
fn replace_and_delete_need_the_rule() {
    let a = acl(true);
    assert!(a.check_existing_entry(true, 100).is_ok());
    let err = a.check_existing_entry(false, 200).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidNetworkAclEntryNotFound);
    assert_eq!(err.message, "no ingress entry with number 200");
}

#[test]
fn default_and_associated_acls_stay() {
    assert_eq!(
        acl(true).check_deletable().unwrap_err().code,
        ErrorCode::InvalidParameterValue
    );
    let mut used = acl(false);
    assert!(used.check_deletable().is_ok());
    used.associations.push(NetworkAclAssociation {
        id: "aclassoc-1".into(),
        network_acl_id: used.id.clone(),
        subnet_id: "subnet-1".into(),
    });
    assert_eq!(
        used.check_deletable().unwrap_err().code,
        ErrorCode::DependencyViolation
    );
    assert!(used.check_can_take(&used.associations[0], "vpc-1").is_ok());
    assert_eq!(
        used.check_can_take(&used.associations[0], "vpc-2")
            .unwrap_err()
            .code,
        ErrorCode::InvalidParameterValue
    );
}

#[test]
fn protocol_filter_takes_names_and_numbers() {
    let mut a = acl(false);
    a.entries.push(
        EntryRequest {
            port_range: Some((Some(1), Some(2))),
            ..request("tcp")
        }
        .validate()
        .unwrap(),
    );
    let protocol = FILTERS.iter().find(|f| f.name == "entry.protocol").unwrap();
    let values = (protocol.values)(&a);
    assert!(values.contains(&"6".to_string()) && values.contains(&"tcp".to_string()));
}

#[test]
fn ipv6_brings_rule_101_to_untouched_default_directions_and_the_ipv6_star_rule() {
    let numbers = |entries: &[NetworkAclEntry]| -> Vec<(bool, i32, RuleAction, String)> {
        entries
            .iter()
            .map(|e| (e.egress, e.rule_number, e.action, e.cidr.to_string()))
            .collect()
    };
    use RuleAction::*;
    let all6 = "::/0".to_string();
    assert_eq!(
        numbers(&acl(true).ipv6_additions()),
        [
            (true, 101, Allow, all6.clone()),
            (true, 32768, Deny, all6.clone()),
            (false, 101, Allow, all6.clone()),
            (false, 32768, Deny, all6.clone()),
        ]
    );
    assert_eq!(
        numbers(&acl(false).ipv6_additions()),
        [
            (true, 32768, Deny, all6.clone()),
            (false, 32768, Deny, all6.clone())
        ]
    );
    // A direction the user changed keeps its rules; the `*` rule comes anyway, once.
    let mut changed = acl(true);
    changed.entries.push(NetworkAclEntry::all(50, false, Deny));
    let added = changed.ipv6_additions();
    assert_eq!(
        numbers(&added),
        [
            (true, 101, Allow, all6.clone()),
            (true, 32768, Deny, all6.clone()),
            (false, 32768, Deny, all6.clone()),
        ]
    );
    changed.entries.extend(added);
    assert!(changed.ipv6_additions().is_empty());
}

#[test]
fn the_entry_quota_counts_each_family_apart() {
    let mut a = acl(false);
    a.entries.extend(a.ipv6_additions());
    let v4 = request("-1").validate().unwrap();
    // Ingress holds the IPv4 `*` rule and the IPv6 one: one of each family.
    assert!(a.check_new_entry(&v4, 2).is_ok());
    a.entries.push(v4);
    let another = NetworkAclEntry {
        rule_number: 200,
        ..request("-1").validate().unwrap()
    };
    assert_eq!(
        a.check_new_entry(&another, 2).unwrap_err().code,
        ErrorCode::NetworkAclEntryLimitExceeded
    );
    let v6 = NetworkAclEntry::all_ipv6(200, false, RuleAction::Allow);
    assert!(a.check_new_entry(&v6, 2).is_ok());
}
