//! Key pairs (names are unique per account and region; only public keys are kept) and the
//! images instances were launched from.

use crate::{Db, Tx, parse_stored};
use localvpc_model::Ec2Error;
use localvpc_model::IdKind;
use localvpc_model::key_pair::KeyPair;
use rusqlite::{OptionalExtension, Row, params};

const COLUMNS: &str = "key_pair_id, name, key_type, fingerprint, public_key, create_time";

fn from_row(r: &Row) -> rusqlite::Result<KeyPair> {
    Ok(KeyPair {
        key_pair_id: r.get(0)?,
        name: r.get(1)?,
        key_type: parse_stored(&r.get::<_, String>(2)?)?,
        fingerprint: r.get(3)?,
        public_key: r.get(4)?,
        create_time: r.get(5)?,
        tags: Vec::new(),
    })
}

impl Tx<'_> {
    /// Every key pair of the partition, with its tags, sorted by name.
    pub fn key_pairs(&self) -> Result<Vec<KeyPair>, Ec2Error> {
        let mut keys: Vec<KeyPair> = self
            .sql
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM key_pairs WHERE pid = ?1 ORDER BY name"
            ))
            .db()?
            .query_map([self.pid], from_row)
            .db()?
            .collect::<Result<_, _>>()
            .db()?;
        let mut tags = self.tags_by_resource(IdKind::KeyPair)?;
        for key in &mut keys {
            key.tags = tags.remove(&key.key_pair_id).unwrap_or_default();
        }
        Ok(keys)
    }

    /// The key pair of this name (RunInstances' `KeyName`), with its tags.
    pub fn key_pair_named(&self, name: &str) -> Result<Option<KeyPair>, Ec2Error> {
        self.one_key_pair("name", name)
    }

    /// The key pair with this ID, with its tags.
    pub fn key_pair_with_id(&self, key_pair_id: &str) -> Result<Option<KeyPair>, Ec2Error> {
        self.one_key_pair("key_pair_id", key_pair_id)
    }

    fn one_key_pair(&self, column: &str, value: &str) -> Result<Option<KeyPair>, Ec2Error> {
        let found = self
            .sql
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM key_pairs WHERE pid = ?1 AND {column} = ?2"
            ))
            .db()?
            .query_row(params![self.pid, value], from_row)
            .optional()
            .db()?;
        found
            .map(|mut key| {
                key.tags = self.tags_of(&key.key_pair_id)?;
                Ok(key)
            })
            .transpose()
    }

    /// Stores a new key pair and its tags (the caller has checked the name is free).
    pub fn insert_key_pair(&self, k: &KeyPair) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached(&format!(
                "INSERT INTO key_pairs (pid, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ))
            .db()?
            .execute(params![
                self.pid,
                k.key_pair_id,
                k.name,
                k.key_type.as_str(),
                k.fingerprint,
                k.public_key,
                k.create_time
            ])
            .db()?;
        self.set_tags(&k.key_pair_id, &k.tags)
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
