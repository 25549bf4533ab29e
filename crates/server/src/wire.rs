//! Wire pieces shared by several resources: tags, tag specifications, filters, ID lists.

use localvpc_model::filter::{CompiledFilters, FilterDef, Tagged};
use localvpc_model::page::{PageLimits, paginate};
use localvpc_model::{Ec2Error, ErrorCode, Filter, IdKind, Tag};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, Default, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TagWire {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub value: String,
}

impl From<&Tag> for TagWire {
    fn from(t: &Tag) -> Self {
        Self {
            key: t.key.clone(),
            value: t.value.clone(),
        }
    }
}

/// Tags as a response carries them: absent when there are none, as EC2 does for most resources.
pub fn tag_set(tags: &[Tag]) -> Option<Vec<TagWire>> {
    (!tags.is_empty()).then(|| tags.iter().map(TagWire::from).collect())
}

#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TagSpecification {
    pub resource_type: Option<String>,
    #[serde(default)]
    pub tags: Vec<TagWire>,
}

/// The tags a create call's `TagSpecification.N` gives the new resource of `resource_type`.
pub fn tags_for(specs: &[TagSpecification], resource_type: &str) -> Result<Vec<Tag>, Ec2Error> {
    let mut tags = Vec::new();
    for spec in specs {
        match spec.resource_type.as_deref() {
            Some(t) if t == resource_type => {}
            Some(t) => {
                return Err(Ec2Error::invalid_value(format!(
                    "'{t}' is not a valid taggable resource type for this operation."
                )));
            }
            None => {
                return Err(Ec2Error::missing_parameter(
                    "TagSpecification.N.ResourceType",
                ));
            }
        }
        let new: Vec<Tag> = spec
            .tags
            .iter()
            .map(|t| Tag::new(&t.key, &t.value))
            .collect();
        localvpc_model::tags::merge(&mut tags, &new)?;
    }
    Ok(tags)
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FilterWire {
    pub name: Option<String>,
    #[serde(default)]
    pub values: Vec<String>,
}

/// The `Filter.N` of a request, each with its name (`MissingParameter` if absent).
pub fn to_filters(filters: &[FilterWire]) -> Result<Vec<Filter>, Ec2Error> {
    filters
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = f
                .name
                .clone()
                .ok_or_else(|| Ec2Error::missing_parameter(&format!("Filter.{}.Name", i + 1)))?;
            Ok(Filter {
                name,
                values: f.values.clone(),
            })
        })
        .collect()
}

/// What a Describe call asks for: IDs, filters and a page.
pub struct Selection<'a> {
    pub kind: IdKind,
    pub ids: &'a [String],
    pub filters: &'a [FilterWire],
    pub max_results: Option<i64>,
    pub next_token: Option<&'a str>,
    pub limits: PageLimits,
}

/// Applies a Describe call's selection to every resource of its kind: unknown filter names and
/// malformed IDs are refused first, then every listed ID must exist, then filters and paging.
pub fn select<T: Tagged>(
    all: Vec<T>,
    id_of: fn(&T) -> &str,
    defs: &[FilterDef<T>],
    sel: Selection,
) -> Result<(Vec<T>, Option<String>), Ec2Error> {
    let filters = to_filters(sel.filters)?;
    let compiled = CompiledFilters::compile(&filters, defs)?;
    for id in sel.ids {
        sel.kind.parse(id)?;
    }
    let mut items = all;
    if !sel.ids.is_empty() {
        if let Some(missing) = sel
            .ids
            .iter()
            .find(|id| !items.iter().any(|i| id_of(i) == id.as_str()))
        {
            return Err(sel.kind.not_found(missing));
        }
        items.retain(|i| sel.ids.iter().any(|id| id == id_of(i)));
    }
    let items = compiled.apply(items);
    paginate(items, id_of, sel.max_results, sel.next_token, sel.limits)
}

/// A boolean attribute as EC2 wraps it: `<enableDnsSupport><value>true</value></enableDnsSupport>`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct BoolValue {
    pub value: Option<bool>,
}

impl BoolValue {
    pub fn of(value: bool) -> Self {
        Self { value: Some(value) }
    }
}

/// The `<return>true</return>` of operations whose output models only `Return`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReturnTrue {
    pub r#return: bool,
}

pub const RETURN_TRUE: ReturnTrue = ReturnTrue { r#return: true };

/// Output of operations that model no output at all (the encoder writes `<return>true</return>`).
#[derive(Debug, Serialize)]
pub struct Empty {}

/// A flag of a feature localvpc does not model: false (AWS's default, which clients such as
/// Terraform send on every call) is accepted, true would change the call's meaning and is refused.
pub fn default_false(name: &str, value: Option<bool>) -> Result<(), Ec2Error> {
    match value {
        Some(true) => Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("The parameter {name}=true is not supported by localvpc."),
        )),
        _ => Ok(()),
    }
}
