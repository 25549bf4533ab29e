//! Explanations: why a gate blocked, with AWS's Reachability Analyzer code and the members AWS
//! fills for it (reachability.md §2.2).

use crate::{AclRuleRef, Component, RouteRef, SgRuleRef};
use std::net::Ipv4Addr;

/// Which packet field nothing admitted (AWS's `PacketField`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    DestinationPort,
    SourceAddress,
    DestinationAddress,
    Protocol,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::DestinationPort => "destination-port",
            Field::SourceAddress => "source-address",
            Field::DestinationAddress => "destination-address",
            Field::Protocol => "protocol",
        }
    }
}

/// One blocker.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Explanation {
    /// AWS's `ExplanationCode`.
    pub code: &'static str,
    /// `ingress` or `egress`.
    pub direction: Option<&'static str>,
    pub component: Option<Component>,
    pub acl: Option<Component>,
    pub acl_rule: Option<AclRuleRef>,
    pub address: Option<Ipv4Addr>,
    pub attached_to: Option<Component>,
    pub internet_gateway: Option<Component>,
    pub network_interface: Option<Component>,
    pub packet_field: Option<Field>,
    pub port: Option<u16>,
    pub route_table: Option<Component>,
    pub route_table_route: Option<RouteRef>,
    pub security_groups: Vec<Component>,
    pub security_group_rule: Option<SgRuleRef>,
    pub state: Option<String>,
    pub subnet: Option<Component>,
    pub vpc: Option<Component>,
    pub source_vpc: Option<Component>,
    pub destination_vpc: Option<Component>,
    pub missing_component: Option<String>,
    /// The smallest change that lets the packet through (`localvpc why`'s fix line).
    pub fix: Option<String>,
}

impl Explanation {
    pub fn new(code: &'static str) -> Self {
        Explanation {
            code,
            ..Explanation::default()
        }
    }
}
