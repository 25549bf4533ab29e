use super::*;

const R: &str = "us-east-1";
const A: &str = "123456789012";

#[test]
fn endpoints_by_id_or_arn() {
    let (kind, id, arn) = endpoint("i-0123456789abcdef0", "Source", R, A).unwrap();
    assert_eq!(kind, IdKind::Instance);
    assert_eq!(arn, format!("arn:aws:ec2:{R}:{A}:instance/{id}"));
    let (_, id, _) = endpoint(
        "arn:aws:ec2:us-east-1:123456789012:network-interface/eni-0123456789abcdef0",
        "Source",
        R,
        A,
    )
    .unwrap();
    assert_eq!(id, "eni-0123456789abcdef0");
    let code = |given: &str| endpoint(given, "Source", R, A).unwrap_err().code;
    assert_eq!(
        code("tgw-0123456789abcdef0"),
        ErrorCode::UnsupportedOperation
    );
    assert_eq!(
        code("subnet-0123456789abcdef0"),
        ErrorCode::InvalidParameterValue
    );
    assert_eq!(code("i-zz"), ErrorCode::InvalidInstanceIdMalformed);
    assert_eq!(
        code("arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0"),
        ErrorCode::InvalidParameterValue
    );
}

#[test]
fn filter_arns_of_filterable_types_in_the_caller_or_additional_accounts() {
    let ok = filter_arn(
        "arn:aws:ec2:ap-northeast-1:123456789012:security-group/sg-0123abcd",
        "FilterInArns",
        "ap-northeast-1",
        &["123456789012"],
    )
    .unwrap();
    assert_eq!(
        (ok.0, ok.1.as_str()),
        (IdKind::SecurityGroup, "sg-0123abcd")
    );
    for bad in [
        "arn:aws:ec2:ap-northeast-1:123456789012:security-group/subnet-0123abcd",
        "arn:aws:ec2:ap-northeast-1:123456789012:key-pair/key-0123abcd",
        "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123abcd",
        "arn:aws:ec2:ap-northeast-1:999999999999:vpc/vpc-0123abcd",
        "sg-0123abcd",
    ] {
        let err = filter_arn(bad, "FilterInArns", "ap-northeast-1", &["123456789012"]);
        assert_eq!(
            err.unwrap_err().code,
            ErrorCode::InvalidParameterValue,
            "{bad}"
        );
    }
    assert!(account_id("123456789012").is_ok());
    assert_eq!(
        account_id("12345").unwrap_err().code,
        ErrorCode::InvalidParameterValue
    );
}

#[test]
fn addresses_are_strict_ipv4() {
    assert!(address("10.0.1.5", "SourceIp").is_ok());
    for bad in ["999.1.1.1", "10.0.1", "2001:db8::1", "01.2.3.4444"] {
        assert_eq!(
            address(bad, "SourceIp").unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
    }
}

#[test]
fn ports_one_bound_is_that_port_and_reversed_is_refused() {
    assert_eq!(
        PortRange::new(Some(80), None, "x").unwrap(),
        Some(PortRange { from: 80, to: 80 })
    );
    assert_eq!(
        PortRange::new(Some(90), Some(80), "x")
            .unwrap_err()
            .code
            .as_str(),
        "InvalidParameterValue"
    );
    assert_eq!(
        PortRange::new(Some(70000), None, "x")
            .unwrap_err()
            .code
            .as_str(),
        "InvalidParameterValue"
    );
}

#[test]
fn the_flow_meets_the_filters() {
    let path = InsightsPath {
        id: "nip-0".into(),
        arn: String::new(),
        created: String::new(),
        source: "i-0".into(),
        source_arn: String::new(),
        destination: None,
        destination_arn: None,
        source_ip: None,
        destination_ip: None,
        protocol: "tcp".into(),
        destination_port: None,
        filter_at_source: Some(PathFilter {
            destination_address: Some("192.0.2.1".parse().unwrap()),
            destination_port_range: Some(PortRange { from: 80, to: 443 }),
            ..PathFilter::default()
        }),
        filter_at_destination: Some(PathFilter {
            destination_port_range: Some(PortRange {
                from: 443,
                to: 8080,
            }),
            ..PathFilter::default()
        }),
        tags: Vec::new(),
    };
    let flow = path.flow().unwrap();
    assert_eq!(flow.destination_address, Some("192.0.2.1".parse().unwrap()));
    assert_eq!(flow.destination_ports, PortRange { from: 443, to: 443 });
}

#[test]
fn filters_replace_the_plain_members() {
    let to_address = PathFilter {
        destination_address: Some("192.0.2.1".parse().unwrap()),
        ..PathFilter::default()
    };
    let base = PathMembers {
        destination: true,
        ..PathMembers::default()
    };
    assert!(check_members(&base).is_ok());
    let refused = |m: PathMembers| check_members(&m).unwrap_err();
    for m in [
        PathMembers {
            filter_at_source: Some(&to_address),
            source_ip: true,
            ..base
        },
        PathMembers {
            filter_at_source: Some(&to_address),
            destination_port: true,
            ..base
        },
        PathMembers {
            filter_at_destination: true,
            destination_ip: true,
            ..base
        },
    ] {
        assert_eq!(refused(m).code, ErrorCode::InvalidParameterCombination);
    }
    let nowhere = refused(PathMembers::default());
    assert_eq!(nowhere.code, ErrorCode::MissingParameter);
    assert!(
        nowhere
            .message
            .contains("FilterAtSource.DestinationAddress")
    );
    let by_address = PathMembers {
        filter_at_source: Some(&to_address),
        ..PathMembers::default()
    };
    assert!(check_members(&by_address).is_ok());
    let no_address = PathFilter::default();
    let empty_filter = PathMembers {
        filter_at_source: Some(&no_address),
        ..PathMembers::default()
    };
    assert_eq!(refused(empty_filter).code, ErrorCode::MissingParameter);
}

#[test]
fn destination_ports_are_16_bits() {
    assert_eq!(destination_port(443).unwrap(), 443);
    for bad in [-1, 65536] {
        let err = destination_port(bad).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert!(err.message.contains("DestinationPort"), "{}", err.message);
    }
}

#[test]
fn a_path_with_analyses_stays() {
    assert!(check_delete("nip-1", None).is_ok());
    let err = check_delete("nip-1", Some("nia-2")).unwrap_err();
    assert_eq!(err.code.as_str(), "AnalysisExistsForNetworkInsightsPath");
    assert!(
        err.message
            .starts_with("At least one analysis [nia-2] exists for path nip-1.")
    );
}

#[test]
fn filter_resources_exist_and_spare_the_ends() {
    assert!(check_filter_resource("arn:x", "FilterInArns", true).is_ok());
    let err = check_filter_resource("arn:x", "FilterInArns", false).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValue);
    assert_eq!(
        err.message,
        "The resource arn:x in FilterInArns does not exist."
    );
    let path = InsightsPath {
        id: "nip-0".into(),
        arn: String::new(),
        created: String::new(),
        source: "i-0".into(),
        source_arn: String::new(),
        destination: Some("i-1".into()),
        destination_arn: None,
        source_ip: None,
        destination_ip: None,
        protocol: "tcp".into(),
        destination_port: None,
        filter_at_source: None,
        filter_at_destination: None,
        tags: Vec::new(),
    };
    assert!(check_filter_out(&path, ["sg-1", "subnet-1"]).is_ok());
    for end in ["i-0", "i-1"] {
        let err = check_filter_out(&path, ["sg-1", end]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert!(
            err.message.ends_with(&format!("destination {end}.")),
            "{}",
            err.message
        );
    }
}
