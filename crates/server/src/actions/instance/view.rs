//! How instances appear on the wire (RunInstances and DescribeInstances).

pub use crate::actions::network_interface::view::Naming;
use crate::actions::network_interface::view::{
    GroupWire, InstanceNetworkInterfaceWire, groups, instance_network_interface,
};
use crate::wire::{Empty, TagWire, tag_set};
use localvpc_model::image::catalogue_image;
use localvpc_model::instance::{Instance, InstanceState};
use localvpc_model::instance_type::InstanceType;
use localvpc_model::network_interface::private_dns_name;
use serde::Serialize;

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "PascalCase")]
pub struct StateWire {
    pub code: i64,
    pub name: &'static str,
}

impl From<InstanceState> for StateWire {
    fn from(s: InstanceState) -> Self {
        Self {
            code: s.code(),
            name: s.name(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PlacementWire {
    availability_zone: String,
    group_name: String,
    tenancy: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MonitoringWire {
    state: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StateReasonWire {
    code: String,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetadataOptionsWire {
    state: &'static str,
    http_tokens: String,
    http_put_response_hop_limit: i64,
    http_endpoint: String,
    http_protocol_ipv6: String,
    instance_metadata_tags: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrivateDnsNameOptionsWire {
    hostname_type: &'static str,
    enable_resource_name_dns_a_record: bool,
    #[serde(rename = "EnableResourceNameDnsAAAARecord")]
    enable_resource_name_dns_aaaa_record: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FlagWire {
    /// `HibernationOptions` has only `Configured`, `EnclaveOptions` only `Enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    configured: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enabled: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceWire {
    instance_id: String,
    image_id: String,
    instance_type: String,
    key_name: Option<String>,
    launch_time: String,
    ami_launch_index: i64,
    state: StateWire,
    state_transition_reason: String,
    state_reason: Option<StateReasonWire>,
    placement: PlacementWire,
    monitoring: MonitoringWire,
    private_dns_name: String,
    private_ip_address: Option<String>,
    ipv6_address: Option<String>,
    public_dns_name: String,
    public_ip_address: Option<String>,
    subnet_id: Option<String>,
    vpc_id: Option<String>,
    source_dest_check: Option<bool>,
    security_groups: Vec<GroupWire>,
    network_interfaces: Vec<InstanceNetworkInterfaceWire>,
    architecture: &'static str,
    block_device_mappings: Vec<InstanceBlockDeviceMappingWire>,
    client_token: Option<String>,
    ebs_optimized: bool,
    ena_support: bool,
    hypervisor: String,
    root_device_name: &'static str,
    root_device_type: &'static str,
    virtualization_type: &'static str,
    product_codes: Vec<Empty>,
    hibernation_options: FlagWire,
    enclave_options: FlagWire,
    metadata_options: MetadataOptionsWire,
    private_dns_name_options: PrivateDnsNameOptionsWire,
    platform_details: &'static str,
    usage_operation: &'static str,
    usage_operation_update_time: String,
    current_instance_boot_mode: &'static str,
    tags: Option<Vec<TagWire>>,
}

/// Why an instance is where it is, as EC2 words it.
fn state_reason(i: &Instance) -> Option<StateReasonWire> {
    let (code, message) = match i.state {
        InstanceState::Pending => ("pending", "pending"),
        InstanceState::Stopping
        | InstanceState::Stopped
        | InstanceState::ShuttingDown
        | InstanceState::Terminated => (
            "Client.UserInitiatedShutdown",
            "Client.UserInitiatedShutdown: User initiated shutdown",
        ),
        InstanceState::Running => return None,
    };
    Some(StateReasonWire {
        code: code.into(),
        message: message.into(),
    })
}

/// An instance as EC2 shows it: instance-level network fields always describe device 0.
pub fn instance(i: &Instance, naming: &Naming) -> InstanceWire {
    let primary = i.primary_interface();
    let itype = InstanceType::named(&i.instance_type);
    let public = primary.and_then(|p| p.primary_association().map(|a| (p, a)));
    InstanceWire {
        instance_id: i.id.clone(),
        image_id: i.image_id.clone(),
        instance_type: i.instance_type.clone(),
        key_name: i.key_name.clone(),
        launch_time: i.launch_time.clone(),
        ami_launch_index: i.ami_launch_index,
        state: i.state.into(),
        state_transition_reason: i.state_transition_reason.clone(),
        state_reason: state_reason(i),
        placement: PlacementWire {
            availability_zone: i.availability_zone.clone(),
            group_name: String::new(),
            tenancy: "default",
        },
        monitoring: MonitoringWire {
            state: if i.monitoring { "enabled" } else { "disabled" },
        },
        private_dns_name: primary
            .map(|p| private_dns_name(p.primary_ip(), naming.region))
            .unwrap_or_default(),
        private_ip_address: primary.map(|p| p.primary_ip().to_string()),
        ipv6_address: primary.and_then(crate::actions::ipv6::main_ipv6),
        public_dns_name: public
            .map(|(p, a)| naming.public_dns(&p.vpc_id, a))
            .unwrap_or_default(),
        public_ip_address: public.map(|(_, a)| a.public_ip.to_string()),
        subnet_id: primary.map(|p| p.subnet_id.clone()),
        vpc_id: primary.map(|p| p.vpc_id.clone()),
        source_dest_check: primary.map(|p| p.source_dest_check),
        security_groups: primary.map(groups).unwrap_or_default(),
        network_interfaces: i
            .interfaces
            .iter()
            .map(|e| instance_network_interface(e, naming))
            .collect(),
        architecture: catalogue_image(&i.image_id).map_or("x86_64", |img| img.details.architecture),
        block_device_mappings: block_device_mappings(i),
        client_token: i.client_token.clone(),
        ebs_optimized: false,
        ena_support: true,
        hypervisor: itype
            .and_then(|t| t.hypervisor.clone())
            .unwrap_or_else(|| "xen".into()),
        root_device_name: i.root_device_name(),
        root_device_type: "ebs",
        virtualization_type: "hvm",
        product_codes: Vec::new(),
        hibernation_options: FlagWire {
            configured: Some(false),
            enabled: None,
        },
        enclave_options: FlagWire {
            configured: None,
            enabled: Some(false),
        },
        metadata_options: metadata_options(i, "applied"),
        private_dns_name_options: PrivateDnsNameOptionsWire {
            hostname_type: "ip-name",
            enable_resource_name_dns_a_record: false,
            enable_resource_name_dns_aaaa_record: false,
        },
        platform_details: "Linux/UNIX",
        usage_operation: "RunInstances",
        usage_operation_update_time: i.launch_time.clone(),
        current_instance_boot_mode: "legacy-bios",
        tags: tag_set(&i.tags),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EbsInstanceBlockDeviceWire {
    attach_time: String,
    delete_on_termination: bool,
    status: &'static str,
    volume_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceBlockDeviceMappingWire {
    device_name: String,
    ebs: EbsInstanceBlockDeviceWire,
}

/// The instance's attached volumes as DescribeInstances and DescribeInstanceAttribute show
/// them (none once it has terminated).
pub fn block_device_mappings(i: &Instance) -> Vec<InstanceBlockDeviceMappingWire> {
    i.volumes
        .iter()
        .filter_map(|v| {
            let a = v.attachment.as_ref()?;
            Some(InstanceBlockDeviceMappingWire {
                device_name: a.device.clone(),
                ebs: EbsInstanceBlockDeviceWire {
                    attach_time: a.attach_time.clone(),
                    delete_on_termination: a.delete_on_termination,
                    status: "attached",
                    volume_id: v.id.clone(),
                },
            })
        })
        .collect()
}

/// IMDS settings as EC2 shows them (`pending` right after a change, then `applied`).
pub fn metadata_options(i: &Instance, state: &'static str) -> MetadataOptionsWire {
    MetadataOptionsWire {
        state,
        http_tokens: i.metadata_options.http_tokens.clone(),
        http_put_response_hop_limit: i.metadata_options.http_put_response_hop_limit,
        http_endpoint: i.metadata_options.http_endpoint.clone(),
        http_protocol_ipv6: i.metadata_options.http_protocol_ipv6.clone(),
        instance_metadata_tags: i.metadata_options.instance_metadata_tags.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReservationWire {
    pub reservation_id: String,
    pub owner_id: String,
    pub groups: Vec<GroupWire>,
    pub instances: Vec<InstanceWire>,
}
