//! DescribeImages over the built-in catalogue and the images the caller's instances were
//! launched from.

use crate::context::Ctx;
use crate::wire::{FilterWire, Selection, select};
use localvpc_model::image::{self, CATALOGUE, Image};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, IdKind};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeImagesRequest {
    #[serde(default)]
    executable_users: Vec<String>,
    #[serde(default)]
    image_ids: Vec<String>,
    #[serde(default)]
    owners: Vec<String>,
    /// No image is deprecated in localvpc, so this changes nothing.
    #[serde(rename = "IncludeDeprecated")]
    _include_deprecated: Option<bool>,
    /// No image is disabled in localvpc, so this changes nothing.
    #[serde(rename = "IncludeDisabled")]
    _include_disabled: Option<bool>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EbsWire {
    delete_on_termination: bool,
    snapshot_id: &'static str,
    volume_size: u32,
    volume_type: &'static str,
    encrypted: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockDeviceMappingWire {
    device_name: &'static str,
    ebs: EbsWire,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProductCodeWire {
    product_code_id: &'static str,
    product_code_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageWire {
    platform_details: &'static str,
    usage_operation: &'static str,
    block_device_mappings: Vec<BlockDeviceMappingWire>,
    description: &'static str,
    ena_support: bool,
    hypervisor: &'static str,
    image_owner_alias: Option<&'static str>,
    name: String,
    root_device_name: &'static str,
    root_device_type: &'static str,
    sriov_net_support: &'static str,
    virtualization_type: &'static str,
    boot_mode: Option<&'static str>,
    imds_support: Option<&'static str>,
    image_id: String,
    image_location: String,
    state: &'static str,
    owner_id: String,
    creation_date: &'static str,
    public: bool,
    product_codes: Vec<ProductCodeWire>,
    architecture: &'static str,
    image_type: &'static str,
}

fn view(i: Image) -> ImageWire {
    let d = i.details;
    ImageWire {
        platform_details: d.platform_details,
        usage_operation: d.usage_operation,
        block_device_mappings: d
            .root_volume
            .iter()
            .map(|v| BlockDeviceMappingWire {
                device_name: d.root_device_name,
                ebs: EbsWire {
                    delete_on_termination: true,
                    snapshot_id: v.snapshot_id,
                    volume_size: v.size_gib,
                    volume_type: v.volume_type,
                    encrypted: false,
                },
            })
            .collect(),
        description: d.description,
        ena_support: true,
        hypervisor: "xen",
        image_owner_alias: d.owner_alias,
        root_device_name: d.root_device_name,
        root_device_type: "ebs",
        sriov_net_support: "simple",
        virtualization_type: "hvm",
        boot_mode: d.boot_mode,
        imds_support: d.imds_support,
        image_location: format!("{}/{}", d.owner_alias.unwrap_or(&i.owner_id), i.name),
        image_id: i.id,
        name: i.name,
        state: "available",
        owner_id: i.owner_id,
        creation_date: d.creation_date,
        public: d.public,
        product_codes: d
            .marketplace_product_code
            .iter()
            .map(|&code| ProductCodeWire {
                product_code_id: code,
                product_code_type: "marketplace",
            })
            .collect(),
        architecture: d.architecture,
        image_type: "machine",
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeImagesResponse {
    images: Vec<ImageWire>,
    next_token: Option<String>,
}

/// DescribeImages: `Owner.N` and `ExecutableBy.N` scope the images (each list OR-ed), then
/// image IDs (every one must exist), filters and paging apply as in every Describe call.
pub fn describe_images(
    ctx: &mut Ctx,
    req: DescribeImagesRequest,
) -> Result<DescribeImagesResponse, Ec2Error> {
    if req.max_results.is_some() && !req.image_ids.is_empty() {
        return Err(Ec2Error::combination(
            "The parameter imageIdsSet cannot be used with the parameter maxResults",
        ));
    }
    for owner in &req.owners {
        image::check_owner(owner)?;
    }
    for user in &req.executable_users {
        image::check_executable_by(user)?;
    }
    for id in &req.image_ids {
        IdKind::Image.parse(id)?;
    }
    let mut images = visible_images(ctx)?;
    let missing: Vec<&str> = req
        .image_ids
        .iter()
        .filter(|id| !images.iter().any(|i| &i.id == *id))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(image::not_found(&missing));
    }
    images.retain(|i| {
        (req.image_ids.is_empty() || req.image_ids.contains(&i.id))
            && (req.owners.is_empty() || req.owners.iter().any(|o| i.owned_by(o, ctx.account)))
            && (req.executable_users.is_empty()
                || req.executable_users.iter().any(|u| i.executable_by(u)))
    });
    let (images, next_token) = select(
        images,
        |i| &i.id,
        image::FILTERS,
        Selection {
            kind: IdKind::Image,
            ids: &[],
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(DescribeImagesResponse {
        images: images.into_iter().map(view).collect(),
        next_token,
    })
}

/// The catalogue plus every well-formed image ID outside it that the caller's instances were
/// launched from, sorted by ID.
fn visible_images(ctx: &Ctx) -> Result<Vec<Image>, Ec2Error> {
    let mut images: Vec<Image> = CATALOGUE.iter().map(Image::from_catalogue).collect();
    for id in ctx.tx.used_image_ids()? {
        if IdKind::Image.parse(&id).is_ok() && image::catalogue_image(&id).is_none() {
            images.push(Image::launched_by_id(&id, ctx.account));
        }
    }
    images.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(images)
}
