use super::*;
use crate::IdKind;

fn list(max: i64, cidrs: &[&str]) -> PrefixList {
    PrefixList {
        id: "pl-0123456789abcdef0".into(),
        name: "office".into(),
        family: Family::V4,
        max_entries: Some(max),
        version: Some(1),
        state: State::CreateComplete,
        owner_id: "123456789012".into(),
        entries: cidrs
            .iter()
            .map(|c| Entry {
                cidr: c.parse().unwrap(),
                description: None,
            })
            .collect(),
        tags: vec![],
        weight: max,
    }
}

fn requested(cidrs: &[&str]) -> Vec<(String, Option<String>)> {
    cidrs.iter().map(|c| (c.to_string(), None)).collect()
}

#[test]
fn sizes_names_and_families_are_checked_with_aws_messages() {
    for bad in [0, 1001] {
        let err = check_max_entries(bad).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert_eq!(err.message, "Must specify a max size between 1 and 1000");
    }
    assert!(check_max_entries(1000).is_ok());
    assert!(check_name("com.amazonaws.mine").is_err());
    assert!(check_name("").is_err());
    assert!(check_name("corp").is_ok());
    assert_eq!(
        Family::parse("ipv4").unwrap_err().code,
        ErrorCode::InvalidParameterValue
    );
    let many: Vec<String> = (0..101).map(|i| format!("10.0.{i}.0/24")).collect();
    let err = initial_entries(
        &many.iter().map(|c| (c.clone(), None)).collect::<Vec<_>>(),
        Family::V4,
        1000,
    )
    .unwrap_err();
    assert_eq!(
        err.message,
        "The number of entries per request cannot exceeds limit (100)."
    );
}

#[test]
fn initial_entries_are_canonical_sorted_unique_of_the_family_and_fit() {
    let e = initial_entries(&requested(&["10.1.0.5/16", "10.0.0.0/16"]), Family::V4, 5).unwrap();
    assert_eq!(e[0].cidr.to_string(), "10.0.0.0/16");
    assert_eq!(e[1].cidr.to_string(), "10.1.0.0/16");
    for bad in [
        requested(&["10.0.0.0/16", "10.0.0.1/16"]),
        requested(&["2001:db8::/32"]),
        requested(&["10.0.0.0/33"]),
        requested(&["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]),
    ] {
        let err = initial_entries(&bad, Family::V4, 2).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue, "{bad:?}");
    }
}

#[test]
fn entry_changes_make_a_new_version_and_need_the_current_one() {
    let mut l = list(3, &["10.0.0.0/16"]);
    let m = Modification {
        current_version: Some(1),
        add: requested(&["10.1.0.0/16"]),
        remove: vec!["10.0.0.0/16".into()],
        ..Default::default()
    };
    let done = modify(&mut l, &m).unwrap();
    assert_eq!(l.version, Some(2));
    assert_eq!(l.state, State::ModifyComplete);
    assert_eq!(done.entries.unwrap()[0].cidr.to_string(), "10.1.0.0/16");
    // Version 1 is no longer current.
    let err = modify(&mut l, &m).unwrap_err();
    assert_eq!(err.code, ErrorCode::PrefixListVersionMismatch);
    assert_eq!(
        err.message,
        "The prefix list has the incorrect version number"
    );
    // Entries without a version.
    let err = modify(
        &mut l,
        &Modification {
            add: requested(&["10.2.0.0/16"]),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::MissingParameter);
}

#[test]
fn size_and_entries_change_apart_and_a_list_never_holds_more_than_its_size() {
    let mut l = list(2, &["10.0.0.0/16", "10.1.0.0/16"]);
    let both = Modification {
        current_version: Some(1),
        add: requested(&["10.2.0.0/16"]),
        max_entries: Some(5),
        ..Default::default()
    };
    assert_eq!(
        modify(&mut l, &both).unwrap_err().code,
        ErrorCode::InvalidParameterCombination
    );
    let over = Modification {
        current_version: Some(1),
        add: requested(&["10.2.0.0/16"]),
        ..Default::default()
    };
    assert_eq!(
        modify(&mut l, &over).unwrap_err().code,
        ErrorCode::InvalidParameterValue
    );
    let shrink = Modification {
        max_entries: Some(1),
        ..Default::default()
    };
    assert_eq!(
        modify(&mut l, &shrink).unwrap_err().code,
        ErrorCode::InvalidParameterValue
    );
    let grow = Modification {
        max_entries: Some(4),
        ..Default::default()
    };
    assert_eq!(modify(&mut l, &grow).unwrap(), Modified { entries: None });
    assert_eq!((l.max_entries, l.weight, l.version), (Some(4), 4, Some(1)));
}

#[test]
fn removing_what_is_not_there_or_naming_a_cidr_twice_is_refused() {
    let mut l = list(5, &["10.0.0.0/16"]);
    let absent = Modification {
        current_version: Some(1),
        remove: vec!["10.9.0.0/16".into()],
        ..Default::default()
    };
    assert!(modify(&mut l, &absent).is_err());
    let twice = Modification {
        current_version: Some(1),
        add: requested(&["10.2.0.0/16", "10.2.0.0/16"]),
        ..Default::default()
    };
    assert!(modify(&mut l, &twice).is_err());
    let both = Modification {
        current_version: Some(1),
        add: requested(&["10.0.0.0/16"]),
        remove: vec!["10.0.0.0/16".into()],
        ..Default::default()
    };
    assert_eq!(
        modify(&mut l, &both).unwrap_err().message,
        "Request cannot contain Cidr 10.0.0.0/16 in both AddPrefixListEntries and RemovePrefixListEntries"
    );
    assert_eq!(l.version, Some(1));
}

#[test]
fn restore_copies_an_old_version_forward() {
    let mut l = list(5, &["10.1.0.0/16"]);
    l.version = Some(2);
    let old = vec![Entry {
        cidr: "10.0.0.0/16".parse().unwrap(),
        description: None,
    }];
    assert_eq!(
        restore(&mut l.clone(), 1, 1, Some(old.clone()))
            .unwrap_err()
            .code,
        ErrorCode::PrefixListVersionMismatch
    );
    assert!(restore(&mut l.clone(), 2, 7, None).is_err());
    restore(&mut l, 2, 1, Some(old.clone())).unwrap();
    assert_eq!((l.version, l.state), (Some(3), State::RestoreComplete));
    assert_eq!(l.entries, old);
}

#[test]
fn aws_managed_lists_are_read_only_with_legacy_ids_and_weights() {
    let lists = aws_managed("us-east-1");
    let s3 = lists
        .iter()
        .find(|l| l.name == "com.amazonaws.us-east-1.s3")
        .unwrap();
    assert_eq!(s3.id, "pl-63a5400a");
    assert_eq!(
        s3.arn("us-east-1"),
        "arn:aws:ec2:us-east-1:aws:prefix-list/pl-63a5400a"
    );
    assert_eq!((s3.weight, s3.max_entries, s3.version), (1, None, None));
    let cf = lists
        .iter()
        .find(|l| l.name == "com.amazonaws.global.cloudfront.origin-facing")
        .unwrap();
    assert_eq!(cf.weight, 55);
    for l in &lists {
        assert!(IdKind::PrefixList.parse(&l.id).is_ok(), "{}", l.id);
        assert!(l.entries.iter().all(|e| Family::of(&e.cidr) == l.family));
    }
    // IDs are per region but stable.
    let tokyo = aws_managed("ap-northeast-1");
    assert_ne!(tokyo[0].id, lists[0].id);
    assert_eq!(tokyo, aws_managed("ap-northeast-1"));
    let mut s3 = s3.clone();
    assert_eq!(
        modify(&mut s3, &Modification::default()).unwrap_err().code,
        ErrorCode::InvalidPrefixListModification
    );
    assert!(check_delete(&s3, &[]).is_err());
}

#[test]
fn a_referenced_list_cannot_be_deleted_or_outgrow_its_referrers() {
    let l = list(5, &[]);
    let err = check_delete(&l, &["sg-0123456789abcdef0".into()]).unwrap_err();
    assert_eq!(err.code, ErrorCode::DependencyViolation);
    assert!(check_delete(&l, &[]).is_ok());
    assert!(check_resize(&l, &[("sg-1".into(), true)]).is_ok());
    let err = check_resize(&l, &[("sg-1".into(), true), ("rtb-2".into(), false)]).unwrap_err();
    assert!(err.message.contains("rtb-2") && !err.message.contains("sg-1"));
}
