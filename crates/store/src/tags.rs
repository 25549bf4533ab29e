//! Tags of any resource, kept in one table keyed by resource ID.

use crate::{Db, Tx};
use localvpc_model::{Ec2Error, IdKind, Tag};
use rusqlite::params;
use std::collections::HashMap;

impl Tx<'_> {
    /// The tags the partition gives a resource.
    pub fn tags_of(&self, resource_id: &str) -> Result<Vec<Tag>, Ec2Error> {
        self.sql
            .prepare_cached(
                "SELECT key, value FROM tags WHERE resource_id = ?1 AND pid = ?2 ORDER BY position",
            )
            .db()?
            .query_map(params![resource_id, self.pid], |r| {
                Ok(Tag::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .db()?
            .collect::<Result<_, _>>()
            .db()
    }

    /// The tags of every resource of one kind in the partition (IDs starting with `prefix`, e.g.
    /// `eni-`), grouped by resource ID, to decorate a whole listing at once. The ID range is a
    /// prefix scan of the primary key, so other kinds' tags are never read.
    pub fn tags_by_resource(&self, kind: IdKind) -> Result<HashMap<String, Vec<Tag>>, Ec2Error> {
        // IDs are `<kind>-<hex>`: every ID of the kind sorts in [`<kind>-`, `<kind>.`).
        let prefix = format!("{}-", kind.prefix());
        let end = format!("{}.", kind.prefix());
        let mut map: HashMap<String, Vec<Tag>> = HashMap::new();
        let mut stmt = self
            .sql
            .prepare_cached(
                "SELECT resource_id, key, value FROM tags WHERE resource_id >= ?1 AND resource_id < ?2 AND pid = ?3
                 ORDER BY resource_id, position",
            )
            .db()?;
        let rows = stmt
            .query_map(params![prefix, end, self.pid], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Tag::new(r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                ))
            })
            .db()?;
        for row in rows {
            let (id, tag) = row.db()?;
            map.entry(id).or_default().push(tag);
        }
        Ok(map)
    }

    /// Replaces all tags the partition gives a resource.
    pub fn set_tags(&self, resource_id: &str, tags: &[Tag]) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached("DELETE FROM tags WHERE resource_id = ?1 AND pid = ?2")
            .db()?
            .execute(params![resource_id, self.pid])
            .db()?;
        let mut insert = self.sql.prepare_cached("INSERT INTO tags (resource_id, key, value, pid, position) VALUES (?1, ?2, ?3, ?4, ?5)").db()?;
        for (position, tag) in tags.iter().enumerate() {
            insert
                .execute(params![
                    resource_id,
                    tag.key,
                    tag.value,
                    self.pid,
                    position as i64
                ])
                .db()?;
        }
        Ok(())
    }

    /// Forgets a resource's tags, in every partition (the resource is gone).
    pub fn delete_tags_of(&self, resource_id: &str) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached("DELETE FROM tags WHERE resource_id = ?1")
            .db()?
            .execute([resource_id])
            .db()?;
        Ok(())
    }
}
