//! Internet gateways: one VPC per gateway and one gateway per VPC.

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::tags::Tag;

#[derive(Debug, Clone, PartialEq)]
pub struct InternetGateway {
    pub id: String,
    pub owner_id: String,
    pub vpc_id: Option<String>,
    pub tags: Vec<Tag>,
}

impl Tagged for InternetGateway {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

pub const FILTERS: &[FilterDef<InternetGateway>] = &[
    def("attachment.state", |g| {
        opt(g.vpc_id.as_ref().map(|_| "available"))
    }),
    def("attachment.vpc-id", |g| opt(g.vpc_id.as_ref())),
    def("internet-gateway-id", |g| one(&g.id)),
    def("owner-id", |g| one(&g.owner_id)),
];

/// AttachInternetGateway: the gateway must be free and the VPC must not have one already.
pub fn check_attach(
    igw: &InternetGateway,
    vpc_id: &str,
    vpc_gateway: Option<&str>,
) -> Result<(), Ec2Error> {
    if let Some(attached) = &igw.vpc_id {
        return Err(Ec2Error::new(
            ErrorCode::ResourceAlreadyAssociated,
            format!(
                "resource {} is already attached to network {attached}",
                igw.id
            ),
        ));
    }
    if let Some(other) = vpc_gateway {
        return Err(Ec2Error::new(
            ErrorCode::ResourceAlreadyAssociated,
            format!("Network {vpc_id} already has an internet gateway attached ({other})"),
        ));
    }
    Ok(())
}

/// DetachInternetGateway: only from the VPC it is attached to.
pub fn check_detach(igw: &InternetGateway, vpc_id: &str) -> Result<(), Ec2Error> {
    if igw.vpc_id.as_deref() != Some(vpc_id) {
        return Err(Ec2Error::new(
            ErrorCode::GatewayNotAttached,
            format!("resource {} is not attached to network {vpc_id}", igw.id),
        ));
    }
    Ok(())
}

/// DeleteInternetGateway: never while attached.
pub fn check_delete(igw: &InternetGateway) -> Result<(), Ec2Error> {
    match &igw.vpc_id {
        Some(_) => Err(Ec2Error::dependency(format!(
            "The internetGateway '{}' has dependencies and cannot be deleted.",
            igw.id
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn igw(vpc: Option<&str>) -> InternetGateway {
        InternetGateway {
            id: "igw-12345678".into(),
            owner_id: "0".into(),
            vpc_id: vpc.map(Into::into),
            tags: vec![],
        }
    }

    #[test]
    fn one_to_one() {
        assert!(check_attach(&igw(None), "vpc-1", None).is_ok());
        assert_eq!(
            check_attach(&igw(Some("vpc-1")), "vpc-2", None)
                .unwrap_err()
                .code
                .as_str(),
            "Resource.AlreadyAssociated"
        );
        assert_eq!(
            check_attach(&igw(None), "vpc-1", Some("igw-2"))
                .unwrap_err()
                .code
                .as_str(),
            "Resource.AlreadyAssociated"
        );
        assert_eq!(
            check_detach(&igw(Some("vpc-1")), "vpc-2")
                .unwrap_err()
                .code
                .as_str(),
            "Gateway.NotAttached"
        );
        assert_eq!(
            check_delete(&igw(Some("vpc-1"))).unwrap_err().code,
            ErrorCode::DependencyViolation
        );
        assert!(check_delete(&igw(None)).is_ok());
    }
}
