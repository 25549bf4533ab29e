//! DHCP option sets (each partition starts with its region's default set) and which VPCs use
//! them.

use crate::{Db, DhcpOptionsId, Tx, VpcId};
use localvpc_model::Ec2Error;
use localvpc_model::dhcp_options::{DhcpConfiguration, DhcpOptions};
use rusqlite::{OptionalExtension, params};

impl Tx<'_> {
    /// Every set of the partition, with its options and tags, sorted by ID.
    pub fn dhcp_options_sets(&self, owner_id: &str) -> Result<Vec<DhcpOptions>, Ec2Error> {
        let ids: Vec<String> = self
            .sql
            .prepare_cached("SELECT id FROM dhcp_options WHERE pid = ?1 ORDER BY id")
            .db()?
            .query_map([self.pid], |r| r.get(0))
            .db()?
            .collect::<Result<_, _>>()
            .db()?;
        let mut tags = self.tags_by_resource(localvpc_model::IdKind::DhcpOptions)?;
        ids.into_iter()
            .map(|id| {
                Ok(DhcpOptions {
                    configurations: self.dhcp_configurations(&id)?,
                    tags: tags.remove(&id).unwrap_or_default(),
                    owner_id: owner_id.to_owned(),
                    id,
                })
            })
            .collect()
    }

    /// One set's options, or `None` if the partition has no such set.
    pub fn dhcp_options_set(
        &self,
        id: &str,
        owner_id: &str,
    ) -> Result<Option<DhcpOptions>, Ec2Error> {
        let found: Option<String> = self
            .sql
            .prepare_cached("SELECT id FROM dhcp_options WHERE pid = ?1 AND id = ?2")
            .db()?
            .query_row(params![self.pid, id], |r| r.get(0))
            .optional()
            .db()?;
        found
            .map(|id| {
                Ok(DhcpOptions {
                    configurations: self.dhcp_configurations(&id)?,
                    tags: self.tags_of(&id)?,
                    owner_id: owner_id.to_owned(),
                    id,
                })
            })
            .transpose()
    }

    fn dhcp_configurations(&self, id: &str) -> Result<Vec<DhcpConfiguration>, Ec2Error> {
        let mut stmt = self
            .sql
            .prepare_cached(
                "SELECT key, value FROM dhcp_option_values WHERE dhcp_options_id = ?1 ORDER BY position",
            )
            .db()?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .db()?;
        let mut configurations: Vec<DhcpConfiguration> = Vec::new();
        for row in rows {
            let (key, value) = row.db()?;
            match configurations.last_mut() {
                Some(last) if last.key == key => last.values.push(value),
                _ => configurations.push(DhcpConfiguration {
                    key,
                    values: vec![value],
                }),
            }
        }
        Ok(configurations)
    }

    /// Stores a new set and its tags (its options already checked).
    pub fn insert_dhcp_options(&self, set: &DhcpOptions) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached("INSERT INTO dhcp_options (id, pid) VALUES (?1, ?2)")
            .db()?
            .execute(params![set.id, self.pid])
            .db()?;
        let mut insert = self
            .sql
            .prepare_cached(
                "INSERT INTO dhcp_option_values (dhcp_options_id, position, key, value) VALUES (?1, ?2, ?3, ?4)",
            )
            .db()?;
        let values = set
            .configurations
            .iter()
            .flat_map(|c| c.values.iter().map(move |v| (&c.key, v)));
        for (position, (key, value)) in values.enumerate() {
            insert
                .execute(params![set.id, position as i64, key, value])
                .db()?;
        }
        self.set_tags(&set.id, &set.tags)
    }

    pub fn delete_dhcp_options(&self, id: &str) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached("DELETE FROM dhcp_options WHERE id = ?1 AND pid = ?2")
            .db()?
            .execute(params![id, self.pid])
            .db()?;
        self.delete_tags_of(id)
    }

    /// The VPCs of the partition that use set `id`.
    pub fn vpcs_using_dhcp_options(&self, id: &str) -> Result<Vec<String>, Ec2Error> {
        self.sql
            .prepare_cached(
                "SELECT id FROM vpcs WHERE pid = ?1 AND dhcp_options_id = ?2 ORDER BY id",
            )
            .db()?
            .query_map(params![self.pid, id], |r| r.get(0))
            .db()?
            .collect::<Result<_, _>>()
            .db()
    }

    /// AssociateDhcpOptions: the VPC now uses `id` (a set, or `default` for none).
    pub fn set_vpc_dhcp_options(&self, vpc_id: VpcId, id: DhcpOptionsId) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached("UPDATE vpcs SET dhcp_options_id = ?3 WHERE pid = ?1 AND id = ?2")
            .db()?
            .execute(params![self.pid, vpc_id, id])
            .db()?;
        Ok(())
    }
}
