//! Route table actions: tables (Create/Describe/DeleteRouteTable), their routes
//! (Create/Replace/DeleteRoute) and associations with subnets, gateways and the VPC's main slot
//! (Associate/Disassociate/ReplaceRouteTableAssociation). The rules live in
//! `localvpc_model::route_table`.

pub mod associations;
pub mod routes;
pub mod tables;
#[cfg(test)]
mod tests;

use crate::context::Ctx;
use localvpc_model::internet_gateway::InternetGateway;
use localvpc_model::route_table::RouteTable;
use localvpc_model::{Ec2Error, ErrorCode, IdKind};

/// The caller's route table `id` (`…Malformed`, then `…NotFound`).
fn load_table(ctx: &Ctx, id: &str) -> Result<RouteTable, Ec2Error> {
    ctx.tx
        .route_table(ctx.account, &IdKind::RouteTable.parse(id)?)
}

/// The internet gateway a `GatewayId` names. Internet gateways are the only gateways localvpc
/// has, so any other kind of ID (`vgw-…`, `local`) names nothing.
fn internet_gateway(ctx: &Ctx, id: &str) -> Result<InternetGateway, Ec2Error> {
    let kind = IdKind::InternetGateway;
    if !id.starts_with(&format!("{}-", kind.prefix())) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidGatewayIdNotFound,
            format!("The gateway ID '{id}' does not exist"),
        ));
    }
    ctx.tx.internet_gateway(ctx.account, &kind.parse(id)?)
}
