//! EBS volumes: the root volume each instance launches with, sized and typed as its image's
//! block device mapping says unless RunInstances' `BlockDeviceMapping` for the root device
//! changes it. localvpc stores no blocks; a volume is its facts and its attachment, which
//! follows the instance (deleted with it when `DeleteOnTermination`, else left `available`).

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::image::CatalogueImage;
use crate::page::PageLimits;
use crate::tags::Tag;

/// DescribeVolumes' `MaxResults` bounds.
pub const PAGE_LIMITS: PageLimits = PageLimits { min: 5, max: 500 };

/// An EBS volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub id: String,
    pub spec: VolumeSpec,
    pub availability_zone: String,
    pub create_time: String,
    pub attachment: Option<VolumeAttachment>,
    pub tags: Vec<Tag>,
}

/// Size, type and performance of a volume, and the snapshot it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSpec {
    pub size_gib: i64,
    pub volume_type: String,
    /// None for `standard` (magnetic) volumes, which AWS shows without IOPS.
    pub iops: Option<i64>,
    /// gp3 only.
    pub throughput: Option<i64>,
    pub snapshot_id: Option<String>,
}

/// A volume's attachment to an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeAttachment {
    pub instance_id: String,
    pub device: String,
    pub attach_time: String,
    pub delete_on_termination: bool,
}

impl Volume {
    /// `in-use` while attached, `available` after its instance went without deleting it.
    pub fn state(&self) -> &'static str {
        if self.attachment.is_some() {
            "in-use"
        } else {
            "available"
        }
    }
}

impl Tagged for Volume {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

fn attachment<T: ToString>(v: &Volume, field: fn(&VolumeAttachment) -> T) -> Vec<String> {
    opt(v.attachment.as_ref().map(field))
}

/// DescribeVolumes' filters (the EC2 API reference's list, `tag:`/`tag-key` being generic).
pub const FILTERS: &[FilterDef<Volume>] = &[
    def("attachment.attach-time", |v| {
        attachment(v, |a| a.attach_time.clone())
    }),
    def("attachment.delete-on-termination", |v| {
        attachment(v, |a| a.delete_on_termination)
    }),
    def("attachment.device", |v| attachment(v, |a| a.device.clone())),
    def("attachment.instance-id", |v| {
        attachment(v, |a| a.instance_id.clone())
    }),
    def("attachment.status", |v| attachment(v, |_| "attached")),
    def("availability-zone", |v| one(&v.availability_zone)),
    def("create-time", |v| one(&v.create_time)),
    def("encrypted", |_| one(false)),
    def("fast-restored", |_| one(false)),
    def("multi-attach-enabled", |_| one(false)),
    def("size", |v| one(v.spec.size_gib)),
    def("snapshot-id", |v| {
        one(v.spec.snapshot_id.as_deref().unwrap_or(""))
    }),
    def("status", |v| one(v.state())),
    def("volume-id", |v| one(&v.id)),
    def("volume-type", |v| one(&v.spec.volume_type)),
];

/// The root device an image boots from and the volume it makes by default. Images outside the
/// catalogue show no mapping; they launch with an 8 GiB gp2 volume made from no snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRoot {
    pub device: &'static str,
    pub snapshot_id: Option<&'static str>,
    pub size_gib: i64,
    pub volume_type: &'static str,
}

impl ImageRoot {
    pub fn of(image: Option<&CatalogueImage>) -> Self {
        let device = image.map_or("/dev/xvda", |i| i.details.root_device_name);
        match image.and_then(|i| i.details.root_volume.as_ref()) {
            Some(v) => Self {
                device,
                snapshot_id: Some(v.snapshot_id),
                size_gib: i64::from(v.size_gib),
                volume_type: v.volume_type,
            },
            None => Self {
                device,
                snapshot_id: None,
                size_gib: 8,
                volume_type: "gp2",
            },
        }
    }
}

/// One `BlockDeviceMapping.N` of RunInstances.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappingRequest {
    pub device_name: Option<String>,
    pub no_device: Option<String>,
    pub virtual_name: Option<String>,
    pub ebs: Option<EbsRequest>,
}

/// Its `Ebs` member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EbsRequest {
    pub delete_on_termination: Option<bool>,
    pub volume_size: Option<i64>,
    pub volume_type: Option<String>,
    pub iops: Option<i64>,
    pub throughput: Option<i64>,
    pub snapshot_id: Option<String>,
    pub encrypted: Option<bool>,
    pub kms_key_id: Option<String>,
}

/// The root volume a launch makes: where it is attached, what it is, whether it goes with the
/// instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootPlan {
    pub device: String,
    pub spec: VolumeSpec,
    pub delete_on_termination: bool,
}

fn unsupported(message: String) -> Ec2Error {
    Ec2Error::new(ErrorCode::UnsupportedOperation, message)
}

fn combination(message: String) -> Ec2Error {
    Ec2Error::new(ErrorCode::InvalidParameterCombination, message)
}

/// The root volume of a launch from `root`, with the request's mapping for the root device
/// applied. Only the root device is modelled: a mapping that would add a volume or an instance
/// store device is refused, one that suppresses (`NoDevice`) a device the image does not map
/// changes nothing and is accepted.
pub fn plan_root(root: &ImageRoot, mappings: &[MappingRequest]) -> Result<RootPlan, Ec2Error> {
    let mut ebs = None;
    for (n, m) in mappings.iter().enumerate() {
        let device = m.device_name.as_deref().ok_or_else(|| {
            Ec2Error::missing_parameter(&format!("BlockDeviceMapping.{}.DeviceName", n + 1))
        })?;
        let is_root = device == root.device;
        if m.no_device.is_some() {
            if is_root {
                return Err(unsupported(format!(
                    "localvpc cannot launch without the root device ({device}): NoDevice is refused for it."
                )));
            }
            continue;
        }
        if let Some(name) = &m.virtual_name {
            return Err(unsupported(format!(
                "localvpc does not model instance store volumes (VirtualName={name} on {device})."
            )));
        }
        if !is_root {
            return Err(unsupported(format!(
                "localvpc models only the root volume ({}); it cannot add a volume at {device}.",
                root.device
            )));
        }
        if ebs.is_some() {
            return Err(Ec2Error::invalid_value(format!(
                "The device '{device}' is used in more than one block-device mapping"
            )));
        }
        ebs = Some(m.ebs.clone().unwrap_or_default());
    }
    let ebs = ebs.unwrap_or_default();
    if ebs.encrypted == Some(true) || ebs.kms_key_id.is_some() {
        return Err(unsupported(
            "localvpc does not model EBS encryption (Encrypted=true, KmsKeyId).".into(),
        ));
    }
    if let Some(snap) = ebs.snapshot_id.as_deref()
        && Some(snap) != root.snapshot_id
    {
        return Err(unsupported(format!(
            "localvpc does not model snapshots: the root volume is made from the image's own ({}), not {snap}.",
            root.snapshot_id.unwrap_or("none")
        )));
    }
    let volume_type = ebs
        .volume_type
        .clone()
        .unwrap_or_else(|| root.volume_type.to_owned());
    let size = ebs.volume_size.unwrap_or(root.size_gib);
    if let Some(snap) = root.snapshot_id
        && size < root.size_gib
    {
        return Err(Ec2Error::new(
            ErrorCode::InvalidBlockDeviceMapping,
            format!(
                "Volume of size {size}GB is smaller than snapshot '{snap}', expect size >= {}GB",
                root.size_gib
            ),
        ));
    }
    let spec = volume_spec(&volume_type, size, ebs.iops, ebs.throughput)?;
    Ok(RootPlan {
        device: root.device.to_owned(),
        spec: VolumeSpec {
            snapshot_id: root.snapshot_id.map(str::to_owned),
            ..spec
        },
        delete_on_termination: ebs.delete_on_termination.unwrap_or(true),
    })
}

/// A volume of `volume_type` and `size`: the type's size range, and its IOPS and throughput
/// (given where the type takes them, AWS's baseline otherwise).
fn volume_spec(
    volume_type: &str,
    size: i64,
    iops: Option<i64>,
    throughput: Option<i64>,
) -> Result<VolumeSpec, Ec2Error> {
    let (sizes, iops_range, per_gib): (_, Option<(i64, i64)>, i64) = match volume_type {
        "gp2" => (1..=16384, None, 0),
        "gp3" => (1..=16384, Some((3000, 16000)), 500),
        "io1" => (4..=16384, Some((100, 64000)), 50),
        "io2" => (4..=16384, Some((100, 64000)), 500),
        "standard" => (1..=1024, None, 0),
        "st1" | "sc1" => {
            return Err(Ec2Error::invalid_value(format!(
                "Volume type {volume_type} cannot be used as a boot volume."
            )));
        }
        other => {
            return Err(Ec2Error::invalid_value(format!(
                "Value ({other}) for parameter volumeType is invalid. Valid values are: standard, io1, io2, gp2, gp3, sc1, st1."
            )));
        }
    };
    if !sizes.contains(&size) {
        return Err(Ec2Error::invalid_value(format!(
            "Volume of {size}GiB is outside the size range of {volume_type} volumes ({}-{} GiB).",
            sizes.start(),
            sizes.end()
        )));
    }
    if throughput.is_some() && volume_type != "gp3" {
        return Err(combination(format!(
            "The parameter throughput is not supported for {volume_type} volumes."
        )));
    }
    let iops = match (iops_range, iops) {
        (None, Some(_)) => {
            return Err(combination(format!(
                "The parameter iops is not supported for {volume_type} volumes."
            )));
        }
        (None, None) if volume_type == "gp2" => Some((size * 3).clamp(100, 16000)),
        (None, None) => None,
        (Some(_), None) if volume_type == "gp3" => Some(3000),
        (Some(_), None) => {
            return Err(combination(format!(
                "The parameter iops must be specified for {volume_type} volumes."
            )));
        }
        (Some((min, max)), Some(n)) => {
            if !(min..=max).contains(&n) {
                return Err(Ec2Error::invalid_value(format!(
                    "Volume iops of {n} is outside the range of {volume_type} volumes ({min}-{max})."
                )));
            }
            if n > size * per_gib {
                return Err(Ec2Error::invalid_value(format!(
                    "Iops to volume size ratio of {} is too high; maximum is {per_gib}.",
                    n / size
                )));
            }
            Some(n)
        }
    };
    let throughput = if volume_type == "gp3" {
        let t = throughput.unwrap_or(125);
        if !(125..=1000).contains(&t) {
            return Err(Ec2Error::invalid_value(format!(
                "Throughput of {t}MiB/s is outside the range of gp3 volumes (125-1000)."
            )));
        }
        let i = iops.unwrap_or(3000);
        if t * 4 > i {
            return Err(Ec2Error::invalid_value(format!(
                "Throughput of {t}MiB/s is too high for {i} IOPS; at most 0.25 MiB/s per IOPS."
            )));
        }
        Some(t)
    } else {
        None
    };
    Ok(VolumeSpec {
        size_gib: size,
        volume_type: volume_type.to_owned(),
        iops,
        throughput,
        snapshot_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::catalogue_image;

    fn al2023() -> ImageRoot {
        ImageRoot {
            device: "/dev/xvda",
            snapshot_id: Some("snap-0d1d0a33275db11b3"),
            size_gib: 8,
            volume_type: "gp3",
        }
    }

    fn root(ebs: EbsRequest) -> MappingRequest {
        MappingRequest {
            device_name: Some("/dev/xvda".into()),
            ebs: Some(ebs),
            ..Default::default()
        }
    }

    #[test]
    fn the_image_decides_by_default() {
        let plan = plan_root(&al2023(), &[]).unwrap();
        assert_eq!(plan.device, "/dev/xvda");
        assert!(plan.delete_on_termination);
        assert_eq!(plan.spec.size_gib, 8);
        assert_eq!(plan.spec.volume_type, "gp3");
        assert_eq!(plan.spec.iops, Some(3000));
        assert_eq!(plan.spec.throughput, Some(125));
        assert_eq!(
            plan.spec.snapshot_id.as_deref(),
            Some("snap-0d1d0a33275db11b3")
        );
        let generic = plan_root(&ImageRoot::of(None), &[]).unwrap();
        assert_eq!(
            (
                generic.spec.size_gib,
                generic.spec.iops,
                generic.spec.snapshot_id
            ),
            (8, Some(100), None)
        );
        let ubuntu = ImageRoot::of(catalogue_image("ami-01438bd78baea2092"));
        assert_eq!((ubuntu.device, ubuntu.volume_type), ("/dev/sda1", "gp2"));
    }

    #[test]
    fn the_root_mapping_resizes_retypes_and_keeps() {
        let plan = plan_root(
            &al2023(),
            &[root(EbsRequest {
                volume_size: Some(20),
                volume_type: Some("gp2".into()),
                delete_on_termination: Some(false),
                encrypted: Some(false),
                ..Default::default()
            })],
        )
        .unwrap();
        assert_eq!(
            (plan.spec.size_gib, plan.spec.iops, plan.spec.throughput),
            (20, Some(100), None)
        );
        assert!(!plan.delete_on_termination);
        let io1 = plan_root(
            &al2023(),
            &[root(EbsRequest {
                volume_type: Some("io1".into()),
                iops: Some(400),
                ..Default::default()
            })],
        )
        .unwrap();
        assert_eq!(io1.spec.iops, Some(400));
    }

    #[test]
    fn refusals_carry_their_codes() {
        let code = |ebs: EbsRequest| plan_root(&al2023(), &[root(ebs)]).unwrap_err().code;
        assert_eq!(
            code(EbsRequest {
                volume_size: Some(4),
                ..Default::default()
            }),
            ErrorCode::InvalidBlockDeviceMapping
        );
        assert_eq!(
            code(EbsRequest {
                encrypted: Some(true),
                ..Default::default()
            }),
            ErrorCode::UnsupportedOperation
        );
        assert_eq!(
            code(EbsRequest {
                volume_type: Some("gp2".into()),
                iops: Some(300),
                ..Default::default()
            }),
            ErrorCode::InvalidParameterCombination
        );
        assert_eq!(
            code(EbsRequest {
                volume_type: Some("io2".into()),
                ..Default::default()
            }),
            ErrorCode::InvalidParameterCombination
        );
        assert_eq!(
            code(EbsRequest {
                volume_type: Some("gp4".into()),
                ..Default::default()
            }),
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            code(EbsRequest {
                throughput: Some(1000),
                ..Default::default()
            }),
            ErrorCode::InvalidParameterValue
        );
        let extra = MappingRequest {
            device_name: Some("/dev/sdf".into()),
            ebs: Some(EbsRequest {
                volume_size: Some(10),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            plan_root(&al2023(), &[extra]).unwrap_err().code,
            ErrorCode::UnsupportedOperation
        );
        let suppressed = MappingRequest {
            device_name: Some("/dev/sdf".into()),
            no_device: Some(String::new()),
            ..Default::default()
        };
        assert!(plan_root(&al2023(), &[suppressed]).is_ok());
    }

    #[test]
    fn state_follows_the_attachment() {
        let mut v = Volume {
            id: "vol-0123456789abcdef0".into(),
            spec: plan_root(&al2023(), &[]).unwrap().spec,
            availability_zone: "us-east-1a".into(),
            create_time: "2026-01-01T00:00:00.000Z".into(),
            attachment: Some(VolumeAttachment {
                instance_id: "i-0123456789abcdef0".into(),
                device: "/dev/xvda".into(),
                attach_time: "2026-01-01T00:00:00.000Z".into(),
                delete_on_termination: true,
            }),
            tags: Vec::new(),
        };
        assert_eq!(v.state(), "in-use");
        v.attachment = None;
        assert_eq!(v.state(), "available");
    }
}
