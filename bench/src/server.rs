//! The servers under test, as child processes on free loopback ports: started with the clock
//! running (time to ready), read from /proc (memory), stopped or killed.

use crate::client::wait_ready;
use anyhow::{Context, bail};
use serde::Serialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// A free port on 127.0.0.1 (the OS picks one; the server binds it right after).
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// A process's resident memory, from `/proc/<pid>/status`.
#[derive(Clone, Copy, Serialize)]
pub struct Memory {
    /// VmRSS: resident now.
    pub rss_mib: f64,
    /// VmHWM: the most it was ever resident.
    pub peak_rss_mib: f64,
}

pub struct Server {
    child: Child,
    log: PathBuf,
    pub addr: SocketAddr,
    /// Process start to the first successful DescribeVpcs, in milliseconds.
    pub ready_ms: f64,
}

impl Server {
    /// Starts `command` (which listens on `addr`), its output going to `log`, and waits for its
    /// first successful DescribeVpcs as `account`.
    pub async fn start(
        mut command: Command,
        addr: SocketAddr,
        account: &str,
        log: &Path,
    ) -> anyhow::Result<Self> {
        let out = std::fs::File::create(log).with_context(|| format!("{}", log.display()))?;
        command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .kill_on_drop(true);
        let since = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {command:?}"))?;
        let ready_ms = tokio::select! {
            ready = wait_ready(addr, account, since) => ready?,
            status = child.wait() => bail!("{command:?} exited before it was ready ({status:?}); see {}", log.display()),
        };
        Ok(Self {
            child,
            log: log.to_owned(),
            addr,
            ready_ms,
        })
    }

    pub fn memory(&self) -> anyhow::Result<Memory> {
        let pid = self.child.id().context("server already exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| -> anyhow::Result<f64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(name))
                .with_context(|| format!("no {name} in /proc/{pid}/status"))?;
            let kib: f64 = line[name.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()?;
            Ok(kib / 1024.0)
        };
        Ok(Memory {
            rss_mib: field("VmRSS:")?,
            peak_rss_mib: field("VmHWM:")?,
        })
    }

    /// SIGTERM, then SIGKILL if it has not exited within 10 s.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await?;
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            eprintln!(
                "server did not stop on SIGTERM; killing it (log: {})",
                self.log.display()
            );
            self.child.kill().await?;
        }
        Ok(())
    }

    /// SIGKILL: the process gets no chance to flush anything.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}
