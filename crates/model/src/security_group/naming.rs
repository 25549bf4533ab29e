//! What a VPC security group's name, description and rule descriptions may contain.
//!
//! All three share one character set (a-z, A-Z, 0-9, space and `._-:/()#,@[]+=&;{}!$*`) and a
//! limit of 255 characters. The messages are the ones EC2 sends, character for character, because
//! tools match on them.

use super::DEFAULT_GROUP_NAME;
use crate::error::{Ec2Error, ErrorCode};

/// Longest name or description, in characters.
pub const MAX_LEN: usize = 255;

const PUNCTUATION: &str = " ._-:/()#,@[]+=&;{}!$*";

/// How EC2 lists the character set in its messages (note the two spaces).
const CHARSET_TEXT: &str = "from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*";

fn in_charset(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || PUNCTUATION.contains(c))
}

/// A new group's name: not empty, ASCII from the charset, ≤255, not `sg-…`, not `default`.
pub fn check_group_name(name: &str) -> Result<(), Ec2Error> {
    if name.is_empty() {
        return Err(Ec2Error::missing_parameter("GroupName"));
    }
    if name.starts_with("sg-") {
        return Err(Ec2Error::invalid_value(format!(
            "Value ({name}) for parameter GroupName is invalid. Group names may not be in the format sg-*."
        )));
    }
    if !name.is_ascii() {
        return Err(beyond_ascii("GroupName", name));
    }
    if name.len() > MAX_LEN || !in_charset(name) {
        return Err(Ec2Error::invalid_value(format!(
            "Invalid security group name. Valid names are non-empty strings less than 256 characters {CHARSET_TEXT}"
        )));
    }
    if name == DEFAULT_GROUP_NAME {
        return Err(Ec2Error::new(
            ErrorCode::InvalidGroupReserved,
            format!("The security group '{name}' is reserved."),
        ));
    }
    Ok(())
}

/// Group names are unique within a VPC regardless of case (`Web` clashes with `web`).
pub fn check_unique<'a>(
    name: &str,
    vpc_id: &str,
    taken: impl IntoIterator<Item = &'a str>,
) -> Result<(), Ec2Error> {
    if taken.into_iter().any(|t| t.eq_ignore_ascii_case(name)) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidGroupDuplicate,
            format!("The security group '{name}' already exists for VPC '{vpc_id}'"),
        ));
    }
    Ok(())
}

/// A new group's description: not empty, ASCII from the charset, ≤255.
pub fn check_group_description(description: &str) -> Result<(), Ec2Error> {
    if description.is_empty() {
        return Err(Ec2Error::missing_parameter("GroupDescription"));
    }
    if !description.is_ascii() {
        return Err(beyond_ascii("GroupDescription", description));
    }
    if description.len() > MAX_LEN || !in_charset(description) {
        return Err(Ec2Error::invalid_value(format!(
            "Invalid security group description. Valid descriptions are strings less than 256 characters {CHARSET_TEXT}"
        )));
    }
    Ok(())
}

/// A rule's description: ≤255 characters from the charset (may be empty).
pub fn check_rule_description(description: &str) -> Result<(), Ec2Error> {
    if description.chars().count() > MAX_LEN || !in_charset(description) {
        return Err(Ec2Error::invalid_value(format!(
            "Invalid rule description. Valid descriptions are strings less than 256 characters {CHARSET_TEXT}"
        )));
    }
    Ok(())
}

fn beyond_ascii(parameter: &str, value: &str) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "Value ({value}) for parameter {parameter} is invalid. Character sets beyond ASCII are not supported."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<(), Ec2Error>) -> &'static str {
        r.unwrap_err().code.as_str()
    }

    #[test]
    fn names_take_the_whole_charset_up_to_255() {
        assert!(check_group_name("web-1 (prod) a.b_c:d/e#f,g@h[i]j+k=l&m;n{o}p!q$r*").is_ok());
        assert!(check_group_name(&"n".repeat(255)).is_ok());
        let err = check_group_name(&"n".repeat(256)).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert_eq!(
            err.message,
            "Invalid security group name. Valid names are non-empty strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
        );
        for bad in ["it's", "a|b", "a\"b", "a<b", "a%b", "a\\b", "a\tb"] {
            assert_eq!(
                code(check_group_name(bad)),
                "InvalidParameterValue",
                "{bad}"
            );
        }
    }

    #[test]
    fn names_may_not_look_like_ids() {
        let err = check_group_name("sg-web").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert_eq!(
            err.message,
            "Value (sg-web) for parameter GroupName is invalid. Group names may not be in the format sg-*."
        );
        assert!(check_group_name("web-sg-1").is_ok());
    }

    #[test]
    fn default_is_reserved() {
        assert_eq!(code(check_group_name("default")), "InvalidGroup.Reserved");
        assert!(check_group_name("defaults").is_ok());
    }

    #[test]
    fn names_are_unique_per_vpc_whatever_the_case() {
        let err = check_unique("Web", "vpc-1", ["default", "web"]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidGroupDuplicate);
        assert_eq!(
            err.message,
            "The security group 'Web' already exists for VPC 'vpc-1'"
        );
        assert!(check_unique("web2", "vpc-1", ["default", "web"]).is_ok());
    }

    #[test]
    fn non_ascii_has_its_own_message() {
        let err = check_group_name("café").unwrap_err();
        assert_eq!(
            err.message,
            "Value (café) for parameter GroupName is invalid. Character sets beyond ASCII are not supported."
        );
        let err = check_group_description("web — prod").unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert_eq!(
            err.message,
            "Value (web — prod) for parameter GroupDescription is invalid. Character sets beyond ASCII are not supported."
        );
    }

    #[test]
    fn empty_name_or_description_is_missing() {
        assert_eq!(code(check_group_name("")), "MissingParameter");
        assert_eq!(code(check_group_description("")), "MissingParameter");
    }

    #[test]
    fn descriptions() {
        assert!(check_group_description("standalone in VPC").is_ok());
        assert!(check_group_description(&"d".repeat(255)).is_ok());
        assert_eq!(
            code(check_group_description(&"d".repeat(256))),
            "InvalidParameterValue"
        );
        let err = check_group_description("the app's group").unwrap_err();
        assert_eq!(
            err.message,
            "Invalid security group description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
        );
    }

    #[test]
    fn rule_descriptions() {
        assert!(check_rule_description("").is_ok());
        assert!(check_rule_description("SSH from the office").is_ok());
        assert!(check_rule_description(&"d".repeat(255)).is_ok());
        assert_eq!(
            check_rule_description(&"d".repeat(256))
                .unwrap_err()
                .code
                .as_str(),
            "InvalidParameterValue"
        );
        let err = check_rule_description("テスト").unwrap_err();
        assert_eq!(
            err.message,
            "Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
        );
    }
}
