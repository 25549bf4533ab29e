//! NAT gateway actions: Create/Describe/DeleteNatGateway.
//!
//! A gateway lives on a requester-managed interface in its subnet (`interfaceType nat_gateway`);
//! a public one maps its Elastic IPs to that interface's addresses, so the internet gateway's
//! 1:1 NAT carries them like any other. What AWS checks only after accepting the request (no
//! internet gateway, an Elastic IP in use or gone, a full subnet) is stored as the failure the
//! gateway settles to.

use crate::actions::elastic_ip::release_addresses;
use crate::actions::network_interface::create::{NewInterface, create_interface};
use crate::context::Ctx;
use crate::wire::{FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for};
use localvpc_model::elastic_ip::EipAssociation;
use localvpc_model::nat_gateway::{
    self, AddressRequest, Connectivity, Failure, NatAddress, NatGateway, NatState,
};
use localvpc_model::network_interface::{NetworkInterface, Requester};
use localvpc_model::{Ec2Error, ErrorCode, IdKind, Quota};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NatGatewayAddressWire {
    allocation_id: Option<String>,
    network_interface_id: Option<String>,
    private_ip: Option<String>,
    public_ip: Option<String>,
    association_id: Option<String>,
    is_primary: bool,
    failure_message: Option<String>,
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NatGatewayWire {
    create_time: String,
    delete_time: Option<String>,
    failure_code: Option<String>,
    failure_message: Option<String>,
    nat_gateway_addresses: Vec<NatGatewayAddressWire>,
    nat_gateway_id: String,
    state: &'static str,
    subnet_id: String,
    vpc_id: String,
    tags: Option<Vec<TagWire>>,
    connectivity_type: &'static str,
    availability_mode: &'static str,
}

fn view(n: &NatGateway) -> NatGatewayWire {
    NatGatewayWire {
        create_time: n.create_time.clone(),
        delete_time: n.delete_time.clone(),
        failure_code: n
            .failure
            .as_ref()
            .filter(|_| n.state == NatState::Failed)
            .map(|f| f.code.clone()),
        failure_message: n
            .failure
            .as_ref()
            .filter(|_| n.state == NatState::Failed)
            .map(|f| f.message.clone()),
        nat_gateway_addresses: n
            .addresses
            .iter()
            .map(|a| NatGatewayAddressWire {
                allocation_id: a.allocation_id.clone(),
                network_interface_id: n.network_interface_id.clone(),
                private_ip: a.private_ip.map(|p| p.to_string()),
                public_ip: a.public_ip.map(|p| p.to_string()),
                association_id: a.association_id.clone(),
                is_primary: a.is_primary,
                failure_message: n
                    .failure
                    .as_ref()
                    .filter(|_| n.state == NatState::Failed)
                    .map(|f| f.message.clone()),
                status: if n.failure.is_some() {
                    "failed"
                } else {
                    "succeeded"
                },
            })
            .collect(),
        nat_gateway_id: n.id.clone(),
        state: n.state.as_str(),
        subnet_id: n.subnet_id.clone(),
        vpc_id: n.vpc_id.clone(),
        tags: tag_set(&n.tags),
        connectivity_type: n.connectivity.as_str(),
        availability_mode: "zonal",
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateNatGatewayRequest {
    subnet_id: Option<String>,
    allocation_id: Option<String>,
    connectivity_type: Option<String>,
    availability_mode: Option<String>,
    private_ip_address: Option<String>,
    #[serde(default)]
    secondary_allocation_ids: Vec<String>,
    #[serde(default)]
    secondary_private_ip_addresses: Vec<String>,
    secondary_private_ip_address_count: Option<i64>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
    client_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateNatGatewayResponse {
    client_token: Option<String>,
    nat_gateway: NatGatewayWire,
}

/// The Elastic IP an allocation ID names, or why the gateway fails for it.
fn usable_eip(ctx: &Ctx, allocation_id: &str) -> Result<Result<Ipv4Addr, Failure>, Ec2Error> {
    match ctx.tx.elastic_ip(ctx.account, allocation_id) {
        Ok(eip) if eip.association.is_some() => Ok(Err(Failure::eip_associated(allocation_id))),
        Ok(eip) => Ok(Ok(eip.public_ip)),
        Err(e) if e.code == ErrorCode::InvalidAllocationIdNotFound => {
            Ok(Err(Failure::eip_not_found(allocation_id)))
        }
        Err(e) => Err(e),
    }
}

/// CreateNatGateway: `pending` now; the next call sees `available`, or `failed` with AWS's
/// failure code when what it needs is missing.
pub fn create_nat_gateway(
    ctx: &mut Ctx,
    req: CreateNatGatewayRequest,
) -> Result<CreateNatGatewayResponse, Ec2Error> {
    if let Some(mode) = req.availability_mode.as_deref().filter(|m| *m != "zonal") {
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("The availability mode '{mode}' is not supported by localvpc."),
        ));
    }
    let connectivity = match req.connectivity_type.as_deref() {
        None => Connectivity::Public,
        Some(name) => Connectivity::from_name(name)
            .ok_or_else(|| Ec2Error::invalid_parameter("ConnectivityType", name))?,
    };
    let subnet_text = req
        .subnet_id
        .as_deref()
        .ok_or_else(|| Ec2Error::missing_parameter("SubnetId"))?;
    let subnet_id = IdKind::Subnet.parse(subnet_text).map_err(|_| {
        Ec2Error::new(
            ErrorCode::InvalidSubnet,
            format!("The subnet ID '{subnet_text}' is malformed"),
        )
    })?;
    let allocation_ids: Vec<&String> = req
        .allocation_id
        .iter()
        .chain(&req.secondary_allocation_ids)
        .collect();
    for id in &allocation_ids {
        IdKind::Allocation.parse(id).map_err(|_| {
            Ec2Error::new(
                ErrorCode::InvalidElasticIpIdMalformed,
                format!("The elastic-ip ID '{id}' is malformed"),
            )
        })?;
    }
    nat_gateway::check_request(
        connectivity,
        &AddressRequest {
            allocation_id: req.allocation_id.as_deref(),
            secondary_allocation_ids: &req.secondary_allocation_ids,
            private_ip: req.private_ip_address.as_deref(),
            secondary_private_ips: &req.secondary_private_ip_addresses,
            secondary_count: req.secondary_private_ip_address_count,
        },
    )?;
    let tags = tags_for(&req.tag_specifications, IdKind::NatGateway)?;
    let subnet = ctx.tx.subnet(&ctx.owner(), &subnet_id)?;
    ctx.config.quotas.check(
        Quota::NatGatewaysPerAvailabilityZone,
        &subnet.availability_zone,
        ctx.tx
            .count_nat_gateways_in_zone(&subnet.availability_zone)?,
        1,
    )?;
    let id = IdKind::NatGateway.generate();
    let mut failure = None;
    let mut public_ips = Vec::new();
    if connectivity == Connectivity::Public {
        if ctx.tx.internet_gateway_of_vpc(&subnet.vpc_id)?.is_none() {
            failure = Some(Failure::no_internet_gateway(&subnet.vpc_id));
        }
        for allocation_id in &allocation_ids {
            match usable_eip(ctx, allocation_id)? {
                Ok(ip) => public_ips.push(ip),
                Err(f) => {
                    failure.get_or_insert(f);
                }
            }
        }
    }
    let secondary_count = match req.secondary_private_ip_address_count {
        Some(n) => n as u32,
        None if req.secondary_private_ip_addresses.is_empty() => {
            req.secondary_allocation_ids.len() as u32
        }
        None => 0,
    };
    let mut eni = None;
    if failure.is_none() {
        let new = NewInterface {
            subnet_id: subnet.id.clone(),
            description: nat_gateway::interface_description(&id),
            primary: req.private_ip_address.clone(),
            secondaries: req.secondary_private_ip_addresses.clone(),
            secondary_count,
            interface_type: "nat_gateway".into(),
            requester: Some(Requester {
                requester_id: nat_gateway::REQUESTER_ID.into(),
                attachment_id: IdKind::ServiceAttachment.generate(),
                attach_time: ctx.now.clone(),
            }),
            ..Default::default()
        };
        match create_interface(ctx, new) {
            Ok(created) => eni = Some(created),
            Err(e) if e.code == ErrorCode::InsufficientFreeAddressesInSubnet => {
                failure = Some(Failure::subnet_full());
            }
            Err(e) => return Err(e),
        }
    }
    let addresses = match &eni {
        Some(eni) => associate(ctx, eni, &allocation_ids)?,
        None => allocation_ids
            .iter()
            .enumerate()
            .map(|(i, a)| NatAddress {
                private_ip: None,
                allocation_id: Some((*a).clone()),
                public_ip: None,
                association_id: None,
                is_primary: i == 0,
            })
            .collect(),
    };
    let nat = NatGateway {
        id,
        vpc_id: subnet.vpc_id.clone(),
        subnet_id: subnet.id.clone(),
        connectivity,
        state: NatState::Pending,
        failure,
        create_time: ctx.now.clone(),
        delete_time: None,
        network_interface_id: eni.map(|e| e.id),
        addresses,
        tags,
    };
    ctx.tx
        .insert_nat_gateway(&nat, &subnet.availability_zone, &ctx.now)?;
    Ok(CreateNatGatewayResponse {
        client_token: req.client_token,
        nat_gateway: view(&nat),
    })
}

/// Maps each Elastic IP to the interface's address of the same rank (the first to the
/// primary); the addresses beyond them stay private.
fn associate(
    ctx: &mut Ctx,
    eni: &NetworkInterface,
    allocation_ids: &[&String],
) -> Result<Vec<NatAddress>, Ec2Error> {
    let mut out = Vec::new();
    for (i, ip) in eni.private_ips.iter().enumerate() {
        let mut address = NatAddress {
            private_ip: Some(ip.address),
            allocation_id: None,
            public_ip: None,
            association_id: None,
            is_primary: ip.primary,
        };
        if let Some(allocation_id) = allocation_ids.get(i) {
            let eip = ctx.tx.elastic_ip(ctx.account, allocation_id)?;
            let association = EipAssociation {
                association_id: IdKind::EipAssociation.generate(),
                network_interface_id: eni.id.clone(),
                subnet_id: eni.subnet_id.clone(),
                private_ip: ip.address,
                instance_id: None,
            };
            ctx.tx
                .associate_elastic_ip(&eip.allocation_id, &association)?;
            address.allocation_id = Some(eip.allocation_id);
            address.public_ip = Some(eip.public_ip);
            address.association_id = Some(association.association_id);
        }
        out.push(address);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeNatGatewaysRequest {
    /// The model names this member `Filter` (most Describe calls say `Filters`).
    #[serde(default, rename = "Filter")]
    filters: Vec<FilterWire>,
    #[serde(default)]
    nat_gateway_ids: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeNatGatewaysResponse {
    nat_gateways: Vec<NatGatewayWire>,
    next_token: Option<String>,
}

pub fn describe_nat_gateways(
    ctx: &mut Ctx,
    req: DescribeNatGatewaysRequest,
) -> Result<DescribeNatGatewaysResponse, Ec2Error> {
    let (nats, next_token) = select(
        ctx.tx.nat_gateways()?,
        |n| &n.id,
        nat_gateway::FILTERS,
        Selection {
            kind: IdKind::NatGateway,
            ids: &req.nat_gateway_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: nat_gateway::PAGE_LIMITS,
        },
    )?;
    Ok(DescribeNatGatewaysResponse {
        nat_gateways: nats.iter().map(view).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteNatGatewayRequest {
    nat_gateway_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteNatGatewayResponse {
    nat_gateway_id: String,
}

/// DeleteNatGateway: `deleting` now, `deleted` from the next call on. Its Elastic IPs are
/// disassociated (they stay allocated) and its interface goes; routes to it become `blackhole`.
pub fn delete_nat_gateway(
    ctx: &mut Ctx,
    req: DeleteNatGatewayRequest,
) -> Result<DeleteNatGatewayResponse, Ec2Error> {
    let nat = ctx
        .tx
        .nat_gateway(&IdKind::NatGateway.parse(&req.nat_gateway_id)?)?;
    nat_gateway::check_delete(&nat)?;
    if let Some(eni_id) = nat
        .network_interface_id
        .as_deref()
        .filter(|_| nat.failure.is_none())
    {
        let eni = ctx.tx.network_interface(ctx.account, eni_id)?;
        let addresses: Vec<Ipv4Addr> = eni.private_ips.iter().map(|p| p.address).collect();
        release_addresses(ctx, &eni, &addresses)?;
        ctx.tx.delete_network_interface(&eni.id)?;
    }
    ctx.tx.set_nat_gateway_deleting(&nat.id, &ctx.now)?;
    Ok(DeleteNatGatewayResponse {
        nat_gateway_id: nat.id,
    })
}
