//! A stand-in for localvpc's IMDS until it merges: serves one instance's metadata at
//! `http://127.0.0.1:<port>/_localvpc/imds/<id>/latest/…` with the tree and semantics of
//! `shared/spec/imds.md` (listings with trailing `/` for directories, 404 for absent keys,
//! `local-ipv4s` primary first, IMDSv2 tokens with a 1–21600 s TTL and 401 without one when
//! tokens are required). The instance can be changed while served (attach, detach, assign).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub struct Eni {
    pub mac: &'static str,
    pub id: &'static str,
    pub device_number: u32,
    /// `Some` on multi-card instance types only: then `network-card` and `network-card-index` exist.
    pub network_card: Option<u32>,
    /// Primary first.
    pub private_ips: Vec<&'static str>,
    pub subnet_id: &'static str,
    pub subnet_cidr: &'static str,
    /// (public IP, the private IP it maps to): EIPs and auto-assigned public IPs.
    pub public_ips: Vec<(&'static str, &'static str)>,
}

pub struct Instance {
    pub id: &'static str,
    pub vpc_cidr: &'static str,
    /// In device order; device 0 first.
    pub enis: Vec<Eni>,
    /// `HttpTokens=required`.
    pub tokens_required: bool,
}

impl Instance {
    /// Every leaf under `latest/meta-data/`, by path.
    fn leaves(&self) -> BTreeMap<String, String> {
        let mut t = BTreeMap::new();
        let primary = &self.enis[0];
        let primary_ip = primary.private_ips[0];
        let hostname = format!("ip-{}.ec2.internal", primary_ip.replace('.', "-"));
        for (key, value) in [
            ("ami-id", "ami-0abcdef1234567890"),
            ("instance-id", self.id),
            ("instance-type", "m5.large"),
            ("mac", primary.mac),
            ("local-ipv4", primary_ip),
            ("local-hostname", &hostname),
            ("hostname", &hostname),
            ("placement/availability-zone", "us-east-1a"),
            ("placement/region", "us-east-1"),
            ("security-groups", "default"),
            ("services/domain", "amazonaws.com"),
        ] {
            t.insert(key.to_string(), value.to_string());
        }
        if let Some((public, _)) = primary
            .public_ips
            .iter()
            .find(|(_, private)| *private == primary_ip)
        {
            t.insert("public-ipv4".into(), public.to_string());
        }
        for eni in &self.enis {
            let dir = format!("network/interfaces/macs/{}/", eni.mac);
            let mut put = |key: &str, value: String| t.insert(format!("{dir}{key}"), value);
            put("device-number", eni.device_number.to_string());
            if let Some(card) = eni.network_card {
                put("network-card", card.to_string());
                put("network-card-index", card.to_string());
            }
            put("interface-id", eni.id.into());
            put("mac", eni.mac.into());
            put("owner-id", "000000000000".into());
            put(
                "local-hostname",
                format!("ip-{}.ec2.internal", eni.private_ips[0].replace('.', "-")),
            );
            put("local-ipv4s", eni.private_ips.join("\n"));
            put("security-group-ids", "sg-0123456789abcdef0".into());
            put("security-groups", "default".into());
            put("subnet-id", eni.subnet_id.into());
            put("subnet-ipv4-cidr-block", eni.subnet_cidr.into());
            put("vpc-id", "vpc-0123456789abcdef0".into());
            put("vpc-ipv4-cidr-block", self.vpc_cidr.into());
            put("vpc-ipv4-cidr-blocks", self.vpc_cidr.into());
            if !eni.public_ips.is_empty() {
                put(
                    "public-ipv4s",
                    eni.public_ips
                        .iter()
                        .map(|(public, _)| *public)
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
                for (public, private) in &eni.public_ips {
                    put(&format!("ipv4-associations/{public}"), private.to_string());
                }
            }
        }
        t
    }
}

/// A running fake IMDS; stops accepting when dropped.
pub struct FakeImds {
    /// What `--imds-url` takes: `http://127.0.0.1:<port>/_localvpc/imds/<id>`.
    pub url: String,
    pub instance: Arc<Mutex<Instance>>,
    addr: std::net::SocketAddr,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl FakeImds {
    pub fn start(instance: Instance) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let url = format!("http://{addr}/_localvpc/imds/{}", instance.id);
        let instance = Arc::new(Mutex::new(instance));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (shared, stopping) = (instance.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut tokens = Vec::new();
            for stream in listener.incoming() {
                if stopping.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                if let Ok(stream) = stream {
                    serve(stream, &shared.lock().unwrap(), &mut tokens);
                }
            }
        });
        FakeImds {
            url,
            instance,
            addr,
            stop,
        }
    }

    /// Changes the served instance (the next GET sees it).
    pub fn update(&self, change: impl FnOnce(&mut Instance)) {
        change(&mut self.instance.lock().unwrap());
    }
}

impl Drop for FakeImds {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
    }
}

/// Answers one request and closes the connection.
fn serve(mut stream: TcpStream, instance: &Instance, tokens: &mut Vec<String>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap_or_default();
    let mut headers = BTreeMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let prefix = format!("/_localvpc/imds/{}/latest/", instance.id);
    let (status, body, extra) = match (method, target.strip_prefix(&prefix)) {
        ("PUT", Some("api/token")) => {
            let ttl = headers
                .get("x-aws-ec2-metadata-token-ttl-seconds")
                .and_then(|v| v.parse::<u32>().ok());
            match ttl.filter(|t| (1..=21600).contains(t)) {
                Some(ttl) => {
                    let token = format!("token-{}-{ttl}", tokens.len());
                    tokens.push(token.clone());
                    (
                        200,
                        token,
                        format!("X-aws-ec2-metadata-token-ttl-seconds: {ttl}\r\n"),
                    )
                }
                None => (400, String::new(), String::new()),
            }
        }
        ("GET", Some(path)) => match headers.get("x-aws-ec2-metadata-token") {
            Some(token) if !tokens.contains(token) => (401, String::new(), String::new()),
            None if instance.tokens_required => (401, String::new(), String::new()),
            _ => match path
                .strip_prefix("meta-data/")
                .and_then(|p| lookup(&instance.leaves(), p))
            {
                Some(body) => (200, body, String::new()),
                None => (404, String::new(), String::new()),
            },
        },
        _ => (404, String::new(), String::new()),
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

/// A leaf's value, or a directory's listing (children one a line, sub-directories with `/`).
fn lookup(leaves: &BTreeMap<String, String>, path: &str) -> Option<String> {
    if let Some(value) = leaves.get(path) {
        return Some(value.clone());
    }
    let dir = match path {
        "" => String::new(),
        _ => format!("{}/", path.trim_end_matches('/')),
    };
    let mut children: Vec<String> = Vec::new();
    for key in leaves.keys().filter_map(|k| k.strip_prefix(&dir)) {
        let child = match key.split_once('/') {
            Some((sub, _)) => format!("{sub}/"),
            None => key.to_string(),
        };
        if !children.contains(&child) {
            children.push(child);
        }
    }
    (!children.is_empty()).then(|| children.join("\n"))
}
