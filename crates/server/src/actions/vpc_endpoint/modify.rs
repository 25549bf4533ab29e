//! ModifyVpcEndpoint: route tables of a gateway endpoint; subnets (interfaces), groups and
//! private DNS of an interface endpoint; the policy of either.

use super::{
    DnsOptionsSpecification, SubnetConfiguration, add_interface, check_ip_options,
    remove_interface, requested_subnets,
};
use crate::actions::network_interface::create::resolve_groups;
use crate::context::Ctx;
use crate::wire::{RETURN_TRUE, ReturnTrue};
use localvpc_model::prefix_list::aws_managed;
use localvpc_model::vpc_endpoint::{self, DEFAULT_POLICY, EndpointType, Modification};
use localvpc_model::{Ec2Error, IdKind};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyVpcEndpointRequest {
    vpc_endpoint_id: String,
    #[serde(default)]
    reset_policy: bool,
    policy_document: Option<String>,
    #[serde(default)]
    add_route_table_ids: Vec<String>,
    #[serde(default)]
    remove_route_table_ids: Vec<String>,
    #[serde(default)]
    add_subnet_ids: Vec<String>,
    #[serde(default)]
    remove_subnet_ids: Vec<String>,
    #[serde(default)]
    add_security_group_ids: Vec<String>,
    #[serde(default)]
    remove_security_group_ids: Vec<String>,
    ip_address_type: Option<String>,
    dns_options: Option<DnsOptionsSpecification>,
    private_dns_enabled: Option<bool>,
    #[serde(default)]
    subnet_configurations: Vec<SubnetConfiguration>,
}

pub fn modify_vpc_endpoint(
    ctx: &mut Ctx,
    req: ModifyVpcEndpointRequest,
) -> Result<ReturnTrue, Ec2Error> {
    let mut endpoint = ctx
        .tx
        .vpc_endpoint(&IdKind::VpcEndpoint.parse(&req.vpc_endpoint_id)?)?;
    let add_subnets = requested_subnets(&req.add_subnet_ids, &req.subnet_configurations)?;
    let add_subnet_ids: Vec<String> = add_subnets.iter().map(|(s, _)| s.clone()).collect();
    vpc_endpoint::check_modify(
        &endpoint,
        &Modification {
            add_route_tables: &req.add_route_table_ids,
            remove_route_tables: &req.remove_route_table_ids,
            add_subnets: &add_subnet_ids,
            remove_subnets: &req.remove_subnet_ids,
            add_groups: &req.add_security_group_ids,
            remove_groups: &req.remove_security_group_ids,
            reset_policy: req.reset_policy,
            policy: req.policy_document.as_deref(),
            private_dns_enabled: req.private_dns_enabled,
        },
    )?;
    check_ip_options(
        endpoint.endpoint_type,
        req.ip_address_type.as_deref(),
        req.dns_options.as_ref(),
    )?;
    if req.private_dns_enabled == Some(true) && !endpoint.private_dns_enabled {
        let vpc = ctx.tx.vpc(ctx.account, &endpoint.vpc_id)?;
        vpc_endpoint::check_private_dns(
            &vpc.id,
            (vpc.enable_dns_support, vpc.enable_dns_hostnames),
        )?;
    }
    if endpoint.endpoint_type == EndpointType::Gateway {
        change_routes(ctx, &endpoint, &req)?;
    } else {
        let mut groups: Vec<String> = endpoint
            .group_ids
            .iter()
            .filter(|g| !req.remove_security_group_ids.contains(g))
            .cloned()
            .collect();
        groups.extend(req.add_security_group_ids.iter().cloned());
        let groups: Vec<String> = resolve_groups(ctx, &endpoint.vpc_id, &groups)?
            .into_iter()
            .map(|g| g.id)
            .collect();
        if groups != endpoint.group_ids {
            ctx.tx.set_endpoint_groups(&endpoint.id, &groups)?;
            for i in &endpoint.interfaces {
                ctx.tx
                    .set_network_interface_groups(&i.network_interface_id, &groups)?;
            }
            endpoint.group_ids = groups;
        }
        for subnet in &req.remove_subnet_ids {
            if let Some(i) = endpoint.interfaces.iter().find(|i| &i.subnet_id == subnet) {
                remove_interface(ctx, &i.network_interface_id)?;
                ctx.tx.remove_endpoint_interface(&endpoint.id, subnet)?;
            }
        }
        endpoint
            .interfaces
            .retain(|i| !req.remove_subnet_ids.contains(&i.subnet_id));
        let mut subnets = Vec::new();
        for (id, _) in &add_subnets {
            let s = ctx.tx.subnet(&ctx.owner(), &IdKind::Subnet.parse(id)?)?;
            subnets.push((s.id, s.vpc_id, s.availability_zone));
        }
        vpc_endpoint::check_subnets(&endpoint.vpc_id, &subnets, &endpoint.interfaces)?;
        for ((subnet_id, _, zone), (_, address)) in subnets.iter().zip(&add_subnets) {
            let interface = add_interface(ctx, &endpoint, subnet_id, zone, address.clone())?;
            ctx.tx.add_endpoint_interface(&endpoint.id, &interface)?;
            endpoint.interfaces.push(interface);
        }
    }
    if req.reset_policy {
        endpoint.policy_document = DEFAULT_POLICY.to_owned();
    } else if let Some(p) = req.policy_document {
        endpoint.policy_document = p;
    }
    if let Some(on) = req.private_dns_enabled {
        endpoint.private_dns_enabled = on;
    }
    ctx.tx.update_vpc_endpoint(&endpoint)?;
    Ok(RETURN_TRUE)
}

/// A gateway endpoint's route tables: removed ones lose its route, added ones (of its VPC,
/// without a route to the same prefix list) gain it.
fn change_routes(
    ctx: &mut Ctx,
    endpoint: &vpc_endpoint::VpcEndpoint,
    req: &ModifyVpcEndpointRequest,
) -> Result<(), Ec2Error> {
    ctx.tx
        .remove_endpoint_routes(&endpoint.id, &req.remove_route_table_ids)?;
    let mut tables = Vec::new();
    for id in &req.add_route_table_ids {
        let t = ctx
            .tx
            .route_table(ctx.account, &IdKind::RouteTable.parse(id)?)?;
        if !endpoint.route_table_ids.contains(&t.id)
            && !tables.iter().any(|(x, _): &(String, String)| x == &t.id)
        {
            tables.push((t.id, t.vpc_id));
        }
    }
    vpc_endpoint::check_route_tables(&endpoint.vpc_id, &tables)?;
    let list = aws_managed(ctx.region.name)
        .into_iter()
        .find(|l| l.name == endpoint.service_name)
        .ok_or_else(Ec2Error::internal)?;
    let ids: Vec<String> = tables.into_iter().map(|(t, _)| t).collect();
    vpc_endpoint::check_route_free(
        &ids,
        &ctx.tx.tables_routing_prefix_list(&list.id)?,
        &list.id,
    )?;
    ctx.tx.add_endpoint_routes(&endpoint.id, &ids, &list.id)
}
