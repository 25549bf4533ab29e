//! STS `GetCallerIdentity` on the EC2 port, so `aws sts get-caller-identity --endpoint-url …`
//! and tools that ask who they are learn the account their credentials act as. STS speaks the
//! plain query protocol: its own namespace, `ResponseMetadata/RequestId`, and errors in an
//! `ErrorResponse` envelope rather than EC2's `Response/Errors`.

use localvpc_api::xml_text;
use localvpc_model::{Ec2Error, ErrorCode};

const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Whether the request is the STS action localvpc answers.
pub fn is_sts(action: Option<&str>) -> bool {
    action == Some("GetCallerIdentity")
}

/// The caller's identity: the account's root user (localvpc has no IAM users).
pub fn caller_identity(account: &str, request_id: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"{NAMESPACE}\"><GetCallerIdentityResult>\
         <Arn>arn:aws:iam::{account}:root</Arn><UserId>{account}</UserId><Account>{account}</Account>\
         </GetCallerIdentityResult><ResponseMetadata><RequestId>{request_id}</RequestId>\
         </ResponseMetadata></GetCallerIdentityResponse>"
    )
}

/// An error as STS answers it. STS calls an unknown access key `InvalidClientTokenId` (403)
/// where EC2 says `AuthFailure` (401).
pub fn error(err: Ec2Error, request_id: &str) -> (u16, String) {
    let err = if err.code == ErrorCode::AuthFailure {
        Ec2Error::new(
            ErrorCode::InvalidClientTokenId,
            "The security token included in the request is invalid.",
        )
    } else {
        err
    };
    let kind = if err.code.http_status() >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    let body = format!(
        "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{kind}</Type><Code>{}</Code>\
         <Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        err.code.as_str(),
        xml_text(&err.message)
    );
    (err.code.http_status(), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_sts_spelling() {
        let (status, body) = error(Ec2Error::new(ErrorCode::AuthFailure, "x"), "req-1");
        assert_eq!(status, 403);
        assert!(body.contains("<Code>InvalidClientTokenId</Code>"), "{body}");
        assert!(body.contains("<RequestId>req-1</RequestId>"));
    }

    #[test]
    fn messages_are_escaped() {
        let (_, body) = error(Ec2Error::invalid_value("a<b & c"), "r");
        assert!(body.contains("<Message>a&lt;b &amp; c</Message>"), "{body}");
    }
}
