//! CreateRoute, ReplaceRoute and DeleteRoute.
//!
//! Destinations are IPv4 or IPv6 CIDRs or customer-managed prefix lists; targets are internet
//! gateways, egress-only internet gateways (IPv6), instances, network interfaces, NAT gateways
//! and VPC peering connections. The other target parameters of the model
//! (transit/local/carrier gateways, endpoints, core networks) name resources localvpc cannot
//! create: the request structs leave them out, so dispatch refuses them as unsupported.

use super::{internet_gateway, load_table};
use crate::actions::{peering, prefix_list};
use crate::context::Ctx;
use crate::wire::{Empty, RETURN_TRUE, ReturnTrue};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use localvpc_model::prefix_list::PrefixList;
use localvpc_model::route_table::{self, Route, RouteTable, RouteTarget};
use localvpc_model::{Ec2Error, ErrorCode, IdKind, cidr, ipv6};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RouteRequest {
    route_table_id: String,
    destination_cidr_block: Option<String>,
    destination_ipv6_cidr_block: Option<String>,
    destination_prefix_list_id: Option<String>,
    gateway_id: Option<String>,
    egress_only_internet_gateway_id: Option<String>,
    instance_id: Option<String>,
    network_interface_id: Option<String>,
    nat_gateway_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
    /// ReplaceRoute only (the model has no such parameter on CreateRoute): restore the target of
    /// a local route.
    local_target: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteRouteRequest {
    route_table_id: String,
    destination_cidr_block: Option<String>,
    destination_ipv6_cidr_block: Option<String>,
    destination_prefix_list_id: Option<String>,
}

/// What a route request's destination names: a CIDR block of either family (canonical), or a
/// prefix list.
enum Destination {
    Cidr(IpNet),
    PrefixList(PrefixList),
}

/// The one destination a request names.
fn destination(
    ctx: &Ctx,
    v4: Option<&str>,
    v6: Option<&str>,
    list: Option<&str>,
) -> Result<Destination, Ec2Error> {
    const ONE_OF: &str = "The request must contain the parameter destinationCidrBlock, \
        destinationIpv6CidrBlock or destinationPrefixListId";
    match (v4, v6, list) {
        (Some(text), None, None) => Ok(Destination::Cidr(IpNet::V4(cidr::any_block(
            text,
            "destinationCidrBlock",
        )?))),
        (None, Some(text), None) => ipv6::parse_net(text)
            .map(|net| Destination::Cidr(IpNet::V6(net)))
            .ok_or_else(|| {
                Ec2Error::invalid_value(format!(
                    "Value ({text}) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block."
                ))
            }),
        (None, None, Some(id)) => prefix_list::find(ctx, id).map(Destination::PrefixList),
        (None, None, None) => Err(Ec2Error::new(ErrorCode::MissingParameter, ONE_OF)),
        _ => Err(Ec2Error::combination(
            "The parameters destinationCidrBlock, destinationIpv6CidrBlock and \
             destinationPrefixListId cannot be specified together.",
        )),
    }
}

fn request_destination(ctx: &Ctx, req: &RouteRequest) -> Result<Destination, Ec2Error> {
    destination(
        ctx,
        req.destination_cidr_block.as_deref(),
        req.destination_ipv6_cidr_block.as_deref(),
        req.destination_prefix_list_id.as_deref(),
    )
}

/// Resolves an `InstanceId`/`NetworkInterfaceId` route target. An instance must have a single
/// interface (AWS asks for the interface otherwise).
fn interface_target(ctx: &Ctx, kind: IdKind, id: &str) -> Result<RouteTarget, Ec2Error> {
    let id = kind.parse(id)?;
    if kind == IdKind::Instance {
        let instance = ctx.tx.instance(ctx.account, &id)?;
        if instance.interfaces.len() > 1 {
            return Err(Ec2Error::new(
                ErrorCode::InvalidInstanceId,
                format!(
                    "There are multiple interfaces attached to instance '{id}'. Please specify an interface ID for the operation instead."
                ),
            ));
        }
        return Ok(RouteTarget::Instance(id));
    }
    ctx.tx.network_interface(ctx.account, &id)?;
    Ok(RouteTarget::NetworkInterface(id))
}

/// The one target a route request names.
fn requested_target(
    ctx: &Ctx,
    table: &RouteTable,
    req: &RouteRequest,
) -> Result<RouteTarget, Ec2Error> {
    const EXACTLY_ONE: &str = "The request must contain exactly one of gatewayId, natGatewayId, \
        networkInterfaceId, vpcPeeringConnectionId, egressOnlyInternetGatewayId, \
        transitGatewayId, localGatewayId or instanceId";
    let local = req.local_target == Some(true);
    let named = [
        req.gateway_id.is_some(),
        req.instance_id.is_some(),
        req.network_interface_id.is_some(),
        req.nat_gateway_id.is_some(),
        req.vpc_peering_connection_id.is_some(),
        req.egress_only_internet_gateway_id.is_some(),
        local,
    ];
    match named.iter().filter(|n| **n).count() {
        0 => return Err(Ec2Error::new(ErrorCode::MissingParameter, EXACTLY_ONE)),
        1 => {}
        _ => return Err(Ec2Error::combination(EXACTLY_ONE)),
    }
    if let Some(id) = &req.gateway_id {
        let igw = internet_gateway(ctx, id)?;
        route_table::check_gateway_network(table, &igw)?;
        Ok(RouteTarget::InternetGateway(igw.id))
    } else if let Some(id) = &req.instance_id {
        interface_target(ctx, IdKind::Instance, id)
    } else if let Some(id) = &req.network_interface_id {
        interface_target(ctx, IdKind::NetworkInterface, id)
    } else if let Some(id) = &req.nat_gateway_id {
        let nat = ctx.tx.nat_gateway(&IdKind::NatGateway.parse(id)?)?;
        route_table::check_nat_gateway_target(table, &nat)?;
        Ok(RouteTarget::NatGateway(nat.id))
    } else if let Some(id) = &req.vpc_peering_connection_id {
        peering::route_target(ctx, id, &table.vpc_id).map(RouteTarget::VpcPeeringConnection)
    } else if let Some(id) = &req.egress_only_internet_gateway_id {
        let gateway = ctx
            .tx
            .egress_only_internet_gateway(&IdKind::EgressOnlyInternetGateway.parse(id)?)?;
        route_table::check_egress_only_gateway_network(table, &gateway.id, &gateway.vpc_id)?;
        Ok(RouteTarget::EgressOnlyInternetGateway(gateway.id))
    } else {
        Ok(RouteTarget::Local)
    }
}

/// The blocks of the subnets of the table's VPC, per family: the only destinations more
/// specific than a local route that a route may have.
fn subnet_blocks(ctx: &Ctx, table: &RouteTable) -> Result<(Vec<Ipv4Net>, Vec<Ipv6Net>), Ec2Error> {
    let subnets = ctx.tx.subnets(&ctx.owner(), Some(&table.vpc_id))?;
    Ok((
        subnets.iter().map(|s| s.cidr).collect(),
        subnets
            .iter()
            .filter_map(|s| Some(s.ipv6_block.as_ref()?.cidr))
            .collect(),
    ))
}

pub fn create_route(ctx: &mut Ctx, req: RouteRequest) -> Result<ReturnTrue, Ec2Error> {
    let table = load_table(ctx, &req.route_table_id)?;
    let destination = request_destination(ctx, &req)?;
    let target = requested_target(ctx, &table, &req)?;
    let limit = ctx.config.quotas.routes_per_route_table;
    let lists = prefix_list::weights(ctx)?;
    let destination = match destination {
        Destination::PrefixList(list) => {
            route_table::check_new_prefix_list_route(&table, &list, &target, &lists, limit)?;
            ctx.tx
                .insert_route(&table.id, &Route::created(list.id, target))?;
            return Ok(RETURN_TRUE);
        }
        Destination::Cidr(cidr) => cidr,
    };
    route_table::check_target_family(destination, &target)?;
    let (v4_subnets, v6_subnets) = subnet_blocks(ctx, &table)?;
    match destination {
        IpNet::V4(d) => {
            let route = Route::created(d, target);
            route_table::check_new_route(&table, &route, &v4_subnets, &lists, limit)?;
            ctx.tx.insert_route(&table.id, &route)?;
        }
        IpNet::V6(d) => {
            let route = Route::created(d, target);
            route_table::check_new_route(&table, &route, &v6_subnets, &lists, limit)?;
            ctx.tx.insert_route(&table.id, &route)?;
        }
    }
    Ok(RETURN_TRUE)
}

/// ReplaceRoute: points an existing route elsewhere, or (`LocalTarget=true`) restores a local
/// route's target.
pub fn replace_route(ctx: &mut Ctx, req: RouteRequest) -> Result<Empty, Ec2Error> {
    let table = load_table(ctx, &req.route_table_id)?;
    let destination = request_destination(ctx, &req)?;
    let target = requested_target(ctx, &table, &req)?;
    let destination = match destination {
        Destination::PrefixList(list) => {
            let route = route_table::replace_prefix_list_route(&table, &list, target)?;
            ctx.tx.replace_route(&table.id, &route)?;
            return Ok(Empty {});
        }
        Destination::Cidr(cidr) => cidr,
    };
    route_table::check_target_family(destination, &target)?;
    let (v4_subnets, v6_subnets) = subnet_blocks(ctx, &table)?;
    match destination {
        IpNet::V4(d) => {
            let route = route_table::replace_route(&table, d, target, &v4_subnets)?;
            ctx.tx.replace_route(&table.id, &route)?;
        }
        IpNet::V6(d) => {
            let route = route_table::replace_route(&table, d, target, &v6_subnets)?;
            ctx.tx.replace_route(&table.id, &route)?;
        }
    }
    Ok(Empty {})
}

pub fn delete_route(ctx: &mut Ctx, req: DeleteRouteRequest) -> Result<Empty, Ec2Error> {
    let table = load_table(ctx, &req.route_table_id)?;
    let destination = destination(
        ctx,
        req.destination_cidr_block.as_deref(),
        req.destination_ipv6_cidr_block.as_deref(),
        req.destination_prefix_list_id.as_deref(),
    )?;
    let stored = match destination {
        Destination::Cidr(IpNet::V4(d)) => {
            route_table::check_delete_route(&table, d)?;
            d.to_string()
        }
        Destination::Cidr(IpNet::V6(d)) => {
            route_table::check_delete_route(&table, d)?;
            d.to_string()
        }
        Destination::PrefixList(list) => {
            route_table::check_delete_prefix_list_route(&table, &list.id)?;
            list.id
        }
    };
    ctx.tx.delete_route(&table.id, &stored)?;
    Ok(Empty {})
}
