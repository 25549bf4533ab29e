//! DescribeInstances and DescribeInstanceStatus filters, declared as data.

use super::{Instance, InstanceState};
use crate::filter::{FilterDef, def, one, opt};
use crate::network_interface::{NetworkInterface, private_dns_name_of};

fn eni_values(i: &Instance, f: fn(&NetworkInterface) -> Vec<String>) -> Vec<String> {
    i.interfaces.iter().flat_map(f).collect()
}

fn ipv6_values(e: &NetworkInterface) -> Vec<String> {
    e.ipv6_addresses
        .iter()
        .map(|a| a.address.to_string())
        .collect()
}

fn primary_value(i: &Instance, f: fn(&NetworkInterface) -> String) -> Vec<String> {
    i.primary_interface().map(f).into_iter().collect()
}

fn attachment_values(
    i: &Instance,
    f: fn(&crate::network_interface::Attachment) -> String,
) -> Vec<String> {
    i.interfaces
        .iter()
        .filter_map(|e| e.attachment.as_ref().map(f))
        .collect()
}

fn volume_value(i: &Instance, f: fn(&crate::volume::VolumeAttachment) -> String) -> Vec<String> {
    i.volumes
        .iter()
        .filter_map(|v| v.attachment.as_ref().map(f))
        .collect()
}

/// DescribeInstances filters. Those about things localvpc does not model (spot, capacity
/// reservations, …) are declared with the values localvpc reports, so valid filters never fail.
pub const FILTERS: &[FilterDef<Instance>] = &[
    def("architecture", |_| one("x86_64")),
    def("availability-zone", |i| one(&i.availability_zone)),
    def("block-device-mapping.attach-time", |i| {
        volume_value(i, |a| a.attach_time.clone())
    }),
    def("block-device-mapping.delete-on-termination", |i| {
        volume_value(i, |a| a.delete_on_termination.to_string())
    }),
    def("block-device-mapping.device-name", |i| {
        volume_value(i, |a| a.device.clone())
    }),
    def("block-device-mapping.status", |i| {
        volume_value(i, |_| "attached".into())
    }),
    def("block-device-mapping.volume-id", |i| {
        i.volumes.iter().map(|v| v.id.clone()).collect()
    }),
    def("client-token", |i| opt(i.client_token.as_ref())),
    def("dns-name", |_| vec![]),
    def("hypervisor", |i| {
        opt(crate::instance_type::InstanceType::named(&i.instance_type)
            .and_then(|t| t.hypervisor.clone()))
    }),
    def("image-id", |i| one(&i.image_id)),
    def("ipv6-address", |i| {
        i.primary_interface().map(ipv6_values).unwrap_or_default()
    }),
    def("instance-id", |i| one(&i.id)),
    def("instance-lifecycle", |_| vec![]),
    def("instance-state-code", |i| one(i.state.code())),
    def("instance-state-name", |i| one(i.state.name())),
    def("instance-type", |i| one(&i.instance_type)),
    def("instance.group-id", |i| {
        primary_value(i, |e| {
            e.groups.first().map(|g| g.id.clone()).unwrap_or_default()
        })
    }),
    def("instance.group-name", |i| {
        primary_value(i, |e| {
            e.groups.first().map(|g| g.name.clone()).unwrap_or_default()
        })
    }),
    def("ip-address", |i| {
        i.primary_interface()
            .and_then(|e| e.primary_association())
            .map(|a| a.public_ip.to_string())
            .into_iter()
            .collect()
    }),
    def("key-name", |i| opt(i.key_name.as_ref())),
    def("launch-index", |i| one(i.ami_launch_index)),
    def("launch-time", |i| one(&i.launch_time)),
    def("metadata-options.http-tokens", |i| {
        one(&i.metadata_options.http_tokens)
    }),
    def("metadata-options.http-endpoint", |i| {
        one(&i.metadata_options.http_endpoint)
    }),
    def("metadata-options.http-put-response-hop-limit", |i| {
        one(i.metadata_options.http_put_response_hop_limit)
    }),
    def("metadata-options.http-protocol-ipv6", |i| {
        one(&i.metadata_options.http_protocol_ipv6)
    }),
    def("metadata-options.instance-metadata-tags", |i| {
        one(&i.metadata_options.instance_metadata_tags)
    }),
    def("monitoring-state", |i| {
        one(if i.monitoring { "enabled" } else { "disabled" })
    }),
    def("network-interface.addresses.private-ip-address", |i| {
        eni_values(i, |e| {
            e.private_ips
                .iter()
                .map(|p| p.address.to_string())
                .collect()
        })
    }),
    def("network-interface.addresses.primary", |i| {
        eni_values(i, |e| {
            e.private_ips
                .iter()
                .map(|p| p.primary.to_string())
                .collect()
        })
    }),
    def("network-interface.addresses.association.public-ip", |i| {
        eni_values(i, |e| {
            e.private_ips
                .iter()
                .filter_map(|p| p.association.as_ref().map(|a| a.public_ip.to_string()))
                .collect()
        })
    }),
    def("network-interface.addresses.association.ip-owner-id", |i| {
        eni_values(i, |e| {
            e.private_ips
                .iter()
                .filter_map(|p| p.association.as_ref().map(|a| a.ip_owner_id.clone()))
                .collect()
        })
    }),
    def("network-interface.association.public-ip", |i| {
        eni_values(i, |e| {
            e.primary_association()
                .map(|a| a.public_ip.to_string())
                .into_iter()
                .collect()
        })
    }),
    def("network-interface.association.ip-owner-id", |i| {
        eni_values(i, |e| {
            e.primary_association()
                .map(|a| a.ip_owner_id.clone())
                .into_iter()
                .collect()
        })
    }),
    def("network-interface.association.allocation-id", |i| {
        eni_values(i, |e| {
            e.private_ips
                .iter()
                .filter_map(|p| p.association.as_ref()?.allocation_id.clone())
                .collect()
        })
    }),
    def("network-interface.association.association-id", |i| {
        eni_values(i, |e| {
            e.private_ips
                .iter()
                .filter_map(|p| p.association.as_ref()?.association_id.clone())
                .collect()
        })
    }),
    def("network-interface.attachment.attachment-id", |i| {
        attachment_values(i, |a| a.id.clone())
    }),
    def("network-interface.attachment.instance-id", |i| {
        attachment_values(i, |a| a.instance_id.clone())
    }),
    def("network-interface.attachment.instance-owner-id", |i| {
        attachment_values(i, |a| a.instance_owner_id.clone())
    }),
    def("network-interface.attachment.device-index", |i| {
        attachment_values(i, |a| a.device_index.to_string())
    }),
    def("network-interface.attachment.network-card-index", |i| {
        attachment_values(i, |a| a.network_card_index.to_string())
    }),
    def("network-interface.attachment.status", |i| {
        attachment_values(i, |_| "attached".to_string())
    }),
    def("network-interface.attachment.attach-time", |i| {
        attachment_values(i, |a| a.attach_time.clone())
    }),
    def("network-interface.attachment.delete-on-termination", |i| {
        attachment_values(i, |a| a.delete_on_termination.to_string())
    }),
    def("network-interface.availability-zone", |i| {
        eni_values(i, |e| vec![e.availability_zone.clone()])
    }),
    def("network-interface.description", |i| {
        eni_values(i, |e| vec![e.description.clone()])
    }),
    def("network-interface.group-id", |i| {
        eni_values(i, |e| e.groups.iter().map(|g| g.id.clone()).collect())
    }),
    def("network-interface.group-name", |i| {
        eni_values(i, |e| e.groups.iter().map(|g| g.name.clone()).collect())
    }),
    def("network-interface.mac-address", |i| {
        eni_values(i, |e| vec![e.mac_address.clone()])
    }),
    def("network-interface.network-interface-id", |i| {
        eni_values(i, |e| vec![e.id.clone()])
    }),
    def("network-interface.owner-id", |i| {
        eni_values(i, |e| vec![e.owner_id.clone()])
    }),
    def("network-interface.ipv6-address", |i| {
        eni_values(i, ipv6_values)
    }),
    def("network-interface.ipv6-addresses.ipv6-address", |i| {
        eni_values(i, ipv6_values)
    }),
    def("network-interface.ipv4-prefixes.ipv4-prefix", |i| {
        eni_values(i, |e| {
            e.ipv4_prefixes.iter().map(|p| p.to_string()).collect()
        })
    }),
    def("network-interface.ipv6-prefixes.ipv6-prefix", |i| {
        eni_values(i, |e| {
            e.ipv6_prefixes.iter().map(|p| p.to_string()).collect()
        })
    }),
    def("network-interface.ipv6-addresses.is-primary-ipv6", |i| {
        eni_values(i, |e| {
            e.ipv6_addresses
                .iter()
                .map(|a| a.primary.to_string())
                .collect()
        })
    }),
    def("network-interface.private-ip-address", |i| {
        eni_values(i, |e| {
            e.private_ips
                .iter()
                .map(|p| p.address.to_string())
                .collect()
        })
    }),
    def("network-interface.requester-managed", |i| {
        eni_values(i, |e| vec![e.requester_managed().to_string()])
    }),
    def("network-interface.source-dest-check", |i| {
        eni_values(i, |e| vec![e.source_dest_check.to_string()])
    }),
    def("network-interface.status", |i| {
        eni_values(i, |e| vec![e.status().to_string()])
    }),
    def("network-interface.subnet-id", |i| {
        eni_values(i, |e| vec![e.subnet_id.clone()])
    }),
    def("network-interface.vpc-id", |i| {
        eni_values(i, |e| vec![e.vpc_id.clone()])
    }),
    def("network-interface.tag-key", |i| {
        eni_values(i, |e| e.tags.iter().map(|t| t.key.clone()).collect())
    }),
    def("network-interface.tag-value", |i| {
        eni_values(i, |e| e.tags.iter().map(|t| t.value.clone()).collect())
    }),
    def("owner-id", |i| one(&i.owner_id)),
    def("placement-group-name", |_| vec![]),
    def("platform-details", |_| one("Linux/UNIX")),
    def("private-dns-name", |i| {
        opt(i.primary_interface().and_then(private_dns_name_of).as_ref())
    }),
    def("private-ip-address", |i| {
        primary_value(i, |e| e.primary_ip().to_string())
    }),
    def("reason", |i| one(&i.state_transition_reason)),
    def("reservation-id", |i| one(&i.reservation_id)),
    def("root-device-name", |i| one(i.root_device_name())),
    def("root-device-type", |_| one("ebs")),
    def("source-dest-check", |i| {
        primary_value(i, |e| e.source_dest_check.to_string())
    }),
    def("spot-instance-request-id", |_| vec![]),
    def("subnet-id", |i| primary_value(i, |e| e.subnet_id.clone())),
    def("tenancy", |_| one("default")),
    def("virtualization-type", |_| one("hvm")),
    def("vpc-id", |i| primary_value(i, |e| e.vpc_id.clone())),
];

/// DescribeInstanceStatus filters.
pub const STATUS_FILTERS: &[FilterDef<Instance>] = &[
    def("availability-zone", |i| one(&i.availability_zone)),
    def("instance-state-code", |i| one(i.state.code())),
    def("instance-state-name", |i| one(i.state.name())),
    def("instance-status.status", |i| {
        one(if i.state == InstanceState::Running {
            "ok"
        } else {
            "not-applicable"
        })
    }),
    def("instance-status.reachability", |i| {
        one(if i.state == InstanceState::Running {
            "passed"
        } else {
            "not-applicable"
        })
    }),
    def("system-status.status", |i| {
        one(if i.state == InstanceState::Running {
            "ok"
        } else {
            "not-applicable"
        })
    }),
    def("system-status.reachability", |i| {
        one(if i.state == InstanceState::Running {
            "passed"
        } else {
            "not-applicable"
        })
    }),
];
