//! Security groups and their rules.
//!
//! A group belongs to one VPC and holds ingress and egress rules. Each rule permits one
//! [`Permission`] (protocol, ports, peer) in one direction and is known by its own `sgr-` ID.
//! The rules for names and descriptions live in [`naming`], those for protocols and ports in
//! [`protocol`], those for what a permission may say in [`permission`], those for changing a group's rules in [`changes`],
//! whether a group may be deleted in [`deletion`], and what Describe calls show and filter on
//! in [`listing`].

pub mod changes;
pub mod deletion;
pub mod group_pair;
pub mod listing;
pub mod naming;
pub mod permission;
pub mod protocol;

pub use permission::{Permission, RulePeer};
pub use protocol::Protocol;

use crate::filter::Tagged;
use crate::tags::Tag;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroupRule {
    pub id: String,
    pub group_id: String,
    pub is_egress: bool,
    pub permission: Permission,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
}

impl Tagged for SecurityGroupRule {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroup {
    pub id: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub name: String,
    pub description: String,
    /// Ingress and egress rules in the order they were added.
    pub rules: Vec<SecurityGroupRule>,
    pub tags: Vec<Tag>,
}

/// The name of the group every VPC is born with (reserved: nobody else may take it).
pub const DEFAULT_GROUP_NAME: &str = "default";

/// The description AWS gives every default group.
pub const DEFAULT_GROUP_DESCRIPTION: &str = "default VPC security group";

impl SecurityGroup {
    pub fn is_default(&self) -> bool {
        self.name == DEFAULT_GROUP_NAME
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
            permission: Permission::all_traffic(RulePeer::Cidr(
                "0.0.0.0/0".parse().expect("valid"),
            )),
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

    /// The rule AWS adds to a default group when its VPC gains IPv6: all traffic out to `::/0`,
    /// only while the group's egress is still the single all-to-`0.0.0.0/0` rule it was born
    /// with (AWS leaves modified egress alone).
    pub fn ipv6_default_egress(&self, rule_id: String) -> Option<SecurityGroupRule> {
        let born_with =
            Permission::all_traffic(RulePeer::Cidr("0.0.0.0/0".parse().expect("valid")));
        let mut egress = self.rules.iter().filter(|r| r.is_egress);
        let unmodified =
            egress.next().is_some_and(|r| r.permission == born_with) && egress.next().is_none();
        (self.is_default() && unmodified).then(|| SecurityGroupRule {
            id: rule_id,
            group_id: self.id.clone(),
            is_egress: true,
            permission: Permission::all_traffic(RulePeer::Ipv6Cidr("::/0".parse().expect("valid"))),
            description: None,
            tags: Vec::new(),
        })
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
            DEFAULT_GROUP_NAME.into(),
            DEFAULT_GROUP_DESCRIPTION.into(),
            rule_ids,
        );
        group.rules.insert(
            0,
            SecurityGroupRule {
                id: rule_ids(),
                group_id: group.id.clone(),
                is_egress: false,
                permission: Permission::all_traffic(RulePeer::Group {
                    group_id: group.id.clone(),
                    user_id: owner_id,
                }),
                description: None,
                tags: Vec::new(),
            },
        );
        group
    }

    /// The rules of one direction.
    pub fn rules_of(&self, is_egress: bool) -> impl Iterator<Item = &SecurityGroupRule> {
        self.rules.iter().filter(move |r| r.is_egress == is_egress)
    }
}

impl Tagged for SecurityGroup {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

/// `arn:aws:ec2:<region>:<account>:security-group/sg-…`
pub fn group_arn(region: &str, account: &str, group_id: &str) -> String {
    format!("arn:aws:ec2:{region}:{account}:security-group/{group_id}")
}

/// `arn:aws:ec2:<region>:<account>:security-group-rule/sgr-…`
pub fn rule_arn(region: &str, account: &str, rule_id: &str) -> String {
    format!("arn:aws:ec2:{region}:{account}:security-group-rule/{rule_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("sgr-{n:017x}")
        }
    }

    #[test]
    fn a_new_group_may_send_anything_anywhere_and_receive_nothing() {
        let g = SecurityGroup::new(
            "sg-1".into(),
            "vpc-1".into(),
            "123456789012".into(),
            "web".into(),
            "d".into(),
            &mut ids(),
        );
        assert_eq!(g.rules_of(false).count(), 0);
        let egress: Vec<_> = g.rules_of(true).collect();
        assert_eq!(egress.len(), 1);
        assert_eq!(egress[0].permission.protocol, Protocol::All);
        assert_eq!(egress[0].permission.ports, None);
        assert_eq!(
            egress[0].permission.peer,
            RulePeer::Cidr("0.0.0.0/0".parse().unwrap())
        );
        assert!(!g.is_default());
    }

    #[test]
    fn the_default_group_also_admits_its_own_members() {
        let g = SecurityGroup::new_default(
            "sg-1".into(),
            "vpc-1".into(),
            "123456789012".into(),
            &mut ids(),
        );
        assert!(g.is_default());
        assert_eq!(g.description, "default VPC security group");
        let ingress: Vec<_> = g.rules_of(false).collect();
        assert_eq!(ingress.len(), 1);
        assert_eq!(
            ingress[0].permission.peer,
            RulePeer::Group {
                group_id: "sg-1".into(),
                user_id: "123456789012".into()
            }
        );
        assert_eq!(g.rules_of(true).count(), 1);
        assert_ne!(g.rules[0].id, g.rules[1].id);
    }

    #[test]
    fn arns() {
        assert_eq!(
            group_arn("ap-northeast-1", "123456789012", "sg-0a"),
            "arn:aws:ec2:ap-northeast-1:123456789012:security-group/sg-0a"
        );
        assert_eq!(
            rule_arn("us-east-1", "123456789012", "sgr-0a"),
            "arn:aws:ec2:us-east-1:123456789012:security-group-rule/sgr-0a"
        );
    }
}
