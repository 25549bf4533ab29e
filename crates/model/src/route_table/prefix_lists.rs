//! Routes to customer-managed prefix lists (`DestinationPrefixListId` on CreateRoute,
//! ReplaceRoute and DeleteRoute). A table routes a list at most once; the reference counts the
//! list's weight (its `MaxEntries`) against the route quota of the list's family, as AWS counts
//! it (VUG, route priority and prefix lists); a gateway route table may not hold one.

use super::rules::{check_room, routes_used};
use super::{PrefixListRoute, RouteTable, RouteTarget};
use crate::error::{Ec2Error, ErrorCode};
use crate::prefix_list::{Family, PrefixList};
use crate::security_group::changes::ListWeights;
use ipnet::{Ipv4Net, Ipv6Net};

const PARAMETER: &str = "destination-prefix-list-id";

fn already_exists(list_id: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::RouteAlreadyExists,
        format!("The route identified by {list_id} already exists."),
    )
}

/// The target may serve the list's family and is not `local` (only a VPC block's own route
/// targets local).
fn check_target(list: &PrefixList, target: &RouteTarget) -> Result<(), Ec2Error> {
    match target {
        RouteTarget::Local => Err(Ec2Error::invalid_value(format!(
            "The route to prefix list {} cannot target local: only the route of a VPC CIDR block \
             targets local.",
            list.id
        ))),
        RouteTarget::EgressOnlyInternetGateway(_) if list.family == Family::V4 => {
            Err(Ec2Error::invalid_value(format!(
                "Route {} cannot target an egress only internet gateway: the prefix list is IPv4 \
                 and the gateway carries IPv6 only.",
                list.id
            )))
        }
        _ => Ok(()),
    }
}

/// Routes reference customer-managed lists only: AWS's service lists reach route tables through
/// gateway endpoints (ModifyVpcEndpoint).
fn check_referenceable(list: &PrefixList) -> Result<(), Ec2Error> {
    if list.is_aws_managed() {
        return Err(Ec2Error::invalid_value(format!(
            "The prefix list {} is an AWS-managed prefix list. Routes can reference only \
             customer-managed prefix lists.",
            list.id
        )));
    }
    Ok(())
}

/// What the table's routes of `family` count against the quota.
fn used(table: &RouteTable, family: Family, lists: &ListWeights) -> usize {
    match family {
        Family::V4 => routes_used::<Ipv4Net>(table, lists),
        Family::V6 => routes_used::<Ipv6Net>(table, lists),
    }
}

/// CreateRoute to `list`: a customer-managed list the table does not route yet (neither by a
/// route of its own nor by a gateway endpoint's), not in a gateway route table, a target of the
/// list's family, and room for the list's weight within `limit`.
pub fn check_new_prefix_list_route(
    table: &RouteTable,
    list: &PrefixList,
    target: &RouteTarget,
    lists: &ListWeights,
    limit: usize,
) -> Result<(), Ec2Error> {
    check_referenceable(list)?;
    if table.is_gateway_table() {
        return Err(Ec2Error::invalid_value(format!(
            "Route table {} is associated with a gateway: it cannot route to prefix list {}.",
            table.id, list.id
        )));
    }
    check_target(list, target)?;
    let routed = table
        .prefix_list_routes
        .iter()
        .any(|r| r.destination == list.id)
        || table
            .endpoint_routes
            .iter()
            .any(|r| r.prefix_list_id == list.id);
    if routed {
        return Err(already_exists(&list.id));
    }
    check_room(
        table,
        used(table, list.family, lists) + list.weight.max(0) as usize,
        limit,
    )
}

fn existing<'t>(table: &'t RouteTable, list_id: &str) -> Result<&'t PrefixListRoute, Ec2Error> {
    table
        .prefix_list_routes
        .iter()
        .find(|r| r.destination == list_id)
        .ok_or_else(|| {
            Ec2Error::new(
                ErrorCode::InvalidRouteNotFound,
                format!(
                    "no route with {PARAMETER} {list_id} in route table {}",
                    table.id
                ),
            )
        })
}

/// ReplaceRoute of the route to `list`: it must exist; returns it with its new target.
pub fn replace_prefix_list_route(
    table: &RouteTable,
    list: &PrefixList,
    target: RouteTarget,
) -> Result<PrefixListRoute, Ec2Error> {
    let route = existing(table, &list.id)?;
    check_target(list, &target)?;
    Ok(PrefixListRoute {
        target,
        ..route.clone()
    })
}

/// DeleteRoute of the route to `list_id`: it must exist (a gateway endpoint's route is the
/// endpoint's, changed through ModifyVpcEndpoint).
pub fn check_delete_prefix_list_route(table: &RouteTable, list_id: &str) -> Result<(), Ec2Error> {
    existing(table, list_id).map(|_| ())
}

/// Whether `table` still fits `limit` once `list` (which it routes) weighs `list.weight`.
pub fn fits_resized_list(
    table: &RouteTable,
    list: &PrefixList,
    lists: &ListWeights,
    limit: usize,
) -> bool {
    let mut lists = lists.clone();
    lists
        .0
        .insert(list.id.clone(), (list.family, list.weight.max(0) as usize));
    used(table, list.family, &lists) <= limit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prefix_list::State;
    use crate::route_table::{EndpointRoute, Route, RouteTableAssociation};

    const LIMIT: usize = 50;

    fn table() -> RouteTable {
        let vpc = "10.0.0.0/16".parse().unwrap();
        RouteTable::new("rtb-1".into(), "vpc-1".into(), "1".into(), &[vpc])
    }

    fn list(id: &str, family: Family, weight: i64) -> PrefixList {
        PrefixList {
            id: id.into(),
            name: id.into(),
            family,
            max_entries: Some(weight),
            version: Some(1),
            state: State::CreateComplete,
            owner_id: "123456789012".into(),
            entries: Vec::new(),
            tags: Vec::new(),
            weight,
        }
    }

    fn weights(lists: &[&PrefixList]) -> ListWeights {
        ListWeights(
            lists
                .iter()
                .map(|l| (l.id.clone(), (l.family, l.weight as usize)))
                .collect(),
        )
    }

    fn igw() -> RouteTarget {
        RouteTarget::InternetGateway("igw-1".into())
    }

    fn code(r: Result<impl std::fmt::Debug, Ec2Error>) -> &'static str {
        r.unwrap_err().code.as_str()
    }

    fn routed(mut t: RouteTable, list: &PrefixList) -> RouteTable {
        t.prefix_list_routes
            .push(Route::created(list.id.clone(), igw()));
        t
    }

    #[test]
    fn a_list_weighs_its_max_entries_against_its_familys_quota() {
        let big = list("pl-big", Family::V4, 49);
        let w = weights(&[&big]);
        assert!(check_new_prefix_list_route(&table(), &big, &igw(), &w, LIMIT).is_ok());
        let mut t = routed(table(), &big);
        // 49 + one CIDR route fill the quota; the next CIDR route does not fit.
        let cidr = Route::created("0.0.0.0/0".parse::<Ipv4Net>().unwrap(), igw());
        assert!(super::super::check_new_route(&t, &cidr, &[], &w, LIMIT).is_ok());
        t.routes.push(cidr);
        let more = Route::created("192.168.0.0/16".parse::<Ipv4Net>().unwrap(), igw());
        assert_eq!(
            code(super::super::check_new_route(&t, &more, &[], &w, LIMIT)),
            "RouteLimitExceeded"
        );
        // An IPv6 list counts against the IPv6 quota only.
        let v6 = list("pl-v6", Family::V6, 50);
        let w = weights(&[&big, &v6]);
        assert!(check_new_prefix_list_route(&t, &v6, &igw(), &w, LIMIT).is_ok());
        let other = list("pl-other", Family::V4, 1);
        assert_eq!(
            code(check_new_prefix_list_route(&t, &other, &igw(), &w, LIMIT)),
            "RouteLimitExceeded"
        );
    }

    #[test]
    fn a_table_routes_a_list_once_and_never_an_aws_list_or_at_a_gateway() {
        let pl = list("pl-a", Family::V4, 5);
        let w = weights(&[&pl]);
        let t = routed(table(), &pl);
        assert_eq!(
            code(check_new_prefix_list_route(&t, &pl, &igw(), &w, LIMIT)),
            "RouteAlreadyExists"
        );
        let mut aws = list("pl-63a5400a", Family::V4, 1);
        aws.owner_id = crate::prefix_list::AWS_OWNER.into();
        assert_eq!(
            code(check_new_prefix_list_route(
                &table(),
                &aws,
                &igw(),
                &w,
                LIMIT
            )),
            "InvalidParameterValue"
        );
        let mut endpoint = table();
        endpoint.endpoint_routes.push(EndpointRoute {
            prefix_list_id: "pl-a".into(),
            endpoint_id: "vpce-1".into(),
        });
        assert_eq!(
            code(check_new_prefix_list_route(
                &endpoint,
                &pl,
                &igw(),
                &w,
                LIMIT
            )),
            "RouteAlreadyExists"
        );
        let mut edge = table();
        edge.associations.push(RouteTableAssociation {
            id: "rtbassoc-1".into(),
            route_table_id: "rtb-1".into(),
            main: false,
            subnet_id: None,
            gateway_id: Some("igw-1".into()),
        });
        assert_eq!(
            code(check_new_prefix_list_route(&edge, &pl, &igw(), &w, LIMIT)),
            "InvalidParameterValue"
        );
        let eigw = RouteTarget::EgressOnlyInternetGateway("eigw-1".into());
        assert_eq!(
            code(check_new_prefix_list_route(&table(), &pl, &eigw, &w, LIMIT)),
            "InvalidParameterValue"
        );
    }

    #[test]
    fn replace_and_delete_need_the_route() {
        let pl = list("pl-a", Family::V4, 5);
        let eni = RouteTarget::NetworkInterface("eni-1".into());
        assert_eq!(
            code(replace_prefix_list_route(&table(), &pl, eni.clone())),
            "InvalidRoute.NotFound"
        );
        assert_eq!(
            code(check_delete_prefix_list_route(&table(), "pl-a")),
            "InvalidRoute.NotFound"
        );
        let t = routed(table(), &pl);
        let replaced = replace_prefix_list_route(&t, &pl, eni.clone()).unwrap();
        assert_eq!(replaced.target, eni);
        assert_eq!(
            code(replace_prefix_list_route(&t, &pl, RouteTarget::Local)),
            "InvalidParameterValue"
        );
        assert!(check_delete_prefix_list_route(&t, "pl-a").is_ok());
    }

    #[test]
    fn a_routed_list_grows_only_while_the_table_has_room() {
        let mut pl = list("pl-a", Family::V4, 10);
        let w = weights(&[&pl]);
        let t = routed(table(), &pl);
        pl.weight = 50;
        assert!(fits_resized_list(&t, &pl, &w, LIMIT));
        pl.weight = 51;
        assert!(!fits_resized_list(&t, &pl, &w, LIMIT));
    }
}
