//! Who is calling and where: the account from the SigV4 access key (a 12-digit key is the
//! account ID, anything else is account 000000000000), the region from the credential scope.

use localvpc_model::region::DEFAULT_REGION;

pub const DEFAULT_ACCOUNT: &str = "000000000000";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account: String,
    pub region: String,
}

/// Reads the caller from an `Authorization: AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/ec2/aws4_request, …`
/// header or an `X-Amz-Credential` query parameter.
pub fn caller(authorization: Option<&str>, query_credential: Option<&str>) -> Caller {
    let credential = authorization
        .and_then(|h| h.split("Credential=").nth(1))
        .map(|c| c.split([',', ' ']).next().unwrap_or(c))
        .or(query_credential);
    let mut parts = credential.map(|c| c.split('/')).into_iter().flatten();
    let key = parts.next().unwrap_or_default();
    let region = parts
        .nth(1)
        .filter(|r| !r.is_empty())
        .unwrap_or(DEFAULT_REGION);
    let account = if key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()) {
        key
    } else {
        DEFAULT_ACCOUNT
    };
    Caller {
        account: account.to_owned(),
        region: region.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_credentials() {
        let h = "AWS4-HMAC-SHA256 Credential=123456789012/20261122/ap-northeast-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(
            caller(Some(h), None),
            Caller {
                account: "123456789012".into(),
                region: "ap-northeast-1".into()
            }
        );
        let h = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261122/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(
            caller(Some(h), None),
            Caller {
                account: DEFAULT_ACCOUNT.into(),
                region: "eu-west-1".into()
            }
        );
    }

    #[test]
    fn query_credentials_and_anonymous() {
        assert_eq!(
            caller(
                None,
                Some("111122223333/20261122/us-west-2/ec2/aws4_request")
            )
            .region,
            "us-west-2"
        );
        assert_eq!(
            caller(None, None),
            Caller {
                account: DEFAULT_ACCOUNT.into(),
                region: DEFAULT_REGION.into()
            }
        );
    }
}
