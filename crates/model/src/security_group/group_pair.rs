//! A rule's `UserIdGroupPair`: the group it references must be the caller's and in the target
//! group's VPC. A group of a peered VPC is found by the handler before this (it needs the
//! peering connections); whatever is left of a pair naming one is refused with EC2's codes.

use super::SecurityGroup;
use super::permission::RequestedPeer;
use crate::error::{Ec2Error, ErrorCode};
use crate::id::IdKind;

/// The members of a `UserIdGroupPair` that name a group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupPair {
    pub user_id: Option<String>,
    pub group_name: Option<String>,
    pub group_id: Option<String>,
    pub vpc_id: Option<String>,
    pub vpc_peering_connection_id: Option<String>,
    pub peering_status: Option<String>,
}

impl GroupPair {
    /// The well-formed `GroupId` that none of `in_vpc` has: whether the account has it at all
    /// decides between two messages, so the handler looks it up.
    pub fn id_outside<'a>(&'a self, in_vpc: &[SecurityGroup]) -> Option<&'a str> {
        self.group_id
            .as_deref()
            .filter(|id| IdKind::SecurityGroup.parse(id).is_ok())
            .filter(|id| !in_vpc.iter().any(|g| g.id == *id))
    }
}

/// Resolves `pair` for a rule of `target` among `in_vpc` (the groups of the target's VPC).
/// `known_elsewhere` answers for [`GroupPair::id_outside`]: false means the group does not
/// exist at all.
pub fn resolve(
    pair: &GroupPair,
    account: &str,
    target: &SecurityGroup,
    in_vpc: &[SecurityGroup],
    known_elsewhere: bool,
) -> Result<RequestedPeer, Ec2Error> {
    if let Some(pcx) = &pair.vpc_peering_connection_id {
        return Err(Ec2Error::new(
            ErrorCode::InvalidVpcPeeringConnectionIdNotFound,
            format!("The vpcPeeringConnection ID '{pcx}' does not exist"),
        ));
    }
    if pair.peering_status.is_some() {
        return Err(Ec2Error::invalid_value(
            "PeeringStatus describes a VPC peering connection and cannot be requested.",
        ));
    }
    let named = pair
        .group_id
        .as_deref()
        .or(pair.group_name.as_deref())
        .ok_or_else(|| Ec2Error::missing_parameter("UserIdGroupPairs.N.GroupId"))?;
    let elsewhere = || {
        Ec2Error::new(
            ErrorCode::InvalidGroupNotFound,
            format!(
                "The security group '{named}' does not exist in VPC '{}'",
                target.vpc_id
            ),
        )
    };
    let foreign_account = pair.user_id.as_deref().is_some_and(|u| u != account);
    let foreign_vpc = pair.vpc_id.as_deref().is_some_and(|v| v != target.vpc_id);
    if foreign_account || foreign_vpc {
        return Err(elsewhere());
    }
    let group = match &pair.group_id {
        Some(id) => {
            let id = IdKind::SecurityGroup.parse(id)?;
            match in_vpc.iter().find(|g| g.id == id) {
                Some(g) => g,
                // Known elsewhere, or not at all: the two have different messages.
                None if known_elsewhere => return Err(elsewhere()),
                None => return Err(IdKind::SecurityGroup.not_found(&id)),
            }
        }
        None => in_vpc
            .iter()
            .find(|g| Some(&g.name) == pair.group_name.as_ref())
            .ok_or_else(elsewhere)?,
    };
    if pair.group_name.as_ref().is_some_and(|n| *n != group.name) {
        return Err(Ec2Error::combination(format!(
            "The group name '{}' does not name the group {}",
            pair.group_name.as_deref().unwrap_or_default(),
            group.id
        )));
    }
    Ok(RequestedPeer::Group {
        group_id: group.id.clone(),
        user_id: group.owner_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "000000000000";

    fn group(id: &str, vpc: &str, name: &str) -> SecurityGroup {
        SecurityGroup {
            id: id.into(),
            vpc_id: vpc.into(),
            owner_id: ME.into(),
            name: name.into(),
            description: String::new(),
            rules: vec![],
            tags: vec![],
        }
    }

    fn by_id(id: &str) -> GroupPair {
        GroupPair {
            group_id: Some(id.into()),
            ..GroupPair::default()
        }
    }

    fn setup() -> (SecurityGroup, Vec<SecurityGroup>) {
        let target = group("sg-00000001", "vpc-1", "target");
        let web = group("sg-00000002", "vpc-1", "web");
        (target.clone(), vec![target, web])
    }

    fn code(pair: &GroupPair, known_elsewhere: bool) -> ErrorCode {
        let (target, in_vpc) = setup();
        resolve(pair, ME, &target, &in_vpc, known_elsewhere)
            .unwrap_err()
            .code
    }

    #[test]
    fn a_group_of_the_vpc_by_id_or_name() {
        let (target, in_vpc) = setup();
        let named = GroupPair {
            group_name: Some("web".into()),
            user_id: Some(ME.into()),
            ..GroupPair::default()
        };
        for pair in [by_id("sg-00000002"), named] {
            let peer = resolve(&pair, ME, &target, &in_vpc, false).unwrap();
            assert!(
                matches!(&peer, RequestedPeer::Group { group_id, user_id }
                    if group_id == "sg-00000002" && user_id == ME),
                "{peer:?}"
            );
        }
    }

    #[test]
    fn peering_members_are_refused() {
        let pcx = GroupPair {
            vpc_peering_connection_id: Some("pcx-1".into()),
            ..by_id("sg-00000002")
        };
        assert_eq!(
            code(&pcx, false),
            ErrorCode::InvalidVpcPeeringConnectionIdNotFound
        );
        let status = GroupPair {
            peering_status: Some("active".into()),
            ..by_id("sg-00000002")
        };
        assert_eq!(code(&status, false), ErrorCode::InvalidParameterValue);
    }

    #[test]
    fn a_pair_names_a_group() {
        assert_eq!(
            code(&GroupPair::default(), false),
            ErrorCode::MissingParameter
        );
        assert_eq!(
            code(&by_id("sg-x"), false),
            ErrorCode::InvalidGroupIdMalformed
        );
    }

    #[test]
    fn groups_elsewhere_or_nowhere() {
        let (target, in_vpc) = setup();
        let other_account = GroupPair {
            user_id: Some("111111111111".into()),
            ..by_id("sg-00000002")
        };
        let other_vpc = GroupPair {
            vpc_id: Some("vpc-2".into()),
            ..by_id("sg-00000002")
        };
        for pair in [other_account, other_vpc] {
            let err = resolve(&pair, ME, &target, &in_vpc, false).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidGroupNotFound);
            assert_eq!(
                err.message,
                "The security group 'sg-00000002' does not exist in VPC 'vpc-1'"
            );
        }
        let outside = by_id("sg-00000009");
        assert_eq!(outside.id_outside(&in_vpc), Some("sg-00000009"));
        assert_eq!(by_id("sg-00000002").id_outside(&in_vpc), None);
        assert_eq!(by_id("sg-x").id_outside(&in_vpc), None);
        let elsewhere = resolve(&outside, ME, &target, &in_vpc, true).unwrap_err();
        assert!(
            elsewhere.message.contains("in VPC 'vpc-1'"),
            "{}",
            elsewhere.message
        );
        let nowhere = resolve(&outside, ME, &target, &in_vpc, false).unwrap_err();
        assert_eq!(nowhere, IdKind::SecurityGroup.not_found("sg-00000009"));
        let unknown_name = GroupPair {
            group_name: Some("db".into()),
            ..GroupPair::default()
        };
        assert_eq!(code(&unknown_name, false), ErrorCode::InvalidGroupNotFound);
    }

    #[test]
    fn id_and_name_must_agree() {
        let both = GroupPair {
            group_name: Some("target".into()),
            ..by_id("sg-00000002")
        };
        assert_eq!(code(&both, false), ErrorCode::InvalidParameterCombination);
    }
}
