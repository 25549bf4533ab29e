//! Whether a group may be deleted. Never a VPC's default group; never one that an interface
//! uses or that a rule of another group *in its own VPC* names. A rule of a peered VPC's group
//! naming it does not hold it: on AWS that rule stays and becomes stale (it shows in
//! DescribeStaleSecurityGroups), since the peer's owner may be another account.

use super::SecurityGroup;
use crate::{Ec2Error, ErrorCode};

/// What still uses a group, as the handler found it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dependents {
    /// Other groups of the group's VPC with a rule naming it (its own rules do not count).
    pub groups_in_vpc: usize,
    /// Network interfaces (hence instances) the group is attached to.
    pub interfaces: usize,
}

/// DeleteSecurityGroup's refusals.
pub fn check_deletable(group: &SecurityGroup, dependents: Dependents) -> Result<(), Ec2Error> {
    if group.is_default() {
        return Err(Ec2Error::new(
            ErrorCode::CannotDelete,
            format!(
                "the specified group: \"{}\" name: \"default\" cannot be deleted by a user",
                group.id
            ),
        ));
    }
    if dependents.groups_in_vpc > 0 || dependents.interfaces > 0 {
        return Err(Ec2Error::dependency(format!(
            "resource {} has a dependent object",
            group.id
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str) -> SecurityGroup {
        SecurityGroup::new(
            "sg-0123456789abcdef0".into(),
            "vpc-0123456789abcdef0".into(),
            "111122223333".into(),
            name.into(),
            "d".into(),
            &mut || "sgr-0123456789abcdef0".into(),
        )
    }

    #[test]
    fn the_default_group_is_never_deleted() {
        let err = check_deletable(&group("default"), Dependents::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::CannotDelete);
    }

    #[test]
    fn a_group_named_in_its_own_vpc_or_attached_is_held() {
        for dependents in [
            Dependents {
                groups_in_vpc: 1,
                interfaces: 0,
            },
            Dependents {
                groups_in_vpc: 0,
                interfaces: 2,
            },
        ] {
            let err = check_deletable(&group("app"), dependents).unwrap_err();
            assert_eq!(err.code, ErrorCode::DependencyViolation);
        }
    }

    #[test]
    fn a_group_only_peers_name_may_go() {
        assert!(check_deletable(&group("app"), Dependents::default()).is_ok());
    }
}
