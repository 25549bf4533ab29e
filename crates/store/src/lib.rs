//! Durable state for localvpc: an embedded SQLite database in the data dir, or a PostgreSQL
//! database several servers share.
//!
//! Everything goes through [`Store::transact`]: one API call is one transaction, applied whole
//! or not at all. Above this crate nobody sees SQL; below it, the schema's constraints are the
//! last word on the invariants they name. Statements go through `sql.rs`, in the dialect
//! SQLite and PostgreSQL share, so both engines serve the same methods of [`Tx`] (see
//! docs/ARCHITECTURE.md, "Storage").

mod client_token;
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

use localvpc_model::Ec2Error;

/// One open transaction, scoped to the caller's partition (account + region).
pub struct Tx<'c> {
    sql: sql::Engine<'c>,
    pid: i64,
}

/// Parses a value this crate wrote itself; a bad one means the file was tampered with.
pub(crate) fn parse_stored<T: std::str::FromStr>(text: &str) -> rusqlite::Result<T> {
    text.parse().map_err(|_| {
        rusqlite::Error::InvalidColumnType(0, text.to_owned(), rusqlite::types::Type::Text)
    })
}

impl Tx<'_> {
    /// Runs a `SELECT COUNT(*) …` with one parameter.
    pub(crate) fn count(&self, sql: &str, param: impl rusqlite::ToSql) -> Result<usize, Ec2Error> {
        let n: i64 = self
            .sql
            .prepare_cached(sql)
            .db()?
            .query_row([param], |r| r.get(0))
            .db()?;
        Ok(n as usize)
    }
}
