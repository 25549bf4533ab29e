//! Guest agents as child processes of the server: `localvpc agent --watch` inside each
//! instance's namespace (`ip netns exec`, which execs in place, so the agent is the child
//! itself), reading the instance's metadata at 169.254.169.254 as on EC2.
//!
//! An agent must never outlive its server, even one killed with SIGKILL: it asks the kernel for
//! SIGKILL when its parent dies (`PR_SET_PDEATHSIG`, see [`die_with_parent`]). The kernel
//! sends it when the *thread* that forked the child ends, so every agent is spawned from one
//! manager thread that lives as long as the server.

use crate::agents::AgentSpec;
use nix::sys::prctl::set_pdeathsig;
use nix::sys::signal::Signal;
use nix::unistd::{Pid, getppid};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

/// Set in an agent's environment to the server's PID: the agent dies with that process.
const PARENT_ENV: &str = "LOCALVPC_DIE_WITH_PARENT";

/// How often agents that exited on their own are noticed and started again.
const RESTART_EVERY: Duration = Duration::from_secs(5);

/// Called first thing by every localvpc process: one started by [`Agents`] asks for SIGKILL
/// when its parent dies, and exits at once if the parent is already gone.
pub fn die_with_parent() {
    let Some(parent) = std::env::var(PARENT_ENV)
        .ok()
        .and_then(|pid| pid.parse::<i32>().ok())
    else {
        return;
    };
    if set_pdeathsig(Signal::SIGKILL).is_err() || getppid() != Pid::from_raw(parent) {
        std::process::exit(0);
    }
}

/// The running agents, kept as asked by [`Agents::set`]; all are killed when this is dropped.
pub struct Agents {
    wanted: Sender<Vec<AgentSpec>>,
}

impl Agents {
    /// Starts the manager thread; agents run `executable` (this program).
    pub fn start(executable: PathBuf) -> anyhow::Result<Self> {
        let (wanted, requests) = channel();
        std::thread::Builder::new()
            .name("guest agents".into())
            .spawn(move || manage(&executable, &requests))?;
        Ok(Agents { wanted })
    }

    /// Runs exactly these agents: starts the missing ones, restarts those of another
    /// generation, kills the others.
    pub fn set(&self, wanted: Vec<AgentSpec>) {
        let _ = self.wanted.send(wanted);
    }
}

fn manage(executable: &std::path::Path, requests: &Receiver<Vec<AgentSpec>>) {
    let mut running: HashMap<String, (AgentSpec, Child)> = HashMap::new();
    let mut wanted = Vec::new();
    loop {
        match requests.recv_timeout(RESTART_EVERY) {
            Ok(latest) => wanted = latest,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        running.retain(|id, (spec, child)| {
            let keep = wanted.contains(spec) && matches!(child.try_wait(), Ok(None));
            if !keep {
                stop(id, child);
            }
            keep
        });
        for spec in &wanted {
            if running.contains_key(&spec.instance_id) {
                continue;
            }
            match spawn(executable, &spec.ns) {
                Ok(child) => {
                    tracing::debug!(
                        instance = spec.instance_id,
                        pid = child.id(),
                        "guest agent started"
                    );
                    running.insert(spec.instance_id.clone(), (spec.clone(), child));
                }
                Err(error) => {
                    tracing::warn!(
                        instance = spec.instance_id,
                        "cannot start the guest agent: {error:#}"
                    )
                }
            }
        }
    }
    for (id, (_, child)) in &mut running {
        stop(id, child);
    }
}

fn spawn(executable: &std::path::Path, ns: &str) -> std::io::Result<Child> {
    Command::new("ip")
        .args(["netns", "exec", ns])
        .arg(executable)
        .args(["agent", "--watch"])
        .env(PARENT_ENV, std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
}

fn stop(instance_id: &str, child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
    tracing::debug!(instance = instance_id, "guest agent stopped");
}
