//! [`Host`] on Linux: every call localvpc's data plane makes to the system is in this file.
//!
//! Namespaces, links, addresses and routes go through iproute2 (`ip netns`, `ip -n NS …`,
//! JSON output for reads): `ip netns add` also sets up the bind mount under /var/run/netns that
//! other tools (and `localvpc agent --netns`) find namespaces by. Every command names its
//! namespace with `-n`, and veth pairs are created inside the instance's namespace with the
//! peer sent straight to the router's, so nothing is ever created in the host's namespace.
//! Sysctls are written from a thread that has joined the namespace (`setns` moves only the
//! calling thread; /proc/sys/net shows the calling thread's namespace).

pub mod agents;
mod apply;
pub mod guest;
mod iproute;
pub mod resolver;

use crate::host::{Change, Host, HostState, Link, NsState};
use crate::model::PREFIX;
use crate::model::routing::INTERNET_NS;

/// Router namespaces' names begin so ([`crate::model::router_ns`]).
const ROUTER_NS_PREFIX: &str = "lvpc-r-";
use crate::nft::TABLE_PREFIX;
use anyhow::Context;
use iproute::{in_main_table, is_gone, link, neighbour, route, rule, table_route};
use nix::sched::{CloneFlags, setns};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Where `ip netns add` puts named namespaces.
const NETNS_DIR: &str = "/var/run/netns";

pub struct LinuxHost;

/// CAP_NET_ADMIN (links, routes) and CAP_SYS_ADMIN (namespaces) in the effective set.
pub fn check_privileges() -> anyhow::Result<()> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let caps = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .unwrap_or(0);
    const NET_ADMIN: u64 = 1 << 12;
    const SYS_ADMIN: u64 = 1 << 21;
    anyhow::ensure!(
        caps & (NET_ADMIN | SYS_ADMIN) == NET_ADMIN | SYS_ADMIN,
        "the data plane needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to create network namespaces"
    );
    Ok(())
}

/// `nft` runs: without it no filter table could be installed and the network would run without
/// security groups, ACLs or source/dest check, so the data plane refuses to start.
pub fn check_nftables() -> anyhow::Result<()> {
    nft(&["--version"], "")
        .map(drop)
        .context("the data plane enforces security groups with nftables")
}

/// Runs `ip ARGS…`, failing with its error message.
fn ip(args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .context("cannot run `ip` (install iproute2)")?;
    anyhow::ensure!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Like [`ip`], for a deletion: something already gone is not an error.
fn ip_del(args: &[&str]) -> anyhow::Result<()> {
    match ip(args) {
        Err(e) if is_gone(&e.to_string()) => Ok(()),
        other => other.map(drop),
    }
}

/// Runs several `ip` commands in one process (`ip -j -n NS -batch -`): one JSON document each.
fn json_batch(ns: &str, commands: &[&str]) -> anyhow::Result<Vec<Vec<Value>>> {
    let out = run_with_input("ip", &["-j", "-n", ns, "-batch", "-"], &commands.join("\n"))?;
    anyhow::ensure!(
        out.status.success(),
        "ip -n {ns} -batch: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let documents = serde_json::Deserializer::from_slice(&out.stdout).into_iter::<Vec<Value>>();
    let documents = documents.collect::<Result<Vec<_>, _>>()?;
    anyhow::ensure!(
        documents.len() == commands.len(),
        "ip -n {ns} -batch: short output"
    );
    Ok(documents)
}

/// Runs `f` on a thread that has joined the named network namespace.
fn in_netns<T: Send>(ns: &str, f: impl FnOnce() -> anyhow::Result<T> + Send) -> anyhow::Result<T> {
    let file = std::fs::File::open(format!("{NETNS_DIR}/{ns}"))
        .with_context(|| format!("no network namespace {ns}"))?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                setns(&file, CloneFlags::CLONE_NEWNET)
                    .with_context(|| format!("cannot enter network namespace {ns}"))?;
                f()
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

const FORWARDING: &str = "/proc/sys/net/ipv4/ip_forward";
const FORWARDING6: &str = "/proc/sys/net/ipv6/conf/all/forwarding";
const PROXY_ARP: &str = "/proc/sys/net/ipv4/conf/all/proxy_arp";

/// A link's proxy ARP delay (per link only: `neigh/default` exists in the host's namespace alone).
fn proxy_delay(link: &str) -> String {
    format!("/proc/sys/net/ipv4/neigh/{link}/proxy_delay")
}

/// Reverse-path filtering for the namespace's links (`all`) and those created later
/// (`default`): off in routers, where the filter table checks sources per ENI. A new namespace
/// inherits the host's values, which may be strict.
const RP_FILTER: [&str; 2] = [
    "/proc/sys/net/ipv4/conf/all/rp_filter",
    "/proc/sys/net/ipv4/conf/default/rp_filter",
];

/// localvpc's namespaces, by name.
pub fn namespaces() -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    let entries = match std::fs::read_dir(NETNS_DIR) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
        other => other?,
    };
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with(PREFIX) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// What is in a namespace; its nftables tables only `with_tables` (one `nft` process more).
fn read_ns(ns: &str, with_tables: bool) -> anyhow::Result<NsState> {
    // `route show table all` lists both families (`table main` IPv4 only); a batch line cannot
    // ask for IPv6 rules, which only routers and the internet have.
    let commands = [
        "addr show",
        "neigh show nud permanent",
        "rule show",
        "route show table all",
    ];
    let [addresses, neighbours, rules, all_routes]: [Vec<Value>; 4] = json_batch(ns, &commands)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("ip -n {ns} -batch: unexpected output"))?;
    let rules6: Vec<Value> = if ns.starts_with(ROUTER_NS_PREFIX) || ns == INTERNET_NS {
        serde_json::from_str(&ip(&["-j", "-6", "-n", ns, "rule", "show"])?)?
    } else {
        Vec::new()
    };
    let mut links: Vec<Link> = addresses.iter().map(link).collect();
    let routes = all_routes
        .iter()
        .filter(|r| in_main_table(r) && r["protocol"].as_str() != Some("kernel"))
        .filter_map(route)
        .collect();
    let neighbours = neighbours.iter().filter_map(neighbour).collect();
    let names: Vec<String> = links.iter().map(|l| l.name.clone()).collect();
    let (routing, sysctls, tables) = in_netns(ns, || {
        let is = |path: String, value: &str| {
            std::fs::read_to_string(path).is_ok_and(|v| v.trim() == value)
        };
        let routing = is(FORWARDING.into(), "1")
            && is(FORWARDING6.into(), "1")
            && is(PROXY_ARP.into(), "1")
            && RP_FILTER.iter().all(|path| is((*path).into(), "0"));
        let read = |name: &String| is(proxy_delay(name), "0");
        let sysctls = names.iter().map(read).collect::<Vec<_>>();
        let tables = if with_tables {
            nft_tables()?
        } else {
            BTreeMap::new()
        };
        Ok((routing, sysctls, tables))
    })?;
    for (link, prompt) in links.iter_mut().zip(sysctls) {
        link.prompt_proxy_arp = prompt;
    }
    Ok(NsState {
        links,
        routes,
        neighbours,
        routing,
        tables,
        rules: (rules.iter().filter_map(|r| rule(r, false)))
            .chain(rules6.iter().filter_map(|r| rule(r, true)))
            .collect(),
        table_routes: all_routes.iter().filter_map(table_route).collect(),
    })
}

/// Runs `program ARGS…` with `input` on its standard input and waits for it, whatever its exit
/// status (the caller judges it). Naming the Debian package when the program is missing.
fn run_with_input(program: &str, args: &[&str], input: &str) -> anyhow::Result<Output> {
    let package = match program {
        "nft" => "nftables",
        _ => "iproute2",
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run `{program}` (install {package})"))?;
    let mut stdin = child.stdin.take().context("no stdin")?;
    stdin.write_all(input.as_bytes())?;
    drop(stdin);
    Ok(child.wait_with_output()?)
}

/// Runs `nft ARGS…` in the calling thread's namespace, `stdin` as its input.
fn nft(args: &[&str], stdin: &str) -> anyhow::Result<String> {
    let out = run_with_input("nft", args, stdin)?;
    anyhow::ensure!(
        out.status.success(),
        "nft {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// localvpc's tables in the calling thread's namespace, with the fingerprints their
/// `fp_<hex>` chains record. Without nft installed there are none.
fn nft_tables() -> anyhow::Result<BTreeMap<String, u64>> {
    let mut tables = BTreeMap::new();
    let listing = match nft(&["-j", "list", "chains", "inet"], "") {
        Err(e) if e.to_string().contains("install nftables") => return Ok(tables),
        other => other?,
    };
    let listing: Value = serde_json::from_str(&listing).context("nft -j list chains")?;
    let objects = listing["nftables"].as_array().into_iter().flatten();
    for chain in objects.filter_map(|o| o.get("chain")) {
        let (Some(table), Some(name)) = (chain["table"].as_str(), chain["name"].as_str()) else {
            continue;
        };
        let fingerprint = name
            .strip_prefix("fp_")
            .and_then(|hex| u64::from_str_radix(hex, 16).ok());
        if let (true, Some(fingerprint)) = (table.starts_with(TABLE_PREFIX), fingerprint) {
            tables.insert(table.to_owned(), fingerprint);
        }
    }
    Ok(tables)
}

impl Host for LinuxHost {
    fn read(&mut self) -> anyhow::Result<HostState> {
        let mut state = HostState::default();
        for ns in namespaces()? {
            match read_ns(&ns, true) {
                Ok(read) => _ = state.namespaces.insert(ns, read),
                // Removed since it was listed (the read may run beside a reconciliation).
                Err(_) if !std::path::Path::new(NETNS_DIR).join(&ns).exists() => {}
                Err(error) => return Err(error.context(format!("reading namespace {ns}"))),
            }
        }
        Ok(state)
    }

    fn read_namespace(&mut self, ns: &str) -> anyhow::Result<Option<NsState>> {
        if !std::path::Path::new(NETNS_DIR).join(ns).exists() {
            return Ok(None);
        }
        read_ns(ns, false).map(Some)
    }

    fn apply(&mut self, change: &Change) -> anyhow::Result<()> {
        if let Some(command) = apply::ip_command(change) {
            let mut results = apply::run_batch(command.ns, &[command]);
            return results.remove(0);
        }
        match change {
            Change::AddNamespace(ns) => ip(&["netns", "add", ns]).map(drop),
            Change::DelNamespace(ns) => ip_del(&["netns", "del", ns]),
            Change::EnableRouting(ns) => in_netns(ns, || {
                std::fs::write(FORWARDING, "1")?;
                std::fs::write(FORWARDING6, "1")?;
                std::fs::write(PROXY_ARP, "1")?;
                for path in RP_FILTER {
                    std::fs::write(path, "0")?;
                }
                Ok(())
            }),
            Change::AddRule { ns, rule } | Change::DelRule { ns, rule } => {
                let verb = if matches!(change, Change::AddRule { .. }) {
                    "add"
                } else {
                    "del"
                };
                let args = iproute::rule_args(rule);
                let mut argv = vec!["-6", "-n", ns, "rule", verb];
                argv.extend(args.iter().map(String::as_str));
                if verb == "add" {
                    ip(&argv).map(drop)
                } else {
                    ip_del(&argv)
                }
            }
            Change::PromptProxyArp { ns, name } => {
                in_netns(ns, || Ok(std::fs::write(proxy_delay(name), "0")?))
            }
            Change::SetTable { ns, table } => {
                in_netns(ns, || nft(&["-f", "-"], &table.script()).map(drop))
            }
            Change::DelTable { ns, name } => in_netns(ns, || {
                let script = format!("table inet {name}\ndelete table inet {name}\n");
                nft(&["-f", "-"], &script).map(drop)
            }),
            _ => unreachable!("iproute2 makes every other change"),
        }
    }

    fn apply_all(&mut self, changes: &[Change]) -> Vec<anyhow::Result<()>> {
        apply::apply_all(self, changes)
    }
}

/// Removes every namespace localvpc made (their links go with them). Returns their names.
pub fn down() -> anyhow::Result<Vec<String>> {
    let names = namespaces()?;
    for ns in &names {
        ip_del(&["netns", "del", ns])?;
    }
    Ok(names)
}

/// Runs `argv` inside a namespace (`ip netns exec`, which also gives it that namespace's
/// /sys); returns its exit code.
pub fn exec(ns: &str, argv: &[String]) -> anyhow::Result<i32> {
    anyhow::ensure!(
        std::path::Path::new(NETNS_DIR).join(ns).exists(),
        "no network namespace {ns}: is `localvpc serve --dataplane` running, and the instance running or stopped?"
    );
    let status = Command::new("ip")
        .args(["netns", "exec", ns])
        .args(argv)
        .status()
        .context("cannot run `ip netns exec`")?;
    Ok(status.code().unwrap_or(128))
}

/// What a guest sees of its own network (the console's instance page): `ip addr`, `ip rule`
/// and `ip route` of every table, run in its namespace.
pub fn network_view(ns: &str) -> anyhow::Result<Vec<(String, String)>> {
    anyhow::ensure!(
        std::path::Path::new(NETNS_DIR).join(ns).exists(),
        "the instance has no network namespace (it is neither running nor stopped)"
    );
    let views: [&[&str]; 3] = [&["addr"], &["rule"], &["route", "show", "table", "all"]];
    views
        .iter()
        .map(|args| {
            let out = Command::new("ip")
                .args(["-n", ns])
                .args(*args)
                .output()
                .context("cannot run `ip`")?;
            let text = String::from_utf8_lossy(if out.status.success() {
                &out.stdout
            } else {
                &out.stderr
            });
            Ok((format!("ip {}", args.join(" ")), text.into_owned()))
        })
        .collect()
}

/// What the guest of namespace `ns` holds (reachability.md §3.1): links, addresses, rules and
/// routes from one `ip -4 -j -batch`, the reverse-path filter and forwarding from a thread in
/// the namespace.
pub fn guest_state(ns: &str) -> anyhow::Result<crate::guest_view::GuestState> {
    anyhow::ensure!(
        std::path::Path::new(NETNS_DIR).join(ns).exists(),
        "no network namespace {ns}"
    );
    let out = run_with_input(
        "ip",
        &["-4", "-j", "-n", ns, "-batch", "-"],
        "addr\nrule\nroute show table all",
    )?;
    anyhow::ensure!(
        out.status.success(),
        "ip -n {ns} -batch: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let documents = serde_json::Deserializer::from_slice(&out.stdout).into_iter::<Vec<Value>>();
    let documents = documents.collect::<Result<Vec<_>, _>>()?;
    let [addresses, rules, routes] = <[Vec<Value>; 3]>::try_from(documents)
        .map_err(|_| anyhow::anyhow!("ip -n {ns} -batch: short output"))?;
    let links: Vec<String> = addresses
        .iter()
        .filter_map(|l| Some(l.get("ifname")?.as_str()?.to_owned()))
        .chain(["all".to_owned()])
        .collect();
    let (filters, forward) = in_netns(ns, || {
        let read = |path: &str| std::fs::read_to_string(path).map(|v| v.trim().to_owned());
        let filters: BTreeMap<String, u8> = links
            .iter()
            .map(|l| {
                let value = read(&format!("/proc/sys/net/ipv4/conf/{l}/rp_filter"));
                (
                    l.clone(),
                    value.ok().and_then(|v| v.parse().ok()).unwrap_or(0),
                )
            })
            .collect();
        Ok((filters, read(FORWARDING)? == "1"))
    })?;
    let rp_filter = |link: &str| filters.get(link).copied().unwrap_or(0);
    Ok(crate::guest_view::GuestState::parse(
        &addresses, &rules, &routes, &rp_filter, forward,
    ))
}

/// A TCP listener inside a namespace: bound from a thread that joined it (a socket keeps the
/// namespace it was created in), to be served from anywhere in the process.
pub fn listen_in(ns: &str, address: std::net::SocketAddr) -> anyhow::Result<std::net::TcpListener> {
    in_netns(ns, || {
        let listener = std::net::TcpListener::bind(address)
            .with_context(|| format!("cannot listen on {address} in {ns}"))?;
        listener.set_nonblocking(true)?;
        Ok(listener)
    })
}
