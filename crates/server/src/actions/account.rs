//! Account and region metadata: DescribeRegions, DescribeAvailabilityZones and
//! DescribeAccountAttributes. All read-only: they answer from the region table and the
//! configuration and write nothing.

use crate::context::Ctx;
use crate::wire::{FilterWire, to_filters};
use localvpc_model::filter::{CompiledFilters, FilterDef, Tagged, def, one};
use localvpc_model::region::{REGIONS, Region, Zone};
use localvpc_model::{Ec2Error, Filter, Tag};
use serde::{Deserialize, Serialize};

/// Every region and zone localvpc serves is enabled for every account.
const OPT_IN_NOT_REQUIRED: &str = "opt-in-not-required";

/// The On-Demand instance count EC2 still reports as `max-instances`, although it stopped being
/// a limit when vCPU-based limits replaced it.
const MAX_INSTANCES: usize = 20;

/// Compiles a Describe call's filters for a resource that carries no tags, so `tag:<key>`,
/// `tag-key` and `tag-value` are refused like any other unknown filter.
fn untagged_filters<'f, T: Tagged>(
    filters: &'f [Filter],
    defs: &[FilterDef<T>],
) -> Result<CompiledFilters<'f, T>, Ec2Error> {
    if let Some(f) = filters.iter().find(|f| f.name.starts_with("tag")) {
        return Err(Ec2Error::invalid_value(format!(
            "The filter '{}' is invalid",
            f.name
        )));
    }
    CompiledFilters::compile(filters, defs)
}

fn endpoint(region: &Region) -> String {
    format!("ec2.{}.amazonaws.com", region.name)
}

/// A region as the filters see it.
struct RegionRow(&'static Region);

impl Tagged for RegionRow {
    fn tags(&self) -> &[Tag] {
        &[]
    }
}

const REGION_FILTERS: &[FilterDef<RegionRow>] = &[
    def("endpoint", |r| one(endpoint(r.0))),
    def("opt-in-status", |_| one(OPT_IN_NOT_REQUIRED)),
    def("region-name", |r| one(r.0.name)),
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeRegionsRequest {
    #[serde(default)]
    region_names: Vec<String>,
    /// Would add disabled regions; localvpc has none, so the answer is the same either way.
    #[serde(rename = "AllRegions")]
    _all_regions: Option<bool>,
    #[serde(default)]
    filters: Vec<FilterWire>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RegionWire {
    opt_in_status: &'static str,
    region_name: &'static str,
    endpoint: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeRegionsResponse {
    regions: Vec<RegionWire>,
}

/// DescribeRegions: the regions localvpc serves, each named region required to be one.
pub fn describe_regions(
    _ctx: &mut Ctx,
    req: DescribeRegionsRequest,
) -> Result<DescribeRegionsResponse, Ec2Error> {
    if let Some(unknown) = req
        .region_names
        .iter()
        .find(|n| !REGIONS.iter().any(|r| r.name == n.as_str()))
    {
        return Err(Ec2Error::invalid_value(format!(
            "Invalid region: [{unknown}]"
        )));
    }
    let filters = to_filters(&req.filters)?;
    let compiled = untagged_filters(&filters, REGION_FILTERS)?;
    let regions = REGIONS
        .iter()
        .filter(|r| req.region_names.is_empty() || req.region_names.iter().any(|n| n == r.name))
        .map(RegionRow)
        .filter(|r| compiled.matches(r))
        .map(|r| RegionWire {
            opt_in_status: OPT_IN_NOT_REQUIRED,
            region_name: r.0.name,
            endpoint: endpoint(r.0),
        })
        .collect();
    Ok(DescribeRegionsResponse { regions })
}

/// A zone of the caller's region as the filters see it. Plain availability zones have no
/// messages and no parent zone, so those filters match nothing.
struct ZoneRow {
    zone: &'static Zone,
    region: &'static Region,
}

impl Tagged for ZoneRow {
    fn tags(&self) -> &[Tag] {
        &[]
    }
}

const ZONE_FILTERS: &[FilterDef<ZoneRow>] = &[
    def("group-long-name", |z| one(z.region.zone_group_long_name())),
    def("group-name", |z| one(z.region.zone_group())),
    def("message", |_| vec![]),
    def("opt-in-status", |_| one(OPT_IN_NOT_REQUIRED)),
    def("parent-zone-id", |_| vec![]),
    def("parent-zone-name", |_| vec![]),
    def("region-name", |z| one(z.region.name)),
    def("state", |_| one("available")),
    def("zone-id", |z| one(z.zone.id)),
    def("zone-name", |z| one(z.zone.name)),
    def("zone-type", |_| one("availability-zone")),
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeAvailabilityZonesRequest {
    #[serde(default)]
    zone_names: Vec<String>,
    #[serde(default)]
    zone_ids: Vec<String>,
    /// Would add Local and Wavelength Zones; localvpc has none, so the answer is the same.
    #[serde(rename = "AllAvailabilityZones")]
    _all_availability_zones: Option<bool>,
    #[serde(default)]
    filters: Vec<FilterWire>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ZoneMessageWire {
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AvailabilityZoneWire {
    opt_in_status: &'static str,
    messages: Vec<ZoneMessageWire>,
    region_name: &'static str,
    zone_name: &'static str,
    zone_id: &'static str,
    group_long_name: String,
    group_name: String,
    network_border_group: &'static str,
    zone_type: &'static str,
    state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAvailabilityZonesResponse {
    availability_zones: Vec<AvailabilityZoneWire>,
}

/// DescribeAvailabilityZones: the zones of the caller's region. Every named zone (by name or
/// ID) must be one of them.
pub fn describe_availability_zones(
    ctx: &mut Ctx,
    req: DescribeAvailabilityZonesRequest,
) -> Result<DescribeAvailabilityZonesResponse, Ec2Error> {
    let region = ctx.region;
    if let Some(unknown) = req.zone_names.iter().find(|n| region.zone(n).is_none()) {
        return Err(Ec2Error::invalid_value(format!(
            "Invalid availability zone: [{unknown}]"
        )));
    }
    if let Some(unknown) = req.zone_ids.iter().find(|i| region.zone_by_id(i).is_none()) {
        return Err(Ec2Error::invalid_value(format!(
            "Invalid availability zone-id: [{unknown}]"
        )));
    }
    let filters = to_filters(&req.filters)?;
    let compiled = untagged_filters(&filters, ZONE_FILTERS)?;
    let named = |z: &Zone| {
        (req.zone_names.is_empty() && req.zone_ids.is_empty())
            || req.zone_names.iter().any(|n| n == z.name)
            || req.zone_ids.iter().any(|i| i == z.id)
    };
    let availability_zones = region
        .zones
        .iter()
        .filter(|z| named(z))
        .map(|zone| ZoneRow { zone, region })
        .filter(|z| compiled.matches(z))
        .map(|z| AvailabilityZoneWire {
            opt_in_status: OPT_IN_NOT_REQUIRED,
            messages: Vec::new(),
            region_name: z.region.name,
            zone_name: z.zone.name,
            zone_id: z.zone.id,
            group_long_name: z.region.zone_group_long_name(),
            group_name: z.region.zone_group(),
            network_border_group: z.region.name,
            zone_type: "availability-zone",
            state: "available",
        })
        .collect();
    Ok(DescribeAvailabilityZonesResponse { availability_zones })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeAccountAttributesRequest {
    #[serde(default)]
    attribute_names: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeValueWire {
    attribute_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccountAttributeWire {
    attribute_name: String,
    attribute_values: Vec<AttributeValueWire>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAccountAttributesResponse {
    account_attributes: Vec<AccountAttributeWire>,
}

/// The attributes EC2 reports when none are named, in the order it lists them.
const ALL_ATTRIBUTES: [&str; 6] = [
    "supported-platforms",
    "vpc-max-security-groups-per-interface",
    "max-elastic-ips",
    "max-instances",
    "vpc-max-elastic-ips",
    "default-vpc",
];

/// One attribute's value for the caller's account and region.
fn attribute_value(ctx: &Ctx, name: &str) -> Result<String, Ec2Error> {
    let quotas = &ctx.config.quotas;
    Ok(match name {
        // The partition has only ever had EC2-VPC.
        "supported-platforms" => "VPC".into(),
        "vpc-max-security-groups-per-interface" => quotas.security_groups_per_interface.to_string(),
        "max-elastic-ips" | "vpc-max-elastic-ips" => quotas.elastic_ips_per_region.to_string(),
        "max-instances" => MAX_INSTANCES.to_string(),
        "default-vpc" => ctx.tx.default_vpc_id()?.unwrap_or_else(|| "none".into()),
        other => {
            return Err(Ec2Error::invalid_value(format!(
                "Value ({other}) for parameter attributeName is invalid. Valid values: {}",
                ALL_ATTRIBUTES.join(", ")
            )));
        }
    })
}

/// DescribeAccountAttributes: the named attributes (all six when none are named).
pub fn describe_account_attributes(
    ctx: &mut Ctx,
    req: DescribeAccountAttributesRequest,
) -> Result<DescribeAccountAttributesResponse, Ec2Error> {
    let names: Vec<String> = if req.attribute_names.is_empty() {
        ALL_ATTRIBUTES.iter().map(|n| n.to_string()).collect()
    } else {
        req.attribute_names
    };
    let account_attributes = names
        .into_iter()
        .map(|name| {
            Ok(AccountAttributeWire {
                attribute_values: vec![AttributeValueWire {
                    attribute_value: attribute_value(ctx, &name)?,
                }],
                attribute_name: name,
            })
        })
        .collect::<Result<_, Ec2Error>>()?;
    Ok(DescribeAccountAttributesResponse { account_attributes })
}

actions! {
    "DescribeRegions" => describe_regions,
    "DescribeAvailabilityZones" => describe_availability_zones,
    "DescribeAccountAttributes" => describe_account_attributes,
}
