//! `localvpc`: AWS EC2 VPC networking, centred on ENIs, on one machine.

mod client;
mod guest;
mod lint;
mod log_format;
mod why;

use anyhow::Context;
use clap::{Parser, Subcommand};
use localvpc_model::Quotas;
use localvpc_server::{AfterChange, AppState, Auth, Config, Console, Keyring, OpenError};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

mod what_is_my_ip;

#[derive(Parser)]
#[command(
    name = "localvpc",
    version,
    about = "AWS EC2 VPC networking, centred on ENIs, on one machine."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the EC2 Query API (use with `aws --endpoint-url http://127.0.0.1:4566 ec2 …`).
    #[command(
        after_help = "Exit codes: 0 stopped; 64 --database is not a PostgreSQL URL; \
65 the store's schema is newer than this localvpc; 69 the database is unreachable at start-up; \
73 the data dir cannot be written; 74 the data dir is full; 75 another server holds the data \
dir; 1 anything else."
    )]
    Serve(ServeArgs),
    /// Configure this guest's ENIs from instance metadata, like amazon-ec2-net-utils v2.
    Agent(localvpc_agent::AgentArgs),
    /// Manage the data plane (the network namespaces `serve --dataplane` builds).
    #[command(subcommand)]
    Dataplane(DataplaneCommand),
    /// Run a command inside an instance's network namespace, or `internet` for the namespace
    /// beyond every internet gateway (needs `serve --dataplane`).
    Exec(ExecArgs),
    /// Explain whether a packet from SRC reaches DST, hop by hop, and what would let it through
    /// (asks the running server; exit 0 reachable, 1 not, 2 bad input).
    Why(why::WhyArgs),
    /// Check the caller's network for the seeds' pitfalls and AWS's best practices (asks the
    /// running server; exit 1 when a finding reaches --fail-on, 2 on error).
    Lint(lint::LintArgs),
}

#[derive(Subcommand)]
enum DataplaneCommand {
    /// Remove every namespace and link the data plane created (all named `lvpc-…`).
    Down,
}

#[derive(clap::Args)]
struct ExecArgs {
    /// The instance, e.g. i-0123456789abcdef0, or `internet`.
    instance_id: String,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:4566", env = "LOCALVPC_LISTEN")]
    listen: SocketAddr,
    /// Where the SQLite database lives (default: the per-user data directory, e.g.
    /// ~/.local/share/localvpc). One server per data dir.
    #[arg(long, env = "LOCALVPC_DATA_DIR", conflicts_with = "database")]
    data_dir: Option<PathBuf>,
    /// A PostgreSQL database instead of the data dir, e.g. postgres://user:password@host/db (a
    /// Unix socket directory as the host, percent-encoded: postgres://user@%2Frun%2Fpostgresql/db).
    /// Any number of servers may share one database and act as one EC2.
    #[arg(long, env = "LOCALVPC_DATABASE")]
    database: Option<String>,
    /// TOML configuration file (a `[quotas]` table raises AWS's default quotas).
    #[arg(long, env = "LOCALVPC_CONFIG")]
    config: Option<PathBuf>,
    /// Build the real network: instances as network namespaces, ENIs as veth pairs, a router
    /// namespace per VPC, reconciled after every change (needs root).
    #[arg(long)]
    dataplane: bool,
    /// With --dataplane: remove the network (as `localvpc dataplane down`) when the server
    /// stops. By default it stays, and the next `serve --dataplane` adopts it.
    #[arg(long, requires = "dataplane")]
    down_on_exit: bool,
    /// With --dataplane: every so many seconds, read the whole network and repair what a guest
    /// or an administrator changed behind localvpc's back (API calls read only what they change).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..), requires = "dataplane")]
    resync_seconds: u64,
    /// `off`: any credentials, the account is a 12-digit access key; `verify`: check SigV4
    /// signatures against --credentials.
    #[arg(long, value_enum, default_value_t = AuthMode::Off, env = "LOCALVPC_AUTH")]
    auth: AuthMode,
    /// AWS shared-credentials file whose profiles (`aws_access_key_id`, `aws_secret_access_key`,
    /// `aws_account_id`) are the keys `--auth verify` accepts.
    #[arg(long, env = "LOCALVPC_CREDENTIALS")]
    credentials: Option<PathBuf>,
    /// How long a Reachability Analyzer analysis shows `running` before its outcome (computed
    /// at Start either way), for testing pollers.
    #[arg(long, default_value_t = 0)]
    analysis_delay_ms: u64,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum AuthMode {
    Off,
    Verify,
}

fn load_auth(mode: AuthMode, credentials: Option<&Path>) -> anyhow::Result<Auth> {
    match (mode, credentials) {
        (AuthMode::Off, _) => Ok(Auth::Off),
        (AuthMode::Verify, None) => anyhow::bail!("--auth verify needs --credentials FILE"),
        (AuthMode::Verify, Some(path)) => Ok(Auth::Verify(
            Keyring::load(path).map_err(anyhow::Error::msg)?,
        )),
    }
}

/// The configuration file's shape.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    quotas: Quotas,
    /// CIDR blocks public IPv4 addresses (auto-assigned and Elastic IPs) are drawn from.
    #[serde(default, rename = "public-ip-pool")]
    public_ip_pool: Option<Vec<ipnet::Ipv4Net>>,
    /// The block (a /56 or larger) Amazon-provided VPC IPv6 blocks are drawn from.
    #[serde(default, rename = "ipv6-pool")]
    ipv6_pool: Option<ipnet::Ipv6Net>,
}

fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let file: ConfigFile =
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))?;
    let default = Config::default();
    Ok(Config {
        quotas: file.quotas,
        public_ip_pool: file.public_ip_pool.unwrap_or(default.public_ip_pool),
        ipv6_pool: file.ipv6_pool.unwrap_or(default.ipv6_pool),
        ..default
    })
}

fn main() -> std::process::ExitCode {
    localvpc_dataplane::die_with_parent();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("LOCALVPC_LOG").unwrap_or_else(|_| {
            EnvFilter::new("warn,localvpc=info,localvpc_server=info,localvpc_store=info")
        }))
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in a file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .event_format(log_format::WithRequest)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Agent(args) => localvpc_agent::run(&args, &mut std::io::stdout().lock()).map(drop),
        Command::Dataplane(DataplaneCommand::Down) => dataplane_down(),
        Command::Why(args) => return why::run(args),
        Command::Lint(args) => return lint::run(args),
        Command::Exec(args) => {
            let ns = match args.instance_id.as_str() {
                "internet" => localvpc_dataplane::model::routing::INTERNET_NS.to_owned(),
                id => localvpc_dataplane::model::guest_ns(id),
            };
            match localvpc_dataplane::exec(&ns, &args.command) {
                Ok(code) => return std::process::ExitCode::from(code.clamp(0, 255) as u8),
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("localvpc: {e:#}");
            exit_code(&e)
        }
    }
}

/// Distinct exit codes (from sysexits.h) for the store's failures, so scripts can tell
/// "another server has it" from "fix the disk" from "upgrade localvpc" from "start the
/// database"; 1 for anything else (listed in `serve --help`).
fn exit_code(e: &anyhow::Error) -> std::process::ExitCode {
    std::process::ExitCode::from(match e.downcast_ref::<OpenError>() {
        Some(OpenError::Locked(..)) => 75,         // EX_TEMPFAIL
        Some(OpenError::NewerSchema { .. }) => 65, // EX_DATAERR
        Some(OpenError::Unwritable(..)) => 73,     // EX_CANTCREAT
        Some(OpenError::Full(..)) => 74,           // EX_IOERR
        Some(OpenError::BadUrl(..)) => 64,         // EX_USAGE
        Some(OpenError::Unreachable(..)) => 69,    // EX_UNAVAILABLE
        Some(OpenError::Sqlite(..) | OpenError::Postgres(..)) | None => 1,
    })
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if args.dataplane {
        localvpc_dataplane::check_privileges()?;
    }
    let mut config = load_config(args.config.as_deref())?;
    config.analysis_delay_ms = args.analysis_delay_ms;
    let auth = load_auth(args.auth, args.credentials.as_deref())?;
    let store = match (&args.database, args.data_dir) {
        (Some(url), _) => localvpc_server::connect_store(url)?,
        (None, dir) => {
            let dir = match dir {
                Some(d) => d,
                None => dirs::data_local_dir()
                    .context("no per-user data directory; pass --data-dir")?
                    .join("localvpc"),
            };
            localvpc_server::open_store(&dir)?
        }
    };
    let store_name = store.location();
    localvpc_server::share_imds_token_key(&store).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let (after_change, topologies, resync, what_is_my_ip) = if args.dataplane {
        let (hook, topologies, sync) = dataplane_hook(&store)?;
        (
            Some(hook),
            Some(topologies),
            Some(sync),
            Some(what_is_my_ip::bind()?),
        )
    } else {
        (None, None, None, None)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        for listener in what_is_my_ip.into_iter().flatten() {
            tokio::spawn(async move {
                if let Err(error) = what_is_my_ip::serve(listener).await {
                    tracing::warn!("what-is-my-IP service: {error:#}");
                }
            });
        }
        let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
        let console = if args.dataplane {
            Console::with_guest(Box::new(|id| {
                localvpc_dataplane::network_view(&localvpc_dataplane::model::guest_ns(id))
                    .map_err(|e| format!("{e:#}"))
            }))
        } else {
            Console::default()
        };
        let guests: Option<localvpc_server::GuestReader> = args.dataplane.then(|| {
            Box::new(|id: &str| {
                localvpc_dataplane::guest_state(&localvpc_dataplane::model::guest_ns(id)).map_err(|e| format!("{e:#}"))
            }) as localvpc_server::GuestReader
        });
        let state = Arc::new(AppState { store, config, after_change, auth, console, guests });
        if let Some(topologies) = topologies {
            tokio::spawn(guest::run(state.clone(), topologies));
        }
        if let Some(sync) = resync {
            let period = std::time::Duration::from_secs(args.resync_seconds);
            tokio::spawn(resync_periodically(state.clone(), sync, period));
        }
        tracing::info!(listen = %listener.local_addr()?, store = %store_name, version = env!("CARGO_PKG_VERSION"), "localvpc ready");
        localvpc_server::serve(listener, state, shutdown_signal()).await?;
        tracing::info!("localvpc stopped");
        anyhow::Ok(())
    })?;
    if args.down_on_exit {
        dataplane_down()?;
    }
    Ok(())
}

/// The topology of each reconciliation, for the guest services.
type Topologies = watch::Receiver<Arc<localvpc_dataplane::model::Topology>>;

/// The running data plane and where its topologies are published.
struct DataplaneSync {
    dataplane: localvpc_dataplane::Dataplane,
    publish: watch::Sender<Arc<localvpc_dataplane::model::Topology>>,
}

impl DataplaneSync {
    /// Reconciles (`whole`: after reading the whole host) and publishes the topology.
    fn sync(&self, store: &localvpc_store::Store, whole: bool) {
        let synced = if whole {
            self.dataplane.resync(store)
        } else {
            self.dataplane.sync(store)
        };
        match synced {
            Ok(0) => {}
            Ok(changes) => tracing::debug!(changes, whole, "data plane reconciled"),
            Err(error) => tracing::warn!("data plane: {error:#}"),
        }
        self.publish.send_replace(self.dataplane.topology());
    }
}

/// Starts the data plane: adopts (or builds) the network for the current state at once, then
/// reconciles synchronously after every change, so the network matches each API answer, and
/// publishes each topology for the guest services ([`guest`]).
fn dataplane_hook(
    store: &localvpc_store::Store,
) -> anyhow::Result<(AfterChange, Topologies, Arc<DataplaneSync>)> {
    let dataplane = localvpc_dataplane::Dataplane::new()?;
    let changes = dataplane.sync(store).context("data plane start-up")?;
    tracing::info!(changes, "data plane ready");
    let (publish, topologies) = watch::channel(dataplane.topology());
    let sync = Arc::new(DataplaneSync { dataplane, publish });
    let after_change = sync.clone();
    let hook: AfterChange = Box::new(move |store| after_change.sync(store, false));
    Ok((hook, topologies, sync))
}

/// Every `period`, reads the whole host and repairs it.
async fn resync_periodically(
    state: Arc<AppState>,
    sync: Arc<DataplaneSync>,
    period: std::time::Duration,
) {
    loop {
        tokio::time::sleep(period).await;
        let (state, sync) = (state.clone(), sync.clone());
        let _ = tokio::task::spawn_blocking(move || sync.sync(&state.store, true)).await;
    }
}

fn dataplane_down() -> anyhow::Result<()> {
    localvpc_dataplane::check_privileges()?;
    let removed = localvpc_dataplane::down()?;
    println!("removed {} namespaces", removed.len());
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
}
