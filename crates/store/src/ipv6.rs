//! IPv6 blocks of VPCs (with the Amazon pool shared by every account) and of subnets, and
//! interfaces' IPv6 addresses.

use crate::error::{Db, StoreError};
use crate::{EniId, EniScope, SubnetId, Tx, VpcId};
use ipnet::Ipv6Net;
use localvpc_model::Ec2Error;
use localvpc_model::ipv6::{self, SubnetIpv6Block, VpcIpv6Block};
use localvpc_model::network_interface::Ipv6Address;
use std::collections::HashMap;
use std::net::Ipv6Addr;

impl Tx<'_> {
    /// The IPv6 blocks of the partition's VPCs (or of one VPC), by VPC, in association order.
    pub(crate) fn vpc_ipv6_blocks(
        &self,
        vpc_id: Option<&str>,
    ) -> Result<HashMap<String, Vec<VpcIpv6Block>>, Ec2Error> {
        let mut out: HashMap<String, Vec<VpcIpv6Block>> = HashMap::new();
        self.each_row(
            "SELECT b.vpc_id, b.association_id, b.cidr, b.pool FROM vpc_ipv6_blocks b JOIN vpcs v ON v.id = b.vpc_id
             WHERE v.pid = ?1 AND (?2 IS NULL OR b.vpc_id = ?2) ORDER BY b.position",
            &[&self.pid, &vpc_id],
            |r| {
                out.entry(r.get(0)?).or_default().push(VpcIpv6Block {
                    association_id: r.get(1)?,
                    cidr: r.parsed(2)?,
                    pool: r.get(3)?,
                });
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Takes the next free /56 of the Amazon pool, whichever account holds the others. The
    /// cursor moves past it, so a released block goes to the back of the queue. Any run of
    /// `held + 1` consecutive indexes has a free one, which bounds the search without ever
    /// enumerating the pool; `UNIQUE (cidr)` has the last word.
    pub fn take_amazon_ipv6_block(&self, pool: Ipv6Net) -> Result<Ipv6Net, Ec2Error> {
        let size = ipv6::pool_size(pool);
        let held = self.count_rows("SELECT COUNT(*) FROM vpc_ipv6_blocks", &[])? as u64;
        if held >= size {
            return Err(ipv6::pool_exhausted());
        }
        let cursor: Option<i64> =
            self.row("SELECT next FROM ipv6_pool_cursor WHERE id = 1", &[], |r| {
                r.get(0)
            })?;
        let mut index = cursor
            .ok_or_else(|| StoreError::NotFound("the IPv6 pool cursor is missing".into()))
            .db()? as u64;
        for _ in 0..=held {
            if index == 0 || index > size {
                index = 1;
            }
            let block = ipv6::pool_block(pool, index).ok_or_else(ipv6::pool_exhausted)?;
            let taken = self.count_rows(
                "SELECT COUNT(*) FROM vpc_ipv6_blocks WHERE cidr = ?1",
                &[&block.to_string()],
            )? > 0;
            index += 1;
            if !taken {
                self.exec(
                    "UPDATE ipv6_pool_cursor SET next = ?1 WHERE id = 1",
                    &[&(index as i64)],
                )?;
                return Ok(block);
            }
        }
        Err(ipv6::pool_exhausted())
    }

    pub fn add_vpc_ipv6_block(&self, vpc_id: &str, block: &VpcIpv6Block) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO vpc_ipv6_blocks (association_id, vpc_id, cidr, pool, position)
             VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(position), -1) + 1 FROM vpc_ipv6_blocks WHERE vpc_id = ?2))",
            &[
                &block.association_id,
                &vpc_id,
                &block.cidr.to_string(),
                &block.pool,
            ],
        )?;
        Ok(())
    }

    /// Removes a VPC's IPv6 block, and with it the block's `local` route in every table of the
    /// VPC (stored only while ReplaceRoute points it elsewhere).
    pub fn remove_vpc_ipv6_block(&self, association_id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM routes WHERE origin = 'CreateRouteTable' AND (route_table_id, destination) IN
             (SELECT t.id, b.cidr FROM vpc_ipv6_blocks b JOIN route_tables t ON t.vpc_id = b.vpc_id
              WHERE b.association_id = ?1)",
            &[&association_id],
        )?;
        self.exec(
            "DELETE FROM vpc_ipv6_blocks WHERE association_id = ?1",
            &[&association_id],
        )?;
        Ok(())
    }

    /// The VPC owning an IPv6 block association of this partition.
    pub fn vpc_of_ipv6_association(
        &self,
        association_id: &str,
    ) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT b.vpc_id FROM vpc_ipv6_blocks b JOIN vpcs v ON v.id = b.vpc_id WHERE v.pid = ?1 AND b.association_id = ?2",
            &[&self.pid, &association_id],
            |r| r.get(0),
        )
    }

    /// The IPv6 blocks of the partition's subnets, by subnet.
    pub(crate) fn subnet_ipv6_blocks(&self) -> Result<HashMap<String, SubnetIpv6Block>, Ec2Error> {
        let mut out = HashMap::new();
        self.each_row(
            "SELECT b.subnet_id, b.association_id, b.cidr FROM subnet_ipv6_blocks b JOIN subnets s ON s.id = b.subnet_id WHERE s.pid = ?1",
            &[&self.pid],
            |r| {
                let block = SubnetIpv6Block {
                    association_id: r.get(1)?,
                    cidr: r.parsed(2)?,
                };
                out.insert(r.get(0)?, block);
                Ok(())
            },
        )?;
        Ok(out)
    }

    pub(crate) fn subnet_ipv6_block(
        &self,
        subnet_id: &str,
    ) -> Result<Option<SubnetIpv6Block>, Ec2Error> {
        self.row(
            "SELECT association_id, cidr FROM subnet_ipv6_blocks WHERE subnet_id = ?1",
            &[&subnet_id],
            |r| {
                Ok(SubnetIpv6Block {
                    association_id: r.get(0)?,
                    cidr: r.parsed(1)?,
                })
            },
        )
    }

    pub fn add_subnet_ipv6_block(
        &self,
        subnet_id: SubnetId,
        vpc_id: VpcId,
        block: &SubnetIpv6Block,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO subnet_ipv6_blocks (association_id, subnet_id, vpc_id, cidr) VALUES (?1, ?2, ?3, ?4)",
            &[
                &block.association_id,
                &subnet_id,
                &vpc_id,
                &block.cidr.to_string(),
            ],
        )?;
        Ok(())
    }

    pub fn remove_subnet_ipv6_block(&self, association_id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM subnet_ipv6_blocks WHERE association_id = ?1",
            &[&association_id],
        )?;
        Ok(())
    }

    /// The subnet owning an IPv6 block association of this partition.
    pub fn subnet_of_ipv6_association(
        &self,
        association_id: &str,
    ) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT b.subnet_id FROM subnet_ipv6_blocks b JOIN subnets s ON s.id = b.subnet_id WHERE s.pid = ?1 AND b.association_id = ?2",
            &[&self.pid, &association_id],
            |r| r.get(0),
        )
    }

    /// Whether an interface holds an IPv6 address or prefix in the subnet.
    pub fn subnet_has_ipv6_addresses(&self, subnet_id: &str) -> Result<bool, Ec2Error> {
        Ok(self.count_rows(
            "SELECT (SELECT COUNT(*) FROM ipv6_addresses WHERE subnet_id = ?1)
                  + (SELECT COUNT(*) FROM ipv6_prefixes WHERE subnet_id = ?1)",
            &[&subnet_id],
        )? > 0)
    }
}

impl Tx<'_> {
    /// The IPv6 addresses of the interfaces in `scope`, by interface, in assignment order.
    pub(crate) fn ipv6_addresses_in(
        &self,
        scope: EniScope,
    ) -> Result<HashMap<String, Vec<Ipv6Address>>, Ec2Error> {
        let (id, instance) = scope.params();
        let mut out: HashMap<String, Vec<Ipv6Address>> = HashMap::new();
        self.each_row(
            &format!(
                "SELECT p.eni_id, p.address, p.is_primary FROM ipv6_addresses p JOIN network_interfaces e ON e.id = p.eni_id
                 WHERE {} ORDER BY p.eni_id, p.position",
                scope.condition()
            ),
            &[&self.pid, &id, &instance],
            |r| {
                out.entry(r.get(0)?).or_default().push(Ipv6Address {
                    address: r.parsed(1)?,
                    primary: r.get(2)?,
                });
                Ok(())
            },
        )?;
        Ok(out)
    }

    /// Whether an interface holds `addr` in the subnet (the primary key's lookup), itself or
    /// inside a delegated /80.
    pub fn ipv6_address_held(&self, subnet_id: &str, addr: Ipv6Addr) -> Result<bool, Ec2Error> {
        if self.ipv6_prefix_holder(subnet_id, addr)?.is_some() {
            return Ok(true);
        }
        self.exists(
            "SELECT 1 FROM ipv6_addresses WHERE subnet_id = ?1 AND address = ?2",
            &[&subnet_id, &addr.to_string()],
        )
    }

    pub fn add_ipv6_address(
        &self,
        eni_id: EniId,
        subnet_id: SubnetId,
        addr: &Ipv6Address,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO ipv6_addresses (subnet_id, address, eni_id, is_primary, position)
             VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(position), -1) + 1 FROM ipv6_addresses WHERE eni_id = ?3))",
            &[&subnet_id, &addr.address.to_string(), &eni_id, &addr.primary],
        )?;
        Ok(())
    }

    pub fn remove_ipv6_address(&self, subnet_id: &str, addr: Ipv6Addr) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM ipv6_addresses WHERE subnet_id = ?1 AND address = ?2",
            &[&subnet_id, &addr.to_string()],
        )?;
        Ok(())
    }
}
