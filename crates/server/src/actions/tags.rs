//! Tag actions: CreateTags, DeleteTags and DescribeTags, over every taggable resource kind.
//! Each call is one transaction, so a failure on any resource leaves every resource unchanged.

use crate::context::Ctx;
use crate::wire::{Empty, FilterWire, TagWire, to_filters};
use localvpc_model::filter::{CompiledFilters, FilterDef, Tagged, def, one};
use localvpc_model::page::{DEFAULT_LIMITS, paginate};
use localvpc_model::{Ec2Error, ErrorCode, IdKind, Tag};
use localvpc_store::ResourceTag;
use serde::{Deserialize, Serialize};

/// Most resource IDs (and, for DeleteTags, tags) one call may carry.
const MAX_PER_CALL: usize = 1000;

/// Checks every listed ID, in order: a prefix of a taggable kind (`InvalidID`), then a resource
/// of that kind the caller owns (that kind's `…NotFound`).
fn check_resources(ctx: &Ctx, ids: &[String]) -> Result<(), Ec2Error> {
    if ids.len() > MAX_PER_CALL {
        return Err(Ec2Error::invalid_value(format!(
            "Too many resource IDs ({}): at most {MAX_PER_CALL} per call.",
            ids.len()
        )));
    }
    for id in ids {
        let kind = IdKind::of(id).ok_or_else(|| {
            Ec2Error::new(ErrorCode::InvalidId, format!("The ID '{id}' is not valid"))
        })?;
        if ctx.tx.resource_type(kind, id)?.is_none() {
            return Err(kind.not_found(id));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateTagsRequest {
    resources: Vec<String>,
    tags: Vec<TagWire>,
}

/// CreateTags: adds the tags to every resource, overwriting the values of keys it has.
pub fn create_tags(ctx: &mut Ctx, req: CreateTagsRequest) -> Result<Empty, Ec2Error> {
    check_resources(ctx, &req.resources)?;
    let new: Vec<Tag> = req
        .tags
        .iter()
        .map(|t| Tag::new(&t.key, &t.value))
        .collect();
    for id in &req.resources {
        let mut tags = ctx.tx.tags_of(id)?;
        localvpc_model::tags::merge(&mut tags, &new)?;
        ctx.tx.set_tags(id, &tags)?;
    }
    Ok(Empty {})
}

/// A tag to delete: a key alone, or a key and the value it must have.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TagToDelete {
    key: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteTagsRequest {
    resources: Vec<String>,
    tags: Option<Vec<TagToDelete>>,
}

/// What DeleteTags removes from a resource. No tags listed: every tag. A key without a value:
/// that key whatever its value. A key with a value (the empty string included): that key only
/// when its value is exactly that.
fn delete_matching(tags: &mut Vec<Tag>, asked: Option<&[(String, Option<String>)]>) {
    let Some(asked) = asked else {
        tags.clear();
        return;
    };
    tags.retain(|tag| {
        !asked
            .iter()
            .any(|(key, value)| *key == tag.key && value.as_ref().is_none_or(|v| *v == tag.value))
    });
}

/// DeleteTags: removes the matching tags from every listed resource.
pub fn delete_tags(ctx: &mut Ctx, req: DeleteTagsRequest) -> Result<Empty, Ec2Error> {
    check_resources(ctx, &req.resources)?;
    let asked = req
        .tags
        .map(|tags| {
            if tags.len() > MAX_PER_CALL {
                return Err(Ec2Error::invalid_value(format!(
                    "Too many tags ({}): at most {MAX_PER_CALL} per call.",
                    tags.len()
                )));
            }
            tags.into_iter()
                .enumerate()
                .map(|(i, t)| {
                    let key = t.key.ok_or_else(|| {
                        Ec2Error::missing_parameter(&format!("Tag.{}.Key", i + 1))
                    })?;
                    // The same key rules as CreateTags: `aws:` tags are not the caller's.
                    Tag::new(&key, "").validate()?;
                    Ok((key, t.value))
                })
                .collect::<Result<Vec<_>, Ec2Error>>()
        })
        .transpose()?;
    for id in &req.resources {
        let mut tags = ctx.tx.tags_of(id)?;
        delete_matching(&mut tags, asked.as_deref());
        ctx.tx.set_tags(id, &tags)?;
    }
    Ok(Empty {})
}

/// One row of DescribeTags, with its place in the listing (resource ID, then key).
struct TagRow {
    resource: ResourceTag,
    cursor: String,
}

impl Tagged for TagRow {
    /// `tag:<key>` matches a row by its own key and value.
    fn tags(&self) -> &[Tag] {
        std::slice::from_ref(&self.resource.tag)
    }
}

const FILTERS: &[FilterDef<TagRow>] = &[
    def("key", |r| one(&r.resource.tag.key)),
    def("resource-id", |r| one(&r.resource.resource_id)),
    def("resource-type", |r| one(r.resource.resource_type)),
    def("value", |r| one(&r.resource.tag.value)),
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeTagsRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagDescriptionWire {
    key: String,
    resource_id: String,
    resource_type: &'static str,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeTagsResponse {
    next_token: Option<String>,
    tags: Vec<TagDescriptionWire>,
}

/// DescribeTags: every tag of the caller's resources, filtered and paged.
pub fn describe_tags(
    ctx: &mut Ctx,
    req: DescribeTagsRequest,
) -> Result<DescribeTagsResponse, Ec2Error> {
    let filters = to_filters(&req.filters)?;
    // DescribeTags documents `tag:<key>` but not the `tag-key`/`tag-value` other calls take.
    if let Some(f) = filters
        .iter()
        .find(|f| f.name == "tag-key" || f.name == "tag-value")
    {
        return Err(Ec2Error::invalid_value(format!(
            "The filter '{}' is invalid",
            f.name
        )));
    }
    let compiled = CompiledFilters::compile(&filters, FILTERS)?;
    let rows: Vec<TagRow> = ctx
        .tx
        .resource_tags()?
        .into_iter()
        .map(|resource| TagRow {
            // NUL sorts before any ID character, so the cursor orders as (ID, key) does.
            cursor: format!("{}\0{}", resource.resource_id, resource.tag.key),
            resource,
        })
        .collect();
    let (page, next_token) = paginate(
        compiled.apply(rows),
        |r| &r.cursor,
        req.max_results,
        req.next_token.as_deref(),
        DEFAULT_LIMITS,
    )?;
    Ok(DescribeTagsResponse {
        next_token,
        tags: page
            .into_iter()
            .map(|r| TagDescriptionWire {
                key: r.resource.tag.key,
                resource_id: r.resource.resource_id,
                resource_type: r.resource.resource_type,
                value: r.resource.tag.value,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags() -> Vec<Tag> {
        vec![Tag::new("a", "1"), Tag::new("b", ""), Tag::new("c", "3")]
    }

    fn after(asked: Option<&[(String, Option<String>)]>) -> Vec<Tag> {
        let mut t = tags();
        delete_matching(&mut t, asked);
        t
    }

    #[test]
    fn delete_tags_matches_as_ec2_documents() {
        let key = |k: &str| (k.to_string(), None);
        let pair = |k: &str, v: &str| (k.to_string(), Some(v.to_string()));
        assert!(after(None).is_empty(), "no tags listed: all go");
        assert_eq!(
            after(Some(&[key("a")])),
            [Tag::new("b", ""), Tag::new("c", "3")]
        );
        assert_eq!(after(Some(&[pair("a", "2")])), tags(), "value must match");
        assert_eq!(
            after(Some(&[pair("a", "")])),
            tags(),
            "empty value matches only empty"
        );
        assert_eq!(
            after(Some(&[pair("b", "")])),
            [Tag::new("a", "1"), Tag::new("c", "3")]
        );
        assert_eq!(after(Some(&[key("A")])), tags(), "keys are case-sensitive");
    }
}
