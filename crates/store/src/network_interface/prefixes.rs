//! Delegated prefixes (migration 0015): IPv4 /28s and IPv6 /80s of interfaces, stored by network
//! address, unique per subnet. The IPv4 triggers keep them clear of private addresses; within
//! one (immediate) transaction the lookups here make the checks exact for IPv6 too.

use super::EniScope;
use super::rows::ByInterface;
use crate::{EniId, SubnetId, Tx};
use ipnet::{Ipv4Net, Ipv6Net};
use localvpc_model::Ec2Error;
use localvpc_model::prefix::{IPV4_LEN, IPV6_LEN, ipv4_prefix_of, ipv6_prefix_of};
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
        let v4 = ByInterface::new(self, scope, &sql("ipv4_prefixes"))
            .group(|r| Ok(ipv4_prefix_of(r.parsed(1)?)))?;
        let v6 = ByInterface::new(self, scope, &sql("ipv6_prefixes"))
            .group(|r| Ok(ipv6_prefix_of(r.parsed(1)?)))?;
        Ok((v4, v6))
    }

    /// The IPv4 prefixes held in `addr`'s /24 of a subnet.
    pub(super) fn ipv4_prefixes_near(
        &self,
        subnet_id: &str,
        addr: Ipv4Addr,
    ) -> Result<Vec<Ipv4Net>, Ec2Error> {
        let (low, high) = slash24_bounds(addr);
        self.rows(
            "SELECT address FROM ipv4_prefixes WHERE subnet_id = ?1 AND address >= ?2 AND address < ?3",
            &[&subnet_id, &low, &high],
            |r| Ok(ipv4_prefix_of(r.parsed(0)?)),
        )
    }

    /// The interface whose IPv4 prefix covers `addr` in the subnet.
    pub(super) fn ipv4_prefix_holder(
        &self,
        subnet_id: &str,
        addr: Ipv4Addr,
    ) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT eni_id FROM ipv4_prefixes WHERE subnet_id = ?1 AND address = ?2",
            &[&subnet_id, &ipv4_prefix_of(addr).network().to_string()],
            |r| r.get(0),
        )
    }

    /// Whether `net` (a /28) overlaps a prefix or a private address of the subnet.
    pub fn ipv4_prefix_overlaps(&self, subnet_id: &str, net: Ipv4Net) -> Result<bool, Ec2Error> {
        if self.ipv4_prefix_holder(subnet_id, net.network())?.is_some() {
            return Ok(true);
        }
        let (low, high) = slash24_bounds(net.network());
        let addresses: Vec<Ipv4Addr> = self.rows(
            "SELECT address FROM private_ips WHERE subnet_id = ?1 AND address >= ?2 AND address < ?3",
            &[&subnet_id, &low, &high],
            |r| r.parsed(0),
        )?;
        Ok(addresses.iter().any(|a| net.contains(a)))
    }

    /// The interface whose IPv6 prefix covers `addr` in the subnet.
    pub fn ipv6_prefix_holder(
        &self,
        subnet_id: &str,
        addr: Ipv6Addr,
    ) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT eni_id FROM ipv6_prefixes WHERE subnet_id = ?1 AND address = ?2",
            &[&subnet_id, &ipv6_prefix_of(addr).network().to_string()],
            |r| r.get(0),
        )
    }

    /// The /80s of the subnet holding an interface's IPv6 address (read once per call, as a
    /// prefix may hold any of them).
    pub fn ipv6_address_prefixes(&self, subnet_id: &str) -> Result<HashSet<Ipv6Net>, Ec2Error> {
        let mut prefixes = HashSet::new();
        self.each_row(
            "SELECT address FROM ipv6_addresses WHERE subnet_id = ?1",
            &[&subnet_id],
            |r| {
                prefixes.insert(ipv6_prefix_of(r.parsed(0)?));
                Ok(())
            },
        )?;
        Ok(prefixes)
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
        self.exec(
            &format!(
                "INSERT INTO {table} (subnet_id, address, eni_id, position)
                 VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(position), -1) + 1 FROM {table} WHERE eni_id = ?3))"
            ),
            &[&subnet_id, &network, &eni_id],
        )?;
        Ok(())
    }

    pub fn remove_ipv4_prefix(&self, subnet_id: &str, net: Ipv4Net) -> Result<(), Ec2Error> {
        self.remove_prefix("ipv4_prefixes", subnet_id, net.network().to_string())
    }

    pub fn remove_ipv6_prefix(&self, subnet_id: &str, net: Ipv6Net) -> Result<(), Ec2Error> {
        self.remove_prefix("ipv6_prefixes", subnet_id, net.network().to_string())
    }

    fn remove_prefix(&self, table: &str, subnet_id: &str, network: String) -> Result<(), Ec2Error> {
        self.exec(
            &format!("DELETE FROM {table} WHERE subnet_id = ?1 AND address = ?2"),
            &[&subnet_id, &network],
        )?;
        Ok(())
    }
}
