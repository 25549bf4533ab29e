//! Authorize/RevokeSecurityGroupIngress/Egress, DescribeSecurityGroupRules and
//! ModifySecurityGroupRules.

use super::permissions::{self, FlatParameters};
use super::target_group;
use super::wire::{
    IpPermissionWire, IpRangeWire, Ipv6RangeWire, PrefixListIdWire, RevokedRuleWire,
    SecurityGroupRuleWire, UserIdGroupPairWire, revoked_view, rule_view, unknown_permissions,
};
use crate::context::Ctx;
use crate::wire::{
    FilterWire, RETURN_TRUE, ReturnTrue, Selection, TagSpecification, select, tags_for,
};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::security_group::listing::RULE_FILTERS;
use localvpc_model::security_group::permission::expand;
use localvpc_model::security_group::{SecurityGroup, SecurityGroupRule, changes};
use localvpc_model::{Ec2Error, IdKind};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AuthorizeIngressRequest {
    group_id: Option<String>,
    group_name: Option<String>,
    #[serde(default)]
    ip_permissions: Vec<IpPermissionWire>,
    ip_protocol: Option<String>,
    from_port: Option<i64>,
    to_port: Option<i64>,
    cidr_ip: Option<String>,
    source_security_group_name: Option<String>,
    source_security_group_owner_id: Option<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AuthorizeEgressRequest {
    group_id: String,
    #[serde(default)]
    ip_permissions: Vec<IpPermissionWire>,
    ip_protocol: Option<String>,
    from_port: Option<i64>,
    to_port: Option<i64>,
    cidr_ip: Option<String>,
    source_security_group_name: Option<String>,
    source_security_group_owner_id: Option<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuthorizeResponse {
    r#return: bool,
    security_group_rules: Vec<SecurityGroupRuleWire>,
}

pub fn authorize_ingress(
    ctx: &mut Ctx,
    req: AuthorizeIngressRequest,
) -> Result<AuthorizeResponse, Ec2Error> {
    let group = target_group(ctx, req.group_id.as_deref(), req.group_name.as_deref())?;
    let flat = FlatParameters {
        ip_protocol: req.ip_protocol,
        from_port: req.from_port,
        to_port: req.to_port,
        cidr_ip: req.cidr_ip,
        source_security_group_name: req.source_security_group_name,
        source_security_group_owner_id: req.source_security_group_owner_id,
    };
    let wires = permissions::ingress_permissions(flat, req.ip_permissions)?;
    authorize(ctx, group, false, &wires, &req.tag_specifications)
}

pub fn authorize_egress(
    ctx: &mut Ctx,
    req: AuthorizeEgressRequest,
) -> Result<AuthorizeResponse, Ec2Error> {
    let group = ctx
        .tx
        .security_group(ctx.account, &IdKind::SecurityGroup.parse(&req.group_id)?)?;
    let flat = FlatParameters {
        ip_protocol: req.ip_protocol,
        from_port: req.from_port,
        to_port: req.to_port,
        cidr_ip: req.cidr_ip,
        source_security_group_name: req.source_security_group_name,
        source_security_group_owner_id: req.source_security_group_owner_id,
    };
    permissions::refuse_flat_parameters(&flat, "AuthorizeSecurityGroupEgress")?;
    authorize(
        ctx,
        group,
        true,
        &req.ip_permissions,
        &req.tag_specifications,
    )
}

/// Adds the rules `wires` describe to one direction of `group`, all or none.
fn authorize(
    ctx: &mut Ctx,
    group: SecurityGroup,
    is_egress: bool,
    wires: &[IpPermissionWire],
    tag_specifications: &[TagSpecification],
) -> Result<AuthorizeResponse, Ec2Error> {
    if wires.is_empty() {
        return Err(Ec2Error::missing_parameter("IpPermissions"));
    }
    let tags = tags_for(tag_specifications, IdKind::SecurityGroupRule)?;
    let new = expand(&permissions::resolve(ctx, &group, wires)?)?;
    let limit = ctx.config.quotas.rules_per_security_group;
    let weights = crate::actions::prefix_list::weights(ctx)?;
    changes::check_additions(&group, is_egress, &new, limit, &weights)?;
    let rules: Vec<SecurityGroupRule> = new
        .into_iter()
        .map(|rule| SecurityGroupRule {
            id: IdKind::SecurityGroupRule.generate(),
            group_id: group.id.clone(),
            is_egress,
            permission: rule.permission,
            description: rule.description,
            tags: tags.clone(),
        })
        .collect();
    for rule in &rules {
        ctx.tx.insert_security_group_rule(rule)?;
    }
    Ok(AuthorizeResponse {
        r#return: true,
        security_group_rules: rules
            .iter()
            .map(|r| rule_view(r, &group.owner_id, ctx.region.name).without_empty_tags())
            .collect(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RevokeIngressRequest {
    group_id: Option<String>,
    group_name: Option<String>,
    #[serde(default)]
    ip_permissions: Vec<IpPermissionWire>,
    #[serde(default)]
    security_group_rule_ids: Vec<String>,
    ip_protocol: Option<String>,
    from_port: Option<i64>,
    to_port: Option<i64>,
    cidr_ip: Option<String>,
    source_security_group_name: Option<String>,
    source_security_group_owner_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RevokeEgressRequest {
    group_id: String,
    #[serde(default)]
    ip_permissions: Vec<IpPermissionWire>,
    #[serde(default)]
    security_group_rule_ids: Vec<String>,
    ip_protocol: Option<String>,
    from_port: Option<i64>,
    to_port: Option<i64>,
    cidr_ip: Option<String>,
    source_security_group_name: Option<String>,
    source_security_group_owner_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RevokeResponse {
    r#return: bool,
    unknown_ip_permissions: Option<Vec<IpPermissionWire>>,
    revoked_security_group_rules: Option<Vec<RevokedRuleWire>>,
}

pub fn revoke_ingress(
    ctx: &mut Ctx,
    req: RevokeIngressRequest,
) -> Result<RevokeResponse, Ec2Error> {
    let group = target_group(ctx, req.group_id.as_deref(), req.group_name.as_deref())?;
    let flat = FlatParameters {
        ip_protocol: req.ip_protocol,
        from_port: req.from_port,
        to_port: req.to_port,
        cidr_ip: req.cidr_ip,
        source_security_group_name: req.source_security_group_name,
        source_security_group_owner_id: req.source_security_group_owner_id,
    };
    let wires = permissions::ingress_permissions(flat, req.ip_permissions)?;
    revoke(ctx, group, false, wires, &req.security_group_rule_ids)
}

pub fn revoke_egress(ctx: &mut Ctx, req: RevokeEgressRequest) -> Result<RevokeResponse, Ec2Error> {
    let group = ctx
        .tx
        .security_group(ctx.account, &IdKind::SecurityGroup.parse(&req.group_id)?)?;
    let flat = FlatParameters {
        ip_protocol: req.ip_protocol,
        from_port: req.from_port,
        to_port: req.to_port,
        cidr_ip: req.cidr_ip,
        source_security_group_name: req.source_security_group_name,
        source_security_group_owner_id: req.source_security_group_owner_id,
    };
    permissions::refuse_flat_parameters(&flat, "RevokeSecurityGroupEgress")?;
    revoke(
        ctx,
        group,
        true,
        req.ip_permissions,
        &req.security_group_rule_ids,
    )
}

/// Removes rules from one direction of `group`, named by ID and/or by what they permit
/// (descriptions are not compared, so none need be given).
fn revoke(
    ctx: &mut Ctx,
    group: SecurityGroup,
    is_egress: bool,
    mut wires: Vec<IpPermissionWire>,
    rule_ids: &[String],
) -> Result<RevokeResponse, Ec2Error> {
    if wires.is_empty() && rule_ids.is_empty() {
        return Err(Ec2Error::missing_parameter(
            "IpPermissions or SecurityGroupRuleIds",
        ));
    }
    for id in rule_ids {
        IdKind::SecurityGroupRule.parse(id)?;
    }
    let mut revoked: Vec<&SecurityGroupRule> = changes::rules_by_id(&group, is_egress, rule_ids)?;
    for wire in &mut wires {
        wire.ip_ranges.iter_mut().for_each(|r| r.description = None);
        wire.ipv6_ranges
            .iter_mut()
            .for_each(|r| r.description = None);
        wire.user_id_group_pairs
            .iter_mut()
            .for_each(|p| p.description = None);
    }
    let requested: Vec<_> = expand(&permissions::resolve(ctx, &group, &wires)?)?
        .into_iter()
        .map(|rule| rule.permission)
        .collect();
    let in_default_vpc = ctx.tx.default_vpc_id()?.as_deref() == Some(group.vpc_id.as_str());
    let found = changes::revocation(&group, is_egress, &requested, in_default_vpc)?;
    for rule in found.revoked {
        if !revoked.iter().any(|r| r.id == rule.id) {
            revoked.push(rule);
        }
    }
    for rule in &revoked {
        ctx.tx.delete_security_group_rule(&rule.id)?;
    }
    Ok(RevokeResponse {
        r#return: true,
        unknown_ip_permissions: (!found.unknown.is_empty())
            .then(|| unknown_permissions(&found.unknown)),
        revoked_security_group_rules: (!revoked.is_empty())
            .then(|| revoked.iter().map(|r| revoked_view(r)).collect()),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeSecurityGroupRulesRequest {
    #[serde(default)]
    security_group_rule_ids: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeSecurityGroupRulesResponse {
    security_group_rules: Vec<SecurityGroupRuleWire>,
    next_token: Option<String>,
}

pub fn describe_security_group_rules(
    ctx: &mut Ctx,
    req: DescribeSecurityGroupRulesRequest,
) -> Result<DescribeSecurityGroupRulesResponse, Ec2Error> {
    let mut rules: Vec<SecurityGroupRule> = ctx
        .tx
        .security_groups(ctx.account, None)?
        .into_iter()
        .flat_map(|g| g.rules)
        .collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let (rules, next_token) = select(
        rules,
        |r| &r.id,
        RULE_FILTERS,
        Selection {
            kind: IdKind::SecurityGroupRule,
            ids: &req.security_group_rule_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(DescribeSecurityGroupRulesResponse {
        security_group_rules: rules
            .iter()
            .map(|r| rule_view(r, ctx.account, ctx.region.name))
            .collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifySecurityGroupRulesRequest {
    group_id: String,
    security_group_rules: Vec<RuleUpdateWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RuleUpdateWire {
    security_group_rule_id: Option<String>,
    security_group_rule: Option<RuleDefinitionWire>,
}

/// `SecurityGroupRuleRequest`: a rule's whole new definition, with exactly one peer.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RuleDefinitionWire {
    ip_protocol: Option<String>,
    from_port: Option<i64>,
    to_port: Option<i64>,
    cidr_ipv4: Option<String>,
    cidr_ipv6: Option<String>,
    prefix_list_id: Option<String>,
    referenced_group_id: Option<String>,
    description: Option<String>,
}

impl RuleDefinitionWire {
    /// The definition as an `IpPermission` with its one peer.
    fn as_permission(&self) -> Result<IpPermissionWire, Ec2Error> {
        let peers = [
            self.cidr_ipv4.is_some(),
            self.cidr_ipv6.is_some(),
            self.prefix_list_id.is_some(),
            self.referenced_group_id.is_some(),
        ];
        match peers.iter().filter(|p| **p).count() {
            0 => {
                return Err(Ec2Error::missing_parameter(
                    "CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupId",
                ));
            }
            1 => {}
            _ => {
                return Err(Ec2Error::combination(
                    "Specify exactly one of CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupId.",
                ));
            }
        }
        let description = self.description.clone();
        Ok(IpPermissionWire {
            ip_protocol: self.ip_protocol.clone(),
            from_port: self.from_port,
            to_port: self.to_port,
            ip_ranges: self
                .cidr_ipv4
                .iter()
                .map(|c| IpRangeWire {
                    cidr_ip: Some(c.clone()),
                    description: description.clone(),
                })
                .collect(),
            ipv6_ranges: self
                .cidr_ipv6
                .iter()
                .map(|c| Ipv6RangeWire {
                    cidr_ipv6: Some(c.clone()),
                    description: description.clone(),
                })
                .collect(),
            prefix_list_ids: self
                .prefix_list_id
                .iter()
                .map(|p| PrefixListIdWire {
                    prefix_list_id: Some(p.clone()),
                    description: description.clone(),
                })
                .collect(),
            user_id_group_pairs: self
                .referenced_group_id
                .iter()
                .map(|g| UserIdGroupPairWire {
                    group_id: Some(g.clone()),
                    description: description.clone(),
                    ..Default::default()
                })
                .collect(),
        })
    }
}

/// ModifySecurityGroupRules: replaces each named rule's definition (and description), keeping
/// its ID and tags; all or none.
pub fn modify_security_group_rules(
    ctx: &mut Ctx,
    req: ModifySecurityGroupRulesRequest,
) -> Result<ReturnTrue, Ec2Error> {
    let mut group = ctx
        .tx
        .security_group(ctx.account, &IdKind::SecurityGroup.parse(&req.group_id)?)?;
    let mut modified = Vec::new();
    let limit = ctx.config.quotas.rules_per_security_group;
    let weights = crate::actions::prefix_list::weights(ctx)?;
    for update in &req.security_group_rules {
        let id = update.security_group_rule_id.as_deref().ok_or_else(|| {
            Ec2Error::missing_parameter("SecurityGroupRule.N.SecurityGroupRuleId")
        })?;
        let id = IdKind::SecurityGroupRule.parse(id)?;
        let definition = update
            .security_group_rule
            .as_ref()
            .ok_or_else(|| Ec2Error::missing_parameter("SecurityGroupRule.N.SecurityGroupRule"))?;
        let wire = definition.as_permission()?;
        let mut new = expand(&permissions::resolve(ctx, &group, &[wire])?)?;
        let new = new.pop().expect("one peer makes one rule");
        changes::modify(&mut group, &id, new, limit, &weights)?;
        modified.push(id);
    }
    for rule in group.rules.iter().filter(|r| modified.contains(&r.id)) {
        ctx.tx.replace_security_group_rule(rule)?;
    }
    Ok(RETURN_TRUE)
}
