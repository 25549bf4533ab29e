//! Managed prefix list actions: Create/Modify/Restore/Delete/DescribeManagedPrefixLists,
//! GetManagedPrefixListEntries, GetManagedPrefixListAssociations and the legacy
//! DescribePrefixLists. A change's answer shows the `…-in-progress` state; the next Describe the
//! settled one. The region's AWS-managed lists are listed beside the caller's own.

use crate::context::Ctx;
use crate::wire::{
    FilterWire, Selection, TagSpecification, TagWire, default_false, select, tags_for,
};
use localvpc_model::filter::{FilterDef, def, one};
use localvpc_model::page::{DEFAULT_LIMITS, PageLimits, paginate};
use localvpc_model::prefix_list::{
    self, Entry, Family, Modification, PrefixList, State, aws_managed,
};
use localvpc_model::route_table;
use localvpc_model::security_group::changes::ListWeights;
use localvpc_model::{Ec2Error, ErrorCode, IdKind};
use serde::{Deserialize, Serialize};

const LIST_LIMITS: PageLimits = PageLimits { min: 1, max: 100 };
const ASSOCIATION_LIMITS: PageLimits = PageLimits { min: 5, max: 255 };

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixListWire {
    prefix_list_id: String,
    address_family: &'static str,
    state: &'static str,
    prefix_list_arn: String,
    prefix_list_name: String,
    max_entries: Option<i64>,
    version: Option<i64>,
    tags: Vec<TagWire>,
    owner_id: String,
}

fn view(list: &PrefixList, region: &str, state: &'static str) -> PrefixListWire {
    PrefixListWire {
        prefix_list_id: list.id.clone(),
        address_family: list.family.as_str(),
        state,
        prefix_list_arn: list.arn(region),
        prefix_list_name: list.name.clone(),
        max_entries: list.max_entries,
        version: list.version,
        tags: list.tags.iter().map(TagWire::from).collect(),
        owner_id: list.owner_id.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixListResponse {
    prefix_list: PrefixListWire,
}

fn in_progress(ctx: &Ctx, list: &PrefixList) -> PrefixListResponse {
    PrefixListResponse {
        prefix_list: view(list, ctx.region.name, list.state.in_progress()),
    }
}

/// Every list the caller sees: the region's AWS-managed ones and its own, sorted by ID.
fn visible_lists(ctx: &Ctx) -> Result<Vec<PrefixList>, Ec2Error> {
    let mut lists = aws_managed(ctx.region.name);
    lists.extend(ctx.tx.prefix_lists(ctx.account)?);
    lists.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(lists)
}

/// The list `id` names (the caller's or AWS's), or `InvalidPrefixListID.NotFound`.
pub fn find(ctx: &Ctx, id: &str) -> Result<PrefixList, Ec2Error> {
    let id = IdKind::PrefixList.parse(id)?;
    if let Some(list) = ctx.tx.prefix_list(&id, ctx.account)? {
        return Ok(list);
    }
    aws_managed(ctx.region.name)
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| IdKind::PrefixList.not_found(&id))
}

/// What every list the caller may reference weighs.
pub fn weights(ctx: &Ctx) -> Result<ListWeights, Ec2Error> {
    Ok(ListWeights(
        visible_lists(ctx)?
            .into_iter()
            .map(|l| (l.id, (l.family, l.weight as usize)))
            .collect(),
    ))
}

/// Each security group and route table referencing `list` (at its new size) and whether it
/// still fits its rules or routes quota.
fn room_for(ctx: &Ctx, list: &PrefixList) -> Result<Vec<(String, bool)>, Ec2Error> {
    let old_weights = weights(ctx)?;
    let mut weights = old_weights.clone();
    weights
        .0
        .insert(list.id.clone(), (list.family, list.weight as usize));
    let limit = ctx.config.quotas.rules_per_security_group;
    let mut room = ctx
        .tx
        .prefix_list_references(&list.id)?
        .into_iter()
        .map(|id| {
            let fits = weights.fits(&ctx.tx.security_group(ctx.account, &id)?, limit);
            Ok((id, fits))
        })
        .collect::<Result<Vec<_>, Ec2Error>>()?;
    let limit = ctx.config.quotas.routes_per_route_table;
    for id in ctx.tx.prefix_list_route_tables(&list.id)? {
        let table = ctx.tx.route_table(ctx.account, &id)?;
        let fits = route_table::fits_resized_list(&table, list, &old_weights, limit);
        room.push((id, fits));
    }
    Ok(room)
}

/// The security groups and route tables that reference `list`, sorted by ID.
fn referencing(ctx: &Ctx, list: &PrefixList) -> Result<Vec<String>, Ec2Error> {
    let mut ids = ctx.tx.prefix_list_references(&list.id)?;
    ids.extend(ctx.tx.prefix_list_route_tables(&list.id)?);
    ids.sort();
    Ok(ids)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct EntryWire {
    cidr: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RemoveEntryWire {
    cidr: String,
}

fn requested(entries: Vec<EntryWire>) -> Vec<(String, Option<String>)> {
    entries
        .into_iter()
        .map(|e| (e.cidr, e.description))
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateManagedPrefixListRequest {
    prefix_list_name: String,
    #[serde(default)]
    entries: Vec<EntryWire>,
    max_entries: i64,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
    address_family: String,
    /// Read by dispatch (a retry answers the first response).
    #[serde(rename = "ClientToken")]
    _client_token: Option<String>,
}

pub fn create_managed_prefix_list(
    ctx: &mut Ctx,
    req: CreateManagedPrefixListRequest,
) -> Result<PrefixListResponse, Ec2Error> {
    prefix_list::check_name(&req.prefix_list_name)?;
    let family = Family::parse(&req.address_family)?;
    prefix_list::check_max_entries(req.max_entries)?;
    let entries = prefix_list::initial_entries(&requested(req.entries), family, req.max_entries)?;
    let tags = tags_for(&req.tag_specifications, IdKind::PrefixList)?;
    if ctx.tx.count_prefix_lists()? >= ctx.config.quotas.prefix_lists_per_region {
        return Err(Ec2Error::new(
            ErrorCode::PrefixListLimitExceeded,
            "The maximum number of prefix lists has been reached.",
        ));
    }
    let list = PrefixList {
        id: IdKind::PrefixList.generate(),
        name: req.prefix_list_name,
        family,
        max_entries: Some(req.max_entries),
        version: Some(1),
        state: State::CreateComplete,
        owner_id: ctx.account.to_owned(),
        entries,
        tags,
        weight: req.max_entries,
    };
    ctx.tx.insert_prefix_list(&list)?;
    Ok(in_progress(ctx, &list))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyManagedPrefixListRequest {
    prefix_list_id: String,
    current_version: Option<i64>,
    prefix_list_name: Option<String>,
    #[serde(default)]
    add_entries: Vec<EntryWire>,
    #[serde(default)]
    remove_entries: Vec<RemoveEntryWire>,
    max_entries: Option<i64>,
    ipam_prefix_list_resolver_sync_enabled: Option<bool>,
}

pub fn modify_managed_prefix_list(
    ctx: &mut Ctx,
    req: ModifyManagedPrefixListRequest,
) -> Result<PrefixListResponse, Ec2Error> {
    default_false(
        "IpamPrefixListResolverSyncEnabled",
        req.ipam_prefix_list_resolver_sync_enabled,
    )?;
    let mut list = find(ctx, &req.prefix_list_id)?;
    let old_weight = list.weight;
    let m = Modification {
        current_version: req.current_version,
        name: req.prefix_list_name,
        add: requested(req.add_entries),
        remove: req.remove_entries.into_iter().map(|e| e.cidr).collect(),
        max_entries: req.max_entries,
    };
    let modified = prefix_list::modify(&mut list, &m)?;
    if list.weight > old_weight {
        let referencing = room_for(ctx, &list)?;
        prefix_list::check_resize(&list, &referencing)?;
    }
    ctx.tx
        .update_prefix_list(&list, modified.entries.is_some())?;
    Ok(in_progress(ctx, &list))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RestoreManagedPrefixListVersionRequest {
    prefix_list_id: String,
    previous_version: i64,
    current_version: i64,
}

pub fn restore_managed_prefix_list_version(
    ctx: &mut Ctx,
    req: RestoreManagedPrefixListVersionRequest,
) -> Result<PrefixListResponse, Ec2Error> {
    let mut list = find(ctx, &req.prefix_list_id)?;
    let previous = if ctx
        .tx
        .has_prefix_list_version(&list.id, req.previous_version)?
    {
        Some(ctx.tx.prefix_list_version(&list.id, req.previous_version)?)
    } else {
        None
    };
    prefix_list::restore(
        &mut list,
        req.current_version,
        req.previous_version,
        previous,
    )?;
    ctx.tx.update_prefix_list(&list, true)?;
    Ok(in_progress(ctx, &list))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteManagedPrefixListRequest {
    prefix_list_id: String,
}

/// A list nothing references goes at once; its answer shows `delete-in-progress`.
pub fn delete_managed_prefix_list(
    ctx: &mut Ctx,
    req: DeleteManagedPrefixListRequest,
) -> Result<PrefixListResponse, Ec2Error> {
    let list = find(ctx, &req.prefix_list_id)?;
    prefix_list::check_delete(&list, &referencing(ctx, &list)?)?;
    ctx.tx.delete_prefix_list(&list.id)?;
    Ok(PrefixListResponse {
        prefix_list: view(&list, ctx.region.name, "delete-in-progress"),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeManagedPrefixListsRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    max_results: Option<i64>,
    next_token: Option<String>,
    #[serde(default)]
    prefix_list_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeManagedPrefixListsResponse {
    next_token: Option<String>,
    prefix_lists: Vec<PrefixListWire>,
}

pub fn describe_managed_prefix_lists(
    ctx: &mut Ctx,
    req: DescribeManagedPrefixListsRequest,
) -> Result<DescribeManagedPrefixListsResponse, Ec2Error> {
    let (page, next_token) = select(
        visible_lists(ctx)?,
        |l| &l.id,
        prefix_list::FILTERS,
        Selection {
            kind: IdKind::PrefixList,
            ids: &req.prefix_list_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: LIST_LIMITS,
        },
    )?;
    Ok(DescribeManagedPrefixListsResponse {
        next_token,
        prefix_lists: page
            .iter()
            .map(|l| view(l, ctx.region.name, l.state.as_str()))
            .collect(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GetManagedPrefixListEntriesRequest {
    prefix_list_id: String,
    target_version: Option<i64>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EntryView {
    cidr: String,
    description: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetManagedPrefixListEntriesResponse {
    entries: Vec<EntryView>,
    next_token: Option<String>,
}

/// The current entries, or those of `TargetVersion` (a kept version of a customer-managed list).
pub fn get_managed_prefix_list_entries(
    ctx: &mut Ctx,
    req: GetManagedPrefixListEntriesRequest,
) -> Result<GetManagedPrefixListEntriesResponse, Ec2Error> {
    let list = find(ctx, &req.prefix_list_id)?;
    let entries: Vec<Entry> = match req.target_version {
        None => list.entries,
        Some(v) if list.version == Some(v) => list.entries,
        Some(v) if ctx.tx.has_prefix_list_version(&list.id, v)? => {
            ctx.tx.prefix_list_version(&list.id, v)?
        }
        Some(v) => {
            return Err(Ec2Error::invalid_value(format!(
                "The prefix list {} does not have version {v}.",
                list.id
            )));
        }
    };
    let mut views: Vec<EntryView> = entries
        .into_iter()
        .map(|e| EntryView {
            cidr: e.cidr.to_string(),
            description: e.description,
        })
        .collect();
    // Pages continue after the last CIDR shown, so they go in text order.
    views.sort_by(|a, b| a.cidr.cmp(&b.cidr));
    let (entries, next_token) = paginate(
        views,
        |e| &e.cidr,
        req.max_results,
        req.next_token.as_deref(),
        LIST_LIMITS,
    )?;
    Ok(GetManagedPrefixListEntriesResponse {
        entries,
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GetManagedPrefixListAssociationsRequest {
    prefix_list_id: String,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociationWire {
    resource_id: String,
    resource_owner: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetManagedPrefixListAssociationsResponse {
    prefix_list_associations: Vec<AssociationWire>,
    next_token: Option<String>,
}

/// The caller's security groups and route tables that reference the list.
pub fn get_managed_prefix_list_associations(
    ctx: &mut Ctx,
    req: GetManagedPrefixListAssociationsRequest,
) -> Result<GetManagedPrefixListAssociationsResponse, Ec2Error> {
    let list = find(ctx, &req.prefix_list_id)?;
    let associations = referencing(ctx, &list)?
        .into_iter()
        .map(|resource_id| AssociationWire {
            resource_id,
            resource_owner: ctx.account.to_owned(),
        })
        .collect();
    let (prefix_list_associations, next_token) = paginate(
        associations,
        |a| &a.resource_id,
        req.max_results,
        req.next_token.as_deref(),
        ASSOCIATION_LIMITS,
    )?;
    Ok(GetManagedPrefixListAssociationsResponse {
        prefix_list_associations,
        next_token,
    })
}

/// The legacy call takes the same members.
pub type DescribePrefixListsRequest = DescribeManagedPrefixListsRequest;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LegacyPrefixListWire {
    cidrs: Vec<String>,
    prefix_list_id: String,
    prefix_list_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePrefixListsResponse {
    next_token: Option<String>,
    prefix_lists: Vec<LegacyPrefixListWire>,
}

const LEGACY_FILTERS: &[FilterDef<PrefixList>] = &[
    def("prefix-list-id", |p| one(&p.id)),
    def("prefix-list-name", |p| one(&p.name)),
];

/// The legacy call lists only the services a gateway endpoint reaches (S3, DynamoDB).
pub fn describe_prefix_lists(
    ctx: &mut Ctx,
    req: DescribePrefixListsRequest,
) -> Result<DescribePrefixListsResponse, Ec2Error> {
    let region = ctx.region.name;
    let gateway_services = [
        format!("com.amazonaws.{region}.s3"),
        format!("com.amazonaws.{region}.dynamodb"),
    ];
    let lists: Vec<PrefixList> = aws_managed(region)
        .into_iter()
        .filter(|l| gateway_services.contains(&l.name))
        .collect();
    let (page, next_token) = select(
        lists,
        |l| &l.id,
        LEGACY_FILTERS,
        Selection {
            kind: IdKind::PrefixList,
            ids: &req.prefix_list_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(DescribePrefixListsResponse {
        next_token,
        prefix_lists: page
            .into_iter()
            .map(|l| LegacyPrefixListWire {
                cidrs: l.entries.iter().map(|e| e.cidr.to_string()).collect(),
                prefix_list_id: l.id,
                prefix_list_name: l.name,
            })
            .collect(),
    })
}
