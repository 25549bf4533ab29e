//! CreateRouteTable, DescribeRouteTables, DeleteRouteTable, and the `RouteTable` shape they
//! answer with.

use crate::actions::peering;
use crate::context::Ctx;
use crate::wire::{
    Empty, FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for,
};
use localvpc_model::route_table::{
    self, DescribedRouteTable, LiveTargets, Route, RouteState, RouteTable, RouteTableAssociation,
    RouteTarget,
};
use localvpc_model::{Ec2Error, IdKind, Quota};
use localvpc_store::EniScope;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociationState {
    pub state: &'static str,
}

/// Associations are made whole within one call, so every association the API shows is
/// `associated`.
pub const ASSOCIATED: AssociationState = AssociationState {
    state: "associated",
};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteWire {
    destination_cidr_block: Option<String>,
    destination_ipv6_cidr_block: Option<String>,
    destination_prefix_list_id: Option<String>,
    gateway_id: Option<String>,
    egress_only_internet_gateway_id: Option<String>,
    instance_id: Option<String>,
    network_interface_id: Option<String>,
    nat_gateway_id: Option<String>,
    vpc_peering_connection_id: Option<String>,
    origin: &'static str,
    state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociationWire {
    main: bool,
    route_table_association_id: String,
    route_table_id: String,
    subnet_id: Option<String>,
    gateway_id: Option<String>,
    association_state: AssociationState,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RouteTableWire {
    associations: Vec<AssociationWire>,
    /// Virtual private gateways do not exist in localvpc, so nothing ever propagates.
    propagating_vgws: Vec<Empty>,
    route_table_id: String,
    routes: Vec<RouteWire>,
    /// Always present, empty included, as AWS answers for route tables.
    tags: Vec<TagWire>,
    vpc_id: String,
    owner_id: String,
}

fn association_view(a: &RouteTableAssociation) -> AssociationWire {
    AssociationWire {
        main: a.main,
        route_table_association_id: a.id.clone(),
        route_table_id: a.route_table_id.clone(),
        subnet_id: a.subnet_id.clone(),
        gateway_id: a.gateway_id.clone(),
        association_state: ASSOCIATED,
    }
}

fn route_view<N>(
    destination_cidr_block: Option<String>,
    destination_ipv6_cidr_block: Option<String>,
    r: &Route<N>,
    state: RouteState,
) -> RouteWire {
    RouteWire {
        destination_cidr_block,
        destination_ipv6_cidr_block,
        destination_prefix_list_id: None,
        gateway_id: r.target.gateway_id().map(str::to_owned),
        egress_only_internet_gateway_id: r
            .target
            .egress_only_internet_gateway_id()
            .map(str::to_owned),
        instance_id: r.target.instance_id().map(str::to_owned),
        network_interface_id: r.target.network_interface_id().map(str::to_owned),
        nat_gateway_id: r.target.nat_gateway_id().map(str::to_owned),
        vpc_peering_connection_id: r.target.vpc_peering_connection_id().map(str::to_owned),
        origin: r.origin.as_str(),
        state: state.as_str(),
    }
}

fn view(described: &DescribedRouteTable) -> RouteTableWire {
    let t = &described.table;
    RouteTableWire {
        associations: t.associations.iter().map(association_view).collect(),
        propagating_vgws: Vec::new(),
        route_table_id: t.id.clone(),
        routes: described
            .routes()
            .map(|(r, state)| route_view(Some(r.destination.to_string()), None, r, state))
            .chain(
                described
                    .ipv6_routes()
                    .map(|(r, state)| route_view(None, Some(r.destination.to_string()), r, state)),
            )
            .chain(described.prefix_list_routes().map(|(r, state)| RouteWire {
                destination_prefix_list_id: Some(r.destination.clone()),
                ..route_view(None, None, r, state)
            }))
            .chain(t.endpoint_routes.iter().map(|r| RouteWire {
                destination_cidr_block: None,
                destination_ipv6_cidr_block: None,
                destination_prefix_list_id: Some(r.prefix_list_id.clone()),
                gateway_id: Some(r.endpoint_id.clone()),
                egress_only_internet_gateway_id: None,
                instance_id: None,
                network_interface_id: None,
                nat_gateway_id: None,
                vpc_peering_connection_id: None,
                origin: "CreateRoute",
                state: "active",
            }))
            .collect(),
        tags: tag_set(&t.tags).unwrap_or_default(),
        vpc_id: t.vpc_id.clone(),
        owner_id: t.owner_id.clone(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateRouteTableRequest {
    vpc_id: String,
    /// Idempotency is handled by dispatch; the token is only echoed here.
    client_token: Option<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRouteTableResponse {
    route_table: RouteTableWire,
    client_token: Option<String>,
}

/// CreateRouteTable: a table with a `local` route per VPC block, used by nothing until associated.
pub fn create_route_table(
    ctx: &mut Ctx,
    req: CreateRouteTableRequest,
) -> Result<CreateRouteTableResponse, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let tags = tags_for(&req.tag_specifications, IdKind::RouteTable)?;
    ctx.config.quotas.check(
        Quota::RouteTablesPerVpc,
        &vpc.id,
        ctx.tx.count_route_tables_in_vpc(&vpc.id)?,
        1,
    )?;
    let blocks: Vec<_> = vpc.cidr_blocks.iter().map(|b| b.cidr).collect();
    let ipv6_blocks: Vec<_> = vpc.ipv6_blocks.iter().map(|b| b.cidr).collect();
    let mut table = RouteTable::new(
        IdKind::RouteTable.generate(),
        vpc.id,
        ctx.account.to_owned(),
        &blocks,
    )
    .with_ipv6_blocks(&ipv6_blocks);
    table.tags = tags;
    ctx.tx.insert_route_table(&table)?;
    Ok(CreateRouteTableResponse {
        // A new table holds only local routes, which are active whatever the gateway.
        route_table: view(&DescribedRouteTable::new(table, &LiveTargets::default())),
        client_token: req.client_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeRouteTablesRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    #[serde(default)]
    route_table_ids: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeRouteTablesResponse {
    route_tables: Vec<RouteTableWire>,
    next_token: Option<String>,
}

/// Instances that can forward traffic now and the interfaces attached to them.
fn live_targets(ctx: &mut Ctx, tables: &[RouteTable]) -> Result<LiveTargets, Ec2Error> {
    // Instances and interfaces are read only when a route targets one: a partition of many
    // ENIs and no appliance routes describes its tables without loading them.
    let host = |t: &RouteTarget| {
        matches!(
            t,
            RouteTarget::Instance(_) | RouteTarget::NetworkInterface(_)
        )
    };
    let hosts = tables.iter().any(|t| {
        t.routes.iter().any(|r| host(&r.target)) || t.ipv6_routes.iter().any(|r| host(&r.target))
    });
    let (interfaces, instances) = if hosts {
        (
            ctx.tx.network_interfaces(ctx.account, EniScope::All)?,
            ctx.tx.instances(ctx.account)?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let nats = ctx.tx.nat_gateways()?;
    let egress_only = ctx.tx.egress_only_internet_gateways()?;
    Ok(LiveTargets::new(
        instances.iter().map(|i| (i.id.as_str(), i.state)),
        interfaces.iter().map(|e| {
            let instance = e.attachment.as_ref().map(|a| a.instance_id.as_str());
            (e.id.as_str(), instance)
        }),
    )
    .with_nat_gateways(nats.iter().filter(|n| n.forwards()).map(|n| n.id.as_str()))
    .with_peerings(peering::active_ids(ctx)?.iter().map(String::as_str))
    .with_egress_only_gateways(egress_only.iter().map(|g| g.id.as_str())))
}

/// DescribeRouteTables: route states are computed now, from the targets that exist at this moment.
pub fn describe_route_tables(
    ctx: &mut Ctx,
    req: DescribeRouteTablesRequest,
) -> Result<DescribeRouteTablesResponse, Ec2Error> {
    let vpc_gateways: HashMap<String, String> = ctx
        .tx
        .internet_gateways(ctx.account)?
        .into_iter()
        .filter_map(|g| Some((g.vpc_id?, g.id)))
        .collect();
    let tables = ctx.tx.route_tables(ctx.account, None)?;
    let live = live_targets(ctx, &tables)?;
    let all = tables
        .into_iter()
        .map(|t| {
            let gateway = vpc_gateways.get(&t.vpc_id).cloned();
            DescribedRouteTable::new(t, &live.for_gateway(gateway.as_deref()))
        })
        .collect();
    let (tables, next_token) = select(
        all,
        |t| &t.table.id,
        route_table::FILTERS,
        Selection {
            kind: IdKind::RouteTable,
            ids: &req.route_table_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: route_table::PAGE_LIMITS,
        },
    )?;
    Ok(DescribeRouteTablesResponse {
        route_tables: tables.iter().map(view).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteRouteTableRequest {
    route_table_id: String,
}

/// DeleteRouteTable: only a table nothing is associated with (so never the main table).
pub fn delete_route_table(ctx: &mut Ctx, req: DeleteRouteTableRequest) -> Result<Empty, Ec2Error> {
    let table = super::load_table(ctx, &req.route_table_id)?;
    route_table::check_delete_table(&table)?;
    ctx.tx.delete_route_table(&table.id)?;
    Ok(Empty {})
}
