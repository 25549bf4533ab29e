//! Elastic IP actions: Allocate/Associate/Disassociate/Release/DescribeAddresses, and the effects
//! other actions have on Elastic IPs (an unassigned or deleted address loses its Elastic IP,
//! which stays allocated).

use crate::context::Ctx;
use crate::wire::{
    Empty, FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for,
};
use localvpc_model::elastic_ip::{self, EipAssociation, ElasticIp};
use localvpc_model::network_interface::{self, NetworkInterface};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::{Ec2Error, IdKind, Quota, public_ip};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddressWire {
    public_ip: String,
    allocation_id: String,
    domain: &'static str,
    public_ipv4_pool: &'static str,
    network_border_group: String,
    association_id: Option<String>,
    instance_id: Option<String>,
    network_interface_id: Option<String>,
    network_interface_owner_id: Option<String>,
    private_ip_address: Option<String>,
    subnet_id: Option<String>,
    tags: Option<Vec<TagWire>>,
}

fn view(e: &ElasticIp) -> AddressWire {
    let a = e.association.as_ref();
    AddressWire {
        public_ip: e.public_ip.to_string(),
        allocation_id: e.allocation_id.clone(),
        domain: "vpc",
        public_ipv4_pool: "amazon",
        network_border_group: e.network_border_group.clone(),
        association_id: a.map(|a| a.association_id.clone()),
        instance_id: a.and_then(|a| a.instance_id.clone()),
        network_interface_id: a.map(|a| a.network_interface_id.clone()),
        network_interface_owner_id: a.map(|_| e.owner_id.clone()),
        private_ip_address: a.map(|a| a.private_ip.to_string()),
        subnet_id: a.map(|a| a.subnet_id.clone()),
        tags: tag_set(&e.tags),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AllocateAddressRequest {
    domain: Option<String>,
    /// A specific address of the pool (recovering a released Elastic IP).
    address: Option<String>,
    public_ipv4_pool: Option<String>,
    network_border_group: Option<String>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AllocateAddressResponse {
    public_ip: String,
    allocation_id: String,
    public_ipv4_pool: &'static str,
    network_border_group: String,
    domain: &'static str,
}

/// AllocateAddress: a `vpc` address from localvpc's public pool (the one `Address` names, or the
/// first free one), within the region's quota.
pub fn allocate_address(
    ctx: &mut Ctx,
    req: AllocateAddressRequest,
) -> Result<AllocateAddressResponse, Ec2Error> {
    let group = elastic_ip::check_allocation(
        req.domain.as_deref(),
        req.public_ipv4_pool.as_deref(),
        req.network_border_group.as_deref(),
        ctx.region.name,
    )?;
    let tags = tags_for(&req.tag_specifications, IdKind::Allocation)?;
    ctx.config.quotas.check(
        Quota::ElasticIpsPerRegion,
        "",
        ctx.tx.count_elastic_ips()?,
        1,
    )?;
    let (pool, used) = (&ctx.config.public_ip_pool, ctx.tx.public_ips_in_use()?);
    let public_ip = match &req.address {
        Some(text) => public_ip::claim(pool, &used, text)?,
        None => public_ip::allocate(pool, &used)?,
    };
    let eip = ElasticIp {
        allocation_id: IdKind::Allocation.generate(),
        public_ip,
        owner_id: ctx.account.to_owned(),
        network_border_group: group,
        association: None,
        ptr_record: None,
        tags,
    };
    ctx.tx.insert_elastic_ip(&eip)?;
    Ok(AllocateAddressResponse {
        public_ip: eip.public_ip.to_string(),
        allocation_id: eip.allocation_id,
        public_ipv4_pool: "amazon",
        network_border_group: eip.network_border_group,
        domain: "vpc",
    })
}

/// Finds an Elastic IP by allocation ID or (deprecated) public IP.
fn find(
    ctx: &mut Ctx,
    allocation_id: Option<&str>,
    public_ip: Option<&str>,
) -> Result<ElasticIp, Ec2Error> {
    match (allocation_id, public_ip) {
        (Some(id), _) => ctx
            .tx
            .elastic_ip(ctx.account, &IdKind::Allocation.parse(id)?),
        (None, Some(ip)) => {
            elastic_ip::by_public_ip(&ctx.tx.elastic_ips(ctx.account)?, ip).cloned()
        }
        (None, None) => Err(Ec2Error::missing_parameter("AllocationId")),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssociateAddressRequest {
    allocation_id: Option<String>,
    public_ip: Option<String>,
    instance_id: Option<String>,
    network_interface_id: Option<String>,
    private_ip_address: Option<String>,
    allow_reassociation: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociateAddressResponse {
    association_id: String,
}

/// The interface an AssociateAddress names, directly or through a single-interface instance.
fn target_interface(
    ctx: &mut Ctx,
    req: &AssociateAddressRequest,
) -> Result<NetworkInterface, Ec2Error> {
    let (eni, instance) = match (&req.instance_id, &req.network_interface_id) {
        (Some(_), Some(_)) => {
            return Err(Ec2Error::combination(
                "You may specify either an instance or a network interface, but not both.",
            ));
        }
        (None, None) => {
            return Err(Ec2Error::missing_parameter(
                "InstanceId or NetworkInterfaceId",
            ));
        }
        (Some(id), None) => {
            let instance = ctx.tx.instance(ctx.account, &IdKind::Instance.parse(id)?)?;
            (
                elastic_ip::instance_interface(&instance)?.clone(),
                Some(instance),
            )
        }
        (None, Some(id)) => {
            let eni = ctx
                .tx
                .network_interface(ctx.account, &IdKind::NetworkInterface.parse(id)?)?;
            let instance = match &eni.attachment {
                Some(a) => Some(ctx.tx.instance(ctx.account, &a.instance_id)?),
                None => None,
            };
            (eni, instance)
        }
    };
    if let Some(i) = &instance {
        elastic_ip::check_instance_state(i)?;
    }
    Ok(eni)
}

/// AssociateAddress: one Elastic IP per private address and one address per Elastic IP. An
/// address that already has one gets the new one (the old stays allocated); an Elastic IP in use
/// elsewhere moves unless `AllowReassociation=false`; the VPC needs an internet gateway.
pub fn associate_address(
    ctx: &mut Ctx,
    req: AssociateAddressRequest,
) -> Result<AssociateAddressResponse, Ec2Error> {
    let eip = find(ctx, req.allocation_id.as_deref(), req.public_ip.as_deref())?;
    check_not_held_by_service(ctx, &eip)?;
    let eni = target_interface(ctx, &req)?;
    network_interface::check_user_managed(&eni)?;
    let private_ip = elastic_ip::association_private_ip(&eni, req.private_ip_address.as_deref())?;
    let attached = ctx.tx.internet_gateway_of_vpc(&eni.vpc_id)?.is_some();
    elastic_ip::check_gateway(&eni.vpc_id, attached)?;
    if let Some(current) = &eip.association
        && current.network_interface_id == eni.id
        && current.private_ip == private_ip
    {
        return Ok(AssociateAddressResponse {
            association_id: current.association_id.clone(),
        });
    }
    elastic_ip::check_reassociation(&eip, req.allow_reassociation)?;
    if eip.association.is_some() {
        disassociate(ctx, &eip)?;
    }
    if let Some(previous) = ctx
        .tx
        .elastic_ip_of_address(ctx.account, &eni.subnet_id, private_ip)?
    {
        disassociate(ctx, &previous)?;
    }
    let association = EipAssociation {
        association_id: IdKind::EipAssociation.generate(),
        network_interface_id: eni.id.clone(),
        subnet_id: eni.subnet_id.clone(),
        private_ip,
        instance_id: eni.attachment.as_ref().map(|a| a.instance_id.clone()),
    };
    ctx.tx
        .associate_elastic_ip(&eip.allocation_id, &association)?;
    // The primary address of device 0 can map one public address only: the auto-assigned one goes.
    if let Some(a) = eni
        .attachment
        .as_ref()
        .filter(|a| a.device_index == 0 && a.network_card_index == 0)
        && private_ip == eni.primary_ip()
    {
        let mut instance = ctx.tx.instance(ctx.account, &a.instance_id)?;
        if instance.public_ip.take().is_some() {
            ctx.tx.update_instance(&instance)?;
        }
    }
    Ok(AssociateAddressResponse {
        association_id: association.association_id,
    })
}

/// An Elastic IP a NAT gateway holds is not the user's to move, disassociate or release.
fn check_not_held_by_service(ctx: &mut Ctx, eip: &ElasticIp) -> Result<(), Ec2Error> {
    match &eip.association {
        Some(a) => network_interface::check_user_managed(
            &ctx.tx
                .network_interface(ctx.account, &a.network_interface_id)?,
        ),
        None => Ok(()),
    }
}

/// Ends an Elastic IP's association; the instance it left gets a fresh auto-assigned public IPv4
/// if it was launched with one and AWS's conditions hold (running, one interface, no other
/// Elastic IP on it).
fn disassociate(ctx: &mut Ctx, eip: &ElasticIp) -> Result<(), Ec2Error> {
    ctx.tx.disassociate_elastic_ip(&eip.allocation_id)?;
    let Some(instance_id) = eip.association.as_ref().and_then(|a| a.instance_id.clone()) else {
        return Ok(());
    };
    let mut instance = ctx.tx.instance(ctx.account, &instance_id)?;
    if elastic_ip::regains_public_ip(&instance) {
        instance.public_ip = Some(public_ip::allocate(
            &ctx.config.public_ip_pool,
            &ctx.tx.public_ips_in_use()?,
        )?);
        ctx.tx.update_instance(&instance)?;
    }
    Ok(())
}

/// Disassociates the Elastic IPs of addresses that are going away (unassigned, or their
/// interface deleted); the Elastic IPs stay allocated to the account.
pub fn release_addresses(
    ctx: &mut Ctx,
    eni: &NetworkInterface,
    addresses: &[Ipv4Addr],
) -> Result<(), Ec2Error> {
    for eip in ctx.tx.elastic_ips_of_interface(ctx.account, &eni.id)? {
        if eip
            .association
            .as_ref()
            .is_some_and(|a| addresses.contains(&a.private_ip))
        {
            ctx.tx.disassociate_elastic_ip(&eip.allocation_id)?;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DisassociateAddressRequest {
    association_id: Option<String>,
    public_ip: Option<String>,
}

/// DisassociateAddress: by association ID (or public IP); repeating it is not an error.
pub fn disassociate_address(
    ctx: &mut Ctx,
    req: DisassociateAddressRequest,
) -> Result<Empty, Ec2Error> {
    let eip = match (&req.association_id, &req.public_ip) {
        (Some(id), _) => {
            let id = IdKind::EipAssociation.parse(id)?;
            match ctx.tx.elastic_ip_by_association(ctx.account, &id)? {
                Some(eip) => eip,
                None if ctx.tx.eip_association_ended(&id)? => return Ok(Empty {}),
                None => return Err(IdKind::EipAssociation.not_found(&id)),
            }
        }
        (None, Some(ip)) => find(ctx, None, Some(ip))?,
        (None, None) => return Err(Ec2Error::missing_parameter("AssociationId")),
    };
    check_not_held_by_service(ctx, &eip)?;
    if eip.association.is_some() {
        disassociate(ctx, &eip)?;
    }
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ReleaseAddressRequest {
    allocation_id: Option<String>,
    public_ip: Option<String>,
    network_border_group: Option<String>,
}

/// ReleaseAddress: an associated address must be disassociated first (outside the default VPC,
/// where EC2 disassociates it for you).
pub fn release_address(ctx: &mut Ctx, req: ReleaseAddressRequest) -> Result<Empty, Ec2Error> {
    let eip = find(ctx, req.allocation_id.as_deref(), req.public_ip.as_deref())?;
    check_not_held_by_service(ctx, &eip)?;
    let in_default_vpc = match &eip.association {
        Some(a) => {
            let eni = ctx
                .tx
                .network_interface(ctx.account, &a.network_interface_id)?;
            ctx.tx.default_vpc_id()?.as_deref() == Some(eni.vpc_id.as_str())
        }
        None => false,
    };
    elastic_ip::check_release(&eip, in_default_vpc, req.network_border_group.as_deref())?;
    if eip.association.is_some() {
        disassociate(ctx, &eip)?;
    }
    ctx.tx.delete_elastic_ip(&eip.allocation_id)?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeAddressesRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    #[serde(default)]
    public_ips: Vec<String>,
    #[serde(default)]
    allocation_ids: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAddressesResponse {
    addresses: Vec<AddressWire>,
}

/// DescribeAddresses (not paginated): unknown public IPs and allocation IDs are errors.
pub fn describe_addresses(
    ctx: &mut Ctx,
    req: DescribeAddressesRequest,
) -> Result<DescribeAddressesResponse, Ec2Error> {
    let all = ctx.tx.elastic_ips(ctx.account)?;
    for ip in &req.public_ips {
        elastic_ip::by_public_ip(&all, ip)?;
    }
    let mut all = all;
    if !req.public_ips.is_empty() {
        all.retain(|e| req.public_ips.contains(&e.public_ip.to_string()));
    }
    let (eips, _) = select(
        all,
        |e| &e.allocation_id,
        elastic_ip::FILTERS,
        Selection {
            kind: IdKind::Allocation,
            ids: &req.allocation_ids,
            filters: &req.filters,
            max_results: None,
            next_token: None,
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(DescribeAddressesResponse {
        addresses: eips.iter().map(view).collect(),
    })
}
