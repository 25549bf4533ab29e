//! The whole comparison, in one run: the hello-world ceiling, then localvpc and moto one after
//! the other under W1–W3 with the same seed, then localvpc alone at W4's 100k interfaces (the
//! create rate as it grows, durability under SIGKILL, ready time on the big data dir).

use crate::client::{Client, Query, all};
use crate::load::{Outcome, Settings, drive};
use crate::report::{
    Chunk, Durability, Machine, MemoryResults, Ready, Results, Seeding, WorkloadResult,
};
use crate::server::{Memory, Server, free_addr};
use crate::workload::{
    self, Marking, Network, Workload, address_capacity, create_interfaces, launch_instances,
    subnets_of,
};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::process::Command;

/// One account per workload, so each runs against exactly its own seed on localvpc (moto keeps
/// every caller in one default account; its workloads only add to one another's state).
const W1_ACCOUNT: &str = "111111111111";
const W2_ACCOUNT: &str = "222222222222";
const W3_ACCOUNT: &str = "333333333333";
const W4_ACCOUNT: &str = "444444444444";
/// Tagged interfaces W1 filters among.
const W1_INTERFACES: usize = 100;
const W1_MARKING: Marking = Marking::Tag("w1");
/// W4's VPC: two /16 blocks, each cut into sixteen /20 subnets.
const W4_BLOCKS: [&str; 2] = ["10.0.0.0/16", "10.1.0.0/16"];
/// How long CreateNetworkInterface runs before the SIGKILL of the durability check.
const DURABILITY_WINDOW: Duration = Duration::from_secs(2);

pub struct Options {
    pub localvpc: PathBuf,
    pub moto_server: PathBuf,
    pub out: PathBuf,
    pub settings: Settings,
    /// W4's interface count.
    pub interfaces: usize,
    /// W4's clients: 1 by default, so p50 is the service time of one call rather than the
    /// queue behind localvpc's single database connection.
    pub w4_concurrency: usize,
    /// Seeding reports the create rate every this many interfaces.
    pub chunk: usize,
    /// Seed moto with W4's interfaces too (slow: minutes per 10k).
    pub moto_w4: bool,
}

/// A progress line, stamped with the time since the run began.
fn say(since: Instant, what: &str) {
    eprintln!("[{:7.1}s] {what}", since.elapsed().as_secs_f64());
}

pub async fn run(opts: &Options) -> anyhow::Result<Results> {
    let t = Instant::now();
    let logs = opts.out.join("logs");
    std::fs::create_dir_all(&logs)?;
    let data = tempfile::tempdir()?;
    let load_average_before = load_average();
    let s = opts.settings;
    say(
        t,
        &format!(
            "{} clients, {:?} warm-up + {:?} per workload and server; server logs in {}",
            s.concurrency,
            s.warmup,
            s.duration,
            logs.display()
        ),
    );

    say(t, "ceiling: hello-world server (axum) under W1's requests");
    let addr = free_addr()?;
    let mut command = Command::new(std::env::current_exe()?);
    command.arg("hello").arg("--listen").arg(addr.to_string());
    let hello = Server::start(command, addr, W1_ACCOUNT, &logs.join("hello.log")).await?;
    let ceiling = drive(hello.addr, W1_ACCOUNT, w1(), s).await;
    say(t, &format!("  {:.0} req/s", ceiling.requests_per_s));
    hello.stop().await?;

    let small = data.path().join("small");
    say(t, "localvpc: start on a fresh data dir");
    let lv = start_localvpc(opts, &small, None, W1_ACCOUNT, &logs).await?;
    let fresh_ms = lv.ready_ms;
    let localvpc_idle = started(t, &lv)?;
    let lv_runs = w1_to_w3(t, "localvpc", lv.addr, s).await?;
    let localvpc_after_w1_w3 = lv.memory()?;
    lv.stop().await?;
    let lv = start_localvpc(opts, &small, None, W1_ACCOUNT, &logs).await?;
    let existing_ms = lv.ready_ms;
    let localvpc_idle_existing_dir = lv.memory()?;
    say(
        t,
        &format!("localvpc: restarted on the same data dir, ready in {existing_ms:.1} ms"),
    );
    lv.stop().await?;

    say(t, "moto: start");
    let addr = free_addr()?;
    let mut command = Command::new(&opts.moto_server);
    command.args(["-H", "127.0.0.1", "-p", &addr.port().to_string()]);
    let moto = Server::start(command, addr, W1_ACCOUNT, &logs.join("moto.log")).await?;
    let moto_ready = moto.ready_ms;
    let moto_idle = started(t, &moto)?;
    let moto_runs = w1_to_w3(t, "moto", moto.addr, s).await?;
    let moto_after_w1_w3 = moto.memory()?;
    let moto_w4 = if opts.moto_w4 {
        say(t, &format!("moto: W4 over {} interfaces", opts.interfaces));
        Ok(w4(t, opts, &moto).await?.outcome)
    } else {
        Err(format!(
            "seeding {} interfaces at moto's {:.0} CreateNetworkInterface/s (measured seeding W1) would take about {:.1} min; --moto-w4 runs it",
            opts.interfaces,
            moto_runs.create_rate,
            opts.interfaces as f64 / moto_runs.create_rate / 60.0
        ))
    };
    moto.stop().await?;

    let big = data.path().join("big");
    say(t, "localvpc: start on a fresh data dir for W4");
    // The quota lets the partition fill W4's whole address space: seeding, then durability.
    let config = data.path().join("localvpc.toml");
    let quota = address_capacity(&subnets_of(&W4_BLOCKS, 16));
    std::fs::write(
        &config,
        format!("[quotas]\nnetwork-interfaces-per-region = {quota}\n"),
    )?;
    let lv = start_localvpc(opts, &big, Some(&config), W4_ACCOUNT, &logs).await?;
    let big_run = w4(t, opts, &lv).await?;
    let localvpc_after_w4 = lv.memory()?;

    let (durability, big_ms) = durability(t, opts, lv, &big_run.net, &big, &config, &logs).await?;

    let workloads = vec![
        WorkloadResult::new(
            "W1",
            "DescribeNetworkInterfaces, tag filter, 100 ENIs".into(),
            lv_runs.w1,
            Ok(moto_runs.w1),
            &ceiling,
        ),
        WorkloadResult::new(
            "W2",
            "ENI life cycle (5 calls)".into(),
            lv_runs.w2,
            Ok(moto_runs.w2),
            &ceiling,
        ),
        WorkloadResult::new(
            "W3",
            "RunInstances (2 ENIs) + TerminateInstances".into(),
            lv_runs.w3,
            Ok(moto_runs.w3),
            &ceiling,
        ),
        WorkloadResult::new(
            "W4",
            format!(
                "DescribeNetworkInterfaces, address filter, {} ENIs",
                opts.interfaces
            ),
            big_run.outcome,
            moto_w4,
            &ceiling,
        ),
    ];
    let mut results = Results {
        generated_at: chrono::Utc::now().to_rfc3339(),
        machine: Machine {
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            load_average_before,
            load_average_after: load_average(),
        },
        settings: s,
        moto_version: moto_version(&opts.moto_server).await,
        workloads,
        ceiling,
        ready_ms: Ready {
            localvpc_fresh_dir: fresh_ms,
            localvpc_existing_dir: existing_ms,
            localvpc_existing_dir_w4: big_ms,
            moto: moto_ready,
        },
        memory: MemoryResults {
            localvpc_idle,
            localvpc_idle_existing_dir,
            localvpc_after_w1_w3,
            localvpc_w4_seeded: big_run.seeded_memory,
            localvpc_after_w4,
            moto_idle,
            moto_after_w1_w3,
        },
        seeding: big_run.seeding,
        durability,
        targets: Vec::new(),
    };
    results.judge();
    say(t, "done");
    Ok(results)
}

/// Reads a server's idle memory just after it became ready, and says both.
fn started(t: Instant, server: &Server) -> anyhow::Result<Memory> {
    let memory = server.memory()?;
    say(
        t,
        &format!(
            "  ready in {:.1} ms, idle RSS {:.1} MiB",
            server.ready_ms, memory.rss_mib
        ),
    );
    Ok(memory)
}

fn w1() -> Workload {
    Workload::DescribeOne {
        marking: W1_MARKING,
        count: W1_INTERFACES,
    }
}

/// W1–W3 on one server, and the create rate seen while seeding W1.
struct SmallRuns {
    w1: Outcome,
    w2: Outcome,
    w3: Outcome,
    create_rate: f64,
}

async fn w1_to_w3(
    t: Instant,
    server: &str,
    addr: SocketAddr,
    s: Settings,
) -> anyhow::Result<SmallRuns> {
    let block = ["10.0.0.0/16"];
    let mut client = Client::new(addr, W1_ACCOUNT);
    let net = workload::network(&mut client, &block, &subnets_of(&block, 1)).await?;
    let start = Instant::now();
    let no_stop = Arc::new(AtomicBool::new(false));
    create_interfaces(
        addr,
        W1_ACCOUNT,
        &net,
        &W1_MARKING,
        0..W1_INTERFACES,
        1,
        no_stop,
    )
    .await?;
    let create_rate = W1_INTERFACES as f64 / start.elapsed().as_secs_f64();
    say(
        t,
        &format!("{server}: seeded {W1_INTERFACES} tagged ENIs ({create_rate:.0}/s); W1"),
    );
    let w1 = report(t, drive(addr, W1_ACCOUNT, w1(), s).await);

    say(
        t,
        &format!("{server}: W2, one instance per client to attach to"),
    );
    let mut client = Client::new(addr, W2_ACCOUNT);
    let net = workload::network(&mut client, &block, &subnets_of(&block, 1)).await?;
    let instances = launch_instances(&mut client, &net, s.concurrency).await?;
    let w2 = report(
        t,
        drive(
            addr,
            W2_ACCOUNT,
            Workload::InterfaceLifeCycle { net, instances },
            s,
        )
        .await,
    );

    say(t, &format!("{server}: W3"));
    let mut client = Client::new(addr, W3_ACCOUNT);
    let net = workload::network(&mut client, &block, &subnets_of(&block, 1)).await?;
    let w3 = report(
        t,
        drive(addr, W3_ACCOUNT, Workload::LaunchTerminate { net }, s).await,
    );
    Ok(SmallRuns {
        w1,
        w2,
        w3,
        create_rate,
    })
}

fn report(t: Instant, o: Outcome) -> Outcome {
    say(
        t,
        &format!(
            "  {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors{}",
            o.requests_per_s,
            o.p50_ms,
            o.p99_ms,
            o.errors,
            o.first_error
                .as_deref()
                .map_or(String::new(), |e| format!(" (first: {e})"))
        ),
    );
    o
}

/// W4's interfaces are told apart by address (see [`Marking::Address`]).
fn w4_marking() -> Marking {
    Marking::Address(subnets_of(&W4_BLOCKS, 16))
}

/// W4 on one server: its outcome, how seeding went, the memory right after seeding, and the
/// network the interfaces live in.
struct W4Run {
    outcome: Outcome,
    seeding: Seeding,
    seeded_memory: Memory,
    net: Network,
}

/// Seeds W4's interfaces (two /16 blocks of /20 subnets), chunk by chunk, then drives W4.
async fn w4(t: Instant, opts: &Options, server: &Server) -> anyhow::Result<W4Run> {
    let mut client = Client::new(server.addr, W4_ACCOUNT);
    let net = workload::network(&mut client, &W4_BLOCKS, &subnets_of(&W4_BLOCKS, 16)).await?;
    let concurrency = opts.settings.concurrency;
    let start = Instant::now();
    let mut chunks = Vec::new();
    let no_stop = Arc::new(AtomicBool::new(false));
    for from in (0..opts.interfaces).step_by(opts.chunk) {
        let to = (from + opts.chunk).min(opts.interfaces);
        let chunk_start = Instant::now();
        create_interfaces(
            server.addr,
            W4_ACCOUNT,
            &net,
            &w4_marking(),
            from..to,
            concurrency,
            Arc::clone(&no_stop),
        )
        .await?;
        let rate = (to - from) as f64 / chunk_start.elapsed().as_secs_f64();
        say(t, &format!("  seeded {to} ENIs ({rate:.0} creates/s)"));
        chunks.push(Chunk {
            interfaces_before: from,
            interfaces_after: to,
            creates_per_s: rate,
        });
    }
    let seeding = Seeding {
        interfaces: opts.interfaces,
        concurrency,
        seconds: start.elapsed().as_secs_f64(),
        chunks,
    };
    let seeded_memory = server.memory()?;
    say(
        t,
        &format!("  RSS {:.1} MiB after seeding; W4", seeded_memory.rss_mib),
    );
    let outcome = report(
        t,
        drive(
            server.addr,
            W4_ACCOUNT,
            Workload::DescribeOne {
                marking: w4_marking(),
                count: opts.interfaces,
            },
            Settings {
                concurrency: opts.w4_concurrency,
                ..opts.settings
            },
        )
        .await,
    );
    Ok(W4Run {
        outcome,
        seeding,
        seeded_memory,
        net,
    })
}

/// CreateNetworkInterface at full speed on `lv` for [`DURABILITY_WINDOW`], SIGKILL, restart on
/// the same data dir, and count the acknowledged interfaces that are gone. Also returns the
/// restart's time to ready.
async fn durability(
    t: Instant,
    opts: &Options,
    lv: Server,
    net: &Network,
    dir: &Path,
    config: &Path,
    logs: &Path,
) -> anyhow::Result<(Durability, f64)> {
    say(
        t,
        &format!("durability: CreateNetworkInterface for {DURABILITY_WINDOW:?}, then SIGKILL"),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let creating = tokio::spawn({
        let (addr, stop, net) = (lv.addr, Arc::clone(&stop), net.clone());
        let (from, concurrency) = (opts.interfaces, opts.settings.concurrency);
        async move {
            let to = address_capacity(&subnets_of(&W4_BLOCKS, 16));
            create_interfaces(
                addr,
                W4_ACCOUNT,
                &net,
                &w4_marking(),
                from..to,
                concurrency,
                stop,
            )
            .await
        }
    });
    tokio::time::sleep(DURABILITY_WINDOW).await;
    stop.store(true, Ordering::SeqCst);
    lv.kill().await?;
    let acked = creating.await??;
    let lv = start_localvpc(opts, dir, Some(config), W4_ACCOUNT, logs).await?;
    let ready_ms = lv.ready_ms;
    say(
        t,
        &format!(
            "  {} acknowledged; restarted on the data dir with {}k ENIs, ready in {ready_ms:.1} ms",
            acked.len(),
            opts.interfaces / 1000
        ),
    );
    let missing = missing(lv.addr, &acked).await?;
    say(t, &format!("  {missing} acknowledged interfaces missing"));
    lv.stop().await?;
    let durability = Durability {
        seconds: DURABILITY_WINDOW.as_secs_f64(),
        creates_per_s: acked.len() as f64 / DURABILITY_WINDOW.as_secs_f64(),
        acknowledged: acked.len(),
        missing_after_restart: missing,
    };
    Ok((durability, ready_ms))
}

/// Starts localvpc (release build) on `dir`, ready when `account` gets an answer to
/// DescribeVpcs (on an existing dir, an account it holds: a new one is provisioned first).
async fn start_localvpc(
    opts: &Options,
    dir: &Path,
    config: Option<&Path>,
    account: &str,
    logs: &Path,
) -> anyhow::Result<Server> {
    let addr = free_addr()?;
    let mut command = Command::new(&opts.localvpc);
    command
        .arg("serve")
        .arg("--listen")
        .arg(addr.to_string())
        .arg("--data-dir")
        .arg(dir)
        .env_remove("LOCALVPC_LOG");
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    Server::start(command, addr, account, &logs.join("localvpc.log")).await
}

/// How many of `acked` a DescribeNetworkInterfaces (filtered by ID, 1000 at a time) no longer
/// finds.
async fn missing(addr: SocketAddr, acked: &[String]) -> anyhow::Result<usize> {
    let mut client = Client::new(addr, W4_ACCOUNT);
    let mut missing = 0;
    for batch in acked.chunks(1000) {
        let query = batch.iter().enumerate().fold(
            Query::new("DescribeNetworkInterfaces").p("Filter.1.Name", "network-interface-id"),
            |q, (i, id)| q.p(&format!("Filter.1.Value.{}", i + 1), id),
        );
        let xml = client.call(query).await?;
        let found: HashSet<&str> = all(&xml, "networkInterfaceId").collect();
        missing += batch
            .iter()
            .filter(|id| !found.contains(id.as_str()))
            .count();
    }
    Ok(missing)
}

async fn moto_version(moto_server: &Path) -> String {
    let python = moto_server.with_file_name("python");
    let out = Command::new(python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('moto'))",
        ])
        .output()
        .await;
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        _ => "unknown".into(),
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
