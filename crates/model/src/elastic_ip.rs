//! Elastic IP addresses: one public IPv4 per private address and one private address per
//! Elastic IP, and the rules of associating them (rules.md §6).

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::tags::Tag;
use std::net::Ipv4Addr;

/// Where an Elastic IP points: a private address of an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EipAssociation {
    pub association_id: String,
    pub network_interface_id: String,
    pub subnet_id: String,
    pub private_ip: Ipv4Addr,
    /// The instance the interface is attached to, if any.
    pub instance_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElasticIp {
    pub allocation_id: String,
    pub public_ip: Ipv4Addr,
    pub owner_id: String,
    pub network_border_group: String,
    pub association: Option<EipAssociation>,
    /// The reverse DNS name ModifyAddressAttribute set (with its final dot), if any.
    pub ptr_record: Option<String>,
    pub tags: Vec<Tag>,
}

impl Tagged for ElasticIp {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

fn association_value(e: &ElasticIp, f: fn(&EipAssociation) -> Option<String>) -> Vec<String> {
    e.association.as_ref().and_then(f).into_iter().collect()
}

pub const FILTERS: &[FilterDef<ElasticIp>] = &[
    def("allocation-id", |e| one(&e.allocation_id)),
    def("association-id", |e| {
        association_value(e, |a| Some(a.association_id.clone()))
    }),
    def("domain", |_| one("vpc")),
    def("instance-id", |e| {
        association_value(e, |a| a.instance_id.clone())
    }),
    def("network-border-group", |e| one(&e.network_border_group)),
    def("network-interface-id", |e| {
        association_value(e, |a| Some(a.network_interface_id.clone()))
    }),
    def("network-interface-owner-id", |e| {
        opt(e.association.as_ref().map(|_| e.owner_id.clone()))
    }),
    def("private-ip-address", |e| {
        association_value(e, |a| Some(a.private_ip.to_string()))
    }),
    def("public-ip", |e| one(e.public_ip)),
];

/// AssociateAddress when the Elastic IP is already associated with another address: moved by
/// default, refused with `Resource.AlreadyAssociated` when the caller set
/// `AllowReassociation=false`.
pub fn check_reassociation(
    eip: &ElasticIp,
    allow_reassociation: Option<bool>,
) -> Result<(), Ec2Error> {
    match (&eip.association, allow_reassociation) {
        (Some(a), Some(false)) => Err(Ec2Error::new(
            ErrorCode::ResourceAlreadyAssociated,
            format!(
                "resource {} is already associated with associate-id {}",
                eip.allocation_id, a.association_id
            ),
        )),
        _ => Ok(()),
    }
}

/// ReleaseAddress: never while associated (outside the default VPC, where EC2 disassociates).
pub fn check_release(eip: &ElasticIp, in_default_vpc: bool) -> Result<(), Ec2Error> {
    if eip.association.is_some() && !in_default_vpc {
        return Err(Ec2Error::new(
            ErrorCode::InvalidIpAddressInUse,
            format!("Address {} is in use.", eip.public_ip),
        ));
    }
    Ok(())
}

/// The VPC of the target interface must reach the internet through an attached gateway.
/// The PTR record ModifyAddressAttribute stores for `DomainName`: a host name of at most 255
/// characters whose labels are 1–63 letters, digits or hyphens (not at either end), kept with
/// the final dot AWS shows.
pub fn ptr_record(domain_name: &str) -> Result<String, Ec2Error> {
    let name = domain_name.strip_suffix('.').unwrap_or(domain_name);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidParameterValue,
            format!("Invalid domain name: '{domain_name}'."),
        ));
    }
    Ok(format!("{}.", name.to_ascii_lowercase()))
}

pub fn gateway_not_attached(vpc_id: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::GatewayNotAttached,
        format!("Network {vpc_id} is not attached to any internet gateway"),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn ptr_records_are_host_names() {
        assert_eq!(
            super::ptr_record("Mail.Example.com").unwrap(),
            "mail.example.com."
        );
        assert_eq!(super::ptr_record("example.com.").unwrap(), "example.com.");
        for bad in [
            "",
            "-a.example.com",
            "a..b",
            "under_score.example.com",
            &"a".repeat(64),
        ] {
            assert_eq!(
                super::ptr_record(bad).unwrap_err().code,
                crate::ErrorCode::InvalidParameterValue
            );
        }
    }

    use super::*;

    fn eip(associated: bool) -> ElasticIp {
        ElasticIp {
            allocation_id: "eipalloc-12345678".into(),
            public_ip: "198.51.100.7".parse().unwrap(),
            owner_id: "0".into(),
            network_border_group: "us-east-1".into(),
            association: associated.then(|| EipAssociation {
                association_id: "eipassoc-12345678".into(),
                network_interface_id: "eni-1".into(),
                subnet_id: "subnet-1".into(),
                private_ip: "10.0.0.5".parse().unwrap(),
                instance_id: None,
            }),
            ptr_record: None,
            tags: vec![],
        }
    }

    #[test]
    fn reassociation_is_allowed_unless_refused() {
        assert!(check_reassociation(&eip(true), None).is_ok());
        assert!(check_reassociation(&eip(true), Some(true)).is_ok());
        assert!(check_reassociation(&eip(false), Some(false)).is_ok());
        let err = check_reassociation(&eip(true), Some(false)).unwrap_err();
        assert_eq!(err.code.as_str(), "Resource.AlreadyAssociated");
        assert_eq!(
            err.message,
            "resource eipalloc-12345678 is already associated with associate-id eipassoc-12345678"
        );
    }

    #[test]
    fn release_needs_disassociation() {
        assert!(check_release(&eip(false), false).is_ok());
        assert_eq!(
            check_release(&eip(true), false).unwrap_err().code.as_str(),
            "InvalidIPAddress.InUse"
        );
        assert!(check_release(&eip(true), true).is_ok());
    }
}
