//! VPC endpoint actions: Create/Modify/Describe/DeleteVpcEndpoints and
//! DescribeVpcEndpointServices.
//!
//! A gateway endpoint is its routes (the service's AWS-managed prefix list to `vpce-…` in each
//! chosen table), stored with the endpoint and shown by DescribeRouteTables. An interface
//! endpoint holds one requester-managed interface per subnet, carrying the endpoint's groups,
//! which the data plane answers on (the service's stand-in inside the VPC).

mod modify;
mod services;

pub use modify::modify_vpc_endpoint;
pub use services::describe_vpc_endpoint_services;

use crate::actions::elastic_ip::release_addresses;
use crate::actions::network_interface::create::{NewInterface, create_interface, resolve_groups};
use crate::context::Ctx;
use crate::wire::{FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for};
use localvpc_model::network_interface::Requester;
use localvpc_model::prefix_list::aws_managed;
use localvpc_model::vpc_endpoint::{
    self, DEFAULT_POLICY, EndpointInterface, EndpointRequest, EndpointState, EndpointType,
    REQUESTER_ID, VpcEndpoint,
};
use localvpc_model::{Ec2Error, ErrorCode, IdKind};
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// Interface endpoints per VPC, and gateway endpoints per region (Amazon VPC quotas).
const INTERFACE_ENDPOINTS_PER_VPC: usize = 50;
const GATEWAY_ENDPOINTS_PER_REGION: usize = 20;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupWire {
    group_id: String,
    group_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DnsEntryWire {
    dns_name: String,
    hosted_zone_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DnsOptionsWire {
    dns_record_ip_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VpcEndpointWire {
    vpc_endpoint_id: String,
    vpc_endpoint_type: &'static str,
    vpc_id: String,
    service_name: String,
    state: &'static str,
    policy_document: String,
    route_table_ids: Vec<String>,
    subnet_ids: Vec<String>,
    groups: Vec<GroupWire>,
    ip_address_type: &'static str,
    dns_options: Option<DnsOptionsWire>,
    private_dns_enabled: bool,
    requester_managed: bool,
    network_interface_ids: Vec<String>,
    dns_entries: Vec<DnsEntryWire>,
    creation_timestamp: String,
    tags: Option<Vec<TagWire>>,
    owner_id: String,
}

/// The wire shape; group names are looked up in the endpoint's VPC.
fn view(ctx: &mut Ctx, e: &VpcEndpoint) -> Result<VpcEndpointWire, Ec2Error> {
    let names = if e.group_ids.is_empty() {
        Vec::new()
    } else {
        ctx.tx.security_group_refs(&e.vpc_id)?
    };
    let interface = e.endpoint_type == EndpointType::Interface;
    Ok(VpcEndpointWire {
        vpc_endpoint_id: e.id.clone(),
        vpc_endpoint_type: e.endpoint_type.as_str(),
        vpc_id: e.vpc_id.clone(),
        service_name: e.service_name.clone(),
        state: e.state.as_str(),
        policy_document: e.policy_document.clone(),
        route_table_ids: e.route_table_ids.clone(),
        subnet_ids: e.interfaces.iter().map(|i| i.subnet_id.clone()).collect(),
        groups: e
            .group_ids
            .iter()
            .map(|id| GroupWire {
                group_id: id.clone(),
                group_name: names
                    .iter()
                    .find(|g| &g.id == id)
                    .map(|g| g.name.clone())
                    .unwrap_or_default(),
            })
            .collect(),
        ip_address_type: "ipv4",
        dns_options: interface.then_some(DnsOptionsWire {
            dns_record_ip_type: "ipv4",
        }),
        private_dns_enabled: e.private_dns_enabled,
        requester_managed: false,
        network_interface_ids: e
            .interfaces
            .iter()
            .map(|i| i.network_interface_id.clone())
            .collect(),
        dns_entries: e
            .dns_entries(ctx.region.name)
            .into_iter()
            .map(|d| DnsEntryWire {
                dns_name: d.dns_name,
                hosted_zone_id: d.hosted_zone_id,
            })
            .collect(),
        creation_timestamp: e.creation_timestamp.clone(),
        tags: tag_set(&e.tags),
        owner_id: e.owner_id.clone(),
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DnsOptionsSpecification {
    dns_record_ip_type: Option<String>,
    private_dns_only_for_inbound_resolver_endpoint: Option<bool>,
    private_dns_preference: Option<String>,
    #[serde(default)]
    private_dns_specified_domains: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SubnetConfiguration {
    subnet_id: Option<String>,
    ipv4: Option<String>,
    ipv6: Option<String>,
}

/// Options localvpc's endpoints (IPv4, AWS's own DNS) do not have: their defaults are accepted,
/// anything else would change what the endpoint is and is refused.
fn check_ip_options(
    endpoint_type: EndpointType,
    ip_address_type: Option<&str>,
    dns: Option<&DnsOptionsSpecification>,
) -> Result<(), Ec2Error> {
    let unsupported = |what: String| {
        Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("{what} is not supported by localvpc's VPC endpoints (IPv4 only)."),
        )
    };
    if let Some(t) = ip_address_type.filter(|t| *t != "ipv4") {
        return Err(unsupported(format!("IpAddressType {t}")));
    }
    let Some(dns) = dns else { return Ok(()) };
    if dns.private_dns_only_for_inbound_resolver_endpoint == Some(true) {
        return Err(match endpoint_type {
            EndpointType::Gateway => Ec2Error::new(
                ErrorCode::InvalidParameter,
                "DnsOptions PrivateDnsOnlyForInboundResolverEndpoint is applicable only to Interface VPC Endpoints.",
            ),
            EndpointType::Interface => {
                unsupported("DnsOptions.PrivateDnsOnlyForInboundResolverEndpoint".into())
            }
        });
    }
    if let Some(t) = dns.dns_record_ip_type.as_deref().filter(|t| *t != "ipv4") {
        return Err(unsupported(format!("DnsOptions.DnsRecordIpType {t}")));
    }
    if dns.private_dns_preference.is_some() || !dns.private_dns_specified_domains.is_empty() {
        return Err(unsupported("DnsOptions.PrivateDnsPreference".into()));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateVpcEndpointRequest {
    vpc_endpoint_type: Option<String>,
    vpc_id: Option<String>,
    service_name: Option<String>,
    policy_document: Option<String>,
    #[serde(default)]
    route_table_ids: Vec<String>,
    #[serde(default)]
    subnet_ids: Vec<String>,
    #[serde(default)]
    security_group_ids: Vec<String>,
    ip_address_type: Option<String>,
    dns_options: Option<DnsOptionsSpecification>,
    client_token: Option<String>,
    private_dns_enabled: Option<bool>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
    #[serde(default)]
    subnet_configurations: Vec<SubnetConfiguration>,
    service_network_arn: Option<String>,
    resource_configuration_arn: Option<String>,
    service_region: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateVpcEndpointResponse {
    vpc_endpoint: VpcEndpointWire,
    client_token: Option<String>,
}

/// The subnets an interface endpoint is asked for, each with the address it should take
/// (`SubnetConfigurations`), in request order without repeats.
fn requested_subnets(
    subnet_ids: &[String],
    configurations: &[SubnetConfiguration],
) -> Result<Vec<(String, Option<String>)>, Ec2Error> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for c in configurations {
        if c.ipv6.is_some() {
            return Err(Ec2Error::new(
                ErrorCode::UnsupportedOperation,
                "SubnetConfiguration.Ipv6 is not supported by localvpc's VPC endpoints (IPv4 only).",
            ));
        }
        let id = c
            .subnet_id
            .clone()
            .ok_or_else(|| Ec2Error::missing_parameter("SubnetConfiguration.SubnetId"))?;
        out.push((id, c.ipv4.clone()));
    }
    for id in subnet_ids {
        if !out.iter().any(|(s, _)| s == id) {
            out.push((id.clone(), None));
        }
    }
    Ok(out)
}

/// CreateVpcEndpoint: a gateway endpoint is `available` at once with its routes; an interface
/// endpoint is `pending` (until the next call) with its interfaces made.
pub fn create_vpc_endpoint(
    ctx: &mut Ctx,
    req: CreateVpcEndpointRequest,
) -> Result<CreateVpcEndpointResponse, Ec2Error> {
    if let Some(arn) = req
        .service_network_arn
        .as_ref()
        .or(req.resource_configuration_arn.as_ref())
    {
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("localvpc has no VPC Lattice resources ({arn})."),
        ));
    }
    if let Some(r) = req
        .service_region
        .as_deref()
        .filter(|r| *r != ctx.region.name)
    {
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("Cross-region endpoints (ServiceRegion {r}) are not supported by localvpc."),
        ));
    }
    let endpoint_type = EndpointType::requested(req.vpc_endpoint_type.as_deref())?;
    let vpc_text = req
        .vpc_id
        .as_deref()
        .ok_or_else(|| Ec2Error::missing_parameter("VpcId"))?;
    let service_name = req
        .service_name
        .as_deref()
        .ok_or_else(|| Ec2Error::missing_parameter("ServiceName"))?;
    check_ip_options(
        endpoint_type,
        req.ip_address_type.as_deref(),
        req.dns_options.as_ref(),
    )?;
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(vpc_text)?)?;
    let service = vpc_endpoint::find_service(ctx.region, service_name, endpoint_type)?;
    if let Some(p) = &req.policy_document {
        vpc_endpoint::check_policy(p)?;
    }
    let tags = tags_for(&req.tag_specifications, IdKind::VpcEndpoint)?;
    let mut route_tables = Vec::new();
    for id in &req.route_table_ids {
        let table = ctx
            .tx
            .route_table(ctx.account, &IdKind::RouteTable.parse(id)?)?;
        if !route_tables
            .iter()
            .any(|(t, _): &(String, String)| t == &table.id)
        {
            route_tables.push((table.id, table.vpc_id));
        }
    }
    let wanted = requested_subnets(&req.subnet_ids, &req.subnet_configurations)?;
    let mut subnets = Vec::new();
    for (id, _) in &wanted {
        let subnet = ctx.tx.subnet(&ctx.owner(), &IdKind::Subnet.parse(id)?)?;
        subnets.push((subnet.id, subnet.vpc_id, subnet.availability_zone));
    }
    let private_dns_enabled = vpc_endpoint::check_create(&EndpointRequest {
        endpoint_type,
        vpc_id: &vpc.id,
        route_tables: &route_tables,
        subnets: &subnets,
        has_security_groups: !req.security_group_ids.is_empty(),
        private_dns_enabled: req.private_dns_enabled,
        vpc_dns: (vpc.enable_dns_support, vpc.enable_dns_hostnames),
    })?;
    let (in_use, limit, scope) = match endpoint_type {
        EndpointType::Gateway => (
            ctx.tx.count_vpc_endpoints(Some(endpoint_type), None)?,
            GATEWAY_ENDPOINTS_PER_REGION,
            "gateway VPC endpoints in this region",
        ),
        EndpointType::Interface => (
            ctx.tx
                .count_vpc_endpoints(Some(endpoint_type), Some(&vpc.id))?,
            INTERFACE_ENDPOINTS_PER_VPC,
            "interface VPC endpoints in this VPC",
        ),
    };
    if in_use >= limit {
        return Err(Ec2Error::new(
            ErrorCode::VpcEndpointLimitExceeded,
            format!("The maximum number of {scope} has been reached ({limit})."),
        ));
    }
    let id = IdKind::VpcEndpoint.generate();
    let prefix_list_id = match endpoint_type {
        EndpointType::Gateway => {
            let list = aws_managed(ctx.region.name)
                .into_iter()
                .find(|l| l.name == service.name)
                .ok_or_else(Ec2Error::internal)?;
            let tables: Vec<String> = route_tables.iter().map(|(t, _)| t.clone()).collect();
            vpc_endpoint::check_route_free(
                &tables,
                &ctx.tx.tables_routing_prefix_list(&list.id)?,
                &list.id,
            )?;
            Some(list.id)
        }
        EndpointType::Interface => None,
    };
    let group_ids: Vec<String> = match endpoint_type {
        EndpointType::Gateway => Vec::new(),
        EndpointType::Interface => resolve_groups(ctx, &vpc.id, &req.security_group_ids)?
            .into_iter()
            .map(|g| g.id)
            .collect(),
    };
    let mut endpoint = VpcEndpoint {
        id,
        vpc_id: vpc.id.clone(),
        owner_id: ctx.account.to_owned(),
        service_name: service.name.clone(),
        endpoint_type,
        state: match endpoint_type {
            EndpointType::Gateway => EndpointState::Available,
            EndpointType::Interface => EndpointState::Pending,
        },
        policy_document: req
            .policy_document
            .clone()
            .unwrap_or_else(|| DEFAULT_POLICY.to_owned()),
        route_table_ids: route_tables.into_iter().map(|(t, _)| t).collect(),
        interfaces: Vec::new(),
        group_ids,
        private_dns_enabled,
        dns_label: dns_label(),
        creation_timestamp: ctx.now.clone(),
        tags,
    };
    for ((subnet_id, _, zone), (_, address)) in subnets.iter().zip(&wanted) {
        let interface = add_interface(ctx, &endpoint, subnet_id, zone, address.clone())?;
        endpoint.interfaces.push(interface);
    }
    let settles_at = (endpoint.state == EndpointState::Pending).then(|| ctx.now.clone());
    ctx.tx
        .insert_vpc_endpoint(&endpoint, prefix_list_id.as_deref(), settles_at.as_deref())?;
    Ok(CreateVpcEndpointResponse {
        vpc_endpoint: view(ctx, &endpoint)?,
        client_token: req.client_token,
    })
}

/// Eight lower-case letters and digits, as AWS's endpoint DNS names carry.
fn dns_label() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Makes an interface endpoint's interface in one subnet (AWS's description and requester).
fn add_interface(
    ctx: &mut Ctx,
    endpoint: &VpcEndpoint,
    subnet_id: &str,
    zone: &str,
    address: Option<String>,
) -> Result<EndpointInterface, Ec2Error> {
    let eni = create_interface(
        ctx,
        NewInterface {
            subnet_id: subnet_id.to_owned(),
            description: format!("VPC Endpoint Interface {}", endpoint.id),
            primary: address,
            group_ids: endpoint.group_ids.clone(),
            interface_type: "vpc_endpoint".into(),
            requester: Some(Requester {
                requester_id: REQUESTER_ID.into(),
                attachment_id: IdKind::ServiceAttachment.generate(),
                attach_time: ctx.now.clone(),
            }),
            ..Default::default()
        },
    )?;
    Ok(EndpointInterface {
        subnet_id: subnet_id.to_owned(),
        availability_zone: zone.to_owned(),
        network_interface_id: eni.id,
    })
}

/// Deletes an interface endpoint's interface (its addresses go back to the subnet).
fn remove_interface(ctx: &mut Ctx, eni_id: &str) -> Result<(), Ec2Error> {
    let eni = ctx.tx.network_interface(ctx.account, eni_id)?;
    let addresses: Vec<Ipv4Addr> = eni.private_ips.iter().map(|p| p.address).collect();
    release_addresses(ctx, &eni, &addresses)?;
    ctx.tx.delete_network_interface(&eni.id)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeVpcEndpointsRequest {
    #[serde(default)]
    vpc_endpoint_ids: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeVpcEndpointsResponse {
    vpc_endpoints: Vec<VpcEndpointWire>,
    next_token: Option<String>,
}

pub fn describe_vpc_endpoints(
    ctx: &mut Ctx,
    req: DescribeVpcEndpointsRequest,
) -> Result<DescribeVpcEndpointsResponse, Ec2Error> {
    let (endpoints, next_token) = select(
        ctx.tx.vpc_endpoints()?,
        |e| &e.id,
        vpc_endpoint::FILTERS,
        Selection {
            kind: IdKind::VpcEndpoint,
            ids: &req.vpc_endpoint_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: vpc_endpoint::PAGE_LIMITS,
        },
    )?;
    let vpc_endpoints = endpoints
        .iter()
        .map(|e| view(ctx, e))
        .collect::<Result<_, _>>()?;
    Ok(DescribeVpcEndpointsResponse {
        vpc_endpoints,
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteVpcEndpointsRequest {
    #[serde(default)]
    vpc_endpoint_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnsuccessfulItemError {
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnsuccessfulItem {
    error: UnsuccessfulItemError,
    resource_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteVpcEndpointsResponse {
    unsuccessful: Vec<UnsuccessfulItem>,
}

/// DeleteVpcEndpoints answers 200 and lists each endpoint it could not delete; the others go
/// (`deleting` now, `deleted` from the next call), with their routes and interfaces.
pub fn delete_vpc_endpoints(
    ctx: &mut Ctx,
    req: DeleteVpcEndpointsRequest,
) -> Result<DeleteVpcEndpointsResponse, Ec2Error> {
    if req.vpc_endpoint_ids.is_empty() {
        return Err(Ec2Error::missing_parameter("VpcEndpointId"));
    }
    let mut unsuccessful = Vec::new();
    for id in &req.vpc_endpoint_ids {
        if let Err(e) = delete_one(ctx, id) {
            let e = if e.code == ErrorCode::InvalidVpcEndpointIdNotFound {
                Ec2Error::new(
                    ErrorCode::InvalidVpcEndpointNotFound,
                    format!("The Vpc Endpoint Id '{id}' does not exist"),
                )
            } else {
                e
            };
            unsuccessful.push(UnsuccessfulItem {
                error: UnsuccessfulItemError {
                    code: e.code.as_str(),
                    message: e.message,
                },
                resource_id: id.clone(),
            });
        }
    }
    Ok(DeleteVpcEndpointsResponse { unsuccessful })
}

fn delete_one(ctx: &mut Ctx, id: &str) -> Result<(), Ec2Error> {
    let endpoint = ctx.tx.vpc_endpoint(&IdKind::VpcEndpoint.parse(id)?)?;
    if endpoint.state.is_gone() {
        return Err(IdKind::VpcEndpoint.not_found(id));
    }
    for i in &endpoint.interfaces {
        remove_interface(ctx, &i.network_interface_id)?;
    }
    ctx.tx.set_vpc_endpoint_deleting(&endpoint.id, &ctx.now)
}
