//! Network ACL actions: Create/Describe/DeleteNetworkAcl, Create/Replace/DeleteNetworkAclEntry
//! and ReplaceNetworkAclAssociation.

use crate::context::Ctx;
use crate::wire::{
    Empty, FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for,
};
use localvpc_model::network_acl::{
    self, EntryRequest, NetworkAcl, NetworkAclEntry, check_rule_number,
};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, IdKind, Quota};
use localvpc_store::{AssociationId, NetworkAclId};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociationWire {
    network_acl_association_id: String,
    network_acl_id: String,
    subnet_id: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IcmpTypeCodeWire {
    code: Option<i64>,
    r#type: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PortRangeWire {
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EntryWire {
    cidr_block: Option<String>,
    egress: bool,
    icmp_type_code: Option<IcmpTypeCodeWire>,
    ipv6_cidr_block: Option<String>,
    port_range: Option<PortRangeWire>,
    protocol: String,
    rule_action: &'static str,
    rule_number: i32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkAclWire {
    associations: Vec<AssociationWire>,
    entries: Vec<EntryWire>,
    is_default: bool,
    network_acl_id: String,
    tags: Option<Vec<TagWire>>,
    vpc_id: String,
    owner_id: String,
}

fn entry_view(e: &NetworkAclEntry) -> EntryWire {
    let (cidr_block, ipv6_cidr_block) = match e.cidr {
        ipnet::IpNet::V4(net) => (Some(net.to_string()), None),
        ipnet::IpNet::V6(net) => (None, Some(net.to_string())),
    };
    EntryWire {
        cidr_block,
        egress: e.egress,
        icmp_type_code: e.icmp_type_code.map(|(icmp_type, code)| IcmpTypeCodeWire {
            code: Some(code.into()),
            r#type: Some(icmp_type.into()),
        }),
        ipv6_cidr_block,
        port_range: e.port_range.map(|(from, to)| PortRangeWire {
            from: Some(from.into()),
            to: Some(to.into()),
        }),
        protocol: e.protocol.clone(),
        rule_action: e.action.as_str(),
        rule_number: e.rule_number,
    }
}

fn view(acl: &NetworkAcl) -> NetworkAclWire {
    NetworkAclWire {
        associations: acl
            .associations
            .iter()
            .map(|a| AssociationWire {
                network_acl_association_id: a.id.clone(),
                network_acl_id: a.network_acl_id.clone(),
                subnet_id: a.subnet_id.clone(),
            })
            .collect(),
        entries: acl.entries.iter().map(entry_view).collect(),
        is_default: acl.is_default,
        network_acl_id: acl.id.clone(),
        tags: tag_set(&acl.tags),
        vpc_id: acl.vpc_id.clone(),
        owner_id: acl.owner_id.clone(),
    }
}

/// The caller's ACL named by `id`: `…Malformed` for a bad ID, `…NotFound` for an unknown one.
fn load(ctx: &Ctx, id: &str) -> Result<NetworkAcl, Ec2Error> {
    ctx.tx
        .network_acl(ctx.account, &IdKind::NetworkAcl.parse(id)?)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateNetworkAclRequest {
    vpc_id: String,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
    client_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateNetworkAclResponse {
    network_acl: NetworkAclWire,
    client_token: Option<String>,
}

/// CreateNetworkAcl: a new ACL denies everything until entries are added.
pub fn create_network_acl(
    ctx: &mut Ctx,
    req: CreateNetworkAclRequest,
) -> Result<CreateNetworkAclResponse, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    let tags = tags_for(&req.tag_specifications, IdKind::NetworkAcl)?;
    ctx.config.quotas.check(
        Quota::NetworkAclsPerVpc,
        &vpc.id,
        ctx.tx.count_network_acls_in_vpc(&vpc.id)?,
        1,
    )?;
    let mut acl = NetworkAcl::new(
        IdKind::NetworkAcl.generate(),
        vpc.id,
        ctx.account.to_owned(),
        false,
    );
    if !vpc.ipv6_blocks.is_empty() {
        let added = acl.ipv6_additions();
        acl.entries.extend(added);
        // Egress first, each direction by rule number, as Describe lists them.
        acl.entries.sort_by_key(|e| (!e.egress, e.rule_number));
    }
    acl.tags = tags;
    ctx.tx.insert_network_acl(&acl)?;
    Ok(CreateNetworkAclResponse {
        network_acl: view(&acl),
        client_token: req.client_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeNetworkAclsRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    #[serde(default)]
    network_acl_ids: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeNetworkAclsResponse {
    network_acls: Vec<NetworkAclWire>,
    next_token: Option<String>,
}

pub fn describe_network_acls(
    ctx: &mut Ctx,
    req: DescribeNetworkAclsRequest,
) -> Result<DescribeNetworkAclsResponse, Ec2Error> {
    let all = ctx.tx.network_acls(ctx.account, None)?;
    let (acls, next_token) = select(
        all,
        |a| &a.id,
        network_acl::FILTERS,
        Selection {
            kind: IdKind::NetworkAcl,
            ids: &req.network_acl_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(DescribeNetworkAclsResponse {
        network_acls: acls.iter().map(view).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NetworkAclIdRequest {
    network_acl_id: String,
}

/// DeleteNetworkAcl: not the default ACL, and not one a subnet still uses.
pub fn delete_network_acl(ctx: &mut Ctx, req: NetworkAclIdRequest) -> Result<Empty, Ec2Error> {
    let acl = load(ctx, &req.network_acl_id)?;
    acl.check_deletable()?;
    ctx.tx.delete_network_acl(&acl.id)?;
    Ok(Empty {})
}

/// The members CreateNetworkAclEntry and ReplaceNetworkAclEntry share.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct EntryRequestWire {
    network_acl_id: String,
    rule_number: i64,
    protocol: String,
    rule_action: String,
    egress: bool,
    cidr_block: Option<String>,
    ipv6_cidr_block: Option<String>,
    icmp_type_code: Option<IcmpTypeCodeWire>,
    port_range: Option<PortRangeWire>,
}

impl EntryRequestWire {
    /// The ACL it names and the entry it describes, both checked.
    fn resolve(&self, ctx: &Ctx) -> Result<(NetworkAcl, NetworkAclEntry), Ec2Error> {
        let acl = load(ctx, &self.network_acl_id)?;
        let entry = EntryRequest {
            rule_number: self.rule_number,
            egress: self.egress,
            protocol: &self.protocol,
            rule_action: &self.rule_action,
            cidr_block: self.cidr_block.as_deref(),
            ipv6_cidr_block: self.ipv6_cidr_block.as_deref(),
            icmp: self.icmp_type_code.as_ref().map(|i| (i.r#type, i.code)),
            port_range: self.port_range.as_ref().map(|p| (p.from, p.to)),
        }
        .validate()?;
        Ok((acl, entry))
    }
}

/// CreateNetworkAclEntry: a new rule number in its direction, within the rules quota.
pub fn create_network_acl_entry(ctx: &mut Ctx, req: EntryRequestWire) -> Result<Empty, Ec2Error> {
    let (acl, entry) = req.resolve(ctx)?;
    acl.check_new_entry(&entry, ctx.config.quotas.rules_per_network_acl)?;
    ctx.tx.insert_network_acl_entry(&acl.id, &entry)?;
    Ok(Empty {})
}

/// ReplaceNetworkAclEntry: the rule must already exist in its direction.
pub fn replace_network_acl_entry(ctx: &mut Ctx, req: EntryRequestWire) -> Result<Empty, Ec2Error> {
    let (acl, entry) = req.resolve(ctx)?;
    acl.check_existing_entry(entry.egress, entry.rule_number)?;
    ctx.tx.replace_network_acl_entry(&acl.id, &entry)?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteNetworkAclEntryRequest {
    network_acl_id: String,
    rule_number: i64,
    egress: bool,
}

/// DeleteNetworkAclEntry: any existing rule but the `*` one (32767 is not a caller's number).
pub fn delete_network_acl_entry(
    ctx: &mut Ctx,
    req: DeleteNetworkAclEntryRequest,
) -> Result<Empty, Ec2Error> {
    let acl = load(ctx, &req.network_acl_id)?;
    let rule_number = check_rule_number(req.rule_number)?;
    acl.check_existing_entry(req.egress, rule_number)?;
    ctx.tx
        .delete_network_acl_entry(&acl.id, req.egress, rule_number)?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ReplaceNetworkAclAssociationRequest {
    association_id: String,
    network_acl_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplaceNetworkAclAssociationResponse {
    new_association_id: String,
}

/// ReplaceNetworkAclAssociation: moves a subnet to another ACL of its VPC under a new
/// association ID.
pub fn replace_network_acl_association(
    ctx: &mut Ctx,
    req: ReplaceNetworkAclAssociationRequest,
) -> Result<ReplaceNetworkAclAssociationResponse, Ec2Error> {
    let association_id = IdKind::NetworkAclAssociation.parse(&req.association_id)?;
    let target = load(ctx, &req.network_acl_id)?;
    let association = ctx
        .tx
        .network_acl_association(&association_id)?
        .ok_or_else(|| IdKind::NetworkAclAssociation.not_found(&association_id))?;
    let current = ctx
        .tx
        .network_acl(ctx.account, &association.network_acl_id)?;
    target.check_can_take(&association, &current.vpc_id)?;
    let new_association_id = IdKind::NetworkAclAssociation.generate();
    ctx.tx.move_network_acl_association(
        AssociationId(&association.id),
        AssociationId(&new_association_id),
        NetworkAclId(&target.id),
    )?;
    Ok(ReplaceNetworkAclAssociationResponse { new_association_id })
}
