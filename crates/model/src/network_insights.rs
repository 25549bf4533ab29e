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

/// AWS's observed refusal of a path with nowhere to go.
pub fn no_destination() -> Ec2Error {
    Ec2Error::new(
        ErrorCode::MissingParameter,
        "The request must include either the Destination parameter or the FilterAtSource.DestinationAddress parameter. Add the required parameter and retry the request.",
    )
}

/// Deleting a path that still has analyses.
pub fn analysis_exists(analysis_id: &str, path_id: &str) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::AnalysisExistsForNetworkInsightsPath,
        format!(
            "At least one analysis [{analysis_id}] exists for path {path_id}. Delete all the analyses before deleting this network path."
        ),
    )
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
mod tests {
    use super::*;

    const R: &str = "us-east-1";
    const A: &str = "123456789012";

    #[test]
    fn endpoints_by_id_or_arn() {
        let (kind, id, arn) = endpoint("i-0123456789abcdef0", "Source", R, A).unwrap();
        assert_eq!(kind, IdKind::Instance);
        assert_eq!(arn, format!("arn:aws:ec2:{R}:{A}:instance/{id}"));
        let (_, id, _) = endpoint(
            "arn:aws:ec2:us-east-1:123456789012:network-interface/eni-0123456789abcdef0",
            "Source",
            R,
            A,
        )
        .unwrap();
        assert_eq!(id, "eni-0123456789abcdef0");
        let code = |given: &str| endpoint(given, "Source", R, A).unwrap_err().code;
        assert_eq!(
            code("tgw-0123456789abcdef0"),
            ErrorCode::UnsupportedOperation
        );
        assert_eq!(
            code("subnet-0123456789abcdef0"),
            ErrorCode::InvalidParameterValue
        );
        assert_eq!(code("i-zz"), ErrorCode::InvalidInstanceIdMalformed);
        assert_eq!(
            code("arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0"),
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn filter_arns_of_filterable_types_in_the_caller_or_additional_accounts() {
        let ok = filter_arn(
            "arn:aws:ec2:ap-northeast-1:123456789012:security-group/sg-0123abcd",
            "FilterInArns",
            "ap-northeast-1",
            &["123456789012"],
        )
        .unwrap();
        assert_eq!(
            (ok.0, ok.1.as_str()),
            (IdKind::SecurityGroup, "sg-0123abcd")
        );
        for bad in [
            "arn:aws:ec2:ap-northeast-1:123456789012:security-group/subnet-0123abcd",
            "arn:aws:ec2:ap-northeast-1:123456789012:key-pair/key-0123abcd",
            "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123abcd",
            "arn:aws:ec2:ap-northeast-1:999999999999:vpc/vpc-0123abcd",
            "sg-0123abcd",
        ] {
            let err = filter_arn(bad, "FilterInArns", "ap-northeast-1", &["123456789012"]);
            assert_eq!(
                err.unwrap_err().code,
                ErrorCode::InvalidParameterValue,
                "{bad}"
            );
        }
        assert!(account_id("123456789012").is_ok());
        assert_eq!(
            account_id("12345").unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn addresses_are_strict_ipv4() {
        assert!(address("10.0.1.5", "SourceIp").is_ok());
        for bad in ["999.1.1.1", "10.0.1", "2001:db8::1", "01.2.3.4444"] {
            assert_eq!(
                address(bad, "SourceIp").unwrap_err().code,
                ErrorCode::InvalidParameterValue
            );
        }
    }

    #[test]
    fn ports_one_bound_is_that_port_and_reversed_is_refused() {
        assert_eq!(
            PortRange::new(Some(80), None, "x").unwrap(),
            Some(PortRange { from: 80, to: 80 })
        );
        assert_eq!(
            PortRange::new(Some(90), Some(80), "x")
                .unwrap_err()
                .code
                .as_str(),
            "InvalidParameterValue"
        );
        assert_eq!(
            PortRange::new(Some(70000), None, "x")
                .unwrap_err()
                .code
                .as_str(),
            "InvalidParameterValue"
        );
    }

    #[test]
    fn the_flow_meets_the_filters() {
        let path = InsightsPath {
            id: "nip-0".into(),
            arn: String::new(),
            created: String::new(),
            source: "i-0".into(),
            source_arn: String::new(),
            destination: None,
            destination_arn: None,
            source_ip: None,
            destination_ip: None,
            protocol: "tcp".into(),
            destination_port: None,
            filter_at_source: Some(PathFilter {
                destination_address: Some("192.0.2.1".parse().unwrap()),
                destination_port_range: Some(PortRange { from: 80, to: 443 }),
                ..PathFilter::default()
            }),
            filter_at_destination: Some(PathFilter {
                destination_port_range: Some(PortRange {
                    from: 443,
                    to: 8080,
                }),
                ..PathFilter::default()
            }),
            tags: Vec::new(),
        };
        let flow = path.flow().unwrap();
        assert_eq!(flow.destination_address, Some("192.0.2.1".parse().unwrap()));
        assert_eq!(flow.destination_ports, PortRange { from: 443, to: 443 });
    }
}
