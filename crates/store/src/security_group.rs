//! Security groups and their rules.

use crate::Tx;
use crate::error::StoreError;
use crate::sql::Row;
use localvpc_model::network_interface::GroupRef;
use localvpc_model::security_group::{
    Permission, Protocol, RulePeer, SecurityGroup, SecurityGroupRule,
};
use localvpc_model::{Ec2Error, IdKind};
use std::collections::HashMap;

/// The peer as three columns: its kind, the CIDR or group ID, and the group's owner.
fn peer_columns(peer: &RulePeer) -> (&'static str, String, &str) {
    match peer {
        RulePeer::Cidr(c) => ("cidr", c.to_string(), ""),
        RulePeer::Ipv6Cidr(c) => ("cidr6", c.to_string(), ""),
        RulePeer::Group { group_id, user_id } => ("group", group_id.clone(), user_id),
        RulePeer::PrefixList(id) => ("prefix-list", id.clone(), ""),
    }
}

fn rule_from_row(r: &Row) -> Result<SecurityGroupRule, StoreError> {
    let kind: String = r.get(6)?;
    let peer = match kind.as_str() {
        "cidr" => RulePeer::Cidr(r.parsed(7)?),
        "cidr6" => RulePeer::Ipv6Cidr(r.parsed(7)?),
        "prefix-list" => RulePeer::PrefixList(r.get(7)?),
        _ => RulePeer::Group {
            group_id: r.get(7)?,
            user_id: r.get(8)?,
        },
    };
    let protocol = r.decoded(3, |text| Protocol::parse(text).ok())?;
    let ports = match (r.get(4)?, r.get(5)?) {
        (Some(from), Some(to)) => Some((from, to)),
        _ => None,
    };
    Ok(SecurityGroupRule {
        id: r.get(0)?,
        group_id: r.get(1)?,
        is_egress: r.get(2)?,
        permission: Permission {
            protocol,
            ports,
            peer,
        },
        description: r.get(9)?,
        tags: Vec::new(),
    })
}

const RULE_COLUMNS: &str = "r.id, r.group_id, r.is_egress, r.protocol, r.from_port, r.to_port, r.peer_kind, r.peer, r.peer_user_id, r.description";

impl Tx<'_> {
    /// Every security group of the partition (or one VPC) with rules and tags, sorted by ID.
    pub fn security_groups(
        &self,
        owner: &str,
        vpc_id: Option<&str>,
    ) -> Result<Vec<SecurityGroup>, Ec2Error> {
        let mut groups = self.rows(
            "SELECT id, vpc_id, name, description FROM security_groups WHERE pid = ?1 AND (?2 IS NULL OR vpc_id = ?2) ORDER BY id",
            &[&self.pid, &vpc_id],
            |r| {
                Ok(SecurityGroup {
                    id: r.get(0)?,
                    vpc_id: r.get(1)?,
                    owner_id: owner.to_owned(),
                    name: r.get(2)?,
                    description: r.get(3)?,
                    rules: Vec::new(),
                    tags: Vec::new(),
                })
            },
        )?;
        let mut tags = self.tags_by_resource(IdKind::SecurityGroup)?;
        let mut rule_tags = self.tags_by_resource(IdKind::SecurityGroupRule)?;
        let mut rules: HashMap<String, Vec<SecurityGroupRule>> = HashMap::new();
        for mut rule in self.security_group_rules()? {
            rule.tags = rule_tags.remove(&rule.id).unwrap_or_default();
            rules.entry(rule.group_id.clone()).or_default().push(rule);
        }
        for g in &mut groups {
            g.rules = rules.remove(&g.id).unwrap_or_default();
            g.tags = tags.remove(&g.id).unwrap_or_default();
        }
        Ok(groups)
    }

    /// The ID and name of every group of a VPC: all an interface needs to name its groups,
    /// without reading rules and tags.
    pub fn security_group_refs(&self, vpc_id: &str) -> Result<Vec<GroupRef>, Ec2Error> {
        self.rows(
            "SELECT id, name FROM security_groups WHERE pid = ?1 AND vpc_id = ?2 ORDER BY id",
            &[&self.pid, &vpc_id],
            |r| {
                Ok(GroupRef {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            },
        )
    }

    /// Every rule of every group in the partition, in the order they were added.
    fn security_group_rules(&self) -> Result<Vec<SecurityGroupRule>, Ec2Error> {
        self.rows(
            &format!(
                "SELECT {RULE_COLUMNS} FROM security_group_rules r JOIN security_groups g ON g.id = r.group_id
                 WHERE g.pid = ?1 ORDER BY r.group_id, r.position"
            ),
            &[&self.pid],
            rule_from_row,
        )
    }

    /// One group, or `InvalidGroup.NotFound`.
    pub fn security_group(&self, owner: &str, id: &str) -> Result<SecurityGroup, Ec2Error> {
        let vpc_id: String = self
            .row(
                "SELECT vpc_id FROM security_groups WHERE pid = ?1 AND id = ?2",
                &[&self.pid, &id],
                |r| r.get(0),
            )?
            .ok_or_else(|| IdKind::SecurityGroup.not_found(id))?;
        let mut groups = self.security_groups(owner, Some(&vpc_id))?;
        let index = groups
            .iter()
            .position(|g| g.id == id)
            .ok_or_else(|| IdKind::SecurityGroup.not_found(id))?;
        Ok(groups.swap_remove(index))
    }

    pub fn count_security_groups(&self) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM security_groups WHERE pid = ?1",
            &[&self.pid],
        )
    }

    /// Inserts a group with its rules and tags.
    pub fn insert_security_group(&self, group: &SecurityGroup) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO security_groups (id, pid, vpc_id, name, description) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[
                &group.id,
                &self.pid,
                &group.vpc_id,
                &group.name,
                &group.description,
            ],
        )?;
        for rule in &group.rules {
            self.insert_security_group_rule(rule)?;
        }
        self.set_tags(&group.id, &group.tags)
    }

    pub fn insert_security_group_rule(&self, rule: &SecurityGroupRule) -> Result<(), Ec2Error> {
        let p = &rule.permission;
        let (kind, peer, user) = peer_columns(&p.peer);
        self.exec(
            "INSERT INTO security_group_rules (id, group_id, is_egress, protocol, from_port, to_port, peer_kind, peer, peer_user_id, description, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, (SELECT COALESCE(MAX(position), -1) + 1 FROM security_group_rules WHERE group_id = ?2))",
            &[
                &rule.id,
                &rule.group_id,
                &rule.is_egress,
                &p.protocol.to_string(),
                &p.ports.map(|(f, _)| f),
                &p.ports.map(|(_, t)| t),
                &kind,
                &peer,
                &user,
                &rule.description,
            ],
        )?;
        self.set_tags(&rule.id, &rule.tags)
    }

    /// Rewrites what a rule permits and its description; its ID, group, direction, position
    /// and tags stay.
    pub fn replace_security_group_rule(&self, rule: &SecurityGroupRule) -> Result<(), Ec2Error> {
        let p = &rule.permission;
        let (kind, peer, user) = peer_columns(&p.peer);
        self.exec(
            "UPDATE security_group_rules SET protocol = ?2, from_port = ?3, to_port = ?4, peer_kind = ?5, peer = ?6, peer_user_id = ?7, description = ?8 WHERE id = ?1",
            &[
                &rule.id,
                &p.protocol.to_string(),
                &p.ports.map(|(f, _)| f),
                &p.ports.map(|(_, t)| t),
                &kind,
                &peer,
                &user,
                &rule.description,
            ],
        )?;
        Ok(())
    }

    pub fn delete_security_group_rule(&self, rule_id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM security_group_rules WHERE id = ?1",
            &[&rule_id],
        )?;
        self.delete_tags_of(rule_id)
    }

    /// Groups (other than `group_id` itself) whose rules reference `group_id`.
    pub fn groups_referencing(&self, group_id: &str) -> Result<Vec<String>, Ec2Error> {
        self.rows(
            "SELECT DISTINCT group_id FROM security_group_rules WHERE peer_kind = 'group' AND peer = ?1 AND group_id <> ?1 ORDER BY group_id",
            &[&group_id],
            |r| r.get(0),
        )
    }

    /// Deletes a group with its rules (and their tags) and its tags.
    pub fn delete_security_group(&self, id: &str) -> Result<(), Ec2Error> {
        let rule_ids: Vec<String> = self.rows(
            "SELECT id FROM security_group_rules WHERE group_id = ?1",
            &[&id],
            |r| r.get(0),
        )?;
        for rule in rule_ids {
            self.delete_tags_of(&rule)?;
        }
        self.exec(
            "DELETE FROM security_groups WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }
}
