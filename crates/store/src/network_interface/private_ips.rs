//! Private-IP bookkeeping: which addresses of a subnet are used (per /24, for allocation), who
//! holds one, and adding or removing one. `PRIMARY KEY (subnet_id, address)` has the last word.
//! The addresses of delegated IPv4 prefixes count as used (and held) too.

use crate::{Db, EniId, SubnetId, Tx, parse_stored};
use ipnet::Ipv4Net;
use localvpc_model::Ec2Error;
use localvpc_model::address::UsedAddresses;
use rusqlite::{OptionalExtension, params};
use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

/// The used addresses of one subnet, counted per /24 by migration 0006's triggers.
pub struct SubnetAddresses<'t, 'c> {
    tx: &'t Tx<'c>,
    subnet_id: &'t str,
}

impl UsedAddresses for SubnetAddresses<'_, '_> {
    fn count_per_block(&mut self) -> Result<HashMap<Ipv4Addr, usize>, Ec2Error> {
        let mut stmt = self
            .tx
            .sql
            .prepare_cached(
                "SELECT block, used FROM address_blocks WHERE subnet_id = ?1 AND used > 0",
            )
            .db()?;
        let rows = stmt
            .query_map([self.subnet_id], |r| {
                let block = parse_stored::<Ipv4Addr>(&format!("{}0", r.get::<_, String>(0)?))?;
                Ok((block, r.get::<_, i64>(1)? as usize))
            })
            .db()?;
        rows.collect::<Result<_, _>>().db()
    }

    fn within(&mut self, block: Ipv4Net) -> Result<BTreeSet<Ipv4Addr>, Ec2Error> {
        // The block's addresses are the texts starting `a.b.c.`: [`a.b.c.`, `a.b.c/`).
        let (low, high) = super::prefixes::slash24_bounds(block.network());
        let mut stmt = self
            .tx
            .sql
            .prepare_cached(
                "SELECT address FROM private_ips WHERE subnet_id = ?1 AND address >= ?2 AND address < ?3",
            )
            .db()?;
        let rows = stmt
            .query_map(params![self.subnet_id, low, high], |r| {
                parse_stored::<Ipv4Addr>(&r.get::<_, String>(0)?)
            })
            .db()?;
        let mut used: BTreeSet<Ipv4Addr> = rows.collect::<Result<_, _>>().db()?;
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
        self.sql
            .prepare_cached(
                "SELECT eni_id, is_primary FROM private_ips WHERE subnet_id = ?1 AND address = ?2",
            )
            .db()?
            .query_row(params![subnet_id, addr.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .db()
    }

    pub fn add_private_ip(
        &self,
        eni_id: EniId,
        subnet_id: SubnetId,
        addr: Ipv4Addr,
        primary: bool,
    ) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached(
                "INSERT INTO private_ips (subnet_id, address, eni_id, is_primary, position)
                 VALUES (?1, ?2, ?3, ?4, (SELECT IFNULL(MAX(position), -1) + 1 FROM private_ips WHERE eni_id = ?3))",
            )
            .db()?
            .execute(params![subnet_id, addr.to_string(), eni_id, primary])
            .db()?;
        Ok(())
    }

    pub fn remove_private_ip(&self, subnet_id: &str, addr: Ipv4Addr) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached("DELETE FROM private_ips WHERE subnet_id = ?1 AND address = ?2")
            .db()?
            .execute(params![subnet_id, addr.to_string()])
            .db()?;
        Ok(())
    }
}
