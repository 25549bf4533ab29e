//! DescribeNetworkInterfaces filters: filter name → the interface's values.

use super::{Attachment, NetworkInterface, PublicAssociation, private_dns_name_of};
use crate::filter::{FilterDef, Tagged, def, one, opt};
use crate::tags::Tag;

impl Tagged for NetworkInterface {
    fn tags(&self) -> &[Tag] {
        &self.tags
    }
}

fn attachment_values(e: &NetworkInterface, f: fn(&Attachment) -> String) -> Vec<String> {
    e.attachment.as_ref().map(f).into_iter().collect()
}

fn association_values(
    e: &NetworkInterface,
    f: fn(&PublicAssociation) -> Option<String>,
) -> Vec<String> {
    e.private_ips
        .iter()
        .filter_map(|p| p.association.as_ref().and_then(f))
        .collect()
}

fn ipv6_values(e: &NetworkInterface) -> Vec<String> {
    e.ipv6_addresses
        .iter()
        .map(|a| a.address.to_string())
        .collect()
}

pub const FILTERS: &[FilterDef<NetworkInterface>] = &[
    def("addresses.private-ip-address", |e| {
        e.private_ips
            .iter()
            .map(|p| p.address.to_string())
            .collect()
    }),
    def("addresses.primary", |e| {
        e.private_ips
            .iter()
            .map(|p| p.primary.to_string())
            .collect()
    }),
    def("addresses.association.public-ip", |e| {
        association_values(e, |a| Some(a.public_ip.to_string()))
    }),
    def("addresses.association.owner-id", |e| {
        association_values(e, |a| Some(a.ip_owner_id.clone()))
    }),
    def("association.association-id", |e| {
        association_values(e, |a| a.association_id.clone())
    }),
    def("association.allocation-id", |e| {
        association_values(e, |a| a.allocation_id.clone())
    }),
    def("association.ip-owner-id", |e| {
        opt(e.primary_association().map(|a| a.ip_owner_id.clone()))
    }),
    def("association.public-ip", |e| {
        opt(e.primary_association().map(|a| a.public_ip))
    }),
    def("association.public-dns-name", |_| vec![]),
    def("attachment.attach-time", |e| {
        attachment_values(e, |a| a.attach_time.clone())
    }),
    def("attachment.attachment-id", |e| {
        attachment_values(e, |a| a.id.clone())
    }),
    def("attachment.delete-on-termination", |e| {
        attachment_values(e, |a| a.delete_on_termination.to_string())
    }),
    def("attachment.device-index", |e| {
        attachment_values(e, |a| a.device_index.to_string())
    }),
    def("attachment.instance-id", |e| {
        attachment_values(e, |a| a.instance_id.clone())
    }),
    def("attachment.instance-owner-id", |e| {
        attachment_values(e, |a| a.instance_owner_id.clone())
    }),
    def("attachment.nat-gateway-id", |_| vec![]),
    def("attachment.network-card-index", |e| {
        attachment_values(e, |a| a.network_card_index.to_string())
    }),
    def("attachment.status", |e| {
        attachment_values(e, |_| "attached".to_string())
    }),
    def("availability-zone", |e| one(&e.availability_zone)),
    def("availability-zone-id", |e| one(&e.availability_zone_id)),
    def("description", |e| one(&e.description)),
    def("group-id", |e| {
        e.groups.iter().map(|g| g.id.clone()).collect()
    }),
    def("group-name", |e| {
        e.groups.iter().map(|g| g.name.clone()).collect()
    }),
    def("ipv6-addresses.ipv6-address", ipv6_values),
    def("ipv6-address", ipv6_values),
    def("interface-type", |e| one(&e.interface_type)),
    def("mac-address", |e| one(&e.mac_address)),
    def("network-interface-id", |e| one(&e.id)),
    def("operator.managed", |_| one(false)),
    def("operator.principal", |_| vec![]),
    def("owner-id", |e| one(&e.owner_id)),
    def("private-dns-name", |e| opt(private_dns_name_of(e).as_ref())),
    def("private-ip-address", |e| {
        e.private_ips
            .iter()
            .map(|p| p.address.to_string())
            .collect()
    }),
    def("requester-id", |e| {
        opt(e.requester.as_ref().map(|r| r.requester_id.clone()))
    }),
    def("requester-managed", |e| one(e.requester_managed())),
    def("source-dest-check", |e| one(e.source_dest_check)),
    def("status", |e| one(e.status())),
    def("subnet-id", |e| one(&e.subnet_id)),
    def("vpc-id", |e| one(&e.vpc_id)),
];
