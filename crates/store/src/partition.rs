//! Partitions: every account and region has its own, invisible to the others.

use crate::{Db, Tx};
use localvpc_model::{Ec2Error, IdKind};
use rusqlite::{OptionalExtension, params};

impl Tx<'_> {
    /// Scopes the transaction to a partition, creating it on first use. Returns whether it is new.
    pub(crate) fn enter_partition(
        &mut self,
        account: &str,
        region: &str,
    ) -> Result<bool, Ec2Error> {
        let existing: Option<i64> = self
            .sql
            .prepare_cached("SELECT id FROM partitions WHERE account = ?1 AND region = ?2")
            .db()?
            .query_row(params![account, region], |r| r.get(0))
            .optional()
            .db()?;
        if let Some(pid) = existing {
            self.pid = pid;
            return Ok(false);
        }
        self.sql
            .execute(
                "INSERT INTO partitions (account, region, dhcp_options_id) VALUES (?1, ?2, ?3)",
                params![account, region, IdKind::DhcpOptions.generate()],
            )
            .db()?;
        self.pid = self.sql.last_insert_rowid();
        Ok(true)
    }
}

impl Tx<'_> {
    /// The partition's default DHCP option set, which every new VPC uses.
    pub fn default_dhcp_options_id(&self) -> Result<String, Ec2Error> {
        self.sql
            .prepare_cached("SELECT dhcp_options_id FROM partitions WHERE id = ?1")
            .db()?
            .query_row([self.pid], |r| r.get(0))
            .db()
    }
}
