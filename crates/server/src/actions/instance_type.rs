//! DescribeInstanceTypes over the instance-type table.

use crate::context::Ctx;
use crate::wire::{FilterWire, to_filters};
use localvpc_model::Ec2Error;
use localvpc_model::filter::CompiledFilters;
use localvpc_model::instance_type::InstanceType;
use localvpc_model::instance_type_info::{self as info, FILTERS};
use localvpc_model::page::{PageLimits, paginate};
use serde::{Deserialize, Serialize};

/// DescribeInstanceTypes pages hold 5–100 types.
const LIMITS: PageLimits = PageLimits { min: 5, max: 100 };

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct DescribeInstanceTypesRequest {
    #[serde(default)]
    instance_types: Vec<String>,
    #[serde(default)]
    filters: Vec<FilterWire>,
    max_results: Option<i64>,
    next_token: Option<String>,
    /// Every type is offered in every localvpc region, so this changes nothing.
    #[serde(rename = "IncludeUnsupportedInRegion")]
    _include_unsupported_in_region: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessorInfoWire {
    supported_architectures: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct VCpuInfoWire {
    #[serde(rename = "DefaultVCpus")]
    default_vcpus: u32,
}

#[derive(Serialize)]
pub struct MemoryInfoWire {
    #[serde(rename = "SizeInMiB")]
    size_in_mib: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkCardWire {
    network_card_index: u32,
    network_performance: Option<String>,
    maximum_network_interfaces: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EfaInfoWire {
    maximum_efa_interfaces: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInfoWire {
    network_performance: Option<String>,
    maximum_network_interfaces: u32,
    maximum_network_cards: u32,
    default_network_card_index: u32,
    network_cards: Vec<NetworkCardWire>,
    ipv4_addresses_per_interface: u32,
    ipv6_addresses_per_interface: Option<u32>,
    ipv6_supported: bool,
    ena_support: &'static str,
    efa_supported: bool,
    efa_info: Option<EfaInfoWire>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceTypeInfoWire {
    instance_type: String,
    current_generation: bool,
    free_tier_eligible: bool,
    supported_usage_classes: &'static [&'static str],
    supported_root_device_types: &'static [&'static str],
    supported_virtualization_types: &'static [&'static str],
    bare_metal: bool,
    hypervisor: Option<String>,
    processor_info: ProcessorInfoWire,
    #[serde(rename = "VCpuInfo")]
    vcpu_info: Option<VCpuInfoWire>,
    memory_info: Option<MemoryInfoWire>,
    network_info: NetworkInfoWire,
}

/// One card's performance: on a multi-card type rated `N x <speed>` each of the N cards gets
/// `<speed>`; a single card gets the type's rating; otherwise the table does not say.
fn card_performance(t: &InstanceType) -> Option<String> {
    let rating = t.network_performance.as_deref()?;
    if t.network_cards == 1 {
        return Some(rating.to_owned());
    }
    let (count, speed) = rating.split_once("x ")?;
    (count.parse() == Ok(t.network_cards)).then(|| speed.to_owned())
}

fn view(t: &InstanceType) -> InstanceTypeInfoWire {
    let per_card = card_performance(t);
    InstanceTypeInfoWire {
        instance_type: t.name.clone(),
        current_generation: t.current_generation,
        free_tier_eligible: info::free_tier_eligible(t),
        supported_usage_classes: info::USAGE_CLASSES,
        supported_root_device_types: info::ROOT_DEVICE_TYPES,
        supported_virtualization_types: info::VIRTUALIZATION_TYPES,
        bare_metal: t.bare_metal,
        hypervisor: t.hypervisor.clone(),
        processor_info: ProcessorInfoWire {
            supported_architectures: vec![info::architecture(t)],
        },
        vcpu_info: t.vcpus.map(|default_vcpus| VCpuInfoWire { default_vcpus }),
        memory_info: t
            .memory_mib
            .map(|size_in_mib| MemoryInfoWire { size_in_mib }),
        network_info: NetworkInfoWire {
            network_performance: t.network_performance.clone(),
            maximum_network_interfaces: t.max_network_interfaces,
            maximum_network_cards: t.network_cards,
            default_network_card_index: t.default_network_card_index,
            network_cards: t
                .max_interfaces_per_card
                .iter()
                .zip(0..)
                .map(
                    |(&maximum_network_interfaces, network_card_index)| NetworkCardWire {
                        network_card_index,
                        network_performance: per_card.clone(),
                        maximum_network_interfaces,
                    },
                )
                .collect(),
            ipv4_addresses_per_interface: t.ipv4_addresses_per_interface,
            ipv6_addresses_per_interface: t.ipv6_addresses_per_interface,
            ipv6_supported: t.ipv6_supported,
            ena_support: info::ena_support(t),
            efa_supported: t.efa_supported,
            efa_info: t.max_efa_interfaces.filter(|_| t.efa_supported).map(
                |maximum_efa_interfaces| EfaInfoWire {
                    maximum_efa_interfaces,
                },
            ),
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstanceTypesResponse {
    instance_types: Vec<InstanceTypeInfoWire>,
    next_token: Option<String>,
}

/// DescribeInstanceTypes: every named type must exist (all unknown names are reported), then
/// filters and paging over the types sorted by name.
pub fn describe_instance_types(
    _ctx: &mut Ctx,
    req: DescribeInstanceTypesRequest,
) -> Result<DescribeInstanceTypesResponse, Ec2Error> {
    let filters = to_filters(&req.filters)?;
    let compiled = CompiledFilters::compile(&filters, FILTERS)?;
    let unknown: Vec<&str> = req
        .instance_types
        .iter()
        .filter(|name| InstanceType::named(name).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(info::not_found(&unknown));
    }
    let mut types = InstanceType::all();
    if !req.instance_types.is_empty() {
        types.retain(|t| req.instance_types.contains(&t.name));
    }
    let (page, next_token) = paginate(
        compiled.apply(types),
        |t| &t.name,
        req.max_results,
        req.next_token.as_deref(),
        LIMITS,
    )?;
    Ok(DescribeInstanceTypesResponse {
        instance_types: page.into_iter().map(view).collect(),
        next_token,
    })
}
