//! Launch templates (names unique per account and region) and their versions.

use crate::Tx;
use crate::error::{Db, StoreError};
use crate::sql::Row;
use localvpc_model::launch_template::{LaunchTemplate, LaunchTemplateVersion};
use localvpc_model::{Ec2Error, IdKind};

const COLUMNS: &str =
    "id, name, default_version, latest_version, last_number, create_time, created_by";

fn from_row(r: &Row) -> Result<LaunchTemplate, StoreError> {
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

fn version_from_row(r: &Row) -> Result<LaunchTemplateVersion, StoreError> {
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
        let mut all = self.rows(
            &format!("SELECT {COLUMNS} FROM launch_templates WHERE pid = ?1 ORDER BY id"),
            &[&self.pid],
            from_row,
        )?;
        let mut tags = self.tags_by_resource(IdKind::LaunchTemplate)?;
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
        let found = self.row(
            &format!("SELECT {COLUMNS} FROM launch_templates WHERE pid = ?1 AND {column} = ?2"),
            &[&self.pid, &key],
            from_row,
        )?;
        found
            .map(|mut t| {
                t.tags = self.tags_of(&t.id)?;
                Ok(t)
            })
            .transpose()
    }

    /// Stores a new template and its tags (the caller has checked the name is free).
    pub fn insert_launch_template(&self, t: &LaunchTemplate) -> Result<(), Ec2Error> {
        self.exec(
            &format!(
                "INSERT INTO launch_templates (pid, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ),
            &[
                &self.pid,
                &t.id,
                &t.name,
                &t.default_version,
                &t.latest_version,
                &t.last_number,
                &t.create_time,
                &t.created_by,
            ],
        )?;
        self.set_tags(&t.id, &t.tags)
    }

    /// Writes a template's version counters back.
    pub fn update_launch_template(&self, t: &LaunchTemplate) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE launch_templates SET default_version = ?2, latest_version = ?3, last_number = ?4
             WHERE id = ?1",
            &[
                &t.id,
                &t.default_version,
                &t.latest_version,
                &t.last_number,
            ],
        )?;
        Ok(())
    }

    /// Deletes a template, its versions and its tags.
    pub fn delete_launch_template(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM launch_templates WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }

    pub fn insert_launch_template_version(
        &self,
        v: &LaunchTemplateVersion,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO launch_template_versions (template_id, number, description, create_time, created_by, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                &v.template_id,
                &v.number,
                &v.description,
                &v.create_time,
                &v.created_by,
                &v.data,
            ],
        )?;
        Ok(())
    }

    pub fn delete_launch_template_version(
        &self,
        template_id: &str,
        number: i64,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM launch_template_versions WHERE template_id = ?1 AND number = ?2",
            &[&template_id, &number],
        )?;
        Ok(())
    }

    /// Versions of one template (`Some`) or of every template of the partition, newest first.
    pub fn launch_template_versions(
        &self,
        template_id: Option<&str>,
    ) -> Result<Vec<LaunchTemplateVersion>, Ec2Error> {
        self.rows(
            &format!(
                "SELECT {VERSION_COLUMNS} FROM launch_template_versions v JOIN launch_templates t ON t.id = v.template_id
                 WHERE t.pid = ?1 AND (?2 IS NULL OR t.id = ?2) ORDER BY t.id, v.number DESC"
            ),
            &[&self.pid, &template_id],
            version_from_row,
        )
    }

    /// One version of a template.
    pub fn launch_template_version(
        &self,
        template_id: &str,
        number: i64,
    ) -> Result<Option<LaunchTemplateVersion>, Ec2Error> {
        self.row(
            &format!(
                "SELECT {VERSION_COLUMNS} FROM launch_template_versions v JOIN launch_templates t ON t.id = v.template_id
                 WHERE t.pid = ?1 AND t.id = ?2 AND v.number = ?3"
            ),
            &[&self.pid, &template_id, &number],
            version_from_row,
        )
    }

    /// How many versions a template holds, and the highest remaining number.
    pub fn launch_template_version_span(
        &self,
        template_id: &str,
    ) -> Result<(i64, Option<i64>), Ec2Error> {
        self.row(
            "SELECT COUNT(*), MAX(number) FROM launch_template_versions WHERE template_id = ?1",
            &[&template_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .ok_or_else(|| StoreError::NotFound("COUNT returned no row".into()))
        .db()
    }
}
