//! Security groups and their rules.

use crate::filter::Tagged;
use crate::tags::Tag;
use ipnet::Ipv4Net;

/// The other side of a rule: where traffic may come from (ingress) or go to (egress).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RulePeer {
    Cidr(Ipv4Net),
    Ipv6Cidr(String),
    PrefixList(String),
    Group { group_id: String, user_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroupRule {
    pub id: String,
    pub group_id: String,
    pub is_egress: bool,
    /// `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number, canonicalised.
    pub protocol: String,
    /// Absent for protocols without ports; `-1` for "all" ICMP types/codes.
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub peer: RulePeer,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroup {
    pub id: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub name: String,
    pub description: String,
    pub rules: Vec<SecurityGroupRule>,
    pub tags: Vec<Tag>,
}

/// The description AWS gives every default group.
pub const DEFAULT_GROUP_DESCRIPTION: &str = "default VPC security group";

impl SecurityGroup {
    pub fn is_default(&self) -> bool {
        self.name == "default"
    }

    /// A new group with AWS's initial rule: all traffic out to 0.0.0.0/0.
    pub fn new(
        id: String,
        vpc_id: String,
        owner_id: String,
        name: String,
        description: String,
        rule_ids: &mut impl FnMut() -> String,
    ) -> Self {
        let egress = SecurityGroupRule {
            id: rule_ids(),
            group_id: id.clone(),
            is_egress: true,
            protocol: "-1".into(),
            from_port: None,
            to_port: None,
            peer: RulePeer::Cidr("0.0.0.0/0".parse().expect("valid")),
            description: None,
            tags: Vec::new(),
        };
        Self {
            id,
            vpc_id,
            owner_id,
            name,
            description,
            rules: vec![egress],
            tags: Vec::new(),
        }
    }

    /// The group every VPC is born with: all egress, and all ingress from its own members.
    pub fn new_default(
        id: String,
        vpc_id: String,
        owner_id: String,
        rule_ids: &mut impl FnMut() -> String,
    ) -> Self {
        let mut group = Self::new(
            id,
            vpc_id,
            owner_id.clone(),
            "default".into(),
            DEFAULT_GROUP_DESCRIPTION.into(),
            rule_ids,
        );
        group.rules.insert(
            0,
            SecurityGroupRule {
                id: rule_ids(),
                group_id: group.id.clone(),
                is_egress: false,
                protocol: "-1".into(),
                from_port: None,
                to_port: None,
                peer: RulePeer::Group {
                    group_id: group.id.clone(),
                    user_id: owner_id,
                },
                description: None,
                tags: Vec::new(),
            },
        );
        group
    }
}

impl Tagged for SecurityGroup {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
