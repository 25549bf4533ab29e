//! NAT gateways: public (an Elastic IP, through the VPC's internet gateway) and private (their
//! own private addresses only), the states EC2 shows, and the failures it reports after
//! accepting a request (vpc-surface.md §3).
//!
//! A gateway lives on one requester-managed interface in its subnet. A request EC2 accepts but
//! cannot carry out is stored `pending` with its failure, and settles to `failed` with AWS's
//! `failureCode`/`failureMessage`, as pollers see on AWS.

pub mod addresses;

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one};
use crate::page::PageLimits;
use crate::tags::Tag;
use std::net::Ipv4Addr;

/// DescribeNatGateways takes `MaxResults` from 5 to 1000.
pub const PAGE_LIMITS: PageLimits = PageLimits { min: 5, max: 1000 };
/// The account AWS shows as the requester of a NAT gateway's interface.
pub const REQUESTER_ID: &str = "036872051663";
/// At most this many IPv4 addresses (primary included) per NAT gateway.
pub const MAX_ADDRESSES: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connectivity {
    Public,
    Private,
}

impl Connectivity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "public" => Some(Self::Public),
            "private" => Some(Self::Private),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatState {
    Pending,
    Available,
    Failed,
    Deleting,
    Deleted,
}

impl NatState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Failed => "failed",
            Self::Deleting => "deleting",
            Self::Deleted => "deleted",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Available,
            Self::Failed,
            Self::Deleting,
            Self::Deleted,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    /// Counted against the per-zone quota, as AWS counts them.
    pub fn counts_against_quota(self) -> bool {
        matches!(self, Self::Pending | Self::Available | Self::Deleting)
    }
}

/// Why AWS failed a request it had accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

impl Failure {
    /// The VPC of a public NAT gateway has no internet gateway.
    pub fn no_internet_gateway(vpc_id: &str) -> Self {
        Self {
            code: "Gateway.NotAttached".into(),
            message: format!("Network {vpc_id} has no Internet gateway attached"),
        }
    }

    pub fn eip_associated(allocation_id: &str) -> Self {
        Self {
            code: "Resource.AlreadyAssociated".into(),
            message: format!("Elastic IP address {allocation_id} is already associated"),
        }
    }

    pub fn eip_not_found(allocation_id: &str) -> Self {
        Self {
            code: "InvalidAllocationID.NotFound".into(),
            message: format!(
                "Elastic IP address {allocation_id} could not be associated with this NAT gateway"
            ),
        }
    }

    pub fn subnet_full() -> Self {
        Self {
            code: "InsufficientFreeAddressesInSubnet".into(),
            message: "Subnet has insufficient free addresses to create this NAT gateway".into(),
        }
    }
}

/// One address of the gateway: a private address of its interface, and for a public gateway
/// the Elastic IP mapped to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatAddress {
    pub private_ip: Option<Ipv4Addr>,
    pub allocation_id: Option<String>,
    pub public_ip: Option<Ipv4Addr>,
    pub association_id: Option<String>,
    pub is_primary: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NatGateway {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub connectivity: Connectivity,
    pub state: NatState,
    pub failure: Option<Failure>,
    pub create_time: String,
    pub delete_time: Option<String>,
    /// Its interface (none if it failed before it had one; deleted with the gateway).
    pub network_interface_id: Option<String>,
    pub addresses: Vec<NatAddress>,
    pub tags: Vec<Tag>,
}

impl NatGateway {
    /// The state shown before a stored transition settles, then the one it settles to.
    pub fn settles_to(&self) -> Option<NatState> {
        match self.state {
            NatState::Pending if self.failure.is_some() => Some(NatState::Failed),
            NatState::Pending => Some(NatState::Available),
            NatState::Deleting => Some(NatState::Deleted),
            _ => None,
        }
    }

    /// Whether routes to it carry traffic (`active`), as opposed to `blackhole`.
    pub fn forwards(&self) -> bool {
        matches!(self.state, NatState::Pending | NatState::Available) && self.failure.is_none()
    }

    pub fn primary_private_ip(&self) -> Option<Ipv4Addr> {
        self.addresses
            .iter()
            .find(|a| a.is_primary)
            .and_then(|a| a.private_ip)
    }
}

impl Tagged for NatGateway {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

pub const FILTERS: &[FilterDef<NatGateway>] = &[
    def("nat-gateway-id", |n| one(&n.id)),
    def("state", |n| one(n.state.as_str())),
    def("subnet-id", |n| one(&n.subnet_id)),
    def("vpc-id", |n| one(&n.vpc_id)),
];

/// The description AWS gives a NAT gateway's interface.
pub fn interface_description(nat_id: &str) -> String {
    format!("Interface for NAT Gateway {nat_id}")
}

/// What CreateNatGateway was asked for, before anything is looked up.
#[derive(Debug, Clone, Default)]
pub struct AddressRequest<'a> {
    pub allocation_id: Option<&'a str>,
    pub secondary_allocation_ids: &'a [String],
    pub private_ip: Option<&'a str>,
    pub secondary_private_ips: &'a [String],
    pub secondary_count: Option<i64>,
}

/// CreateNatGateway's parameter rules: a public gateway needs an Elastic IP, a private one has
/// none; secondary addresses are given as a list or a count, not both; at most
/// [`MAX_ADDRESSES`] in all.
pub fn check_request(connectivity: Connectivity, req: &AddressRequest) -> Result<(), Ec2Error> {
    match (connectivity, req.allocation_id) {
        (Connectivity::Public, None) => {
            return Err(Ec2Error::new(
                ErrorCode::MissingParameter,
                "The request must include the AllocationId parameter. Add the required parameter and retry the request.",
            ));
        }
        (Connectivity::Private, Some(_)) => {
            return Err(Ec2Error::combination(
                "AllocationId cannot be specified for a private NAT gateway.",
            ));
        }
        _ => {}
    }
    if connectivity == Connectivity::Private && !req.secondary_allocation_ids.is_empty() {
        return Err(Ec2Error::combination(
            "SecondaryAllocationIds cannot be specified for a private NAT gateway.",
        ));
    }
    if req.secondary_count.is_some() && !req.secondary_private_ips.is_empty() {
        return Err(Ec2Error::combination(
            "SecondaryPrivateIpAddresses and SecondaryPrivateIpAddressCount cannot be specified together.",
        ));
    }
    let count = match req.secondary_count {
        None => req.secondary_private_ips.len(),
        Some(n) if (1..MAX_ADDRESSES as i64).contains(&n) => n as usize,
        Some(n) => {
            return Err(Ec2Error::invalid_value(format!(
                "SecondaryPrivateIpAddressCount must be between 1 and {}, got {n}.",
                MAX_ADDRESSES - 1
            )));
        }
    };
    if connectivity == Connectivity::Public
        && !req.secondary_allocation_ids.is_empty()
        && count > 0
        && count != req.secondary_allocation_ids.len()
    {
        return Err(Ec2Error::combination(
            "The number of SecondaryPrivateIpAddresses must match the number of SecondaryAllocationIds.",
        ));
    }
    if 1 + count.max(req.secondary_allocation_ids.len()) > MAX_ADDRESSES {
        return Err(Ec2Error::invalid_value(format!(
            "A NAT gateway can have at most {MAX_ADDRESSES} IPv4 addresses."
        )));
    }
    Ok(())
}

/// DeleteNatGateway: a gateway already going or gone is not found any more.
pub fn check_delete(nat: &NatGateway) -> Result<(), Ec2Error> {
    match nat.state {
        NatState::Deleting | NatState::Deleted => Err(crate::IdKind::NatGateway.not_found(&nat.id)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(allocation: Option<&'a str>) -> AddressRequest<'a> {
        AddressRequest {
            allocation_id: allocation,
            ..Default::default()
        }
    }

    #[test]
    fn public_needs_an_allocation_private_refuses_one() {
        let err = check_request(Connectivity::Public, &req(None)).unwrap_err();
        assert_eq!(err.code, ErrorCode::MissingParameter);
        assert!(err.message.contains("AllocationId parameter"));
        let err = check_request(Connectivity::Private, &req(Some("eipalloc-1"))).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterCombination);
        assert!(check_request(Connectivity::Public, &req(Some("eipalloc-1"))).is_ok());
        assert!(check_request(Connectivity::Private, &req(None)).is_ok());
    }

    #[test]
    fn secondary_addresses_are_a_list_or_a_count_and_at_most_eight_in_all() {
        let ips: Vec<String> = (0..7).map(|i| format!("10.0.0.{}", 10 + i)).collect();
        let ok = AddressRequest {
            secondary_private_ips: &ips,
            ..Default::default()
        };
        assert!(check_request(Connectivity::Private, &ok).is_ok());
        let both = AddressRequest {
            secondary_count: Some(1),
            ..ok.clone()
        };
        assert_eq!(
            check_request(Connectivity::Private, &both)
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterCombination
        );
        let eight: Vec<String> = (0..8).map(|i| format!("10.0.0.{}", 10 + i)).collect();
        let too_many = AddressRequest {
            secondary_private_ips: &eight,
            ..Default::default()
        };
        assert_eq!(
            check_request(Connectivity::Private, &too_many)
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
        for n in [0, 8] {
            let count = AddressRequest {
                secondary_count: Some(n),
                ..Default::default()
            };
            assert_eq!(
                check_request(Connectivity::Private, &count)
                    .unwrap_err()
                    .code,
                ErrorCode::InvalidParameterValue
            );
        }
    }

    fn nat(state: NatState, failure: Option<Failure>) -> NatGateway {
        NatGateway {
            id: "nat-0123456789abcdef0".into(),
            vpc_id: "vpc-1".into(),
            subnet_id: "subnet-1".into(),
            connectivity: Connectivity::Public,
            state,
            failure,
            create_time: String::new(),
            delete_time: None,
            network_interface_id: None,
            addresses: vec![],
            tags: vec![],
        }
    }

    #[test]
    fn states_settle_as_aws_shows_them() {
        assert_eq!(
            nat(NatState::Pending, None).settles_to(),
            Some(NatState::Available)
        );
        let failed = nat(
            NatState::Pending,
            Some(Failure::no_internet_gateway("vpc-1")),
        );
        assert_eq!(failed.settles_to(), Some(NatState::Failed));
        assert!(!failed.forwards());
        assert_eq!(
            failed.failure.unwrap().message,
            "Network vpc-1 has no Internet gateway attached"
        );
        assert_eq!(
            nat(NatState::Deleting, None).settles_to(),
            Some(NatState::Deleted)
        );
        assert_eq!(nat(NatState::Available, None).settles_to(), None);
        assert!(nat(NatState::Available, None).forwards());
        assert!(!nat(NatState::Deleting, None).forwards());
    }

    #[test]
    fn deleting_twice_is_not_found() {
        assert!(check_delete(&nat(NatState::Available, None)).is_ok());
        assert!(check_delete(&nat(NatState::Failed, None)).is_ok());
        let err = check_delete(&nat(NatState::Deleting, None)).unwrap_err();
        assert_eq!(err.code, ErrorCode::NatGatewayNotFound);
        assert_eq!(
            err.message,
            "NAT gateway nat-0123456789abcdef0 was not found"
        );
    }
}
