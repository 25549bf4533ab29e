//! Network ACLs: numbered, stateless allow/deny entries per direction, one ACL per subnet.
//!
//! The rules here are EC2's: which entries a caller may add, replace or delete, how an entry is
//! canonicalised (protocol names become numbers, CIDRs lose their host bits, ports and ICMP
//! type/code are kept only for the protocols they mean something to), and when an ACL may go.

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::tags::Tag;
use ipnet::{IpNet, Ipv6Net};

/// The catch-all deny rule every ACL ends with (`*` in the console). Callers cannot touch it.
pub const DEFAULT_RULE_NUMBER: i32 = 32767;

/// The IPv6 `*` rule, which the API shows as 32768 in an ACL of a VPC with IPv6.
pub const IPV6_DEFAULT_RULE_NUMBER: i32 = 32768;

/// The default ACL's allow-all rule for IPv6 (100 is IPv4's).
pub const IPV6_ALLOW_RULE_NUMBER: i32 = 101;

/// The highest rule number a caller may use; 32767–65535 are EC2's own.
pub const MAX_RULE_NUMBER: i32 = 32766;

const TCP: &str = "6";
const UDP: &str = "17";
const ICMP: &str = "1";
const ICMPV6: &str = "58";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAction {
    Allow,
    Deny,
}

impl RuleAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
        }
    }

    /// `allow` or `deny`, the only values of the API's `RuleAction` enum.
    pub fn parse(text: &str) -> Result<Self, Ec2Error> {
        match text {
            "allow" => Ok(Self::Allow),
            "deny" => Ok(Self::Deny),
            _ => Err(Ec2Error::invalid_parameter("ruleAction", text)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAclEntry {
    pub rule_number: i32,
    pub egress: bool,
    /// `-1` for all, or a protocol number as a string (`6` tcp, `17` udp, `1` icmp), as EC2
    /// shows it.
    pub protocol: String,
    pub action: RuleAction,
    /// The IPv4 (`CidrBlock`) or IPv6 (`Ipv6CidrBlock`) range, canonical.
    pub cidr: IpNet,
    /// ICMP (or ICMPv6 with an IPv6 range) `(type, code)`; `-1` means all.
    pub icmp_type_code: Option<(i32, i32)>,
    /// TCP/UDP `(from, to)` ports.
    pub port_range: Option<(i32, i32)>,
}

impl NetworkAclEntry {
    fn all(rule_number: i32, egress: bool, action: RuleAction) -> Self {
        Self {
            rule_number,
            egress,
            protocol: "-1".into(),
            action,
            cidr: "0.0.0.0/0".parse().expect("valid"),
            icmp_type_code: None,
            port_range: None,
        }
    }

    fn all_ipv6(rule_number: i32, egress: bool, action: RuleAction) -> Self {
        Self {
            cidr: "::/0".parse().expect("valid"),
            ..Self::all(rule_number, egress, action)
        }
    }
}

fn direction(egress: bool) -> &'static str {
    if egress { "egress" } else { "ingress" }
}

/// An entry as Create/ReplaceNetworkAclEntry receive it, before EC2's checks.
#[derive(Debug, Clone, Default)]
pub struct EntryRequest<'a> {
    pub rule_number: i64,
    pub egress: bool,
    pub protocol: &'a str,
    pub rule_action: &'a str,
    pub cidr_block: Option<&'a str>,
    pub ipv6_cidr_block: Option<&'a str>,
    /// `Icmp.Type` and `Icmp.Code` when `Icmp` was given at all.
    pub icmp: Option<(Option<i64>, Option<i64>)>,
    /// `PortRange.From` and `PortRange.To` when `PortRange` was given at all.
    pub port_range: Option<(Option<i64>, Option<i64>)>,
}

impl EntryRequest<'_> {
    /// Checks the request and returns the entry as EC2 stores and shows it. Ports are kept only
    /// for TCP/UDP and ICMP type/code only for ICMP (and ICMPv6 with an IPv6 range): for any
    /// other protocol EC2 allows all ports and types "regardless of any you specify".
    pub fn validate(&self) -> Result<NetworkAclEntry, Ec2Error> {
        let rule_number = check_rule_number(self.rule_number)?;
        let protocol = protocol_number(self.protocol)?;
        let action = RuleAction::parse(self.rule_action)?;
        let cidr = match (self.cidr_block, self.ipv6_cidr_block) {
            (Some(v4), None) => IpNet::V4(crate::cidr::any_block(v4, "cidrBlock")?),
            (None, Some(v6)) => IpNet::V6(ipv6_block(v6)?),
            (None, None) => {
                return Err(Ec2Error::new(
                    ErrorCode::MissingParameter,
                    "Either 'cidrBlock' or 'ipv6CidrBlock' should be provided.",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(Ec2Error::combination(
                    "Only one of 'cidrBlock' or 'ipv6CidrBlock' may be specified.",
                ));
            }
        };
        let port_range = match protocol.as_str() {
            TCP | UDP => Some(port_range(self.port_range)?),
            _ => None,
        };
        let icmp_type_code = match protocol.as_str() {
            ICMP => Some(icmp_type_code(self.icmp)?),
            ICMPV6 if matches!(cidr, IpNet::V6(_)) => Some(icmp_type_code(self.icmp)?),
            _ => None,
        };
        Ok(NetworkAclEntry {
            rule_number,
            egress: self.egress,
            protocol,
            action,
            cidr,
            icmp_type_code,
            port_range,
        })
    }
}

/// Rule numbers callers may use: 1–32766.
pub fn check_rule_number(rule_number: i64) -> Result<i32, Ec2Error> {
    if (1..=i64::from(MAX_RULE_NUMBER)).contains(&rule_number) {
        Ok(rule_number as i32)
    } else {
        Err(Ec2Error::invalid_value(format!(
            "Value ({rule_number}) for parameter ruleNumber is invalid. Rule numbers must be between 1 and {MAX_RULE_NUMBER}."
        )))
    }
}

/// `-1`, a protocol number 0–255, or `tcp`/`udp`/`icmp`, as the number EC2 shows (`tcp` → `6`).
pub fn protocol_number(text: &str) -> Result<String, Ec2Error> {
    let named = match text.to_ascii_lowercase().as_str() {
        "tcp" => Some(TCP),
        "udp" => Some(UDP),
        "icmp" => Some(ICMP),
        _ => None,
    };
    if let Some(number) = named {
        return Ok(number.into());
    }
    match text.parse::<i32>() {
        Ok(-1) => Ok("-1".into()),
        Ok(n) if (0..=255).contains(&n) => Ok(n.to_string()),
        _ => Err(Ec2Error::invalid_value(format!(
            "Invalid value '{text}' for protocol. Use -1 (all protocols), a protocol number from 0 to 255, or tcp, udp or icmp."
        ))),
    }
}

fn ipv6_block(text: &str) -> Result<Ipv6Net, Ec2Error> {
    text.parse::<Ipv6Net>()
        .map(|n| n.trunc())
        .map_err(|_| {
            Ec2Error::invalid_value(format!(
                "Value ({text}) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block."
            ))
        })
}

fn port_range(given: Option<(Option<i64>, Option<i64>)>) -> Result<(i32, i32), Ec2Error> {
    let Some((Some(from), Some(to))) = given else {
        return Err(Ec2Error::invalid_value(
            "Invalid value for portRange. Must specify both from and to ports with TCP/UDP.",
        ));
    };
    if !(0..=65535).contains(&from) || !(0..=65535).contains(&to) || from > to {
        return Err(Ec2Error::invalid_value(format!(
            "Invalid value for portRange ({from}-{to}). Ports must be between 0 and 65535, from not above to."
        )));
    }
    Ok((from as i32, to as i32))
}

fn icmp_type_code(given: Option<(Option<i64>, Option<i64>)>) -> Result<(i32, i32), Ec2Error> {
    let Some((Some(icmp_type), Some(code))) = given else {
        return Err(Ec2Error::invalid_value(
            "Invalid value for icmpTypeCode. Must specify both type and code with ICMP.",
        ));
    };
    if !(-1..=255).contains(&icmp_type) || !(-1..=255).contains(&code) {
        return Err(Ec2Error::invalid_value(format!(
            "Invalid value for icmpTypeCode (type {icmp_type}, code {code}). Each must be -1 (all) or 0 to 255."
        )));
    }
    Ok((icmp_type as i32, code as i32))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAclAssociation {
    pub id: String,
    pub network_acl_id: String,
    pub subnet_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub is_default: bool,
    pub entries: Vec<NetworkAclEntry>,
    pub associations: Vec<NetworkAclAssociation>,
    pub tags: Vec<Tag>,
}

impl NetworkAcl {
    /// A new ACL: the default one allows everything (rule 100), any other denies everything;
    /// both end with the `*` deny rule in each direction. Egress entries come first, as EC2
    /// lists them.
    pub fn new(id: String, vpc_id: String, owner_id: String, is_default: bool) -> Self {
        let mut entries = Vec::new();
        for egress in [true, false] {
            if is_default {
                entries.push(NetworkAclEntry::all(100, egress, RuleAction::Allow));
            }
            entries.push(NetworkAclEntry::all(
                DEFAULT_RULE_NUMBER,
                egress,
                RuleAction::Deny,
            ));
        }
        Self {
            id,
            vpc_id,
            owner_id,
            is_default,
            entries,
            associations: Vec::new(),
            tags: Vec::new(),
        }
    }

    /// What the ACL gains when its VPC gains IPv6 (its first block, or an ACL created in a VPC
    /// that has one): the IPv6 `*` deny per direction and, in the default ACL, rule 101 allowing
    /// all IPv6 in each direction still as EC2 made it (rule 100 and `*` only).
    pub fn ipv6_additions(&self) -> Vec<NetworkAclEntry> {
        let mut added = Vec::new();
        for egress in [true, false] {
            let own: Vec<_> = self.entries.iter().filter(|e| e.egress == egress).collect();
            let pristine = own.len() == 2
                && own.contains(&&NetworkAclEntry::all(100, egress, RuleAction::Allow));
            if self.is_default && pristine {
                added.push(NetworkAclEntry::all_ipv6(
                    IPV6_ALLOW_RULE_NUMBER,
                    egress,
                    RuleAction::Allow,
                ));
            }
            if self.entry(egress, IPV6_DEFAULT_RULE_NUMBER).is_none() {
                added.push(NetworkAclEntry::all_ipv6(
                    IPV6_DEFAULT_RULE_NUMBER,
                    egress,
                    RuleAction::Deny,
                ));
            }
        }
        added
    }

    fn entry(&self, egress: bool, rule_number: i32) -> Option<&NetworkAclEntry> {
        self.entries
            .iter()
            .find(|e| e.egress == egress && e.rule_number == rule_number)
    }

    /// CreateNetworkAclEntry: the rule number must be free in its direction, and the direction
    /// must stay within `max_rules` entries of the entry's family. The quota counts the `*`
    /// rule, as AWS's does.
    pub fn check_new_entry(
        &self,
        entry: &NetworkAclEntry,
        max_rules: usize,
    ) -> Result<(), Ec2Error> {
        if self.entry(entry.egress, entry.rule_number).is_some() {
            return Err(Ec2Error::new(
                ErrorCode::NetworkAclEntryAlreadyExists,
                format!(
                    "The network acl entry identified by {} already exists.",
                    entry.rule_number
                ),
            ));
        }
        let in_direction = self
            .entries
            .iter()
            .filter(|e| {
                e.egress == entry.egress
                    && matches!(e.cidr, IpNet::V4(_)) == matches!(entry.cidr, IpNet::V4(_))
            })
            .count();
        if in_direction >= max_rules {
            return Err(Ec2Error::new(
                ErrorCode::NetworkAclEntryLimitExceeded,
                format!(
                    "The maximum number of {} entries ({max_rules}) has been reached for network ACL '{}'.",
                    direction(entry.egress),
                    self.id
                ),
            ));
        }
        Ok(())
    }

    /// ReplaceNetworkAclEntry and DeleteNetworkAclEntry: the rule must exist in that direction.
    pub fn check_existing_entry(&self, egress: bool, rule_number: i32) -> Result<(), Ec2Error> {
        match self.entry(egress, rule_number) {
            Some(_) => Ok(()),
            None => Err(Ec2Error::new(
                ErrorCode::InvalidNetworkAclEntryNotFound,
                format!("no {} entry with number {rule_number}", direction(egress)),
            )),
        }
    }

    /// DeleteNetworkAcl: never the VPC's default ACL, and not while subnets use it.
    pub fn check_deletable(&self) -> Result<(), Ec2Error> {
        if self.is_default {
            return Err(Ec2Error::invalid_value(format!(
                "cannot delete default network ACL {}",
                self.id
            )));
        }
        if !self.associations.is_empty() {
            return Err(Ec2Error::dependency(format!(
                "The networkAcl '{}' has dependencies and cannot be deleted.",
                self.id
            )));
        }
        Ok(())
    }

    /// ReplaceNetworkAclAssociation: a subnet can only move to an ACL of its own VPC.
    pub fn check_can_take(
        &self,
        association: &NetworkAclAssociation,
        subnet_vpc_id: &str,
    ) -> Result<(), Ec2Error> {
        if self.vpc_id != subnet_vpc_id {
            return Err(Ec2Error::invalid_value(format!(
                "Network ACL {} and association {} belong to different networks.",
                self.id, association.id
            )));
        }
        Ok(())
    }
}

impl Tagged for NetworkAcl {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

/// The name EC2 also accepts for a protocol number in the `entry.protocol` filter.
fn protocol_name(number: &str) -> Option<&'static str> {
    match number {
        TCP => Some("tcp"),
        UDP => Some("udp"),
        ICMP => Some("icmp"),
        _ => None,
    }
}

fn entry_values(acl: &NetworkAcl, value: impl Fn(&NetworkAclEntry) -> Vec<String>) -> Vec<String> {
    acl.entries.iter().flat_map(value).collect()
}

pub const FILTERS: &[FilterDef<NetworkAcl>] = &[
    def("association.association-id", |a| {
        a.associations.iter().map(|s| s.id.clone()).collect()
    }),
    def("association.network-acl-id", |a| {
        a.associations
            .iter()
            .map(|s| s.network_acl_id.clone())
            .collect()
    }),
    def("association.subnet-id", |a| {
        a.associations.iter().map(|s| s.subnet_id.clone()).collect()
    }),
    def("default", |a| one(a.is_default)),
    def("entry.cidr", |a| {
        entry_values(a, |e| opt(matches!(e.cidr, IpNet::V4(_)).then_some(e.cidr)))
    }),
    def("entry.icmp.code", |a| {
        entry_values(a, |e| opt(e.icmp_type_code.map(|t| t.1)))
    }),
    def("entry.icmp.type", |a| {
        entry_values(a, |e| opt(e.icmp_type_code.map(|t| t.0)))
    }),
    def("entry.ipv6-cidr", |a| {
        entry_values(a, |e| opt(matches!(e.cidr, IpNet::V6(_)).then_some(e.cidr)))
    }),
    def("entry.port-range.from", |a| {
        entry_values(a, |e| opt(e.port_range.map(|p| p.0)))
    }),
    def("entry.port-range.to", |a| {
        entry_values(a, |e| opt(e.port_range.map(|p| p.1)))
    }),
    def("entry.protocol", |a| {
        entry_values(a, |e| {
            let mut values = one(&e.protocol);
            values.extend(protocol_name(&e.protocol).map(String::from));
            values
        })
    }),
    def("entry.rule-action", |a| {
        entry_values(a, |e| one(e.action.as_str()))
    }),
    def("entry.egress", |a| entry_values(a, |e| one(e.egress))),
    def("entry.rule-number", |a| {
        entry_values(a, |e| one(e.rule_number))
    }),
    def("network-acl-id", |a| one(&a.id)),
    def("owner-id", |a| one(&a.owner_id)),
    def("vpc-id", |a| one(&a.vpc_id)),
];

#[cfg(test)]
mod tests;
