//! Network interfaces, their private addresses, security groups and attachments.

mod prefixes;
mod private_ips;
mod rows;

pub use private_ips::SubnetAddresses;

use crate::{EniId, SubnetId, Tx};
use localvpc_model::network_interface::{
    Attachment, GroupRef, NetworkInterface, PrivateIp, PublicAssociation, Requester,
};
use localvpc_model::{Ec2Error, IdKind};
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// An indexed attribute to find interfaces by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EniLookup<'a> {
    Id,
    Subnet,
    Mac,
    Address,
    Instance,
    /// The value of the tag with this key.
    Tag(&'a str),
}

/// Which interfaces to load.
#[derive(Clone, Copy)]
pub enum EniScope<'a> {
    All,
    One(&'a str),
    AttachedTo(&'a str),
}

impl<'a> EniScope<'a> {
    /// The `?2` and `?3` parameters of [`EniScope::condition`].
    pub(crate) fn params(self) -> (Option<&'a str>, Option<&'a str>) {
        match self {
            Self::All => (None, None),
            Self::One(id) => (Some(id), None),
            Self::AttachedTo(instance) => (None, Some(instance)),
        }
    }

    /// Selects the scope's interfaces `e`: `?1` partition, `?2` one ID, `?3` one instance. One
    /// condition per scope (not `?2 IS NULL OR …`), so SQLite can use the primary key and the
    /// attachment index instead of scanning the partition. A parameter the condition only tests
    /// for `NULL` is cast, so PostgreSQL knows its type.
    pub(crate) fn condition(self) -> &'static str {
        match self {
            Self::All => "e.pid = ?1 AND CAST(?2 AS TEXT) IS NULL AND CAST(?3 AS TEXT) IS NULL",
            Self::One(_) => "e.pid = ?1 AND e.id = ?2 AND CAST(?3 AS TEXT) IS NULL",
            Self::AttachedTo(_) => {
                "e.pid = ?1 AND CAST(?2 AS TEXT) IS NULL AND e.id IN (SELECT eni_id FROM attachments WHERE instance_id = ?3)"
            }
        }
    }
}

impl<'c> Tx<'c> {
    /// Interfaces of the partition in `scope`, sorted by ID, with addresses, groups,
    /// attachment and tags.
    pub fn network_interfaces(
        &self,
        account: &str,
        scope: EniScope,
    ) -> Result<Vec<NetworkInterface>, Ec2Error> {
        let (id, instance) = scope.params();
        let scope_sql = scope.condition();
        let mut enis: Vec<NetworkInterface> = self.rows(
            &format!(
                "SELECT e.id, e.subnet_id, e.vpc_id, e.availability_zone, e.availability_zone_id, e.description, e.mac_address,
                        e.interface_type, e.source_dest_check, e.requester_id, e.service_attachment_id, e.service_attach_time
                 FROM network_interfaces e WHERE {scope_sql} ORDER BY e.id"
            ),
            &[&self.pid, &id, &instance],
            |r| {
                Ok(NetworkInterface {
                    id: r.get(0)?,
                    owner_id: account.to_owned(),
                    subnet_id: r.get(1)?,
                    vpc_id: r.get(2)?,
                    availability_zone: r.get(3)?,
                    availability_zone_id: r.get(4)?,
                    description: r.get(5)?,
                    mac_address: r.get(6)?,
                    interface_type: r.get(7)?,
                    source_dest_check: r.get(8)?,
                    requester: match r.get::<Option<String>>(9)? {
                        Some(requester_id) => Some(Requester {
                            requester_id,
                            attachment_id: r.get(10)?,
                            attach_time: r.get(11)?,
                        }),
                        None => None,
                    },
                    private_ips: Vec::new(),
                    ipv6_addresses: Vec::new(),
                    ipv4_prefixes: Vec::new(),
                    ipv6_prefixes: Vec::new(),
                    groups: Vec::new(),
                    attachment: None,
                    tags: Vec::new(),
                })
            },
        )?;
        if enis.is_empty() {
            return Ok(enis);
        }
        let by_eni = |sql: &str| rows::ByInterface::new(self, scope, sql);
        let mut ips = by_eni(
            "SELECT p.eni_id, p.address, p.is_primary FROM private_ips p JOIN network_interfaces e ON e.id = p.eni_id
             WHERE {scope} ORDER BY p.eni_id, p.is_primary DESC, p.position",
        )
        .group(|r| {
            Ok(PrivateIp {
                address: r.parsed(1)?,
                primary: r.get(2)?,
                association: None,
            })
        })?;
        let mut groups = by_eni(
            "SELECT g.eni_id, g.group_id, s.name FROM eni_security_groups g JOIN security_groups s ON s.id = g.group_id
             JOIN network_interfaces e ON e.id = g.eni_id WHERE {scope} ORDER BY g.eni_id, g.position",
        )
        .group(|r| {
            Ok(GroupRef {
                id: r.get(1)?,
                name: r.get(2)?,
            })
        })?;
        let mut attachments = by_eni(
            "SELECT a.eni_id, a.id, a.instance_id, a.device_index, a.network_card_index, a.delete_on_termination, a.attach_time
             FROM attachments a JOIN network_interfaces e ON e.id = a.eni_id WHERE {scope}",
        )
        .group(|r| {
            Ok(Attachment {
                id: r.get(1)?,
                instance_id: r.get(2)?,
                instance_owner_id: account.to_owned(),
                device_index: r.get(3)?,
                network_card_index: r.get(4)?,
                delete_on_termination: r.get(5)?,
                attach_time: r.get(6)?,
            })
        })?;
        // An instance's auto-assigned public IPv4 belongs to the primary address of device 0.
        let mut public = by_eni(
            "SELECT a.eni_id, i.public_ip FROM attachments a JOIN instances i ON i.id = a.instance_id
             JOIN network_interfaces e ON e.id = a.eni_id
             WHERE {scope} AND a.device_index = 0 AND a.network_card_index = 0 AND i.public_ip IS NOT NULL",
        )
        .group(|r| r.parsed::<Ipv4Addr>(1))?;
        // Elastic IPs, each on the private address it maps.
        let mut elastic = by_eni(
            "SELECT x.eni_id, x.private_ip, x.public_ip, x.allocation_id, x.association_id FROM elastic_ips x
             JOIN network_interfaces e ON e.id = x.eni_id WHERE {scope}",
        )
        .group(|r| {
            Ok((
                r.parsed::<Ipv4Addr>(1)?,
                PublicAssociation {
                    public_ip: r.parsed(2)?,
                    allocation_id: r.get(3)?,
                    association_id: r.get(4)?,
                    ip_owner_id: account.to_owned(),
                },
            ))
        })?;
        let mut tags = match scope {
            EniScope::One(one) => HashMap::from([(one.to_owned(), self.tags_of(one)?)]),
            _ => self.tags_by_resource(IdKind::NetworkInterface)?,
        };
        let mut ipv6 = self.ipv6_addresses_in(scope)?;
        let (mut v4_prefixes, mut v6_prefixes) = self.prefixes_in(scope)?;
        for eni in &mut enis {
            eni.ipv6_addresses = ipv6.remove(&eni.id).unwrap_or_default();
            eni.ipv4_prefixes = v4_prefixes.remove(&eni.id).unwrap_or_default();
            eni.ipv6_prefixes = v6_prefixes.remove(&eni.id).unwrap_or_default();
            eni.private_ips = ips.remove(&eni.id).unwrap_or_default();
            eni.groups = groups.remove(&eni.id).unwrap_or_default();
            eni.attachment = attachments.remove(&eni.id).and_then(|mut a| a.pop());
            eni.tags = tags.remove(&eni.id).unwrap_or_default();
            if let (Some(ip), Some(primary)) = (
                public.remove(&eni.id).and_then(|mut p| p.pop()),
                eni.private_ips.iter_mut().find(|p| p.primary),
            ) {
                primary.association = Some(PublicAssociation {
                    public_ip: ip,
                    allocation_id: None,
                    association_id: None,
                    ip_owner_id: "amazon".into(),
                });
            }
            for (address, association) in elastic.remove(&eni.id).unwrap_or_default() {
                if let Some(ip) = eni.private_ips.iter_mut().find(|p| p.address == address) {
                    ip.association = Some(association);
                }
            }
        }
        Ok(enis)
    }

    /// One interface of the partition, or `InvalidNetworkInterfaceID.NotFound`.
    pub fn network_interface(&self, account: &str, id: &str) -> Result<NetworkInterface, Ec2Error> {
        self.network_interfaces(account, EniScope::One(id))?
            .pop()
            .ok_or_else(|| IdKind::NetworkInterface.not_found(id))
    }

    /// The partition's interface count, kept by triggers (see migration 0004).
    pub fn count_network_interfaces(&self) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COALESCE((SELECT n FROM network_interface_counts WHERE pid = ?1), 0)",
            &[&self.pid],
        )
    }

    /// IDs of the partition's interfaces with an exact attribute value, through an index.
    pub fn network_interface_ids(
        &self,
        by: EniLookup,
        value: &str,
    ) -> Result<Vec<String>, Ec2Error> {
        let sql = match by {
            EniLookup::Id => "SELECT id FROM network_interfaces WHERE id = ?2 AND pid = ?1",
            EniLookup::Subnet => {
                "SELECT id FROM network_interfaces WHERE subnet_id = ?2 AND pid = ?1"
            }
            EniLookup::Mac => {
                "SELECT id FROM network_interfaces WHERE mac_address = ?2 AND pid = ?1"
            }
            EniLookup::Address => {
                "SELECT p.eni_id FROM private_ips p JOIN network_interfaces e ON e.id = p.eni_id WHERE p.address = ?2 AND e.pid = ?1"
            }
            EniLookup::Instance => {
                "SELECT a.eni_id FROM attachments a JOIN network_interfaces e ON e.id = a.eni_id WHERE a.instance_id = ?2 AND e.pid = ?1"
            }
            // Interface IDs sort in [`eni-`, `eni.`): the index finds the partition's resources
            // with the tag, the range keeps the interfaces.
            EniLookup::Tag(_) => {
                "SELECT resource_id FROM tags WHERE pid = ?1 AND key = ?3 AND value = ?2
                 AND resource_id >= 'eni-' AND resource_id < 'eni.'"
            }
        };
        match by {
            EniLookup::Tag(key) => self.rows(sql, &[&self.pid, &value, &key], |r| r.get(0)),
            _ => self.rows(sql, &[&self.pid, &value], |r| r.get(0)),
        }
    }

    pub fn count_network_interfaces_in_subnet(&self, subnet_id: &str) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM network_interfaces WHERE subnet_id = ?1",
            &[&subnet_id],
        )
    }

    /// Interfaces that use a security group.
    pub fn count_network_interfaces_in_group(&self, group_id: &str) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM eni_security_groups WHERE group_id = ?1",
            &[&group_id],
        )
    }

    pub fn mac_in_use(&self, mac: &str) -> Result<bool, Ec2Error> {
        Ok(self.count_rows(
            "SELECT COUNT(*) FROM network_interfaces WHERE mac_address = ?1",
            &[&mac],
        )? > 0)
    }

    /// Inserts an interface with its addresses, groups and tags (not its attachment).
    pub fn insert_network_interface(&self, e: &NetworkInterface) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO network_interfaces (id, pid, subnet_id, vpc_id, availability_zone, availability_zone_id, description,
             mac_address, interface_type, source_dest_check, requester_managed, requester_id, service_attachment_id,
             service_attach_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            &[
                &e.id,
                &self.pid,
                &e.subnet_id,
                &e.vpc_id,
                &e.availability_zone,
                &e.availability_zone_id,
                &e.description,
                &e.mac_address,
                &e.interface_type,
                &e.source_dest_check,
                &e.requester_managed(),
                &e.requester.as_ref().map(|r| &r.requester_id),
                &e.requester.as_ref().map(|r| &r.attachment_id),
                &e.requester.as_ref().map(|r| &r.attach_time),
            ],
        )?;
        for ip in &e.private_ips {
            self.add_private_ip(EniId(&e.id), SubnetId(&e.subnet_id), ip.address, ip.primary)?;
        }
        for ip in &e.ipv6_addresses {
            self.add_ipv6_address(EniId(&e.id), SubnetId(&e.subnet_id), ip)?;
        }
        for net in &e.ipv4_prefixes {
            self.add_ipv4_prefix(EniId(&e.id), SubnetId(&e.subnet_id), *net)?;
        }
        for net in &e.ipv6_prefixes {
            self.add_ipv6_prefix(EniId(&e.id), SubnetId(&e.subnet_id), *net)?;
        }
        self.set_network_interface_groups(
            &e.id,
            &e.groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>(),
        )?;
        self.set_tags(&e.id, &e.tags)
    }

    /// Replaces an interface's security groups (in the given order).
    pub fn set_network_interface_groups(
        &self,
        eni_id: &str,
        group_ids: &[String],
    ) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM eni_security_groups WHERE eni_id = ?1",
            &[&eni_id],
        )?;
        for (position, group) in group_ids.iter().enumerate() {
            self.exec(
                "INSERT INTO eni_security_groups (eni_id, group_id, position) VALUES (?1, ?2, ?3)",
                &[&eni_id, group, &(position as i64)],
            )?;
        }
        Ok(())
    }

    /// Writes the attributes ModifyNetworkInterfaceAttribute may change (besides groups).
    pub fn update_network_interface(&self, e: &NetworkInterface) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE network_interfaces SET description = ?2, source_dest_check = ?3 WHERE id = ?1",
            &[&e.id, &e.description, &e.source_dest_check],
        )?;
        Ok(())
    }

    /// Records an attachment. The UNIQUE constraints refuse a second attachment of the
    /// interface or a second interface in the slot, whatever the checks above missed.
    pub fn insert_attachment(&self, eni_id: &str, a: &Attachment) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO attachments (id, eni_id, instance_id, device_index, network_card_index, delete_on_termination, attach_time)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                &a.id,
                &eni_id,
                &a.instance_id,
                &a.device_index,
                &a.network_card_index,
                &a.delete_on_termination,
                &a.attach_time,
            ],
        )?;
        Ok(())
    }

    /// The interface an attachment belongs to (in the caller's partition).
    pub fn attachment_interface(&self, attachment_id: &str) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT a.eni_id FROM attachments a JOIN network_interfaces e ON e.id = a.eni_id WHERE e.pid = ?1 AND a.id = ?2",
            &[&self.pid, &attachment_id],
            |r| r.get(0),
        )
    }

    pub fn delete_attachment(&self, attachment_id: &str) -> Result<(), Ec2Error> {
        self.exec("DELETE FROM attachments WHERE id = ?1", &[&attachment_id])?;
        Ok(())
    }

    pub fn set_delete_on_termination(
        &self,
        attachment_id: &str,
        value: bool,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE attachments SET delete_on_termination = ?2 WHERE id = ?1",
            &[&attachment_id, &value],
        )?;
        Ok(())
    }

    /// Deletes an interface with its addresses, groups and tags. The caller has detached it.
    pub fn delete_network_interface(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM network_interfaces WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }
}
