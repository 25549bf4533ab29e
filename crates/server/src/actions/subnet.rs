//! Subnet actions: CreateSubnet, DescribeSubnets, DeleteSubnet, ModifySubnetAttribute.

use crate::context::Ctx;
use crate::provision;
use crate::wire::{
    BoolValue, Empty, FilterWire, Selection, TagSpecification, TagWire, select, tag_set, tags_for,
};
use localvpc_model::ipv6::{self, SubnetIpv6Block};
use localvpc_model::page::DEFAULT_LIMITS;
use localvpc_model::subnet::{self, Placement, Subnet};
use localvpc_model::{Ec2Error, ErrorCode, IdKind, Quota};
use localvpc_store::{SubnetId, VpcId};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrivateDnsNameOptions {
    hostname_type: String,
    enable_resource_name_dns_a_record: bool,
    #[serde(rename = "EnableResourceNameDnsAAAARecord")]
    enable_resource_name_dns_aaaa_record: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlockPublicAccessStates {
    internet_gateway_block_mode: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubnetWire {
    subnet_id: String,
    subnet_arn: String,
    vpc_id: String,
    owner_id: String,
    state: &'static str,
    cidr_block: String,
    available_ip_address_count: u64,
    availability_zone: String,
    availability_zone_id: String,
    default_for_az: bool,
    map_public_ip_on_launch: bool,
    map_customer_owned_ip_on_launch: bool,
    assign_ipv6_address_on_creation: bool,
    ipv6_cidr_block_association_set: Vec<SubnetIpv6AssociationWire>,
    enable_dns64: bool,
    ipv6_native: bool,
    private_dns_name_options_on_launch: PrivateDnsNameOptions,
    block_public_access_states: BlockPublicAccessStates,
    tags: Option<Vec<TagWire>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubnetIpv6State {
    state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubnetIpv6AssociationWire {
    association_id: String,
    ipv6_cidr_block: String,
    ipv6_cidr_block_state: SubnetIpv6State,
    ipv6_address_attribute: &'static str,
    ip_source: &'static str,
}

fn ipv6_view(b: &SubnetIpv6Block, state: &'static str) -> SubnetIpv6AssociationWire {
    SubnetIpv6AssociationWire {
        association_id: b.association_id.clone(),
        ipv6_cidr_block: b.cidr.to_string(),
        ipv6_cidr_block_state: SubnetIpv6State { state },
        ipv6_address_attribute: "public",
        ip_source: "amazon",
    }
}

fn view(s: &Subnet) -> SubnetWire {
    view_in(s, "associated")
}

/// A subnet with its IPv6 association in `ipv6_state` (`associating` in CreateSubnet's answer).
fn view_in(s: &Subnet, ipv6_state: &'static str) -> SubnetWire {
    SubnetWire {
        subnet_id: s.id.clone(),
        subnet_arn: s.arn(),
        vpc_id: s.vpc_id.clone(),
        owner_id: s.owner_id.clone(),
        state: "available",
        cidr_block: s.cidr.to_string(),
        available_ip_address_count: s.available_ip_address_count(),
        availability_zone: s.availability_zone.clone(),
        availability_zone_id: s.availability_zone_id.clone(),
        default_for_az: s.default_for_az,
        map_public_ip_on_launch: s.map_public_ip_on_launch,
        map_customer_owned_ip_on_launch: false,
        assign_ipv6_address_on_creation: s.assign_ipv6_address_on_creation,
        ipv6_cidr_block_association_set: s
            .ipv6_block
            .iter()
            .map(|b| ipv6_view(b, ipv6_state))
            .collect(),
        enable_dns64: s.enable_dns64,
        ipv6_native: s.ipv6_native,
        private_dns_name_options_on_launch: PrivateDnsNameOptions {
            hostname_type: s.private_dns_hostname_type.clone(),
            enable_resource_name_dns_a_record: s.enable_resource_name_dns_a_record,
            enable_resource_name_dns_aaaa_record: s.enable_resource_name_dns_aaaa_record,
        },
        block_public_access_states: BlockPublicAccessStates {
            internet_gateway_block_mode: "off",
        },
        tags: tag_set(&s.tags),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CreateSubnetRequest {
    vpc_id: String,
    cidr_block: Option<String>,
    availability_zone: Option<String>,
    availability_zone_id: Option<String>,
    ipv6_cidr_block: Option<String>,
    ipv6_native: Option<bool>,
    #[serde(default)]
    tag_specifications: Vec<TagSpecification>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateSubnetResponse {
    subnet: SubnetWire,
}

pub fn create_subnet(
    ctx: &mut Ctx,
    req: CreateSubnetRequest,
) -> Result<CreateSubnetResponse, Ec2Error> {
    let vpc = ctx.tx.vpc(ctx.account, &IdKind::Vpc.parse(&req.vpc_id)?)?;
    if req.ipv6_native == Some(true) {
        // An IPv6-only subnet has no IPv4 block, which localvpc's subnets cannot yet express.
        return Err(Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            "IPv6-only subnets (Ipv6Native=true) are not supported by localvpc yet.",
        ));
    }
    let text = req
        .cidr_block
        .ok_or_else(|| Ec2Error::missing_parameter("CidrBlock"))?;
    let zone = match (&req.availability_zone, &req.availability_zone_id) {
        (Some(_), Some(_)) => {
            return Err(Ec2Error::combination(
                "Only one of AvailabilityZone or AvailabilityZoneId may be specified.",
            ));
        }
        (Some(name), None) => ctx.region.require_zone(name)?,
        (None, Some(id)) => ctx.region.zone_by_id(id).ok_or_else(|| {
            Ec2Error::invalid_value(format!(
                "Value ({id}) for parameter availabilityZoneId is invalid."
            ))
        })?,
        (None, None) => &ctx.region.zones[0],
    };
    let tags = tags_for(&req.tag_specifications, IdKind::Subnet)?;
    let siblings = ctx.tx.subnets(&ctx.owner(), Some(&vpc.id))?;
    let cidr = subnet::check_new_block(&vpc, &siblings, &text)?;
    let ipv6_block = req
        .ipv6_cidr_block
        .as_deref()
        .map(|text| new_ipv6_block(&vpc, &siblings, text))
        .transpose()?;
    ctx.config
        .quotas
        .check(Quota::SubnetsPerVpc, &vpc.id, siblings.len(), 1)?;
    let at = Placement {
        vpc_id: &vpc.id,
        owner_id: ctx.account,
        cidr,
        zone,
        region: ctx.region.name,
    };
    let subnet = Subnet {
        tags,
        ipv6_block,
        ..Subnet::new(IdKind::Subnet.generate(), at, false)
    };
    ctx.tx.insert_subnet(&subnet)?;
    provision::associate_default_acl(ctx, &subnet)?;
    Ok(CreateSubnetResponse {
        subnet: view_in(&subnet, "associating"),
    })
}

/// A new association of `text` (a /64 of one of the VPC's IPv6 blocks, used by no sibling).
fn new_ipv6_block(
    vpc: &localvpc_model::vpc::Vpc,
    siblings: &[Subnet],
    text: &str,
) -> Result<SubnetIpv6Block, Ec2Error> {
    let taken: Vec<_> = siblings
        .iter()
        .filter_map(|s| s.ipv6_block.as_ref().map(|b| (s.id.clone(), b.cidr)))
        .collect();
    Ok(SubnetIpv6Block {
        association_id: IdKind::SubnetCidrAssociation.generate(),
        cidr: ipv6::check_subnet_block(&vpc.ipv6_blocks, &taken, text)?,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AssociateSubnetCidrBlockRequest {
    subnet_id: String,
    ipv6_cidr_block: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SubnetCidrBlockResponse {
    ipv6_cidr_block_association: SubnetIpv6AssociationWire,
    subnet_id: String,
}

/// AssociateSubnetCidrBlock: gives a subnet without IPv6 a /64 of its VPC's blocks.
pub fn associate_subnet_cidr_block(
    ctx: &mut Ctx,
    req: AssociateSubnetCidrBlockRequest,
) -> Result<SubnetCidrBlockResponse, Ec2Error> {
    let subnet = ctx
        .tx
        .subnet(&ctx.owner(), &IdKind::Subnet.parse(&req.subnet_id)?)?;
    let text = req
        .ipv6_cidr_block
        .ok_or_else(|| Ec2Error::missing_parameter("Ipv6CidrBlock"))?;
    subnet::check_add_ipv6_block(&subnet)?;
    let vpc = ctx.tx.vpc(ctx.account, &subnet.vpc_id)?;
    let siblings = ctx.tx.subnets(&ctx.owner(), Some(&vpc.id))?;
    let block = new_ipv6_block(&vpc, &siblings, &text)?;
    ctx.tx
        .add_subnet_ipv6_block(SubnetId(&subnet.id), VpcId(&vpc.id), &block)?;
    Ok(SubnetCidrBlockResponse {
        ipv6_cidr_block_association: ipv6_view(&block, "associating"),
        subnet_id: subnet.id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DisassociateSubnetCidrBlockRequest {
    association_id: String,
}

/// DisassociateSubnetCidrBlock: refused while the subnet assigns IPv6 on creation or an
/// interface holds an address of the block.
pub fn disassociate_subnet_cidr_block(
    ctx: &mut Ctx,
    req: DisassociateSubnetCidrBlockRequest,
) -> Result<SubnetCidrBlockResponse, Ec2Error> {
    let association_id = IdKind::SubnetCidrAssociation.parse(&req.association_id)?;
    let subnet_id = ctx
        .tx
        .subnet_of_ipv6_association(&association_id)?
        .ok_or_else(|| IdKind::SubnetCidrAssociation.not_found(&association_id))?;
    let subnet = ctx.tx.subnet(&ctx.owner(), &subnet_id)?;
    let in_use = ctx.tx.subnet_has_ipv6_addresses(&subnet.id)?;
    let block = subnet::check_remove_ipv6_block(&subnet, &association_id, in_use)?;
    ctx.tx.remove_subnet_ipv6_block(&association_id)?;
    Ok(SubnetCidrBlockResponse {
        ipv6_cidr_block_association: ipv6_view(&block, "disassociating"),
        subnet_id: subnet.id,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeSubnetsRequest {
    #[serde(default)]
    filters: Vec<FilterWire>,
    #[serde(default)]
    subnet_ids: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeSubnetsResponse {
    subnets: Vec<SubnetWire>,
    next_token: Option<String>,
}

pub fn describe_subnets(
    ctx: &mut Ctx,
    req: DescribeSubnetsRequest,
) -> Result<DescribeSubnetsResponse, Ec2Error> {
    let all = ctx.tx.subnets(&ctx.owner(), None)?;
    let (subnets, next_token) = select(
        all,
        |s| &s.id,
        subnet::FILTERS,
        Selection {
            kind: IdKind::Subnet,
            ids: &req.subnet_ids,
            filters: &req.filters,
            max_results: req.max_results,
            next_token: req.next_token.as_deref(),
            limits: DEFAULT_LIMITS,
        },
    )?;
    Ok(DescribeSubnetsResponse {
        subnets: subnets.iter().map(view).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DeleteSubnetRequest {
    subnet_id: String,
}

/// DeleteSubnet: refused while any network interface (attached or not) lives in it; its route
/// table and network ACL associations go with it.
pub fn delete_subnet(ctx: &mut Ctx, req: DeleteSubnetRequest) -> Result<Empty, Ec2Error> {
    let subnet = ctx
        .tx
        .subnet(&ctx.owner(), &IdKind::Subnet.parse(&req.subnet_id)?)?;
    subnet::check_delete(
        &subnet.id,
        ctx.tx.count_network_interfaces_in_subnet(&subnet.id)?,
    )?;
    ctx.tx.delete_subnet(&subnet.id)?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifySubnetAttributeRequest {
    subnet_id: String,
    map_public_ip_on_launch: Option<BoolValue>,
    assign_ipv6_address_on_creation: Option<BoolValue>,
    enable_dns64: Option<BoolValue>,
    private_dns_hostname_type_on_launch: Option<String>,
    enable_resource_name_dns_a_record_on_launch: Option<BoolValue>,
    #[serde(rename = "EnableResourceNameDnsAAAARecordOnLaunch")]
    enable_resource_name_dns_aaaa_record_on_launch: Option<BoolValue>,
}

/// ModifySubnetAttribute: one attribute per call, as EC2 requires.
pub fn modify_subnet_attribute(
    ctx: &mut Ctx,
    req: ModifySubnetAttributeRequest,
) -> Result<Empty, Ec2Error> {
    let mut subnet = ctx
        .tx
        .subnet(&ctx.owner(), &IdKind::Subnet.parse(&req.subnet_id)?)?;
    let flags = [
        req.map_public_ip_on_launch,
        req.assign_ipv6_address_on_creation,
        req.enable_dns64,
        req.enable_resource_name_dns_a_record_on_launch,
        req.enable_resource_name_dns_aaaa_record_on_launch,
    ];
    let given = flags.iter().filter(|f| f.is_some()).count()
        + usize::from(req.private_dns_hostname_type_on_launch.is_some());
    if given != 1 {
        return Err(Ec2Error::combination(
            "Exactly one attribute must be specified per ModifySubnetAttribute call.",
        ));
    }
    let value = |b: BoolValue, name: &str| {
        b.value
            .ok_or_else(|| Ec2Error::missing_parameter(&format!("{name}.Value")))
    };
    if let Some(b) = req.map_public_ip_on_launch {
        subnet.map_public_ip_on_launch = value(b, "MapPublicIpOnLaunch")?;
    }
    if let Some(b) = req.assign_ipv6_address_on_creation {
        let on = value(b, "AssignIpv6AddressOnCreation")?;
        if on && subnet.ipv6_block.is_none() {
            return Err(Ec2Error::invalid_value(format!(
                "Invalid value 'true' for assign-ipv6-address-on-creation. Cannot set assign-ipv6-address-on-creation to true unless the subnet ({}) has an IPv6 CIDR block associated with it.",
                subnet.id
            )));
        }
        subnet.assign_ipv6_address_on_creation = on;
    }
    if let Some(b) = req.enable_dns64 {
        subnet.enable_dns64 = value(b, "EnableDns64")?;
    }
    if let Some(t) = req.private_dns_hostname_type_on_launch {
        subnet.private_dns_hostname_type = t;
    }
    if let Some(b) = req.enable_resource_name_dns_a_record_on_launch {
        subnet.enable_resource_name_dns_a_record =
            value(b, "EnableResourceNameDnsARecordOnLaunch")?;
    }
    if let Some(b) = req.enable_resource_name_dns_aaaa_record_on_launch {
        subnet.enable_resource_name_dns_aaaa_record =
            value(b, "EnableResourceNameDnsAAAARecordOnLaunch")?;
    }
    ctx.tx.update_subnet_attributes(&subnet)?;
    Ok(Empty {})
}
