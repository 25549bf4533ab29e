//! `localvpc-bench`: localvpc against moto's server, side by side in one run (`compare`), the
//! hello-world ceiling server (`hello`), and a plain load against any running endpoint (`load`,
//! for profiling). See bench/README.md.

mod client;
mod compare;
mod hello;
mod load;
mod report;
mod server;
mod workload;

use clap::{Parser, Subcommand};
use client::Client;
use load::Settings;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "localvpc-bench",
    about = "Benchmarks localvpc against moto's server."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The whole comparison: prints the table, writes <out>/results.json.
    Compare {
        /// localvpc's release binary.
        #[arg(long, default_value = "target/release/localvpc")]
        localvpc: PathBuf,
        /// moto's server script, in a venv whose `python` sits beside it.
        #[arg(long, default_value = "bench/.venv/bin/moto_server")]
        moto_server: PathBuf,
        #[arg(long, default_value = "bench/out")]
        out: PathBuf,
        #[command(flatten)]
        load: LoadArgs,
        /// W4's interface count.
        #[arg(long, default_value_t = 100_000)]
        interfaces: usize,
        /// W4's clients (1: p50 is one call's service time, not a queue).
        #[arg(long, default_value_t = 1)]
        w4_concurrency: usize,
        /// Report the seeding rate every this many interfaces.
        #[arg(long, default_value_t = 10_000)]
        chunk: usize,
        /// Seed moto with W4's interfaces too and run W4 on it (takes long).
        #[arg(long)]
        moto_w4: bool,
    },
    /// The hello-world server on localvpc's HTTP stack (the ceiling).
    Hello {
        #[arg(long)]
        listen: SocketAddr,
    },
    /// W1/W4's DescribeNetworkInterfaces load against a running server, after seeding
    /// `--interfaces` interfaces into `--account` (unless `--no-seed`): tagged as W1's, or
    /// placed by address as W4's with `--by-address`.
    Load {
        #[arg(long)]
        endpoint: SocketAddr,
        #[arg(long, default_value = "555555555555")]
        account: String,
        #[arg(long, default_value_t = 100)]
        interfaces: usize,
        /// The account already holds its interfaces (a data dir seeded by an earlier run).
        #[arg(long)]
        no_seed: bool,
        #[arg(long)]
        by_address: bool,
        #[command(flatten)]
        load: LoadArgs,
    },
}

#[derive(clap::Args)]
struct LoadArgs {
    /// Virtual clients, each on its own keep-alive connection.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Seconds of warm-up before each measured window.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Seconds measured per workload and server.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Threads of the load generator (1: it takes at most one of the machine's cores).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
}

impl LoadArgs {
    fn settings(&self) -> Settings {
        Settings {
            concurrency: self.concurrency,
            warmup: Duration::from_secs_f64(self.warmup),
            duration: Duration::from_secs_f64(self.duration),
        }
    }

    fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        if self.client_threads <= 1 {
            tokio::runtime::Builder::new_current_thread()
        } else {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(self.client_threads);
            b
        }
        .enable_all()
        .build()
    }
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Hello { listen } => hello::serve(listen),
        Command::Compare {
            localvpc,
            moto_server,
            out,
            load,
            interfaces,
            w4_concurrency,
            chunk,
            moto_w4,
        } => {
            let opts = compare::Options {
                localvpc,
                moto_server,
                out,
                settings: load.settings(),
                interfaces,
                w4_concurrency,
                chunk,
                moto_w4,
            };
            let results = load.runtime()?.block_on(compare::run(&opts))?;
            std::fs::create_dir_all(&opts.out)?;
            let json = opts.out.join("results.json");
            std::fs::write(&json, serde_json::to_string_pretty(&results)?)?;
            println!("{}", results.table());
            println!("results: {}", json.display());
            Ok(())
        }
        Command::Load {
            endpoint,
            account,
            interfaces,
            no_seed,
            by_address,
            load,
        } => load.runtime()?.block_on(async {
            let blocks = ["10.0.0.0/16", "10.1.0.0/16"];
            let subnets = workload::subnets_of(&blocks, 16);
            let marking = if by_address {
                workload::Marking::Address(subnets.clone())
            } else {
                workload::Marking::Tag("load")
            };
            if !no_seed {
                let mut client = Client::new(endpoint, &account);
                let net = workload::network(&mut client, &blocks, &subnets).await?;
                let stop = Arc::new(AtomicBool::new(false));
                workload::create_interfaces(
                    endpoint,
                    &account,
                    &net,
                    &marking,
                    0..interfaces,
                    load.concurrency,
                    stop,
                )
                .await?;
                eprintln!("seeded {interfaces} interfaces into account {account}");
            }
            if load.duration > 0.0 {
                let describe = workload::Workload::DescribeOne {
                    marking,
                    count: interfaces,
                };
                let outcome = load::drive(endpoint, &account, describe, load.settings()).await;
                println!("{}", serde_json::to_string_pretty(&outcome)?);
            }
            Ok(())
        }),
    }
}
