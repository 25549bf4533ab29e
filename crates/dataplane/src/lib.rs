//! localvpc's real data plane (issue 8, first milestone): instances as network namespaces,
//! ENIs as veth pairs, a router namespace per VPC — kept in step with the API state.
//!
//! - [`model`]: the pure network model, database snapshot → [`model::Topology`];
//! - [`plan`]: the pure diff, host state × topology → changes;
//! - [`host::Host`]: the narrow interface that reads the host and applies one change, over
//!   iproute2 and `setns` in [`linux`] (the only module that talks to Linux) and in memory in
//!   `host::fake` for unit tests;
//! - [`load`]: the store → the model's input.
//!
//! The packet path: an instance's `eth<n>` is one end of a veth pair whose other end is a port
//! in its VPC's router namespace. The port holds the subnet router address (base + 1) as a
//! /32, has proxy ARP on, and every private address of the ENI has a /32 route through it, so
//! the router forwards between any two ENIs of the VPC and answers for the subnet router as
//! AWS's does. eth0 is configured as EC2's DHCP would configure it (primary address with the
//! subnet prefix, default route via base + 1), set directly for now. Each subnet's route table
//! is a kernel table of the router picked by a policy rule per port, and an attached internet
//! gateway is an uplink to the `lvpc-internet` namespace with 1:1 NAT of public addresses
//! ([`model::routing`]). A DHCPv4 server, the guest agent for Amazon Linux images, security
//! groups and ACLs come in later milestones (docs/ARCHITECTURE.md).

pub mod host;
mod linux;
mod load;
pub mod model;
pub mod nft;
pub mod plan;

use host::Host;
use localvpc_store::Store;
use std::sync::Mutex;

pub use linux::{check_privileges, down, exec, listen_in};

/// Makes `host` match `topology`: removals planned and applied, then a fresh read, then
/// additions. A failed change is logged and the others still run; the error lists how many
/// failed, and the next reconciliation retries them. Returns the number of changes made.
pub fn reconcile(topology: &model::Topology, host: &mut dyn Host) -> anyhow::Result<usize> {
    let (mut done, mut failed) = (0, 0);
    for pass in [plan::removals, plan::additions] {
        let state = host.read()?;
        for change in pass(topology, &state) {
            match host.apply(&change) {
                Ok(()) => {
                    tracing::debug!(?change, "applied");
                    done += 1;
                }
                Err(error) => {
                    tracing::warn!(?change, "{error:#}");
                    failed += 1;
                }
            }
        }
    }
    anyhow::ensure!(failed == 0, "{failed} data plane changes failed");
    Ok(done)
}

/// The data plane of a running server: reads the store and reconciles the host, one
/// reconciliation at a time.
pub struct Dataplane {
    host: Mutex<linux::LinuxHost>,
}

impl Dataplane {
    /// Checks privileges; the first [`Dataplane::sync`] adopts what already exists.
    pub fn new() -> anyhow::Result<Self> {
        check_privileges()?;
        Ok(Dataplane {
            host: Mutex::new(linux::LinuxHost),
        })
    }

    /// Brings the host in line with the database now.
    pub fn sync(&self, store: &Store) -> anyhow::Result<usize> {
        let topology = model::topology(&load::snapshot(store)?);
        let mut host = self.host.lock().unwrap_or_else(|p| p.into_inner());
        reconcile(&topology, &mut *host)
    }
}

#[cfg(test)]
mod tests;
