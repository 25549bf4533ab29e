//! Durable state for localvpc: an embedded SQLite database in the data dir, or a PostgreSQL
//! database several servers share.
//!
//! Everything goes through [`Store::transact`]: one API call is one transaction, applied whole
//! or not at all. Above this crate nobody sees SQL; below it, the schema's constraints are the
//! last word on the invariants they name. Statements go through `sql.rs`, in the dialect
//! SQLite and PostgreSQL share, so both engines serve the same methods of [`Tx`] (see
//! docs/ARCHITECTURE.md, "Storage").

mod client_token;
mod columns;
mod constraint;
pub use constraint::{Answer, UNIQUE, Unique};
mod error;
pub(crate) use error::Db;
pub use error::StoreError;
mod ids;
pub use ids::*;
mod dhcp_options;
mod elastic_ip;
#[cfg(test)]
mod engine_tests;
mod imds;
pub use imds::Partition;
mod instance;
mod key_pair;
mod launch_template;
mod nat_gateway;
pub use client_token::RememberedToken;
mod egress_only_internet_gateway;
mod internet_gateway;
mod ipv6;
mod network_acl;
mod network_insights;
mod network_interface;
mod open;
mod partition;
mod peering;
mod pg;
mod prefix_list;
mod readers;
mod resource;
pub use resource::ResourceTag;
mod route_table;
mod security_group;
mod sql;
mod subnet;
mod tags;
mod volume;
mod vpc;
mod vpc_endpoint;

pub use network_insights::{StoredAnalysis, StoredPath};
pub use network_interface::{EniLookup, EniScope, SubnetAddresses};
pub use open::{OpenError, Store};
pub use subnet::Owner;
pub use volume::VolumeScope;

/// One open transaction, scoped to the caller's partition (account + region).
pub struct Tx<'c> {
    sql: sql::Engine<'c>,
    pid: i64,
}
