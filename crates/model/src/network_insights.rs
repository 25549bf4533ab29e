//! Reachability Analyzer paths: what CreateNetworkInsightsPath accepts, the flow a path means,
//! and the filters of the two Describe calls (reachability.md §1).

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::id::IdKind;
use crate::tags::Tag;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// An inclusive port range of a path filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    pub from: u16,
    pub to: u16,
}

impl PortRange {
    /// `FromPort`/`ToPort` as given: one bound alone is that port; `from > to` is refused.
    pub fn new(from: Option<i64>, to: Option<i64>, name: &str) -> Result<Option<Self>, Ec2Error> {
        let port = |v: i64| {
            u16::try_from(v).map_err(|_| {
                Ec2Error::invalid_value(format!(
                    "The port {v} in {name} must be between 0 and 65535."
                ))
            })
        };
        let (from, to) = match (from, to) {
            (None, None) => return Ok(None),
            (Some(f), None) => (port(f)?, port(f)?),
            (None, Some(t)) => (port(t)?, port(t)?),
            (Some(f), Some(t)) => (port(f)?, port(t)?),
        };
        if from > to {
            return Err(Ec2Error::invalid_value(format!(
                "The FromPort {from} of {name} is greater than its ToPort {to}."
            )));
        }
        Ok(Some(PortRange { from, to }))
    }

    /// As Describe's filters write it: `From-To`.
    pub fn text(self) -> String {
        format!("{}-{}", self.from, self.to)
    }
}

/// `FilterAtSource` / `FilterAtDestination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathFilter {
    pub source_address: Option<Ipv4Addr>,
    pub destination_address: Option<Ipv4Addr>,
    pub source_port_range: Option<PortRange>,
    pub destination_port_range: Option<PortRange>,
}

/// A stored path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsightsPath {
    pub id: String,
    pub arn: String,
    pub created: String,
    pub source: String,
    pub source_arn: String,
    pub destination: Option<String>,
    pub destination_arn: Option<String>,
    pub source_ip: Option<Ipv4Addr>,
    pub destination_ip: Option<Ipv4Addr>,
    /// `tcp` or `udp`.
    pub protocol: String,
    pub destination_port: Option<u16>,
    pub filter_at_source: Option<PathFilter>,
    pub filter_at_destination: Option<PathFilter>,
    #[serde(skip)]
    pub tags: Vec<Tag>,
}

impl Tagged for InsightsPath {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

/// What the path asks the analyzer: the header leaving the source, ports intersected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub source_address: Option<Ipv4Addr>,
    pub destination_address: Option<Ipv4Addr>,
    pub source_ports: PortRange,
    pub destination_ports: PortRange,
}

impl InsightsPath {
    /// `SourceIp` ≡ `FilterAtSource.SourceAddress`, `DestinationPort` p ≡ a range p–p,
    /// `DestinationIp` ≡ `FilterAtDestination.DestinationAddress`; ranges of both ends meet.
    /// `None` when the ranges do not meet (no packet at all).
    pub fn flow(&self) -> Option<Flow> {
        let at_source = self.filter_at_source.clone().unwrap_or_default();
        let at_dest = self.filter_at_destination.clone().unwrap_or_default();
        let all = PortRange { from: 0, to: 65535 };
        let meet = |ranges: &[Option<PortRange>]| {
            ranges.iter().flatten().try_fold(all, |acc, r| {
                let (from, to) = (acc.from.max(r.from), acc.to.min(r.to));
                (from <= to).then_some(PortRange { from, to })
            })
        };
        let single = self.destination_port.map(|p| PortRange { from: p, to: p });
        Some(Flow {
            source_address: self.source_ip.or(at_source.source_address),
            destination_address: self
                .destination_ip
                .or(at_dest.destination_address)
                .or(at_source.destination_address),
            source_ports: meet(&[at_source.source_port_range, at_dest.source_port_range])?,
            destination_ports: meet(&[
                single,
                at_source.destination_port_range,
                at_dest.destination_port_range,
            ])?,
        })
    }
}

/// A path's end as given (ID or ARN), checked: the ID and its ARN. `role` is `Source` or
/// `Destination`.
pub fn endpoint(
    given: &str,
    role: &str,
    region: &str,
    account: &str,
) -> Result<(IdKind, String, String), Ec2Error> {
    let id = match given.strip_prefix("arn:") {
        Some(rest) => {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let [partition, "ec2", r, a, resource] = parts[..] else {
                return Err(bad_endpoint(role, given));
            };
            if partition != "aws" || r != region || a != account {
                return Err(Ec2Error::invalid_value(format!(
                    "The {role} {given} is not in this account and region."
                )));
            }
            let Some((kind, id)) = resource.split_once('/') else {
                return Err(bad_endpoint(role, given));
            };
            let expected = match IdKind::of(id) {
                Some(IdKind::Instance) => "instance",
                Some(IdKind::NetworkInterface) => "network-interface",
                Some(IdKind::InternetGateway) => "internet-gateway",
                _ => return Err(bad_endpoint(role, given)),
            };
            if kind != expected {
                return Err(bad_endpoint(role, given));
            }
            id
        }
        None => given,
    };
    let prefix = id.rsplit_once('-').map_or(id, |(p, _)| p);
    let kind = match prefix {
        "i" => IdKind::Instance,
        "eni" => IdKind::NetworkInterface,
        "igw" => IdKind::InternetGateway,
        "tgw" | "tgw-attach" | "vgw" | "pcx" | "vpce" | "vpce-svc" => {
            return Err(Ec2Error::new(
                ErrorCode::UnsupportedOperation,
                format!("localvpc does not analyze paths from or to {id} yet."),
            ));
        }
        _ => return Err(bad_endpoint(role, given)),
    };
    let id = kind.parse(id)?;
    let arn_type = match kind {
        IdKind::Instance => "instance",
        IdKind::NetworkInterface => "network-interface",
        _ => "internet-gateway",
    };
    let arn = format!("arn:aws:ec2:{region}:{account}:{arn_type}/{id}");
    Ok((kind, id, arn))
}

/// The resource types `FilterInArns` / `FilterOutArns` may name (reachability.md §1.5).
const FILTER_TYPES: [(&str, IdKind); 8] = [
    ("vpc", IdKind::Vpc),
    ("subnet", IdKind::Subnet),
    ("security-group", IdKind::SecurityGroup),
    ("network-acl", IdKind::NetworkAcl),
    ("route-table", IdKind::RouteTable),
    ("internet-gateway", IdKind::InternetGateway),
    ("network-interface", IdKind::NetworkInterface),
    ("instance", IdKind::Instance),
];

/// One ARN of `FilterInArns`/`FilterOutArns` (`member`): an EC2 resource of a filterable type
/// in this region, of the caller's account or one of `accounts` (`AdditionalAccounts`).
/// Returns (kind, ID, account).
pub fn filter_arn(
    arn: &str,
    member: &str,
    region: &str,
    accounts: &[&str],
) -> Result<(IdKind, String, String), Ec2Error> {
    let bad = || {
        Ec2Error::invalid_value(format!(
            "The ARN {arn} in {member} is not the ARN of a VPC, subnet, security group, network ACL, route table, internet gateway, network interface or instance."
        ))
    };
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ["arn", "aws", "ec2", r, a, resource] = parts[..] else {
        return Err(bad());
    };
    let (type_name, id) = resource.split_once('/').ok_or_else(bad)?;
    let kind = FILTER_TYPES
        .iter()
        .find(|(t, _)| *t == type_name)
        .map(|(_, k)| *k)
        .ok_or_else(bad)?;
    if IdKind::of(id) != Some(kind) {
        return Err(bad());
    }
    if r != region || !accounts.contains(&a) {
        return Err(Ec2Error::invalid_value(format!(
            "The ARN {arn} in {member} is not in this region, the caller's account or the additional accounts."
        )));
    }
    Ok((kind, kind.parse(id)?, a.to_owned()))
}

/// `AdditionalAccounts.N`: twelve-digit account IDs.
pub fn account_id(text: &str) -> Result<(), Ec2Error> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Ec2Error::invalid_value(format!(
            "The account ID {text} in AdditionalAccounts is not a 12-digit AWS account ID."
        )))
    }
}

fn bad_endpoint(role: &str, given: &str) -> Ec2Error {
    Ec2Error::invalid_value(format!(
        "The {role} '{given}' is not a supported resource: an instance, network interface or internet gateway ID or ARN."
    ))
}

/// An IPv4 address of a path: four decimal octets up to 255; IPv6 is not analyzed.
pub fn address(text: &str, name: &str) -> Result<Ipv4Addr, Ec2Error> {
    let parts: Vec<&str> = text.split('.').collect();
    let valid = parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    match text.parse::<Ipv4Addr>() {
        Ok(a) if valid => Ok(a),
        _ => Err(Ec2Error::invalid_value(format!(
            "The value '{text}' for {name} is not a valid IPv4 address."
        ))),
    }
}

/// CreateNetworkInsightsPath's members besides its endpoints, as given.
#[derive(Debug, Clone, Copy, Default)]
pub struct PathMembers<'a> {
    pub destination: bool,
    pub source_ip: bool,
    pub destination_ip: bool,
    pub destination_port: bool,
    pub filter_at_source: Option<&'a PathFilter>,
    pub filter_at_destination: bool,
}

/// `FilterAtSource` replaces `SourceIp` and `DestinationPort`, `FilterAtDestination` replaces
/// `DestinationIp`, and a path needs a destination or a destination address.
pub fn check_members(m: &PathMembers) -> Result<(), Ec2Error> {
    if m.filter_at_source.is_some() && (m.source_ip || m.destination_port) {
        return Err(Ec2Error::combination(
            "FilterAtSource cannot be combined with SourceIp or DestinationPort.",
        ));
    }
    if m.filter_at_destination && m.destination_ip {
        return Err(Ec2Error::combination(
            "FilterAtDestination cannot be combined with DestinationIp.",
        ));
    }
    let to_address = m
        .filter_at_source
        .is_some_and(|f| f.destination_address.is_some());
    if !m.destination && !to_address {
        // AWS's observed refusal of a path with nowhere to go.
        return Err(Ec2Error::new(
            ErrorCode::MissingParameter,
            "The request must include either the Destination parameter or the FilterAtSource.DestinationAddress parameter. Add the required parameter and retry the request.",
        ));
    }
    Ok(())
}

/// `DestinationPort`: a port number.
pub fn destination_port(p: i64) -> Result<u16, Ec2Error> {
    u16::try_from(p).map_err(|_| {
        Ec2Error::invalid_value(format!(
            "The port {p} for DestinationPort must be between 0 and 65535."
        ))
    })
}

/// A path cannot be deleted while it has analyses (`first_analysis` is any one of them).
pub fn check_delete(path_id: &str, first_analysis: Option<&str>) -> Result<(), Ec2Error> {
    match first_analysis {
        Some(analysis_id) => Err(Ec2Error::new(
            ErrorCode::AnalysisExistsForNetworkInsightsPath,
            format!(
                "At least one analysis [{analysis_id}] exists for path {path_id}. Delete all the analyses before deleting this network path."
            ),
        )),
        None => Ok(()),
    }
}

/// A resource of the caller's named in `FilterInArns`/`FilterOutArns` must exist.
pub fn check_filter_resource(arn: &str, member: &str, exists: bool) -> Result<(), Ec2Error> {
    if exists {
        Ok(())
    } else {
        Err(Ec2Error::invalid_value(format!(
            "The resource {arn} in {member} does not exist."
        )))
    }
}

/// `FilterOutArns` cannot exclude the path's own ends.
pub fn check_filter_out<'a>(
    path: &InsightsPath,
    excluded: impl IntoIterator<Item = &'a str>,
) -> Result<(), Ec2Error> {
    let ends = [Some(path.source.as_str()), path.destination.as_deref()];
    match excluded.into_iter().find(|id| ends.contains(&Some(id))) {
        Some(id) => Err(Ec2Error::invalid_value(format!(
            "FilterOutArns cannot exclude the path's source or destination {id}."
        ))),
        None => Ok(()),
    }
}

fn filter_values(f: &Option<PathFilter>, pick: fn(&PathFilter) -> Option<String>) -> Vec<String> {
    f.as_ref().and_then(pick).into_iter().collect()
}

pub const PATH_FILTERS: &[FilterDef<InsightsPath>] = &[
    def("source", |p| one(&p.source)),
    def("destination", |p| opt(p.destination.as_ref())),
    def("protocol", |p| one(&p.protocol)),
    def("filter-at-source.source-address", |p| {
        filter_values(&p.filter_at_source, |f| {
            f.source_address.map(|a| a.to_string())
        })
    }),
    def("filter-at-source.destination-address", |p| {
        filter_values(&p.filter_at_source, |f| {
            f.destination_address.map(|a| a.to_string())
        })
    }),
    def("filter-at-source.source-port-range", |p| {
        filter_values(&p.filter_at_source, |f| {
            f.source_port_range.map(PortRange::text)
        })
    }),
    def("filter-at-source.destination-port-range", |p| {
        filter_values(&p.filter_at_source, |f| {
            f.destination_port_range.map(PortRange::text)
        })
    }),
    def("filter-at-destination.source-address", |p| {
        filter_values(&p.filter_at_destination, |f| {
            f.source_address.map(|a| a.to_string())
        })
    }),
    def("filter-at-destination.destination-address", |p| {
        filter_values(&p.filter_at_destination, |f| {
            f.destination_address.map(|a| a.to_string())
        })
    }),
    def("filter-at-destination.source-port-range", |p| {
        filter_values(&p.filter_at_destination, |f| {
            f.source_port_range.map(PortRange::text)
        })
    }),
    def("filter-at-destination.destination-port-range", |p| {
        filter_values(&p.filter_at_destination, |f| {
            f.destination_port_range.map(PortRange::text)
        })
    }),
];

#[cfg(test)]
mod tests;
