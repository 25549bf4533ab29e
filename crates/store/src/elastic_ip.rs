//! Elastic IP addresses and their associations.

use crate::error::StoreError;
use crate::sql::Row;
use crate::{EniId, SubnetId, Tx};
use localvpc_model::elastic_ip::{EipAssociation, ElasticIp};
use localvpc_model::{Ec2Error, IdKind};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

const SELECT: &str = "SELECT x.allocation_id, x.public_ip, x.network_border_group, x.association_id, x.eni_id, x.subnet_id, x.private_ip, \
    (SELECT a.instance_id FROM attachments a WHERE a.eni_id = x.eni_id), x.ptr_record FROM elastic_ips x";

fn from_row(r: &Row, account: &str) -> Result<ElasticIp, StoreError> {
    let association_id: Option<String> = r.get(3)?;
    let association = match association_id {
        Some(association_id) => Some(EipAssociation {
            association_id,
            network_interface_id: r.get(4)?,
            subnet_id: r.get(5)?,
            private_ip: r.parsed(6)?,
            instance_id: r.get(7)?,
        }),
        None => None,
    };
    Ok(ElasticIp {
        allocation_id: r.get(0)?,
        public_ip: r.parsed(1)?,
        owner_id: account.to_owned(),
        network_border_group: r.get(2)?,
        association,
        ptr_record: r.get(8)?,
        tags: Vec::new(),
    })
}

impl Tx<'_> {
    /// Every Elastic IP of the partition, sorted by allocation ID.
    pub fn elastic_ips(&self, account: &str) -> Result<Vec<ElasticIp>, Ec2Error> {
        let mut eips = self.rows(
            &format!("{SELECT} WHERE x.pid = ?1 ORDER BY x.allocation_id"),
            &[&self.pid],
            |r| from_row(r, account),
        )?;
        let mut tags = self.tags_by_resource(IdKind::Allocation)?;
        for e in &mut eips {
            e.tags = tags.remove(&e.allocation_id).unwrap_or_default();
        }
        Ok(eips)
    }

    /// One Elastic IP by allocation ID, or `InvalidAllocationID.NotFound`.
    pub fn elastic_ip(&self, account: &str, allocation_id: &str) -> Result<ElasticIp, Ec2Error> {
        let mut eip = self
            .row(
                &format!("{SELECT} WHERE x.pid = ?1 AND x.allocation_id = ?2"),
                &[&self.pid, &allocation_id],
                |r| from_row(r, account),
            )?
            .ok_or_else(|| IdKind::Allocation.not_found(allocation_id))?;
        eip.tags = self.tags_of(allocation_id)?;
        Ok(eip)
    }

    /// The Elastic IP of the partition with this association ID, if it is current.
    pub fn elastic_ip_by_association(
        &self,
        account: &str,
        association_id: &str,
    ) -> Result<Option<ElasticIp>, Ec2Error> {
        self.row(
            &format!("{SELECT} WHERE x.pid = ?1 AND x.association_id = ?2"),
            &[&self.pid, &association_id],
            |r| from_row(r, account),
        )
    }

    /// The Elastic IP mapped to a private address, if any.
    pub fn elastic_ip_of_address(
        &self,
        account: &str,
        subnet_id: &str,
        private_ip: Ipv4Addr,
    ) -> Result<Option<ElasticIp>, Ec2Error> {
        self.row(
            &format!("{SELECT} WHERE x.subnet_id = ?1 AND x.private_ip = ?2"),
            &[&subnet_id, &private_ip.to_string()],
            |r| from_row(r, account),
        )
    }

    /// Elastic IPs associated with any address of an interface.
    pub fn elastic_ips_of_interface(
        &self,
        account: &str,
        eni_id: &str,
    ) -> Result<Vec<ElasticIp>, Ec2Error> {
        self.rows(
            &format!("{SELECT} WHERE x.eni_id = ?1 ORDER BY x.allocation_id"),
            &[&eni_id],
            |r| from_row(r, account),
        )
    }

    pub fn count_elastic_ips(&self) -> Result<usize, Ec2Error> {
        self.count_rows(
            "SELECT COUNT(*) FROM elastic_ips WHERE pid = ?1",
            &[&self.pid],
        )
    }

    /// Whether an association ID once existed in the partition and has ended.
    pub fn eip_association_ended(&self, association_id: &str) -> Result<bool, Ec2Error> {
        Ok(self.count_rows(
            "SELECT COUNT(*) FROM ended_eip_associations WHERE pid = ?1 AND association_id = ?2",
            &[&self.pid, &association_id],
        )? > 0)
    }

    /// Sets or (with `None`) clears an Elastic IP's reverse DNS record.
    pub fn set_elastic_ip_ptr_record(
        &self,
        allocation_id: &str,
        ptr_record: Option<&str>,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE elastic_ips SET ptr_record = ?2 WHERE allocation_id = ?1",
            &[&allocation_id, &ptr_record],
        )?;
        Ok(())
    }

    pub fn insert_elastic_ip(&self, e: &ElasticIp) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO elastic_ips (allocation_id, pid, public_ip, network_border_group) VALUES (?1, ?2, ?3, ?4)",
            &[
                &e.allocation_id,
                &self.pid,
                &e.public_ip.to_string(),
                &e.network_border_group,
            ],
        )?;
        self.set_tags(&e.allocation_id, &e.tags)
    }

    /// Points an Elastic IP at a private address. The UNIQUE (subnet, address) constraint is the
    /// last word on one Elastic IP per private address.
    pub fn associate_elastic_ip(
        &self,
        allocation_id: &str,
        a: &EipAssociation,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE elastic_ips SET association_id = ?2, eni_id = ?3, subnet_id = ?4, private_ip = ?5 WHERE allocation_id = ?1",
            &[
                &allocation_id,
                &a.association_id,
                &a.network_interface_id,
                &a.subnet_id,
                &a.private_ip.to_string(),
            ],
        )?;
        Ok(())
    }

    /// Ends an Elastic IP's association (remembered, so ending it again is not an error).
    pub fn disassociate_elastic_ip(&self, allocation_id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO ended_eip_associations (association_id, pid)
             SELECT association_id, pid FROM elastic_ips WHERE allocation_id = ?1 AND association_id IS NOT NULL
             ON CONFLICT (association_id) DO NOTHING",
            &[&allocation_id],
        )?;
        self.exec(
            "UPDATE elastic_ips SET association_id = NULL, eni_id = NULL, subnet_id = NULL, private_ip = NULL WHERE allocation_id = ?1",
            &[&allocation_id],
        )?;
        Ok(())
    }

    /// Moves the Elastic IP of a private address along with the address to another interface.
    pub fn move_elastic_ip_of_address(
        &self,
        subnet_id: SubnetId,
        private_ip: Ipv4Addr,
        to_eni: EniId,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE elastic_ips SET eni_id = ?3 WHERE subnet_id = ?1 AND private_ip = ?2",
            &[&subnet_id, &private_ip.to_string(), &to_eni],
        )?;
        Ok(())
    }

    pub fn delete_elastic_ip(&self, allocation_id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM elastic_ips WHERE allocation_id = ?1 AND pid = ?2",
            &[&allocation_id, &self.pid],
        )?;
        self.delete_tags_of(allocation_id)
    }

    /// Every public IPv4 in use on this machine, auto-assigned or Elastic, in every partition
    /// (there is one internet).
    pub fn public_ips_in_use(&self) -> Result<BTreeSet<Ipv4Addr>, Ec2Error> {
        let mut used = BTreeSet::new();
        self.each_row(
            "SELECT public_ip FROM instances WHERE public_ip IS NOT NULL UNION SELECT public_ip FROM elastic_ips",
            &[],
            |r| {
                used.insert(r.parsed(0)?);
                Ok(())
            },
        )?;
        Ok(used)
    }

    /// Whether any address in the VPC is mapped to a public IPv4 (Elastic or auto-assigned).
    pub fn vpc_has_public_addresses(&self, vpc_id: &str) -> Result<bool, Ec2Error> {
        let eips = self.count_rows(
            "SELECT COUNT(*) FROM elastic_ips x JOIN network_interfaces e ON e.id = x.eni_id WHERE e.vpc_id = ?1",
            &[&vpc_id],
        )?;
        let auto = self.count_rows(
            "SELECT COUNT(*) FROM instances i JOIN attachments a ON a.instance_id = i.id JOIN network_interfaces e ON e.id = a.eni_id
             WHERE e.vpc_id = ?1 AND i.public_ip IS NOT NULL AND a.device_index = 0 AND a.network_card_index = 0",
            &[&vpc_id],
        )?;
        Ok(eips + auto > 0)
    }
}
