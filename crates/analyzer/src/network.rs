//! The analyzer's view of the network: the data plane's [`Topology`] (ports, their effective
//! rules, subnet ACLs, kernel routes, the gateway's NAT) indexed for lookups, with the AWS
//! identities the topology leaves out (which group a rule belongs to, which route a kernel
//! route renders) taken from the [`Snapshot`] it was computed from. Only this file knows the
//! model's shapes; the walk uses the accessors below.

use ipnet::Ipv4Net;
use localvpc_dataplane::model::filter::{PrefixListsIn, Rules, SgRule, SubnetAcl};
use localvpc_dataplane::model::routing::RouteKind;
use localvpc_dataplane::model::{Snapshot, Topology};
use localvpc_model::instance::InstanceState;
use localvpc_model::route_table::{RouteOrigin, RouteTarget};
use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

/// An attached ENI as the router sees it.
#[derive(Debug, Clone)]
pub struct Port {
    pub eni_id: String,
    /// The instance it is attached to, or the NAT gateway or VPC endpoint it serves.
    pub instance_id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    pub device_index: u32,
    /// Private addresses, primary first.
    pub addresses: Vec<Ipv4Addr>,
    pub source_dest_check: bool,
    /// The instance is running (its link is up).
    pub up: bool,
    /// The ENI's groups, sorted by ID.
    pub groups: Vec<String>,
    /// Whether its groups filter it (not a NAT gateway's interface, which has none).
    pub security_groups: bool,
    /// The route table of its subnet.
    pub route_table: Option<String>,
}

/// One security group's own rules (the port's effective rules are their union).
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
    pub members: BTreeSet<Ipv4Addr>,
}

/// A route of a table: its AWS identity and what the router does with it.
#[derive(Debug, Clone)]
pub struct Route {
    pub destination: Ipv4Net,
    pub target: RouteTarget,
    pub origin: RouteOrigin,
    /// `false` when the router renders it as a blackhole (AWS's `blackhole` state).
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct Gateway {
    pub id: String,
    /// (private, public) pairs of the VPC's ENIs.
    pub nat: Vec<(Ipv4Addr, Ipv4Addr)>,
}

#[derive(Debug, Clone, Default)]
pub struct Vpc {
    /// The VPC's IPv4 blocks (its tables' local routes).
    pub cidrs: Vec<Ipv4Net>,
    pub gateway: Option<Gateway>,
    /// Its active peering connections in this snapshot: (connection, peer VPC, the peer's
    /// blocks). A peer VPC of another partition is not in the snapshot and has none.
    pub peerings: Vec<(String, String, Vec<Ipv4Net>)>,
}

/// The indexed network of one snapshot.
#[derive(Debug, Clone, Default)]
pub struct Network {
    ports: Vec<Port>,
    eni_index: HashMap<String, usize>,
    /// (VPC, private address) → the attached ENI holding it.
    address_index: HashMap<(String, Ipv4Addr), usize>,
    /// Ports some route sends traffic to (appliances): their rules shape paths too.
    appliances: Vec<usize>,
    /// Instance → state and its ports, by device index.
    instances: HashMap<String, (InstanceState, Vec<usize>)>,
    /// NAT gateway → its interface's port.
    nat_gateways: HashMap<String, usize>,
    groups: HashMap<String, Group>,
    acls: HashMap<String, SubnetAcl>,
    subnet_cidrs: HashMap<String, Ipv4Net>,
    tables: HashMap<String, Vec<Route>>,
    vpcs: HashMap<String, Vpc>,
    prefix_lists: PrefixListsIn,
}

impl Network {
    /// Indexes `topology`, which must be `model::topology(snapshot)`.
    pub fn new(snapshot: &Snapshot, topology: &Topology) -> Self {
        let mut net = Network::default();
        let eni_in: HashMap<&str, (&str, &localvpc_dataplane::model::EniIn)> = snapshot
            .instances
            .iter()
            .flat_map(|i| {
                i.enis
                    .iter()
                    .map(move |e| (e.id.as_str(), (i.id.as_str(), e)))
            })
            .chain(
                snapshot
                    .nat_gateways
                    .iter()
                    .map(|n| (n.eni.id.as_str(), (n.id.as_str(), &n.eni))),
            )
            .chain(
                snapshot
                    .endpoint_interfaces
                    .iter()
                    .map(|e| (e.eni.id.as_str(), (e.endpoint_id.as_str(), &e.eni))),
            )
            .collect();
        for instance in &snapshot.instances {
            net.instances
                .insert(instance.id.clone(), (instance.state, Vec::new()));
        }
        for group in &snapshot.groups {
            let rules = Rules::new(std::slice::from_ref(group), &[]);
            let filter = rules.port("", std::slice::from_ref(&group.id));
            net.groups.insert(
                group.id.clone(),
                Group {
                    ingress: filter.ingress,
                    egress: filter.egress,
                    members: group.members.iter().copied().collect(),
                },
            );
        }
        net.prefix_lists = snapshot.prefix_lists.clone();
        for subnet in &snapshot.subnets {
            net.subnet_cidrs.insert(subnet.id.clone(), subnet.cidr);
        }
        for router in &topology.routers {
            let vpc = net.vpcs.entry(router.vpc_id.clone()).or_default();
            vpc.gateway = router.routing.gateway.as_ref().map(|g| Gateway {
                id: g.id.clone(),
                nat: g.nat.clone(),
            });
            vpc.peerings = router
                .routing
                .peerings
                .iter()
                .filter_map(|l| {
                    let peer = topology.router(&l.peer_ns)?;
                    Some((l.id.clone(), peer.vpc_id.clone(), l.remote_cidrs.clone()))
                })
                .collect();
            for acl in &router.filter.acls {
                net.acls.insert(acl.subnet_id.clone(), acl.clone());
            }
            let tables: HashMap<u32, &str> = router
                .routing
                .tables
                .iter()
                .map(|t| (t.number, t.route_table_id.as_str()))
                .collect();
            for kernel in &router.routing.tables {
                let Some(table) = snapshot
                    .routing
                    .route_tables
                    .iter()
                    .find(|t| t.id == kernel.route_table_id)
                else {
                    continue;
                };
                let routes = table
                    .routes
                    .iter()
                    .map(|r| {
                        let rendered = kernel.routes.iter().find(|k| k.dst == r.destination.into());
                        Route {
                            destination: r.destination,
                            target: r.target.clone(),
                            origin: r.origin,
                            active: rendered.is_some_and(|k| k.kind != RouteKind::Blackhole),
                        }
                    })
                    .collect::<Vec<_>>();
                for route in &routes {
                    if route.origin == RouteOrigin::CreateRouteTable
                        && !vpc.cidrs.contains(&route.destination)
                    {
                        vpc.cidrs.push(route.destination);
                    }
                }
                net.tables.insert(table.id.clone(), routes);
            }
            for port in &router.ports {
                let Some(&(instance_id, eni)) = eni_in.get(port.eni_id.as_str()) else {
                    continue;
                };
                let table = router
                    .routing
                    .rules
                    .iter()
                    .find(|(name, _)| *name == port.name)
                    .and_then(|(_, number)| tables.get(number))
                    .map(|id| (*id).to_owned())
                    .or_else(|| subnet_table(snapshot, &router.vpc_id, &port.filter.subnet_id));
                let mut groups = eni.groups.clone();
                groups.sort();
                let index = net.ports.len();
                net.ports.push(Port {
                    eni_id: port.eni_id.clone(),
                    instance_id: instance_id.to_owned(),
                    vpc_id: router.vpc_id.clone(),
                    subnet_id: port.filter.subnet_id.clone(),
                    device_index: eni.device_index,
                    addresses: port.addresses.clone(),
                    source_dest_check: port.source_dest_check,
                    up: port.up,
                    groups,
                    security_groups: port.security_groups,
                    route_table: table,
                });
                if instance_id.starts_with("nat-") {
                    net.nat_gateways.insert(instance_id.to_owned(), index);
                }
                net.eni_index.insert(port.eni_id.clone(), index);
                for &a in &port.addresses {
                    net.address_index
                        .entry((router.vpc_id.clone(), a))
                        .or_insert(index);
                }
                if let Some((_, ports)) = net.instances.get_mut(instance_id) {
                    ports.push(index);
                }
            }
        }
        let ports = &net.ports;
        for (_, list) in net.instances.values_mut() {
            list.sort_by_key(|&i| ports[i].device_index);
        }
        let mut appliances: Vec<usize> = net
            .tables
            .values()
            .flatten()
            .filter_map(|r| match &r.target {
                RouteTarget::NetworkInterface(id) => net.eni_index.get(id).copied(),
                RouteTarget::Instance(id) => net.instances.get(id)?.1.first().copied(),
                _ => None,
            })
            .collect();
        appliances.sort_unstable();
        appliances.dedup();
        net.appliances = appliances;
        net
    }

    pub fn port(&self, eni_id: &str) -> Option<&Port> {
        self.eni_index.get(eni_id).map(|&i| &self.ports[i])
    }

    /// The interface of a NAT gateway that forwards.
    pub fn nat_gateway(&self, id: &str) -> Option<&Port> {
        self.nat_gateways.get(id).map(|&i| &self.ports[i])
    }

    /// Every attached ENI.
    pub fn ports(&self) -> &[Port] {
        &self.ports
    }

    /// An instance's state and attached ENIs, by device index; `None` if it has no namespace
    /// in the model (terminated, shutting down, unknown).
    pub fn instance(&self, id: &str) -> Option<(InstanceState, Vec<&Port>)> {
        let (state, ports) = self.instances.get(id)?;
        Some((*state, ports.iter().map(|&i| &self.ports[i]).collect()))
    }

    /// The attached ENI of `vpc_id` holding `address`.
    pub fn holder(&self, vpc_id: &str, address: Ipv4Addr) -> Option<&Port> {
        self.address_index
            .get(&(vpc_id.to_owned(), address))
            .map(|&i| &self.ports[i])
    }

    /// The ports that routes target (appliances).
    pub fn appliances(&self) -> impl Iterator<Item = &Port> {
        self.appliances.iter().map(|&i| &self.ports[i])
    }

    /// Every subnet's ACL.
    pub fn acls(&self) -> impl Iterator<Item = &SubnetAcl> {
        self.acls.values()
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.get(id)
    }

    /// A prefix list's current IPv4 entries (none for a list that does not exist).
    pub fn prefix_list(&self, id: &str) -> impl Iterator<Item = &Ipv4Net> {
        self.prefix_lists.get(id).into_iter().flatten()
    }

    /// The ACL of a subnet with at least one attached ENI.
    pub fn acl(&self, subnet_id: &str) -> Option<&SubnetAcl> {
        self.acls.get(subnet_id)
    }

    pub fn subnet_cidr(&self, subnet_id: &str) -> Option<Ipv4Net> {
        self.subnet_cidrs.get(subnet_id).copied()
    }

    pub fn routes(&self, route_table_id: &str) -> &[Route] {
        self.tables.get(route_table_id).map_or(&[], Vec::as_slice)
    }

    pub fn vpc(&self, vpc_id: &str) -> Option<&Vpc> {
        self.vpcs.get(vpc_id)
    }

    /// The VPC whose gateway is `igw_id` (attached).
    pub fn gateway(&self, igw_id: &str) -> Option<(&str, &Gateway)> {
        self.vpcs.iter().find_map(|(id, vpc)| {
            let g = vpc.gateway.as_ref()?;
            (g.id == igw_id).then_some((id.as_str(), g))
        })
    }

    /// The attached ENI whose private address the public `address` maps to (through its
    /// VPC's internet gateway).
    pub fn public_holder(&self, address: Ipv4Addr) -> Option<&Port> {
        self.vpcs.iter().find_map(|(vpc, v)| {
            let g = v.gateway.as_ref()?;
            let &(private, _) = g.nat.iter().find(|(_, public)| *public == address)?;
            self.holder(vpc, private)
        })
    }

    /// Whether `address` is the public address of some ENI (of any VPC): the internet reaches
    /// it through a gateway, never as a plain internet host.
    pub fn is_mapped_public(&self, address: Ipv4Addr) -> bool {
        self.vpcs
            .values()
            .filter_map(|v| v.gateway.as_ref())
            .any(|g| g.nat.iter().any(|&(_, public)| public == address))
    }
}

/// The route table of a subnet (its explicit association, else its VPC's main table), for a
/// port the router routes by its main table (an interface endpoint's).
fn subnet_table(snapshot: &Snapshot, vpc_id: &str, subnet_id: &str) -> Option<String> {
    let tables = snapshot
        .routing
        .route_tables
        .iter()
        .filter(|t| t.vpc_id == vpc_id);
    let associated = tables.clone().find(|t| {
        t.associations
            .iter()
            .any(|a| a.subnet_id.as_deref() == Some(subnet_id))
    });
    associated
        .or_else(|| {
            tables
                .clone()
                .find(|t| t.associations.iter().any(|a| a.main))
        })
        .map(|t| t.id.clone())
}
