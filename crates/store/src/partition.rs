//! Partitions: every account and region has its own, invisible to the others.

use crate::Tx;
use crate::error::{Db, StoreError};
use localvpc_model::dhcp_options::{DhcpOptions, default_configurations};
use localvpc_model::region::Region;
use localvpc_model::{Ec2Error, IdKind};

impl Tx<'_> {
    /// Scopes the transaction to a partition, creating it on first use. Returns whether it is new.
    pub(crate) fn enter_partition(
        &mut self,
        account: &str,
        region: &str,
    ) -> Result<bool, Ec2Error> {
        let existing: Option<i64> = self.row(
            "SELECT id FROM partitions WHERE account = ?1 AND region = ?2",
            &[&account, &region],
            |r| r.get(0),
        )?;
        if let Some(pid) = existing {
            self.pid = pid;
            return Ok(false);
        }
        let default_set = IdKind::DhcpOptions.generate();
        let pid: Option<i64> = self.row(
            "INSERT INTO partitions (account, region, dhcp_options_id) VALUES (?1, ?2, ?3) RETURNING id",
            &[&account, &region, &default_set],
            |r| r.get(0),
        )?;
        self.pid = pid
            .ok_or_else(|| StoreError::NotFound("no ID returned for the new partition".into()))
            .db()?;
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
        self.row(
            "SELECT COALESCE(d.id, 'default') FROM partitions p LEFT JOIN dhcp_options d ON d.id = p.dhcp_options_id
             WHERE p.id = ?1",
            &[&self.pid],
            |r| r.get(0),
        )?
        .ok_or_else(|| StoreError::NotFound(format!("partition {} is gone", self.pid)))
        .db()
    }
}
