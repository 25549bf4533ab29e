//! Route tables: routes with typed targets, the main table of each VPC, subnet associations.

use crate::filter::Tagged;
use crate::tags::Tag;
use ipnet::Ipv4Net;

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTarget {
    /// Within the VPC (`gatewayId=local`).
    Local,
    InternetGateway(String),
    /// An instance: stored as the instance, resolved to its primary ENI.
    Instance(String),
    NetworkInterface(String),
}

/// Who made the route: `CreateRouteTable` (the local route) or `CreateRoute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteOrigin {
    CreateRouteTable,
    CreateRoute,
}

impl RouteOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateRouteTable => "CreateRouteTable",
            Self::CreateRoute => "CreateRoute",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub destination: Ipv4Net,
    pub target: RouteTarget,
    pub origin: RouteOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTableAssociation {
    pub id: String,
    pub route_table_id: String,
    /// The association that makes a table the VPC's main table (it has no subnet).
    pub main: bool,
    pub subnet_id: Option<String>,
    pub gateway_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub routes: Vec<Route>,
    pub associations: Vec<RouteTableAssociation>,
    pub tags: Vec<Tag>,
}

impl RouteTable {
    /// A new table with one `local` route per VPC block.
    pub fn new(id: String, vpc_id: String, owner_id: String, vpc_blocks: &[Ipv4Net]) -> Self {
        let routes = vpc_blocks
            .iter()
            .map(|b| Route {
                destination: *b,
                target: RouteTarget::Local,
                origin: RouteOrigin::CreateRouteTable,
            })
            .collect();
        Self {
            id,
            vpc_id,
            owner_id,
            routes,
            associations: Vec::new(),
            tags: Vec::new(),
        }
    }

    pub fn is_main(&self) -> bool {
        self.associations.iter().any(|a| a.main)
    }
}

impl Tagged for RouteTable {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}
