//! Network ACLs: numbered, stateless allow/deny entries per direction, one ACL per subnet.

use crate::filter::Tagged;
use crate::tags::Tag;
use ipnet::Ipv4Net;

/// The catch-all deny rule every ACL ends with (`*` in the console).
pub const DEFAULT_RULE_NUMBER: i32 = 32767;

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAclEntry {
    pub rule_number: i32,
    pub egress: bool,
    /// `-1` for all, or a protocol number as a string (`6` tcp, `17` udp, `1` icmp).
    pub protocol: String,
    pub action: RuleAction,
    pub cidr: Option<Ipv4Net>,
    pub ipv6_cidr: Option<String>,
    pub icmp_type_code: Option<(i32, i32)>,
    pub port_range: Option<(i32, i32)>,
}

impl NetworkAclEntry {
    fn all(rule_number: i32, egress: bool, action: RuleAction) -> Self {
        Self {
            rule_number,
            egress,
            protocol: "-1".into(),
            action,
            cidr: Some("0.0.0.0/0".parse().expect("valid")),
            ipv6_cidr: None,
            icmp_type_code: None,
            port_range: None,
        }
    }
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
    /// both end with the `*` deny rule in each direction.
    pub fn new(id: String, vpc_id: String, owner_id: String, is_default: bool) -> Self {
        let mut entries = Vec::new();
        for egress in [false, true] {
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
}

impl Tagged for NetworkAcl {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
