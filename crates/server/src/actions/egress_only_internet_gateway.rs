//! Egress-only internet gateway actions: Create/Describe/DeleteEgressOnlyInternetGateway.

use crate::context::Ctx;
use crate::wire::{FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for};
use localvpc_model::egress_only_internet_gateway::{self as eigw, EgressOnlyInternetGateway};
use localvpc_model::page::PageLimits;
use localvpc_model::{Ec2Error, IdKind};
use serde::{Deserialize, Serialize};

/// `MaxResults` runs from 5 to 255 here.
const PAGE_LIMITS: PageLimits = PageLimits { min: 5, max: 255 };

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachmentWire {
    state: &'static str,
    vpc_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EgressOnlyInternetGatewayWire {
    attachments: Vec<AttachmentWire>,
    egress_only_internet_gateway_id: String,
    tags: Option<Vec<TagWire>>,
}

/// A gateway is `attached` to its VPC for its whole life (no attach/detach API).
fn view(g: &EgressOnlyInternetGateway) -> EgressOnlyInternetGatewayWire {
    EgressOnlyInternetGatewayWire {
        attachments: vec![AttachmentWire {
            state: "attached",
            vpc_id: g.vpc_id.clone(),
        }],
        egress_only_internet_gateway_id: g.id.clone(),
        tags: tag_set(&g.tags),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateRequest {
    vpc_id: String,
    client_token: Option<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateResponse {
    client_token: Option<String>,
    egress_only_internet_gateway: EgressOnlyInternetGatewayWire,
}

pub fn create_egress_only_internet_gateway(
    ctx: &mut Ctx,
    req: CreateRequest,
) -> Result<CreateResponse, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let tags = tags_for(&req.tag_specifications, IdKind::EgressOnlyInternetGateway)?;
    eigw::check_create(
        &vpc.id,
        ctx.tx
            .egress_only_internet_gateway_of_vpc(&vpc.id)?
            .as_deref(),
    )?;
    let gateway = EgressOnlyInternetGateway {
        id: IdKind::EgressOnlyInternetGateway.generate(),
        vpc_id: vpc.id,
        tags,
    };
    ctx.tx.insert_egress_only_internet_gateway(&gateway)?;
    Ok(CreateResponse {
        client_token: req.client_token,
        egress_only_internet_gateway: view(&gateway),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeRequest {
    #[serde(default)]
    egress_only_internet_gateway_ids: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeResponse {
    egress_only_internet_gateways: Vec<EgressOnlyInternetGatewayWire>,
    next_token: Option<String>,
}

pub fn describe_egress_only_internet_gateways(
    ctx: &mut Ctx,
    req: DescribeRequest,
) -> Result<DescribeResponse, Ec2Error> {
    let (gateways, next_token) = select(
        ctx.tx.egress_only_internet_gateways()?,
        |g| &g.id,
        eigw::FILTERS,
        Selection {
            kind: IdKind::EgressOnlyInternetGateway,
            ids: &req.egress_only_internet_gateway_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: PAGE_LIMITS,
        },
    )?;
    Ok(DescribeResponse {
        egress_only_internet_gateways: gateways.iter().map(view).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteRequest {
    egress_only_internet_gateway_id: String,
}

/// `returnCode`, not the usual `return`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteResponse {
    return_code: bool,
}

/// Routes to the gateway stay, as `blackhole`.
pub fn delete_egress_only_internet_gateway(
    ctx: &mut Ctx,
    req: DeleteRequest,
) -> Result<DeleteResponse, Ec2Error> {
    let id = IdKind::EgressOnlyInternetGateway.parse(&req.egress_only_internet_gateway_id)?;
    let gateway = ctx.tx.egress_only_internet_gateway(&id)?;
    ctx.tx.delete_egress_only_internet_gateway(&gateway.id)?;
    Ok(DeleteResponse { return_code: true })
}
