//! The HTTP rules on a fake clock: every status code, token expiry without sleeping.

use super::*;
use crate::imds::metadata::tests::{MAC0, facts};

const T0: u64 = 1_700_000_000_000;

struct Client {
    facts: Option<Facts>,
    tokens: Tokens,
}

impl Client {
    fn new() -> Self {
        Self {
            facts: Some(facts()),
            tokens: Tokens::random(),
        }
    }

    fn instance(&mut self) -> &mut localvpc_model::instance::Instance {
        &mut self.facts.as_mut().expect("an instance").instance
    }

    fn send(&self, method: Method, path: &str, headers: &[(&str, &str)], now_ms: u64) -> Answer {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let req = Request {
            method: &method,
            path,
            headers: &map,
        };
        answer(&req, self.facts.as_ref(), &self.tokens, now_ms)
    }

    fn get(&self, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        let a = self.send(Method::GET, path, headers, T0);
        (a.status.as_u16(), String::from_utf8(a.body).unwrap())
    }

    fn token(&self, ttl: &str, now_ms: u64) -> String {
        let a = self.send(
            Method::PUT,
            "/latest/api/token",
            &[(TTL_HEADER, ttl)],
            now_ms,
        );
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(a.ttl, Some(ttl.parse().unwrap()));
        String::from_utf8(a.body).unwrap()
    }

    fn status(&self, method: Method, path: &str, headers: &[(&str, &str)], now_ms: u64) -> u16 {
        self.send(method, path, headers, now_ms).status.as_u16()
    }
}

#[test]
fn paths_versions_and_slashes() {
    let c = Client::new();
    let (status, versions) = c.get("/", &[]);
    assert_eq!(status, 200);
    assert!(
        versions.starts_with("1.0\n2007-01-19\n") && versions.ends_with("\n2021-03-23\nlatest")
    );
    assert_eq!(
        c.get("/latest/", &[]),
        (200, "dynamic/\nmeta-data/\nuser-data".into())
    );
    assert_eq!(c.get("/latest", &[]), c.get("/latest/", &[]));
    assert_eq!(
        c.get("/latest/meta-data", &[]),
        c.get("/latest/meta-data/", &[])
    );
    assert_eq!(c.get("/latest/meta-data/mac", &[]), (200, MAC0.into()));
    assert_eq!(c.get("/2021-03-23/meta-data/mac", &[]), (200, MAC0.into()));
    assert_eq!(
        c.get("/latest/meta-data/instance-id/", &[]),
        (200, "i-0123".into())
    );
    for missing in [
        "/latest/meta-data/nothing",
        "/2099-01-01/meta-data/",
        "/latest/meta-data/mac/x",
    ] {
        let (status, body) = c.get(missing, &[]);
        assert_eq!(status, 404, "{missing}");
        assert!(body.contains("<title>404 - Not Found</title>"), "{body}");
    }
    let user_data = c.send(Method::GET, "/latest/user-data", &[], T0);
    assert_eq!(user_data.content_type, "application/octet-stream");
    assert_eq!(
        c.send(Method::GET, "/latest/meta-data/", &[], T0)
            .content_type,
        "text/plain"
    );
    assert_eq!(
        c.status(Method::HEAD, "/latest/meta-data/mac", &[], T0),
        200
    );
}

#[test]
fn unknown_instance_and_disabled_endpoint() {
    let mut c = Client::new();
    c.facts = None;
    assert_eq!(c.get("/latest/meta-data/", &[]).0, 404);
    assert_eq!(
        c.status(Method::PUT, "/latest/api/token", &[(TTL_HEADER, "60")], T0),
        404
    );
    let mut c = Client::new();
    let token = c.token("60", T0);
    c.instance().metadata_options.http_endpoint = "disabled".into();
    assert_eq!(c.get("/", &[]).0, 403);
    assert_eq!(
        c.get("/latest/meta-data/mac", &[(TOKEN_HEADER, &token)]).0,
        403
    );
    assert_eq!(
        c.status(Method::PUT, "/latest/api/token", &[(TTL_HEADER, "60")], T0),
        403
    );
}

#[test]
fn token_put_rules() {
    let c = Client::new();
    let put = |path: &str, headers: &[(&str, &str)]| c.status(Method::PUT, path, headers, T0);
    assert_eq!(put("/latest/api/token", &[(TTL_HEADER, "21600")]), 200);
    assert_eq!(put("/latest/api/token/", &[(TTL_HEADER, "1")]), 200);
    for bad in ["0", "21601", "abc", ""] {
        assert_eq!(put("/latest/api/token", &[(TTL_HEADER, bad)]), 400, "{bad}");
    }
    assert_eq!(put("/latest/api/token", &[]), 400);
    let forwarded = [(TTL_HEADER, "60"), ("X-Forwarded-For", "10.0.0.9")];
    assert_eq!(put("/latest/api/token", &forwarded), 403);
    assert_eq!(put("/2021-03-23/api/token", &[(TTL_HEADER, "60")]), 403);
    assert_eq!(put("/latest/meta-data/", &[(TTL_HEADER, "60")]), 405);
    assert_eq!(c.status(Method::GET, "/latest/api/token", &[], T0), 405);
    for method in [Method::POST, Method::DELETE, Method::PATCH, Method::OPTIONS] {
        assert_eq!(
            c.status(method.clone(), "/latest/meta-data/", &[], T0),
            405,
            "{method}"
        );
    }
}

#[test]
fn tokens_expire_on_a_fake_clock() {
    let c = Client::new();
    let token = c.token("60", T0);
    let with = [(TOKEN_HEADER, token.as_str())];
    let mac = "/latest/meta-data/mac";
    assert_eq!(c.status(Method::GET, mac, &with, T0 + 59_999), 200);
    assert_eq!(c.status(Method::GET, mac, &with, T0 + 60_000), 401);
    // An expired or invalid token is refused even where IMDSv1 is allowed.
    assert_eq!(
        c.status(Method::GET, mac, &[(TOKEN_HEADER, "bogus")], T0),
        401
    );
    assert_eq!(c.status(Method::GET, mac, &[], T0 + 60_000), 200);
    // Sessions belong to one instance and one server process.
    let mut other = Client::new();
    other.tokens = Tokens::random();
    assert_eq!(other.status(Method::GET, mac, &with, T0), 401);
    let mut c = c;
    c.instance().id = "i-0456".into();
    assert_eq!(c.status(Method::GET, mac, &with, T0), 401);
}

#[test]
fn required_tokens() {
    let mut c = Client::new();
    c.instance().metadata_options.http_tokens = "required".into();
    assert_eq!(c.get("/latest/meta-data/mac", &[]).0, 401);
    assert_eq!(c.get("/", &[]).0, 401);
    assert_eq!(
        c.get("/latest/meta-data/nothing", &[]).0,
        401,
        "no path is revealed"
    );
    let token = c.token("21600", T0);
    assert_eq!(
        c.get("/latest/meta-data/mac", &[(TOKEN_HEADER, &token)]),
        (200, MAC0.into())
    );
    assert_eq!(
        c.get("/latest/meta-data/nothing", &[(TOKEN_HEADER, &token)])
            .0,
        404
    );
    let late = T0 + 21_600_000;
    assert_eq!(
        c.status(
            Method::GET,
            "/latest/meta-data/mac",
            &[(TOKEN_HEADER, &token)],
            late
        ),
        401
    );
}
