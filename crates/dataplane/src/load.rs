//! Reads the model's input from the store: every partition, in one read-only transaction.

use crate::dns::VpcDns;
use crate::model::filter::{AclIn, GroupIn};
use crate::model::peering::PeeringIn;
use crate::model::routing::{GatewayIn, PublicIpIn};
use crate::model::{EndpointIn, EniIn, InstanceIn, NatIn, Snapshot, SubnetIn, resolver_address};
use ipnet::IpNet;
use localvpc_model::Ec2Error;
use localvpc_model::dhcp_options;
use localvpc_model::image::catalogue_image;
use localvpc_model::network_interface::NetworkInterface;
use localvpc_model::prefix_list;
use localvpc_model::region::Region;
use localvpc_model::vpc_endpoint;
use localvpc_store::{EniScope, Owner, Partition, Store, Tx};
use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The public addresses (Elastic IPs, auto-assigned) of an interface's private addresses.
fn public_ips(e: &NetworkInterface) -> impl Iterator<Item = PublicIpIn> + '_ {
    e.private_ips.iter().filter_map(|ip| {
        Some(PublicIpIn {
            eni_id: e.id.clone(),
            private: ip.address,
            public: ip.association.as_ref()?.public_ip,
        })
    })
}

/// An interface's IPv6 addresses, its primary IPv6 first.
fn ipv6_addresses(e: &NetworkInterface) -> Vec<Ipv6Addr> {
    let mut addresses: Vec<&_> = e.ipv6_addresses.iter().collect();
    addresses.sort_by_key(|a| !a.primary);
    addresses.into_iter().map(|a| a.address).collect()
}

/// An interface's delegated prefixes, IPv4 then IPv6.
fn prefixes(e: &NetworkInterface) -> Vec<IpNet> {
    let v4 = e.ipv4_prefixes.iter().map(|&p| IpNet::from(p));
    v4.chain(e.ipv6_prefixes.iter().map(|&p| p.into()))
        .collect()
}

/// The private DNS domain of `region` (`ec2.internal` in us-east-1).
fn region_domain(region: &str) -> String {
    match Region::named(region) {
        Ok(region) => region.private_dns_suffix(),
        Err(_) => format!("{region}.compute.internal"),
    }
}

pub fn snapshot(store: &Store) -> anyhow::Result<Snapshot> {
    let mut snapshot = Snapshot::default();
    store
        .read_every_partition(|tx, p| read_partition(tx, p, &mut snapshot))
        .map_err(|e| anyhow::anyhow!("cannot read the database: {}", e.message))?;
    Ok(snapshot)
}

/// Adds one partition's state to `snapshot`, from the caller's transaction: what the path
/// analyzer reads for an account and region (within the transaction of the API call).
pub fn read_partition(tx: &Tx, p: &Partition, snapshot: &mut Snapshot) -> Result<(), Ec2Error> {
    let owner = Owner {
        account: &p.account,
        region: &p.region,
    };
    for vpc in tx.vpcs(&p.account)? {
        if let Some(primary) = vpc.cidr_blocks.first() {
            // `default` (no set) has no row; a set in use cannot be deleted.
            let set = tx.dhcp_options_set(&vpc.dhcp_options_id, &p.account)?;
            let options = dhcp_options::guest_options(
                set.as_ref().map(|s| s.configurations.as_slice()),
                resolver_address(primary.cidr),
            );
            snapshot.dhcp_options.insert(vpc.id.clone(), options);
            let dns = VpcDns {
                enabled: vpc.enable_dns_support,
                resolver: resolver_address(primary.cidr),
                domain: region_domain(&p.region),
            };
            snapshot.vpc_dns.insert(vpc.id.clone(), dns);
        }
        let blocks = vpc.ipv6_blocks.iter().map(|b| b.cidr).collect();
        snapshot
            .routing
            .vpc_ipv6_blocks
            .insert(vpc.id.clone(), blocks);
        snapshot.vpcs.push(vpc.id);
    }
    snapshot
        .subnets
        .extend(tx.subnets(&owner, None)?.into_iter().map(|s| SubnetIn {
            id: s.id,
            cidr: s.cidr,
            ipv6_cidr: s.ipv6_block.map(|b| b.cidr),
        }));
    let routing = &mut snapshot.routing;
    routing
        .route_tables
        .extend(tx.route_tables(&p.account, None)?);
    let egress_only = tx.egress_only_internet_gateways()?.into_iter();
    routing.egress_only.extend(egress_only.map(|g| GatewayIn {
        id: g.id,
        vpc_id: g.vpc_id,
    }));
    let gateways = tx.internet_gateways(&p.account)?.into_iter();
    routing.gateways.extend(gateways.filter_map(|g| {
        Some(GatewayIn {
            vpc_id: g.vpc_id?,
            id: g.id,
        })
    }));
    // A connection between two partitions is read from each: the first read stands.
    for pcx in tx
        .peering_connections()?
        .into_iter()
        .filter(|c| c.forwards())
    {
        if !routing.peerings.iter().any(|known| known.id == pcx.id) {
            routing.peerings.push(PeeringIn {
                id: pcx.id,
                requester_vpc: pcx.requester.vpc_id,
                accepter_vpc: pcx.accepter.vpc_id,
                inter_region: pcx.requester.region != pcx.accepter.region,
                requester_cidrs: pcx.requester.cidr_blocks,
                accepter_cidrs: pcx.accepter.cidr_blocks,
            });
        }
    }
    for i in tx.instances(&p.account)? {
        for e in &i.interfaces {
            snapshot.routing.public_ips.extend(public_ips(e));
        }
        let enis = i.interfaces.into_iter().filter_map(|e| {
            let a = e.attachment.clone()?;
            Some(EniIn {
                ipv6_addresses: ipv6_addresses(&e),
                prefixes: prefixes(&e),
                addresses: e.private_ips.iter().map(|ip| ip.address).collect(),
                id: e.id,
                vpc_id: e.vpc_id,
                subnet_id: e.subnet_id,
                mac: e.mac_address,
                device_index: a.device_index,
                network_card_index: a.network_card_index,
                source_dest_check: e.source_dest_check,
                groups: e.groups.iter().map(|g| g.id.clone()).collect(),
            })
        });
        let options = &i.metadata_options;
        let imds_ipv6 =
            options.http_endpoint == "enabled" && options.http_protocol_ipv6 == "enabled";
        snapshot.instances.push(InstanceIn {
            imds_ipv6,
            runs_agent: catalogue_image(&i.image_id).is_some_and(|c| c.family.runs_network_agent()),
            enis: enis.collect(),
            id: i.id,
            state: i.state,
        });
    }
    let interfaces = tx.network_interfaces(&p.account, EniScope::All)?;
    for nat in tx.nat_gateways()?.into_iter().filter(|n| n.forwards()) {
        let eni = nat.network_interface_id.as_deref();
        let Some(e) = interfaces.iter().find(|e| Some(e.id.as_str()) == eni) else {
            continue;
        };
        snapshot.routing.public_ips.extend(public_ips(e));
        snapshot.nat_gateways.push(NatIn {
            id: nat.id,
            eni: EniIn {
                addresses: e.private_ips.iter().map(|ip| ip.address).collect(),
                ipv6_addresses: Vec::new(),
                prefixes: Vec::new(),
                id: e.id.clone(),
                vpc_id: e.vpc_id.clone(),
                subnet_id: e.subnet_id.clone(),
                mac: e.mac_address.clone(),
                device_index: 0,
                network_card_index: 0,
                source_dest_check: false,
                groups: Vec::new(),
            },
        });
    }
    for endpoint in tx
        .vpc_endpoints()?
        .into_iter()
        .filter(|e| !e.state.is_gone())
    {
        for i in &endpoint.interfaces {
            let Some(e) = interfaces.iter().find(|e| e.id == i.network_interface_id) else {
                continue;
            };
            snapshot.endpoint_interfaces.push(EndpointIn {
                endpoint_id: endpoint.id.clone(),
                service_name: endpoint.service_name.clone(),
                private_dns_name: endpoint
                    .private_dns_enabled
                    .then(|| vpc_endpoint::private_dns_name(&endpoint.service_name, &p.region))
                    .flatten(),
                eni: EniIn {
                    addresses: e.private_ips.iter().map(|ip| ip.address).collect(),
                    ipv6_addresses: ipv6_addresses(e),
                    prefixes: prefixes(e),
                    id: e.id.clone(),
                    vpc_id: e.vpc_id.clone(),
                    subnet_id: e.subnet_id.clone(),
                    mac: e.mac_address.clone(),
                    device_index: 0,
                    network_card_index: 0,
                    source_dest_check: e.source_dest_check,
                    groups: e.groups.iter().map(|g| g.id.clone()).collect(),
                },
            });
        }
    }
    let mut members: HashMap<String, Vec<Ipv4Addr>> = HashMap::new();
    let mut members6: HashMap<String, Vec<Ipv6Addr>> = HashMap::new();
    for eni in interfaces {
        for group in eni.groups {
            let addresses = eni.private_ips.iter().map(|ip| ip.address);
            members
                .entry(group.id.clone())
                .or_default()
                .extend(addresses);
            let addresses = eni.ipv6_addresses.iter().map(|a| a.address);
            members6.entry(group.id).or_default().extend(addresses);
        }
    }
    for group in tx.security_groups(&p.account, None)? {
        let (mut ingress, mut egress) = (Vec::new(), Vec::new());
        for rule in group.rules {
            let side = if rule.is_egress {
                &mut egress
            } else {
                &mut ingress
            };
            side.push(rule.permission);
        }
        snapshot.groups.push(GroupIn {
            members: members.remove(&group.id).unwrap_or_default(),
            members6: members6.remove(&group.id).unwrap_or_default(),
            ingress,
            egress,
            id: group.id,
        });
    }
    // AWS's lists are the same in every partition of a region, so the first one read stands.
    let lists = prefix_list::aws_managed(&p.region)
        .into_iter()
        .chain(tx.prefix_lists(&p.account)?);
    for list in lists {
        let entries = list.entries.iter().filter_map(|e| match e.cidr {
            IpNet::V4(cidr) => Some(cidr),
            IpNet::V6(_) => None,
        });
        snapshot
            .prefix_lists
            .entry(list.id)
            .or_insert_with(|| entries.collect());
    }
    for acl in tx.network_acls(&p.account, None)? {
        snapshot.acls.push(AclIn {
            subnets: acl.associations.into_iter().map(|a| a.subnet_id).collect(),
            entries: acl.entries,
            id: acl.id,
        });
    }
    Ok(())
}
