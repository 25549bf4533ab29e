//! CreateSecurityGroup, DescribeSecurityGroups and DeleteSecurityGroup.

use super::wire::{SecurityGroupWire, group_view};
use super::{named_in_default_vpc, target_group};
use crate::actions::peering_groups::peer_groups_named;
use crate::context::Ctx;
use crate::wire::{FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for};
use localvpc_model::filter::{FilterDef, def, one};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::security_group::listing::{FILTERS, ListedGroup};
use localvpc_model::security_group::{SecurityGroup, deletion, group_arn, naming};
use localvpc_model::{Ec2Error, ErrorCode, IdKind, Quota};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateSecurityGroupRequest {
    group_name: String,
    description: String,
    vpc_id: Option<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateSecurityGroupResponse {
    group_id: String,
    tags: Option<Vec<TagWire>>,
    security_group_arn: String,
}

/// CreateSecurityGroup: in the given VPC, or the default VPC when none is given.
pub fn create_security_group(
    ctx: &mut Ctx,
    req: CreateSecurityGroupRequest,
) -> Result<CreateSecurityGroupResponse, Ec2Error> {
    naming::check_group_name(&req.group_name)?;
    naming::check_group_description(&req.description)?;
    let tags = tags_for(&req.tag_specifications, IdKind::SecurityGroup)?;
    let vpc_id = match &req.vpc_id {
        Some(id) => ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(id)?)?.id,
        None => ctx.tx.default_vpc_id()?.ok_or_else(|| {
            Ec2Error::new(ErrorCode::VpcIdNotSpecified, "No default VPC for this user")
        })?,
    };
    ctx.config.quotas.check(
        Quota::SecurityGroupsPerRegion,
        "",
        ctx.tx.count_security_groups()?,
        1,
    )?;
    let in_vpc = ctx.tx.security_groups(ctx.account, Some(&vpc_id))?;
    naming::check_unique(
        &req.group_name,
        &vpc_id,
        in_vpc.iter().map(|g| g.name.as_str()),
    )?;
    let mut group = SecurityGroup::new(
        IdKind::SecurityGroup.generate(),
        vpc_id,
        ctx.account.to_owned(),
        req.group_name,
        req.description,
        &mut || IdKind::SecurityGroupRule.generate(),
    );
    group.tags = tags;
    ctx.tx.insert_security_group(&group)?;
    Ok(CreateSecurityGroupResponse {
        security_group_arn: group_arn(ctx.region.name, ctx.account, &group.id),
        tags: tag_set(&group.tags),
        group_id: group.id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeSecurityGroupsRequest {
    #[serde(default)]
    group_ids: Vec<String>,
    #[serde(default)]
    group_names: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeSecurityGroupsResponse {
    security_groups: Vec<SecurityGroupWire>,
    next_token: Option<String>,
}

/// DescribeSecurityGroups: by ID, by name (default VPC only), by filter, paged.
pub fn describe_security_groups(
    ctx: &mut Ctx,
    req: DescribeSecurityGroupsRequest,
) -> Result<DescribeSecurityGroupsResponse, Ec2Error> {
    let all = ctx.tx.security_groups(ctx.account, None)?;
    let own = all
        .iter()
        .map(|g| (g.id.clone(), g.vpc_id.clone()))
        .collect();
    let mut ids = req.group_ids.clone();
    if !req.group_names.is_empty() {
        let default_vpc = ctx.tx.default_vpc_id()?;
        for name in &req.group_names {
            let index = named_in_default_vpc(&all, default_vpc.as_deref(), name)?;
            ids.push(all[index].id.clone());
        }
    }
    let (groups, next_token) = select(
        ListedGroup::list(all),
        |g| g.id(),
        FILTERS,
        Selection {
            kind: IdKind::SecurityGroup,
            ids: &ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    let described: Vec<&SecurityGroup> = groups.iter().map(|g| &g.group).collect();
    let peers = peer_groups_named(ctx, &described, &own)?;
    Ok(DescribeSecurityGroupsResponse {
        security_groups: described
            .iter()
            .map(|g| group_view(g, ctx.region.name, &peers))
            .collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteSecurityGroupRequest {
    group_id: Option<String>,
    group_name: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteSecurityGroupResponse {
    r#return: bool,
    group_id: String,
}

/// DeleteSecurityGroup: never the default group, never one something still depends on.
pub fn delete_security_group(
    ctx: &mut Ctx,
    req: DeleteSecurityGroupRequest,
) -> Result<DeleteSecurityGroupResponse, Ec2Error> {
    let group = target_group(ctx, req.group_id.as_deref(), req.group_name.as_deref())?;
    let dependents = dependents(ctx, &group)?;
    deletion::check_deletable(&group, dependents)?;
    ctx.tx.delete_security_group(&group.id)?;
    Ok(DeleteSecurityGroupResponse {
        r#return: true,
        group_id: group.id,
    })
}

/// What still uses a group: the groups of its own VPC whose rules name it (rules of a peered
/// VPC's groups are counted out: they become stale), and the interfaces it is attached to.
fn dependents(ctx: &mut Ctx, group: &SecurityGroup) -> Result<deletion::Dependents, Ec2Error> {
    let referencing = ctx.tx.groups_referencing(&group.id)?;
    let groups_in_vpc = if referencing.is_empty() {
        0
    } else {
        ctx.tx
            .security_groups(ctx.account, Some(&group.vpc_id))?
            .iter()
            .filter(|g| referencing.contains(&g.id))
            .count()
    };
    Ok(deletion::Dependents {
        groups_in_vpc,
        interfaces: ctx.tx.count_network_interfaces_in_group(&group.id)?,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GetSecurityGroupsForVpcRequest {
    vpc_id: String,
    next_token: Option<String>,
    max_results: Option<i64>,
    #[serde(default)]
    filters: Vec<FilterWire>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroupForVpcWire {
    description: String,
    group_name: String,
    owner_id: String,
    group_id: String,
    tags: Vec<TagWire>,
    primary_vpc_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetSecurityGroupsForVpcResponse {
    next_token: Option<String>,
    security_group_for_vpcs: Vec<SecurityGroupForVpcWire>,
}

const FOR_VPC_FILTERS: &[FilterDef<SecurityGroup>] = &[
    def("group-id", |g| one(&g.id)),
    def("description", |g| one(&g.description)),
    def("group-name", |g| one(&g.name)),
    def("owner-id", |g| one(&g.owner_id)),
    def("primary-vpc-id", |g| one(&g.vpc_id)),
];

/// The groups usable in a VPC: its own (localvpc has no security group VPC associations).
pub fn get_security_groups_for_vpc(
    ctx: &mut Ctx,
    req: GetSecurityGroupsForVpcRequest,
) -> Result<GetSecurityGroupsForVpcResponse, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let (page, next_token) = select(
        ctx.tx.security_groups(ctx.account, Some(&vpc.id))?,
        |g| &g.id,
        FOR_VPC_FILTERS,
        Selection {
            kind: IdKind::SecurityGroup,
            ids: &[],
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(GetSecurityGroupsForVpcResponse {
        next_token,
        security_group_for_vpcs: page
            .into_iter()
            .map(|g| SecurityGroupForVpcWire {
                tags: g.tags.iter().map(TagWire::from).collect(),
                description: g.description,
                group_name: g.name,
                owner_id: g.owner_id,
                group_id: g.id,
                primary_vpc_id: g.vpc_id,
            })
            .collect(),
    })
}
