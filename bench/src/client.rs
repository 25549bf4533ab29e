//! A minimal EC2 Query client: one HTTP/1.1 keep-alive connection per virtual client, form POSTs
//! with `Action`/`Version`, and a latency record of every call.
//!
//! Nothing is signed: both servers take any credentials. The `Authorization` header only carries
//! the credential scope, so localvpc reads the account (12-digit access key) and the region.

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONNECTION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Request, Version};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The EC2 API version every request names.
const EC2_VERSION: &str = "2016-11-15";
/// Every request goes to this region; its zones are where subnets and instances live.
pub const REGION: &str = "us-east-1";
pub const ZONE: &str = "us-east-1a";

/// One EC2 Query request: an action and its form parameters, in order.
pub struct Query {
    body: String,
    action: &'static str,
}

impl Query {
    pub fn new(action: &'static str) -> Self {
        Self {
            body: String::new(),
            action,
        }
        .p("Action", action)
        .p("Version", EC2_VERSION)
    }

    /// Adds one parameter (`Filter.1.Name`, `NetworkInterface.2.SubnetId`, …).
    pub fn p(mut self, name: &str, value: impl AsRef<str>) -> Self {
        form_urlencoded::Serializer::new(&mut self.body).append_pair(name, value.as_ref());
        self
    }
}

/// One call as the client saw it.
#[derive(Clone, Copy)]
pub struct Sample {
    pub done: Instant,
    pub latency: Duration,
    pub ok: bool,
}

/// Every call one client made, kept whole (a few MB at most) so a run can count exactly the
/// calls that completed inside its measuring window and sort them for exact percentiles.
#[derive(Default)]
pub struct Record {
    pub samples: Vec<Sample>,
    /// Connections opened: one per client when the server keeps connections alive.
    pub connections: u64,
    /// The first refusal seen, so a run with errors says why.
    pub first_error: Option<String>,
}

/// A connection to one server, as one account, recording every call it makes.
pub struct Client {
    addr: SocketAddr,
    authorization: HeaderValue,
    sender: Option<SendRequest<Full<Bytes>>>,
    pub record: Record,
}

impl Client {
    pub fn new(addr: SocketAddr, account: &str) -> Self {
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={account}/20260101/{REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0"
        );
        Self {
            addr,
            authorization: HeaderValue::from_str(&authorization).expect("ASCII header"),
            sender: None,
            record: Record::default(),
        }
    }

    /// Sends one request and returns the response body if the status is 200. A refusal is an
    /// error naming the action and EC2's error code; both are recorded.
    pub async fn call(&mut self, query: Query) -> anyhow::Result<String> {
        let action = query.action;
        let body = Bytes::from(query.body);
        let start = Instant::now();
        let outcome = self.send(body).await;
        let ok = matches!(outcome, Ok((200, _)));
        self.record.samples.push(Sample {
            done: Instant::now(),
            latency: start.elapsed(),
            ok,
        });
        let failure = match outcome {
            Ok((200, text)) => return Ok(text),
            Ok((status, text)) => format!(
                "{action}: HTTP {status} {}",
                first(&text, "Code").unwrap_or(text.chars().take(200).collect::<String>().as_str())
            ),
            Err(e) => format!("{action}: {e:#}"),
        };
        if self.record.first_error.is_none() {
            self.record.first_error = Some(failure.clone());
        }
        Err(anyhow!(failure))
    }

    async fn send(&mut self, body: Bytes) -> anyhow::Result<(u16, String)> {
        let authorization = self.authorization.clone();
        let sender = self.ready_connection().await?;
        let request = Request::post("/")
            .header(HOST, "127.0.0.1")
            .header(
                CONTENT_TYPE,
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .header(AUTHORIZATION, authorization)
            .body(Full::new(body))?;
        let response = match sender.send_request(request).await {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(e).context("request failed");
            }
        };
        // A server that does not keep connections alive (HTTP/1.0, `Connection: close`) gets a
        // new connection for the next call, as any client would open.
        let closes = response.version() == Version::HTTP_10
            || response
                .headers()
                .get(CONNECTION)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await?.to_bytes();
        if closes {
            self.sender = None;
        }
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }

    async fn ready_connection(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if let Some(sender) = &mut self.sender
            && sender.ready().await.is_err()
        {
            self.sender = None;
        }
        if self.sender.is_none() {
            let stream = tokio::net::TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            self.record.connections += 1;
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("connected above"))
    }
}

/// Calls DescribeVpcs until it succeeds: the server is ready. Returns how long that took from
/// `since` (the process start).
pub async fn wait_ready(addr: SocketAddr, account: &str, since: Instant) -> anyhow::Result<f64> {
    let deadline = since + Duration::from_secs(120);
    loop {
        let mut client = Client::new(addr, account);
        if client.call(Query::new("DescribeVpcs")).await.is_ok() {
            return Ok(since.elapsed().as_secs_f64() * 1000.0);
        }
        if Instant::now() > deadline {
            bail!(
                "no successful DescribeVpcs from {addr} within 120 s: {}",
                client.record.first_error.unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// The text of the first `<tag>…</tag>` element in an XML response.
pub fn first<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    all(xml, tag).next()
}

/// The texts of every `<tag>…</tag>` element, in document order.
pub fn all<'a>(xml: &'a str, tag: &str) -> impl Iterator<Item = &'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut rest = xml;
    std::iter::from_fn(move || {
        let start = rest.find(&open)? + open.len();
        let len = rest[start..].find(&close)?;
        let text = &rest[start..start + len];
        rest = &rest[start + len..];
        Some(text)
    })
}

/// The text of the first element, or an error quoting the response.
pub fn require<'a>(xml: &'a str, tag: &str) -> anyhow::Result<&'a str> {
    first(xml, tag).ok_or_else(|| {
        anyhow!(
            "no <{tag}> in response: {}",
            xml.chars().take(300).collect::<String>()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_elements_in_order() {
        let xml = "<a><id>x</id><b><id>y</id></b><Code>Bad</Code></a>";
        assert_eq!(first(xml, "id"), Some("x"));
        assert_eq!(all(xml, "id").collect::<Vec<_>>(), ["x", "y"]);
        assert_eq!(first(xml, "Code"), Some("Bad"));
        assert!(require(xml, "missing").is_err());
    }

    #[test]
    fn query_is_a_form_with_action_and_version() {
        let q = Query::new("DescribeVpcs").p("Filter.1.Name", "tag:a b");
        assert_eq!(
            q.body,
            "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3Aa+b"
        );
    }
}
