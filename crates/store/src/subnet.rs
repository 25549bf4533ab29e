//! Subnets.

use crate::error::StoreError;
use crate::sql::Row;
use crate::{SubnetId, Tx, VpcId};
use localvpc_model::{Ec2Error, IdKind, subnet::Subnet};

const COLUMNS: &str = "id, vpc_id, cidr, availability_zone, availability_zone_id, default_for_az, map_public_ip_on_launch, \
    assign_ipv6_address_on_creation, enable_dns64, private_dns_hostname_type, enable_rn_dns_a, enable_rn_dns_aaaa, ipv6_native";

/// The same columns plus the number of addresses interfaces hold in the subnet (counted per
/// /24 by migration 0006's triggers, so this reads at most one row per /24; cast, as
/// PostgreSQL's `SUM` of a `BIGINT` is a `NUMERIC`).
const SELECT: &str = "SELECT id, vpc_id, cidr, availability_zone, availability_zone_id, default_for_az, map_public_ip_on_launch, \
    assign_ipv6_address_on_creation, enable_dns64, private_dns_hostname_type, enable_rn_dns_a, enable_rn_dns_aaaa, ipv6_native, \
    (SELECT CAST(COALESCE(SUM(used), 0) AS BIGINT) FROM address_blocks a WHERE a.subnet_id = subnets.id) FROM subnets";

/// Who owns the rows being read: the partition's account and region.
pub struct Owner<'a> {
    pub account: &'a str,
    pub region: &'a str,
}

fn from_row(r: &Row, owner: &Owner) -> Result<Subnet, StoreError> {
    Ok(Subnet {
        id: r.get(0)?,
        vpc_id: r.get(1)?,
        owner_id: owner.account.to_owned(),
        cidr: r.parsed(2)?,
        availability_zone: r.get(3)?,
        availability_zone_id: r.get(4)?,
        default_for_az: r.get(5)?,
        map_public_ip_on_launch: r.get(6)?,
        assign_ipv6_address_on_creation: r.get(7)?,
        enable_dns64: r.get(8)?,
        private_dns_hostname_type: r.get(9)?,
        enable_resource_name_dns_a_record: r.get(10)?,
        enable_resource_name_dns_aaaa_record: r.get(11)?,
        ipv6_native: r.get(12)?,
        ipv6_block: None,
        addresses_in_use: r.get::<i64>(13)? as u64,
        region: owner.region.to_owned(),
        tags: Vec::new(),
    })
}

impl Tx<'_> {
    /// Every subnet of the partition (or of one VPC), sorted by ID.
    pub fn subnets(&self, owner: &Owner, vpc_id: Option<&str>) -> Result<Vec<Subnet>, Ec2Error> {
        let mut subnets = self.rows(
            &format!("{SELECT} WHERE pid = ?1 AND (?2 IS NULL OR vpc_id = ?2) ORDER BY id"),
            &[&self.pid, &vpc_id],
            |r| from_row(r, owner),
        )?;
        let mut tags = self.tags_by_resource(IdKind::Subnet)?;
        let mut ipv6 = self.subnet_ipv6_blocks()?;
        for s in &mut subnets {
            s.ipv6_block = ipv6.remove(&s.id);
            s.tags = tags.remove(&s.id).unwrap_or_default();
        }
        Ok(subnets)
    }

    pub fn subnet(&self, owner: &Owner, id: &str) -> Result<Subnet, Ec2Error> {
        let mut subnet = self
            .row(
                &format!("{SELECT} WHERE pid = ?1 AND id = ?2"),
                &[&self.pid, &id],
                |r| from_row(r, owner),
            )?
            .ok_or_else(|| IdKind::Subnet.not_found(id))?;
        subnet.ipv6_block = self.subnet_ipv6_block(id)?;
        subnet.tags = self.tags_of(id)?;
        Ok(subnet)
    }

    pub fn count_subnets_in_vpc(&self, vpc_id: &str) -> Result<usize, Ec2Error> {
        self.count_rows("SELECT COUNT(*) FROM subnets WHERE vpc_id = ?1", &[&vpc_id])
    }

    pub fn insert_subnet(&self, s: &Subnet) -> Result<(), Ec2Error> {
        self.exec(
            &format!("INSERT INTO subnets (pid, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"),
            &[
                &self.pid,
                &s.id,
                &s.vpc_id,
                &s.cidr.to_string(),
                &s.availability_zone,
                &s.availability_zone_id,
                &s.default_for_az,
                &s.map_public_ip_on_launch,
                &s.assign_ipv6_address_on_creation,
                &s.enable_dns64,
                &s.private_dns_hostname_type,
                &s.enable_resource_name_dns_a_record,
                &s.enable_resource_name_dns_aaaa_record,
                &s.ipv6_native,
            ],
        )?;
        if let Some(block) = &s.ipv6_block {
            self.add_subnet_ipv6_block(SubnetId(&s.id), VpcId(&s.vpc_id), block)?;
        }
        self.set_tags(&s.id, &s.tags)
    }

    /// Writes the attributes ModifySubnetAttribute may change.
    pub fn update_subnet_attributes(&self, s: &Subnet) -> Result<(), Ec2Error> {
        self.exec(
            "UPDATE subnets SET map_public_ip_on_launch = ?2, assign_ipv6_address_on_creation = ?3, enable_dns64 = ?4,
             private_dns_hostname_type = ?5, enable_rn_dns_a = ?6, enable_rn_dns_aaaa = ?7 WHERE id = ?1",
            &[
                &s.id,
                &s.map_public_ip_on_launch,
                &s.assign_ipv6_address_on_creation,
                &s.enable_dns64,
                &s.private_dns_hostname_type,
                &s.enable_resource_name_dns_a_record,
                &s.enable_resource_name_dns_aaaa_record,
            ],
        )?;
        Ok(())
    }

    /// Deletes a subnet with its route table and ACL associations and its tags. The caller has
    /// checked dependents.
    pub fn delete_subnet(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM route_table_associations WHERE subnet_id = ?1",
            &[&id],
        )?;
        self.exec(
            "DELETE FROM subnets WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }
}
