//! The signature computation against AWS's published SigV4 test suite (`get-vanilla`,
//! `get-vanilla-query-order-key-case`, `post-vanilla`: key `AKIDEXAMPLE`, 20150830T123600Z,
//! us-east-1, service `service`), and each refusal's code.

use super::*;
use axum::http::HeaderValue;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SUITE_CREDENTIAL: &str = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(*k, HeaderValue::from_str(v).unwrap());
    }
    map
}

fn suite_headers(signature: &str) -> HeaderMap {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={SUITE_CREDENTIAL}, SignedHeaders=host;x-amz-date, Signature={signature}"
    );
    headers(&[
        ("host", "example.amazonaws.com"),
        ("x-amz-date", "20150830T123600Z"),
        ("authorization", &auth),
    ])
}

fn request<'a>(method: &'a str, query: Option<&'a str>, headers: &'a HeaderMap) -> Request<'a> {
    Request {
        method,
        path: "/",
        query,
        headers,
        body: b"",
        params: &[],
    }
}

#[test]
fn aws_test_suite_vectors() {
    for (method, query, signature) in [
        (
            "GET",
            None,
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        ),
        (
            "GET",
            Some("Param2=value2&Param1=value1"),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        ),
        (
            "POST",
            None,
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        ),
    ] {
        let map = suite_headers(signature);
        let req = request(method, query, &map);
        let presented = presented(&req).unwrap();
        assert_eq!(presented.signature, signature);
        assert_eq!(
            expected_signature(&req, &presented, SECRET).unwrap(),
            signature,
            "{method} {query:?}"
        );
    }
}

fn keyring() -> Keyring {
    Keyring::parse(
        "[suite]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\naws_account_id = 123456789012\n",
    )
    .unwrap()
}

fn code(result: Result<Caller, Ec2Error>) -> &'static str {
    result.unwrap_err().code.as_str()
}

fn suite_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160) // 2015-08-30T12:36:00Z
}

#[test]
fn refusals_in_aws_order() {
    let keys = keyring();
    let none = HeaderMap::new();
    assert_eq!(
        code(verify(&keys, &request("GET", None, &none), suite_time())),
        "MissingAuthenticationToken"
    );
    let other = suite_headers("00");
    let mut unknown = other.clone();
    unknown.insert(
        "authorization",
        HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=AKIDNOBODY/20150830/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
        ),
    );
    assert_eq!(
        code(verify(&keys, &request("GET", None, &unknown), suite_time())),
        "AuthFailure"
    );
    let late = suite_time() + Duration::from_secs(16 * 60);
    assert_eq!(
        code(verify(&keys, &request("GET", None, &other), late)),
        "RequestExpired"
    );
    let early = suite_time() - Duration::from_secs(16 * 60);
    assert_eq!(
        code(verify(&keys, &request("GET", None, &other), early)),
        "RequestExpired"
    );
    // The suite's scope names service `service`, which localvpc does not answer.
    assert_eq!(
        code(verify(&keys, &request("GET", None, &other), suite_time())),
        "SignatureDoesNotMatch"
    );
    let mut basic = other.clone();
    basic.insert(
        "authorization",
        HeaderValue::from_static("Basic YWxhZGRpbg=="),
    );
    assert_eq!(
        code(verify(&keys, &request("GET", None, &basic), suite_time())),
        "IncompleteSignature"
    );
}

#[test]
fn presigned_requests_expire_at_their_expiry() {
    let keys = keyring();
    let none = HeaderMap::new();
    let query = "Action=DescribeVpcs&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fec2%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00";
    let req = request("GET", Some(query), &none);
    assert_eq!(
        code(verify(&keys, &req, suite_time() + Duration::from_secs(61))),
        "RequestExpired"
    );
    assert_eq!(
        code(verify(&keys, &req, suite_time() + Duration::from_secs(59))),
        "SignatureDoesNotMatch"
    );
    let forever = query.replace("X-Amz-Expires=60", "X-Amz-Expires=604801");
    assert_eq!(
        code(verify(
            &keys,
            &request("GET", Some(&forever), &none),
            suite_time()
        )),
        "IncompleteSignature"
    );
}

#[test]
fn credentials_file() {
    let keys = Keyring::parse(
        "; comment\n[default]\naws_access_key_id=A\naws_secret_access_key = s=1\naws_account_id = 111122223333\n\n[profile b]\naws_access_key_id = B\naws_secret_access_key = t\naws_account_id = 444455556666\nregion = eu-west-1\n",
    )
    .unwrap();
    assert_eq!(keys.keys["A"].secret, "s=1");
    assert_eq!(keys.keys["B"].account, "444455556666");
    for (text, message) in [
        ("", "no profiles"),
        (
            "aws_access_key_id = A\n",
            "line 1: setting outside a [profile]",
        ),
        ("[a]\nnonsense\n", "line 2: expected `key = value`"),
        (
            "[a]\naws_access_key_id = A\naws_secret_access_key = s\n",
            "profile [a] has no aws_account_id",
        ),
        (
            "[a]\naws_access_key_id = A\naws_secret_access_key = s\naws_account_id = 12\n",
            "profile [a]: aws_account_id must be 12 digits, not \"12\"",
        ),
        (
            "[a]\naws_access_key_id = A\naws_secret_access_key = s\naws_account_id = 111122223333\n[b]\naws_access_key_id = A\naws_secret_access_key = t\naws_account_id = 111122223333\n",
            "access key A appears in more than one profile",
        ),
    ] {
        assert_eq!(Keyring::parse(text).unwrap_err(), message, "{text}");
    }
}

#[test]
fn constant_time_comparison() {
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"ab"));
}

#[test]
fn debug_output_hides_secrets() {
    let shown = format!("{:?}", Auth::Verify(keyring()));
    assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
    assert!(!shown.contains("EXAMPLEKEY"), "{shown}");
}
