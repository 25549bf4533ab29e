//! Describe/Modify/ResetAddressAttribute: an Elastic IP's reverse DNS record (`domain-name`),
//! which Terraform's `aws_eip` reads on every refresh.

use crate::context::Ctx;
use localvpc_model::elastic_ip::{self, ElasticIp};
use localvpc_model::page::{DEFAULT_LIMITS, paginate};
use localvpc_model::{Ec2Error, IdKind};
use serde::{Deserialize, Serialize};

/// The one attribute AWS has (the model's enum): anything else is refused.
fn check_attribute(attribute: Option<&str>) -> Result<(), Ec2Error> {
    match attribute {
        None | Some("domain-name") => Ok(()),
        Some(other) => Err(Ec2Error::invalid_parameter("Attribute", other)),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddressAttributeWire {
    public_ip: String,
    allocation_id: String,
    /// Absent until a domain name is set: the address then has no reverse record of its own.
    ptr_record: Option<String>,
}

fn view(e: ElasticIp) -> AddressAttributeWire {
    AddressAttributeWire {
        public_ip: e.public_ip.to_string(),
        allocation_id: e.allocation_id,
        ptr_record: e.ptr_record,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeAddressesAttributeRequest {
    #[serde(default)]
    allocation_ids: Vec<String>,
    attribute: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAddressesAttributeResponse {
    addresses: Vec<AddressAttributeWire>,
    next_token: Option<String>,
}

/// The named Elastic IPs (each must exist), or all of them, paged.
pub fn describe_addresses_attribute(
    ctx: &mut Ctx,
    req: DescribeAddressesAttributeRequest,
) -> Result<DescribeAddressesAttributeResponse, Ec2Error> {
    check_attribute(req.attribute.as_deref())?;
    let mut all = ctx.tx.elastic_ips(ctx.account)?;
    if !req.allocation_ids.is_empty() {
        for id in &req.allocation_ids {
            IdKind::Allocation.parse(id)?;
        }
        if let Some(missing) = req
            .allocation_ids
            .iter()
            .find(|id| !all.iter().any(|e| &e.allocation_id == *id))
        {
            return Err(IdKind::Allocation.not_found(missing));
        }
        all.retain(|e| req.allocation_ids.contains(&e.allocation_id));
    }
    let (page, next_token) = paginate(
        all,
        |e| &e.allocation_id,
        req.max_results,
        req.next_token.as_deref(),
        DEFAULT_LIMITS,
    )?;
    Ok(DescribeAddressesAttributeResponse {
        addresses: page.into_iter().map(view).collect(),
        next_token,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ModifyAddressAttributeRequest {
    allocation_id: String,
    domain_name: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddressAttributeResponse {
    address: AddressAttributeWire,
}

/// Sets the reverse DNS record. localvpc has no public DNS to check the forward record
/// against, so the record takes effect at once (AWS answers PENDING until it has checked).
pub fn modify_address_attribute(
    ctx: &mut Ctx,
    req: ModifyAddressAttributeRequest,
) -> Result<AddressAttributeResponse, Ec2Error> {
    let id = IdKind::Allocation.parse(&req.allocation_id)?;
    let mut eip = ctx.tx.elastic_ip(ctx.account, &id)?;
    let name = req
        .domain_name
        .ok_or_else(|| Ec2Error::missing_parameter("DomainName"))?;
    let record = elastic_ip::ptr_record(&name)?;
    ctx.tx
        .set_elastic_ip_ptr_record(&eip.allocation_id, Some(&record))?;
    eip.ptr_record = Some(record);
    Ok(AddressAttributeResponse { address: view(eip) })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ResetAddressAttributeRequest {
    allocation_id: String,
    attribute: String,
}

/// Removes the reverse DNS record.
pub fn reset_address_attribute(
    ctx: &mut Ctx,
    req: ResetAddressAttributeRequest,
) -> Result<AddressAttributeResponse, Ec2Error> {
    check_attribute(Some(&req.attribute))?;
    let id = IdKind::Allocation.parse(&req.allocation_id)?;
    let mut eip = ctx.tx.elastic_ip(ctx.account, &id)?;
    ctx.tx.set_elastic_ip_ptr_record(&eip.allocation_id, None)?;
    eip.ptr_record = None;
    Ok(AddressAttributeResponse { address: view(eip) })
}

actions! {
    "DescribeAddressesAttribute" => describe_addresses_attribute,
    "ModifyAddressAttribute" => modify_address_attribute,
    "ResetAddressAttribute" => reset_address_attribute,
}
