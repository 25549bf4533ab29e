//! CPU credits of burstable instances (T2, T3, T3a, T4g): each has a credit option,
//! `standard` or `unlimited`; other types have none and refuse one.

use crate::error::{Ec2Error, ErrorCode};

/// The option a burstable type launches with when none is given, as AWS defaults it
/// (T2 `standard`, later generations `unlimited`); `None` for types without CPU credits.
pub fn default_cpu_credits(instance_type: &str) -> Option<&'static str> {
    match instance_type.split('.').next()? {
        "t2" => Some("standard"),
        "t3" | "t3a" | "t4g" => Some("unlimited"),
        _ => None,
    }
}

/// The credit option an instance of `instance_type` gets when `requested` is asked for.
pub fn cpu_credits(
    instance_type: &str,
    requested: Option<&str>,
) -> Result<Option<String>, Ec2Error> {
    let default = default_cpu_credits(instance_type);
    match (requested, default) {
        (None, d) => Ok(d.map(str::to_owned)),
        (Some(v @ ("standard" | "unlimited")), Some(_)) => Ok(Some(v.to_owned())),
        (Some(v), Some(_)) => Err(Ec2Error::new(
            ErrorCode::InvalidParameterValue,
            format!(
                "Value ({v}) for parameter cpuCredits is invalid. Valid values are standard and unlimited."
            ),
        )),
        (Some(_), None) => Err(Ec2Error::new(
            ErrorCode::InvalidParameterCombination,
            format!(
                "The parameter CreditSpecification is not supported for instance type {instance_type}."
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burstable_types_default_as_aws() {
        assert_eq!(default_cpu_credits("t2.micro"), Some("standard"));
        assert_eq!(default_cpu_credits("t3.micro"), Some("unlimited"));
        assert_eq!(default_cpu_credits("t4g.nano"), Some("unlimited"));
        assert_eq!(default_cpu_credits("m5.large"), None);
    }

    #[test]
    fn requested_options_are_checked() {
        assert_eq!(
            cpu_credits("t3.micro", Some("standard"))
                .unwrap()
                .as_deref(),
            Some("standard")
        );
        assert_eq!(
            cpu_credits("t3.micro", None).unwrap().as_deref(),
            Some("unlimited")
        );
        assert_eq!(cpu_credits("c5.large", None).unwrap(), None);
        assert_eq!(
            cpu_credits("t3.micro", Some("burst")).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            cpu_credits("m5.large", Some("unlimited")).unwrap_err().code,
            ErrorCode::InvalidParameterCombination
        );
    }
}
