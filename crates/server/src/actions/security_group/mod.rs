//! Security group actions: Create/Describe/DeleteSecurityGroup, Authorize/Revoke
//! SecurityGroupIngress/Egress, DescribeSecurityGroupRules and ModifySecurityGroupRules.
//!
//! `groups` holds the group actions, `rules` the rule actions, `permissions` turns a request's
//! `IpPermissions` (or the old flat parameters) into domain requests, and `wire` the shapes.

pub mod groups;
mod permissions;
pub mod rules;
pub(crate) mod wire;

use crate::context::Ctx;
use localvpc_model::security_group::SecurityGroup;
use localvpc_model::{Ec2Error, ErrorCode, IdKind};

/// The group an action targets, by `GroupId` or (default VPC only) `GroupName`.
fn target_group(
    ctx: &mut Ctx,
    group_id: Option<&str>,
    group_name: Option<&str>,
) -> Result<SecurityGroup, Ec2Error> {
    match (group_id, group_name) {
        (Some(_), Some(_)) => Err(Ec2Error::combination(
            "The parameter groupName cannot be used with the parameter groupId",
        )),
        (Some(id), None) => ctx
            .tx
            .security_group(ctx.account, &IdKind::SecurityGroup.parse(id)?),
        (None, Some(name)) => {
            let groups = ctx.tx.security_groups(ctx.account, None)?;
            let default_vpc = ctx.tx.default_vpc_id()?;
            let index = named_in_default_vpc(&groups, default_vpc.as_deref(), name)?;
            Ok(groups.into_iter().nth(index).expect("index is in range"))
        }
        (None, None) => Err(Ec2Error::missing_parameter("groupName or groupId")),
    }
}

/// The position in `groups` of the group called `name` in the default VPC: names name groups
/// only there (elsewhere callers must use IDs).
fn named_in_default_vpc(
    groups: &[SecurityGroup],
    default_vpc: Option<&str>,
    name: &str,
) -> Result<usize, Ec2Error> {
    default_vpc
        .and_then(|vpc| {
            groups
                .iter()
                .position(|g| g.vpc_id == vpc && g.name == name)
        })
        .ok_or_else(|| {
            Ec2Error::new(
                ErrorCode::InvalidGroupNotFound,
                format!(
                    "The security group '{name}' does not exist in default VPC '{}'",
                    default_vpc.unwrap_or("none")
                ),
            )
        })
}
