//! Reading [`GuestMetadata`] from the instance metadata service (`imds.md`).
//!
//! Plain HTTP/1.1 with ureq: IMDS has no TLS. IMDSv2 by default — one token per fetch
//! (`PUT /latest/api/token`, TTL 60 s like net-utils) sent as `X-aws-ec2-metadata-token` on
//! every GET — or IMDSv1 (no token) when asked. Proxies from the environment are ignored: the
//! metadata service is always reached directly.

use crate::metadata::{GuestMetadata, InterfaceMetadata, Mac};
use anyhow::{Context, bail};
use std::time::Duration;

/// Token lifetime requested; a fetch takes well under a second.
const TOKEN_TTL_SECONDS: &str = "60";
/// IMDS answers locally; anything slower is a dead endpoint, not a busy one.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Whether `url`'s host is an IPv4 link-local address (EC2's 169.254.169.254): one only the
/// guest itself can reach.
pub fn is_link_local(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    host.parse::<std::net::Ipv4Addr>()
        .is_ok_and(|ip| ip.is_link_local())
}

/// A client for one instance's metadata service.
pub struct ImdsClient {
    agent: ureq::Agent,
    /// `http://169.254.169.254`, or localvpc's `http://127.0.0.1:4566/_localvpc/imds/i-…`.
    base: String,
    use_tokens: bool,
}

impl ImdsClient {
    pub fn new(base_url: &str, use_tokens: bool) -> Self {
        let agent = ureq::Agent::config_builder()
            .proxy(None)
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .build()
            .into();
        ImdsClient {
            agent,
            base: base_url.trim_end_matches('/').to_string(),
            use_tokens,
        }
    }

    /// Reads the whole tree the agent needs, with a fresh session token when using IMDSv2.
    pub fn fetch(&self) -> anyhow::Result<GuestMetadata> {
        let token = if self.use_tokens {
            Some(self.token()?)
        } else {
            None
        };
        read_metadata(&mut |path| self.get(token.as_deref(), path))
    }

    fn token(&self) -> anyhow::Result<String> {
        let url = format!("{}/latest/api/token", self.base);
        let mut response = self
            .agent
            .put(&url)
            .header("X-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL_SECONDS)
            .send_empty()
            .with_context(|| format!("IMDS unreachable: PUT {url}"))?;
        let status = response.status();
        if !status.is_success() {
            bail!(
                "IMDSv2 token refused: PUT {url} answered {status} (use --imds-v1 to skip tokens)"
            );
        }
        Ok(response.body_mut().read_to_string()?.trim().to_string())
    }

    /// GETs `latest/meta-data/<path>`: `Some(body)`, or `None` for 404 (an absent key).
    fn get(&self, token: Option<&str>, path: &str) -> anyhow::Result<Option<String>> {
        let url = format!("{}/latest/meta-data/{path}", self.base);
        let mut request = self.agent.get(&url);
        if let Some(token) = token {
            request = request.header("X-aws-ec2-metadata-token", token);
        }
        let mut response = request
            .call()
            .with_context(|| format!("IMDS unreachable: GET {url}"))?;
        match response.status().as_u16() {
            200 => Ok(Some(response.body_mut().read_to_string()?)),
            404 => Ok(None),
            401 if token.is_none() => bail!("GET {url}: 401, this instance requires IMDSv2 tokens"),
            status => bail!("GET {url} answered {status}"),
        }
    }
}

/// A metadata GET relative to `latest/meta-data/`: `Ok(None)` means 404.
type Get<'a> = dyn FnMut(&str) -> anyhow::Result<Option<String>> + 'a;

/// Walks the metadata tree the way net-utils does: top-level `mac`, then every
/// `network/interfaces/macs/<mac>/` with its `device-number`, `network-card`, `local-ipv4s`,
/// `subnet-ipv4-cidr-block` and `ipv4-prefix`.
pub fn read_metadata(get: &mut Get) -> anyhow::Result<GuestMetadata> {
    let primary_mac = parse_value("mac", &required(get, "mac")?)?;
    let macs = required(get, "network/interfaces/macs/")?;
    let mut interfaces = Vec::new();
    for entry in lines(&macs) {
        let mac: Mac = parse_value("network/interfaces/macs/", entry.trim_end_matches('/'))?;
        let dir = format!("network/interfaces/macs/{mac}/");
        let device_number = parse_value(
            "device-number",
            &required(get, &format!("{dir}device-number"))?,
        )?;
        let network_card = match get(&format!("{dir}network-card"))? {
            Some(v) => parse_value("network-card", &v)?,
            None => 0,
        };
        let local_ipv4s = parse_list(get, &format!("{dir}local-ipv4s"))?;
        let subnet = match get(&format!("{dir}subnet-ipv4-cidr-block"))? {
            Some(v) => Some(parse_value("subnet-ipv4-cidr-block", &v)?),
            None => None,
        };
        let ipv4_prefixes = parse_list(get, &format!("{dir}ipv4-prefix"))?;
        interfaces.push(InterfaceMetadata {
            mac,
            device_number,
            network_card,
            local_ipv4s,
            subnet,
            ipv4_prefixes,
        });
    }
    Ok(GuestMetadata {
        primary_mac,
        interfaces,
    })
}

fn required(get: &mut Get, path: &str) -> anyhow::Result<String> {
    get(path)?.with_context(|| format!("IMDS has no {path}"))
}

/// The non-empty lines of a listing or multi-valued leaf (whether the last carries a `\n` varies).
fn lines(body: &str) -> impl Iterator<Item = &str> {
    body.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn parse_value<T: std::str::FromStr>(key: &str, value: &str) -> anyhow::Result<T> {
    value
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("IMDS {key}: unexpected value {value:?}"))
}

/// A multi-valued leaf; absent (404) means none.
fn parse_list<T: std::str::FromStr>(get: &mut Get, path: &str) -> anyhow::Result<Vec<T>> {
    let body = get(path)?.unwrap_or_default();
    lines(&body).map(|l| parse_value(path, l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_local_endpoint_is_the_guests() {
        assert!(is_link_local("http://169.254.169.254"));
        assert!(is_link_local("http://169.254.169.254:80/"));
        assert!(!is_link_local(
            "http://127.0.0.1:4566/_localvpc/imds/i-0123"
        ));
        assert!(!is_link_local("http://metadata.internal/"));
    }
    use std::collections::HashMap;

    fn read(tree: &[(&str, &str)]) -> anyhow::Result<GuestMetadata> {
        let tree: HashMap<_, _> = tree.iter().copied().collect();
        read_metadata(&mut |path| Ok(tree.get(path).map(|v| v.to_string())))
    }

    #[test]
    fn reads_every_interface_with_defaults_for_absent_keys() {
        let meta = read(&[
            ("mac", "02:00:00:00:01:0a"),
            (
                "network/interfaces/macs/",
                "02:00:00:00:01:0a/\n02:00:00:00:02:14/",
            ),
            (
                "network/interfaces/macs/02:00:00:00:01:0a/device-number",
                "0",
            ),
            (
                "network/interfaces/macs/02:00:00:00:01:0a/local-ipv4s",
                "10.0.1.10",
            ),
            (
                "network/interfaces/macs/02:00:00:00:01:0a/subnet-ipv4-cidr-block",
                "10.0.1.0/24",
            ),
            (
                "network/interfaces/macs/02:00:00:00:02:14/device-number",
                "1",
            ),
            (
                "network/interfaces/macs/02:00:00:00:02:14/network-card",
                "1",
            ),
            (
                "network/interfaces/macs/02:00:00:00:02:14/local-ipv4s",
                "10.0.2.20\n10.0.2.21\n",
            ),
            (
                "network/interfaces/macs/02:00:00:00:02:14/ipv4-prefix",
                "10.0.2.208/28",
            ),
        ])
        .unwrap();
        assert_eq!(meta.primary_mac.to_string(), "02:00:00:00:01:0a");
        let [eth0, eth1] = &meta.interfaces[..] else {
            panic!("{meta:?}")
        };
        assert_eq!((eth0.device_number, eth0.network_card), (0, 0));
        assert_eq!(eth0.subnet, Some("10.0.1.0/24".parse().unwrap()));
        assert!(eth0.ipv4_prefixes.is_empty());
        assert_eq!((eth1.device_number, eth1.network_card), (1, 1));
        assert_eq!(
            eth1.local_ipv4s,
            [
                "10.0.2.20".parse::<std::net::Ipv4Addr>().unwrap(),
                "10.0.2.21".parse().unwrap()
            ]
        );
        assert_eq!(
            eth1.subnet, None,
            "IPv6-only subnet: no subnet-ipv4-cidr-block"
        );
        assert_eq!(
            eth1.ipv4_prefixes,
            ["10.0.2.208/28".parse::<ipnet::Ipv4Net>().unwrap()]
        );
    }

    #[test]
    fn missing_or_malformed_required_keys_are_errors() {
        let err = read(&[("mac", "02:00:00:00:01:0a")]).unwrap_err();
        assert_eq!(err.to_string(), "IMDS has no network/interfaces/macs/");
        let err = read(&[
            ("mac", "02:00:00:00:01:0a"),
            ("network/interfaces/macs/", "02:00:00:00:01:0a/"),
            (
                "network/interfaces/macs/02:00:00:00:01:0a/device-number",
                "zero",
            ),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "IMDS device-number: unexpected value \"zero\""
        );
    }
}
