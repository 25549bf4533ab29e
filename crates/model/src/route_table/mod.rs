//! Route tables: routes with typed targets, the main table of each VPC, subnet and gateway
//! associations, and the rules EC2 applies when any of them changes.
//!
//! A table's `local` routes (one per VPC block, origin `CreateRouteTable`) double as the table's
//! view of the VPC's blocks, so the rules (in `rules.rs`) need only the table and the VPC's
//! subnets.

mod prefix_lists;
mod rules;
#[cfg(test)]
mod tests;

pub use prefix_lists::{
    check_delete_prefix_list_route, check_new_prefix_list_route, fits_resized_list,
    replace_prefix_list_route,
};

pub use rules::{
    check_associate_gateway, check_associate_subnet, check_delete_route, check_delete_table,
    check_disassociate, check_egress_only_gateway_network, check_gateway_network,
    check_nat_gateway_target, check_new_route, check_replace_association, check_target_family,
    replace_route,
};

use crate::filter::{FilterDef, Tagged, def, one};
use crate::instance::InstanceState;
use crate::page::PageLimits;
use crate::prefix_list::Family;
use crate::tags::Tag;
use ipnet::{Ipv4Net, Ipv6Net};
use std::collections::HashSet;
use std::fmt::{Debug, Display};

/// A route destination of either family. IPv4 and IPv6 routes live side by side and never
/// cover each other (`0.0.0.0/0` is not a default route for IPv6), so each rule runs over the
/// routes of the destination's family.
pub trait Destination: Copy + Eq + Display + Debug + 'static {
    /// The parameter that names the destination, as EC2's messages spell it.
    const PARAMETER: &'static str;
    /// The family whose prefix lists count against this family's route quota.
    const FAMILY: Family;
    /// Whether `other` lies within this block.
    fn covers(&self, other: &Self) -> bool;
    /// The table's routes of this family, local ones included.
    fn routes(table: &RouteTable) -> &[Route<Self>];
}

impl Destination for Ipv4Net {
    const PARAMETER: &'static str = "destination-cidr-block";
    const FAMILY: Family = Family::V4;
    fn covers(&self, other: &Self) -> bool {
        self.contains(other)
    }
    fn routes(table: &RouteTable) -> &[Route<Self>] {
        &table.routes
    }
}

impl Destination for Ipv6Net {
    const PARAMETER: &'static str = "destination-ipv6-cidr-block";
    const FAMILY: Family = Family::V6;
    fn covers(&self, other: &Self) -> bool {
        self.contains(other)
    }
    fn routes(table: &RouteTable) -> &[Route<Self>] {
        &table.ipv6_routes
    }
}

/// DescribeRouteTables takes `MaxResults` from 5 to 100 (most Describe calls go to 1000).
pub const PAGE_LIMITS: PageLimits = PageLimits { min: 5, max: 100 };

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteTarget {
    /// Within the VPC (`gatewayId=local`).
    Local,
    InternetGateway(String),
    /// An instance: stored as the instance, resolved to its primary ENI.
    Instance(String),
    NetworkInterface(String),
    NatGateway(String),
    /// The other VPC of a peering connection.
    VpcPeeringConnection(String),
    /// IPv6 destinations only.
    EgressOnlyInternetGateway(String),
}

impl RouteTarget {
    /// What a route shows as `GatewayId`: `local` or the internet gateway.
    pub fn gateway_id(&self) -> Option<&str> {
        match self {
            Self::Local => Some("local"),
            Self::InternetGateway(id) => Some(id),
            Self::Instance(_)
            | Self::NetworkInterface(_)
            | Self::NatGateway(_)
            | Self::VpcPeeringConnection(_)
            | Self::EgressOnlyInternetGateway(_) => None,
        }
    }

    pub fn vpc_peering_connection_id(&self) -> Option<&str> {
        match self {
            Self::VpcPeeringConnection(id) => Some(id),
            _ => None,
        }
    }

    pub fn egress_only_internet_gateway_id(&self) -> Option<&str> {
        match self {
            Self::EgressOnlyInternetGateway(id) => Some(id),
            _ => None,
        }
    }

    pub fn nat_gateway_id(&self) -> Option<&str> {
        match self {
            Self::NatGateway(id) => Some(id),
            _ => None,
        }
    }

    pub fn instance_id(&self) -> Option<&str> {
        match self {
            Self::Instance(id) => Some(id),
            _ => None,
        }
    }

    pub fn network_interface_id(&self) -> Option<&str> {
        match self {
            Self::NetworkInterface(id) => Some(id),
            _ => None,
        }
    }

    /// A network interface in the VPC, named directly or through its instance, or a NAT
    /// gateway (middlebox routing): the only kinds of target a route inside the VPC's own range
    /// may have.
    fn is_middlebox(&self) -> bool {
        matches!(
            self,
            Self::Instance(_) | Self::NetworkInterface(_) | Self::NatGateway(_)
        )
    }
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

/// Whether a route can carry traffic now. Never stored: it follows from what exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteState {
    Active,
    /// The target is gone (deleted, or detached from the VPC): traffic is dropped.
    Blackhole,
}

impl RouteState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Blackhole => "blackhole",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route<N = Ipv4Net> {
    pub destination: N,
    pub target: RouteTarget,
    pub origin: RouteOrigin,
}

impl<N> Route<N> {
    /// The `local` route of a VPC block.
    pub fn local(destination: N) -> Self {
        Self {
            destination,
            target: RouteTarget::Local,
            origin: RouteOrigin::CreateRouteTable,
        }
    }

    /// A route the user adds with CreateRoute.
    pub fn created(destination: N, target: RouteTarget) -> Self {
        Self {
            destination,
            target,
            origin: RouteOrigin::CreateRoute,
        }
    }

    /// The route of a VPC block, which the table was born with. Its target may be replaced (by
    /// a network interface) and restored, but the route itself cannot be deleted.
    pub fn is_local(&self) -> bool {
        self.origin == RouteOrigin::CreateRouteTable
    }

    /// `active` while the target can carry traffic, `blackhole` once it is gone.
    pub fn state(&self, live: &LiveTargets) -> RouteState {
        let alive = match &self.target {
            RouteTarget::Local => true,
            RouteTarget::InternetGateway(id) => live.gateway.as_deref() == Some(id.as_str()),
            RouteTarget::Instance(id) => live.instances.contains(id),
            RouteTarget::NetworkInterface(id) => live.interfaces.contains(id),
            RouteTarget::NatGateway(id) => live.nat_gateways.contains(id),
            RouteTarget::VpcPeeringConnection(id) => live.peerings.contains(id),
            RouteTarget::EgressOnlyInternetGateway(id) => live.egress_only_gateways.contains(id),
        };
        if alive {
            RouteState::Active
        } else {
            RouteState::Blackhole
        }
    }
}

/// A route whose destination is a customer-managed prefix list (`DestinationPrefixListId`):
/// the router routes each of the list's current entries to the target.
pub type PrefixListRoute = Route<String>;

/// A gateway endpoint's route: the service's AWS-managed prefix list to the endpoint
/// (`gatewayId=vpce-…`, origin `CreateRoute`, always `active`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointRoute {
    pub prefix_list_id: String,
    pub endpoint_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteTableAssociation {
    pub id: String,
    pub route_table_id: String,
    /// The association that makes a table the VPC's main table (it has no subnet).
    pub main: bool,
    pub subnet_id: Option<String>,
    /// An edge association: the table routes traffic entering the VPC through this gateway.
    pub gateway_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub routes: Vec<Route>,
    /// IPv6 routes: first a `local` route per IPv6 block of the VPC (it follows the VPC's
    /// associations, so the store keeps one only while its target is replaced), then the
    /// routes users added.
    pub ipv6_routes: Vec<Route<Ipv6Net>>,
    /// Routes gateway endpoints put in the table (they follow the endpoints, so they are
    /// changed only through ModifyVpcEndpoint).
    pub endpoint_routes: Vec<EndpointRoute>,
    /// Routes users added to customer-managed prefix lists, of either family.
    pub prefix_list_routes: Vec<PrefixListRoute>,
    pub associations: Vec<RouteTableAssociation>,
    pub tags: Vec<Tag>,
}

impl RouteTable {
    /// A new table with one `local` route per VPC block.
    pub fn new(id: String, vpc_id: String, owner_id: String, vpc_blocks: &[Ipv4Net]) -> Self {
        let routes = vpc_blocks.iter().map(|b| Route::local(*b)).collect();
        Self {
            id,
            vpc_id,
            owner_id,
            routes,
            ipv6_routes: Vec::new(),
            endpoint_routes: Vec::new(),
            prefix_list_routes: Vec::new(),
            associations: Vec::new(),
            tags: Vec::new(),
        }
    }

    /// The same table with a `local` route per IPv6 block of its VPC.
    pub fn with_ipv6_blocks(mut self, blocks: &[Ipv6Net]) -> Self {
        self.ipv6_routes = blocks.iter().map(|b| Route::local(*b)).collect();
        self
    }

    pub fn is_main(&self) -> bool {
        self.associations.iter().any(|a| a.main)
    }

    /// A table associated with a gateway, which only routes traffic entering the VPC.
    pub fn is_gateway_table(&self) -> bool {
        self.associations.iter().any(|a| a.gateway_id.is_some())
    }

    pub fn route<N: Destination>(&self, destination: N) -> Option<&Route<N>> {
        N::routes(self)
            .iter()
            .find(|r| r.destination == destination)
    }

    /// The VPC's blocks of one family, as the table's local routes name them.
    fn vpc_blocks<N: Destination>(&self) -> impl Iterator<Item = N> + '_ {
        N::routes(self)
            .iter()
            .filter(|r| r.is_local())
            .map(|r| r.destination)
    }

    fn within_vpc<N: Destination>(&self, destination: N) -> bool {
        self.vpc_blocks().any(|b: N| b.covers(&destination))
    }

    /// A route a gateway route table may hold: inside the VPC, to `local` or an interface.
    fn admits_at_gateway<N: Destination>(&self, route: &Route<N>) -> bool {
        matches!(
            route.target,
            RouteTarget::Local | RouteTarget::NetworkInterface(_)
        ) && self.within_vpc(route.destination)
    }
}

impl Tagged for RouteTable {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

/// The route targets that can carry traffic right now, which decide whether a route is active.
#[derive(Debug, Clone, Default)]
pub struct LiveTargets {
    /// The internet gateway attached to the table's VPC, if any.
    pub gateway: Option<String>,
    /// Interfaces attached to one of [`Self::instances`].
    pub interfaces: HashSet<String>,
    /// Instances that can forward traffic: neither stopped nor terminated.
    pub instances: HashSet<String>,
    /// NAT gateways that forward: pending or available (not failed, deleting or deleted).
    pub nat_gateways: HashSet<String>,
    /// Active peering connections of the VPC.
    pub peerings: HashSet<String>,
    /// Egress-only internet gateways that exist (each is attached to its VPC for life).
    pub egress_only_gateways: HashSet<String>,
}

impl LiveTargets {
    /// The targets among `instances` (ID, state) and `interfaces` (ID, the instance it is
    /// attached to), without a gateway. AWS shows a route to a detached interface, or to one
    /// whose instance is stopped, as a `blackhole`, as it does a route to a stopped instance:
    /// nothing can receive its packets.
    pub fn new<'a>(
        instances: impl IntoIterator<Item = (&'a str, InstanceState)>,
        interfaces: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Self {
        let instances: HashSet<String> = instances
            .into_iter()
            .filter(|(_, state)| matches!(state, InstanceState::Pending | InstanceState::Running))
            .map(|(id, _)| id.to_owned())
            .collect();
        let interfaces = interfaces
            .into_iter()
            .filter(|(_, instance)| instance.is_some_and(|i| instances.contains(i)))
            .map(|(id, _)| id.to_owned())
            .collect();
        Self {
            gateway: None,
            interfaces,
            instances,
            nat_gateways: HashSet::new(),
            peerings: HashSet::new(),
            egress_only_gateways: HashSet::new(),
        }
    }

    /// The same targets with these peering connections active.
    pub fn with_peerings<'a>(mut self, active: impl IntoIterator<Item = &'a str>) -> Self {
        self.peerings = active.into_iter().map(str::to_owned).collect();
        self
    }

    /// The same targets with these egress-only gateways.
    pub fn with_egress_only_gateways<'a>(
        mut self,
        existing: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        self.egress_only_gateways = existing.into_iter().map(str::to_owned).collect();
        self
    }

    /// The same targets with these NAT gateways forwarding.
    pub fn with_nat_gateways<'a>(mut self, forwarding: impl IntoIterator<Item = &'a str>) -> Self {
        self.nat_gateways = forwarding.into_iter().map(str::to_owned).collect();
        self
    }

    /// The same targets for a VPC whose attached gateway is `gateway`.
    pub fn for_gateway(&self, gateway: Option<&str>) -> Self {
        Self {
            gateway: gateway.map(str::to_owned),
            ..self.clone()
        }
    }
}

/// A route table as Describe shows it: each route with its state at the time of the call.
#[derive(Debug, Clone, PartialEq)]
pub struct DescribedRouteTable {
    pub table: RouteTable,
    route_states: Vec<RouteState>,
    ipv6_route_states: Vec<RouteState>,
    prefix_list_route_states: Vec<RouteState>,
}

impl DescribedRouteTable {
    pub fn new(table: RouteTable, live: &LiveTargets) -> Self {
        let route_states = table.routes.iter().map(|r| r.state(live)).collect();
        let ipv6_route_states = table.ipv6_routes.iter().map(|r| r.state(live)).collect();
        let prefix_list_route_states = table
            .prefix_list_routes
            .iter()
            .map(|r| r.state(live))
            .collect();
        Self {
            table,
            route_states,
            ipv6_route_states,
            prefix_list_route_states,
        }
    }

    pub fn routes(&self) -> impl Iterator<Item = (&Route, RouteState)> {
        self.table
            .routes
            .iter()
            .zip(self.route_states.iter().copied())
    }

    pub fn ipv6_routes(&self) -> impl Iterator<Item = (&Route<Ipv6Net>, RouteState)> {
        self.table
            .ipv6_routes
            .iter()
            .zip(self.ipv6_route_states.iter().copied())
    }

    pub fn prefix_list_routes(&self) -> impl Iterator<Item = (&PrefixListRoute, RouteState)> {
        self.table
            .prefix_list_routes
            .iter()
            .zip(self.prefix_list_route_states.iter().copied())
    }

    /// Each route's target and origin (either family, prefix lists included) with its state.
    fn all_routes(&self) -> impl Iterator<Item = (&RouteTarget, RouteOrigin, RouteState)> {
        let v4 = self.routes().map(|(r, s)| (&r.target, r.origin, s));
        v4.chain(self.ipv6_routes().map(|(r, s)| (&r.target, r.origin, s)))
            .chain(
                self.prefix_list_routes()
                    .map(|(r, s)| (&r.target, r.origin, s)),
            )
    }
}

impl Tagged for DescribedRouteTable {
    fn tags(&self) -> &[Tag] {
        &self.table.tags
    }
}

fn target_values(t: &DescribedRouteTable, value: fn(&RouteTarget) -> Option<&str>) -> Vec<String> {
    t.all_routes()
        .filter_map(|(target, _, _)| value(target).map(str::to_owned))
        .collect()
}

fn association_values(
    t: &DescribedRouteTable,
    value: fn(&RouteTableAssociation) -> Option<String>,
) -> Vec<String> {
    t.table.associations.iter().filter_map(value).collect()
}

/// DescribeRouteTables filters. Those naming targets localvpc cannot create (transit
/// gateways) are valid and match nothing, as on an account that has none of them.
pub const FILTERS: &[FilterDef<DescribedRouteTable>] = &[
    def("association.gateway-id", |t| {
        association_values(t, |a| a.gateway_id.clone())
    }),
    def("association.main", |t| {
        association_values(t, |a| Some(a.main.to_string()))
    }),
    def("association.route-table-association-id", |t| {
        association_values(t, |a| Some(a.id.clone()))
    }),
    def("association.route-table-id", |t| {
        association_values(t, |a| Some(a.route_table_id.clone()))
    }),
    def("association.subnet-id", |t| {
        association_values(t, |a| a.subnet_id.clone())
    }),
    def("owner-id", |t| one(&t.table.owner_id)),
    def("route-table-id", |t| one(&t.table.id)),
    def("route.destination-cidr-block", |t| {
        t.table
            .routes
            .iter()
            .map(|r| r.destination.to_string())
            .collect()
    }),
    def("route.destination-ipv6-cidr-block", |t| {
        t.table
            .ipv6_routes
            .iter()
            .map(|r| r.destination.to_string())
            .collect()
    }),
    def("route.destination-prefix-list-id", |t| {
        let endpoints = t.table.endpoint_routes.iter().map(|r| &r.prefix_list_id);
        let routes = t.table.prefix_list_routes.iter().map(|r| &r.destination);
        endpoints.chain(routes).cloned().collect()
    }),
    def("route.egress-only-internet-gateway-id", |t| {
        target_values(t, RouteTarget::egress_only_internet_gateway_id)
    }),
    def("route.gateway-id", |t| {
        let mut ids = target_values(t, RouteTarget::gateway_id);
        ids.extend(
            t.table
                .endpoint_routes
                .iter()
                .map(|r| r.endpoint_id.clone()),
        );
        ids
    }),
    def("route.instance-id", |t| {
        target_values(t, RouteTarget::instance_id)
    }),
    def("route.nat-gateway-id", |t| {
        target_values(t, RouteTarget::nat_gateway_id)
    }),
    def("route.origin", |t| {
        let endpoint = t
            .table
            .endpoint_routes
            .first()
            .map(|_| RouteOrigin::CreateRoute);
        t.all_routes()
            .map(|(_, o, _)| o)
            .chain(endpoint)
            .map(|o| o.as_str().to_owned())
            .collect()
    }),
    def("route.state", |t| {
        let endpoint = t.table.endpoint_routes.first().map(|_| RouteState::Active);
        t.all_routes()
            .map(|(_, _, s)| s)
            .chain(endpoint)
            .map(|s| s.as_str().to_owned())
            .collect()
    }),
    def("route.transit-gateway-id", |_| vec![]),
    def("route.vpc-peering-connection-id", |t| {
        target_values(t, RouteTarget::vpc_peering_connection_id)
    }),
    def("vpc-id", |t| one(&t.table.vpc_id)),
];
