//! VPC endpoints (vpc-surface.md §5): gateway endpoints (S3, DynamoDB), which put a route to
//! the service's AWS-managed prefix list in chosen route tables, and interface endpoints, which
//! place one requester-managed interface in each chosen subnet, guarded by the endpoint's
//! security groups. The services are the region's common AWS services ([`catalogue`]).

mod catalogue;
#[cfg(test)]
mod tests;

pub use catalogue::{Service, catalogue, find_service, private_dns_name};

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one};
use crate::page::PageLimits;
use crate::tags::Tag;

/// DescribeVpcEndpoints states no `MaxResults` range; AWS caps pages at 1000.
pub const PAGE_LIMITS: PageLimits = PageLimits { min: 1, max: 1000 };
/// The account AWS shows as the requester of an interface endpoint's interface.
pub const REQUESTER_ID: &str = "727180483921";
/// The policy an endpoint gets when none is given (and after `ResetPolicy`): full access.
pub const DEFAULT_POLICY: &str = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointType {
    Gateway,
    Interface,
}

impl EndpointType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gateway => "Gateway",
            Self::Interface => "Interface",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "Gateway" => Some(Self::Gateway),
            "Interface" => Some(Self::Interface),
            _ => None,
        }
    }

    /// `VpcEndpointType` as a request gives it: `Gateway` when omitted; AWS's other types need
    /// services (load balancers, resource configurations) localvpc does not have.
    pub fn requested(name: Option<&str>) -> Result<Self, Ec2Error> {
        match name {
            None => Ok(Self::Gateway),
            Some(n) => Self::from_name(n).ok_or_else(|| match n {
                "GatewayLoadBalancer" | "Resource" | "ServiceNetwork" => Ec2Error::new(
                    ErrorCode::UnsupportedOperation,
                    format!("VPC endpoints of type {n} are not supported by localvpc."),
                ),
                _ => Ec2Error::new(
                    ErrorCode::InvalidVpcEndpointType,
                    format!("The VPC endpoint type '{n}' is not valid."),
                ),
            }),
        }
    }
}

/// What DescribeVpcEndpoints shows (lower-case on the wire, as the CLI samples show).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointState {
    Pending,
    Available,
    Deleting,
    Deleted,
}

impl EndpointState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Available => "available",
            Self::Deleting => "deleting",
            Self::Deleted => "deleted",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(Self::Pending),
            "available" => Some(Self::Available),
            "deleting" => Some(Self::Deleting),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }

    /// Deleting or deleted: no longer acted on, and gone for DeleteVpcEndpoints.
    pub fn is_gone(self) -> bool {
        matches!(self, Self::Deleting | Self::Deleted)
    }
}

/// An interface endpoint's interface in one subnet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointInterface {
    pub subnet_id: String,
    pub availability_zone: String,
    pub network_interface_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VpcEndpoint {
    pub id: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub service_name: String,
    pub endpoint_type: EndpointType,
    pub state: EndpointState,
    pub policy_document: String,
    /// Gateway endpoints: the route tables holding its route.
    pub route_table_ids: Vec<String>,
    /// Interface endpoints: one interface per subnet, and the groups they carry.
    pub interfaces: Vec<EndpointInterface>,
    pub group_ids: Vec<String>,
    pub private_dns_enabled: bool,
    /// The random label of its DNS names (`vpce-…-<label>.<service>`), fixed at creation.
    pub dns_label: String,
    pub creation_timestamp: String,
    pub tags: Vec<Tag>,
}

impl Tagged for VpcEndpoint {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

/// One `DnsEntry`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsEntry {
    pub dns_name: String,
    pub hosted_zone_id: String,
}

impl VpcEndpoint {
    /// An interface endpoint's DNS names: the regional one, then one per zone of its subnets,
    /// then the service's private name when private DNS is on. Gateway endpoints have none.
    pub fn dns_entries(&self, region: &str) -> Vec<DnsEntry> {
        if self.endpoint_type == EndpointType::Gateway {
            return Vec::new();
        }
        let service = self
            .service_name
            .strip_prefix(&format!("com.amazonaws.{region}."))
            .unwrap_or(&self.service_name);
        let wildcard = if service == "s3" { "*." } else { "" };
        let zone = public_hosted_zone(region);
        let base = format!("{}-{}", self.id, self.dns_label);
        let mut zones: Vec<&str> = self
            .interfaces
            .iter()
            .map(|i| i.availability_zone.as_str())
            .collect();
        zones.sort_unstable();
        zones.dedup();
        let mut entries = vec![DnsEntry {
            dns_name: format!("{wildcard}{base}.{service}.{region}.vpce.amazonaws.com"),
            hosted_zone_id: zone.clone(),
        }];
        entries.extend(zones.iter().map(|az| DnsEntry {
            dns_name: format!("{wildcard}{base}-{az}.{service}.{region}.vpce.amazonaws.com"),
            hosted_zone_id: zone.clone(),
        }));
        if self.private_dns_enabled
            && let Some(name) = catalogue::private_dns_name(&self.service_name, region)
        {
            entries.push(DnsEntry {
                dns_name: name,
                hosted_zone_id: private_hosted_zone(&self.id),
            });
        }
        entries
    }
}

/// The public hosted zone of a region's endpoint names: AWS's for us-east-1, a stable
/// made-up one elsewhere (AWS does not publish them).
fn public_hosted_zone(region: &str) -> String {
    if region == "us-east-1" {
        return "Z7HUB22UULQXV".into();
    }
    format!("Z{}", stable_base32(region, 12))
}

/// The private hosted zone AWS makes for an endpoint's private DNS name.
fn private_hosted_zone(endpoint_id: &str) -> String {
    format!("Z{}", stable_base32(endpoint_id, 20))
}

/// `len` upper-case base-32 characters derived from `text` (FNV-1a, stable across releases).
fn stable_base32(text: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut h = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (0..len)
        .map(|_| {
            let c = ALPHABET[(h % 32) as usize] as char;
            h = h.rotate_right(5).wrapping_mul(0x0100_0000_01b3) ^ 0x9e37;
            c
        })
        .collect()
}

/// What CreateVpcEndpoint was asked for, after its IDs were looked up.
#[derive(Debug, Clone)]
pub struct EndpointRequest<'a> {
    pub endpoint_type: EndpointType,
    pub vpc_id: &'a str,
    /// Each route table with the VPC it belongs to.
    pub route_tables: &'a [(String, String)],
    /// Each subnet with its VPC and zone.
    pub subnets: &'a [(String, String, String)],
    pub has_security_groups: bool,
    pub private_dns_enabled: Option<bool>,
    /// The VPC's `enableDnsSupport` and `enableDnsHostnames`.
    pub vpc_dns: (bool, bool),
}

/// CreateVpcEndpoint's rules on what belongs to which endpoint type. Returns whether private
/// DNS is on (interface endpoints default to on, as AWS documents).
pub fn check_create(req: &EndpointRequest) -> Result<bool, Ec2Error> {
    match req.endpoint_type {
        EndpointType::Gateway => {
            if !req.subnets.is_empty() {
                return Err(not_for_type("SubnetIds", EndpointType::Gateway));
            }
            if req.has_security_groups {
                return Err(not_for_type("SecurityGroupIds", EndpointType::Gateway));
            }
            if req.private_dns_enabled == Some(true) {
                return Err(not_for_type("PrivateDnsEnabled", EndpointType::Gateway));
            }
        }
        EndpointType::Interface => {
            if !req.route_tables.is_empty() {
                return Err(not_for_type("RouteTableIds", EndpointType::Interface));
            }
        }
    }
    check_route_tables(req.vpc_id, req.route_tables)?;
    check_subnets(req.vpc_id, req.subnets, &[])?;
    let private_dns =
        req.endpoint_type == EndpointType::Interface && req.private_dns_enabled.unwrap_or(true);
    if private_dns {
        check_private_dns(req.vpc_id, req.vpc_dns)?;
    }
    Ok(private_dns)
}

fn not_for_type(parameter: &str, t: EndpointType) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidParameter,
        format!(
            "{parameter} is not supported for VPC endpoints of type {}.",
            t.as_str()
        ),
    )
}

/// Route tables must be the endpoint VPC's own.
pub fn check_route_tables(vpc_id: &str, tables: &[(String, String)]) -> Result<(), Ec2Error> {
    if let Some((id, _)) = tables.iter().find(|(_, vpc)| vpc != vpc_id) {
        return Err(Ec2Error::new(
            ErrorCode::InvalidParameter,
            format!("The route table {id} does not belong to {vpc_id}."),
        ));
    }
    Ok(())
}

/// Subnets must be in the endpoint's VPC, at most one per zone, counting the zones the
/// endpoint already has (`existing`).
pub fn check_subnets(
    vpc_id: &str,
    subnets: &[(String, String, String)],
    existing: &[EndpointInterface],
) -> Result<(), Ec2Error> {
    let mut zones: Vec<&str> = existing
        .iter()
        .map(|i| i.availability_zone.as_str())
        .collect();
    for (id, vpc, zone) in subnets {
        if vpc != vpc_id {
            return Err(Ec2Error::new(
                ErrorCode::InvalidParameter,
                format!("The subnet ID '{id}' does not belong to {vpc_id}."),
            ));
        }
        if zones.contains(&zone.as_str()) {
            return Err(Ec2Error::new(
                ErrorCode::DuplicateSubnetsInSameZone,
                format!(
                    "Found another VPC endpoint subnet in the availability zone of {id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service."
                ),
            ));
        }
        zones.push(zone);
    }
    Ok(())
}

/// Private DNS needs both DNS attributes of the VPC (the message AWS is seen to answer).
pub fn check_private_dns(vpc_id: &str, (support, hostnames): (bool, bool)) -> Result<(), Ec2Error> {
    if support && hostnames {
        return Ok(());
    }
    Err(Ec2Error::new(
        ErrorCode::InvalidParameter,
        format!(
            "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for {vpc_id}"
        ),
    ))
}

/// A policy document must be a JSON object.
pub fn check_policy(document: &str) -> Result<(), Ec2Error> {
    match serde_json::from_str::<serde_json::Value>(document) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(Ec2Error::new(
            ErrorCode::InvalidPolicyDocument,
            "The policy document is not valid JSON.",
        )),
    }
}

/// A route table holds at most one route per destination, so at most one gateway endpoint
/// per service (`taken` lists the tables that already route this service's prefix list).
pub fn check_route_free(
    tables: &[String],
    taken: &[String],
    prefix_list_id: &str,
) -> Result<(), Ec2Error> {
    if let Some(t) = tables.iter().find(|t| taken.contains(t)) {
        return Err(Ec2Error::new(
            ErrorCode::RouteAlreadyExists,
            format!(
                "route table {t} already has a route with destination-prefix-list-id {prefix_list_id}"
            ),
        ));
    }
    Ok(())
}

/// What ModifyVpcEndpoint may change on an endpoint of each type.
#[derive(Debug, Clone, Default)]
pub struct Modification<'a> {
    pub add_route_tables: &'a [String],
    pub remove_route_tables: &'a [String],
    pub add_subnets: &'a [String],
    pub remove_subnets: &'a [String],
    pub add_groups: &'a [String],
    pub remove_groups: &'a [String],
    pub reset_policy: bool,
    pub policy: Option<&'a str>,
    pub private_dns_enabled: Option<bool>,
}

/// ModifyVpcEndpoint's rules that need nothing looked up.
pub fn check_modify(e: &VpcEndpoint, m: &Modification) -> Result<(), Ec2Error> {
    if e.state.is_gone() {
        return Err(crate::IdKind::VpcEndpoint.not_found(&e.id));
    }
    if m.reset_policy && m.policy.is_some() {
        return Err(Ec2Error::combination(
            "PolicyDocument and ResetPolicy cannot be specified together.",
        ));
    }
    if let Some(p) = m.policy {
        check_policy(p)?;
    }
    match e.endpoint_type {
        EndpointType::Gateway => {
            if !m.add_subnets.is_empty() || !m.remove_subnets.is_empty() {
                return Err(not_for_type(
                    "AddSubnetIds/RemoveSubnetIds",
                    e.endpoint_type,
                ));
            }
            if !m.add_groups.is_empty() || !m.remove_groups.is_empty() {
                return Err(not_for_type(
                    "AddSecurityGroupIds/RemoveSecurityGroupIds",
                    e.endpoint_type,
                ));
            }
            if m.private_dns_enabled == Some(true) {
                return Err(not_for_type("PrivateDnsEnabled", e.endpoint_type));
            }
        }
        EndpointType::Interface => {
            if !m.add_route_tables.is_empty() || !m.remove_route_tables.is_empty() {
                return Err(not_for_type(
                    "AddRouteTableIds/RemoveRouteTableIds",
                    e.endpoint_type,
                ));
            }
        }
    }
    if let Some(t) = m
        .remove_route_tables
        .iter()
        .find(|t| !e.route_table_ids.contains(t))
    {
        return Err(Ec2Error::invalid_value(format!(
            "Route table {t} is not associated with {}.",
            e.id
        )));
    }
    if let Some(s) = m
        .remove_subnets
        .iter()
        .find(|s| !e.interfaces.iter().any(|i| &i.subnet_id == *s))
    {
        return Err(Ec2Error::invalid_value(format!(
            "Subnet {s} is not associated with {}.",
            e.id
        )));
    }
    if e.endpoint_type == EndpointType::Interface {
        let kept = e
            .group_ids
            .iter()
            .filter(|g| !m.remove_groups.contains(g))
            .count();
        if kept + m.add_groups.len() == 0 {
            return Err(Ec2Error::new(
                ErrorCode::InvalidParameter,
                "An interface VPC endpoint must have at least one security group.",
            ));
        }
    }
    Ok(())
}

pub const FILTERS: &[FilterDef<VpcEndpoint>] = &[
    def("ip-address-type", |_| one("ipv4")),
    def("service-name", |e| one(&e.service_name)),
    def("service-region", |e| {
        one(e.service_name.split('.').nth(2).unwrap_or_default())
    }),
    def("vpc-id", |e| one(&e.vpc_id)),
    def("vpc-endpoint-id", |e| one(&e.id)),
    def("vpc-endpoint-state", |e| one(e.state.as_str())),
    def("vpc-endpoint-type", |e| one(e.endpoint_type.as_str())),
];
