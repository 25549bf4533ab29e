//! Customer-managed prefix lists with every kept version's entries, and what references them.

use crate::Tx;
use crate::error::StoreError;
use crate::sql::Row;
use localvpc_model::prefix_list::{Entry, Family, PrefixList, State};
use localvpc_model::{Ec2Error, IdKind};

/// Versions kept per list (VUG/amazon-vpc-limits): older ones are dropped.
const KEPT_VERSIONS: i64 = 1000;

fn list_from_row(r: &Row, owner: &str) -> Result<PrefixList, StoreError> {
    let family: String = r.get(2)?;
    let max: i64 = r.get(3)?;
    Ok(PrefixList {
        id: r.get(0)?,
        name: r.get(1)?,
        family: if family == "IPv6" {
            Family::V6
        } else {
            Family::V4
        },
        max_entries: Some(max),
        version: Some(r.get(4)?),
        state: r.decoded(5, State::parse)?,
        owner_id: owner.to_owned(),
        entries: Vec::new(),
        tags: Vec::new(),
        weight: max,
    })
}

const COLUMNS: &str = "id, name, family, max_entries, version, state";

impl Tx<'_> {
    /// The partition's customer-managed lists with their current entries and tags, by ID.
    pub fn prefix_lists(&self, owner: &str) -> Result<Vec<PrefixList>, Ec2Error> {
        let mut lists = self.rows(
            &format!("SELECT {COLUMNS} FROM prefix_lists WHERE pid = ?1 ORDER BY id"),
            &[&self.pid],
            |r| list_from_row(r, owner),
        )?;
        let mut tags = self.tags_by_resource(IdKind::PrefixList)?;
        for list in &mut lists {
            list.entries = self.prefix_list_version(&list.id, list.version.unwrap_or(1))?;
            list.tags = tags.remove(&list.id).unwrap_or_default();
        }
        Ok(lists)
    }

    /// One customer-managed list of the partition, or `None`.
    pub fn prefix_list(&self, id: &str, owner: &str) -> Result<Option<PrefixList>, Ec2Error> {
        let list = self.row(
            &format!("SELECT {COLUMNS} FROM prefix_lists WHERE pid = ?1 AND id = ?2"),
            &[&self.pid, &id],
            |r| list_from_row(r, owner),
        )?;
        list.map(|mut list| {
            list.entries = self.prefix_list_version(&list.id, list.version.unwrap_or(1))?;
            list.tags = self.tags_of(&list.id)?;
            Ok(list)
        })
        .transpose()
    }

    /// The entries of one version (sorted by CIDR); empty for a version with none.
    pub fn prefix_list_version(&self, id: &str, version: i64) -> Result<Vec<Entry>, Ec2Error> {
        let mut entries = self.rows(
            "SELECT cidr, description FROM prefix_list_entries WHERE prefix_list_id = ?1 AND version = ?2",
            &[&id, &version],
            |r| {
                Ok(Entry {
                    cidr: r.parsed(0)?,
                    description: r.get(1)?,
                })
            },
        )?;
        entries.sort_by_key(|e| e.cidr);
        Ok(entries)
    }

    /// Whether version `version` of list `id` is still kept.
    pub fn has_prefix_list_version(&self, id: &str, version: i64) -> Result<bool, Ec2Error> {
        self.exists(
            "SELECT 1 FROM prefix_lists WHERE id = ?1 AND ?2 BETWEEN oldest_version AND version",
            &[&id, &version],
        )
    }

    pub fn count_prefix_lists(&self) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM prefix_lists WHERE pid = ?1",
            &[&self.pid],
        )
    }

    /// Stores a new list (version 1 with its entries) and its tags.
    pub fn insert_prefix_list(&self, list: &PrefixList) -> Result<(), Ec2Error> {
        let version = list.version.unwrap_or(1);
        self.exec(
            "INSERT INTO prefix_lists (id, pid, name, family, max_entries, version, oldest_version, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            &[
                &list.id,
                &self.pid,
                &list.name,
                &list.family.as_str(),
                &list.max_entries,
                &version,
                &list.state.as_str(),
            ],
        )?;
        self.insert_prefix_list_entries(&list.id, version, &list.entries)?;
        self.set_tags(&list.id, &list.tags)
    }

    fn insert_prefix_list_entries(
        &self,
        id: &str,
        version: i64,
        entries: &[Entry],
    ) -> Result<(), Ec2Error> {
        for e in entries {
            self.exec(
                "INSERT INTO prefix_list_entries (prefix_list_id, version, cidr, description) VALUES (?1, ?2, ?3, ?4)",
                &[&id, &version, &e.cidr.to_string(), &e.description],
            )?;
        }
        Ok(())
    }

    /// Writes a changed list: name, size, state, and — when `new_version` — its entries as the
    /// new current version (dropping versions beyond the 1,000 kept). The oldest kept version
    /// only moves forward (a `CASE`, as SQLite's two-argument `MAX` is PostgreSQL's `GREATEST`).
    pub fn update_prefix_list(&self, list: &PrefixList, new_version: bool) -> Result<(), Ec2Error> {
        let version = list.version.unwrap_or(1);
        let oldest = (version - KEPT_VERSIONS + 1).max(1);
        self.exec(
            "UPDATE prefix_lists SET name = ?2, max_entries = ?3, version = ?4, state = ?5,
             oldest_version = CASE WHEN oldest_version > ?6 THEN oldest_version ELSE ?6 END WHERE id = ?1",
            &[
                &list.id,
                &list.name,
                &list.max_entries,
                &version,
                &list.state.as_str(),
                &oldest,
            ],
        )?;
        if new_version {
            self.insert_prefix_list_entries(&list.id, version, &list.entries)?;
            self.exec(
                "DELETE FROM prefix_list_entries WHERE prefix_list_id = ?1 AND version < ?2",
                &[&list.id, &oldest],
            )?;
        }
        Ok(())
    }

    pub fn delete_prefix_list(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM prefix_lists WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }

    /// The security groups of the partition whose rules reference list `id`, sorted by ID.
    pub fn prefix_list_references(&self, id: &str) -> Result<Vec<String>, Ec2Error> {
        self.rows(
            "SELECT DISTINCT r.group_id FROM security_group_rules r JOIN security_groups g ON g.id = r.group_id
             WHERE g.pid = ?1 AND r.peer_kind = 'prefix-list' AND r.peer = ?2
             ORDER BY 1",
            &[&self.pid, &id],
            |r| r.get(0),
        )
    }
}
