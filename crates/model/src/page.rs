//! `MaxResults`/`NextToken` pagination over a list sorted by ID.
//!
//! The token is the last ID of the page, so pages stay correct when resources are created or
//! deleted between calls.

use crate::error::{Ec2Error, ErrorCode};

/// The allowed `MaxResults` range of an operation (most are 5–1000).
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    pub min: i64,
    pub max: i64,
}

pub const DEFAULT_LIMITS: PageLimits = PageLimits { min: 5, max: 1000 };

/// Returns one page of `items` (already sorted by `id_of`) and the token of the next page.
pub fn paginate<T>(
    mut items: Vec<T>,
    id_of: impl Fn(&T) -> &str,
    max_results: Option<i64>,
    next_token: Option<&str>,
    limits: PageLimits,
) -> Result<(Vec<T>, Option<String>), Ec2Error> {
    if let Some(token) = next_token {
        let after = decode_token(token)?;
        items.retain(|i| id_of(i) > after.as_str());
    }
    let Some(max) = max_results else {
        return Ok((items, None));
    };
    if !(limits.min..=limits.max).contains(&max) {
        return Err(Ec2Error::invalid_value(format!(
            "Value ( {max} ) for parameter maxResults is invalid. Expecting a value between {} and {}.",
            limits.min, limits.max
        )));
    }
    let max = max as usize;
    if items.len() <= max {
        return Ok((items, None));
    }
    items.truncate(max);
    let token = items.last().map(|i| encode_token(id_of(i)));
    Ok((items, token))
}

fn encode_token(last_id: &str) -> String {
    last_id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_token(token: &str) -> Result<String, Ec2Error> {
    let bad = || {
        Ec2Error::new(
            ErrorCode::InvalidNextToken,
            format!("The token '{token}' is invalid."),
        )
    };
    if !token.len().is_multiple_of(2) || token.is_empty() {
        return Err(bad());
    }
    let bytes = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
        .collect::<Result<Vec<u8>, _>>()?;
    String::from_utf8(bytes).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("vpc-{i:08x}")).collect()
    }

    #[test]
    fn no_max_results_means_everything() {
        let (page, token) = paginate(ids(7), |s| s, None, None, DEFAULT_LIMITS).unwrap();
        assert_eq!(page.len(), 7);
        assert!(token.is_none());
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(
            paginate(ids(3), |s| s, Some(4), None, DEFAULT_LIMITS)
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            paginate(ids(3), |s| s, Some(5), Some("zz"), DEFAULT_LIMITS)
                .unwrap_err()
                .code,
            ErrorCode::InvalidNextToken
        );
    }

    proptest! {
        #[test]
        fn pages_cover_everything_once(n in 0usize..60, size in 5i64..12) {
            let all = ids(n);
            let mut seen = Vec::new();
            let mut token: Option<String> = None;
            loop {
                let (page, next) = paginate(all.clone(), |s| s, Some(size), token.as_deref(), DEFAULT_LIMITS).unwrap();
                prop_assert!(page.len() <= size as usize);
                seen.extend(page);
                match next { Some(t) => token = Some(t), None => break }
            }
            prop_assert_eq!(seen, all);
        }
    }
}
