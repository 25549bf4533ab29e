//! Elastic IP addresses: one public IPv4 per private address and one private address per
//! Elastic IP, and the rules of associating them (rules.md §6).

use crate::address;
use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::instance::{Instance, InstanceState};
use crate::network_interface::NetworkInterface;
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

/// AllocateAddress's `Domain`, `PublicIpv4Pool` and `NetworkBorderGroup`: only `vpc` addresses
/// of Amazon's pool in the region's own group exist here. Returns the group.
pub fn check_allocation(
    domain: Option<&str>,
    pool: Option<&str>,
    group: Option<&str>,
    region: &str,
) -> Result<String, Ec2Error> {
    if let Some(d) = domain.filter(|d| *d != "vpc") {
        return Err(Ec2Error::invalid_value(format!(
            "Value ({d}) for parameter domain is invalid. EC2-Classic has been retired; only 'vpc' addresses exist."
        )));
    }
    if let Some(pool) = pool.filter(|p| *p != "amazon") {
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("localvpc has only Amazon's pool of public addresses, not '{pool}'."),
        ));
    }
    match group {
        Some(g) if g != region => Err(border_group_invalid(g)),
        _ => Ok(region.to_owned()),
    }
}

fn border_group_invalid(group: &str) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "Value ({group}) for parameter networkBorderGroup is invalid."
    ))
}

/// An Elastic IP by its public address (the deprecated `PublicIp` form of the calls).
pub fn by_public_ip<'a>(eips: &'a [ElasticIp], ip: &str) -> Result<&'a ElasticIp, Ec2Error> {
    eips.iter()
        .find(|e| e.public_ip.to_string() == ip)
        .ok_or_else(|| {
            Ec2Error::new(
                ErrorCode::InvalidAddressNotFound,
                format!("Address '{ip}' not found."),
            )
        })
}

/// AssociateAddress with `InstanceId`: the instance's one interface (several need an interface
/// ID).
pub fn instance_interface(instance: &Instance) -> Result<&NetworkInterface, Ec2Error> {
    if instance.interfaces.len() > 1 {
        return Err(Ec2Error::new(
            ErrorCode::InvalidInstanceId,
            format!(
                "There are multiple interfaces attached to instance '{}'. Please specify an interface ID for the operation instead.",
                instance.id
            ),
        ));
    }
    instance.primary_interface().ok_or_else(|| {
        Ec2Error::new(
            ErrorCode::IncorrectInstanceState,
            format!("The instance '{}' has no network interface.", instance.id),
        )
    })
}

/// The instance behind an association's interface may not be pending, shutting down or gone.
pub fn check_instance_state(instance: &Instance) -> Result<(), Ec2Error> {
    if matches!(
        instance.state,
        InstanceState::Pending | InstanceState::ShuttingDown | InstanceState::Terminated
    ) {
        return Err(Ec2Error::new(
            ErrorCode::IncorrectInstanceState,
            format!(
                "The instance '{}' is not in a valid state for this operation.",
                instance.id
            ),
        ));
    }
    Ok(())
}

/// The private address an association maps: `PrivateIpAddress`, which must be the
/// interface's, or its primary address.
pub fn association_private_ip(
    eni: &NetworkInterface,
    requested: Option<&str>,
) -> Result<Ipv4Addr, Ec2Error> {
    let Some(text) = requested else {
        return Ok(eni.primary_ip());
    };
    let addr = address::parse(text)?;
    if !eni.has(addr) {
        return Err(Ec2Error::invalid_value(format!(
            "The private IP address {addr} is not associated with the network interface {}.",
            eni.id
        )));
    }
    Ok(addr)
}

/// The VPC of the target interface must reach the internet through an attached gateway.
pub fn check_gateway(vpc_id: &str, attached: bool) -> Result<(), Ec2Error> {
    if attached {
        Ok(())
    } else {
        Err(gateway_not_attached(vpc_id))
    }
}

/// ReleaseAddress: in the address's own border group, and never while associated (outside the
/// default VPC, where EC2 disassociates).
pub fn check_release(
    eip: &ElasticIp,
    in_default_vpc: bool,
    network_border_group: Option<&str>,
) -> Result<(), Ec2Error> {
    if let Some(group) = network_border_group.filter(|g| *g != eip.network_border_group) {
        return Err(border_group_invalid(group));
    }
    if eip.association.is_some() && !in_default_vpc {
        return Err(Ec2Error::new(
            ErrorCode::InvalidIpAddressInUse,
            format!("Address {} is in use.", eip.public_ip),
        ));
    }
    Ok(())
}

/// An instance an Elastic IP left gets a fresh auto-assigned public IPv4 when it was launched
/// with one, runs, has one interface and no other Elastic IP on it.
pub fn regains_public_ip(instance: &Instance) -> bool {
    instance.auto_public_ip
        && instance.public_ip.is_none()
        && instance.state == InstanceState::Running
        && instance.interfaces.len() == 1
        && instance.interfaces[0]
            .private_ips
            .iter()
            .all(|p| p.association.is_none())
}

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
        assert!(check_release(&eip(false), false, None).is_ok());
        assert_eq!(
            check_release(&eip(true), false, None)
                .unwrap_err()
                .code
                .as_str(),
            "InvalidIPAddress.InUse"
        );
        assert!(check_release(&eip(true), true, None).is_ok());
    }

    #[test]
    fn release_in_the_address_border_group() {
        assert!(check_release(&eip(false), false, Some("us-east-1")).is_ok());
        let err = check_release(&eip(false), false, Some("us-west-2")).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert!(
            err.message.contains("networkBorderGroup"),
            "{}",
            err.message
        );
    }

    #[test]
    fn allocation_is_a_vpc_address_of_amazon_in_the_region() {
        let ok = check_allocation(Some("vpc"), Some("amazon"), None, "eu-west-1");
        assert_eq!(ok.unwrap(), "eu-west-1");
        let refused = |d, p, g| check_allocation(d, p, g, "eu-west-1").unwrap_err().code;
        assert_eq!(
            refused(Some("standard"), None, None),
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            refused(None, Some("ipv4pool-ec2-1"), None),
            ErrorCode::UnsupportedOperation
        );
        assert_eq!(
            refused(None, None, Some("us-east-1")),
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn by_public_ip_or_not_found() {
        let all = [eip(false)];
        assert!(by_public_ip(&all, "198.51.100.7").is_ok());
        let err = by_public_ip(&all, "198.51.100.8").unwrap_err();
        assert_eq!(err.code.as_str(), "InvalidAddress.NotFound");
        assert_eq!(err.message, "Address '198.51.100.8' not found.");
    }

    fn instance(state: InstanceState, devices: &[u32]) -> Instance {
        crate::network_interface::tests::instance(state, devices)
    }

    #[test]
    fn an_instance_target_has_one_interface() {
        let one = instance(InstanceState::Running, &[0]);
        assert_eq!(instance_interface(&one).unwrap().id, one.interfaces[0].id);
        let err = instance_interface(&instance(InstanceState::Running, &[0, 1])).unwrap_err();
        assert_eq!(err.code.as_str(), "InvalidInstanceID");
        assert!(
            err.message.contains("multiple interfaces"),
            "{}",
            err.message
        );
        let err = instance_interface(&instance(InstanceState::Running, &[])).unwrap_err();
        assert_eq!(err.code, ErrorCode::IncorrectInstanceState);
    }

    #[test]
    fn the_instance_must_be_settled() {
        for state in [
            InstanceState::Running,
            InstanceState::Stopped,
            InstanceState::Stopping,
        ] {
            assert!(check_instance_state(&instance(state, &[0])).is_ok());
        }
        for state in [
            InstanceState::Pending,
            InstanceState::ShuttingDown,
            InstanceState::Terminated,
        ] {
            assert_eq!(
                check_instance_state(&instance(state, &[0]))
                    .unwrap_err()
                    .code,
                ErrorCode::IncorrectInstanceState
            );
        }
    }

    #[test]
    fn the_private_address_is_the_interfaces() {
        let eni = crate::network_interface::tests::eni("eni-1", "us-east-1a", None);
        let primary = eni.primary_ip();
        assert_eq!(association_private_ip(&eni, None).unwrap(), primary);
        let named = primary.to_string();
        assert_eq!(association_private_ip(&eni, Some(&named)).unwrap(), primary);
        let err = association_private_ip(&eni, Some("10.0.1.99")).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert!(err.message.contains("not associated"), "{}", err.message);
        assert_eq!(
            association_private_ip(&eni, Some("x")).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn associating_needs_an_internet_gateway() {
        assert!(check_gateway("vpc-1", true).is_ok());
        let err = check_gateway("vpc-1", false).unwrap_err();
        assert_eq!(err.code.as_str(), "Gateway.NotAttached");
        assert_eq!(
            err.message,
            "Network vpc-1 is not attached to any internet gateway"
        );
    }

    #[test]
    fn a_left_instance_regains_its_auto_address_only_when_eligible() {
        let mut i = instance(InstanceState::Running, &[0]);
        i.auto_public_ip = true;
        assert!(regains_public_ip(&i));
        i.state = InstanceState::Stopped;
        assert!(!regains_public_ip(&i));
        let mut two = instance(InstanceState::Running, &[0, 1]);
        two.auto_public_ip = true;
        assert!(!regains_public_ip(&two));
        let mut manual = instance(InstanceState::Running, &[0]);
        manual.auto_public_ip = false;
        assert!(!regains_public_ip(&manual));
    }
}
