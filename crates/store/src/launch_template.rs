//! Launch templates (names unique per account and region) and their versions.

use crate::{Db, Tx};
use localvpc_model::Ec2Error;
use localvpc_model::launch_template::{LaunchTemplate, LaunchTemplateVersion};
use rusqlite::{OptionalExtension, Row, params};

const COLUMNS: &str =
    "id, name, default_version, latest_version, last_number, create_time, created_by";

fn from_row(r: &Row) -> rusqlite::Result<LaunchTemplate> {
    Ok(LaunchTemplate {
        id: r.get(0)?,
        name: r.get(1)?,
        default_version: r.get(2)?,
        latest_version: r.get(3)?,
        last_number: r.get(4)?,
        create_time: r.get(5)?,
        created_by: r.get(6)?,
        tags: Vec::new(),
    })
}

const VERSION_COLUMNS: &str = "v.template_id, t.name, v.number, v.description, v.create_time, \
     v.created_by, v.number = t.default_version, v.data";

fn version_from_row(r: &Row) -> rusqlite::Result<LaunchTemplateVersion> {
    Ok(LaunchTemplateVersion {
        template_id: r.get(0)?,
        template_name: r.get(1)?,
        number: r.get(2)?,
        description: r.get(3)?,
        create_time: r.get(4)?,
        created_by: r.get(5)?,
        is_default: r.get(6)?,
        data: r.get(7)?,
    })
}

impl Tx<'_> {
    /// Every launch template of the partition, with its tags, sorted by ID.
    pub fn launch_templates(&self) -> Result<Vec<LaunchTemplate>, Ec2Error> {
        let mut all: Vec<LaunchTemplate> = self
            .sql
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM launch_templates WHERE pid = ?1 ORDER BY id"
            ))
            .db()?
            .query_map([self.pid], from_row)
            .db()?
            .collect::<Result<_, _>>()
            .db()?;
        let mut tags = self.tags_by_resource("lt-")?;
        for t in &mut all {
            t.tags = tags.remove(&t.id).unwrap_or_default();
        }
        Ok(all)
    }

    /// The template with this ID or (`by_name`) this name, with its tags.
    pub fn launch_template(
        &self,
        key: &str,
        by_name: bool,
    ) -> Result<Option<LaunchTemplate>, Ec2Error> {
        let column = if by_name { "name" } else { "id" };
        let found = self
            .sql
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM launch_templates WHERE pid = ?1 AND {column} = ?2"
            ))
            .db()?
            .query_row(params![self.pid, key], from_row)
            .optional()
            .db()?;
        found
            .map(|mut t| {
                t.tags = self.tags_of(&t.id)?;
                Ok(t)
            })
            .transpose()
    }

    /// Stores a new template and its tags (the caller has checked the name is free).
    pub fn insert_launch_template(&self, t: &LaunchTemplate) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached(&format!(
                "INSERT INTO launch_templates (pid, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ))
            .db()?
            .execute(params![
                self.pid,
                t.id,
                t.name,
                t.default_version,
                t.latest_version,
                t.last_number,
                t.create_time,
                t.created_by
            ])
            .db()?;
        self.set_tags(&t.id, &t.tags)
    }

    /// Writes a template's version counters back.
    pub fn update_launch_template(&self, t: &LaunchTemplate) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached(
                "UPDATE launch_templates SET default_version = ?2, latest_version = ?3, last_number = ?4
                 WHERE id = ?1",
            )
            .db()?
            .execute(params![
                t.id,
                t.default_version,
                t.latest_version,
                t.last_number
            ])
            .db()?;
        Ok(())
    }

    /// Deletes a template, its versions and its tags.
    pub fn delete_launch_template(&self, id: &str) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached("DELETE FROM launch_templates WHERE id = ?1 AND pid = ?2")
            .db()?
            .execute(params![id, self.pid])
            .db()?;
        self.delete_tags_of(id)
    }

    pub fn insert_launch_template_version(
        &self,
        v: &LaunchTemplateVersion,
    ) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached(
                "INSERT INTO launch_template_versions (template_id, number, description, create_time, created_by, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .db()?
            .execute(params![
                v.template_id,
                v.number,
                v.description,
                v.create_time,
                v.created_by,
                v.data
            ])
            .db()?;
        Ok(())
    }

    pub fn delete_launch_template_version(
        &self,
        template_id: &str,
        number: i64,
    ) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached(
                "DELETE FROM launch_template_versions WHERE template_id = ?1 AND number = ?2",
            )
            .db()?
            .execute(params![template_id, number])
            .db()?;
        Ok(())
    }

    /// Versions of one template (`Some`) or of every template of the partition, newest first.
    pub fn launch_template_versions(
        &self,
        template_id: Option<&str>,
    ) -> Result<Vec<LaunchTemplateVersion>, Ec2Error> {
        self.sql
            .prepare_cached(&format!(
                "SELECT {VERSION_COLUMNS} FROM launch_template_versions v JOIN launch_templates t ON t.id = v.template_id
                 WHERE t.pid = ?1 AND (?2 IS NULL OR t.id = ?2) ORDER BY t.id, v.number DESC"
            ))
            .db()?
            .query_map(params![self.pid, template_id], version_from_row)
            .db()?
            .collect::<Result<_, _>>()
            .db()
    }

    /// One version of a template.
    pub fn launch_template_version(
        &self,
        template_id: &str,
        number: i64,
    ) -> Result<Option<LaunchTemplateVersion>, Ec2Error> {
        self.sql
            .prepare_cached(&format!(
                "SELECT {VERSION_COLUMNS} FROM launch_template_versions v JOIN launch_templates t ON t.id = v.template_id
                 WHERE t.pid = ?1 AND t.id = ?2 AND v.number = ?3"
            ))
            .db()?
            .query_row(params![self.pid, template_id, number], version_from_row)
            .optional()
            .db()
    }

    /// How many versions a template holds, and the highest remaining number.
    pub fn launch_template_version_span(
        &self,
        template_id: &str,
    ) -> Result<(i64, Option<i64>), Ec2Error> {
        self.sql
            .prepare_cached(
                "SELECT COUNT(*), MAX(number) FROM launch_template_versions WHERE template_id = ?1",
            )
            .db()?
            .query_row([template_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .db()
    }
}
