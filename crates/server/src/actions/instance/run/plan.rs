//! Loading what a launch's interface specifications name, for the pure planner
//! (`model::instance::launch`), which holds every refusal of rules.md §9.

use super::{NetworkInterfaceSpec, RunInstancesRequest};
use crate::actions::ipv6::ipv6_request;
use crate::actions::network_interface::create::{NewInterface, PrivateIpSpec};
use crate::actions::network_interface::prefixes::{named_v4, named_v6};
use crate::context::Ctx;
use localvpc_model::instance::launch::{InterfaceSpec, Launch, LaunchFacts, NewInterfacePlan};
use localvpc_model::instance_type::InstanceType;
use localvpc_model::subnet::Subnet;
use localvpc_model::{Ec2Error, IdKind, Tag, address};
use std::collections::BTreeSet;

impl From<&NetworkInterfaceSpec> for InterfaceSpec {
    fn from(s: &NetworkInterfaceSpec) -> Self {
        InterfaceSpec {
            device_index: s.device_index,
            network_card_index: s.network_card_index,
            network_interface_id: s.network_interface_id.clone(),
            subnet_id: s.subnet_id.clone(),
            groups: s.groups.clone(),
            description: s.description.clone(),
            interface_type: s.interface_type.clone(),
            private_ip_address: s.private_ip_address.clone(),
            private_ip_addresses: s
                .private_ip_addresses
                .iter()
                .map(PrivateIpSpec::entry)
                .collect(),
            secondary_private_ip_address_count: s.secondary_private_ip_address_count,
            ipv6: ipv6_request(&s.ipv6_addresses, s.ipv6_address_count, s.primary_ipv6),
            ipv4_prefixes: named_v4(&s.ipv4_prefixes),
            ipv4_prefix_count: s.ipv4_prefix_count,
            ipv6_prefixes: named_v6(&s.ipv6_prefixes),
            ipv6_prefix_count: s.ipv6_prefix_count,
            associate_public_ip_address: s.associate_public_ip_address,
            delete_on_termination: s.delete_on_termination,
        }
    }
}

/// The launch's network parameters, as the planner takes them.
pub(super) fn launch_of(req: &RunInstancesRequest, zone: Option<String>) -> Launch {
    Launch {
        max_count: req.max_count,
        zone,
        subnet_id: req.subnet_id.clone(),
        security_group_ids: req.security_group_ids.clone(),
        security_groups: req.security_groups.clone(),
        private_ip_address: req.private_ip_address.clone(),
        ipv6: ipv6_request(
            &req.ipv6_addresses,
            req.ipv6_address_count,
            req.enable_primary_ipv6,
        ),
        interfaces: req.network_interfaces.iter().map(Into::into).collect(),
    }
}

/// A load that answers NotFound as absent: the planner refuses it in its own order.
fn found<T>(kind: IdKind, loaded: Result<T, Ec2Error>) -> Result<Option<T>, Ec2Error> {
    match loaded {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.code == kind.not_found_code() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Loads the subnets, interfaces, groups, default VPC and held addresses the launch names.
pub(super) fn load_facts<'a>(
    ctx: &mut Ctx,
    launch: &Launch,
    itype: &'a InstanceType,
) -> Result<LaunchFacts<'a>, Ec2Error> {
    let specs = launch.specs();
    let mut facts = LaunchFacts {
        instance_type: itype,
        subnets: Vec::new(),
        interfaces: Vec::new(),
        default_vpc_id: None,
        default_subnets: Vec::new(),
        security_groups: Vec::new(),
        held: BTreeSet::new(),
    };
    for spec in &specs {
        if let Some(id) = &spec.network_interface_id {
            if let Ok(id) = IdKind::NetworkInterface.parse(id) {
                let eni = ctx.tx.network_interface(ctx.account, &id);
                facts
                    .interfaces
                    .extend(found(IdKind::NetworkInterface, eni)?);
            }
        } else if let Some(Ok(id)) = spec.subnet_id.as_deref().map(|id| IdKind::Subnet.parse(id))
            && !facts.subnets.iter().any(|s| s.id == id)
        {
            let subnet = ctx.tx.subnet(&ctx.owner(), &id);
            facts.subnets.extend(found(IdKind::Subnet, subnet)?);
        }
    }
    let needs_default = specs
        .iter()
        .any(|s| s.network_interface_id.is_none() && s.subnet_id.is_none());
    if needs_default || !launch.security_groups.is_empty() {
        facts.default_vpc_id = ctx.tx.default_vpc_id()?;
    }
    if needs_default && let Some(vpc_id) = &facts.default_vpc_id {
        facts.default_subnets = ctx.tx.subnets(&ctx.owner(), Some(vpc_id))?;
    }
    if !launch.security_groups.is_empty() || specs.iter().any(|s| !s.groups.is_empty()) {
        facts.security_groups = ctx.tx.security_groups(ctx.account, None)?;
    }
    let texts: Vec<&String> = specs
        .iter()
        .flat_map(|s| {
            s.private_ip_address.iter().chain(
                s.private_ip_addresses
                    .iter()
                    .filter_map(|e| e.address.as_ref()),
            )
        })
        .collect();
    let subnets: Vec<&Subnet> = facts.subnets.iter().chain(&facts.default_subnets).collect();
    for addr in texts.iter().filter_map(|t| address::parse(t).ok()) {
        for subnet in subnets.iter().filter(|s| s.cidr.contains(&addr)) {
            if ctx.tx.address_holder(&subnet.id, addr)?.is_some() {
                facts.held.insert((subnet.id.clone(), addr));
            }
        }
    }
    Ok(facts)
}

/// The interface `create_interface` makes for a planned one.
pub(super) fn new_interface(plan: &NewInterfacePlan, tags: &[Tag]) -> NewInterface {
    NewInterface {
        subnet_id: plan.subnet.id.clone(),
        description: plan.description.clone(),
        primary: plan.primary.clone(),
        secondaries: plan.secondaries.clone(),
        secondary_count: plan.secondary_count,
        group_ids: plan.group_ids.clone(),
        interface_type: plan.interface_type.clone(),
        ipv6: plan.ipv6.clone(),
        prefixes: plan.prefixes.clone(),
        tags: tags.to_vec(),
        requester: None,
    }
}
