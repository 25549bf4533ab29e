//! Delegated prefixes (migration 0015): IPv4 /28s and IPv6 /80s of interfaces, stored by network
//! address, unique per subnet. The IPv4 triggers keep them clear of private addresses; within
//! one (immediate) transaction the lookups here make the checks exact for IPv6 too.

use super::EniScope;
use super::rows::ByInterface;
use crate::{Db, EniId, SubnetId, Tx, parse_stored};
use ipnet::{Ipv4Net, Ipv6Net};
use localvpc_model::Ec2Error;
use localvpc_model::prefix::{IPV4_LEN, IPV6_LEN, ipv4_prefix_of, ipv6_prefix_of};
use rusqlite::{OptionalExtension, params};
use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};

/// `(low, high)` text bounds of the addresses in `addr`'s /24 (as private_ips stores them).
pub(super) fn slash24_bounds(addr: Ipv4Addr) -> (String, String) {
    let [a, b, c, _] = addr.octets();
    (format!("{a}.{b}.{c}."), format!("{a}.{b}.{c}/"))
}

impl Tx<'_> {
    /// Both families' prefixes of the interfaces in `scope`, by interface, in assignment order.
    #[allow(clippy::type_complexity)]
    pub(super) fn prefixes_in(
        &self,
        scope: EniScope,
    ) -> Result<(HashMap<String, Vec<Ipv4Net>>, HashMap<String, Vec<Ipv6Net>>), Ec2Error> {
        let sql = |table: &str| {
            format!(
                "SELECT p.eni_id, p.address FROM {table} p JOIN network_interfaces e ON e.id = p.eni_id
                 WHERE {{scope}} ORDER BY p.eni_id, p.position"
            )
        };
        let v4 = ByInterface::new(self, scope, &sql("ipv4_prefixes")).group(|r| {
            let addr: Ipv4Addr = parse_stored(&r.get::<_, String>(1)?)?;
            Ok(ipv4_prefix_of(addr))
        })?;
        let v6 = ByInterface::new(self, scope, &sql("ipv6_prefixes")).group(|r| {
            let addr: Ipv6Addr = parse_stored(&r.get::<_, String>(1)?)?;
            Ok(ipv6_prefix_of(addr))
        })?;
        Ok((v4, v6))
    }

    /// The IPv4 prefixes held in `addr`'s /24 of a subnet.
    pub(super) fn ipv4_prefixes_near(
        &self,
        subnet_id: &str,
        addr: Ipv4Addr,
    ) -> Result<Vec<Ipv4Net>, Ec2Error> {
        let (low, high) = slash24_bounds(addr);
        let mut stmt = self
            .sql
            .prepare_cached(
                "SELECT address FROM ipv4_prefixes WHERE subnet_id = ?1 AND address >= ?2 AND address < ?3",
            )
            .db()?;
        let rows = stmt
            .query_map(params![subnet_id, low, high], |r| {
                let a: Ipv4Addr = parse_stored(&r.get::<_, String>(0)?)?;
                Ok(ipv4_prefix_of(a))
            })
            .db()?;
        rows.collect::<Result<_, _>>().db()
    }

    /// The interface whose IPv4 prefix covers `addr` in the subnet.
    pub(super) fn ipv4_prefix_holder(
        &self,
        subnet_id: &str,
        addr: Ipv4Addr,
    ) -> Result<Option<String>, Ec2Error> {
        self.sql
            .prepare_cached(
                "SELECT eni_id FROM ipv4_prefixes WHERE subnet_id = ?1 AND address = ?2",
            )
            .db()?
            .query_row(
                params![subnet_id, ipv4_prefix_of(addr).network().to_string()],
                |r| r.get(0),
            )
            .optional()
            .db()
    }

    /// Whether `net` (a /28) overlaps a prefix or a private address of the subnet.
    pub fn ipv4_prefix_overlaps(&self, subnet_id: &str, net: Ipv4Net) -> Result<bool, Ec2Error> {
        if self.ipv4_prefix_holder(subnet_id, net.network())?.is_some() {
            return Ok(true);
        }
        let (low, high) = slash24_bounds(net.network());
        let mut stmt = self
            .sql
            .prepare_cached(
                "SELECT address FROM private_ips WHERE subnet_id = ?1 AND address >= ?2 AND address < ?3",
            )
            .db()?;
        let rows = stmt
            .query_map(params![subnet_id, low, high], |r| {
                parse_stored::<Ipv4Addr>(&r.get::<_, String>(0)?)
            })
            .db()?;
        for row in rows {
            if net.contains(&row.db()?) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The interface whose IPv6 prefix covers `addr` in the subnet.
    pub fn ipv6_prefix_holder(
        &self,
        subnet_id: &str,
        addr: Ipv6Addr,
    ) -> Result<Option<String>, Ec2Error> {
        self.sql
            .prepare_cached(
                "SELECT eni_id FROM ipv6_prefixes WHERE subnet_id = ?1 AND address = ?2",
            )
            .db()?
            .query_row(
                params![subnet_id, ipv6_prefix_of(addr).network().to_string()],
                |r| r.get(0),
            )
            .optional()
            .db()
    }

    /// The /80s of the subnet holding an interface's IPv6 address (read once per call, as a
    /// prefix may hold any of them).
    pub fn ipv6_address_prefixes(&self, subnet_id: &str) -> Result<HashSet<Ipv6Net>, Ec2Error> {
        let mut stmt = self
            .sql
            .prepare_cached("SELECT address FROM ipv6_addresses WHERE subnet_id = ?1")
            .db()?;
        let rows = stmt
            .query_map([subnet_id], |r| {
                let a: Ipv6Addr = parse_stored(&r.get::<_, String>(0)?)?;
                Ok(ipv6_prefix_of(a))
            })
            .db()?;
        rows.collect::<Result<_, _>>().db()
    }

    pub fn add_ipv4_prefix(
        &self,
        EniId(eni_id): EniId,
        SubnetId(subnet_id): SubnetId,
        net: Ipv4Net,
    ) -> Result<(), Ec2Error> {
        debug_assert_eq!(net.prefix_len(), IPV4_LEN);
        self.add_prefix(
            "ipv4_prefixes",
            eni_id,
            subnet_id,
            net.network().to_string(),
        )
    }

    pub fn add_ipv6_prefix(
        &self,
        EniId(eni_id): EniId,
        SubnetId(subnet_id): SubnetId,
        net: Ipv6Net,
    ) -> Result<(), Ec2Error> {
        debug_assert_eq!(net.prefix_len(), IPV6_LEN);
        self.add_prefix(
            "ipv6_prefixes",
            eni_id,
            subnet_id,
            net.network().to_string(),
        )
    }

    fn add_prefix(
        &self,
        table: &str,
        eni_id: &str,
        subnet_id: &str,
        network: String,
    ) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached(&format!(
                "INSERT INTO {table} (subnet_id, address, eni_id, position)
                 VALUES (?1, ?2, ?3, (SELECT IFNULL(MAX(position), -1) + 1 FROM {table} WHERE eni_id = ?3))"
            ))
            .db()?
            .execute(params![subnet_id, network, eni_id])
            .db()?;
        Ok(())
    }

    pub fn remove_ipv4_prefix(&self, subnet_id: &str, net: Ipv4Net) -> Result<(), Ec2Error> {
        self.remove_prefix("ipv4_prefixes", subnet_id, net.network().to_string())
    }

    pub fn remove_ipv6_prefix(&self, subnet_id: &str, net: Ipv6Net) -> Result<(), Ec2Error> {
        self.remove_prefix("ipv6_prefixes", subnet_id, net.network().to_string())
    }

    fn remove_prefix(&self, table: &str, subnet_id: &str, network: String) -> Result<(), Ec2Error> {
        self.sql
            .prepare_cached(&format!(
                "DELETE FROM {table} WHERE subnet_id = ?1 AND address = ?2"
            ))
            .db()?
            .execute(params![subnet_id, network])
            .db()?;
        Ok(())
    }
}
