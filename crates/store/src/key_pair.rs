//! Key pairs (names are unique per account and region; only public keys are kept) and the
//! images instances were launched from.

use crate::Tx;
use crate::error::StoreError;
use crate::sql::Row;
use localvpc_model::Ec2Error;
use localvpc_model::IdKind;
use localvpc_model::key_pair::KeyPair;

const COLUMNS: &str = "key_pair_id, name, key_type, fingerprint, public_key, create_time";

fn from_row(r: &Row) -> Result<KeyPair, StoreError> {
    Ok(KeyPair {
        key_pair_id: r.get(0)?,
        name: r.get(1)?,
        key_type: r.parsed(2)?,
        fingerprint: r.get(3)?,
        public_key: r.get(4)?,
        create_time: r.get(5)?,
        tags: Vec::new(),
    })
}

impl Tx<'_> {
    /// Every key pair of the partition, with its tags, sorted by name.
    pub fn key_pairs(&self) -> Result<Vec<KeyPair>, Ec2Error> {
        let mut keys = self.rows(
            &format!("SELECT {COLUMNS} FROM key_pairs WHERE pid = ?1 ORDER BY name"),
            &[&self.pid],
            from_row,
        )?;
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
        let found = self.row(
            &format!("SELECT {COLUMNS} FROM key_pairs WHERE pid = ?1 AND {column} = ?2"),
            &[&self.pid, &value],
            from_row,
        )?;
        found
            .map(|mut key| {
                key.tags = self.tags_of(&key.key_pair_id)?;
                Ok(key)
            })
            .transpose()
    }

    /// Stores a new key pair and its tags (the caller has checked the name is free).
    pub fn insert_key_pair(&self, k: &KeyPair) -> Result<(), Ec2Error> {
        self.exec(
            &format!("INSERT INTO key_pairs (pid, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
            &[
                &self.pid,
                &k.key_pair_id,
                &k.name,
                &k.key_type.as_str(),
                &k.fingerprint,
                &k.public_key,
                &k.create_time,
            ],
        )?;
        self.set_tags(&k.key_pair_id, &k.tags)
    }

    pub fn delete_key_pair(&self, key_pair_id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM key_pairs WHERE key_pair_id = ?1 AND pid = ?2",
            &[&key_pair_id, &self.pid],
        )?;
        self.delete_tags_of(key_pair_id)
    }

    /// Image IDs that instances of the partition were launched from (DescribeImages knows them).
    pub fn used_image_ids(&self) -> Result<Vec<String>, Ec2Error> {
        self.rows(
            "SELECT DISTINCT image_id FROM instances WHERE pid = ?1 ORDER BY image_id",
            &[&self.pid],
            |r| r.get(0),
        )
    }
}
