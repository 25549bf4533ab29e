//! What one security group rule permits — protocol, ports and peer — and how a caller's
//! `IpPermissions.N` become such permissions: protocol and ports checked (see [`super::protocol`]),
//! CIDRs canonicalised (`10.0.0.5/24` is `10.0.0.0/24`), descriptions checked.

use super::naming::check_rule_description;
use super::protocol::{Protocol, port_range};
use crate::cidr;
use crate::error::Ec2Error;
use ipnet::{Ipv4Net, Ipv6Net};

/// The other side of a rule: where traffic may come from (ingress) or go to (egress).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RulePeer {
    Cidr(Ipv4Net),
    Ipv6Cidr(Ipv6Net),
    /// Members of a security group (same VPC, same account).
    Group {
        group_id: String,
        user_id: String,
    },
    /// The current entries of a managed prefix list.
    PrefixList(String),
}

impl RulePeer {
    /// The CIDR or group ID, as rule summaries name the peer.
    fn text(&self) -> String {
        match self {
            Self::Cidr(c) => c.to_string(),
            Self::Ipv6Cidr(c) => c.to_string(),
            Self::Group { group_id, .. } => group_id.clone(),
            Self::PrefixList(id) => id.clone(),
        }
    }

    /// Whether two peers are of the same type (a rule may not change type when modified).
    pub fn same_kind(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// What a rule permits. Two rules of a group and direction with equal permissions are
/// duplicates, whatever their descriptions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Permission {
    pub protocol: Protocol,
    /// EC2's FromPort/ToPort: the port range for TCP/UDP, ICMP type and code for ICMP/ICMPv6
    /// (`-1` = all); `None` for protocols without ports.
    pub ports: Option<(i32, i32)>,
    pub peer: RulePeer,
}

impl Permission {
    /// Every protocol and port to or from `peer`.
    pub fn all_traffic(peer: RulePeer) -> Self {
        Self {
            protocol: Protocol::All,
            ports: None,
            peer,
        }
    }

    /// How EC2 names a rule in messages: `peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW`.
    pub fn summary(&self) -> String {
        let peer = self.peer.text();
        let label = self.protocol.label();
        match (self.protocol, self.ports) {
            (Protocol::Tcp | Protocol::Udp, Some((from, to))) => {
                format!("peer: {peer}, {label}, from port: {from}, to port: {to}, ALLOW")
            }
            (Protocol::Icmp | Protocol::Icmpv6, Some((kind, code))) => {
                format!("peer: {peer}, {label}, type: {kind}, code: {code}, ALLOW")
            }
            _ => format!("peer: {peer}, {label}, ALLOW"),
        }
    }
}

/// One `IpPermissions.N` entry (or the flat `IpProtocol`/`FromPort`/`ToPort`/`CidrIp`) as the
/// caller sent it. Referenced groups arrive already resolved: finding them needs storage.
#[derive(Debug, Clone)]
pub struct PermissionRequest {
    pub protocol: Option<String>,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub peers: Vec<PeerRequest>,
}

#[derive(Debug, Clone)]
pub struct PeerRequest {
    pub peer: RequestedPeer,
    pub description: Option<String>,
}

/// A peer as requested: CIDRs as written, groups as found (same VPC, same account).
#[derive(Debug, Clone)]
pub enum RequestedPeer {
    Cidr(String),
    Ipv6Cidr(String),
    Group {
        group_id: String,
        user_id: String,
    },
    /// A prefix list as found (the caller's or AWS's, of `family`).
    PrefixList(String),
}

/// A rule about to be added: what it permits and its description.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRule {
    pub permission: Permission,
    pub description: Option<String>,
}

/// Expands requested permissions into one rule per peer, each canonicalised and checked.
pub fn expand(requests: &[PermissionRequest]) -> Result<Vec<NewRule>, Ec2Error> {
    let mut rules = Vec::new();
    for request in requests {
        let text = request
            .protocol
            .as_deref()
            .ok_or_else(|| Ec2Error::missing_parameter("IpProtocol"))?;
        let protocol = Protocol::parse(text)?;
        let ports = port_range(protocol, request.from_port, request.to_port)?;
        if request.peers.is_empty() {
            return Err(Ec2Error::missing_parameter(
                "IpRanges, Ipv6Ranges, PrefixListIds or UserIdGroupPairs",
            ));
        }
        for requested in &request.peers {
            if let Some(d) = &requested.description {
                check_rule_description(d)?;
            }
            rules.push(NewRule {
                permission: Permission {
                    protocol,
                    ports,
                    peer: canonical_peer(&requested.peer)?,
                },
                description: requested.description.clone(),
            });
        }
    }
    Ok(rules)
}

fn canonical_peer(peer: &RequestedPeer) -> Result<RulePeer, Ec2Error> {
    Ok(match peer {
        RequestedPeer::Cidr(text) => RulePeer::Cidr(cidr::any_block(text, "cidrIp")?),
        RequestedPeer::Ipv6Cidr(text) => RulePeer::Ipv6Cidr(
            text.parse::<Ipv6Net>()
                .map_err(|_| {
                    Ec2Error::invalid_value(format!(
                        "Value ({text}) for parameter cidrIpv6 is invalid. This is not a valid IPv6 CIDR block."
                    ))
                })?
                .trunc(),
        ),
        RequestedPeer::Group { group_id, user_id } => RulePeer::Group {
            group_id: group_id.clone(),
            user_id: user_id.clone(),
        },
        RequestedPeer::PrefixList(id) => RulePeer::PrefixList(id.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn request(
        protocol: &str,
        from: Option<i64>,
        to: Option<i64>,
        cidrs: &[&str],
    ) -> PermissionRequest {
        PermissionRequest {
            protocol: Some(protocol.into()),
            from_port: from,
            to_port: to,
            peers: cidrs
                .iter()
                .map(|c| PeerRequest {
                    peer: RequestedPeer::Cidr(c.to_string()),
                    description: None,
                })
                .collect(),
        }
    }

    #[test]
    fn expand_canonicalises_every_peer() {
        let mut r = request("6", Some(22), Some(22), &["10.0.0.5/24", "0.0.0.0/0"]);
        r.peers.push(PeerRequest {
            peer: RequestedPeer::Ipv6Cidr("2001:db8::1/64".into()),
            description: Some("v6 office".into()),
        });
        let rules = expand(&[r]).unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].permission.protocol, Protocol::Tcp);
        assert_eq!(
            rules[0].permission.peer,
            RulePeer::Cidr("10.0.0.0/24".parse().unwrap())
        );
        assert_eq!(
            rules[2].permission.peer,
            RulePeer::Ipv6Cidr("2001:db8::/64".parse().unwrap())
        );
        assert_eq!(rules[2].description.as_deref(), Some("v6 office"));
    }

    #[test]
    fn expand_refuses_what_is_incomplete_or_malformed() {
        let mut no_protocol = request("tcp", Some(22), Some(22), &["0.0.0.0/0"]);
        no_protocol.protocol = None;
        assert_eq!(
            expand(&[no_protocol]).unwrap_err().code,
            ErrorCode::MissingParameter
        );
        let no_peer = request("tcp", Some(22), Some(22), &[]);
        assert_eq!(
            expand(&[no_peer]).unwrap_err().code,
            ErrorCode::MissingParameter
        );
        let bad_cidr = request("tcp", Some(22), Some(22), &["10.0.0.0/33"]);
        let err = expand(&[bad_cidr]).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidParameterValue);
        assert_eq!(
            err.message,
            "Value (10.0.0.0/33) for parameter cidrIp is invalid. This is not a valid CIDR block."
        );
        let mut bad_v6 = request("tcp", Some(22), Some(22), &[]);
        bad_v6.peers.push(PeerRequest {
            peer: RequestedPeer::Ipv6Cidr("10.0.0.0/8".into()),
            description: None,
        });
        assert_eq!(
            expand(&[bad_v6]).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
        let mut bad_description = request("tcp", Some(22), Some(22), &["0.0.0.0/0"]);
        bad_description.peers[0].description = Some("it's".into());
        assert_eq!(
            expand(&[bad_description]).unwrap_err().code,
            ErrorCode::InvalidParameterValue
        );
    }

    #[test]
    fn summaries_name_rules_as_ec2_does() {
        let tcp = Permission {
            protocol: Protocol::Tcp,
            ports: Some((22, 22)),
            peer: RulePeer::Cidr("0.0.0.0/0".parse().unwrap()),
        };
        assert_eq!(
            tcp.summary(),
            "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW"
        );
        let group = Permission {
            protocol: Protocol::Tcp,
            ports: Some((1, 65535)),
            peer: RulePeer::Group {
                group_id: "sg-0a".into(),
                user_id: "1".into(),
            },
        };
        assert_eq!(
            group.summary(),
            "peer: sg-0a, TCP, from port: 1, to port: 65535, ALLOW"
        );
        let all = Permission::all_traffic(RulePeer::Cidr("10.0.0.0/8".parse().unwrap()));
        assert_eq!(all.summary(), "peer: 10.0.0.0/8, ALL, ALLOW");
        let icmp = Permission {
            protocol: Protocol::Icmp,
            ports: Some((8, -1)),
            peer: RulePeer::Cidr("10.0.0.0/8".parse().unwrap()),
        };
        assert_eq!(
            icmp.summary(),
            "peer: 10.0.0.0/8, ICMP, type: 8, code: -1, ALLOW"
        );
    }
}
