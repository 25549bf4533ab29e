//! The rules EC2 applies when a route table, a route or an association changes. Each returns
//! the error EC2 answers with when the change is refused.

use super::{Destination, Route, RouteTable, RouteTableAssociation, RouteTarget};
use crate::error::{Ec2Error, ErrorCode};
use crate::internet_gateway::InternetGateway;
use crate::nat_gateway::{NatGateway, NatState};
use crate::security_group::changes::ListWeights;
use ipnet::{IpNet, Ipv6Net};

/// DeleteRouteTable: never the main table, nor one any subnet or gateway still uses.
pub fn check_delete_table(table: &RouteTable) -> Result<(), Ec2Error> {
    if !table.associations.is_empty() {
        return Err(Ec2Error::dependency(format!(
            "The routeTable '{}' has dependencies and cannot be deleted.",
            table.id
        )));
    }
    Ok(())
}

fn different_networks(table_id: &str, other: &str) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "route table {table_id} and {other} belong to different networks"
    ))
}

/// A route or edge association to an internet gateway needs the gateway attached to the table's
/// VPC.
pub fn check_gateway_network(table: &RouteTable, igw: &InternetGateway) -> Result<(), Ec2Error> {
    if igw.vpc_id.as_deref() != Some(table.vpc_id.as_str()) {
        return Err(different_networks(
            &table.id,
            &format!("network gateway {}", igw.id),
        ));
    }
    Ok(())
}

/// A route to an egress-only internet gateway: one of the table's VPC.
pub fn check_egress_only_gateway_network(
    table: &RouteTable,
    gateway_id: &str,
    gateway_vpc_id: &str,
) -> Result<(), Ec2Error> {
    if gateway_vpc_id != table.vpc_id {
        return Err(different_networks(
            &table.id,
            &format!("network gateway {gateway_id}"),
        ));
    }
    Ok(())
}

/// The families a target serves: an egress-only gateway carries IPv6 only, and no route may
/// send traffic into `fd00:ec2::/32`, where the instance services (IMDS, DNS, NTP) live.
pub fn check_target_family(destination: IpNet, target: &RouteTarget) -> Result<(), Ec2Error> {
    match destination {
        IpNet::V4(v4) if matches!(target, RouteTarget::EgressOnlyInternetGateway(_)) => {
            Err(Ec2Error::invalid_value(format!(
                "Route {v4} cannot target an egress only internet gateway: it carries IPv6 only."
            )))
        }
        IpNet::V6(v6) if services().contains(&v6) => Err(Ec2Error::invalid_value(format!(
            "The destination CIDR block {v6} is reserved: no route may target fd00:ec2::/32 \
                 or a range inside it."
        ))),
        _ => Ok(()),
    }
}

fn services() -> Ipv6Net {
    "fd00:ec2::/32".parse().expect("valid")
}

/// A route to a NAT gateway: one of the table's VPC that is not failed or going away.
pub fn check_nat_gateway_target(table: &RouteTable, nat: &NatGateway) -> Result<(), Ec2Error> {
    if !matches!(nat.state, NatState::Pending | NatState::Available) {
        return Err(crate::IdKind::NatGateway.not_found(&nat.id));
    }
    if nat.vpc_id != table.vpc_id {
        return Err(different_networks(
            &table.id,
            &format!("network gateway {}", nat.id),
        ));
    }
    Ok(())
}

/// Whether `target` may carry traffic for `destination` in this table (CreateRoute and
/// ReplaceRoute). Inside the VPC's range only a network interface may take traffic away from
/// `local`, and only for a whole VPC block (replacing the local route's target) or a whole
/// subnet; a gateway route table holds only such routes.
fn check_route_target<N: Destination>(
    table: &RouteTable,
    destination: N,
    target: &RouteTarget,
    subnet_blocks: &[N],
) -> Result<(), Ec2Error> {
    let route = Route::created(destination, target.clone());
    if table.is_gateway_table() && !table.admits_at_gateway(&route) {
        return Err(Ec2Error::invalid_value(format!(
            "Route table {} is associated with a gateway: its routes must stay inside the VPC and \
             target local or a network interface.",
            table.id
        )));
    }
    if !table.within_vpc(destination) || *target == RouteTarget::Local {
        return Ok(());
    }
    if !target.is_middlebox() {
        return Err(Ec2Error::invalid_value(format!(
            "The destination CIDR block {destination} is equal to or more specific than one of \
             this VPC's CIDR blocks. This route can target only an interface or an instance."
        )));
    }
    let whole_block =
        table.vpc_blocks().any(|b: N| b == destination) || subnet_blocks.contains(&destination);
    if !whole_block {
        return Err(Ec2Error::invalid_value(
            "Route destination doesn't match any subnet CIDR blocks.",
        ));
    }
    Ok(())
}

/// CreateRoute: an admissible target, a destination the table does not route yet, and at most
/// `limit` routes besides the local ones, a prefix list counting as its weight (`lists`).
pub fn check_new_route<N: Destination>(
    table: &RouteTable,
    route: &Route<N>,
    subnet_blocks: &[N],
    lists: &ListWeights,
    limit: usize,
) -> Result<(), Ec2Error> {
    check_route_target(table, route.destination, &route.target, subnet_blocks)?;
    if table.route(route.destination).is_some() {
        return Err(Ec2Error::new(
            ErrorCode::RouteAlreadyExists,
            format!(
                "The route identified by {} already exists.",
                route.destination
            ),
        ));
    }
    check_room(table, routes_used::<N>(table, lists) + 1, limit)
}

/// What a table's routes of `N`'s family count against its route quota: one per route besides
/// the local ones, and each prefix list of that family its weight (AWS counts a list's
/// `MaxEntries`, not its entries).
pub(super) fn routes_used<N: Destination>(table: &RouteTable, lists: &ListWeights) -> usize {
    let own = N::routes(table).iter().filter(|r| !r.is_local()).count();
    let listed: usize = table
        .prefix_list_routes
        .iter()
        .filter_map(|r| match lists.0.get(&r.destination) {
            Some((family, weight)) if *family == N::FAMILY => Some(*weight),
            _ => None,
        })
        .sum();
    own + listed
}

/// `RouteLimitExceeded` once the routes would count more than `limit`.
pub(super) fn check_room(table: &RouteTable, used: usize, limit: usize) -> Result<(), Ec2Error> {
    if used > limit {
        return Err(Ec2Error::new(
            ErrorCode::RouteLimitExceeded,
            format!(
                "The maximum number of routes has been reached for route table {} ({limit}).",
                table.id
            ),
        ));
    }
    Ok(())
}

fn existing_route<N: Destination>(
    table: &RouteTable,
    destination: N,
) -> Result<&Route<N>, Ec2Error> {
    table.route(destination).ok_or_else(|| {
        Ec2Error::new(
            ErrorCode::InvalidRouteNotFound,
            format!(
                "no route with {} {destination} in route table {}",
                N::PARAMETER,
                table.id
            ),
        )
    })
}

/// ReplaceRoute: the route must exist; `RouteTarget::Local` (`LocalTarget=true`) restores the
/// target of a local route and suits no other. Returns the route as it becomes.
pub fn replace_route<N: Destination>(
    table: &RouteTable,
    destination: N,
    target: RouteTarget,
    subnet_blocks: &[N],
) -> Result<Route<N>, Ec2Error> {
    let existing = existing_route(table, destination)?;
    if target == RouteTarget::Local && !existing.is_local() {
        return Err(Ec2Error::invalid_value(format!(
            "The route {destination} in route table {} is not a local route: only a local route's \
             target can be restored to local.",
            table.id
        )));
    }
    check_route_target(table, destination, &target, subnet_blocks)?;
    Ok(Route {
        destination,
        target,
        origin: existing.origin,
    })
}

/// DeleteRoute: the route must exist and must not be a local one.
pub fn check_delete_route<N: Destination>(
    table: &RouteTable,
    destination: N,
) -> Result<(), Ec2Error> {
    if existing_route(table, destination)?.is_local() {
        return Err(Ec2Error::invalid_value(format!(
            "cannot remove local route {destination} in route table {}",
            table.id
        )));
    }
    Ok(())
}

fn conflicting_association(table_id: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::ResourceAlreadyAssociated,
        format!(
            "the specified association for route table {table_id} conflicts with an existing association"
        ),
    )
}

/// AssociateRouteTable with a subnet: same VPC, and the subnet has no explicit association yet
/// (without one it uses the main table implicitly). `vpc_tables` are all the VPC's tables.
pub fn check_associate_subnet(
    table: &RouteTable,
    subnet_id: &str,
    subnet_vpc_id: &str,
    vpc_tables: &[RouteTable],
) -> Result<(), Ec2Error> {
    if subnet_vpc_id != table.vpc_id {
        return Err(different_networks(
            &table.id,
            &format!("subnet {subnet_id}"),
        ));
    }
    let taken = vpc_tables
        .iter()
        .flat_map(|t| &t.associations)
        .any(|a| a.subnet_id.as_deref() == Some(subnet_id));
    if taken {
        return Err(conflicting_association(&table.id));
    }
    Ok(())
}

fn check_fits_gateway(table: &RouteTable) -> Result<(), Ec2Error> {
    let v4 = table.routes.iter().find(|r| !table.admits_at_gateway(*r));
    let v6 = table
        .ipv6_routes
        .iter()
        .find(|r| !table.admits_at_gateway(*r));
    // A prefix list's entries are not the VPC's: a gateway route table cannot route to one.
    let listed = table.prefix_list_routes.first();
    let misfit = v4
        .map(|r| r.destination.to_string())
        .or_else(|| v6.map(|r| r.destination.to_string()))
        .or_else(|| listed.map(|r| r.destination.clone()));
    if let Some(destination) = misfit {
        return Err(Ec2Error::invalid_value(format!(
            "Route table {} cannot be associated with a gateway: its route to {destination} leaves \
             the VPC or targets something other than local or a network interface.",
            table.id
        )));
    }
    Ok(())
}

/// AssociateRouteTable with an internet gateway (an edge association): the gateway is attached
/// to the table's VPC and has no edge association yet, and the table holds only routes a gateway
/// route table may have.
pub fn check_associate_gateway(
    table: &RouteTable,
    igw: &InternetGateway,
    vpc_tables: &[RouteTable],
) -> Result<(), Ec2Error> {
    check_gateway_network(table, igw)?;
    let taken = vpc_tables
        .iter()
        .flat_map(|t| &t.associations)
        .any(|a| a.gateway_id.as_deref() == Some(igw.id.as_str()));
    if taken {
        return Err(conflicting_association(&table.id));
    }
    check_fits_gateway(table)
}

/// DisassociateRouteTable: the main association can only move (ReplaceRouteTableAssociation).
pub fn check_disassociate(association: &RouteTableAssociation) -> Result<(), Ec2Error> {
    if association.main {
        return Err(Ec2Error::invalid_value(format!(
            "cannot disassociate the main route table association {}",
            association.id
        )));
    }
    Ok(())
}

/// ReplaceRouteTableAssociation: the association (a subnet's, a gateway's, or the VPC's main
/// one) moves to `new_table`, which must be in the same VPC and, for a gateway, fit its rules.
pub fn check_replace_association(
    association: &RouteTableAssociation,
    current: &RouteTable,
    new_table: &RouteTable,
) -> Result<(), Ec2Error> {
    if new_table.vpc_id != current.vpc_id {
        let other = match (&association.subnet_id, &association.gateway_id) {
            (Some(subnet), _) => format!("subnet {subnet}"),
            (None, Some(gateway)) => format!("network gateway {gateway}"),
            (None, None) => format!("main route table association {}", association.id),
        };
        return Err(different_networks(&new_table.id, &other));
    }
    if association.gateway_id.is_some() {
        check_fits_gateway(new_table)?;
    }
    Ok(())
}
