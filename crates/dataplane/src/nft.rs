//! nftables tables in localvpc's namespaces: each is rendered whole from the model and replaced
//! atomically (one `nft -f` transaction) when its text changes.
//!
//! A table carries its fingerprint as the name of an empty chain (`fp_<hex>`), so that a
//! restarted server reads what is installed (`nft -j list chains`, cheap whatever the number
//! of rules) and rewrites only the tables whose text differs. Every table localvpc owns is in
//! the `inet` family and named with [`TABLE_PREFIX`]; other tables are never touched.

mod filter;
mod nat;
mod nat_gateway;

use crate::model::{Guest, Router};

/// localvpc's tables, in every namespace it owns.
pub const TABLE_PREFIX: &str = "lvpc_";

/// One nftables table: its name and what goes between its braces (chains, sets, maps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub body: String,
}

impl Table {
    /// FNV-1a of the name and body: stable across builds, so a new binary adopts the tables
    /// an older one installed when their text is the same.
    pub fn fingerprint(&self) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.name.bytes().chain([0]).chain(self.body.bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash
    }

    /// The name of the empty chain that records the fingerprint.
    pub fn fingerprint_chain(fingerprint: u64) -> String {
        format!("fp_{fingerprint:016x}")
    }

    /// The `nft -f` script that replaces the table in one transaction (creating it first, so
    /// that the delete never fails).
    pub fn script(&self) -> String {
        let name = &self.name;
        let chain = Self::fingerprint_chain(self.fingerprint());
        format!(
            "table inet {name}\ndelete table inet {name}\ntable inet {name} {{\n\tchain {chain} {{\n\t}}\n{}}}\n",
            self.body
        )
    }
}

/// The tables a VPC router's namespace should hold. Filtering (security groups, network ACLs,
/// source/destination check) and the internet gateway's 1:1 NAT each add theirs.
pub fn router_tables(router: &Router) -> Vec<Table> {
    let nat = router.routing.gateway.iter().map(nat::table);
    std::iter::once(filter::table(router)).chain(nat).collect()
}

/// The tables a guest namespace should hold: a NAT gateway's translation, nothing for an
/// instance (whose own firewall is the guest's business).
pub fn guest_tables(guest: &Guest) -> Vec<Table> {
    guest
        .nat
        .as_deref()
        .map(nat_gateway::table)
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_follows_the_text() {
        let a = Table {
            name: "lvpc_filter".into(),
            body: "\tchain forward {\n\t}\n".into(),
        };
        let mut b = a.clone();
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.body.push('\n');
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert!(
            a.script()
                .contains(&Table::fingerprint_chain(a.fingerprint()))
        );
        assert!(
            a.script()
                .starts_with("table inet lvpc_filter\ndelete table inet lvpc_filter\n")
        );
    }
}
