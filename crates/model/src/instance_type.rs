//! Instance types and their network limits (interfaces, addresses per interface, network cards),
//! from `data/instance-limits.csv` (AWS's DescribeInstanceTypes data for 1,391 types).

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceType {
    pub name: String,
    pub max_network_interfaces: u32,
    pub ipv4_addresses_per_interface: u32,
    /// `None` where AWS's data does not say.
    pub ipv6_addresses_per_interface: Option<u32>,
    pub ipv6_supported: bool,
    pub network_cards: u32,
    /// The interface maximum of each network card (cards can differ).
    pub max_interfaces_per_card: Vec<u32>,
    pub default_network_card_index: u32,
    pub efa_supported: bool,
    pub max_efa_interfaces: Option<u32>,
    pub network_performance: Option<String>,
    pub vcpus: Option<u32>,
    pub memory_mib: Option<u64>,
    pub hypervisor: Option<String>,
    pub bare_metal: bool,
    pub current_generation: bool,
}

fn parse_table(text: &str) -> HashMap<String, InstanceType> {
    let mut rows = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header = rows.next().expect("header row");
    assert!(
        header.starts_with("instance_type,max_network_interfaces"),
        "unexpected header {header}"
    );
    rows.map(|line| {
        let f: Vec<&str> = line.split(',').collect();
        let num = |i: usize| {
            f[i].parse::<u32>()
                .unwrap_or_else(|_| panic!("bad number in {line}"))
        };
        let flag = |i: usize| f[i] == "true";
        let text = |i: usize| Some(f[i].to_owned()).filter(|t| !t.is_empty());
        let network_cards = num(5);
        let per_card: Vec<u32> = f[6]
            .split(';')
            .map(|n| {
                n.parse()
                    .unwrap_or_else(|_| panic!("bad card list in {line}"))
            })
            .collect();
        let max_interfaces_per_card = if per_card.len() == 1 {
            vec![per_card[0]; network_cards as usize]
        } else {
            per_card
        };
        assert_eq!(
            max_interfaces_per_card.len(),
            network_cards as usize,
            "card list of {line}"
        );
        let t = InstanceType {
            name: f[0].to_owned(),
            max_network_interfaces: num(1),
            ipv4_addresses_per_interface: num(2),
            ipv6_addresses_per_interface: f[3].parse().ok(),
            ipv6_supported: flag(4),
            network_cards,
            max_interfaces_per_card,
            default_network_card_index: num(7),
            efa_supported: flag(8),
            max_efa_interfaces: f[9].parse().ok(),
            network_performance: text(10),
            vcpus: f[11].parse().ok(),
            memory_mib: f[12].parse().ok(),
            hypervisor: text(13),
            bare_metal: flag(14),
            current_generation: flag(15),
        };
        (t.name.clone(), t)
    })
    .collect()
}

fn table() -> &'static HashMap<String, InstanceType> {
    static TABLE: OnceLock<HashMap<String, InstanceType>> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(include_str!("../data/instance-limits.csv")))
}

impl InstanceType {
    pub fn named(name: &str) -> Option<&'static InstanceType> {
        table().get(name)
    }

    /// Every known type, sorted by name.
    pub fn all() -> Vec<&'static InstanceType> {
        let mut all: Vec<_> = table().values().collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_types() {
        let t1 = InstanceType::named("t1.micro").unwrap();
        assert_eq!(
            (t1.max_network_interfaces, t1.ipv4_addresses_per_interface),
            (2, 2)
        );
        let t3 = InstanceType::named("t3.medium").unwrap();
        assert_eq!(
            (
                t3.max_network_interfaces,
                t3.ipv4_addresses_per_interface,
                t3.network_cards
            ),
            (3, 6, 1)
        );
        let p4 = InstanceType::named("p4d.24xlarge").unwrap();
        assert_eq!(
            (
                p4.network_cards,
                p4.max_interfaces_per_card.clone(),
                p4.max_network_interfaces
            ),
            (4, vec![15; 4], 60)
        );
        assert!(InstanceType::named("t9.enormous").is_none());
        assert!(InstanceType::all().len() > 1300);
    }
}
