//! The rules for changing a group's rules: no duplicates (after canonicalisation), at most
//! `limit` rules per direction and address family, revocations must name existing rules, and a
//! modified rule keeps its peer type.

use super::permission::{NewRule, Permission};
use super::{SecurityGroup, SecurityGroupRule};
use crate::error::{Ec2Error, ErrorCode};
use crate::id::IdKind;

fn duplicate(permission: &Permission) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidPermissionDuplicate,
        format!(
            "the specified rule \"{}\" already exists",
            permission.summary()
        ),
    )
}

/// Checks rules about to be added to one direction of `group`: none may repeat a rule the group
/// has or another new one, and each address family (IPv4, IPv6) stays within `limit` rules.
pub fn check_additions(
    group: &SecurityGroup,
    is_egress: bool,
    new: &[NewRule],
    limit: usize,
) -> Result<(), Ec2Error> {
    let existing: Vec<&Permission> = group.rules_of(is_egress).map(|r| &r.permission).collect();
    for (i, rule) in new.iter().enumerate() {
        let repeats_new = new[..i].iter().any(|r| r.permission == rule.permission);
        if repeats_new || existing.contains(&&rule.permission) {
            return Err(duplicate(&rule.permission));
        }
    }
    let all = existing
        .into_iter()
        .chain(new.iter().map(|r| &r.permission));
    let (v4, v6) = all.fold((0, 0), |(v4, v6), p| {
        let (is_v4, is_v6) = p.peer.families();
        (v4 + usize::from(is_v4), v6 + usize::from(is_v6))
    });
    if v4 > limit || v6 > limit {
        return Err(Ec2Error::new(
            ErrorCode::RulesPerSecurityGroupLimitExceeded,
            "The maximum number of rules per security group has been reached.",
        ));
    }
    Ok(())
}

/// The rules a revoke request names that the group has, and the permissions it has not.
#[derive(Debug, PartialEq)]
pub struct Revocation<'g> {
    pub revoked: Vec<&'g SecurityGroupRule>,
    pub unknown: Vec<Permission>,
}

/// Finds the rules to revoke by what they permit (descriptions play no part). In a default VPC
/// EC2 revokes what it finds and reports the rest as unknown; elsewhere a permission the group
/// does not have is `InvalidPermission.NotFound` and nothing is revoked.
pub fn revocation<'g>(
    group: &'g SecurityGroup,
    is_egress: bool,
    requested: &[Permission],
    in_default_vpc: bool,
) -> Result<Revocation<'g>, Ec2Error> {
    let mut found = Revocation {
        revoked: Vec::new(),
        unknown: Vec::new(),
    };
    for permission in requested {
        match group
            .rules_of(is_egress)
            .find(|r| &r.permission == permission)
        {
            Some(rule) if !found.revoked.iter().any(|r| r.id == rule.id) => {
                found.revoked.push(rule)
            }
            Some(_) => {}
            None if in_default_vpc => found.unknown.push(permission.clone()),
            None => {
                return Err(Ec2Error::new(
                    ErrorCode::InvalidPermissionNotFound,
                    "The specified rule does not exist in this security group.",
                ));
            }
        }
    }
    Ok(found)
}

/// The rules of one direction of `group` named by ID; an ID that is not one of them is
/// `InvalidSecurityGroupRuleId.NotFound`.
pub fn rules_by_id<'g>(
    group: &'g SecurityGroup,
    is_egress: bool,
    ids: &[String],
) -> Result<Vec<&'g SecurityGroupRule>, Ec2Error> {
    let mut rules: Vec<&SecurityGroupRule> = Vec::new();
    for id in ids {
        let rule = group
            .rules_of(is_egress)
            .find(|r| &r.id == id)
            .ok_or_else(|| IdKind::SecurityGroupRule.not_found(id))?;
        if !rules.iter().any(|r| r.id == rule.id) {
            rules.push(rule);
        }
    }
    Ok(rules)
}

/// Replaces the definition of rule `rule_id` of `group` with `new` (ModifySecurityGroupRules),
/// in place so that several modifications in one call see each other. The rule keeps its ID,
/// direction and tags; its peer type may not change, and it may not become a duplicate.
pub fn modify(group: &mut SecurityGroup, rule_id: &str, new: NewRule) -> Result<(), Ec2Error> {
    let index = group
        .rules
        .iter()
        .position(|r| r.id == rule_id)
        .ok_or_else(|| IdKind::SecurityGroupRule.not_found(rule_id))?;
    let rule = &group.rules[index];
    if !rule.permission.peer.same_kind(&new.permission.peer) {
        return Err(Ec2Error::invalid_value(format!(
            "The security group rule {rule_id} cannot change its type: give the same kind of peer (CidrIpv4, CidrIpv6 or ReferencedGroupId) it has."
        )));
    }
    if group
        .rules_of(rule.is_egress)
        .any(|r| r.id != rule_id && r.permission == new.permission)
    {
        return Err(duplicate(&new.permission));
    }
    let rule = &mut group.rules[index];
    rule.permission = new.permission;
    rule.description = new.description;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{Protocol, RulePeer};
    use super::*;

    fn group() -> SecurityGroup {
        let mut n = 0;
        SecurityGroup::new(
            "sg-1".into(),
            "vpc-1".into(),
            "123456789012".into(),
            "web".into(),
            "d".into(),
            &mut || {
                n += 1;
                format!("sgr-{n}")
            },
        )
    }

    fn tcp(port: i32, cidr: &str) -> Permission {
        Permission {
            protocol: Protocol::Tcp,
            ports: Some((port, port)),
            peer: RulePeer::Cidr(cidr.parse().unwrap()),
        }
    }

    fn new(permission: Permission) -> NewRule {
        NewRule {
            permission,
            description: None,
        }
    }

    fn add(group: &mut SecurityGroup, is_egress: bool, permission: Permission) {
        let id = format!("sgr-x{}", group.rules.len());
        group.rules.push(SecurityGroupRule {
            id,
            group_id: group.id.clone(),
            is_egress,
            permission,
            description: None,
            tags: vec![],
        });
    }

    #[test]
    fn a_rule_the_group_has_is_a_duplicate_with_ec2s_message() {
        let mut g = group();
        add(&mut g, false, tcp(22, "0.0.0.0/0"));
        let err = check_additions(&g, false, &[new(tcp(22, "0.0.0.0/0"))], 60).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidPermissionDuplicate);
        assert_eq!(
            err.message,
            "the specified rule \"peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW\" already exists"
        );
        // Same permission in the other direction is a different rule.
        assert!(check_additions(&g, true, &[new(tcp(22, "0.0.0.0/0"))], 60).is_ok());
        // The default egress rule counts as existing.
        let all = Permission::all_traffic(RulePeer::Cidr("0.0.0.0/0".parse().unwrap()));
        assert_eq!(
            check_additions(&g, true, &[new(all)], 60)
                .unwrap_err()
                .code
                .as_str(),
            "InvalidPermission.Duplicate"
        );
    }

    #[test]
    fn repeats_within_one_request_are_duplicates() {
        let g = group();
        let twice = [new(tcp(80, "10.0.0.0/24")), new(tcp(80, "10.0.0.0/24"))];
        assert_eq!(
            check_additions(&g, false, &twice, 60).unwrap_err().code,
            ErrorCode::InvalidPermissionDuplicate
        );
    }

    #[test]
    fn descriptions_do_not_make_rules_different() {
        let mut g = group();
        add(&mut g, false, tcp(22, "0.0.0.0/0"));
        let described = NewRule {
            permission: tcp(22, "0.0.0.0/0"),
            description: Some("other".into()),
        };
        assert_eq!(
            check_additions(&g, false, &[described], 60)
                .unwrap_err()
                .code
                .as_str(),
            "InvalidPermission.Duplicate"
        );
    }

    #[test]
    fn rule_quota_per_direction_and_family() {
        let mut g = group();
        for port in 1..=3 {
            add(&mut g, false, tcp(port, "0.0.0.0/0"));
        }
        let err = check_additions(&g, false, &[new(tcp(4, "0.0.0.0/0"))], 3).unwrap_err();
        assert_eq!(err.code, ErrorCode::RulesPerSecurityGroupLimitExceeded);
        assert_eq!(
            err.message,
            "The maximum number of rules per security group has been reached."
        );
        // Egress has its own quota (one rule so far), and IPv6 rules theirs.
        assert!(check_additions(&g, true, &[new(tcp(4, "0.0.0.0/0"))], 3).is_ok());
        let v6 = Permission {
            protocol: Protocol::Tcp,
            ports: Some((4, 4)),
            peer: RulePeer::Ipv6Cidr("::/0".parse().unwrap()),
        };
        assert!(check_additions(&g, false, &[new(v6)], 3).is_ok());
        // A group reference counts as IPv4 too.
        let by_group = Permission {
            protocol: Protocol::Tcp,
            ports: Some((4, 4)),
            peer: RulePeer::Group {
                group_id: "sg-2".into(),
                user_id: "123456789012".into(),
            },
        };
        assert_eq!(
            check_additions(&g, false, &[new(by_group)], 3)
                .unwrap_err()
                .code
                .as_str(),
            "RulesPerSecurityGroupLimitExceeded"
        );
    }

    #[test]
    fn revocation_outside_a_default_vpc_is_all_or_nothing() {
        let mut g = group();
        add(&mut g, false, tcp(22, "0.0.0.0/0"));
        let found = revocation(&g, false, &[tcp(22, "0.0.0.0/0")], false).unwrap();
        assert_eq!(found.revoked.len(), 1);
        assert!(found.unknown.is_empty());
        let err = revocation(
            &g,
            false,
            &[tcp(22, "0.0.0.0/0"), tcp(23, "0.0.0.0/0")],
            false,
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidPermissionNotFound);
        assert_eq!(
            err.message,
            "The specified rule does not exist in this security group."
        );
        // Direction matters.
        assert_eq!(
            revocation(&g, true, &[tcp(22, "0.0.0.0/0")], false)
                .unwrap_err()
                .code
                .as_str(),
            "InvalidPermission.NotFound"
        );
    }

    #[test]
    fn revocation_in_a_default_vpc_reports_unknown_permissions() {
        let mut g = group();
        add(&mut g, false, tcp(22, "0.0.0.0/0"));
        let found = revocation(
            &g,
            false,
            &[tcp(22, "0.0.0.0/0"), tcp(23, "0.0.0.0/0")],
            true,
        )
        .unwrap();
        assert_eq!(found.revoked.len(), 1);
        assert_eq!(found.unknown, vec![tcp(23, "0.0.0.0/0")]);
    }

    #[test]
    fn rules_by_id_must_be_of_the_group_and_direction() {
        let g = group();
        let egress_id = g.rules[0].id.clone();
        assert_eq!(
            rules_by_id(&g, true, std::slice::from_ref(&egress_id))
                .unwrap()
                .len(),
            1
        );
        let err = rules_by_id(&g, false, &[egress_id]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidSecurityGroupRuleIdNotFound);
    }

    #[test]
    fn modify_replaces_the_definition_in_place() {
        let mut g = group();
        add(&mut g, false, tcp(22, "0.0.0.0/0"));
        add(&mut g, false, tcp(80, "0.0.0.0/0"));
        let id = g.rules[1].id.clone();
        let replacement = NewRule {
            permission: tcp(2222, "10.0.0.0/8"),
            description: Some("ssh".into()),
        };
        modify(&mut g, &id, replacement).unwrap();
        assert_eq!(g.rules[1].permission, tcp(2222, "10.0.0.0/8"));
        assert_eq!(g.rules[1].description.as_deref(), Some("ssh"));
        assert_eq!(g.rules[1].id, id);
        // Becoming a copy of another rule is a duplicate.
        let err = modify(&mut g, &id, new(tcp(80, "0.0.0.0/0"))).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidPermissionDuplicate);
        // Changing the peer's type is refused.
        let v6 = Permission {
            protocol: Protocol::Tcp,
            ports: Some((22, 22)),
            peer: RulePeer::Ipv6Cidr("::/0".parse().unwrap()),
        };
        assert_eq!(
            modify(&mut g, &id, new(v6)).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            modify(&mut g, "sgr-nope", new(tcp(1, "0.0.0.0/0")))
                .unwrap_err()
                .code,
            ErrorCode::InvalidSecurityGroupRuleIdNotFound
        );
    }
}
