//! Test support: a guest network namespace with veth "ENIs", a fake IMDS, and running the agent.

#![allow(dead_code)] // each test binary uses its own part of this module

pub mod fake_imds;

use clap::Parser;
use fake_imds::{Eni, Instance};
use localvpc_agent::AgentArgs;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// Whether this process may create network namespaces; the namespace tests skip otherwise.
pub fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Returns from the test, with a message saying why, when not running as root. The message goes
/// straight to stderr: libtest would swallow `eprintln!` from a passing test.
#[macro_export]
macro_rules! require_root {
    () => {
        if !common::is_root() {
            use std::io::Write as _;
            let message =
                "skipping: this test needs root to create network namespaces (CI runs as root)";
            let _ = writeln!(std::io::stderr(), "{}: {message}", module_path!());
            return;
        }
    };
}

/// Runs `ip` with `args`, panicking with its stderr when it fails; returns stdout.
pub fn ip(args: &[&str]) -> String {
    let out = Command::new("ip")
        .args(args)
        .output()
        .expect("ip (iproute2) is installed");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A named network namespace, deleted (with every interface in it) when dropped — also when the
/// test panics.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(role: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("lvtest-{role}-{:x}{n}", nanos ^ std::process::id());
        ip(&["netns", "add", &name]);
        Netns { name }
    }

    /// `ip -n <ns> <args>`.
    pub fn ip(&self, args: &[&str]) -> String {
        ip(&[&["-n", &self.name], args].concat())
    }

    pub fn json(&self, args: &[&str]) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ip(&[&["-j"], args].concat())).unwrap()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// A guest namespace whose interfaces are veth ends; their peers live in a second throwaway
/// namespace, so nothing touches the host's own interfaces or routes.
pub struct Guest {
    pub ns: Netns,
    peers: Netns,
}

impl Guest {
    pub fn new() -> Self {
        Guest {
            ns: Netns::new("guest"),
            peers: Netns::new("peer"),
        }
    }

    /// Hot-plugs an interface with an ENI's MAC (down, unconfigured, carrier on).
    pub fn plug(&self, name: &str, mac: &str) {
        let peer = format!("p-{name}");
        self.ns.ip(&[
            "link",
            "add",
            name,
            "address",
            mac,
            "type",
            "veth",
            "peer",
            "name",
            &peer,
            "netns",
            &self.peers.name,
        ]);
        self.peers.ip(&["link", "set", &peer, "up"]);
    }

    pub fn unplug(&self, name: &str) {
        self.ns.ip(&["link", "del", name]);
    }

    /// The agent's arguments for this guest: `--netns` it, metadata from `imds_url`, and `flags`.
    pub fn args(&self, imds_url: &str, flags: &[&str]) -> AgentArgs {
        let argv = [
            &["agent", "--netns", &self.ns.name, "--imds-url", imds_url],
            flags,
        ]
        .concat();
        AgentArgs::try_parse_from(argv).unwrap()
    }

    /// Runs the agent on this guest, returning (changes, report).
    pub fn agent(&self, imds_url: &str, flags: &[&str]) -> anyhow::Result<(usize, String)> {
        let mut out = Vec::new();
        let changes = localvpc_agent::run(&self.args(imds_url, flags), &mut out)?;
        Ok((changes, String::from_utf8(out)?))
    }

    /// IPv4 addresses as `eth1 10.0.2.21/32 noprefixroute`, sorted.
    pub fn addresses(&self) -> Vec<String> {
        let mut out = Vec::new();
        for link in self.ns.json(&["-4", "addr"]) {
            for a in link["addr_info"].as_array().unwrap() {
                let flag = if a["noprefixroute"] == true {
                    " noprefixroute"
                } else {
                    ""
                };
                out.push(format!(
                    "{} {}/{}{flag}",
                    link["ifname"].as_str().unwrap(),
                    a["local"].as_str().unwrap(),
                    a["prefixlen"]
                ));
            }
        }
        out.sort();
        out
    }

    /// `ip rule` as `10001: from 10.0.2.20 lookup 10001 proto 167`, in priority order.
    pub fn rules(&self) -> Vec<String> {
        let rules = self.ns.json(&["rule"]);
        rules
            .iter()
            .map(|r| {
                format!(
                    "{}: from {} lookup {}{}",
                    r["priority"],
                    text(r, "src"),
                    text(r, "table"),
                    opt(r, "protocol", " proto")
                )
            })
            .collect()
    }

    /// IPv4 unicast routes of every table but `local`, as `ip route` prints them, sorted.
    pub fn routes(&self) -> Vec<String> {
        let mut out: Vec<String> = (self
            .ns
            .json(&["-4", "route", "show", "table", "all"])
            .iter())
        .filter(|r| r["table"] != "local")
        .map(|r| {
            let dst = text(r, "dst");
            let (via, dev, table) = (
                opt(r, "gateway", " via"),
                text(r, "dev"),
                opt(r, "table", " table"),
            );
            let (proto, scope, src, metric) = (
                opt(r, "protocol", " proto"),
                opt(r, "scope", " scope"),
                opt(r, "prefsrc", " src"),
                opt(r, "metric", " metric"),
            );
            let flags: Vec<_> = r["flags"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| format!(" {}", f.as_str().unwrap()))
                .collect();
            format!(
                "{dst}{via} dev {dev}{table}{proto}{scope}{src}{metric}{}",
                flags.concat()
            )
        })
        .collect();
        out.sort();
        out
    }
}

fn text(v: &serde_json::Value, key: &str) -> String {
    match &v[key] {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// ` <label> <value>` when `key` is present, else nothing.
fn opt(v: &serde_json::Value, key: &str, label: &str) -> String {
    if v[key].is_null() {
        String::new()
    } else {
        format!("{label} {}", text(v, key))
    }
}

/// Seed 003: eth0 in 10.0.1.0/24; eth1 (device 1) in 10.0.2.0/24 with a secondary IP and an EIP.
pub fn seed_003() -> Instance {
    let eni = |mac, id, device_number, private_ips, subnet_cidr, public_ips| Eni {
        mac,
        id,
        device_number,
        network_card: None,
        private_ips,
        subnet_id: "subnet-0a",
        subnet_cidr,
        public_ips,
    };
    Instance {
        id: "i-0a7d93ca612a28ee0",
        vpc_cidr: "10.0.0.0/16",
        enis: vec![
            eni(
                "02:00:00:00:01:0a",
                "eni-0a",
                0,
                vec!["10.0.1.10"],
                "10.0.1.0/24",
                vec![],
            ),
            eni(
                "02:00:00:00:02:14",
                "eni-14",
                1,
                vec!["10.0.2.20", "10.0.2.21"],
                "10.0.2.0/24",
                vec![("203.0.113.5", "10.0.2.20")],
            ),
        ],
        tokens_required: true,
    }
}

/// Seed 001: one ENI (launched as device 0) at 192.168.1.100 with secondary .101, an EIP on each.
pub fn seed_001() -> Instance {
    Instance {
        id: "i-4fce234d",
        vpc_cidr: "192.168.1.0/24",
        enis: vec![Eni {
            mac: "06:16:62:3a:1c:a1",
            id: "eni-b7b0b6de",
            device_number: 0,
            network_card: None,
            private_ips: vec!["192.168.1.100", "192.168.1.101"],
            subnet_id: "subnet-8dabade4",
            subnet_cidr: "192.168.1.0/24",
            public_ips: vec![
                ("203.0.113.148", "192.168.1.100"),
                ("203.0.113.173", "192.168.1.101"),
            ],
        }],
        tokens_required: false,
    }
}
