//! Partitions: every account and region has its own, invisible to the others.

use crate::{Db, Tx};
use localvpc_model::dhcp_options::{DhcpOptions, default_configurations};
use localvpc_model::region::Region;
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
        let default_set = IdKind::DhcpOptions.generate();
        self.sql
            .execute(
                "INSERT INTO partitions (account, region, dhcp_options_id) VALUES (?1, ?2, ?3)",
                params![account, region, default_set],
            )
            .db()?;
        self.pid = self.sql.last_insert_rowid();
        let suffix = Region::named(region)?.private_dns_suffix();
        self.insert_dhcp_options(&DhcpOptions {
            id: default_set,
            owner_id: account.to_owned(),
            configurations: default_configurations(&suffix),
            tags: Vec::new(),
        })?;
        Ok(true)
    }
}

impl Tx<'_> {
    /// The partition's default DHCP option set, which every new VPC uses (`default`, no
    /// options, once that set has been deleted).
    pub fn default_dhcp_options_id(&self) -> Result<String, Ec2Error> {
        self.sql
            .prepare_cached(
                "SELECT COALESCE(d.id, 'default') FROM partitions p LEFT JOIN dhcp_options d ON d.id = p.dhcp_options_id
                 WHERE p.id = ?1",
            )
            .db()?
            .query_row([self.pid], |r| r.get(0))
            .db()
    }
}
