//! IMDS as HTTP: versions, paths and listings, IMDSv2 tokens, and EC2's status codes, from one
//! request to one answer with no IO. Whoever serves it supplies the instance's [`Facts`]
//! (`None` when there is no such instance) and the time.

use super::metadata::{Facts, build};
use super::token::{Tokens, parse_ttl};
use super::tree::Node;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
pub const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";

/// The dated versions `GET /` lists before `latest` (EC2 User Guide, "Retrieve instance
/// metadata"). Every one serves the same tree as `latest`.
const VERSIONS: &[&str] = &[
    "1.0",
    "2007-01-19",
    "2007-03-01",
    "2007-08-29",
    "2007-10-10",
    "2007-12-15",
    "2008-02-01",
    "2008-09-01",
    "2009-04-04",
    "2011-01-01",
    "2011-05-01",
    "2012-01-12",
    "2014-02-25",
    "2014-11-05",
    "2015-10-20",
    "2016-04-19",
    "2016-06-30",
    "2016-09-02",
    "2018-03-28",
    "2018-08-17",
    "2018-09-24",
    "2019-10-01",
    "2020-10-27",
    "2021-01-03",
    "2021-03-23",
    "latest",
];

/// One request, its path relative to the metadata root (`/latest/meta-data/mac`).
pub struct Request<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub headers: &'a HeaderMap,
}

#[derive(Debug, PartialEq)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// The TTL granted to a new token, echoed as EC2 does.
    pub ttl: Option<u64>,
}

impl Answer {
    fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: StatusCode::OK,
            content_type,
            body: body.into(),
            ttl: None,
        }
    }

    fn text(body: impl Into<Vec<u8>>) -> Self {
        Self::ok("text/plain", body)
    }

    /// EC2's errors are small XHTML pages naming the status.
    fn error(status: StatusCode) -> Self {
        let title = format!(
            "{} - {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error")
        );
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n </body>\n</html>\n"
        );
        Self {
            status,
            content_type: "text/html",
            body: body.into_bytes(),
            ttl: None,
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        headers.insert(header::SERVER, HeaderValue::from_static("EC2ws"));
        if let Some(ttl) = self.ttl {
            headers.insert(TTL_HEADER, HeaderValue::from(ttl));
        }
        response
    }
}

/// Answers `req` for the instance described by `facts` at `now_ms`, in EC2's order of checks:
/// no instance (404), endpoint disabled (403), method (405), then the token PUT's own checks
/// (403 for `X-Forwarded-For` or a dated path, 400 for the TTL) or, for GET and HEAD, the token
/// (401: invalid or expired whenever one is sent, missing when `HttpTokens=required`) before the
/// path is looked up (404).
pub fn answer(req: &Request, facts: Option<&Facts>, tokens: &Tokens, now_ms: u64) -> Answer {
    let Some(facts) = facts else {
        return Answer::error(StatusCode::NOT_FOUND);
    };
    let instance = &facts.instance;
    let options = &instance.metadata_options;
    if options.http_endpoint == "disabled" {
        return Answer::error(StatusCode::FORBIDDEN);
    }
    let segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let token_path = matches!(segments.as_slice(), [_, "api", "token"]);
    match (req.method, token_path) {
        (&Method::PUT, true) => {
            if req.headers.contains_key("x-forwarded-for") || segments[0] != "latest" {
                return Answer::error(StatusCode::FORBIDDEN);
            }
            let header = req.headers.get(TTL_HEADER).and_then(|v| v.to_str().ok());
            match parse_ttl(header) {
                Some(ttl) => Answer {
                    ttl: Some(ttl),
                    ..Answer::text(tokens.issue(&instance.id, ttl, now_ms))
                },
                None => Answer::error(StatusCode::BAD_REQUEST),
            }
        }
        (&Method::GET | &Method::HEAD, false) => {
            let token = req.headers.get(TOKEN_HEADER);
            let authorised = match token {
                Some(t) => t
                    .to_str()
                    .is_ok_and(|t| tokens.is_valid(&instance.id, t, now_ms)),
                None => options.http_tokens != "required",
            };
            if !authorised {
                return Answer::error(StatusCode::UNAUTHORIZED);
            }
            lookup(facts, &segments)
        }
        _ => Answer::error(StatusCode::METHOD_NOT_ALLOWED),
    }
}

/// A directory (with or without its trailing `/`) gives its listing, a leaf its value.
fn lookup(facts: &Facts, segments: &[&str]) -> Answer {
    let Some((version, rest)) = segments.split_first() else {
        return Answer::text(VERSIONS.join("\n"));
    };
    if !VERSIONS.contains(version) {
        return Answer::error(StatusCode::NOT_FOUND);
    }
    let tree = build(facts);
    if rest.is_empty() {
        return Answer::text(tree.listing());
    }
    match tree.find(rest) {
        Some(Node::Dir(dir)) => Answer::text(dir.listing()),
        Some(Node::Text(text)) => Answer::text(text.clone()),
        Some(Node::Bytes(bytes)) => Answer::ok("application/octet-stream", bytes.clone()),
        None => Answer::error(StatusCode::NOT_FOUND),
    }
}

#[cfg(test)]
#[path = "protocol_tests.rs"]
mod tests;
