//! AssociateRouteTable, DisassociateRouteTable and ReplaceRouteTableAssociation.
//!
//! A subnet without an explicit association uses its VPC's main table; the main table is the one
//! holding the VPC's main association, which can move to another table but never go away.

use super::tables::{ASSOCIATED, AssociationState};
use super::{internet_gateway, load_table};
use crate::context::Ctx;
use crate::wire::Empty;
use localvpc_model::route_table::{self, RouteTable, RouteTableAssociation};
use localvpc_model::{Ec2Error, IdKind};
use localvpc_store::{AssociationId, RouteTableId};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssociateRouteTableRequest {
    route_table_id: String,
    subnet_id: Option<String>,
    gateway_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociateRouteTableResponse {
    association_id: String,
    association_state: AssociationState,
}

/// AssociateRouteTable: a subnet (which then stops using the main table) or an internet gateway
/// (an edge association, routing traffic that enters the VPC).
pub fn associate_route_table(
    ctx: &mut Ctx,
    req: AssociateRouteTableRequest,
) -> Result<AssociateRouteTableResponse, Ec2Error> {
    let table = load_table(ctx, &req.route_table_id)?;
    let vpc_tables = ctx.tx.route_tables(ctx.account, Some(&table.vpc_id))?;
    let mut association = RouteTableAssociation {
        id: IdKind::RouteTableAssociation.generate(),
        route_table_id: table.id.clone(),
        main: false,
        subnet_id: None,
        gateway_id: None,
    };
    match (&req.subnet_id, &req.gateway_id) {
        (Some(id), None) => {
            let subnet = ctx.tx.subnet(&ctx.owner(), &IdKind::Subnet.parse(id)?)?;
            route_table::check_associate_subnet(&table, &subnet.id, &subnet.vpc_id, &vpc_tables)?;
            association.subnet_id = Some(subnet.id);
        }
        (None, Some(id)) => {
            let igw = internet_gateway(ctx, id)?;
            route_table::check_associate_gateway(&table, &igw, &vpc_tables)?;
            association.gateway_id = Some(igw.id);
        }
        (None, None) => {
            return Err(Ec2Error::missing_parameter("subnetId or gatewayId"));
        }
        (Some(_), Some(_)) => {
            return Err(Ec2Error::combination(
                "Only one of subnetId or gatewayId can be specified.",
            ));
        }
    }
    ctx.tx
        .insert_route_table_association(&table.vpc_id, &association)?;
    Ok(AssociateRouteTableResponse {
        association_id: association.id,
        association_state: ASSOCIATED,
    })
}

/// The caller's association `id` and the table it belongs to.
fn load_association(ctx: &Ctx, id: &str) -> Result<(RouteTable, RouteTableAssociation), Ec2Error> {
    let kind = IdKind::RouteTableAssociation;
    let id = kind.parse(id)?;
    let table_id = ctx
        .tx
        .route_table_of_association(&id)?
        .ok_or_else(|| kind.not_found(&id))?;
    let table = ctx.tx.route_table(ctx.account, &table_id)?;
    let association = table
        .associations
        .iter()
        .find(|a| a.id == id)
        .cloned()
        .ok_or_else(Ec2Error::internal)?;
    Ok((table, association))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DisassociateRouteTableRequest {
    association_id: String,
}

/// DisassociateRouteTable: a subnet goes back to the main table; the main association stays.
pub fn disassociate_route_table(
    ctx: &mut Ctx,
    req: DisassociateRouteTableRequest,
) -> Result<Empty, Ec2Error> {
    let (_, association) = load_association(ctx, &req.association_id)?;
    route_table::check_disassociate(&association)?;
    ctx.tx.delete_route_table_association(&association.id)?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ReplaceRouteTableAssociationRequest {
    association_id: String,
    route_table_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplaceRouteTableAssociationResponse {
    new_association_id: String,
    association_state: AssociationState,
}

/// ReplaceRouteTableAssociation: moves an association to another table of the VPC under a new
/// ID. Moving the main association makes the other table the VPC's main table.
pub fn replace_route_table_association(
    ctx: &mut Ctx,
    req: ReplaceRouteTableAssociationRequest,
) -> Result<ReplaceRouteTableAssociationResponse, Ec2Error> {
    // Both IDs are checked for form before either is looked up.
    IdKind::RouteTable.parse(&req.route_table_id)?;
    let (current, association) = load_association(ctx, &req.association_id)?;
    let new_table = load_table(ctx, &req.route_table_id)?;
    route_table::check_replace_association(&association, &current, &new_table)?;
    let new_id = IdKind::RouteTableAssociation.generate();
    ctx.tx.move_route_table_association(
        AssociationId(&association.id),
        AssociationId(&new_id),
        RouteTableId(&new_table.id),
    )?;
    Ok(ReplaceRouteTableAssociationResponse {
        new_association_id: new_id,
        association_state: ASSOCIATED,
    })
}
