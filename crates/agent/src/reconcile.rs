//! One reconciliation: read the guest, plan from metadata, apply the changes (or only list them),
//! and describe what happened for a person.

use crate::metadata::GuestMetadata;
use crate::plan::{EniConfig, Plan, plan};
use crate::state::Change;
use crate::system::System;
use std::io::{self, Write};

pub struct Outcome {
    pub plan: Plan,
    /// Every change the plan called for, applied or (in a dry run) not.
    pub changes: Vec<Change>,
    /// The changes the system refused, with its reason; the others were applied.
    pub failures: Vec<(Change, anyhow::Error)>,
}

/// Brings the guest to the state `meta` asks for; with `dry_run`, only computes the changes.
/// A refused change does not stop the others: each is independent once ordered.
pub fn reconcile(
    meta: &GuestMetadata,
    system: &mut dyn System,
    dry_run: bool,
) -> anyhow::Result<Outcome> {
    let current = system.read()?;
    let plan = plan(meta, &current.links);
    let changes = plan.changes(&current);
    let mut failures = Vec::new();
    if !dry_run {
        for change in &changes {
            tracing::debug!(%change, "applying");
            if let Err(error) = system.apply(change) {
                failures.push((change.clone(), error));
            }
        }
    }
    Ok(Outcome {
        plan,
        changes,
        failures,
    })
}

impl Outcome {
    /// The ENIs as configured, what was skipped, then the changes as `ip` commands.
    pub fn report(
        &self,
        out: &mut dyn Write,
        netns: Option<&str>,
        dry_run: bool,
    ) -> io::Result<()> {
        for eni in &self.plan.enis {
            writeln!(out, "{}", describe(eni))?;
        }
        for (mac, reason) in &self.plan.skipped {
            writeln!(out, "skipped ENI {mac}: {reason}")?;
        }
        let n = self.changes.len();
        match (n, dry_run) {
            (0, _) => writeln!(
                out,
                "0 changes: the guest already matches instance metadata"
            )?,
            (_, true) => writeln!(out, "{n} changes planned (dry run, nothing applied):")?,
            (_, false) => writeln!(out, "{n} changes:")?,
        }
        for change in &self.changes {
            match self.failures.iter().find(|(c, _)| c == change) {
                Some((_, error)) => writeln!(out, "  FAILED {}: {error:#}", change.command(netns))?,
                None => writeln!(out, "  {}", change.command(netns))?,
            }
        }
        Ok(())
    }
}

/// `eth1 02:…:14 device 1 card 0: table 10001, metric 513, 10.0.2.20/24 10.0.2.21/32`
fn describe(eni: &EniConfig) -> String {
    let role = match eni.table {
        Some(table) => format!("table {table}"),
        None => "primary (main table only)".to_string(),
    };
    let addresses: Vec<_> = eni
        .addresses()
        .iter()
        .map(|a| format!("{}/{}", a.ip, a.prefix))
        .collect();
    let addresses = if addresses.is_empty() {
        "no IPv4".to_string()
    } else {
        addresses.join(" ")
    };
    format!(
        "{} {} device {} card {}: {role}, metric {}, {addresses}",
        eni.dev.name, eni.mac, eni.device_number, eni.network_card, eni.metric
    )
}
