//! Launch templates: names, version numbering, the `$Latest`/`$Default` aliases and the errors
//! EC2 answers (spec vpc-surface.md §1). The template data itself is the RunInstances request's
//! own members and is checked at launch, as EC2 checks it (creation checks only its syntax).

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one};
use crate::tags::Tag;

/// Templates per region (EC2's quota).
pub const MAX_TEMPLATES: usize = 5000;
/// Versions per template.
pub const MAX_VERSIONS: i64 = 10_000;

#[derive(Debug, Clone, PartialEq)]
pub struct LaunchTemplate {
    pub id: String,
    pub name: String,
    pub default_version: i64,
    pub latest_version: i64,
    /// The highest number ever given: numbers are never reused, even after deletions.
    pub last_number: i64,
    pub create_time: String,
    pub created_by: String,
    pub tags: Vec<Tag>,
}

impl Tagged for LaunchTemplate {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

/// One version; `data` is the template data as JSON (RunInstances' member names).
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchTemplateVersion {
    pub template_id: String,
    pub template_name: String,
    pub number: i64,
    pub description: Option<String>,
    pub create_time: String,
    pub created_by: String,
    pub is_default: bool,
    pub data: String,
}

impl LaunchTemplateVersion {
    /// Orders a listing by template, newest version first (EC2's order), for paging.
    pub fn sort_key(&self) -> String {
        format!("{}:{:019}", self.template_id, i64::MAX - self.number)
    }
}

impl Tagged for LaunchTemplateVersion {
    fn tags(&self) -> &[Tag] {
        &[]
    }
}

pub const FILTERS: &[FilterDef<LaunchTemplate>] = &[
    def("create-time", |t| one(&t.create_time)),
    def("launch-template-name", |t| one(&t.name)),
];

/// A version reference: a number or one of the two aliases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionRef {
    Number(i64),
    Latest,
    Default,
}

impl VersionRef {
    /// Parses `$Latest`, `$Default` or a positive number; anything else is `InvalidParameterValue`.
    pub fn parse(text: &str) -> Result<Self, Ec2Error> {
        match text {
            "$Latest" => Ok(Self::Latest),
            "$Default" => Ok(Self::Default),
            _ => match text.parse::<i64>() {
                Ok(n) if n >= 1 => Ok(Self::Number(n)),
                _ => Err(Ec2Error::invalid_value(format!(
                    "The launch template version '{text}' is invalid. Specify a version number, $Latest, or $Default."
                ))),
            },
        }
    }

    /// The number this reference names in `template`.
    pub fn resolve(self, template: &LaunchTemplate) -> i64 {
        match self {
            Self::Number(n) => n,
            Self::Latest => template.latest_version,
            Self::Default => template.default_version,
        }
    }
}

/// A name: 3–128 characters of `[a-zA-Z0-9().\-/_]`.
pub fn check_name(name: &str) -> Result<(), Ec2Error> {
    let ok = (3..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "().-/_".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Ec2Error::new(
            ErrorCode::InvalidLaunchTemplateNameMalformedException,
            format!(
                "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.' (name: '{name}')"
            ),
        ))
    }
}

/// A version description: at most 255 characters.
pub fn check_description(description: Option<&str>) -> Result<(), Ec2Error> {
    match description {
        Some(d) if d.chars().count() > 255 => Err(Ec2Error::invalid_value(
            "The version description must be no longer than 255 characters.",
        )),
        _ => Ok(()),
    }
}

pub fn name_taken(name: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidLaunchTemplateNameAlreadyExistsException,
        format!("Launch template name already in use. (name: '{name}')"),
    )
}

/// Describe with unknown IDs in its list (EC2's own spelling).
pub fn ids_not_found() -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidLaunchTemplateIdNotFound,
        "Atleast one of the launch templates specified in the request does not exist.",
    )
}

/// One named template that does not exist (Describe, RunInstances, the version calls).
pub fn name_not_found(name: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidLaunchTemplateNameNotFoundException,
        format!("The specified launch template, with template name {name}, does not exist."),
    )
}

pub fn id_not_found(id: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidLaunchTemplateIdNotFound,
        format!("The specified launch template, with template ID {id}, does not exist."),
    )
}

pub fn version_not_found(template_id: &str, number: i64) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidLaunchTemplateIdVersionNotFound,
        format!(
            "Could not find the specified version {number} for the launch template with ID {template_id}."
        ),
    )
}

/// The number the next version gets, or `MaxTemplateVersionLimitExceeded` when the template
/// already holds `versions` versions.
pub fn next_number(template: &LaunchTemplate, versions: i64) -> Result<i64, Ec2Error> {
    if versions >= MAX_VERSIONS {
        return Err(Ec2Error::new(
            ErrorCode::MaxTemplateVersionLimitExceeded,
            format!(
                "The launch template {} already has the maximum number of versions ({MAX_VERSIONS}).",
                template.id
            ),
        ));
    }
    Ok(template.last_number + 1)
}

/// Why one version of a DeleteLaunchTemplateVersions call cannot go: EC2 reports each version's
/// outcome in the response instead of failing the call. `None`: it may go.
pub fn refuse_version_delete(
    template: &LaunchTemplate,
    number: i64,
    exists: bool,
) -> Option<(&'static str, String)> {
    if !exists {
        Some((
            "launchTemplateVersionDoesNotExist",
            format!(
                "The specified launch template version does not exist (template {}, version {number}).",
                template.id
            ),
        ))
    } else if number == template.default_version {
        Some((
            "unexpectedError",
            "You cannot delete the default version of a launch template. Set a different default version or delete the launch template.".to_owned(),
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> LaunchTemplate {
        LaunchTemplate {
            id: "lt-0123456789abcdef0".into(),
            name: "web".into(),
            default_version: 2,
            latest_version: 5,
            last_number: 7,
            create_time: String::new(),
            created_by: String::new(),
            tags: Vec::new(),
        }
    }

    #[test]
    fn names() {
        assert!(check_name("my-template_1.(x)/y").is_ok());
        for bad in ["ab", "has space", "ünï", &"x".repeat(129)] {
            assert_eq!(
                check_name(bad).unwrap_err().code,
                ErrorCode::InvalidLaunchTemplateNameMalformedException
            );
        }
        assert_eq!(
            check_description(Some(&"d".repeat(256))).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn version_references() {
        let t = template();
        assert_eq!(VersionRef::parse("$Latest").unwrap().resolve(&t), 5);
        assert_eq!(VersionRef::parse("$Default").unwrap().resolve(&t), 2);
        assert_eq!(VersionRef::parse("3").unwrap().resolve(&t), 3);
        for bad in ["0", "-1", "latest", "$latest", ""] {
            assert_eq!(
                VersionRef::parse(bad).unwrap_err().code,
                ErrorCode::InvalidParameterValue
            );
        }
    }

    #[test]
    fn numbers_are_never_reused() {
        let t = template();
        assert_eq!(next_number(&t, 3).unwrap(), 8);
        assert_eq!(
            next_number(&t, MAX_VERSIONS).unwrap_err().code,
            ErrorCode::MaxTemplateVersionLimitExceeded
        );
    }

    #[test]
    fn version_deletion() {
        let t = template();
        assert_eq!(
            refuse_version_delete(&t, 9, false).unwrap().0,
            "launchTemplateVersionDoesNotExist"
        );
        assert_eq!(
            refuse_version_delete(&t, 2, true).unwrap().0,
            "unexpectedError"
        );
        assert!(refuse_version_delete(&t, 5, true).is_none());
    }

    #[test]
    fn versions_sort_newest_first() {
        let v = |number| LaunchTemplateVersion {
            template_id: "lt-1".into(),
            template_name: "n".into(),
            number,
            description: None,
            create_time: String::new(),
            created_by: String::new(),
            is_default: false,
            data: "{}".into(),
        };
        assert!(v(10).sort_key() < v(9).sort_key());
        assert!(v(2).sort_key() < v(1).sort_key());
    }
}
