//! Tags and EC2's rules for them.

use crate::error::{Ec2Error, ErrorCode};

/// Most tags on one resource.
pub const MAX_TAGS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

impl Tag {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }

    /// Key 1–127 characters and not under the reserved `aws:` prefix; value at most 256.
    pub fn validate(&self) -> Result<(), Ec2Error> {
        let key_len = self.key.chars().count();
        if key_len == 0 || key_len > 127 {
            return Err(Ec2Error::new(
                ErrorCode::InvalidParameterValue,
                format!(
                    "Tag key '{}' must be between 1 and 127 characters long.",
                    self.key
                ),
            ));
        }
        if self.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(Ec2Error::new(
                ErrorCode::InvalidParameterValue,
                "Tag keys starting with 'aws:' are reserved for internal use",
            ));
        }
        if self.value.chars().count() > 256 {
            return Err(Ec2Error::invalid_value(format!(
                "Tag value for key '{}' must be at most 256 characters long.",
                self.key
            )));
        }
        Ok(())
    }
}

/// Merges `new` tags into `existing` (same key overwrites) and checks the per-resource limit.
pub fn merge(existing: &mut Vec<Tag>, new: &[Tag]) -> Result<(), Ec2Error> {
    for tag in new {
        tag.validate()?;
        match existing.iter_mut().find(|t| t.key == tag.key) {
            Some(t) => t.value = tag.value.clone(),
            None => existing.push(tag.clone()),
        }
    }
    if existing.len() > MAX_TAGS {
        return Err(Ec2Error::new(
            ErrorCode::TagLimitExceeded,
            format!("The maximum number of Tags for a resource has been reached ({MAX_TAGS})."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(Tag::new("Name", "web").validate().is_ok());
        assert_eq!(
            Tag::new("", "x").validate().unwrap_err().code.as_str(),
            "InvalidParameterValue"
        );
        assert_eq!(
            Tag::new("aws:foo", "x")
                .validate()
                .unwrap_err()
                .code
                .as_str(),
            "InvalidParameterValue"
        );
        assert_eq!(
            Tag::new("k".repeat(128), "x")
                .validate()
                .unwrap_err()
                .code
                .as_str(),
            "InvalidParameterValue"
        );
        assert_eq!(
            Tag::new("k", "v".repeat(257))
                .validate()
                .unwrap_err()
                .code
                .as_str(),
            "InvalidParameterValue"
        );
    }

    #[test]
    fn merge_overwrites_and_limits() {
        let mut tags = vec![Tag::new("a", "1")];
        merge(&mut tags, &[Tag::new("a", "2"), Tag::new("b", "3")]).unwrap();
        assert_eq!(tags, vec![Tag::new("a", "2"), Tag::new("b", "3")]);
        let many: Vec<Tag> = (0..49).map(|i| Tag::new(format!("k{i}"), "")).collect();
        assert_eq!(
            merge(&mut tags, &many).unwrap_err().code,
            ErrorCode::TagLimitExceeded
        );
    }
}
