//! What DescribeInstanceTypes says about a type beyond the limits table in
//! [`crate::instance_type`]: its processor architecture, ENA support and free-tier eligibility
//! (each derived from the type's name and hypervisor by the rules below), and its filters.

use crate::error::{Ec2Error, ErrorCode};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::instance_type::InstanceType;
use crate::tags::Tag;

/// The family part of a type name: `m6gd` of `m6gd.large`, `mac2-m2pro` of `mac2-m2pro.metal`.
fn family(t: &InstanceType) -> &str {
    t.name.split('.').next().unwrap_or(&t.name)
}

/// The processor architecture of a type, by its family name:
/// - Mac families: `mac1` is `x86_64_mac`, every later one (`mac2`, `mac2-m2pro`, `mac-m4`…)
///   `arm64_mac`;
/// - Graviton families are `arm64`: `a1`, and every family whose attribute letters (those after
///   the generation number) start with `g` — `t4g`, `m6g`, `m6gd`, `c6gn`, `c7g`, `im4gn`,
///   `is4gen`, `x2gd`, `g5g`, `hpc7g`, `r8gb`… (`g4dn` and `gr6` are x86: there `g` is the
///   class, not an attribute);
/// - everything else is `x86_64` (the 32-bit `i386` some Xen-era types also run is not listed).
pub fn architecture(t: &InstanceType) -> &'static str {
    let family = family(t);
    if let Some(mac) = family.strip_prefix("mac") {
        return if mac == "1" {
            "x86_64_mac"
        } else {
            "arm64_mac"
        };
    }
    let after_class = family.trim_start_matches(|c: char| c.is_ascii_lowercase());
    let attributes = after_class.trim_start_matches(|c: char| c.is_ascii_digit());
    let has_generation = attributes.len() < after_class.len();
    if family == "a1" || (has_generation && attributes.starts_with('g')) {
        "arm64"
    } else {
        "x86_64"
    }
}

/// Xen-era families that shipped with the Elastic Network Adapter (the m4 family only in its
/// largest size).
const XEN_ENA_FAMILIES: &[&str] = &["f1", "h1", "i3", "p3", "r4", "x1", "x1e"];

/// `NetworkInfo.EnaSupport`: `required` on Nitro and on bare metal (where the table reports no
/// hypervisor); on Xen `supported` for the families that shipped with ENA, else `unsupported`
/// (as for the few retired types with no hypervisor reported that are not bare metal).
pub fn ena_support(t: &InstanceType) -> &'static str {
    match t.hypervisor.as_deref() {
        Some("nitro") => "required",
        None if t.bare_metal => "required",
        Some("xen") if XEN_ENA_FAMILIES.contains(&family(t)) || t.name == "m4.16xlarge" => {
            "supported"
        }
        _ => "unsupported",
    }
}

/// The AWS Free Tier's types.
pub fn free_tier_eligible(t: &InstanceType) -> bool {
    matches!(t.name.as_str(), "t2.micro" | "t3.micro")
}

/// The error for names that are no instance type, all listed as EC2 does.
pub fn not_found(names: &[&str]) -> Ec2Error {
    Ec2Error::new(
        ErrorCode::InvalidInstanceType,
        format!(
            "The following supplied instance types do not exist: [{}]",
            names.join(", ")
        ),
    )
}

/// Instance types carry no tags; this lets the shared filter machinery take them.
impl Tagged for &InstanceType {
    fn tags(&self) -> &[Tag] {
        &[]
    }
}

/// What every type offers in localvpc: on-demand use, an EBS root, HVM.
pub const USAGE_CLASSES: &[&str] = &["on-demand"];
pub const ROOT_DEVICE_TYPES: &[&str] = &["ebs"];
pub const VIRTUALIZATION_TYPES: &[&str] = &["hvm"];

pub const FILTERS: &[FilterDef<&InstanceType>] = &[
    def("instance-type", |t| one(&t.name)),
    def("current-generation", |t| one(t.current_generation)),
    def("bare-metal", |t| one(t.bare_metal)),
    def("hypervisor", |t| opt(t.hypervisor.as_ref())),
    def("free-tier-eligible", |t| one(free_tier_eligible(t))),
    def("memory-info.size-in-mib", |t| opt(t.memory_mib)),
    def("vcpu-info.default-vcpus", |t| opt(t.vcpus)),
    def("processor-info.supported-architecture", |t| {
        one(architecture(t))
    }),
    def("network-info.maximum-network-interfaces", |t| {
        one(t.max_network_interfaces)
    }),
    def("network-info.ipv4-addresses-per-interface", |t| {
        one(t.ipv4_addresses_per_interface)
    }),
    def("network-info.ipv6-addresses-per-interface", |t| {
        opt(t.ipv6_addresses_per_interface)
    }),
    def("network-info.ipv6-supported", |t| one(t.ipv6_supported)),
    def("network-info.maximum-network-cards", |t| {
        one(t.network_cards)
    }),
    def("network-info.network-performance", |t| {
        opt(t.network_performance.as_ref())
    }),
    def("network-info.efa-supported", |t| one(t.efa_supported)),
    def("network-info.efa-info.maximum-efa-interfaces", |t| {
        opt(t.max_efa_interfaces)
    }),
    def("network-info.ena-support", |t| one(ena_support(t))),
    def("supported-usage-class", |_| strings(USAGE_CLASSES)),
    def("supported-root-device-type", |_| strings(ROOT_DEVICE_TYPES)),
    def("supported-virtualization-type", |_| {
        strings(VIRTUALIZATION_TYPES)
    }),
];

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> &'static InstanceType {
        InstanceType::named(name).unwrap_or_else(|| panic!("{name} is in the table"))
    }

    #[test]
    fn graviton_and_mac_families() {
        for arm in [
            "a1.medium",
            "t4g.micro",
            "m6g.large",
            "m6gd.large",
            "c6gn.large",
            "c7g.large",
            "im4gn.large",
            "is4gen.large",
            "x2gd.large",
            "g5g.xlarge",
            "hpc7g.4xlarge",
            "r8gb.large",
            "c7g.metal",
        ] {
            assert_eq!(architecture(named(arm)), "arm64", "{arm}");
        }
        for x86 in [
            "t2.micro",
            "t3.micro",
            "m5.large",
            "g4dn.xlarge",
            "g4ad.xlarge",
            "gr6.4xlarge",
            "p4d.24xlarge",
            "u-6tb1.metal",
            "c6in.large",
            "inf2.xlarge",
            "m7i-flex.large",
        ] {
            assert_eq!(architecture(named(x86)), "x86_64", "{x86}");
        }
        assert_eq!(architecture(named("mac1.metal")), "x86_64_mac");
        assert_eq!(architecture(named("mac2-m2pro.metal")), "arm64_mac");
        assert_eq!(architecture(named("mac-m4.metal")), "arm64_mac");
    }

    #[test]
    fn ena_by_hypervisor_and_family() {
        assert_eq!(ena_support(named("t3.micro")), "required");
        assert_eq!(ena_support(named("m5.metal")), "required", "bare metal");
        assert_eq!(ena_support(named("i3.large")), "supported");
        assert_eq!(ena_support(named("m4.16xlarge")), "supported");
        assert_eq!(ena_support(named("m4.large")), "unsupported");
        assert_eq!(ena_support(named("t2.micro")), "unsupported");
        assert_eq!(ena_support(named("hs1.8xlarge")), "unsupported");
    }

    #[test]
    fn free_tier_and_unknown_types() {
        assert!(free_tier_eligible(named("t2.micro")) && free_tier_eligible(named("t3.micro")));
        assert!(!free_tier_eligible(named("t3.small")));
        let err = not_found(&["t9.huge", "x.y"]);
        assert_eq!(err.code.as_str(), "InvalidInstanceType");
        assert_eq!(
            err.message,
            "The following supplied instance types do not exist: [t9.huge, x.y]"
        );
    }
}
