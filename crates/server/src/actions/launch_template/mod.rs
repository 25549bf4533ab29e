//! Launch template actions: CreateLaunchTemplate, CreateLaunchTemplateVersion,
//! DescribeLaunchTemplates, ModifyLaunchTemplate, DeleteLaunchTemplate, GetLaunchTemplateData,
//! and (versions.rs) DescribeLaunchTemplateVersions and DeleteLaunchTemplateVersions; `resolve`
//! is what RunInstances' `LaunchTemplate` uses.

use crate::context::Ctx;
use crate::wire::{FilterWire, Selection, TagSpecification, TagWire, select, tags_for};
use localvpc_model::launch_template::{
    self as lt, LaunchTemplate, LaunchTemplateVersion, VersionRef,
};
use localvpc_model::page::PageLimits;
use localvpc_model::{Ec2Error, ErrorCode, IdKind};
use serde::{Deserialize, Serialize};

pub mod data;
mod versions;
pub use data::LaunchTemplateData;

/// The `LaunchTemplate` element of several responses.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateWire {
    launch_template_id: String,
    launch_template_name: String,
    create_time: String,
    created_by: String,
    default_version_number: i64,
    latest_version_number: i64,
    tags: Vec<TagWire>,
}

impl From<&LaunchTemplate> for LaunchTemplateWire {
    fn from(t: &LaunchTemplate) -> Self {
        Self {
            launch_template_id: t.id.clone(),
            launch_template_name: t.name.clone(),
            create_time: t.create_time.clone(),
            created_by: t.created_by.clone(),
            default_version_number: t.default_version,
            latest_version_number: t.latest_version,
            tags: t.tags.iter().map(TagWire::from).collect(),
        }
    }
}

/// One `LaunchTemplateVersion` element.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersionWire {
    launch_template_id: String,
    launch_template_name: String,
    version_number: i64,
    version_description: Option<String>,
    create_time: String,
    created_by: String,
    default_version: bool,
    launch_template_data: LaunchTemplateData,
}

impl VersionWire {
    fn new(v: LaunchTemplateVersion, data: LaunchTemplateData) -> Self {
        Self {
            launch_template_id: v.template_id,
            launch_template_name: v.template_name,
            version_number: v.number,
            version_description: v.description,
            create_time: v.create_time,
            created_by: v.created_by,
            default_version: v.is_default,
            launch_template_data: data,
        }
    }
}

/// The caller as EC2 records it in `createdBy`.
fn caller_arn(ctx: &Ctx) -> String {
    format!("arn:aws:iam::{}:root", ctx.account)
}

/// The template a call names by ID xor name (`MissingParameter` / `InvalidParameterCombination`
/// otherwise), with EC2's codes for a malformed or unknown one.
pub fn find(ctx: &Ctx, id: Option<&str>, name: Option<&str>) -> Result<LaunchTemplate, Ec2Error> {
    match (id, name) {
        (Some(_), Some(_)) => Err(Ec2Error::combination(
            "Both a launch template ID and a name were specified. Specify either a launch template ID or name, but not both.",
        )),
        (None, None) => Err(Ec2Error::missing_parameter(
            "LaunchTemplateId or LaunchTemplateName",
        )),
        (Some(id), None) => {
            IdKind::LaunchTemplate.parse(id)?;
            ctx.tx
                .launch_template(id, false)?
                .ok_or_else(|| lt::id_not_found(id))
        }
        (None, Some(name)) => ctx
            .tx
            .launch_template(name, true)?
            .ok_or_else(|| lt::name_not_found(name)),
    }
}

/// One version of `template` with its data, by reference.
fn version_of(
    ctx: &Ctx,
    template: &LaunchTemplate,
    version: VersionRef,
) -> Result<(LaunchTemplateVersion, LaunchTemplateData), Ec2Error> {
    let number = version.resolve(template);
    let v = ctx
        .tx
        .launch_template_version(&template.id, number)?
        .ok_or_else(|| lt::version_not_found(&template.id, number))?;
    let data = LaunchTemplateData::from_json(&v.data)?;
    Ok((v, data))
}

/// RunInstances' `LaunchTemplate`: the template's data at `version` (default `$Default`) and
/// the resolved template ID and version number, which the instance records as tags.
pub fn resolve(
    ctx: &Ctx,
    id: Option<&str>,
    name: Option<&str>,
    version: Option<&str>,
) -> Result<(LaunchTemplateData, String, i64), Ec2Error> {
    let template = find(ctx, id, name)?;
    let version = VersionRef::parse(version.unwrap_or("$Default"))?;
    let (v, data) = version_of(ctx, &template, version)?;
    Ok((data, template.id, v.number))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateLaunchTemplateRequest {
    launch_template_name: String,
    version_description: Option<String>,
    launch_template_data: LaunchTemplateData,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
    /// Read by dispatch (a retry answers the first response).
    #[serde(rename = "ClientToken")]
    _client_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateLaunchTemplateResponse {
    launch_template: LaunchTemplateWire,
}

pub fn create_launch_template(
    ctx: &mut Ctx,
    req: CreateLaunchTemplateRequest,
) -> Result<CreateLaunchTemplateResponse, Ec2Error> {
    lt::check_name(&req.launch_template_name)?;
    lt::check_description(req.version_description.as_deref())?;
    let data = req.launch_template_data;
    data.check_syntax()?;
    let tags = tags_for(&req.tag_specifications, "launch-template")?;
    if ctx
        .tx
        .launch_template(&req.launch_template_name, true)?
        .is_some()
    {
        return Err(lt::name_taken(&req.launch_template_name));
    }
    if ctx.tx.launch_templates()?.len() >= lt::MAX_TEMPLATES {
        return Err(Ec2Error::new(
            ErrorCode::MaxTemplateLimitExceeded,
            format!(
                "You've reached the maximum number of launch templates ({}) in this region.",
                lt::MAX_TEMPLATES
            ),
        ));
    }
    let template = LaunchTemplate {
        id: IdKind::LaunchTemplate.generate(),
        name: req.launch_template_name,
        default_version: 1,
        latest_version: 1,
        last_number: 1,
        create_time: ctx.now.clone(),
        created_by: caller_arn(ctx),
        tags,
    };
    ctx.tx.insert_launch_template(&template)?;
    ctx.tx
        .insert_launch_template_version(&LaunchTemplateVersion {
            template_id: template.id.clone(),
            template_name: template.name.clone(),
            number: 1,
            description: req.version_description,
            create_time: ctx.now.clone(),
            created_by: template.created_by.clone(),
            is_default: true,
            data: data.to_json(),
        })?;
    Ok(CreateLaunchTemplateResponse {
        launch_template: (&template).into(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateLaunchTemplateVersionRequest {
    launch_template_id: Option<String>,
    launch_template_name: Option<String>,
    source_version: Option<String>,
    version_description: Option<String>,
    launch_template_data: LaunchTemplateData,
    /// Resolves `resolve:ssm:` image aliases, which localvpc's template data never holds.
    #[serde(rename = "ResolveAlias")]
    _resolve_alias: Option<bool>,
    /// Read by dispatch (a retry answers the first response).
    #[serde(rename = "ClientToken")]
    _client_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateLaunchTemplateVersionResponse {
    launch_template_version: VersionWire,
}

/// A new version (the highest number ever + 1), from the given data or, with `SourceVersion`,
/// from that version's data with the given top-level members replaced. The default stays.
pub fn create_launch_template_version(
    ctx: &mut Ctx,
    req: CreateLaunchTemplateVersionRequest,
) -> Result<CreateLaunchTemplateVersionResponse, Ec2Error> {
    lt::check_description(req.version_description.as_deref())?;
    let given = req.launch_template_data;
    given.check_syntax()?;
    let mut template = find(
        ctx,
        req.launch_template_id.as_deref(),
        req.launch_template_name.as_deref(),
    )?;
    let data = match &req.source_version {
        Some(source) => {
            let (_, inherited) = version_of(ctx, &template, VersionRef::parse(source)?)?;
            given.over(inherited)
        }
        None => given,
    };
    let (count, _) = ctx.tx.launch_template_version_span(&template.id)?;
    let number = lt::next_number(&template, count)?;
    template.last_number = number;
    template.latest_version = number;
    ctx.tx.update_launch_template(&template)?;
    let version = LaunchTemplateVersion {
        template_id: template.id.clone(),
        template_name: template.name.clone(),
        number,
        description: req.version_description,
        create_time: ctx.now.clone(),
        created_by: caller_arn(ctx),
        is_default: false,
        data: data.to_json(),
    };
    ctx.tx.insert_launch_template_version(&version)?;
    Ok(CreateLaunchTemplateVersionResponse {
        launch_template_version: VersionWire::new(version, data),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeLaunchTemplatesRequest {
    #[serde(default)]
    launch_template_ids: Vec<String>,
    #[serde(default)]
    launch_template_names: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeLaunchTemplatesResponse {
    launch_templates: Vec<LaunchTemplateWire>,
    next_token: Option<String>,
}

/// Every listed name must exist (`…NotFoundException`, never an empty list: Karpenter creates
/// its template only on that code), every listed ID too.
pub fn describe_launch_templates(
    ctx: &mut Ctx,
    req: DescribeLaunchTemplatesRequest,
) -> Result<DescribeLaunchTemplatesResponse, Ec2Error> {
    let mut all = ctx.tx.launch_templates()?;
    if let Some(missing) = req
        .launch_template_names
        .iter()
        .find(|n| !all.iter().any(|t| &t.name == *n))
    {
        return Err(lt::name_not_found(missing));
    }
    if !req.launch_template_names.is_empty() {
        all.retain(|t| req.launch_template_names.contains(&t.name));
    }
    let (page, next_token) = select(
        all,
        |t| &t.id,
        lt::FILTERS,
        Selection {
            kind: IdKind::LaunchTemplate,
            ids: &req.launch_template_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: PageLimits { min: 1, max: 200 },
        },
    )?;
    Ok(DescribeLaunchTemplatesResponse {
        launch_templates: page.iter().map(LaunchTemplateWire::from).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyLaunchTemplateRequest {
    launch_template_id: Option<String>,
    launch_template_name: Option<String>,
    default_version: Option<String>,
    /// Read by dispatch (a retry answers the first response).
    #[serde(rename = "ClientToken")]
    _client_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateResponse {
    launch_template: LaunchTemplateWire,
}

/// ModifyLaunchTemplate: `SetDefaultVersion` to an existing version (a number or `$Latest`).
pub fn modify_launch_template(
    ctx: &mut Ctx,
    req: ModifyLaunchTemplateRequest,
) -> Result<LaunchTemplateResponse, Ec2Error> {
    let mut template = find(
        ctx,
        req.launch_template_id.as_deref(),
        req.launch_template_name.as_deref(),
    )?;
    if let Some(version) = &req.default_version {
        let (v, _) = version_of(ctx, &template, VersionRef::parse(version)?)?;
        template.default_version = v.number;
        ctx.tx.update_launch_template(&template)?;
    }
    Ok(LaunchTemplateResponse {
        launch_template: (&template).into(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteLaunchTemplateRequest {
    launch_template_id: Option<String>,
    launch_template_name: Option<String>,
}

/// DeleteLaunchTemplate: the template and all its versions; instances launched from it stay.
pub fn delete_launch_template(
    ctx: &mut Ctx,
    req: DeleteLaunchTemplateRequest,
) -> Result<LaunchTemplateResponse, Ec2Error> {
    let template = find(
        ctx,
        req.launch_template_id.as_deref(),
        req.launch_template_name.as_deref(),
    )?;
    ctx.tx.delete_launch_template(&template.id)?;
    Ok(LaunchTemplateResponse {
        launch_template: (&template).into(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GetLaunchTemplateDataRequest {
    instance_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetLaunchTemplateDataResponse {
    launch_template_data: LaunchTemplateData,
}

pub fn get_launch_template_data(
    ctx: &mut Ctx,
    req: GetLaunchTemplateDataRequest,
) -> Result<GetLaunchTemplateDataResponse, Ec2Error> {
    let id = IdKind::Instance.parse(&req.instance_id)?;
    let instance = ctx.tx.instance(ctx.account, &id)?;
    Ok(GetLaunchTemplateDataResponse {
        launch_template_data: LaunchTemplateData::of_instance(&instance),
    })
}

actions! {
    "CreateLaunchTemplate" => create_launch_template,
    "CreateLaunchTemplateVersion" => create_launch_template_version,
    "DescribeLaunchTemplates" => describe_launch_templates,
    "DescribeLaunchTemplateVersions" => versions::describe_launch_template_versions,
    "ModifyLaunchTemplate" => modify_launch_template,
    "DeleteLaunchTemplate" => delete_launch_template,
    "DeleteLaunchTemplateVersions" => versions::delete_launch_template_versions,
    "GetLaunchTemplateData" => get_launch_template_data,
}
