//! RunInstances' checks of the request itself, before any network facts are loaded (rules.md
//! §9): the image ID's form, the instance type, the counts, the key pair, user data, tenancy and
//! placement groups; and, once the root volume is planned, whether the image's architecture is
//! the type's. The handler only loads whether the key pair exists.

use crate::error::{Ec2Error, ErrorCode};
use crate::id::IdKind;
use crate::image::{CatalogueImage, catalogue_image};
use crate::instance_type::InstanceType;
use crate::instance_type_info;
use base64::Engine;

/// The instance type a launch without `InstanceType` gets, as on EC2.
pub const DEFAULT_INSTANCE_TYPE: &str = "m1.small";

/// What of a RunInstances request (after its launch template is merged) these checks read.
#[derive(Debug, Clone, Copy, Default)]
pub struct LaunchRequest<'a> {
    pub image_id: Option<&'a str>,
    pub instance_type: Option<&'a str>,
    pub min_count: i64,
    pub max_count: i64,
    /// `KeyName`, with whether the caller has a key pair of that name.
    pub key_pair: Option<(&'a str, bool)>,
    pub user_data: Option<&'a str>,
    pub tenancy: Option<&'a str>,
    pub placement_group: Option<&'a str>,
}

/// A request that passed: its image (if the catalogue knows it) and its instance type.
#[derive(Debug, Clone, Copy)]
pub struct CheckedLaunch<'a> {
    pub image_id: &'a str,
    pub image: Option<&'static CatalogueImage>,
    pub instance_type: &'static InstanceType,
}

/// Every refusal of the request's own parameters, in the order EC2 answers them.
pub fn check<'a>(req: &LaunchRequest<'a>) -> Result<CheckedLaunch<'a>, Ec2Error> {
    let image_id = req
        .image_id
        .ok_or_else(|| Ec2Error::missing_parameter("ImageId"))?;
    if IdKind::Image.parse(image_id).is_err() {
        return Err(Ec2Error::new(
            ErrorCode::InvalidAmiIdMalformed,
            format!("Invalid id: \"{image_id}\" (expecting \"ami-...\")"),
        ));
    }
    let type_name = req.instance_type.unwrap_or(DEFAULT_INSTANCE_TYPE);
    let instance_type = InstanceType::named(type_name)
        .ok_or_else(|| Ec2Error::invalid_parameter("InstanceType", type_name))?;
    if req.min_count < 1 || req.max_count < req.min_count {
        return Err(Ec2Error::invalid_value(format!(
            "MinCount ({}) must be at least 1 and no more than MaxCount ({}).",
            req.min_count, req.max_count
        )));
    }
    if let Some((name, false)) = req.key_pair {
        return Err(Ec2Error::new(
            ErrorCode::InvalidKeyPairNotFound,
            format!("The key pair '{name}' does not exist"),
        ));
    }
    if let Some(data) = req.user_data
        && base64::engine::general_purpose::STANDARD
            .decode(data)
            .is_err()
    {
        return Err(Ec2Error::invalid_value(
            "Invalid BASE64 encoding of user data.",
        ));
    }
    if let Some(t) = req.tenancy.filter(|t| *t != "default") {
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("localvpc launches only default-tenancy instances (Tenancy={t})."),
        ));
    }
    if let Some(g) = req.placement_group.filter(|g| !g.is_empty()) {
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("localvpc does not model placement groups (GroupName={g})."),
        ));
    }
    Ok(CheckedLaunch {
        image_id,
        image: catalogue_image(image_id),
        instance_type,
    })
}

/// An image of the catalogue runs only on instance types of its architecture (images localvpc
/// does not know are taken as they come).
pub fn check_architecture(launch: &CheckedLaunch<'_>) -> Result<(), Ec2Error> {
    let Some(image) = launch.image else {
        return Ok(());
    };
    let type_arch = instance_type_info::architecture(launch.instance_type);
    if image.details.architecture != type_arch {
        return Err(Ec2Error::invalid_value(format!(
            "The architecture '{type_arch}' of the specified instance type does not match the architecture '{}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.",
            image.details.architecture
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const AMAZON_LINUX: &str = "ami-0f4a8aa657d4799b8";

    fn request() -> LaunchRequest<'static> {
        LaunchRequest {
            image_id: Some(AMAZON_LINUX),
            instance_type: Some("t3.micro"),
            min_count: 1,
            max_count: 1,
            ..Default::default()
        }
    }

    fn code(req: LaunchRequest<'_>) -> ErrorCode {
        check(&req).unwrap_err().code
    }

    #[test]
    fn a_plain_request_passes_with_its_image_and_type() {
        let launch = check(&request()).unwrap();
        assert_eq!(launch.instance_type.name, "t3.micro");
        assert!(launch.image.is_some(), "the catalogue knows Amazon Linux");
        assert!(check_architecture(&launch).is_ok());
    }

    #[test]
    fn each_parameter_is_refused_with_ec2s_code() {
        let r = request();
        assert_eq!(
            code(LaunchRequest {
                image_id: None,
                ..r
            }),
            ErrorCode::MissingParameter
        );
        assert_eq!(
            code(LaunchRequest {
                image_id: Some("i-0123"),
                ..r
            }),
            ErrorCode::InvalidAmiIdMalformed
        );
        assert_eq!(
            code(LaunchRequest {
                instance_type: Some("t9.huge"),
                ..r
            }),
            ErrorCode::InvalidParameterValue
        );
        for (min, max) in [(0, 1), (2, 1)] {
            let counts = LaunchRequest {
                min_count: min,
                max_count: max,
                ..r
            };
            assert_eq!(code(counts), ErrorCode::InvalidParameterValue);
        }
        assert_eq!(
            code(LaunchRequest {
                key_pair: Some(("missing", false)),
                ..r
            }),
            ErrorCode::InvalidKeyPairNotFound
        );
        assert!(
            check(&LaunchRequest {
                key_pair: Some(("mine", true)),
                ..r
            })
            .is_ok()
        );
        assert_eq!(
            code(LaunchRequest {
                user_data: Some("not base64!"),
                ..r
            }),
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            code(LaunchRequest {
                tenancy: Some("dedicated"),
                ..r
            }),
            ErrorCode::UnsupportedOperation
        );
        assert!(
            check(&LaunchRequest {
                tenancy: Some("default"),
                ..r
            })
            .is_ok()
        );
        assert_eq!(
            code(LaunchRequest {
                placement_group: Some("spread"),
                ..r
            }),
            ErrorCode::UnsupportedOperation
        );
        assert!(
            check(&LaunchRequest {
                placement_group: Some(""),
                ..r
            })
            .is_ok()
        );
    }

    #[test]
    fn the_default_type_is_m1_small() {
        let launch = check(&LaunchRequest {
            instance_type: None,
            ..request()
        })
        .unwrap();
        assert_eq!(launch.instance_type.name, DEFAULT_INSTANCE_TYPE);
    }

    #[test]
    fn a_catalogue_image_refuses_a_type_of_another_architecture() {
        let arm = InstanceType::all()
            .into_iter()
            .find(|t| instance_type_info::architecture(t) == "arm64")
            .expect("the table has an arm64 type");
        let launch = check(&LaunchRequest {
            instance_type: Some(&arm.name),
            ..request()
        })
        .unwrap();
        let err = check_architecture(&launch).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        let unknown = check(&LaunchRequest {
            image_id: Some("ami-0123456789abcdef0"),
            instance_type: Some(&arm.name),
            ..request()
        })
        .unwrap();
        assert!(
            check_architecture(&unknown).is_ok(),
            "images localvpc does not know are taken"
        );
    }
}
