//! Egress-only internet gateways: IPv6 out of a VPC, replies back in. There is no attach or
//! detach: a gateway is created in its VPC and stays attached until deleted.

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one};
use crate::tags::Tag;

#[derive(Debug, Clone, PartialEq)]
pub struct EgressOnlyInternetGateway {
    pub id: String,
    pub vpc_id: String,
    pub tags: Vec<Tag>,
}

impl Tagged for EgressOnlyInternetGateway {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

/// The model documents only `tag:<key>` and `tag-key`; the attachment and ID filters are the
/// ones EC2's other gateways take, which tools send too.
pub const FILTERS: &[FilterDef<EgressOnlyInternetGateway>] = &[
    def("attachment.state", |_| vec!["attached".into()]),
    def("attachment.vpc-id", |g| one(&g.vpc_id)),
    def("egress-only-internet-gateway-id", |g| one(&g.id)),
];

/// CreateEgressOnlyInternetGateway: a VPC has one egress-only gateway at a time (VPC quotas:
/// "You can attach one egress-only internet gateway to a VPC at a time").
pub fn check_create(vpc_id: &str, existing: Option<&str>) -> Result<(), Ec2Error> {
    match existing {
        Some(other) => Err(Ec2Error::new(
            ErrorCode::ResourceAlreadyAssociated,
            format!(
                "Network {vpc_id} already has an egress only internet gateway attached ({other})"
            ),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_vpc() {
        assert!(check_create("vpc-1", None).is_ok());
        let err = check_create("vpc-1", Some("eigw-1")).unwrap_err();
        assert_eq!(err.code.as_str(), "Resource.AlreadyAssociated");
        assert!(err.message.contains("vpc-1"));
    }
}
