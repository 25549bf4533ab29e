//! DescribeVpcEndpointServices: the region's catalogue of AWS services.

use crate::context::Ctx;
use crate::wire::{FilterWire, TagWire, to_filters};
use localvpc_model::filter::{CompiledFilters, FilterDef, def, one};
use localvpc_model::page::{DEFAULT_LIMITS, paginate};
use localvpc_model::vpc_endpoint::{Service, catalogue};
use localvpc_model::{Ec2Error, ErrorCode};
use serde::{Deserialize, Serialize};

const FILTERS: &[FilterDef<Service>] = &[
    def("owner", |_| one("amazon")),
    def("service-name", |s| one(&s.name)),
    def("service-region", |s| {
        one(s.name.split('.').nth(2).unwrap_or_default())
    }),
    def("service-type", |s| one(s.service_type.as_str())),
    def("supported-ip-address-types", |_| one("ipv4")),
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeVpcEndpointServicesRequest {
    #[serde(default)]
    service_names: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    max_results: Option<i64>,
    next_token: Option<String>,
    #[serde(default)]
    service_regions: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceTypeWire {
    service_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrivateDnsNameWire {
    private_dns_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceDetailWire {
    service_name: String,
    service_id: String,
    service_type: Vec<ServiceTypeWire>,
    service_region: &'static str,
    availability_zones: Vec<&'static str>,
    owner: &'static str,
    base_endpoint_dns_names: Vec<String>,
    private_dns_name: Option<String>,
    private_dns_names: Vec<PrivateDnsNameWire>,
    vpc_endpoint_policy_supported: bool,
    acceptance_required: bool,
    manages_vpc_endpoints: bool,
    tags: Vec<TagWire>,
    private_dns_name_verification_state: Option<&'static str>,
    supported_ip_address_types: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeVpcEndpointServicesResponse {
    service_names: Vec<String>,
    service_details: Vec<ServiceDetailWire>,
    next_token: Option<String>,
}

/// Pages go by name then type, so S3's two entries stay in order; `ServiceNames` lists each
/// name of the page once.
pub fn describe_vpc_endpoint_services(
    ctx: &mut Ctx,
    req: DescribeVpcEndpointServicesRequest,
) -> Result<DescribeVpcEndpointServicesResponse, Ec2Error> {
    let filters = to_filters(&req.filters)?;
    let compiled = CompiledFilters::compile(&filters, FILTERS)?;
    let mut services = catalogue(ctx.region);
    if let Some(missing) = req
        .service_names
        .iter()
        .find(|n| !services.iter().any(|s| &&s.name == n))
    {
        return Err(Ec2Error::new(
            ErrorCode::InvalidServiceName,
            format!("The Vpc Endpoint Service '{missing}' does not exist"),
        ));
    }
    if !req.service_names.is_empty() {
        services.retain(|s| req.service_names.contains(&s.name));
    }
    if !req.service_regions.is_empty() && !req.service_regions.iter().any(|r| r == ctx.region.name)
    {
        services.clear();
    }
    let keyed: Vec<(String, Service)> = compiled
        .apply(services)
        .into_iter()
        .map(|s| (format!("{}#{}", s.name, s.service_type.as_str()), s))
        .collect();
    let (page, next_token) = paginate(
        keyed,
        |(key, _)| key,
        req.max_results,
        req.next_token.as_deref(),
        DEFAULT_LIMITS,
    )?;
    let mut service_names: Vec<String> = page.iter().map(|(_, s)| s.name.clone()).collect();
    service_names.dedup();
    let region = ctx.region.name;
    Ok(DescribeVpcEndpointServicesResponse {
        service_names,
        service_details: page
            .into_iter()
            .map(|(_, s)| ServiceDetailWire {
                private_dns_names: s
                    .private_dns_name
                    .iter()
                    .map(|n| PrivateDnsNameWire {
                        private_dns_name: n.clone(),
                    })
                    .collect(),
                private_dns_name_verification_state: s
                    .private_dns_name
                    .as_ref()
                    .map(|_| "verified"),
                private_dns_name: s.private_dns_name,
                service_name: s.name,
                service_id: s.id,
                service_type: vec![ServiceTypeWire {
                    service_type: s.service_type.as_str(),
                }],
                service_region: region,
                availability_zones: s.zones,
                owner: "amazon",
                base_endpoint_dns_names: s.base_endpoint_dns_names,
                vpc_endpoint_policy_supported: true,
                acceptance_required: false,
                manages_vpc_endpoints: false,
                tags: Vec::new(),
                supported_ip_address_types: vec!["ipv4"],
            })
            .collect(),
        next_token,
    })
}
