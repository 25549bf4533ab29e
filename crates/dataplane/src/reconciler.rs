//! The reconciler with a memory: it keeps what it knows of the host between reconciliations, so
//! that one costs what changed rather than a read of every namespace (the server reconciles
//! after every API call, and a read is processes per namespace).
//!
//! The cache is exact as long as nobody but localvpc changes its namespaces: it starts from a
//! full read, and after each pass it re-reads every namespace a change named (both ends of a
//! new veth pair; a deleted pair's other end is always deleted by the same pass, see
//! [`crate::plan::removals`]). A topology equal to the last converged one needs no plan at all.
//! A failed change leaves the topology unconverged, so the next reconciliation plans again and
//! retries it (on an exact cache, since the failed change's namespace was re-read). A failed
//! read forgets the cache. What a guest or an administrator changes behind localvpc's back is
//! repaired by a full read ([`Reconciler::forget`], or [`Reconciler::adopt`] for one made
//! while reconciliations go on), which the server does periodically.
//!
//! nftables tables are not re-read: an `nft` transaction is atomic, so the cache records each
//! table's fingerprint when its change succeeded and keeps the old one when it failed.

use crate::host::{Change, Host, HostState};
use crate::model::Topology;
use crate::plan;
use anyhow::Context;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
pub struct Reconciler {
    /// The host as last read and changed; `None` before the first full read and after an error
    /// reading it.
    cache: Option<HostState>,
    /// The topology of the last reconciliation in which every change succeeded.
    converged: Option<Topology>,
    /// The namespaces re-read since [`Reconciler::begin_full_read`], while a full read runs.
    read_since: Option<BTreeSet<String>>,
}

impl Reconciler {
    /// Makes `host` match `topology`: removals planned and applied, then additions, each
    /// planned on the cache. A failed change is logged and the others still run; the error
    /// lists how many failed. Returns the number of changes made.
    pub fn reconcile(&mut self, topology: &Topology, host: &mut dyn Host) -> anyhow::Result<usize> {
        if self.cache.is_some() && self.converged.as_ref() == Some(topology) {
            return Ok(0);
        }
        self.converged = None;
        let mut state = match self.cache.take() {
            Some(state) => state,
            None => host.read()?,
        };
        let (mut done, mut failed) = (0, 0);
        for pass in [plan::removals, plan::additions] {
            let changes = pass(topology, &state);
            let mut tables = Vec::new();
            for (change, result) in changes.iter().zip(host.apply_all(&changes)) {
                match result {
                    Ok(()) => {
                        tracing::debug!(?change, "applied");
                        done += 1;
                        if matches!(change, Change::SetTable { .. } | Change::DelTable { .. }) {
                            tables.push(change);
                        }
                    }
                    Err(error) => {
                        tracing::warn!(?change, "{error:#}");
                        failed += 1;
                    }
                }
            }
            let names = touched(&changes);
            if let Some(read_since) = &mut self.read_since {
                read_since.extend(names.iter().cloned());
            }
            refresh(host, &mut state, &names)?;
            for change in tables {
                record_table(&mut state, change);
            }
        }
        self.cache = Some(state);
        anyhow::ensure!(failed == 0, "{failed} data plane changes failed");
        self.converged = Some(topology.clone());
        Ok(done)
    }

    /// Forgets what is known of the host: the next reconciliation reads all of it, and
    /// repairs whatever changed behind localvpc's back.
    pub fn forget(&mut self) {
        self.cache = None;
        self.converged = None;
        self.read_since = None;
    }

    /// Starts a full read made without holding the reconciler (it takes a while, and
    /// reconciliations go on meanwhile); [`Reconciler::adopt`] takes its result.
    pub fn begin_full_read(&mut self) {
        self.read_since = Some(BTreeSet::new());
    }

    /// Takes the full read begun by [`Reconciler::begin_full_read`] as the cache, except for
    /// the namespaces reconciliations re-read meanwhile, whose cached state is at least as
    /// recent; the next reconciliation plans on it and repairs what it finds.
    pub fn adopt(&mut self, mut read: HostState) {
        // Without a cache, the next reconciliation reads everything anyway.
        let (Some(read_since), Some(cache)) = (self.read_since.take(), &self.cache) else {
            return;
        };
        for ns in read_since {
            match cache.namespaces.get(&ns) {
                Some(current) => read.namespaces.insert(ns, current.clone()),
                None => read.namespaces.remove(&ns),
            };
        }
        self.cache = Some(read);
        self.converged = None;
    }

    #[cfg(test)]
    pub(crate) fn cache(&self) -> Option<&HostState> {
        self.cache.as_ref()
    }
}

/// The namespaces `changes` touch: each one's own, and the peer's of a new veth pair.
pub(crate) fn touched(changes: &[Change]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for change in changes {
        names.insert(change.ns().to_owned());
        if let Change::AddVeth { peer_ns, .. } = change {
            names.insert(peer_ns.clone());
        }
    }
    names
}

/// Re-reads `names` into `state`, keeping the tables it records (which are not re-read).
fn refresh(
    host: &mut dyn Host,
    state: &mut HostState,
    names: &BTreeSet<String>,
) -> anyhow::Result<()> {
    for ns in names {
        let tables: BTreeMap<String, u64> = state
            .namespaces
            .remove(ns)
            .map(|old| old.tables)
            .unwrap_or_default();
        let read = host
            .read_namespace(ns)
            .with_context(|| format!("reading namespace {ns}"))?;
        if let Some(mut fresh) = read {
            fresh.tables = tables;
            state.namespaces.insert(ns.clone(), fresh);
        }
    }
    Ok(())
}

/// Records a table change that succeeded.
fn record_table(state: &mut HostState, change: &Change) {
    match change {
        Change::SetTable { ns, table } => {
            if let Some(current) = state.namespaces.get_mut(ns) {
                current
                    .tables
                    .insert(table.name.clone(), table.fingerprint());
            }
        }
        Change::DelTable { ns, name } => {
            if let Some(current) = state.namespaces.get_mut(ns) {
                current.tables.remove(name);
            }
        }
        _ => {}
    }
}
