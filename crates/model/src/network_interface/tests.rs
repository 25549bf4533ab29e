use super::*;
use crate::instance::{InstanceState, MetadataOptions};

#[test]
fn descriptions_are_at_most_255_characters() {
    assert!(check_description(&"é".repeat(255)).is_ok());
    let err = check_description(&"d".repeat(256)).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValue);
    assert!(err.message.contains("256 characters"), "{}", err.message);
}

pub(crate) fn eni(id: &str, az: &str, attached_to: Option<(&str, u32)>) -> NetworkInterface {
    NetworkInterface {
        id: id.into(),
        owner_id: "000000000000".into(),
        subnet_id: "subnet-1".into(),
        vpc_id: "vpc-1".into(),
        availability_zone: az.into(),
        availability_zone_id: "x".into(),
        description: String::new(),
        mac_address: generate_mac(),
        interface_type: "interface".into(),
        source_dest_check: true,
        requester: None,
        private_ips: vec![PrivateIp {
            address: "10.0.1.10".parse().unwrap(),
            primary: true,
            association: None,
        }],
        ipv6_addresses: vec![],
        ipv4_prefixes: vec![],
        ipv6_prefixes: vec![],
        groups: vec![],
        attachment: attached_to.map(|(i, d)| Attachment {
            id: format!("eni-attach-{d:08x}"),
            instance_id: i.into(),
            instance_owner_id: "0".into(),
            device_index: d,
            network_card_index: 0,
            delete_on_termination: d == 0,
            attach_time: "t".into(),
        }),
        tags: vec![],
    }
}

pub(crate) fn instance(state: InstanceState, devices: &[u32]) -> Instance {
    Instance {
        id: "i-1".into(),
        reservation_id: "r-1".into(),
        owner_id: "0".into(),
        image_id: "ami-1".into(),
        instance_type: "t3.medium".into(),
        key_name: None,
        state,
        state_transition_reason: String::new(),
        launch_time: "t".into(),
        availability_zone: "ap-northeast-1a".into(),
        client_token: None,
        ami_launch_index: 0,
        metadata_options: MetadataOptions::default(),
        user_data: None,
        shutdown_behavior: "stop".into(),
        disable_api_termination: false,
        monitoring: false,
        cpu_credits: Some("unlimited".into()),
        public_ip: None,
        auto_public_ip: false,
        tags: vec![],
        interfaces: devices
            .iter()
            .map(|d| eni(&format!("eni-{d}"), "ap-northeast-1a", Some(("i-1", *d))))
            .collect(),
        volumes: vec![],
    }
}

fn t3() -> &'static InstanceType {
    InstanceType::named("t3.medium").unwrap()
}

#[test]
fn attach_order_of_checks() {
    let free = eni("eni-9", "ap-northeast-1a", None);
    let running = instance(InstanceState::Running, &[0]);
    assert_eq!(check_attach(&free, &running, t3(), 1, None).unwrap(), 0);
    let busy = eni("eni-9", "ap-northeast-1a", Some(("i-2", 1)));
    let err = check_attach(
        &busy,
        &instance(InstanceState::Pending, &[0]),
        t3(),
        1,
        None,
    )
    .unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.message.as_str()),
        (
            "InvalidNetworkInterface.InUse",
            "Interface: [eni-9] in use."
        )
    );
    let err = check_attach(
        &free,
        &instance(InstanceState::Pending, &[0]),
        t3(),
        1,
        None,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::IncorrectInstanceState);
    assert!(
        check_attach(
            &free,
            &instance(InstanceState::Stopped, &[0]),
            t3(),
            1,
            None
        )
        .is_ok()
    );
    let other_zone = eni("eni-9", "ap-northeast-1c", None);
    let err = check_attach(&other_zone, &running, t3(), 1, None).unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            ErrorCode::InvalidParameterCombination,
            "You may not attach a network interface to an instance if they are not in the same availability zone"
        )
    );
    let err = check_attach(&free, &running, t3(), 0, None).unwrap_err();
    assert_eq!(
        err.message,
        "Instance 'i-1' already has an interface attached at device index '0'."
    );
    assert_eq!(
        check_attach(&free, &running, t3(), 1, Some(1))
            .unwrap_err()
            .code,
        ErrorCode::InvalidParameterValue
    );
    let full = instance(InstanceState::Running, &[0, 1, 2]);
    let err = check_attach(&free, &full, t3(), 3, None).unwrap_err();
    assert_eq!(
        (err.code.as_str(), err.message.as_str()),
        (
            "AttachmentLimitExceeded",
            "Interface count 4 exceeds the limit for t3.medium"
        )
    );
    let mut fat = free.clone();
    fat.private_ips.extend((11..17).map(|i| PrivateIp {
        address: Ipv4Addr::new(10, 0, 1, i),
        primary: false,
        association: None,
    }));
    assert_eq!(
        check_attach(&fat, &running, t3(), 1, None)
            .unwrap_err()
            .code,
        ErrorCode::PrivateIpAddressLimitExceeded
    );
}

#[test]
fn interface_count_overall_and_per_card() {
    let two_cards = InstanceType::named("c6in.32xlarge").unwrap();
    assert_eq!(
        (two_cards.max_network_interfaces, two_cards.network_cards),
        (16, 2)
    );
    assert!(check_interface_count(&[0; 8], two_cards).is_ok());
    let err = check_interface_count(&[0; 9], two_cards).unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            ErrorCode::AttachmentLimitExceeded,
            "Interface count 9 exceeds the limit for c6in.32xlarge"
        )
    );
    let mut spread = vec![0; 8];
    spread.extend([1; 8]);
    assert!(check_interface_count(&spread, two_cards).is_ok());
    spread.push(1);
    assert_eq!(
        check_interface_count(&spread, two_cards)
            .unwrap_err()
            .code
            .as_str(),
        "AttachmentLimitExceeded"
    );
    assert!(
        check_interface_count(&[0, 2], two_cards).is_err(),
        "a card the type does not have"
    );
    assert!(check_interface_count(&[0, 0, 0], t3()).is_ok());
    assert_eq!(
        check_interface_count(&[0, 0, 0, 0], t3())
            .unwrap_err()
            .code
            .as_str(),
        "AttachmentLimitExceeded"
    );
}

#[test]
fn primary_never_detached_and_attached_never_deleted() {
    let primary = eni("eni-0", "a", Some(("i-1", 0)));
    let err = check_detach(primary.attachment.as_ref().unwrap()).unwrap_err();
    assert_eq!(err.code, ErrorCode::OperationNotPermitted);
    assert!(
        check_detach(
            eni("eni-1", "a", Some(("i-1", 1)))
                .attachment
                .as_ref()
                .unwrap()
        )
        .is_ok()
    );
    let err = check_delete(&primary).unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            ErrorCode::InvalidParameterValue,
            "Network interface 'eni-0' is currently in use."
        )
    );
    assert!(check_delete(&eni("eni-1", "a", None)).is_ok());
}

#[test]
fn unassign_rules() {
    let mut e = eni("eni-1", "a", None);
    e.private_ips.push(PrivateIp {
        address: "10.0.1.11".parse().unwrap(),
        primary: false,
        association: None,
    });
    assert!(check_unassign(&e, &["10.0.1.11".parse().unwrap()]).is_ok());
    assert_eq!(
        check_unassign(&e, &["10.0.1.10".parse().unwrap()])
            .unwrap_err()
            .code,
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(
        check_unassign(&e, &["10.0.1.12".parse().unwrap()])
            .unwrap_err()
            .code,
        ErrorCode::InvalidParameterValue
    );
}

#[test]
fn macs_and_dns() {
    let mac = generate_mac();
    assert!(mac.starts_with("02:") && mac.len() == 17);
    let tokyo = Region::named("ap-northeast-1").unwrap();
    assert_eq!(
        private_dns_name("10.0.1.17".parse().unwrap(), tokyo),
        "ip-10-0-1-17.ap-northeast-1.compute.internal"
    );
    let virginia = Region::named("us-east-1").unwrap();
    assert_eq!(
        private_dns_name("10.0.1.17".parse().unwrap(), virginia),
        "ip-10-0-1-17.ec2.internal"
    );
}

#[test]
fn a_services_interface_is_in_use_and_not_the_users() {
    let mut e = eni("eni-1", "a", None);
    assert!(check_user_managed(&e).is_ok());
    e.requester = Some(Requester {
        requester_id: "036872051663".into(),
        attachment_id: "ela-attach-0123456789abcdef0".into(),
        attach_time: String::new(),
    });
    assert_eq!(e.status(), "in-use");
    let err = check_delete(&e).unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (
            ErrorCode::InvalidParameterValue,
            "Network interface 'eni-1' is currently in use."
        )
    );
    let err = check_user_managed(&e).unwrap_err();
    assert_eq!(err.code, ErrorCode::AuthFailure);
    assert_eq!(err.code.http_status(), 401);
}
