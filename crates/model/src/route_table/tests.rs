//! Unit tests of route table rules, states and filters.

use super::*;
use crate::Filter;
use crate::error::{Ec2Error, ErrorCode};
use crate::filter::CompiledFilters;
use crate::internet_gateway::InternetGateway;
use crate::security_group::changes::ListWeights;

const VPC: &str = "vpc-11111111";
const IGW: &str = "igw-11111111";
const ENI: &str = "eni-11111111";

fn net(text: &str) -> Ipv4Net {
    text.parse().unwrap()
}

fn table(id: &str) -> RouteTable {
    RouteTable::new(
        id.into(),
        VPC.into(),
        "123456789012".into(),
        &[net("10.0.0.0/16")],
    )
}

fn association(id: &str, table: &str) -> RouteTableAssociation {
    RouteTableAssociation {
        id: id.into(),
        route_table_id: table.into(),
        main: false,
        subnet_id: None,
        gateway_id: None,
    }
}

fn main_table() -> RouteTable {
    let mut t = table("rtb-00000001");
    t.associations.push(RouteTableAssociation {
        main: true,
        ..association("rtbassoc-00000001", "rtb-00000001")
    });
    t
}

fn subnet_association(table: &mut RouteTable, subnet: &str) {
    let id = table.id.clone();
    table.associations.push(RouteTableAssociation {
        subnet_id: Some(subnet.into()),
        ..association("rtbassoc-00000002", &id)
    });
}

fn gateway_table() -> RouteTable {
    let mut t = table("rtb-00000003");
    t.associations.push(RouteTableAssociation {
        gateway_id: Some(IGW.into()),
        ..association("rtbassoc-00000003", "rtb-00000003")
    });
    t
}

fn igw(vpc: Option<&str>) -> InternetGateway {
    InternetGateway {
        id: IGW.into(),
        owner_id: "123456789012".into(),
        vpc_id: vpc.map(Into::into),
        tags: vec![],
    }
}

fn to_igw(destination: &str) -> Route {
    Route::created(net(destination), RouteTarget::InternetGateway(IGW.into()))
}

fn to_eni(destination: &str) -> Route {
    Route::created(net(destination), RouteTarget::NetworkInterface(ENI.into()))
}

fn code(result: Result<impl std::fmt::Debug, Ec2Error>) -> &'static str {
    result.unwrap_err().code.as_str()
}

#[test]
fn new_table_has_one_local_route_per_block() {
    let t = RouteTable::new(
        "rtb-1".into(),
        VPC.into(),
        "0".into(),
        &[net("10.0.0.0/16"), net("10.1.0.0/16")],
    );
    assert_eq!(t.routes.len(), 2);
    assert!(
        t.routes
            .iter()
            .all(|r| r.is_local() && r.target == RouteTarget::Local)
    );
    assert!(!t.is_main());
}

#[test]
fn igw_route_state_follows_the_attachment() {
    let route = to_igw("0.0.0.0/0");
    assert_eq!(route.state(&gw(Some(IGW))), RouteState::Active);
    assert_eq!(
        route.state(&gw(None)),
        RouteState::Blackhole,
        "detached or deleted"
    );
    assert_eq!(
        route.state(&gw(Some("igw-22222222"))),
        RouteState::Blackhole
    );
    assert_eq!(
        table("rtb-1").routes[0].state(&gw(None)),
        RouteState::Active
    );
}

#[test]
fn routes_need_an_attached_gateway_of_the_same_vpc() {
    let t = table("rtb-1");
    assert!(check_gateway_network(&t, &igw(Some(VPC))).is_ok());
    for gateway in [igw(None), igw(Some("vpc-22222222"))] {
        let err = check_gateway_network(&t, &gateway).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert_eq!(
            err.message,
            "route table rtb-1 and network gateway igw-11111111 belong to different networks"
        );
    }
}

#[test]
fn duplicates_and_route_quota() {
    let mut t = table("rtb-1");
    assert!(check_new_route(&t, &to_igw("0.0.0.0/0"), &[], &ListWeights::default(), 50).is_ok());
    t.routes.push(to_igw("0.0.0.0/0"));
    let err =
        check_new_route(&t, &to_igw("0.0.0.0/0"), &[], &ListWeights::default(), 50).unwrap_err();
    assert_eq!(err.code, ErrorCode::RouteAlreadyExists);
    assert_eq!(
        err.message,
        "The route identified by 0.0.0.0/0 already exists."
    );
    // The local route does not count against the quota.
    assert!(
        check_new_route(
            &t,
            &to_igw("192.168.0.0/16"),
            &[],
            &ListWeights::default(),
            2
        )
        .is_ok()
    );
    assert_eq!(
        code(check_new_route(
            &t,
            &to_igw("192.168.0.0/16"),
            &[],
            &ListWeights::default(),
            1
        )),
        "RouteLimitExceeded"
    );
}

#[test]
fn only_interfaces_route_inside_the_vpc_and_only_for_whole_subnets() {
    let t = table("rtb-1");
    let subnets = [net("10.0.1.0/24")];
    // Less specific than local, or outside the VPC: any target.
    assert!(
        check_new_route(
            &t,
            &to_igw("10.0.0.0/8"),
            &subnets,
            &ListWeights::default(),
            50
        )
        .is_ok()
    );
    assert!(
        check_new_route(
            &t,
            &to_igw("11.0.0.0/8"),
            &subnets,
            &ListWeights::default(),
            50
        )
        .is_ok()
    );
    // Equal to or inside the VPC block, to a gateway.
    for inside in ["10.0.0.0/16", "10.0.1.0/24"] {
        let err = check_new_route(&t, &to_igw(inside), &subnets, &ListWeights::default(), 50)
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert!(err.message.contains("equal to or more specific"), "{err}");
    }
    // To an interface: a whole subnet only; the VPC block itself is the local route.
    assert!(
        check_new_route(
            &t,
            &to_eni("10.0.1.0/24"),
            &subnets,
            &ListWeights::default(),
            50
        )
        .is_ok()
    );
    let instance = Route::created(net("10.0.1.0/24"), RouteTarget::Instance("i-1".into()));
    assert!(check_new_route(&t, &instance, &subnets, &ListWeights::default(), 50).is_ok());
    assert_eq!(
        check_new_route(
            &t,
            &to_eni("10.0.1.0/25"),
            &subnets,
            &ListWeights::default(),
            50
        )
        .unwrap_err()
        .message,
        "Route destination doesn't match any subnet CIDR blocks."
    );
    assert_eq!(
        code(check_new_route(
            &t,
            &to_eni("10.0.0.0/16"),
            &subnets,
            &ListWeights::default(),
            50
        )),
        "RouteAlreadyExists"
    );
}

#[test]
fn gateway_tables_hold_only_inward_interface_routes() {
    let t = gateway_table();
    let subnets = [net("10.0.1.0/24")];
    assert!(
        check_new_route(
            &t,
            &to_eni("10.0.1.0/24"),
            &subnets,
            &ListWeights::default(),
            50
        )
        .is_ok()
    );
    assert_eq!(
        code(check_new_route(
            &t,
            &to_igw("0.0.0.0/0"),
            &subnets,
            &ListWeights::default(),
            50
        )),
        "InvalidParameterValue"
    );
    let outside = Route::created(net("0.0.0.0/0"), RouteTarget::NetworkInterface(ENI.into()));
    assert_eq!(
        code(check_new_route(
            &t,
            &outside,
            &subnets,
            &ListWeights::default(),
            50
        )),
        "InvalidParameterValue"
    );
}

#[test]
fn replace_route_rules() {
    let mut t = table("rtb-1");
    t.routes.push(to_igw("0.0.0.0/0"));
    let subnets = [net("10.0.1.0/24")];
    let err = replace_route(&t, net("1.0.0.0/8"), RouteTarget::Local, &subnets).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidRouteNotFound);
    assert_eq!(
        err.message,
        "no route with destination-cidr-block 1.0.0.0/8 in route table rtb-1"
    );
    // LocalTarget restores only a local route.
    assert_eq!(
        code(replace_route(
            &t,
            net("0.0.0.0/0"),
            RouteTarget::Local,
            &subnets
        )),
        "InvalidParameterValue"
    );
    let restored = replace_route(&t, net("10.0.0.0/16"), RouteTarget::Local, &subnets).unwrap();
    assert!(restored.is_local());
    // The local route's target may become an interface, never a gateway; it stays local.
    let eni = RouteTarget::NetworkInterface(ENI.into());
    let replaced = replace_route(&t, net("10.0.0.0/16"), eni, &subnets).unwrap();
    assert_eq!(replaced.origin, RouteOrigin::CreateRouteTable);
    let to_gateway = RouteTarget::InternetGateway(IGW.into());
    assert_eq!(
        code(replace_route(
            &t,
            net("10.0.0.0/16"),
            to_gateway.clone(),
            &subnets
        )),
        "InvalidParameterValue"
    );
    let moved = replace_route(&t, net("0.0.0.0/0"), to_gateway, &subnets).unwrap();
    assert_eq!(moved.origin, RouteOrigin::CreateRoute);
}

#[test]
fn delete_route_rules() {
    let mut t = table("rtb-1");
    t.routes.push(to_igw("0.0.0.0/0"));
    assert!(check_delete_route(&t, net("0.0.0.0/0")).is_ok());
    assert_eq!(
        code(check_delete_route(&t, net("1.0.0.0/8"))),
        "InvalidRoute.NotFound"
    );
    let err = check_delete_route(&t, net("10.0.0.0/16")).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValue);
    assert_eq!(
        err.message,
        "cannot remove local route 10.0.0.0/16 in route table rtb-1"
    );
}

#[test]
fn tables_in_use_cannot_be_deleted() {
    assert!(check_delete_table(&table("rtb-1")).is_ok());
    let err = check_delete_table(&main_table()).unwrap_err();
    assert_eq!(err.code, ErrorCode::DependencyViolation);
    assert_eq!(
        err.message,
        "The routeTable 'rtb-00000001' has dependencies and cannot be deleted."
    );
    let mut used = table("rtb-1");
    subnet_association(&mut used, "subnet-1");
    assert_eq!(code(check_delete_table(&used)), "DependencyViolation");
    assert_eq!(
        code(check_delete_table(&gateway_table())),
        "DependencyViolation"
    );
}

#[test]
fn a_subnet_has_at_most_one_explicit_association_in_its_own_vpc() {
    let mut other = table("rtb-2");
    let t = table("rtb-1");
    assert!(check_associate_subnet(&t, "subnet-1", VPC, &[t.clone(), other.clone()]).is_ok());
    let err = check_associate_subnet(&t, "subnet-1", "vpc-22222222", &[]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValue);
    assert_eq!(
        err.message,
        "route table rtb-1 and subnet subnet-1 belong to different networks"
    );
    subnet_association(&mut other, "subnet-1");
    let err = check_associate_subnet(&t, "subnet-1", VPC, &[t.clone(), other]).unwrap_err();
    assert_eq!(err.code, ErrorCode::ResourceAlreadyAssociated);
    assert_eq!(
        err.message,
        "the specified association for route table rtb-1 conflicts with an existing association"
    );
}

#[test]
fn edge_associations() {
    let t = table("rtb-1");
    assert!(check_associate_gateway(&t, &igw(Some(VPC)), std::slice::from_ref(&t)).is_ok());
    assert_eq!(
        code(check_associate_gateway(
            &t,
            &igw(None),
            std::slice::from_ref(&t)
        )),
        "InvalidParameterValue"
    );
    let taken = gateway_table();
    assert_eq!(
        code(check_associate_gateway(
            &t,
            &igw(Some(VPC)),
            &[t.clone(), taken]
        )),
        "Resource.AlreadyAssociated"
    );
    let mut internet = table("rtb-1");
    internet.routes.push(to_igw("0.0.0.0/0"));
    assert_eq!(
        code(check_associate_gateway(&internet, &igw(Some(VPC)), &[])),
        "InvalidParameterValue"
    );
}

#[test]
fn main_association_moves_but_never_goes() {
    let main = main_table();
    let err = check_disassociate(&main.associations[0]).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidParameterValue);
    assert_eq!(
        err.message,
        "cannot disassociate the main route table association rtbassoc-00000001"
    );
    let other = table("rtb-2");
    assert!(check_replace_association(&main.associations[0], &main, &other).is_ok());
    let mut elsewhere = table("rtb-3");
    elsewhere.vpc_id = "vpc-22222222".into();
    assert_eq!(
        code(check_replace_association(
            &main.associations[0],
            &main,
            &elsewhere
        )),
        "InvalidParameterValue"
    );
    let gateway = gateway_table();
    let mut internet = table("rtb-4");
    internet.routes.push(to_igw("0.0.0.0/0"));
    assert_eq!(
        code(check_replace_association(
            &gateway.associations[0],
            &gateway,
            &internet
        )),
        "InvalidParameterValue"
    );
}

#[test]
fn filters_see_associations_routes_and_states() {
    let mut main = main_table();
    main.routes.push(to_igw("0.0.0.0/0"));
    let mut custom = table("rtb-2");
    subnet_association(&mut custom, "subnet-1");
    let detached = DescribedRouteTable::new(main.clone(), &gw(None));
    let tables = [
        DescribedRouteTable::new(main, &gw(Some(IGW))),
        DescribedRouteTable::new(custom, &gw(Some(IGW))),
        DescribedRouteTable::new(table("rtb-3"), &gw(Some(IGW))),
    ];
    let ids = |name: &str, values: &[&str]| -> Vec<String> {
        let filters = [Filter {
            name: name.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }];
        let compiled = CompiledFilters::compile(&filters, FILTERS).unwrap();
        tables
            .iter()
            .filter(|t| compiled.matches(t))
            .map(|t| t.table.id.clone())
            .collect()
    };
    assert_eq!(ids("association.main", &["true"]), ["rtb-00000001"]);
    assert_eq!(
        ids("association.main", &["false"]),
        ["rtb-2"],
        "unassociated tables never match"
    );
    assert_eq!(ids("association.subnet-id", &["subnet-1"]), ["rtb-2"]);
    assert_eq!(ids("route.gateway-id", &["igw-*"]), ["rtb-00000001"]);
    assert_eq!(ids("route.gateway-id", &["local"]).len(), 3);
    assert_eq!(ids("route.origin", &["CreateRoute"]), ["rtb-00000001"]);
    assert_eq!(
        ids("route.destination-cidr-block", &["0.0.0.0/0"]),
        ["rtb-00000001"]
    );
    assert_eq!(ids("route.state", &["blackhole"]), Vec::<String>::new());
    assert_eq!(ids("route.nat-gateway-id", &["*"]), Vec::<String>::new());
    assert_eq!(ids("vpc-id", &[VPC]).len(), 3);
    let states: Vec<_> = detached.routes().map(|(_, s)| s).collect();
    assert_eq!(states, [RouteState::Active, RouteState::Blackhole]);
}

fn gw(gateway: Option<&str>) -> LiveTargets {
    LiveTargets {
        gateway: gateway.map(str::to_owned),
        ..Default::default()
    }
}

#[test]
fn interface_and_instance_routes_follow_their_targets() {
    let to_eni = Route::created(
        net("10.9.0.0/16"),
        RouteTarget::NetworkInterface("eni-1".into()),
    );
    let to_instance = Route::created(net("10.8.0.0/16"), RouteTarget::Instance("i-1".into()));
    let mut live = LiveTargets::default();
    assert_eq!(to_eni.state(&live), RouteState::Blackhole);
    assert_eq!(to_instance.state(&live), RouteState::Blackhole);
    live.interfaces.insert("eni-1".into());
    live.instances.insert("i-1".into());
    assert_eq!(to_eni.state(&live), RouteState::Active);
    assert_eq!(to_instance.state(&live), RouteState::Active);
}

#[test]
fn only_running_instances_and_the_interfaces_attached_to_them_are_live() {
    use crate::instance::InstanceState;
    let live = LiveTargets::new(
        [
            ("i-run", InstanceState::Running),
            ("i-new", InstanceState::Pending),
            ("i-stop", InstanceState::Stopped),
        ],
        [
            ("eni-run", Some("i-run")),
            ("eni-stop", Some("i-stop")),
            ("eni-free", None),
        ],
    );
    let state = |target: RouteTarget| Route::created(net("10.9.0.0/16"), target).state(&live);
    assert_eq!(
        state(RouteTarget::Instance("i-run".into())),
        RouteState::Active
    );
    assert_eq!(
        state(RouteTarget::Instance("i-new".into())),
        RouteState::Active
    );
    assert_eq!(
        state(RouteTarget::Instance("i-stop".into())),
        RouteState::Blackhole
    );
    assert_eq!(
        state(RouteTarget::NetworkInterface("eni-run".into())),
        RouteState::Active
    );
    assert_eq!(
        state(RouteTarget::NetworkInterface("eni-stop".into())),
        RouteState::Blackhole,
        "its instance is stopped"
    );
    assert_eq!(
        state(RouteTarget::NetworkInterface("eni-free".into())),
        RouteState::Blackhole,
        "detached"
    );
}

fn net6(text: &str) -> Ipv6Net {
    text.parse().unwrap()
}

fn dual_stack() -> RouteTable {
    table("rtb-00000006").with_ipv6_blocks(&[net6("2001:db8:0:100::/56")])
}

const EIGW: &str = "eigw-11111111";

#[test]
fn ipv6_routes_are_their_own_family() {
    let t = dual_stack();
    let default6 = Route::created(net6("::/0"), RouteTarget::InternetGateway(IGW.into()));
    assert!(check_new_route(&t, &default6, &[], &ListWeights::default(), 50).is_ok());
    // An IPv4 default route exists; the IPv6 one is still new, and vice versa.
    let mut with_v4 = t.clone();
    with_v4.routes.push(Route::created(
        net("0.0.0.0/0"),
        RouteTarget::InternetGateway(IGW.into()),
    ));
    assert!(check_new_route(&with_v4, &default6, &[], &ListWeights::default(), 50).is_ok());
    let mut with_v6 = t.clone();
    with_v6.ipv6_routes.push(default6.clone());
    assert_eq!(
        code(check_new_route(
            &with_v6,
            &default6,
            &[],
            &ListWeights::default(),
            50
        )),
        "RouteAlreadyExists"
    );
    // The quota counts each family's routes apart.
    assert!(check_new_route(&with_v4, &default6, &[], &ListWeights::default(), 1).is_ok());
    let other = Route::created(net6("2001:db8:ffff::/48"), RouteTarget::Local);
    assert_eq!(
        code(check_new_route(
            &with_v6,
            &other,
            &[],
            &ListWeights::default(),
            1
        )),
        "RouteLimitExceeded"
    );
    assert_eq!(
        code(check_delete_route(&t, net6("2001:db8:0:100::/56"))),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(check_delete_route(&t, net6("::/0"))),
        "InvalidRoute.NotFound"
    );
}

#[test]
fn inside_the_ipv6_block_only_a_whole_subnet_goes_to_an_interface() {
    let t = dual_stack();
    let subnet = net6("2001:db8:0:101::/64");
    let eni = RouteTarget::NetworkInterface(ENI.into());
    let to = |d: &str, target: RouteTarget| {
        check_new_route(
            &t,
            &Route::created(net6(d), target),
            &[subnet],
            &ListWeights::default(),
            50,
        )
    };
    assert!(to("2001:db8:0:101::/64", eni.clone()).is_ok());
    assert_eq!(
        code(to("2001:db8:0:102::/64", eni.clone())),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(to(
            "2001:db8:0:101::/64",
            RouteTarget::InternetGateway(IGW.into())
        )),
        "InvalidParameterValue"
    );
    let local = replace_route(&t, net6("2001:db8:0:100::/56"), eni, &[subnet]).unwrap();
    assert!(local.is_local());
}

#[test]
fn egress_only_gateways_carry_ipv6_and_no_route_enters_the_services_range() {
    let eigw = RouteTarget::EgressOnlyInternetGateway(EIGW.into());
    assert!(check_target_family("::/0".parse().unwrap(), &eigw).is_ok());
    assert_eq!(
        code(check_target_family("0.0.0.0/0".parse().unwrap(), &eigw)),
        "InvalidParameterValue"
    );
    let igw = RouteTarget::InternetGateway(IGW.into());
    for reserved in ["fd00:ec2::/32", "fd00:ec2::254/128"] {
        assert_eq!(
            code(check_target_family(reserved.parse().unwrap(), &igw)),
            "InvalidParameterValue"
        );
    }
    assert!(check_target_family("fd00::/8".parse().unwrap(), &igw).is_ok());
    assert_eq!(
        code(check_egress_only_gateway_network(
            &dual_stack(),
            EIGW,
            "vpc-other"
        )),
        "InvalidParameterValue"
    );
    let mut live = LiveTargets::default().with_egress_only_gateways([EIGW]);
    let route = Route::created(net6("::/0"), eigw);
    assert_eq!(route.state(&live), RouteState::Active);
    live.egress_only_gateways.clear();
    assert_eq!(route.state(&live), RouteState::Blackhole);
}
