use super::*;
use crate::region::Region;

fn endpoint(t: EndpointType) -> VpcEndpoint {
    VpcEndpoint {
        id: "vpce-0123456789abcdef0".into(),
        vpc_id: "vpc-1".into(),
        owner_id: "123456789012".into(),
        service_name: "com.amazonaws.us-east-1.ec2".into(),
        endpoint_type: t,
        state: EndpointState::Available,
        policy_document: DEFAULT_POLICY.into(),
        route_table_ids: vec!["rtb-1".into()],
        interfaces: vec![EndpointInterface {
            subnet_id: "subnet-1".into(),
            availability_zone: "us-east-1a".into(),
            network_interface_id: "eni-1".into(),
        }],
        group_ids: vec!["sg-1".into()],
        private_dns_enabled: false,
        dns_label: "abcdefgh".into(),
        creation_timestamp: "2026-01-01T00:00:00.000Z".into(),
        tags: vec![],
    }
}

fn request<'a>(t: EndpointType) -> EndpointRequest<'a> {
    EndpointRequest {
        endpoint_type: t,
        vpc_id: "vpc-1",
        route_tables: &[],
        subnets: &[],
        has_security_groups: false,
        private_dns_enabled: None,
        vpc_dns: (true, false),
    }
}

#[test]
fn the_type_defaults_to_gateway_and_unknown_types_are_refused() {
    assert_eq!(
        EndpointType::requested(None).unwrap(),
        EndpointType::Gateway
    );
    assert_eq!(
        EndpointType::requested(Some("Interface")).unwrap(),
        EndpointType::Interface
    );
    assert_eq!(
        EndpointType::requested(Some("GatewayLoadBalancer"))
            .unwrap_err()
            .code,
        ErrorCode::UnsupportedOperation
    );
    assert_eq!(
        EndpointType::requested(Some("gateway")).unwrap_err().code,
        ErrorCode::InvalidVpcEndpointType
    );
}

#[test]
fn the_catalogue_offers_s3_as_both_types_and_refuses_the_wrong_type() {
    let region = Region::named("us-east-1").unwrap();
    let services = catalogue(region);
    let s3: Vec<_> = services
        .iter()
        .filter(|s| s.name == "com.amazonaws.us-east-1.s3")
        .collect();
    assert_eq!(s3.len(), 2);
    assert_ne!(s3[0].id, s3[1].id);
    assert!(s3.iter().all(|s| s.id.len() == "vpce-svc-".len() + 17));
    let err = find_service(
        region,
        "com.amazonaws.us-east-1.nope",
        EndpointType::Gateway,
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidServiceName);
    assert_eq!(
        err.message,
        "The Vpc Endpoint Service 'com.amazonaws.us-east-1.nope' does not exist"
    );
    let err =
        find_service(region, "com.amazonaws.us-east-1.ec2", EndpointType::Gateway).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameter);
    assert_eq!(
        err.message,
        "Endpoint type (Gateway) does not match available service types ([Interface])."
    );
    // Another region's service is unknown here.
    assert!(find_service(region, "com.amazonaws.eu-west-1.s3", EndpointType::Gateway).is_err());
}

#[test]
fn gateway_endpoints_take_no_subnets_groups_or_private_dns() {
    let subnets = [(
        "subnet-1".to_owned(),
        "vpc-1".to_owned(),
        "us-east-1a".to_owned(),
    )];
    let with_subnets = EndpointRequest {
        subnets: &subnets,
        ..request(EndpointType::Gateway)
    };
    assert_eq!(
        check_create(&with_subnets).unwrap_err().code,
        ErrorCode::InvalidParameter
    );
    let with_groups = EndpointRequest {
        has_security_groups: true,
        ..request(EndpointType::Gateway)
    };
    assert!(check_create(&with_groups).is_err());
    // Terraform always sends PrivateDnsEnabled=false: AWS's default is accepted.
    let dns_off = EndpointRequest {
        private_dns_enabled: Some(false),
        ..request(EndpointType::Gateway)
    };
    assert!(!check_create(&dns_off).unwrap());
    let dns_on = EndpointRequest {
        private_dns_enabled: Some(true),
        ..request(EndpointType::Gateway)
    };
    assert!(check_create(&dns_on).is_err());
}

#[test]
fn interface_private_dns_defaults_on_and_needs_both_dns_attributes() {
    let err = check_create(&request(EndpointType::Interface)).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameter);
    assert!(
        err.message
            .starts_with("Enabling private DNS requires both")
    );
    let ok = EndpointRequest {
        vpc_dns: (true, true),
        ..request(EndpointType::Interface)
    };
    assert!(check_create(&ok).unwrap());
    let off = EndpointRequest {
        private_dns_enabled: Some(false),
        ..request(EndpointType::Interface)
    };
    assert!(!check_create(&off).unwrap());
}

#[test]
fn interface_subnets_are_one_per_zone_and_in_the_vpc() {
    let two_in_a = [
        (
            "subnet-1".to_owned(),
            "vpc-1".to_owned(),
            "us-east-1a".to_owned(),
        ),
        (
            "subnet-2".to_owned(),
            "vpc-1".to_owned(),
            "us-east-1a".to_owned(),
        ),
    ];
    let err = check_subnets("vpc-1", &two_in_a, &[]).unwrap_err();
    assert_eq!(err.code, ErrorCode::DuplicateSubnetsInSameZone);
    let other_vpc = [(
        "subnet-3".to_owned(),
        "vpc-2".to_owned(),
        "us-east-1b".to_owned(),
    )];
    assert_eq!(
        check_subnets("vpc-1", &other_vpc, &[]).unwrap_err().code,
        ErrorCode::InvalidParameter
    );
    let existing = endpoint(EndpointType::Interface).interfaces;
    assert!(check_subnets("vpc-1", &two_in_a[..1], &existing).is_err());
}

#[test]
fn a_route_table_routes_one_gateway_endpoint_per_service() {
    let err = check_route_free(&["rtb-1".into()], &["rtb-1".into()], "pl-63a5400a").unwrap_err();
    assert_eq!(err.code, ErrorCode::RouteAlreadyExists);
    assert_eq!(
        err.message,
        "route table rtb-1 already has a route with destination-prefix-list-id pl-63a5400a"
    );
    assert!(check_route_free(&["rtb-2".into()], &["rtb-1".into()], "pl-63a5400a").is_ok());
}

#[test]
fn policies_are_json_objects() {
    assert!(check_policy(DEFAULT_POLICY).is_ok());
    assert_eq!(
        check_policy("not json").unwrap_err().code,
        ErrorCode::InvalidPolicyDocument
    );
    assert!(check_policy("[1]").is_err());
}

#[test]
fn modifications_fit_the_endpoint_type() {
    let gateway = endpoint(EndpointType::Gateway);
    let subnets = ["subnet-9".to_owned()];
    let m = Modification {
        add_subnets: &subnets,
        ..Default::default()
    };
    assert_eq!(
        check_modify(&gateway, &m).unwrap_err().code,
        ErrorCode::InvalidParameter
    );
    let both = Modification {
        reset_policy: true,
        policy: Some(DEFAULT_POLICY),
        ..Default::default()
    };
    assert_eq!(
        check_modify(&gateway, &both).unwrap_err().code,
        ErrorCode::InvalidParameterCombination
    );
    let unknown_table = ["rtb-9".to_owned()];
    let m = Modification {
        remove_route_tables: &unknown_table,
        ..Default::default()
    };
    assert_eq!(
        check_modify(&gateway, &m).unwrap_err().code,
        ErrorCode::InvalidParameterValue
    );
    let interface = endpoint(EndpointType::Interface);
    let last_group = ["sg-1".to_owned()];
    let m = Modification {
        remove_groups: &last_group,
        ..Default::default()
    };
    assert!(check_modify(&interface, &m).is_err());
    let mut gone = interface.clone();
    gone.state = EndpointState::Deleted;
    assert_eq!(
        check_modify(&gone, &Modification::default())
            .unwrap_err()
            .code,
        ErrorCode::InvalidVpcEndpointIdNotFound
    );
}

#[test]
fn interface_dns_names_are_regional_then_zonal_then_private() {
    let mut e = endpoint(EndpointType::Interface);
    e.private_dns_enabled = true;
    let names: Vec<String> = e
        .dns_entries("us-east-1")
        .into_iter()
        .map(|d| d.dns_name)
        .collect();
    assert_eq!(
        names,
        [
            "vpce-0123456789abcdef0-abcdefgh.ec2.us-east-1.vpce.amazonaws.com",
            "vpce-0123456789abcdef0-abcdefgh-us-east-1a.ec2.us-east-1.vpce.amazonaws.com",
            "ec2.us-east-1.amazonaws.com",
        ]
    );
    assert_eq!(
        e.dns_entries("us-east-1")[0].hosted_zone_id,
        "Z7HUB22UULQXV"
    );
    assert!(
        endpoint(EndpointType::Gateway)
            .dns_entries("us-east-1")
            .is_empty()
    );
}
