//! Tags of any resource, kept in one table keyed by resource ID.

use crate::Tx;
use localvpc_model::{Ec2Error, IdKind, Tag};
use std::collections::HashMap;

impl Tx<'_> {
    /// The tags the partition gives a resource.
    pub fn tags_of(&self, resource_id: &str) -> Result<Vec<Tag>, Ec2Error> {
        self.rows(
            "SELECT key, value FROM tags WHERE resource_id = ?1 AND pid = ?2 ORDER BY position",
            &[&resource_id, &self.pid],
            |r| Ok(Tag::new(r.get::<String>(0)?, r.get::<String>(1)?)),
        )
    }

    /// The tags of every resource of one kind in the partition (IDs starting with `prefix`, e.g.
    /// `eni-`), grouped by resource ID, to decorate a whole listing at once. The ID range is a
    /// prefix scan of the primary key, so other kinds' tags are never read.
    pub fn tags_by_resource(&self, kind: IdKind) -> Result<HashMap<String, Vec<Tag>>, Ec2Error> {
        // IDs are `<kind>-<hex>`: every ID of the kind sorts in [`<kind>-`, `<kind>.`).
        let prefix = format!("{}-", kind.prefix());
        let end = format!("{}.", kind.prefix());
        let mut map: HashMap<String, Vec<Tag>> = HashMap::new();
        self.each_row(
            "SELECT resource_id, key, value FROM tags WHERE resource_id >= ?1 AND resource_id < ?2 AND pid = ?3
             ORDER BY resource_id, position",
            &[&prefix, &end, &self.pid],
            |r| {
                map.entry(r.get(0)?)
                    .or_default()
                    .push(Tag::new(r.get::<String>(1)?, r.get::<String>(2)?));
                Ok(())
            },
        )?;
        Ok(map)
    }

    /// Replaces all tags the partition gives a resource.
    pub fn set_tags(&self, resource_id: &str, tags: &[Tag]) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM tags WHERE resource_id = ?1 AND pid = ?2",
            &[&resource_id, &self.pid],
        )?;
        for (position, tag) in tags.iter().enumerate() {
            self.exec(
                "INSERT INTO tags (resource_id, key, value, pid, position) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[
                    &resource_id,
                    &tag.key,
                    &tag.value,
                    &self.pid,
                    &(position as i64),
                ],
            )?;
        }
        Ok(())
    }

    /// Forgets a resource's tags, in every partition (the resource is gone).
    pub fn delete_tags_of(&self, resource_id: &str) -> Result<(), Ec2Error> {
        self.exec("DELETE FROM tags WHERE resource_id = ?1", &[&resource_id])?;
        Ok(())
    }
}
