//! Private-IP bookkeeping: which addresses of a subnet are used (per /24, for allocation), who
//! holds one, and adding or removing one. `PRIMARY KEY (subnet_id, address)` has the last word.
//! The addresses of delegated IPv4 prefixes count as used (and held) too.

use crate::{EniId, SubnetId, Tx};
use ipnet::Ipv4Net;
use localvpc_model::Ec2Error;
use localvpc_model::address::UsedAddresses;
use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

/// The used addresses of one subnet, counted per /24 by migration 0006's triggers.
pub struct SubnetAddresses<'t, 'c> {
    tx: &'t Tx<'c>,
    subnet_id: &'t str,
}

impl UsedAddresses for SubnetAddresses<'_, '_> {
    fn count_per_block(&mut self) -> Result<HashMap<Ipv4Addr, usize>, Ec2Error> {
        let mut blocks = HashMap::new();
        self.tx.each_row(
            "SELECT block, used FROM address_blocks WHERE subnet_id = ?1 AND used > 0",
            &[&self.subnet_id],
            |r| {
                let block = r.decoded(0, |b| format!("{b}0").parse::<Ipv4Addr>().ok())?;
                blocks.insert(block, r.get::<i64>(1)? as usize);
                Ok(())
            },
        )?;
        Ok(blocks)
    }

    fn within(&mut self, block: Ipv4Net) -> Result<BTreeSet<Ipv4Addr>, Ec2Error> {
        // The block's addresses are the texts starting `a.b.c.`: [`a.b.c.`, `a.b.c/`).
        let (low, high) = super::prefixes::slash24_bounds(block.network());
        let mut used = BTreeSet::new();
        self.tx.each_row(
            "SELECT address FROM private_ips WHERE subnet_id = ?1 AND address >= ?2 AND address < ?3",
            &[&self.subnet_id, &low, &high],
            |r| {
                used.insert(r.parsed::<Ipv4Addr>(0)?);
                Ok(())
            },
        )?;
        for prefix in self
            .tx
            .ipv4_prefixes_near(self.subnet_id, block.network())?
        {
            used.extend(prefix.hosts().chain([prefix.network(), prefix.broadcast()]));
        }
        Ok(used)
    }
}

impl<'c> Tx<'c> {
    /// A subnet's used addresses, read a /24 at a time (see [`UsedAddresses`]).
    pub fn used_addresses<'t>(&'t self, subnet_id: &'t str) -> SubnetAddresses<'t, 'c> {
        SubnetAddresses {
            tx: self,
            subnet_id,
        }
    }

    /// The interface holding an address in a subnet, and whether it is that interface's primary.
    /// An address inside a delegated prefix is held like a primary: it never moves alone.
    pub fn address_holder(
        &self,
        subnet_id: &str,
        addr: Ipv4Addr,
    ) -> Result<Option<(String, bool)>, Ec2Error> {
        if let Some(eni) = self.ipv4_prefix_holder(subnet_id, addr)? {
            return Ok(Some((eni, true)));
        }
        self.row(
            "SELECT eni_id, is_primary FROM private_ips WHERE subnet_id = ?1 AND address = ?2",
            &[&subnet_id, &addr.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    pub fn add_private_ip(
        &self,
        eni_id: EniId,
        subnet_id: SubnetId,
        addr: Ipv4Addr,
        primary: bool,
    ) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO private_ips (subnet_id, address, eni_id, is_primary, position)
             VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(position), -1) + 1 FROM private_ips WHERE eni_id = ?3))",
            &[&subnet_id, &addr.to_string(), &eni_id, &primary],
        )?;
        Ok(())
    }

    pub fn remove_private_ip(&self, subnet_id: &str, addr: Ipv4Addr) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM private_ips WHERE subnet_id = ?1 AND address = ?2",
            &[&subnet_id, &addr.to_string()],
        )?;
        Ok(())
    }
}
