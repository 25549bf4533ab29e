//! Internet gateway actions: Create/Describe/Delete/Attach/DetachInternetGateway.

use crate::context::Ctx;
use crate::wire::{
    Empty, FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for,
};
use localvpc_model::internet_gateway::{self, InternetGateway};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, IdKind, Quota};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachmentWire {
    vpc_id: String,
    /// EC2 reports an attached gateway as `available`, not `attached`.
    state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InternetGatewayWire {
    internet_gateway_id: String,
    owner_id: String,
    attachments: Vec<AttachmentWire>,
    tags: Option<Vec<TagWire>>,
}

fn view(g: &InternetGateway) -> InternetGatewayWire {
    InternetGatewayWire {
        internet_gateway_id: g.id.clone(),
        owner_id: g.owner_id.clone(),
        attachments: g
            .vpc_id
            .iter()
            .map(|v| AttachmentWire {
                vpc_id: v.clone(),
                state: "available",
            })
            .collect(),
        tags: tag_set(&g.tags),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateInternetGatewayRequest {
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateInternetGatewayResponse {
    internet_gateway: InternetGatewayWire,
}

pub fn create_internet_gateway(
    ctx: &mut Ctx,
    req: CreateInternetGatewayRequest,
) -> Result<CreateInternetGatewayResponse, Ec2Error> {
    let tags = tags_for(&req.tag_specifications, IdKind::InternetGateway)?;
    ctx.config.quotas.check(
        Quota::InternetGatewaysPerRegion,
        "",
        ctx.tx.count_internet_gateways()?,
        1,
    )?;
    let igw = InternetGateway {
        id: IdKind::InternetGateway.generate(),
        owner_id: ctx.account.to_owned(),
        vpc_id: None,
        tags,
    };
    ctx.tx.insert_internet_gateway(&igw)?;
    Ok(CreateInternetGatewayResponse {
        internet_gateway: view(&igw),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeInternetGatewaysRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    #[serde(default)]
    internet_gateway_ids: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInternetGatewaysResponse {
    internet_gateways: Vec<InternetGatewayWire>,
    next_token: Option<String>,
}

pub fn describe_internet_gateways(
    ctx: &mut Ctx,
    req: DescribeInternetGatewaysRequest,
) -> Result<DescribeInternetGatewaysResponse, Ec2Error> {
    let all = ctx.tx.internet_gateways(ctx.account)?;
    let (gateways, next_token) = select(
        all,
        |g| &g.id,
        internet_gateway::FILTERS,
        Selection {
            kind: IdKind::InternetGateway,
            ids: &req.internet_gateway_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(DescribeInternetGatewaysResponse {
        internet_gateways: gateways.iter().map(view).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GatewayRequest {
    internet_gateway_id: String,
}

pub fn delete_internet_gateway(ctx: &mut Ctx, req: GatewayRequest) -> Result<Empty, Ec2Error> {
    let igw = ctx.tx.internet_gateway(
        ctx.account,
        &IdKind::InternetGateway.parse(&req.internet_gateway_id)?,
    )?;
    internet_gateway::check_delete(&igw)?;
    ctx.tx.delete_internet_gateway(&igw.id)?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AttachmentRequest {
    internet_gateway_id: String,
    vpc_id: String,
}

pub fn attach_internet_gateway(ctx: &mut Ctx, req: AttachmentRequest) -> Result<Empty, Ec2Error> {
    let igw = ctx.tx.internet_gateway(
        ctx.account,
        &IdKind::InternetGateway.parse(&req.internet_gateway_id)?,
    )?;
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let current = ctx.tx.internet_gateway_of_vpc(&vpc.id)?;
    internet_gateway::check_attach(&igw, &vpc.id, current.as_deref())?;
    ctx.tx.set_internet_gateway_vpc(&igw.id, Some(&vpc.id))?;
    Ok(Empty {})
}

/// DetachInternetGateway: only from the VPC it is attached to, and not while any address in the
/// VPC is mapped to a public IPv4 (Elastic or auto-assigned).
pub fn detach_internet_gateway(ctx: &mut Ctx, req: AttachmentRequest) -> Result<Empty, Ec2Error> {
    let igw = ctx.tx.internet_gateway(
        ctx.account,
        &IdKind::InternetGateway.parse(&req.internet_gateway_id)?,
    )?;
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    internet_gateway::check_detach(&igw, &vpc.id)?;
    if ctx.tx.vpc_has_public_addresses(&vpc.id)? {
        return Err(Ec2Error::dependency(format!(
            "Network {} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.",
            vpc.id
        )));
    }
    ctx.tx.set_internet_gateway_vpc(&igw.id, None)?;
    Ok(Empty {})
}
