//! VPCs and their CIDR blocks.

use crate::Tx;
use crate::error::StoreError;
use crate::sql::Row;
use localvpc_model::{
    Ec2Error, IdKind,
    vpc::{Vpc, VpcCidrBlock},
};
use std::collections::HashMap;

const COLUMNS: &str = "id, is_default, instance_tenancy, dhcp_options_id, enable_dns_support, enable_dns_hostnames, enable_nau_metrics";

fn from_row(r: &Row, owner: &str) -> Result<Vpc, StoreError> {
    Ok(Vpc {
        id: r.get(0)?,
        owner_id: owner.to_owned(),
        cidr_blocks: Vec::new(),
        ipv6_blocks: Vec::new(),
        is_default: r.get(1)?,
        instance_tenancy: r.get(2)?,
        dhcp_options_id: r.get(3)?,
        enable_dns_support: r.get(4)?,
        enable_dns_hostnames: r.get(5)?,
        enable_network_address_usage_metrics: r.get(6)?,
        tags: Vec::new(),
    })
}

impl Tx<'_> {
    /// Every VPC of the partition, sorted by ID.
    pub fn vpcs(&self, owner: &str) -> Result<Vec<Vpc>, Ec2Error> {
        let mut vpcs = self.rows(
            &format!("SELECT {COLUMNS} FROM vpcs WHERE pid = ?1 ORDER BY id"),
            &[&self.pid],
            |r| from_row(r, owner),
        )?;
        let mut blocks: HashMap<String, Vec<VpcCidrBlock>> = HashMap::new();
        self.each_row(
            "SELECT b.vpc_id, b.association_id, b.cidr FROM vpc_cidr_blocks b JOIN vpcs v ON v.id = b.vpc_id WHERE v.pid = ?1 ORDER BY b.position",
            &[&self.pid],
            |r| {
                blocks.entry(r.get(0)?).or_default().push(VpcCidrBlock {
                    association_id: r.get(1)?,
                    cidr: r.parsed(2)?,
                });
                Ok(())
            },
        )?;
        let mut tags = self.tags_by_resource(IdKind::Vpc)?;
        let mut ipv6 = self.vpc_ipv6_blocks(None)?;
        for vpc in &mut vpcs {
            vpc.cidr_blocks = blocks.remove(&vpc.id).unwrap_or_default();
            vpc.ipv6_blocks = ipv6.remove(&vpc.id).unwrap_or_default();
            vpc.tags = tags.remove(&vpc.id).unwrap_or_default();
        }
        Ok(vpcs)
    }

    /// One VPC of the partition, or EC2's `InvalidVpcID.NotFound`.
    pub fn vpc(&self, owner: &str, id: &str) -> Result<Vpc, Ec2Error> {
        let mut vpc = self
            .row(
                &format!("SELECT {COLUMNS} FROM vpcs WHERE pid = ?1 AND id = ?2"),
                &[&self.pid, &id],
                |r| from_row(r, owner),
            )?
            .ok_or_else(|| IdKind::Vpc.not_found(id))?;
        vpc.cidr_blocks = self.rows(
            "SELECT association_id, cidr FROM vpc_cidr_blocks WHERE vpc_id = ?1 ORDER BY position",
            &[&id],
            |r| {
                Ok(VpcCidrBlock {
                    association_id: r.get(0)?,
                    cidr: r.parsed(1)?,
                })
            },
        )?;
        vpc.ipv6_blocks = self
            .vpc_ipv6_blocks(Some(id))?
            .remove(id)
            .unwrap_or_default();
        vpc.tags = self.tags_of(id)?;
        Ok(vpc)
    }

    pub fn default_vpc_id(&self) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT id FROM vpcs WHERE pid = ?1 AND is_default",
            &[&self.pid],
            |r| r.get(0),
        )
    }

    pub fn count_vpcs(&self) -> Result<usize, Ec2Error> {
        self.count_rows("SELECT COUNT(*) FROM vpcs WHERE pid = ?1", &[&self.pid])
    }

    pub fn insert_vpc(&self, vpc: &Vpc) -> Result<(), Ec2Error> {
        self.exec(
            &format!("INSERT INTO vpcs (pid, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
            &[
                &self.pid,
                &vpc.id,
                &vpc.is_default,
                &vpc.instance_tenancy,
                &vpc.dhcp_options_id,
                &vpc.enable_dns_support,
                &vpc.enable_dns_hostnames,
                &vpc.enable_network_address_usage_metrics,
            ],
        )?;
        for block in &vpc.cidr_blocks {
            self.add_vpc_cidr_block(&vpc.id, block)?;
        }
        for block in &vpc.ipv6_blocks {
            self.add_vpc_ipv6_block(&vpc.id, block)?;
        }
        self.set_tags(&vpc.id, &vpc.tags)
    }

    /// Writes the VPC's attributes (DNS support, hostnames, metrics).
    pub fn update_vpc_attributes(&self, vpc: &Vpc) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE vpcs SET enable_dns_support = ?2, enable_dns_hostnames = ?3, enable_nau_metrics = ?4 WHERE id = ?1",
            &[
                &vpc.id,
                &vpc.enable_dns_support,
                &vpc.enable_dns_hostnames,
                &vpc.enable_network_address_usage_metrics,
            ],
        )?;
        Ok(())
    }

    pub fn add_vpc_cidr_block(&self, vpc_id: &str, block: &VpcCidrBlock) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO vpc_cidr_blocks (association_id, vpc_id, cidr, position)
             VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(position), -1) + 1 FROM vpc_cidr_blocks WHERE vpc_id = ?2))",
            &[&block.association_id, &vpc_id, &block.cidr.to_string()],
        )?;
        Ok(())
    }

    pub fn remove_vpc_cidr_block(&self, association_id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM vpc_cidr_blocks WHERE association_id = ?1",
            &[&association_id],
        )?;
        Ok(())
    }

    /// The VPC owning a CIDR association, for DisassociateVpcCidrBlock.
    pub fn vpc_of_cidr_association(
        &self,
        association_id: &str,
    ) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT b.vpc_id FROM vpc_cidr_blocks b JOIN vpcs v ON v.id = b.vpc_id WHERE v.pid = ?1 AND b.association_id = ?2",
            &[&self.pid, &association_id],
            |r| r.get(0),
        )
    }

    /// Deletes the VPC row and its blocks and tags. The caller has removed its dependents.
    pub fn delete_vpc(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM vpcs WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }

    /// IDs of the partition's VPCs that give public DNS names (`enableDnsHostnames`).
    pub fn vpcs_with_dns_hostnames(&self) -> Result<std::collections::HashSet<String>, Ec2Error> {
        let ids: Vec<String> = self.rows(
            "SELECT id FROM vpcs WHERE pid = ?1 AND enable_dns_hostnames",
            &[&self.pid],
            |r| r.get(0),
        )?;
        Ok(ids.into_iter().collect())
    }
}
