//! EBS volumes (the instances' root volumes) and their attachments.

use crate::Tx;
use crate::error::StoreError;
use crate::sql::Row;
use localvpc_model::volume::{Volume, VolumeAttachment, VolumeSpec};
use localvpc_model::{Ec2Error, IdKind};

const COLUMNS: &str = "id, size_gib, volume_type, iops, throughput, snapshot_id, availability_zone, create_time, \
    instance_id, device, attach_time, delete_on_termination";

fn from_row(r: &Row) -> Result<Volume, StoreError> {
    let instance_id: Option<String> = r.get(8)?;
    let attachment = match instance_id {
        Some(instance_id) => Some(VolumeAttachment {
            instance_id,
            device: r.get(9)?,
            attach_time: r.get(10)?,
            delete_on_termination: r.get(11)?,
        }),
        None => None,
    };
    Ok(Volume {
        id: r.get(0)?,
        spec: VolumeSpec {
            size_gib: r.get(1)?,
            volume_type: r.get(2)?,
            iops: r.get(3)?,
            throughput: r.get(4)?,
            snapshot_id: r.get(5)?,
        },
        availability_zone: r.get(6)?,
        create_time: r.get(7)?,
        attachment,
        tags: Vec::new(),
    })
}

/// Which volumes [`Tx::volumes`] reads.
#[derive(Debug, Clone, Copy)]
pub enum VolumeScope<'a> {
    All,
    AttachedTo(&'a str),
}

impl Tx<'_> {
    /// The partition's volumes (sorted by ID), with their tags. One condition per scope, as
    /// for interfaces (`EniScope::condition`).
    pub fn volumes(&self, scope: VolumeScope) -> Result<Vec<Volume>, Ec2Error> {
        let (sql, instance) = match scope {
            VolumeScope::All => (
                format!(
                    "SELECT {COLUMNS} FROM volumes WHERE pid = ?1 AND CAST(?2 AS TEXT) IS NULL ORDER BY id"
                ),
                None,
            ),
            VolumeScope::AttachedTo(id) => (
                format!(
                    "SELECT {COLUMNS} FROM volumes WHERE pid = ?1 AND instance_id = ?2 ORDER BY id"
                ),
                Some(id),
            ),
        };
        let mut volumes = self.rows(&sql, &[&self.pid, &instance], from_row)?;
        let mut tags = match scope {
            VolumeScope::All => self.tags_by_resource(IdKind::Volume)?,
            VolumeScope::AttachedTo(_) => volumes
                .iter()
                .map(|v| Ok((v.id.clone(), self.tags_of(&v.id)?)))
                .collect::<Result<_, Ec2Error>>()?,
        };
        for v in &mut volumes {
            v.tags = tags.remove(&v.id).unwrap_or_default();
        }
        Ok(volumes)
    }

    /// Inserts a volume with its tags.
    pub fn insert_volume(&self, v: &Volume) -> Result<(), Ec2Error> {
        let a = v.attachment.as_ref();
        self.exec(
            &format!(
                "INSERT INTO volumes (pid, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ),
            &[
                &self.pid,
                &v.id,
                &v.spec.size_gib,
                &v.spec.volume_type,
                &v.spec.iops,
                &v.spec.throughput,
                &v.spec.snapshot_id,
                &v.availability_zone,
                &v.create_time,
                &a.map(|a| &a.instance_id),
                &a.map(|a| &a.device),
                &a.map(|a| &a.attach_time),
                &a.map(|a| a.delete_on_termination),
            ],
        )?;
        self.set_tags(&v.id, &v.tags)
    }

    /// An instance goes: its volumes with DeleteOnTermination go with it (tags and all), the
    /// others are detached and left `available`.
    pub fn release_volumes_of(&self, instance_id: &str) -> Result<(), Ec2Error> {
        for v in self.volumes(VolumeScope::AttachedTo(instance_id))? {
            if v.attachment
                .as_ref()
                .is_some_and(|a| a.delete_on_termination)
            {
                self.exec("DELETE FROM volumes WHERE id = ?1", &[&v.id])?;
                self.delete_tags_of(&v.id)?;
            } else {
                self.exec(
                    "UPDATE volumes SET instance_id = NULL, device = NULL, attach_time = NULL, delete_on_termination = NULL WHERE id = ?1",
                    &[&v.id],
                )?;
            }
        }
        Ok(())
    }

    /// ModifyInstanceAttribute's `BlockDeviceMapping.N.Ebs.DeleteOnTermination`.
    pub fn set_volume_delete_on_termination(
        &self,
        volume_id: &str,
        delete_on_termination: bool,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE volumes SET delete_on_termination = ?2 WHERE id = ?1 AND instance_id IS NOT NULL",
            &[&volume_id, &delete_on_termination],
        )?;
        Ok(())
    }
}
