//! localvpc's real data plane (issue 8): instances as network namespaces,
//! ENIs as veth pairs, a router namespace per VPC — kept in step with the API state.
//!
//! - [`model`]: the pure network model, database snapshot → [`model::Topology`];
//! - [`plan`]: the pure diff, host state × topology → changes;
//! - [`reconciler`]: plans and applies on a cache of the host, so that a reconciliation
//!   costs what changed;
//! - [`host::Host`]: the narrow interface that reads the host and applies one change, over
//!   iproute2 and `setns` in [`linux`] (the only module that talks to Linux) and in memory in
//!   `host::fake` for unit tests;
//! - [`load`]: the store → the model's input.
//!
//! What a guest sees of its VPC besides packets: a DHCPv4 server ([`dhcp`], answering on every
//! port of a router) and the sockets IMDS is served on at 169.254.169.254 (in each router's
//! namespace, on its loopback), both in `linux::guest`; the guest agent of Amazon Linux
//! images, run as child processes ([`agents`], `linux::agents`). The binary wires them to the
//! topology after each reconciliation.
//!
//! The packet path: an instance's `eth<n>` is one end of a veth pair whose other end is a port
//! in its VPC's router namespace. The port holds the subnet router address (base + 1) as a
//! /32, has proxy ARP on, and every private address of the ENI has a /32 route through it, so
//! the router forwards between any two ENIs of the VPC and answers for the subnet router as
//! AWS's does. eth0 is configured as EC2's DHCP would configure it (primary address with the
//! subnet prefix, default route via base + 1), set directly, while a DHCPv4 server answers any
//! client in the guest with the same lease. Source/dest check, security groups and network ACLs
//! are the router's nftables table `lvpc_filter` ([`nft`]). Each subnet's route table is a
//! kernel table of the router picked by a policy rule per port, and an attached internet
//! gateway is an uplink to the `lvpc-internet` namespace with 1:1 NAT of public addresses
//! ([`model::routing`]). Images of the Amazon Linux catalogue run the guest agent ([`agents`]).
//!
//! IPv6 takes the same path, routed and filtered in the same tables: a port of an IPv6 subnet
//! also holds the subnet's `::1` and the link-local `fe80:ec2::1`, each ENI IPv6 address has a
//! /128 route and a permanent neighbour through its port, delegated prefixes (/28, /80) an
//! on-link route. eth0 gets what DHCPv6 and the router advertisement would give it: its
//! addresses as /128s and `default via fe80:ec2::1`. The internet gateway routes IPv6 without
//! NAT; an egress-only gateway is a link of its own that the filter opens to replies only.
//! IMDS answers at `[fd00:ec2::254]` too, for instances with `HttpProtocolIpv6` enabled.

pub mod agents;
pub mod dhcp;
pub mod dns;
pub mod guest_view;
pub mod host;
mod linux;
pub mod load;
pub mod model;
pub mod nft;
pub mod plan;
pub mod reconciler;

use host::Host;
use localvpc_store::Store;
use std::sync::{Arc, Mutex, RwLock};

pub use linux::agents::{Agents, die_with_parent};
pub use linux::guest::{DhcpServer, LeaseLookup, listen_imds, listen_imds6};
pub use linux::resolver::{DnsAnswer, DnsServer};
pub use linux::{check_privileges, down, exec, guest_state, listen_in, network_view};

/// Makes `host` match `topology` from a full read of it, as a restarted server does.
#[cfg(test)]
pub(crate) fn reconcile(topology: &model::Topology, host: &mut dyn Host) -> anyhow::Result<usize> {
    reconciler::Reconciler::default().reconcile(topology, host)
}

/// The data plane of a running server: reads the store and reconciles the host, one
/// reconciliation at a time.
pub struct Dataplane {
    host: Mutex<(linux::LinuxHost, reconciler::Reconciler)>,
    /// The topology of the latest reconciliation.
    latest: RwLock<Arc<model::Topology>>,
}

impl Dataplane {
    /// Checks privileges and nftables; the first [`Dataplane::sync`] adopts what already exists.
    pub fn new() -> anyhow::Result<Self> {
        check_privileges()?;
        linux::check_nftables()?;
        Ok(Dataplane {
            host: Mutex::new((linux::LinuxHost, reconciler::Reconciler::default())),
            latest: RwLock::default(),
        })
    }

    /// Brings the host in line with the database now, at the cost of what changed since the
    /// last sync.
    pub fn sync(&self, store: &Store) -> anyhow::Result<usize> {
        let mut guard = self.lock();
        // The snapshot is read under the lock: API calls commit in parallel, and a snapshot
        // taken before another call's sync would roll the network back to an older state.
        let topology = Arc::new(model::topology(&load::snapshot(store)?));
        let (host, reconciler) = &mut *guard;
        *self.latest.write().unwrap_or_else(|p| p.into_inner()) = topology.clone();
        reconciler.reconcile(&topology, host)
    }

    /// Like [`Dataplane::sync`], after reading the whole host: repairs what changed behind
    /// localvpc's back (a guest deleting its eth0 address, an administrator a route). The read
    /// (seconds with hundreds of instances) does not hold up the syncs of API calls.
    pub fn resync(&self, store: &Store) -> anyhow::Result<usize> {
        self.lock().1.begin_full_read();
        let read = linux::LinuxHost.read();
        let mut guard = self.lock();
        match read {
            Ok(read) => guard.1.adopt(read),
            Err(_) => guard.1.forget(),
        }
        drop(guard);
        self.sync(store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (linux::LinuxHost, reconciler::Reconciler)> {
        self.host.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The network as of the latest [`Dataplane::sync`].
    pub fn topology(&self) -> Arc<model::Topology> {
        self.latest
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests;
