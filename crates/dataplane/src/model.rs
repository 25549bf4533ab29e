//! The pure network model: the database state in, the desired [`Topology`] out. No IO.
//!
//! This is the one place that decides what the network looks like. The reconciler
//! ([`crate::plan`]) makes the host match it. Security groups and network ACLs ([`filter`]), the
//! subnets' route tables, the internet gateway and its NAT mappings ([`routing`]) are data here,
//! and the path analyzer evaluates the same types, so the analyzer and the packets cannot
//! disagree.

pub mod filter;
pub mod peering;
pub mod routing;

use crate::dns::{VpcDns, Zone};
use filter::{AclIn, GroupIn, PortFilter, PrefixListsIn, RouterFilter, Rules};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use localvpc_model::instance::InstanceState;
use routing::{Routing, RoutingIn};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Everything prefixed with this is localvpc's; nothing else on the host is ever touched.
pub const PREFIX: &str = "lvpc-";

/// The MTU of every ENI, on both ends of its veth pair, and what DHCP tells the guest (EC2's
/// jumbo frames within a VPC).
pub const MTU: u32 = 9001;

/// Instance metadata, held on the loopback of every router and served there by localvpc.
pub const IMDS_ADDRESS: Ipv4Addr = Ipv4Addr::new(169, 254, 169, 254);
/// Instance metadata's IPv6 endpoint, held and served beside [`IMDS_ADDRESS`]; only instances
/// with `HttpProtocolIpv6` enabled reach it ([`Port::imds_ipv6`]).
pub const IMDS_ADDRESS6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);

/// The router's IPv6 link-local on every port (as `fe80:ec2::1` answers on AWS's links): the
/// guest's default route points at it, as at the router that AWS's advertisements announce.
pub const ROUTER_LINK_LOCAL: Ipv6Addr = Ipv6Addr::new(0xfe80, 0xec2, 0, 0, 0, 0, 0, 1);

/// An address localvpc may have placed on a link: any IPv4 or global IPv6 address, or one of
/// its own link-locals in `fe80:ec2::/32`. The link-local the kernel derives from each link's
/// MAC is the kernel's, and the reconciler never sees it.
pub fn is_localvpc_address(address: &IpNet) -> bool {
    match address {
        IpNet::V4(_) => true,
        IpNet::V6(net) => {
            let link_local = Ipv6Net::new(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10);
            let ours = Ipv6Net::new(Ipv6Addr::new(0xfe80, 0xec2, 0, 0, 0, 0, 0, 0), 32);
            let (link_local, ours) = (link_local.expect("/10"), ours.expect("/32"));
            !link_local.contains(&net.addr()) || ours.contains(&net.addr())
        }
    }
}

/// What the model reads from the database (all partitions; IDs are unique across them).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub vpcs: Vec<String>,
    pub subnets: Vec<SubnetIn>,
    pub instances: Vec<InstanceIn>,
    pub groups: Vec<GroupIn>,
    pub acls: Vec<AclIn>,
    /// Every prefix list's current IPv4 entries (the caller's and AWS's), by ID.
    pub prefix_lists: PrefixListsIn,
    pub routing: RoutingIn,
    /// What each VPC's DHCP options give guests, by VPC ID.
    pub dhcp_options: HashMap<String, DhcpOptions>,
    /// Each VPC's resolver settings, by VPC ID.
    pub vpc_dns: HashMap<String, VpcDns>,
    /// NAT gateways that forward (pending or available, as routes to them are `active`).
    pub nat_gateways: Vec<NatIn>,
    /// Interface endpoints' interfaces (of endpoints pending or available).
    pub endpoint_interfaces: Vec<EndpointIn>,
}

/// One interface of an interface VPC endpoint: a namespace of its own, where a stand-in for
/// the service answers on the interface's address.
#[derive(Debug, Clone)]
pub struct EndpointIn {
    pub endpoint_id: String,
    /// `com.amazonaws.<region>.<service>`.
    pub service_name: String,
    /// The service's API name (`sts.<region>.amazonaws.com`) the VPC resolver answers with the
    /// interface's address, when the endpoint has private DNS.
    pub private_dns_name: Option<String>,
    /// Its groups filter it; device index 0 inside its namespace.
    pub eni: EniIn,
}

/// A NAT gateway that forwards, on its requester-managed interface.
#[derive(Debug, Clone)]
pub struct NatIn {
    pub id: String,
    /// No groups, no source/destination check; device index 0 inside its namespace.
    pub eni: EniIn,
}

/// What a VPC's DHCP option set gives guests (the model's reading of the set).
pub use localvpc_model::dhcp_options::GuestOptions as DhcpOptions;

/// The region's default set as a VPC with primary block `cidr` serves it: the domain
/// `domain_name` and AmazonProvidedDNS at the block's base + 2.
pub fn amazon_provided(cidr: Ipv4Net, domain_name: &str) -> DhcpOptions {
    let set = localvpc_model::dhcp_options::default_configurations(domain_name);
    localvpc_model::dhcp_options::guest_options(Some(&set), resolver_address(cidr))
}

/// AmazonProvidedDNS of a VPC whose primary block is `cidr`: its base + 2.
pub fn resolver_address(cidr: Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(cidr.network()) + 2)
}

#[derive(Debug, Clone)]
pub struct SubnetIn {
    pub id: String,
    pub cidr: Ipv4Net,
    /// The subnet's IPv6 /64, if it has one.
    pub ipv6_cidr: Option<Ipv6Net>,
}

#[derive(Debug, Clone)]
pub struct InstanceIn {
    pub id: String,
    pub state: InstanceState,
    /// Whether the image runs the guest network agent (Amazon Linux): the server runs it.
    pub runs_agent: bool,
    /// `MetadataOptions`: the endpoint enabled and `HttpProtocolIpv6` enabled.
    pub imds_ipv6: bool,
    /// Attached interfaces.
    pub enis: Vec<EniIn>,
}

#[derive(Debug, Clone)]
pub struct EniIn {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    /// `0a:1b:…`, as stored.
    pub mac: String,
    pub device_index: u32,
    pub network_card_index: u32,
    /// Private IPv4 addresses, primary first.
    pub addresses: Vec<Ipv4Addr>,
    /// IPv6 addresses (primary first, when there is one).
    pub ipv6_addresses: Vec<Ipv6Addr>,
    /// Delegated prefixes: IPv4 /28s and IPv6 /80s.
    pub prefixes: Vec<IpNet>,
    pub source_dest_check: bool,
    /// Security group IDs.
    pub groups: Vec<String>,
}

/// The network localvpc wants on the host.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Topology {
    pub routers: Vec<Router>,
    pub guests: Vec<Guest>,
    /// The services interface endpoints stand in for, one per endpoint interface.
    pub services: Vec<StandIn>,
}

/// A stand-in for an AWS service on an interface endpoint's interface: it answers on
/// [`SERVICE_PORT`] of the interface's primary address, inside the endpoint's namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StandIn {
    pub ns: String,
    pub address: Ipv4Addr,
    pub endpoint_id: String,
    pub service_name: String,
}

/// Where AWS services listen behind an interface endpoint (HTTPS).
pub const SERVICE_PORT: u16 = 443;

impl Topology {
    /// The router in namespace `ns`.
    pub fn router(&self, ns: &str) -> Option<&Router> {
        self.routers.iter().find(|r| r.ns == ns)
    }
}

impl Router {
    pub fn port(&self, name: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.name == name)
    }

    /// The instance whose ENI holds `address` in this VPC and is up: whom IMDS answers.
    pub fn instance_at(&self, address: IpAddr) -> Option<&str> {
        let port = self.ports.iter().find(|p| {
            p.up && match address {
                IpAddr::V4(v4) => p.addresses.contains(&v4),
                IpAddr::V6(v6) => p.ipv6_addresses.contains(&v6),
            }
        });
        port.map(|p| p.instance_id.as_str())
    }
}

/// A VPC's router: one namespace, one port per attached ENI of the VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Router {
    pub vpc_id: String,
    pub ns: String,
    pub ports: Vec<Port>,
    /// Referenced groups' members and the ports' subnets' network ACLs.
    pub filter: RouterFilter,
    /// Route tables, the internet gateway and its NAT ([`routing`]).
    pub routing: Routing,
    /// What the VPC's resolver answers ([`crate::dns`]).
    pub dns: Zone,
}

/// The router's end of an ENI's veth pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub eni_id: String,
    /// The instance the ENI is attached to (whom IMDS answers for on this port), or the NAT
    /// gateway whose interface it is.
    pub instance_id: String,
    /// Whether security groups filter the port's flows: not a NAT gateway's interface, which
    /// has none (its subnet's network ACL still applies).
    pub security_groups: bool,
    /// The ENI's MAC, the only client hardware address the port's DHCP server answers.
    pub mac: String,
    /// What the port's DHCP server gives the ENI; `None` if its VPC has no DHCP options.
    pub dhcp: Option<DhcpLease>,
    /// Link name in the router namespace.
    pub name: String,
    /// The ENI's subnet router (base + 1), held as a /32 on the port so that it answers ARP
    /// and ping; other addresses of the subnet are answered by proxy ARP.
    pub gateway: Ipv4Addr,
    /// The ENI's private addresses, each reached by a /32 host route through this port.
    pub addresses: Vec<Ipv4Addr>,
    /// The ENI's IPv6 addresses, each reached by a /128 host route through this port.
    pub ipv6_addresses: Vec<Ipv6Addr>,
    /// The ENI's delegated prefixes, each routed on-link through this port: any address of
    /// one that the guest configures answers (the router finds it by ARP or neighbour
    /// discovery), and the source/destination check admits them all.
    pub prefixes: Vec<IpNet>,
    /// The subnet's IPv6 router (`::1` of its /64), held as a /128 on the port beside
    /// [`ROUTER_LINK_LOCAL`]; `None` when the subnet has no IPv6 block.
    pub ipv6_gateway: Option<Ipv6Addr>,
    /// EC2's source/destination check: a packet from the ENI whose source is not one of its
    /// addresses, or to it whose destination is not, is dropped (by the router's filter table).
    pub source_dest_check: bool,
    /// Down while the instance is stopped.
    pub up: bool,
    /// Whether the ENI's instance reaches IMDS at [`IMDS_ADDRESS6`] (`HttpProtocolIpv6`);
    /// otherwise the router drops what the port sends there.
    pub imds_ipv6: bool,
    /// The ENI's subnet and security group rules.
    pub filter: PortFilter,
}

/// An instance: a namespace with one `eth<device-index>` per attached ENI. A NAT gateway is
/// one too, with its interface as eth0 and [`Guest::nat`] set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guest {
    /// The instance's ID, or the NAT gateway's.
    pub instance_id: String,
    pub ns: String,
    /// Running (or pending); a stopped (or stopping) instance keeps its links, down.
    pub up: bool,
    pub runs_agent: bool,
    pub nics: Vec<Nic>,
    /// A NAT gateway's namespace forwards what its subnet's instances route to it and
    /// source-NATs it to these addresses, primary first, each new flow to the next one
    /// ([`crate::nft`]'s NAT gateway table); eth0 holds them all.
    pub nat: Option<Vec<Ipv4Addr>>,
}

/// The guest's end of an ENI's veth pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nic {
    pub eni_id: String,
    /// `eth<device-index>`.
    pub name: String,
    pub mac: String,
    /// Where the other end lives: the router namespace of the ENI's VPC, and the port's name.
    pub router_ns: String,
    pub port: String,
    /// What EC2's DHCP would give the interface at boot; set for eth0 only. Other interfaces
    /// stay unconfigured until something in the guest configures them (seed 003).
    pub lease: Option<Lease>,
    /// What EC2's DHCPv6 and router advertisement give eth0: its IPv6 addresses as /128s and
    /// the default route via [`ROUTER_LINK_LOCAL`] (empty on other interfaces, and without IPv6).
    pub ipv6_lease: Vec<Ipv6Addr>,
}

/// The primary address with the subnet's prefix, and the default route via the subnet router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub address: Ipv4Net,
    pub router: Ipv4Addr,
}

/// EC2's DHCP answer on an ENI: its [`Lease`], and the options that go with it (MTU 9001).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpLease {
    pub lease: Lease,
    pub options: DhcpOptions,
    /// `ip-10-0-1-10`: the host part of the ENI's private DNS name (the domain is separate).
    pub host_name: String,
}

/// `vpc-0abc…` → `0abc…`: the ID without its kind prefix.
pub(crate) fn short(id: &str) -> &str {
    id.split_once('-').map_or(id, |(_, rest)| rest)
}

pub fn router_ns(vpc_id: &str) -> String {
    format!("{PREFIX}r-{}", short(vpc_id))
}

/// An instance's namespace (`lvpc-i-…`), or a NAT gateway's (`lvpc-n-…`) for a `nat-` ID.
pub fn guest_ns(instance_id: &str) -> String {
    let kind = if instance_id.starts_with("nat-") {
        'n'
    } else {
        'i'
    };
    format!("{PREFIX}{kind}-{}", short(instance_id))
}

/// An interface endpoint's namespace (`lvpc-e-…`), one per interface of the endpoint.
pub fn endpoint_ns(eni_id: &str) -> String {
    format!("{PREFIX}e-{}", short(eni_id))
}

/// Link names are at most 15 bytes: the prefix and the first 10 hex digits of the ENI ID.
pub fn port_name(eni_id: &str) -> String {
    let hex: String = short(eni_id).chars().take(15 - PREFIX.len()).collect();
    format!("{PREFIX}{hex}")
}

/// The subnet router: the subnet's base address + 1, as on AWS.
pub fn subnet_router(cidr: Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(cidr.network()) + 1)
}

/// The desired network for a database snapshot.
pub fn topology(snapshot: &Snapshot) -> Topology {
    let subnets: HashMap<&str, (Ipv4Net, Option<Ipv6Net>)> = snapshot
        .subnets
        .iter()
        .map(|s| (s.id.as_str(), (s.cidr, s.ipv6_cidr)))
        .collect();
    let routers: Vec<Router> = snapshot
        .vpcs
        .iter()
        .map(|id| Router {
            vpc_id: id.clone(),
            ns: router_ns(id),
            ports: Vec::new(),
            filter: RouterFilter::default(),
            routing: Routing::default(),
            dns: Zone::default(),
        })
        .collect();
    let rules =
        Rules::new(&snapshot.groups, &snapshot.acls).with_prefix_lists(&snapshot.prefix_lists);
    let mut wiring = Wiring {
        snapshot,
        subnets,
        routers,
        rules: &rules,
    };
    let mut guests = Vec::new();
    for instance in &snapshot.instances {
        let up = match instance.state {
            InstanceState::Pending | InstanceState::Running => true,
            InstanceState::Stopping | InstanceState::Stopped => false,
            InstanceState::ShuttingDown | InstanceState::Terminated => continue,
        };
        let nics = instance
            .enis
            .iter()
            .filter_map(|eni| {
                let nic = wire(&mut wiring, eni, &instance.id, up, true)?;
                if instance.imds_ipv6 {
                    let router = wiring.routers.iter_mut().find(|r| r.ns == nic.router_ns);
                    let port = router.and_then(|r| r.ports.iter_mut().find(|p| p.name == nic.port));
                    port.into_iter().for_each(|p| p.imds_ipv6 = true);
                }
                Some(nic)
            })
            .collect();
        guests.push(Guest {
            instance_id: instance.id.clone(),
            ns: guest_ns(&instance.id),
            up,
            runs_agent: instance.runs_agent,
            nics,
            nat: None,
        });
    }
    for nat in &snapshot.nat_gateways {
        if nat.eni.addresses.is_empty() {
            continue;
        }
        let Some(nic) = wire(&mut wiring, &nat.eni, &nat.id, true, false) else {
            continue;
        };
        guests.push(Guest {
            instance_id: nat.id.clone(),
            ns: guest_ns(&nat.id),
            up: true,
            runs_agent: false,
            nics: vec![nic],
            nat: Some(nat.eni.addresses.clone()),
        });
    }
    let mut services = Vec::new();
    for endpoint in &snapshot.endpoint_interfaces {
        let Some(&address) = endpoint.eni.addresses.first() else {
            continue;
        };
        let Some(nic) = wire(
            &mut wiring,
            &endpoint.eni,
            &endpoint.endpoint_id,
            true,
            true,
        ) else {
            continue;
        };
        let ns = endpoint_ns(&endpoint.eni.id);
        services.push(StandIn {
            ns: ns.clone(),
            address,
            endpoint_id: endpoint.endpoint_id.clone(),
            service_name: endpoint.service_name.clone(),
        });
        guests.push(Guest {
            instance_id: endpoint.endpoint_id.clone(),
            ns,
            up: true,
            runs_agent: false,
            nics: vec![nic],
            nat: None,
        });
    }
    let Wiring { mut routers, .. } = wiring;
    let index = routing::RoutingIndex::new(snapshot);
    for router in &mut routers {
        router.filter = rules.router(router.ports.iter().map(|p| &p.filter));
        router.routing = index.routing(&router.vpc_id, &router.ports);
        if let Some(dns) = snapshot.vpc_dns.get(&router.vpc_id) {
            let addresses: Vec<Ipv4Addr> = router
                .ports
                .iter()
                .flat_map(|p| p.addresses.iter().copied())
                .collect();
            router.dns = Zone::new(dns.enabled, dns.resolver, &dns.domain, &addresses);
            let endpoints = snapshot
                .endpoint_interfaces
                .iter()
                .filter(|e| e.eni.vpc_id == router.vpc_id);
            for endpoint in endpoints {
                if let (Some(name), Some(&address)) =
                    (&endpoint.private_dns_name, endpoint.eni.addresses.first())
                {
                    router.dns.add_service(name, address);
                }
            }
        }
    }
    Topology {
        routers,
        guests,
        services,
    }
}

/// What wiring an ENI into its VPC's router reads and adds to.
struct Wiring<'s> {
    snapshot: &'s Snapshot,
    subnets: HashMap<&'s str, (Ipv4Net, Option<Ipv6Net>)>,
    routers: Vec<Router>,
    rules: &'s Rules<'s>,
}

/// Adds an ENI's port to its VPC's router and returns the guest's end (`None` if its VPC or
/// subnet is gone). `owner` is the instance (or NAT gateway); `security_groups` whether the
/// ENI's groups filter it.
fn wire(
    wiring: &mut Wiring,
    eni: &EniIn,
    owner: &str,
    up: bool,
    security_groups: bool,
) -> Option<Nic> {
    let (cidr, ipv6_cidr) = *wiring.subnets.get(eni.subnet_id.as_str())?;
    let router = wiring.routers.iter_mut().find(|r| r.vpc_id == eni.vpc_id)?;
    let gateway = subnet_router(cidr);
    let lease_of = |ip: Ipv4Addr| Lease {
        address: Ipv4Net::new(ip, cidr.prefix_len()).expect("subnet prefix"),
        router: gateway,
    };
    let options = wiring.snapshot.dhcp_options.get(&eni.vpc_id);
    let dhcp = match (eni.addresses.first(), options) {
        (Some(&ip), Some(options)) => Some(DhcpLease {
            lease: lease_of(ip),
            options: options.clone(),
            host_name: format!("ip-{}", ip.to_string().replace('.', "-")),
        }),
        _ => None,
    };
    router.ports.push(Port {
        eni_id: eni.id.clone(),
        instance_id: owner.to_owned(),
        security_groups,
        mac: eni.mac.clone(),
        name: port_name(&eni.id),
        gateway,
        addresses: eni.addresses.clone(),
        ipv6_addresses: eni.ipv6_addresses.clone(),
        prefixes: eni.prefixes.clone(),
        ipv6_gateway: ipv6_cidr.map(|c| Ipv6Addr::from(u128::from(c.network()) + 1)),
        source_dest_check: eni.source_dest_check,
        up,
        imds_ipv6: false,
        filter: wiring.rules.port(&eni.subnet_id, &eni.groups),
        dhcp,
    });
    let primary = eni.device_index == 0 && eni.network_card_index == 0;
    Some(Nic {
        eni_id: eni.id.clone(),
        name: format!("eth{}", eni.device_index),
        mac: eni.mac.clone(),
        router_ns: router.ns.clone(),
        port: port_name(&eni.id),
        lease: eni
            .addresses
            .first()
            .filter(|_| primary)
            .map(|&ip| lease_of(ip)),
        ipv6_lease: if primary {
            eni.ipv6_addresses.clone()
        } else {
            Vec::new()
        },
    })
}

#[cfg(test)]
pub(crate) mod tests;
