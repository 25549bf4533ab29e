//! DHCP option sets (spec vpc-surface.md §6): the keys EC2 knows and their limits, the region's
//! default set, and what a guest's lease carries from a set.

use crate::error::Ec2Error;
use crate::filter::{FilterDef, Tagged, def, one};
use crate::tags::Tag;
use std::net::{IpAddr, Ipv4Addr};

/// The name server value that means the VPC's own resolver (VPC base + 2).
pub const AMAZON_PROVIDED_DNS: &str = "AmazonProvidedDNS";

/// What `AssociateDhcpOptions` takes to leave a VPC without options.
pub const NO_OPTIONS: &str = "default";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpConfiguration {
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DhcpOptions {
    pub id: String,
    pub owner_id: String,
    pub configurations: Vec<DhcpConfiguration>,
    pub tags: Vec<Tag>,
}

impl Tagged for DhcpOptions {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

pub const FILTERS: &[FilterDef<DhcpOptions>] = &[
    def("dhcp-options-id", |d| one(&d.id)),
    def("owner-id", |d| one(&d.owner_id)),
    def("key", |d| {
        d.configurations.iter().map(|c| c.key.clone()).collect()
    }),
    def("value", |d| {
        d.configurations
            .iter()
            .flat_map(|c| c.values.clone())
            .collect()
    }),
];

/// The set every region starts with: its private DNS domain and the VPC resolver.
pub fn default_configurations(private_dns_suffix: &str) -> Vec<DhcpConfiguration> {
    vec![
        DhcpConfiguration {
            key: "domain-name".into(),
            values: vec![private_dns_suffix.into()],
        },
        DhcpConfiguration {
            key: "domain-name-servers".into(),
            values: vec![AMAZON_PROVIDED_DNS.into()],
        },
    ]
}

fn bad(key: &str, value: &str, why: &str) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "Value ({value}) for parameter {key} is invalid. {why}"
    ))
}

fn at_most(c: &DhcpConfiguration, n: usize) -> Result<(), Ec2Error> {
    if c.values.len() > n {
        return Err(bad(
            &c.key,
            &c.values.join(","),
            &format!("At most {n} values are allowed."),
        ));
    }
    Ok(())
}

fn ipv4s(c: &DhcpConfiguration) -> Result<(), Ec2Error> {
    for v in &c.values {
        v.parse::<Ipv4Addr>()
            .map_err(|_| bad(&c.key, v, "Expecting an IPv4 address."))?;
    }
    Ok(())
}

/// CreateDhcpOptions' checks: known keys, each once, with values within EC2's limits.
pub fn check(configurations: &[DhcpConfiguration]) -> Result<(), Ec2Error> {
    for (i, c) in configurations.iter().enumerate() {
        if configurations[..i].iter().any(|o| o.key == c.key) {
            return Err(bad("name", &c.key, "Duplicate DHCP option"));
        }
        if c.values.is_empty() {
            return Err(bad(&c.key, "", "The value cannot be empty."));
        }
        match c.key.as_str() {
            "domain-name" => at_most(c, 1)?,
            "domain-name-servers" => {
                at_most(c, 4)?;
                if c.values.iter().any(|v| v != AMAZON_PROVIDED_DNS) {
                    let listed = DhcpConfiguration {
                        key: c.key.clone(),
                        values: c
                            .values
                            .iter()
                            .filter(|v| *v != AMAZON_PROVIDED_DNS)
                            .cloned()
                            .collect(),
                    };
                    ipv4s(&listed)?;
                }
            }
            "ntp-servers" => {
                at_most(c, 8)?;
                for v in &c.values {
                    v.parse::<IpAddr>()
                        .map_err(|_| bad(&c.key, v, "Expecting an IP address."))?;
                }
            }
            "netbios-name-servers" => {
                at_most(c, 4)?;
                ipv4s(c)?;
            }
            "netbios-node-type" => {
                at_most(c, 1)?;
                if !matches!(c.values[0].as_str(), "1" | "2" | "4" | "8") {
                    return Err(bad(&c.key, &c.values[0], "Expecting 1, 2, 4 or 8."));
                }
            }
            "ipv6-address-preferred-lease-time" => {
                at_most(c, 1)?;
                let ok = c.values[0]
                    .parse::<u64>()
                    .is_ok_and(|s| (140..=2_147_483_647).contains(&s));
                if !ok {
                    return Err(bad(
                        &c.key,
                        &c.values[0],
                        "Expecting a number of seconds between 140 and 2147483647.",
                    ));
                }
            }
            other => return Err(bad("name", other, "Unknown DHCP option")),
        }
    }
    Ok(())
}

/// What a guest's DHCP lease carries from a VPC's set (`None`: the VPC has `default`, no
/// options). `resolver` is the VPC's AmazonProvidedDNS address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GuestOptions {
    pub domain_name: Option<String>,
    pub name_servers: Vec<Ipv4Addr>,
    pub ntp_servers: Vec<Ipv4Addr>,
    pub netbios_name_servers: Vec<Ipv4Addr>,
    pub netbios_node_type: Option<u8>,
}

/// The link-local resolver Nitro guests are given when a VPC has no options.
pub const LINK_LOCAL_RESOLVER: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 253);

pub fn guest_options(set: Option<&[DhcpConfiguration]>, resolver: Ipv4Addr) -> GuestOptions {
    let Some(set) = set else {
        return GuestOptions {
            name_servers: vec![LINK_LOCAL_RESOLVER],
            ..Default::default()
        };
    };
    let values = |key: &str| -> Vec<String> {
        set.iter()
            .find(|c| c.key == key)
            .map(|c| c.values.clone())
            .unwrap_or_default()
    };
    let v4 = |key: &str| -> Vec<Ipv4Addr> {
        values(key)
            .iter()
            .filter_map(|v| {
                if v == AMAZON_PROVIDED_DNS {
                    Some(resolver)
                } else {
                    v.parse().ok()
                }
            })
            .collect()
    };
    GuestOptions {
        domain_name: values("domain-name").into_iter().next(),
        name_servers: v4("domain-name-servers"),
        // A DHCPv4 lease carries only the IPv4 servers.
        ntp_servers: v4("ntp-servers"),
        netbios_name_servers: v4("netbios-name-servers"),
        netbios_node_type: values("netbios-node-type")
            .first()
            .and_then(|v| v.parse().ok()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn c(key: &str, values: &[&str]) -> DhcpConfiguration {
        DhcpConfiguration {
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn keys_and_limits() {
        assert!(
            check(&[
                c("domain-name", &["corp.example"]),
                c("domain-name-servers", &["AmazonProvidedDNS", "10.0.0.53"]),
                c("ntp-servers", &["10.0.0.123", "2001:db8::1"]),
                c("netbios-node-type", &["2"]),
            ])
            .is_ok()
        );
        let refused = [
            vec![c("domian-name", &["x"])],
            vec![c(
                "domain-name-servers",
                &["1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5"],
            )],
            vec![c("domain-name-servers", &["not-an-ip"])],
            vec![c("netbios-node-type", &["3"])],
            vec![c("ipv6-address-preferred-lease-time", &["100"])],
            vec![c("domain-name", &["a"]), c("domain-name", &["b"])],
        ];
        for configs in refused {
            assert_eq!(
                check(&configs).unwrap_err().code,
                ErrorCode::InvalidParameterValue
            );
        }
        assert!(
            check(&[c("x", &["1"])])
                .unwrap_err()
                .message
                .ends_with("Unknown DHCP option")
        );
    }

    #[test]
    fn what_a_lease_carries() {
        let resolver = Ipv4Addr::new(10, 0, 0, 2);
        let default = default_configurations("ec2.internal");
        let lease = guest_options(Some(&default), resolver);
        assert_eq!(lease.domain_name.as_deref(), Some("ec2.internal"));
        assert_eq!(lease.name_servers, [resolver]);
        let custom = [
            c("domain-name", &["corp.example"]),
            c("domain-name-servers", &["10.9.9.9", "AmazonProvidedDNS"]),
            c("ntp-servers", &["10.0.0.123", "2001:db8::1"]),
        ];
        let lease = guest_options(Some(&custom), resolver);
        assert_eq!(lease.name_servers, [Ipv4Addr::new(10, 9, 9, 9), resolver]);
        assert_eq!(lease.ntp_servers, [Ipv4Addr::new(10, 0, 0, 123)]);
        let none = guest_options(None, resolver);
        assert_eq!(
            (none.domain_name, none.name_servers),
            (None, vec![LINK_LOCAL_RESOLVER])
        );
    }
}
