//! DescribeLaunchTemplateVersions (aliases, ranges, filters, paging) and
//! DeleteLaunchTemplateVersions (each version's outcome reported, never the whole call failed).

use super::{LaunchTemplateData, VersionWire, find};
use crate::context::Ctx;
use crate::wire::{FilterWire, to_filters};
use localvpc_model::filter::{CompiledFilters, FilterDef, Tagged, def, one, opt};
use localvpc_model::launch_template::{self as lt, LaunchTemplateVersion, VersionRef};
use localvpc_model::page::{PageLimits, paginate};
use localvpc_model::{Ec2Error, ErrorCode, Filter, Tag};
use serde::{Deserialize, Serialize};

/// A version with its parsed data, which the filters read.
struct Listed {
    version: LaunchTemplateVersion,
    data: LaunchTemplateData,
    key: String,
}

impl Tagged for Listed {
    fn tags(&self) -> &[Tag] {
        &[]
    }
}

/// The model's filters; those on members localvpc's templates never hold (kernel, RAM disk,
/// instance profile, licences, host groups, EBS optimisation) match nothing, as on EC2 for a
/// template without them.
const FILTERS: &[FilterDef<Listed>] = &[
    def("create-time", |l| one(&l.version.create_time)),
    def("is-default-version", |l| one(l.version.is_default)),
    def("image-id", |l| opt(l.data.image_id.as_ref())),
    def("instance-type", |l| opt(l.data.instance_type.as_ref())),
    def("http-tokens", |l| {
        opt(l
            .data
            .metadata_options
            .as_ref()
            .and_then(|m| m.http_tokens.as_ref()))
    }),
    def("http-endpoint", |l| {
        opt(l
            .data
            .metadata_options
            .as_ref()
            .and_then(|m| m.http_endpoint.as_ref()))
    }),
    def("http-protocol-ipv4", |l| {
        opt(l.data.metadata_options.as_ref().map(|_| "enabled"))
    }),
    def("network-card-index", |l| {
        l.data
            .network_interfaces
            .iter()
            .filter_map(|n| n.network_card_index)
            .map(|n| n.to_string())
            .collect()
    }),
    def("ebs-optimized", |_| Vec::new()),
    def("iam-instance-profile", |_| Vec::new()),
    def("kernel-id", |_| Vec::new()),
    def("ram-disk-id", |_| Vec::new()),
    def("license-configuration-arn", |_| Vec::new()),
    def("host-resource-group-arn", |_| Vec::new()),
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeLaunchTemplateVersionsRequest {
    launch_template_id: Option<String>,
    launch_template_name: Option<String>,
    #[serde(default)]
    versions: Vec<String>,
    min_version: Option<String>,
    max_version: Option<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    next_token: Option<String>,
    max_results: Option<i64>,
    /// Resolves `resolve:ssm:` image aliases, which localvpc's template data never holds.
    #[serde(rename = "ResolveAlias")]
    _resolve_alias: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeLaunchTemplateVersionsResponse {
    launch_template_versions: Vec<VersionWire>,
    next_token: Option<String>,
}

fn number(text: &str, what: &str) -> Result<i64, Ec2Error> {
    match VersionRef::parse(text) {
        Ok(VersionRef::Number(n)) => Ok(n),
        _ => Err(Ec2Error::invalid_parameter(what, text)),
    }
}

/// With a template: the listed versions (numbers or aliases, each must exist) and/or the
/// `MinVersion`–`MaxVersion` range, else all. Without one: `$Latest`/`$Default` of every
/// template of the region. Newest first.
pub fn describe_launch_template_versions(
    ctx: &mut Ctx,
    req: DescribeLaunchTemplateVersionsRequest,
) -> Result<DescribeLaunchTemplateVersionsResponse, Ec2Error> {
    let filters: Vec<Filter> = to_filters(&req.filters)?;
    let compiled = CompiledFilters::compile(&filters, FILTERS)?;
    let refs = req
        .versions
        .iter()
        .map(|v| VersionRef::parse(v))
        .collect::<Result<Vec<_>, _>>()?;
    let min = req
        .min_version
        .as_deref()
        .map(|v| number(v, "MinVersion"))
        .transpose()?;
    let max = req
        .max_version
        .as_deref()
        .map(|v| number(v, "MaxVersion"))
        .transpose()?;
    let versions: Vec<LaunchTemplateVersion> = if req.launch_template_id.is_none()
        && req.launch_template_name.is_none()
    {
        if refs.is_empty() {
            return Err(Ec2Error::missing_parameter(
                "LaunchTemplateId or LaunchTemplateName",
            ));
        }
        if refs.iter().any(|r| matches!(r, VersionRef::Number(_))) || min.is_some() || max.is_some()
        {
            return Err(Ec2Error::invalid_value(
                "Version numbers can be specified only for a single launch template. To describe versions across launch templates, specify $Latest or $Default.",
            ));
        }
        let templates = ctx.tx.launch_templates()?;
        ctx.tx
            .launch_template_versions(None)?
            .into_iter()
            .filter(|v| {
                templates
                    .iter()
                    .any(|t| t.id == v.template_id && refs.iter().any(|r| r.resolve(t) == v.number))
            })
            .collect()
    } else {
        let template = find(
            ctx,
            req.launch_template_id.as_deref(),
            req.launch_template_name.as_deref(),
        )?;
        let all = ctx.tx.launch_template_versions(Some(&template.id))?;
        let wanted: Vec<i64> = refs.iter().map(|r| r.resolve(&template)).collect();
        if let Some(missing) = wanted.iter().find(|n| !all.iter().any(|v| v.number == **n)) {
            return Err(lt::version_not_found(&template.id, *missing));
        }
        let ranged = min.is_some() || max.is_some();
        let in_range = |n: i64| ranged && min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m);
        all.into_iter()
            .filter(|v| {
                (wanted.is_empty() && !ranged) || wanted.contains(&v.number) || in_range(v.number)
            })
            .collect()
    };
    let listed = versions
        .into_iter()
        .map(|v| {
            Ok(Listed {
                data: LaunchTemplateData::from_json(&v.data)?,
                key: v.sort_key(),
                version: v,
            })
        })
        .collect::<Result<Vec<_>, Ec2Error>>()?;
    let (page, next_token) = paginate(
        compiled.apply(listed),
        |l| &l.key,
        req.max_results,
        req.next_token.as_deref(),
        PageLimits { min: 1, max: 200 },
    )?;
    Ok(DescribeLaunchTemplateVersionsResponse {
        launch_template_versions: page
            .into_iter()
            .map(|l| VersionWire::new(l.version, l.data))
            .collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteLaunchTemplateVersionsRequest {
    launch_template_id: Option<String>,
    launch_template_name: Option<String>,
    versions: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeletedWire {
    launch_template_id: Option<String>,
    launch_template_name: Option<String>,
    version_number: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseErrorWire {
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotDeletedWire {
    launch_template_id: Option<String>,
    launch_template_name: Option<String>,
    version_number: Option<i64>,
    response_error: ResponseErrorWire,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteLaunchTemplateVersionsResponse {
    successfully_deleted_launch_template_versions: Vec<DeletedWire>,
    unsuccessfully_deleted_launch_template_versions: Vec<NotDeletedWire>,
}

/// EC2's per-item code for a template that cannot be found.
fn template_error_code(e: &Ec2Error) -> Option<&'static str> {
    match e.code {
        ErrorCode::InvalidLaunchTemplateIdNotFound => Some("launchTemplateIdDoesNotExist"),
        ErrorCode::InvalidLaunchTemplateIdMalformed => Some("launchTemplateIdMalformed"),
        ErrorCode::InvalidLaunchTemplateNameNotFoundException => {
            Some("launchTemplateNameDoesNotExist")
        }
        _ => None,
    }
}

/// Deletes the listed versions (at most 200). The default version stays; after the latest
/// goes, the latest is the highest remaining number.
pub fn delete_launch_template_versions(
    ctx: &mut Ctx,
    req: DeleteLaunchTemplateVersionsRequest,
) -> Result<DeleteLaunchTemplateVersionsResponse, Ec2Error> {
    if req.versions.len() > 200 {
        return Err(Ec2Error::invalid_value(
            "You can specify up to 200 launch template versions in one request.",
        ));
    }
    let mut done = Vec::new();
    let mut failed = Vec::new();
    let template = match find(
        ctx,
        req.launch_template_id.as_deref(),
        req.launch_template_name.as_deref(),
    ) {
        Ok(t) => t,
        Err(e) => {
            let code = template_error_code(&e).ok_or_else(|| e.clone())?;
            for v in &req.versions {
                failed.push(NotDeletedWire {
                    launch_template_id: req.launch_template_id.clone(),
                    launch_template_name: req.launch_template_name.clone(),
                    version_number: v.parse().ok(),
                    response_error: ResponseErrorWire {
                        code,
                        message: e.message.clone(),
                    },
                });
            }
            return Ok(DeleteLaunchTemplateVersionsResponse {
                successfully_deleted_launch_template_versions: done,
                unsuccessfully_deleted_launch_template_versions: failed,
            });
        }
    };
    for text in &req.versions {
        let n = number(text, "LaunchTemplateVersion")?;
        let exists = ctx.tx.launch_template_version(&template.id, n)?.is_some();
        match lt::refuse_version_delete(&template, n, exists) {
            Some((code, message)) => failed.push(NotDeletedWire {
                launch_template_id: Some(template.id.clone()),
                launch_template_name: Some(template.name.clone()),
                version_number: Some(n),
                response_error: ResponseErrorWire { code, message },
            }),
            None => {
                ctx.tx.delete_launch_template_version(&template.id, n)?;
                done.push(DeletedWire {
                    launch_template_id: Some(template.id.clone()),
                    launch_template_name: Some(template.name.clone()),
                    version_number: Some(n),
                });
            }
        }
    }
    if !done.is_empty() {
        let (_, highest) = ctx.tx.launch_template_version_span(&template.id)?;
        let mut template = template;
        // The default version can never go, so one version always remains.
        template.latest_version = highest.unwrap_or(template.default_version);
        ctx.tx.update_launch_template(&template)?;
    }
    Ok(DeleteLaunchTemplateVersionsResponse {
        successfully_deleted_launch_template_versions: done,
        unsuccessfully_deleted_launch_template_versions: failed,
    })
}
