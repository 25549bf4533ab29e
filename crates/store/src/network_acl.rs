//! Network ACLs, their entries and subnet associations.

use crate::error::StoreError;
use crate::sql::Row;
use crate::{AssociationId, NetworkAclId, Tx};
use localvpc_model::network_acl::{NetworkAcl, NetworkAclAssociation, NetworkAclEntry, RuleAction};
use localvpc_model::{Ec2Error, IdKind};
use std::collections::HashMap;

const ENTRY_COLUMNS: &str = "e.network_acl_id, e.egress, e.rule_number, e.protocol, e.action, e.cidr, e.icmp_type, e.icmp_code, e.port_from, e.port_to";

fn entry_from_row(r: &Row) -> Result<(String, NetworkAclEntry), StoreError> {
    let icmp: (Option<i32>, Option<i32>) = (r.get(6)?, r.get(7)?);
    let ports: (Option<i32>, Option<i32>) = (r.get(8)?, r.get(9)?);
    let entry = NetworkAclEntry {
        egress: r.get(1)?,
        rule_number: r.get(2)?,
        protocol: r.get(3)?,
        action: r.decoded(4, |text| RuleAction::parse(text).ok())?,
        cidr: r.parsed(5)?,
        icmp_type_code: icmp.0.zip(icmp.1),
        port_range: ports.0.zip(ports.1),
    };
    Ok((r.get(0)?, entry))
}

impl Tx<'_> {
    /// Every network ACL of the partition (or one VPC) with entries, associations and tags.
    /// Associations list in the order they were made (`rowid`, which a PostgreSQL schema gives
    /// the table as an identity column).
    pub fn network_acls(
        &self,
        owner: &str,
        vpc_id: Option<&str>,
    ) -> Result<Vec<NetworkAcl>, Ec2Error> {
        let mut acls = self.rows(
            "SELECT id, vpc_id, is_default FROM network_acls WHERE pid = ?1 AND (?2 IS NULL OR vpc_id = ?2) ORDER BY id",
            &[&self.pid, &vpc_id],
            |r| {
                Ok(NetworkAcl {
                    id: r.get(0)?,
                    vpc_id: r.get(1)?,
                    owner_id: owner.to_owned(),
                    is_default: r.get(2)?,
                    entries: Vec::new(),
                    associations: Vec::new(),
                    tags: Vec::new(),
                })
            },
        )?;
        let mut entries: HashMap<String, Vec<NetworkAclEntry>> = HashMap::new();
        self.each_row(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM network_acl_entries e JOIN network_acls a ON a.id = e.network_acl_id
                 WHERE a.pid = ?1 ORDER BY e.network_acl_id, e.egress DESC, e.rule_number"
            ),
            &[&self.pid],
            |r| {
                let (acl, entry) = entry_from_row(r)?;
                entries.entry(acl).or_default().push(entry);
                Ok(())
            },
        )?;
        let mut associations: HashMap<String, Vec<NetworkAclAssociation>> = HashMap::new();
        self.each_row(
            "SELECT s.id, s.network_acl_id, s.subnet_id FROM network_acl_associations s
             JOIN network_acls a ON a.id = s.network_acl_id WHERE a.pid = ?1 ORDER BY s.rowid",
            &[&self.pid],
            |r| {
                let a = NetworkAclAssociation {
                    id: r.get(0)?,
                    network_acl_id: r.get(1)?,
                    subnet_id: r.get(2)?,
                };
                associations
                    .entry(a.network_acl_id.clone())
                    .or_default()
                    .push(a);
                Ok(())
            },
        )?;
        let mut tags = self.tags_by_resource(IdKind::NetworkAcl)?;
        for acl in &mut acls {
            acl.entries = entries.remove(&acl.id).unwrap_or_default();
            acl.associations = associations.remove(&acl.id).unwrap_or_default();
            acl.tags = tags.remove(&acl.id).unwrap_or_default();
        }
        Ok(acls)
    }

    /// One ACL, or `InvalidNetworkAclID.NotFound`.
    pub fn network_acl(&self, owner: &str, id: &str) -> Result<NetworkAcl, Ec2Error> {
        let vpc_id: String = self
            .row(
                "SELECT vpc_id FROM network_acls WHERE pid = ?1 AND id = ?2",
                &[&self.pid, &id],
                |r| r.get(0),
            )?
            .ok_or_else(|| IdKind::NetworkAcl.not_found(id))?;
        let mut acls = self.network_acls(owner, Some(&vpc_id))?;
        let index = acls
            .iter()
            .position(|a| a.id == id)
            .ok_or_else(|| IdKind::NetworkAcl.not_found(id))?;
        Ok(acls.swap_remove(index))
    }

    /// Inserts an ACL with its entries, associations and tags.
    pub fn insert_network_acl(&self, acl: &NetworkAcl) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO network_acls (id, pid, vpc_id, is_default) VALUES (?1, ?2, ?3, ?4)",
            &[&acl.id, &self.pid, &acl.vpc_id, &acl.is_default],
        )?;
        for entry in &acl.entries {
            self.insert_network_acl_entry(&acl.id, entry)?;
        }
        for a in &acl.associations {
            self.insert_network_acl_association(a)?;
        }
        self.set_tags(&acl.id, &acl.tags)
    }

    pub fn insert_network_acl_entry(
        &self,
        acl_id: &str,
        e: &NetworkAclEntry,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO network_acl_entries (network_acl_id, egress, rule_number, protocol, action, cidr, icmp_type, icmp_code, port_from, port_to)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            &[
                &acl_id,
                &e.egress,
                &e.rule_number,
                &e.protocol,
                &e.action.as_str(),
                &e.cidr.to_string(),
                &e.icmp_type_code.map(|t| t.0),
                &e.icmp_type_code.map(|t| t.1),
                &e.port_range.map(|p| p.0),
                &e.port_range.map(|p| p.1),
            ],
        )?;
        Ok(())
    }

    /// Replaces the entry with the same rule number and direction.
    pub fn replace_network_acl_entry(
        &self,
        acl_id: &str,
        e: &NetworkAclEntry,
    ) -> Result<(), Ec2Error> {
        self.delete_network_acl_entry(acl_id, e.egress, e.rule_number)?;
        self.insert_network_acl_entry(acl_id, e)
    }

    pub fn delete_network_acl_entry(
        &self,
        acl_id: &str,
        egress: bool,
        rule_number: i32,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM network_acl_entries WHERE network_acl_id = ?1 AND egress = ?2 AND rule_number = ?3",
            &[&acl_id, &egress, &rule_number],
        )?;
        Ok(())
    }

    pub fn count_network_acls_in_vpc(&self, vpc_id: &str) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM network_acls WHERE vpc_id = ?1",
            &[&vpc_id],
        )
    }

    /// A subnet's association with its ACL, by association ID, within the partition.
    pub fn network_acl_association(
        &self,
        id: &str,
    ) -> Result<Option<NetworkAclAssociation>, Ec2Error> {
        self.row(
            "SELECT s.id, s.network_acl_id, s.subnet_id FROM network_acl_associations s
             JOIN network_acls a ON a.id = s.network_acl_id WHERE a.pid = ?1 AND s.id = ?2",
            &[&self.pid, &id],
            |r| {
                Ok(NetworkAclAssociation {
                    id: r.get(0)?,
                    network_acl_id: r.get(1)?,
                    subnet_id: r.get(2)?,
                })
            },
        )
    }

    pub fn insert_network_acl_association(
        &self,
        a: &NetworkAclAssociation,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO network_acl_associations (id, network_acl_id, subnet_id) VALUES (?1, ?2, ?3)",
            &[&a.id, &a.network_acl_id, &a.subnet_id],
        )?;
        Ok(())
    }

    /// Moves a subnet's association to another ACL under a new association ID.
    pub fn move_network_acl_association(
        &self,
        old_id: AssociationId,
        new_id: AssociationId,
        acl_id: NetworkAclId,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE network_acl_associations SET id = ?2, network_acl_id = ?3 WHERE id = ?1",
            &[&old_id, &new_id, &acl_id],
        )?;
        Ok(())
    }

    /// Deletes an ACL with its entries and tags. The caller has checked associations.
    pub fn delete_network_acl(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM network_acl_associations WHERE network_acl_id = ?1",
            &[&id],
        )?;
        self.exec(
            "DELETE FROM network_acls WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }
}
