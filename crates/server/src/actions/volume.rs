//! DescribeVolumes: the instances' root volumes (`localvpc_model::volume`).

use crate::context::Ctx;
use crate::wire::{FilterWire, Selection, TagWire, select, tag_set};
use localvpc_model::volume::{self, Volume};
use localvpc_model::{Ec2Error, IdKind};
use localvpc_store::VolumeScope;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeVolumesRequest {
    #[serde(default)]
    volume_ids: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumeAttachmentWire {
    attach_time: String,
    device: String,
    instance_id: String,
    state: &'static str,
    volume_id: String,
    delete_on_termination: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumeWire {
    attachments: Vec<VolumeAttachmentWire>,
    availability_zone: String,
    create_time: String,
    encrypted: bool,
    size: i64,
    snapshot_id: String,
    state: &'static str,
    volume_id: String,
    iops: Option<i64>,
    tags: Option<Vec<TagWire>>,
    volume_type: String,
    multi_attach_enabled: bool,
    throughput: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeVolumesResponse {
    volumes: Vec<VolumeWire>,
    next_token: Option<String>,
}

fn view(v: &Volume) -> VolumeWire {
    VolumeWire {
        attachments: v
            .attachment
            .iter()
            .map(|a| VolumeAttachmentWire {
                attach_time: a.attach_time.clone(),
                device: a.device.clone(),
                instance_id: a.instance_id.clone(),
                state: "attached",
                volume_id: v.id.clone(),
                delete_on_termination: a.delete_on_termination,
            })
            .collect(),
        availability_zone: v.availability_zone.clone(),
        create_time: v.create_time.clone(),
        encrypted: false,
        size: v.spec.size_gib,
        snapshot_id: v.spec.snapshot_id.clone().unwrap_or_default(),
        state: v.state(),
        volume_id: v.id.clone(),
        iops: v.spec.iops,
        tags: tag_set(&v.tags),
        volume_type: v.spec.volume_type.clone(),
        multi_attach_enabled: false,
        throughput: v.spec.throughput,
    }
}

pub fn describe_volumes(
    ctx: &mut Ctx,
    req: DescribeVolumesRequest,
) -> Result<DescribeVolumesResponse, Ec2Error> {
    if req.max_results.is_some() && !req.volume_ids.is_empty() {
        return Err(Ec2Error::combination(
            "The parameter volumeSet cannot be used with the parameter maxResults",
        ));
    }
    let (volumes, next_token) = select(
        ctx.tx.volumes(VolumeScope::All)?,
        |v| &v.id,
        volume::FILTERS,
        Selection {
            kind: IdKind::Volume,
            ids: &req.volume_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: volume::PAGE_LIMITS,
        },
    )?;
    Ok(DescribeVolumesResponse {
        volumes: volumes.iter().map(view).collect(),
        next_token,
    })
}
