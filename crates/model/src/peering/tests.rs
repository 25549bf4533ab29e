use super::*;

fn side(owner: &str, region: &str, vpc: &str, cidr: &str) -> PeeringSide {
    PeeringSide {
        owner_id: owner.into(),
        region: region.into(),
        vpc_id: vpc.into(),
        cidr_blocks: vec![cidr.parse().unwrap()],
        ipv6_blocks: vec![],
        allow_dns_resolution_from_remote_vpc: false,
    }
}

fn pcx(state: PeeringState, accepter_owner: &str) -> PeeringConnection {
    PeeringConnection {
        id: "pcx-1".into(),
        requester: side("111111111111", "us-east-1", "vpc-a", "10.0.0.0/16"),
        accepter: side(accepter_owner, "us-east-1", "vpc-b", "10.1.0.0/16"),
        state,
        ended_by: None,
        create_time: "2026-01-01T00:00:00.000Z".into(),
        expiration_time: "2026-01-08T00:00:00.000Z".into(),
        ended_at: None,
        tags: vec![],
    }
}

const NO_DNS: DnsAttributes = DnsAttributes {
    both_vpcs_resolve_hostnames: false,
};

#[test]
fn parties_follow_account_and_region_and_a_failed_request_is_the_requesters_alone() {
    let p = pcx(PeeringState::PendingAcceptance, "222222222222");
    assert_eq!(p.party("111111111111", "us-east-1"), Some(Party::Requester));
    assert_eq!(p.party("222222222222", "us-east-1"), Some(Party::Accepter));
    assert_eq!(p.party("222222222222", "eu-west-1"), None);
    assert_eq!(p.party("333333333333", "us-east-1"), None);
    let same = pcx(PeeringState::PendingAcceptance, "111111111111");
    assert_eq!(same.party("111111111111", "us-east-1"), Some(Party::Both));
    let failed = pcx(PeeringState::Failed, "222222222222");
    assert_eq!(failed.party("222222222222", "us-east-1"), None);
    assert_eq!(
        failed.party("111111111111", "us-east-1"),
        Some(Party::Requester)
    );
}

#[test]
fn overlapping_blocks_or_a_missing_peer_fail_the_request() {
    let a = side("1", "r", "vpc-a", "10.0.0.0/16");
    assert!(fails(&a, None));
    assert!(fails(&a, Some(&side("1", "r", "vpc-b", "10.0.128.0/17"))));
    assert!(fails(&a, Some(&side("1", "r", "vpc-b", "10.0.0.0/8"))));
    assert!(fails(&a, Some(&side("1", "r", "vpc-a", "10.9.0.0/16"))));
    assert!(!fails(&a, Some(&side("1", "r", "vpc-b", "10.1.0.0/16"))));
    let mut secondary = side("1", "r", "vpc-b", "10.1.0.0/16");
    secondary.cidr_blocks.push("10.0.5.0/24".parse().unwrap());
    assert!(fails(&a, Some(&secondary)));
    let (mut v6a, mut v6b) = (a.clone(), side("1", "r", "vpc-b", "10.1.0.0/16"));
    v6a.ipv6_blocks.push("2001:db8:1::/56".parse().unwrap());
    v6b.ipv6_blocks.push("2001:db8:1::/56".parse().unwrap());
    assert!(fails(&v6a, Some(&v6b)));
}

#[test]
fn only_the_accepter_answers_and_only_while_pending() {
    let p = pcx(PeeringState::PendingAcceptance, "222222222222");
    let e = check_answer(&p, Party::Requester, "111111111111", "accept").unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationNotPermitted);
    assert_eq!(e.message, "User 111111111111 cannot accept peering pcx-1");
    assert!(check_answer(&p, Party::Accepter, "222222222222", "accept").is_ok());
    assert!(check_answer(&p, Party::Both, "111111111111", "reject").is_ok());
    for state in [
        PeeringState::Active,
        PeeringState::Rejected,
        PeeringState::Deleted,
        PeeringState::Expired,
    ] {
        let e = check_answer(&pcx(state, "2"), Party::Accepter, "2", "accept").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidStateTransition, "{state:?}");
    }
}

#[test]
fn delete_either_side_when_active_the_requester_when_pending_never_when_ended() {
    let active = pcx(PeeringState::Active, "2");
    assert!(check_delete(&active, Party::Accepter, "2").is_ok());
    assert!(check_delete(&active, Party::Requester, "1").is_ok());
    let pending = pcx(PeeringState::PendingAcceptance, "2");
    assert!(check_delete(&pending, Party::Requester, "1").is_ok());
    assert_eq!(
        check_delete(&pending, Party::Accepter, "2")
            .unwrap_err()
            .code,
        ErrorCode::OperationNotPermitted
    );
    for state in [
        PeeringState::Rejected,
        PeeringState::Failed,
        PeeringState::Deleted,
    ] {
        assert_eq!(
            check_delete(&pcx(state, "2"), Party::Both, "1")
                .unwrap_err()
                .code,
            ErrorCode::InvalidStateTransition
        );
    }
}

#[test]
fn a_pending_request_expires_after_its_expiration_time() {
    let p = pcx(PeeringState::PendingAcceptance, "2");
    assert_eq!(
        p.clone().as_of("2026-01-07T23:59:59.000Z").state,
        PeeringState::PendingAcceptance
    );
    let expired = p.as_of("2026-01-08T00:00:00.000Z");
    assert_eq!(expired.state, PeeringState::Expired);
    assert_eq!(
        expired.ended_at.as_deref(),
        Some("2026-01-08T00:00:00.000Z")
    );
    let active = pcx(PeeringState::Active, "2").as_of("2027-01-01T00:00:00.000Z");
    assert_eq!(active.state, PeeringState::Active);
}

#[test]
fn one_live_connection_per_pair_either_way_round() {
    let existing = vec![pcx(PeeringState::PendingAcceptance, "2")];
    let e = check_duplicate(&existing, "vpc-b", "vpc-a").unwrap_err();
    assert_eq!(e.code, ErrorCode::VpcPeeringConnectionAlreadyExists);
    assert!(check_duplicate(&existing, "vpc-a", "vpc-c").is_ok());
    let ended = vec![pcx(PeeringState::Deleted, "2")];
    assert!(check_duplicate(&ended, "vpc-a", "vpc-b").is_ok());
}

#[test]
fn options_only_on_active_connections_each_owner_its_own_side() {
    let dns = OptionsRequest {
        allow_dns_resolution_from_remote_vpc: Some(true),
        ..Default::default()
    };
    let pending = pcx(PeeringState::PendingAcceptance, "2");
    let e = check_options(&pending, Party::Both, "1", Some(&dns), None, NO_DNS).unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationNotPermitted);
    assert_eq!(
        e.message,
        "Peering pcx-1 is not active. Peering options can be added only to active peerings."
    );
    let active = pcx(PeeringState::Active, "2");
    let resolving = DnsAttributes {
        both_vpcs_resolve_hostnames: true,
    };
    assert!(check_options(&active, Party::Requester, "1", Some(&dns), None, resolving).is_ok());
    let e = check_options(&active, Party::Accepter, "2", Some(&dns), None, resolving).unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationNotPermitted);
    let e = check_options(&active, Party::Accepter, "2", None, Some(&dns), NO_DNS).unwrap_err();
    assert_eq!(
        e.code,
        ErrorCode::InvalidVpcPeeringConnectionStateDnsHostnamesDisabled
    );
    let off = OptionsRequest {
        allow_dns_resolution_from_remote_vpc: Some(false),
        ..Default::default()
    };
    assert!(check_options(&active, Party::Accepter, "2", None, Some(&off), NO_DNS).is_ok());
    let classic = OptionsRequest {
        classic_link: [Some(true), None],
        ..Default::default()
    };
    let e = check_options(&active, Party::Both, "1", Some(&classic), None, resolving).unwrap_err();
    assert_eq!(e.code, ErrorCode::OperationNotPermitted);
    let classic_off = OptionsRequest {
        classic_link: [Some(false), Some(false)],
        ..Default::default()
    };
    assert!(check_options(&active, Party::Both, "1", Some(&classic_off), None, NO_DNS).is_ok());
    let e = check_options(&active, Party::Both, "1", None, None, NO_DNS).unwrap_err();
    assert_eq!(e.code, ErrorCode::MissingParameter);
}

#[test]
fn a_vpc_awaiting_an_answer_to_another_account_cannot_be_deleted() {
    let incoming = pcx(PeeringState::PendingAcceptance, "222222222222");
    let e = check_delete_vpc("vpc-b", "222222222222", std::slice::from_ref(&incoming)).unwrap_err();
    assert_eq!(e.code, ErrorCode::DependencyViolation);
    assert!(check_delete_vpc("vpc-a", "111111111111", &[incoming]).is_ok());
    let own = pcx(PeeringState::PendingAcceptance, "111111111111");
    assert!(check_delete_vpc("vpc-b", "111111111111", &[own]).is_ok());
    let active = pcx(PeeringState::Active, "222222222222");
    assert!(check_delete_vpc("vpc-b", "222222222222", &[active]).is_ok());
}

#[test]
fn status_messages_name_the_accounts() {
    let mut p = pcx(PeeringState::PendingAcceptance, "222222222222");
    assert_eq!(
        p.status_message(PeeringState::InitiatingRequest),
        "Initiating Request to 222222222222"
    );
    assert_eq!(
        p.status_message(PeeringState::PendingAcceptance),
        "Pending Acceptance by 222222222222"
    );
    p.ended_by = Some("222222222222".into());
    assert_eq!(
        p.status_message(PeeringState::Deleted),
        "Deleted by 222222222222"
    );
    assert_eq!(p.status_message(PeeringState::Failed), FAILED_MESSAGE);
}

#[test]
fn the_connection_between_two_vpcs_is_the_active_one_else_the_last_ended() {
    let mut old = pcx(PeeringState::Deleted, "2");
    old.ended_at = Some("2026-01-01T01:00:00.000Z".into());
    let mut newer = old.clone();
    newer.id = "pcx-2".into();
    newer.ended_at = Some("2026-01-01T02:00:00.000Z".into());
    let both = [old.clone(), newer.clone()];
    assert_eq!(
        connection_between(&both, "vpc-b", "vpc-a").unwrap().id,
        "pcx-2"
    );
    let mut active = pcx(PeeringState::Active, "2");
    active.id = "pcx-3".into();
    let all = [old, active, newer];
    assert_eq!(
        connection_between(&all, "vpc-a", "vpc-b").unwrap().id,
        "pcx-3"
    );
    assert!(connection_between(&all, "vpc-a", "vpc-c").is_none());
}
