//! `localvpc agent`: configures a Linux guest's network from instance metadata the way
//! amazon-ec2-net-utils v2 does on EC2 — every ENI's interface (found by MAC) up with its
//! addresses, and per-ENI policy routing (`docs/ARCHITECTURE.md`, `guest-routing.md` §2).
//!
//! The pieces: [`imds`] reads the metadata, [`plan`] turns it and the observed state into
//! changes (pure), [`system::System`] applies them — over netlink in [`netlink`], the only
//! module that talks to Linux — or [`networkd`] renders them as files.

pub mod imds;
pub mod metadata;
mod netlink;
mod networkd;
mod plan;
mod reconcile;
mod state;
mod system;

use anyhow::Context;
use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Configure this guest's ENIs from instance metadata, like amazon-ec2-net-utils v2.
#[derive(Parser, Debug)]
#[command(name = "agent")]
pub struct AgentArgs {
    /// Apply once and exit (the default).
    #[arg(long, conflicts_with = "watch")]
    pub once: bool,
    /// Keep reconciling every --interval seconds, like net-utils' refresh timer: picks up
    /// attached and detached ENIs and assigned and unassigned IPs.
    #[arg(long)]
    pub watch: bool,
    /// Seconds between two reconciliations with --watch.
    #[arg(long, default_value_t = 60, requires = "watch", value_parser = clap::value_parser!(u64).range(1..))]
    pub interval: u64,
    /// Print the plan as `ip` commands and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write configuration files for this network manager into --output instead of applying.
    #[arg(long, value_enum, requires = "output", conflicts_with_all = ["watch", "dry_run"])]
    pub render: Option<Renderer>,
    /// Directory the --render files go to (net-utils uses /run/systemd/network).
    #[arg(long, requires = "render")]
    pub output: Option<PathBuf>,
    /// Instance metadata endpoint; on localvpc e.g. http://127.0.0.1:4566/_localvpc/imds/i-….
    #[arg(
        long,
        default_value = "http://169.254.169.254",
        env = "LOCALVPC_IMDS_URL"
    )]
    pub imds_url: String,
    /// Use IMDSv1 (no session token).
    #[arg(long)]
    pub imds_v1: bool,
    /// Configure the named network namespace (/var/run/netns/NAME) instead of this one. The
    /// link-local metadata address (the default) is the guest's own, so it is reached from
    /// inside that namespace (a localvpc instance's IMDS); any other --imds-url from here.
    #[arg(long)]
    pub netns: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Renderer {
    /// systemd-networkd `.network` files and drop-ins.
    Networkd,
}

/// Runs the agent, writing its report to `out`. Returns how many changes were made (planned
/// with --dry-run, files written or removed with --render); with --watch it only returns on error.
pub fn run(args: &AgentArgs, out: &mut dyn Write) -> anyhow::Result<usize> {
    let imds = imds::ImdsClient::new(&args.imds_url, !args.imds_v1);
    let netns = match args.netns.as_deref() {
        Some(name) if imds::is_link_local(&args.imds_url) => {
            netlink::enter(name)?;
            None
        }
        other => other,
    };
    let mut system = netlink::NetlinkSystem::open(netns)?;
    if let (Some(Renderer::Networkd), Some(dir)) = (args.render, &args.output) {
        return render(&imds, &mut system, dir, out);
    }
    if !args.watch {
        return once(args, &imds, &mut system, out);
    }
    loop {
        // Quiet while nothing changes; a failed round (IMDS down, a refused change) is reported
        // and retried at the next tick.
        let mut report = Vec::new();
        match once(args, &imds, &mut system, &mut report) {
            Ok(0) => tracing::debug!("no changes"),
            Ok(_) => out.write_all(&report)?,
            Err(error) => {
                out.write_all(&report)?;
                tracing::warn!("{error:#}");
            }
        }
        out.flush()?;
        std::thread::sleep(Duration::from_secs(args.interval));
    }
}

fn once(
    args: &AgentArgs,
    imds: &imds::ImdsClient,
    system: &mut dyn system::System,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let meta = imds.fetch()?;
    let outcome = reconcile::reconcile(&meta, system, args.dry_run)?;
    outcome.report(out, args.netns.as_deref(), args.dry_run)?;
    let failed = outcome.failures.len();
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} changes failed",
        outcome.changes.len()
    );
    Ok(outcome.changes.len())
}

fn render(
    imds: &imds::ImdsClient,
    system: &mut dyn system::System,
    dir: &std::path::Path,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let meta = imds.fetch()?;
    let links = system.read()?.links;
    let files = networkd::render(&plan::plan(&meta, &links));
    let done = networkd::write(dir, &files)
        .with_context(|| format!("rendering into {}", dir.display()))?;
    for line in &done {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{} files changed in {}", done.len(), dir.display())?;
    Ok(done.len())
}
