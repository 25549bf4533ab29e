//! Key pairs (names are unique per account and region).

use crate::{Db, Tx};
use localvpc_model::Ec2Error;
use rusqlite::{OptionalExtension, Row, params};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPairRow {
    pub key_pair_id: String,
    pub name: String,
    pub key_type: String,
    pub fingerprint: String,
    pub public_key: String,
    pub create_time: String,
}

fn from_row(r: &Row) -> rusqlite::Result<KeyPairRow> {
    Ok(KeyPairRow {
        key_pair_id: r.get(0)?,
        name: r.get(1)?,
        key_type: r.get(2)?,
        fingerprint: r.get(3)?,
        public_key: r.get(4)?,
        create_time: r.get(5)?,
    })
}

const COLUMNS: &str = "key_pair_id, name, key_type, fingerprint, public_key, create_time";

impl Tx<'_> {
    pub fn key_pairs(&self) -> Result<Vec<KeyPairRow>, Ec2Error> {
        self.sql
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM key_pairs WHERE pid = ?1 ORDER BY name"
            ))
            .db()?
            .query_map([self.pid], from_row)
            .db()?
            .collect::<Result<_, _>>()
            .db()
    }

    pub fn key_pair_named(&self, name: &str) -> Result<Option<KeyPairRow>, Ec2Error> {
        self.sql
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM key_pairs WHERE pid = ?1 AND name = ?2"
            ))
            .db()?
            .query_row(params![self.pid, name], from_row)
            .optional()
            .db()
    }

    pub fn insert_key_pair(&self, k: &KeyPairRow) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached(&format!(
                "INSERT INTO key_pairs (pid, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ))
            .db()?
            .execute(params![
                self.pid,
                k.key_pair_id,
                k.name,
                k.key_type,
                k.fingerprint,
                k.public_key,
                k.create_time
            ])
            .db()?;
        Ok(())
    }

    pub fn delete_key_pair(&self, key_pair_id: &str) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached("DELETE FROM key_pairs WHERE key_pair_id = ?1 AND pid = ?2")
            .db()?
            .execute(params![key_pair_id, self.pid])
            .db()?;
        self.delete_tags_of(key_pair_id)
    }

    /// Image IDs that instances of the partition were launched from (DescribeImages knows them).
    pub fn used_image_ids(&self) -> Result<Vec<String>, Ec2Error> {
        self.sql
            .prepare_cached(
                "SELECT DISTINCT image_id FROM instances WHERE pid = ?1 ORDER BY image_id",
            )
            .db()?
            .query_map([self.pid], |r| r.get(0))
            .db()?
            .collect::<Result<_, _>>()
            .db()
    }
}
