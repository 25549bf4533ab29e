//! VPC actions: CreateVpc, DescribeVpcs, DeleteVpc, Modify/DescribeVpcAttribute,
//! Associate/DisassociateVpcCidrBlock.

use crate::context::Ctx;
use crate::provision::{self, NewVpc};
use crate::wire::{
    BoolValue, Empty, FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for,
};
use localvpc_model::ipv6::VpcIpv6Block;
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::vpc::{self, Vpc, VpcCidrBlock, VpcDependents};
use localvpc_model::{Ec2Error, IdKind, Quota, cidr};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CidrBlockState {
    pub state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CidrBlockAssociationWire {
    pub association_id: String,
    pub cidr_block: String,
    pub cidr_block_state: CidrBlockState,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6BlockAssociationWire {
    pub association_id: String,
    /// Omitted while associating, as CreateVpc and AssociateVpcCidrBlock answer.
    pub ipv6_cidr_block: Option<String>,
    pub ipv6_cidr_block_state: CidrBlockState,
    pub network_border_group: String,
    pub ipv6_pool: String,
    pub ipv6_address_attribute: &'static str,
    pub ip_source: &'static str,
}

fn ipv6_view(b: &VpcIpv6Block, region: &str, state: &'static str) -> Ipv6BlockAssociationWire {
    Ipv6BlockAssociationWire {
        association_id: b.association_id.clone(),
        ipv6_cidr_block: (state != "associating").then(|| b.cidr.to_string()),
        ipv6_cidr_block_state: CidrBlockState { state },
        network_border_group: region.to_owned(),
        ipv6_pool: b.pool.clone(),
        ipv6_address_attribute: "public",
        ip_source: "amazon",
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockPublicAccessStates {
    pub internet_gateway_block_mode: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcWire {
    pub vpc_id: String,
    pub owner_id: String,
    pub state: &'static str,
    pub cidr_block: String,
    pub cidr_block_association_set: Vec<CidrBlockAssociationWire>,
    pub ipv6_cidr_block_association_set: Option<Vec<Ipv6BlockAssociationWire>>,
    pub dhcp_options_id: String,
    pub instance_tenancy: String,
    pub is_default: bool,
    pub block_public_access_states: BlockPublicAccessStates,
    pub tags: Option<Vec<TagWire>>,
}

/// A VPC as Describe shows it (`available`, blocks `associated`) or as CreateVpc answers
/// (`pending`, IPv6 blocks `associating`).
fn view(v: &Vpc, region: &str, state: &'static str) -> VpcWire {
    let ipv6_state = if state == "pending" {
        "associating"
    } else {
        "associated"
    };
    VpcWire {
        vpc_id: v.id.clone(),
        owner_id: v.owner_id.clone(),
        state,
        cidr_block: v.primary_cidr().to_string(),
        cidr_block_association_set: v
            .cidr_blocks
            .iter()
            .map(|b| CidrBlockAssociationWire {
                association_id: b.association_id.clone(),
                cidr_block: b.cidr.to_string(),
                cidr_block_state: CidrBlockState {
                    state: "associated",
                },
            })
            .collect(),
        ipv6_cidr_block_association_set: (!v.ipv6_blocks.is_empty()).then(|| {
            v.ipv6_blocks
                .iter()
                .map(|b| ipv6_view(b, region, ipv6_state))
                .collect()
        }),
        dhcp_options_id: v.dhcp_options_id.clone(),
        instance_tenancy: v.instance_tenancy.clone(),
        is_default: v.is_default,
        block_public_access_states: BlockPublicAccessStates {
            internet_gateway_block_mode: "off",
        },
        tags: tag_set(&v.tags),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateVpcRequest {
    cidr_block: Option<String>,
    instance_tenancy: Option<String>,
    amazon_provided_ipv6_cidr_block: Option<bool>,
    ipv6_cidr_block_network_border_group: Option<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateVpcResponse {
    vpc: VpcWire,
}

pub fn create_vpc(ctx: &mut Ctx, req: CreateVpcRequest) -> Result<CreateVpcResponse, Ec2Error> {
    let text = req
        .cidr_block
        .ok_or_else(|| Ec2Error::missing_parameter("CidrBlock"))?;
    let cidr = cidr::vpc_block(&text)?;
    let amazon_ipv6 = amazon_ipv6(
        ctx,
        req.amazon_provided_ipv6_cidr_block,
        req.ipv6_cidr_block_network_border_group.as_deref(),
    )?;
    let tags = tags_for(&req.tag_specifications, IdKind::Vpc)?;
    ctx.config
        .quotas
        .check(Quota::VpcsPerRegion, "", ctx.tx.count_vpcs()?, 1)?;
    let tenancy = req.instance_tenancy.unwrap_or_else(|| "default".into());
    let vpc = provision::create_vpc(
        ctx,
        NewVpc {
            cidr,
            is_default: false,
            instance_tenancy: tenancy,
            amazon_ipv6,
            tags,
        },
    )?;
    let mut vpc = view(&vpc, ctx.region.name, "pending");
    // An empty IPv6 set rather than none, as AWS answers CreateVpc.
    vpc.ipv6_cidr_block_association_set
        .get_or_insert_with(Vec::new);
    Ok(CreateVpcResponse { vpc })
}

/// `AmazonProvidedIpv6CidrBlock` with its network border group, which must be the region's
/// (localvpc has no Local Zones) and needs an Amazon-provided block.
fn amazon_ipv6(
    ctx: &Ctx,
    amazon: Option<bool>,
    border_group: Option<&str>,
) -> Result<bool, Ec2Error> {
    let amazon = amazon.unwrap_or(false);
    match border_group {
        Some(_) if !amazon => Err(Ec2Error::combination(
            "The parameter Ipv6CidrBlockNetworkBorderGroup requires AmazonProvidedIpv6CidrBlock to be true.",
        )),
        Some(group) if group != ctx.region.name => Err(Ec2Error::invalid_value(format!(
            "The network border group '{group}' is invalid for region {}.",
            ctx.region.name
        ))),
        _ => Ok(amazon),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeVpcsRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    #[serde(default)]
    vpc_ids: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeVpcsResponse {
    vpcs: Vec<VpcWire>,
    next_token: Option<String>,
}

pub fn describe_vpcs(
    ctx: &mut Ctx,
    req: DescribeVpcsRequest,
) -> Result<DescribeVpcsResponse, Ec2Error> {
    let all = ctx.tx.vpcs(ctx.account)?;
    let (vpcs, next_token) = select(
        all,
        |v| &v.id,
        vpc::FILTERS,
        Selection {
            kind: IdKind::Vpc,
            ids: &req.vpc_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(DescribeVpcsResponse {
        vpcs: vpcs
            .iter()
            .map(|v| view(v, ctx.region.name, "available"))
            .collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct VpcIdRequest {
    vpc_id: String,
}

/// DeleteVpc: refused while anything but the VPC's own defaults lives in it.
pub fn delete_vpc(ctx: &mut Ctx, req: VpcIdRequest) -> Result<Empty, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let groups = ctx.tx.security_groups(ctx.account, Some(&vpc.id))?;
    let tables = ctx.tx.route_tables(ctx.account, Some(&vpc.id))?;
    let acls = ctx.tx.network_acls(ctx.account, Some(&vpc.id))?;
    vpc::check_delete(
        &vpc.id,
        &VpcDependents {
            subnets: ctx.tx.count_subnets_in_vpc(&vpc.id)?,
            internet_gateway: ctx.tx.internet_gateway_of_vpc(&vpc.id)?.is_some(),
            egress_only_internet_gateway: ctx
                .tx
                .egress_only_internet_gateway_of_vpc(&vpc.id)?
                .is_some(),
            security_groups: groups.iter().filter(|g| !g.is_default()).count(),
            route_tables: tables.iter().filter(|t| !t.is_main()).count(),
            network_acls: acls.iter().filter(|a| !a.is_default).count(),
            vpc_endpoints: ctx.tx.count_vpc_endpoints(None, Some(&vpc.id))?,
        },
    )?;
    crate::actions::peering::delete_with_vpc(ctx, &vpc.id)?;
    for t in &tables {
        ctx.tx.delete_route_table(&t.id)?;
    }
    for g in &groups {
        ctx.tx.delete_security_group(&g.id)?;
    }
    for a in &acls {
        ctx.tx.delete_network_acl(&a.id)?;
    }
    ctx.tx.delete_vpc(&vpc.id)?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyVpcAttributeRequest {
    vpc_id: String,
    enable_dns_hostnames: Option<BoolValue>,
    enable_dns_support: Option<BoolValue>,
    enable_network_address_usage_metrics: Option<BoolValue>,
}

/// ModifyVpcAttribute: exactly one attribute per call, as EC2 requires.
pub fn modify_vpc_attribute(
    ctx: &mut Ctx,
    req: ModifyVpcAttributeRequest,
) -> Result<Empty, Ec2Error> {
    let mut vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let given = [
        req.enable_dns_hostnames,
        req.enable_dns_support,
        req.enable_network_address_usage_metrics,
    ];
    if given.iter().filter(|a| a.is_some()).count() != 1 {
        return Err(Ec2Error::combination(
            "Exactly one attribute must be specified per ModifyVpcAttribute call.",
        ));
    }
    let value = |b: BoolValue, name: &str| {
        b.value
            .ok_or_else(|| Ec2Error::missing_parameter(&format!("{name}.Value")))
    };
    if let Some(b) = req.enable_dns_hostnames {
        vpc.enable_dns_hostnames = value(b, "EnableDnsHostnames")?;
    }
    if let Some(b) = req.enable_dns_support {
        vpc.enable_dns_support = value(b, "EnableDnsSupport")?;
    }
    if let Some(b) = req.enable_network_address_usage_metrics {
        vpc.enable_network_address_usage_metrics = value(b, "EnableNetworkAddressUsageMetrics")?;
    }
    ctx.tx.update_vpc_attributes(&vpc)?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeVpcAttributeRequest {
    vpc_id: String,
    attribute: String,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeVpcAttributeResponse {
    vpc_id: String,
    enable_dns_hostnames: Option<BoolValue>,
    enable_dns_support: Option<BoolValue>,
    enable_network_address_usage_metrics: Option<BoolValue>,
}

pub fn describe_vpc_attribute(
    ctx: &mut Ctx,
    req: DescribeVpcAttributeRequest,
) -> Result<DescribeVpcAttributeResponse, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let mut out = DescribeVpcAttributeResponse {
        vpc_id: vpc.id.clone(),
        ..Default::default()
    };
    match req.attribute.as_str() {
        "enableDnsHostnames" => {
            out.enable_dns_hostnames = Some(BoolValue::of(vpc.enable_dns_hostnames))
        }
        "enableDnsSupport" => out.enable_dns_support = Some(BoolValue::of(vpc.enable_dns_support)),
        _ => {
            out.enable_network_address_usage_metrics =
                Some(BoolValue::of(vpc.enable_network_address_usage_metrics))
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssociateVpcCidrBlockRequest {
    vpc_id: String,
    cidr_block: Option<String>,
    amazon_provided_ipv6_cidr_block: Option<bool>,
    ipv6_cidr_block_network_border_group: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CidrBlockAssociationResponse {
    vpc_id: String,
    cidr_block_association: Option<CidrBlockAssociationWire>,
    ipv6_cidr_block_association: Option<Ipv6BlockAssociationWire>,
}

pub fn associate_vpc_cidr_block(
    ctx: &mut Ctx,
    req: AssociateVpcCidrBlockRequest,
) -> Result<CidrBlockAssociationResponse, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let amazon_ipv6 = amazon_ipv6(
        ctx,
        req.amazon_provided_ipv6_cidr_block,
        req.ipv6_cidr_block_network_border_group.as_deref(),
    )?;
    let text = match (req.cidr_block, amazon_ipv6) {
        (Some(_), true) => {
            return Err(Ec2Error::combination(
                "Only one of CidrBlock and AmazonProvidedIpv6CidrBlock may be specified.",
            ));
        }
        (None, true) => {
            vpc::check_additional_ipv6_block(&vpc)?;
            let block = provision::amazon_ipv6_block(ctx)?;
            provision::gain_ipv6(ctx, &vpc.id, &block)?;
            return Ok(CidrBlockAssociationResponse {
                vpc_id: vpc.id,
                cidr_block_association: None,
                ipv6_cidr_block_association: Some(ipv6_view(
                    &block,
                    ctx.region.name,
                    "associating",
                )),
            });
        }
        (Some(text), false) => text,
        (None, false) => return Err(Ec2Error::missing_parameter("CidrBlock")),
    };
    let tables = ctx.tx.route_tables(ctx.account, Some(&vpc.id))?;
    let destinations: Vec<_> = tables
        .iter()
        .flat_map(|t| t.routes.iter())
        .filter(|r| !r.is_local())
        .map(|r| r.destination)
        .collect();
    let cidr = vpc::check_additional_block(
        &vpc,
        &text,
        ctx.config.quotas.cidr_blocks_per_vpc,
        &destinations,
    )?;
    let block = VpcCidrBlock {
        association_id: IdKind::VpcCidrAssociation.generate(),
        cidr,
    };
    ctx.tx.add_vpc_cidr_block(&vpc.id, &block)?;
    // Every route table of the VPC gets a `local` route for the new block.
    for table in &tables {
        let local = localvpc_model::route_table::Route {
            destination: cidr,
            target: localvpc_model::route_table::RouteTarget::Local,
            origin: localvpc_model::route_table::RouteOrigin::CreateRouteTable,
        };
        ctx.tx.insert_route(&table.id, &local)?;
    }
    Ok(CidrBlockAssociationResponse {
        vpc_id: vpc.id,
        cidr_block_association: Some(CidrBlockAssociationWire {
            association_id: block.association_id,
            cidr_block: cidr.to_string(),
            cidr_block_state: CidrBlockState {
                state: "associating",
            },
        }),
        ipv6_cidr_block_association: None,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DisassociateVpcCidrBlockRequest {
    association_id: String,
}

pub fn disassociate_vpc_cidr_block(
    ctx: &mut Ctx,
    req: DisassociateVpcCidrBlockRequest,
) -> Result<CidrBlockAssociationResponse, Ec2Error> {
    let association_id = IdKind::VpcCidrAssociation.parse(&req.association_id)?;
    if let Some(vpc_id) = ctx.tx.vpc_of_ipv6_association(&association_id)? {
        return disassociate_ipv6_block(ctx, &vpc_id, &association_id);
    }
    let vpc_id = ctx
        .tx
        .vpc_of_cidr_association(&association_id)?
        .ok_or_else(|| IdKind::VpcCidrAssociation.not_found(&association_id))?;
    let vpc = ctx.tx.vpc(ctx.account, &vpc_id)?;
    let subnets: Vec<_> = ctx
        .tx
        .subnets(&ctx.owner(), Some(&vpc.id))?
        .iter()
        .map(|s| s.cidr)
        .collect();
    let block = vpc::check_remove_block(&vpc, &association_id, &subnets)?;
    ctx.tx.remove_vpc_cidr_block(&association_id)?;
    for table in ctx.tx.route_tables(ctx.account, Some(&vpc.id))? {
        ctx.tx.delete_route(&table.id, &block.to_string())?;
    }
    Ok(CidrBlockAssociationResponse {
        vpc_id: vpc.id,
        cidr_block_association: Some(CidrBlockAssociationWire {
            association_id,
            cidr_block: block.to_string(),
            cidr_block_state: CidrBlockState {
                state: "disassociating",
            },
        }),
        ipv6_cidr_block_association: None,
    })
}

/// DisassociateVpcCidrBlock of an IPv6 block: refused while a subnet holds a /64 of it; the
/// route tables' local routes go with it.
fn disassociate_ipv6_block(
    ctx: &mut Ctx,
    vpc_id: &str,
    association_id: &str,
) -> Result<CidrBlockAssociationResponse, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, vpc_id)?;
    let subnets: Vec<_> = ctx
        .tx
        .subnets(&ctx.owner(), Some(&vpc.id))?
        .iter()
        .filter_map(|s| s.ipv6_block.as_ref().map(|b| b.cidr))
        .collect();
    vpc::check_remove_ipv6_block(&vpc, association_id, &subnets)?;
    let block = vpc
        .ipv6_blocks
        .iter()
        .find(|b| b.association_id == association_id)
        .ok_or_else(Ec2Error::internal)?;
    ctx.tx.remove_vpc_ipv6_block(association_id)?;
    Ok(CidrBlockAssociationResponse {
        vpc_id: vpc.id.clone(),
        cidr_block_association: None,
        ipv6_cidr_block_association: Some(ipv6_view(block, ctx.region.name, "disassociating")),
    })
}
