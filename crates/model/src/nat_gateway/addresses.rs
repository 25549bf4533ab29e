//! The secondary-address calls of a NAT gateway (Associate/DisassociateNatGatewayAddress for
//! Elastic IPs of a public gateway, Assign/UnassignPrivateNatGatewayAddress for private
//! addresses of either kind): what each may change, checked before anything is looked up.

use super::{Connectivity, MAX_ADDRESSES, NatGateway, NatState};
use crate::error::{Ec2Error, ErrorCode};
use std::net::Ipv4Addr;

/// `MaxDrainDurationSeconds`: 1 to 4000 (AWS's default 350).
pub fn check_drain(seconds: Option<i64>) -> Result<(), Ec2Error> {
    match seconds {
        Some(s) if !(1..=4000).contains(&s) => Err(Ec2Error::invalid_value(format!(
            "MaxDrainDurationSeconds must be between 1 and 4000, got {s}."
        ))),
        _ => Ok(()),
    }
}

/// The gateway takes address changes only while `available`.
fn check_available(nat: &NatGateway) -> Result<(), Ec2Error> {
    match nat.state {
        NatState::Available => Ok(()),
        NatState::Deleting | NatState::Deleted => Err(crate::IdKind::NatGateway.not_found(&nat.id)),
        state => Err(Ec2Error::new(
            ErrorCode::IncorrectState,
            format!(
                "The NAT gateway {} is in the {} state; its addresses can change only when it is available.",
                nat.id,
                state.as_str()
            ),
        )),
    }
}

fn check_room(nat: &NatGateway, adding: usize) -> Result<(), Ec2Error> {
    if nat.addresses.len() + adding > MAX_ADDRESSES {
        return Err(Ec2Error::invalid_value(format!(
            "A NAT gateway can have at most {MAX_ADDRESSES} IPv4 addresses."
        )));
    }
    Ok(())
}

/// AssociateNatGatewayAddress: Elastic IPs for a public gateway, each on a new private
/// address or on one given (as many addresses as allocations).
pub fn check_associate(
    nat: &NatGateway,
    allocation_ids: &[String],
    private_ips: &[Ipv4Addr],
) -> Result<(), Ec2Error> {
    check_available(nat)?;
    if nat.connectivity == Connectivity::Private {
        return Err(Ec2Error::new(
            ErrorCode::InvalidParameter,
            format!(
                "Elastic IP addresses can be associated only with a public NAT gateway; {} is private.",
                nat.id
            ),
        ));
    }
    if allocation_ids.is_empty() {
        return Err(Ec2Error::missing_parameter("AllocationId"));
    }
    if !private_ips.is_empty() && private_ips.len() != allocation_ids.len() {
        return Err(Ec2Error::combination(
            "The number of PrivateIpAddresses must match the number of AllocationIds.",
        ));
    }
    if let Some(a) = allocation_ids.iter().find(|a| {
        nat.addresses
            .iter()
            .any(|n| n.allocation_id.as_ref() == Some(a))
    }) {
        return Err(Ec2Error::new(
            ErrorCode::ResourceAlreadyAssociated,
            format!(
                "Elastic IP address {a} is already associated with {}.",
                nat.id
            ),
        ));
    }
    let reused = private_ips
        .iter()
        .filter(|ip| nat.addresses.iter().any(|a| a.private_ip == Some(**ip)))
        .count();
    if let Some(ip) = private_ips.iter().find(|ip| {
        nat.addresses
            .iter()
            .any(|a| a.private_ip == Some(**ip) && a.allocation_id.is_some())
    }) {
        return Err(Ec2Error::new(
            ErrorCode::ResourceAlreadyAssociated,
            format!(
                "The private IP address {ip} of {} already has an Elastic IP address.",
                nat.id
            ),
        ));
    }
    check_room(nat, allocation_ids.len() - reused)
}

/// DisassociateNatGatewayAddress: the gateway's own secondary associations (the primary
/// Elastic IP stays while the gateway lives).
pub fn check_disassociate(nat: &NatGateway, association_ids: &[String]) -> Result<(), Ec2Error> {
    check_available(nat)?;
    if association_ids.is_empty() {
        return Err(Ec2Error::missing_parameter("AssociationId"));
    }
    for id in association_ids {
        match nat
            .addresses
            .iter()
            .find(|a| a.association_id.as_ref() == Some(id))
        {
            None => {
                return Err(Ec2Error::new(
                    ErrorCode::InvalidAssociationIdNotFound,
                    format!("The association ID '{id}' does not exist on {}", nat.id),
                ));
            }
            Some(a) if a.is_primary => {
                return Err(Ec2Error::invalid_value(format!(
                    "The primary Elastic IP address of {} cannot be disassociated ({id}).",
                    nat.id
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// AssignPrivateNatGatewayAddress: given addresses or a count, not both; at most
/// [`MAX_ADDRESSES`] in all.
pub fn check_assign(
    nat: &NatGateway,
    ips: &[Ipv4Addr],
    count: Option<i64>,
) -> Result<usize, Ec2Error> {
    check_available(nat)?;
    let adding = match (ips.is_empty(), count) {
        (false, Some(_)) => {
            return Err(Ec2Error::combination(
                "PrivateIpAddresses and PrivateIpAddressCount cannot be specified together.",
            ));
        }
        (true, None) => {
            return Err(Ec2Error::missing_parameter(
                "PrivateIpAddresses or PrivateIpAddressCount",
            ));
        }
        (true, Some(n)) if (1..MAX_ADDRESSES as i64).contains(&n) => n as usize,
        (true, Some(n)) => {
            return Err(Ec2Error::invalid_value(format!(
                "PrivateIpAddressCount must be between 1 and {}, got {n}.",
                MAX_ADDRESSES - 1
            )));
        }
        (false, None) => ips.len(),
    };
    if let Some(ip) = ips
        .iter()
        .find(|ip| nat.addresses.iter().any(|a| a.private_ip == Some(**ip)))
    {
        return Err(Ec2Error::new(
            ErrorCode::InvalidIpAddressInUse,
            format!(
                "The private IP address {ip} is already assigned to {}.",
                nat.id
            ),
        ));
    }
    check_room(nat, adding)?;
    Ok(adding)
}

/// UnassignPrivateNatGatewayAddress: the gateway's secondary addresses that carry no Elastic
/// IP (disassociate it first).
pub fn check_unassign(nat: &NatGateway, ips: &[Ipv4Addr]) -> Result<(), Ec2Error> {
    check_available(nat)?;
    if ips.is_empty() {
        return Err(Ec2Error::missing_parameter("PrivateIpAddress"));
    }
    for ip in ips {
        match nat.addresses.iter().find(|a| a.private_ip == Some(*ip)) {
            None => {
                return Err(Ec2Error::invalid_value(format!(
                    "The private IP address {ip} is not assigned to {}.",
                    nat.id
                )));
            }
            Some(a) if a.is_primary => {
                return Err(Ec2Error::invalid_value(format!(
                    "The primary private IP address {ip} of {} cannot be unassigned.",
                    nat.id
                )));
            }
            Some(a) if a.allocation_id.is_some() => {
                return Err(Ec2Error::new(
                    ErrorCode::InvalidParameterValue,
                    format!(
                        "The private IP address {ip} has an Elastic IP address; disassociate it first."
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nat_gateway::NatAddress;

    fn nat(connectivity: Connectivity, state: NatState) -> NatGateway {
        NatGateway {
            id: "nat-0123456789abcdef0".into(),
            vpc_id: "vpc-1".into(),
            subnet_id: "subnet-1".into(),
            connectivity,
            state,
            failure: None,
            create_time: String::new(),
            delete_time: None,
            network_interface_id: Some("eni-1".into()),
            addresses: vec![
                NatAddress {
                    private_ip: Some("10.0.0.5".parse().unwrap()),
                    allocation_id: Some("eipalloc-1".into()),
                    public_ip: Some("198.51.100.1".parse().unwrap()),
                    association_id: Some("eipassoc-1".into()),
                    is_primary: true,
                },
                NatAddress {
                    private_ip: Some("10.0.0.6".parse().unwrap()),
                    allocation_id: None,
                    public_ip: None,
                    association_id: None,
                    is_primary: false,
                },
            ],
            tags: vec![],
        }
    }

    fn ip(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    #[test]
    fn only_an_available_gateway_changes_its_addresses() {
        let pending = nat(Connectivity::Public, NatState::Pending);
        assert_eq!(
            check_assign(&pending, &[], Some(1)).unwrap_err().code,
            ErrorCode::IncorrectState
        );
        let deleted = nat(Connectivity::Public, NatState::Deleted);
        assert_eq!(
            check_assign(&deleted, &[], Some(1)).unwrap_err().code,
            ErrorCode::NatGatewayNotFound
        );
    }

    #[test]
    fn elastic_ips_go_to_public_gateways_on_free_addresses() {
        let public = nat(Connectivity::Public, NatState::Available);
        let private = nat(Connectivity::Private, NatState::Available);
        let two = ["eipalloc-2".to_owned()];
        assert_eq!(
            check_associate(&private, &two, &[]).unwrap_err().code,
            ErrorCode::InvalidParameter
        );
        assert!(check_associate(&public, &two, &[]).is_ok());
        assert!(check_associate(&public, &two, &[ip("10.0.0.6")]).is_ok());
        assert_eq!(
            check_associate(&public, &two, &[ip("10.0.0.5")])
                .unwrap_err()
                .code,
            ErrorCode::ResourceAlreadyAssociated
        );
        assert_eq!(
            check_associate(&public, &["eipalloc-1".to_owned()], &[])
                .unwrap_err()
                .code,
            ErrorCode::ResourceAlreadyAssociated
        );
        assert_eq!(
            check_associate(&public, &two, &[ip("10.0.0.7"), ip("10.0.0.8")])
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterCombination
        );
        let many: Vec<String> = (2..9).map(|i| format!("eipalloc-{i}")).collect();
        assert_eq!(
            check_associate(&public, &many, &[]).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn the_primary_stays_and_unassigning_needs_no_elastic_ip() {
        let public = nat(Connectivity::Public, NatState::Available);
        assert_eq!(
            check_disassociate(&public, &["eipassoc-1".to_owned()])
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(
            check_disassociate(&public, &["eipassoc-9".to_owned()])
                .unwrap_err()
                .code,
            ErrorCode::InvalidAssociationIdNotFound
        );
        assert!(check_unassign(&public, &[ip("10.0.0.6")]).is_ok());
        assert!(check_unassign(&public, &[ip("10.0.0.5")]).is_err());
        assert!(check_unassign(&public, &[ip("10.0.0.9")]).is_err());
    }

    #[test]
    fn assigning_takes_addresses_or_a_count_within_eight() {
        let g = nat(Connectivity::Private, NatState::Available);
        assert_eq!(check_assign(&g, &[], Some(6)).unwrap(), 6);
        assert!(check_assign(&g, &[], Some(7)).is_err());
        assert_eq!(
            check_assign(&g, &[ip("10.0.0.7")], Some(1))
                .unwrap_err()
                .code,
            ErrorCode::InvalidParameterCombination
        );
        assert_eq!(
            check_assign(&g, &[ip("10.0.0.6")], None).unwrap_err().code,
            ErrorCode::InvalidIpAddressInUse
        );
        assert_eq!(
            check_drain(Some(0)).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
        assert!(check_drain(Some(350)).is_ok() && check_drain(None).is_ok());
    }
}
