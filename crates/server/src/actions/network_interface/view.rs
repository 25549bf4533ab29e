//! How interfaces appear on the wire: in DescribeNetworkInterfaces (`NetworkInterface`) and
//! inside an instance (`InstanceNetworkInterface`, which omits a few fields).

use crate::context::Ctx;
use crate::wire::TagWire;
use localvpc_model::Ec2Error;
use localvpc_model::network_interface::{NetworkInterface, PublicAssociation, private_dns_name};
use localvpc_model::region::Region;
use serde::Serialize;
use std::collections::HashSet;

/// What naming depends on: the region, and which VPCs give public DNS names
/// (`enableDnsHostnames`).
pub struct Naming {
    pub region: &'static Region,
    hostname_vpcs: HashSet<String>,
}

impl Naming {
    pub fn load(ctx: &mut Ctx) -> Result<Self, Ec2Error> {
        let hostname_vpcs = ctx.tx.vpcs_with_dns_hostnames()?;
        Ok(Self {
            region: ctx.region,
            hostname_vpcs,
        })
    }

    /// The public DNS name of an address in `vpc_id`, or "" where the VPC gives none.
    pub fn public_dns(&self, vpc_id: &str, a: &PublicAssociation) -> String {
        if self.hostname_vpcs.contains(vpc_id) {
            public_dns_name(a, self.region)
        } else {
            String::new()
        }
    }
}

#[derive(Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct AssociationWire {
    pub public_ip: String,
    pub public_dns_name: String,
    pub ip_owner_id: String,
    pub allocation_id: Option<String>,
    pub association_id: Option<String>,
}

/// The same association without the Elastic IP fields, as instances show it.
#[derive(Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceAssociationWire {
    pub public_ip: String,
    pub public_dns_name: String,
    pub ip_owner_id: String,
}

/// `ec2-203-0-113-12.compute-1.amazonaws.com` in us-east-1, `ec2-….<region>.compute.amazonaws.com` elsewhere.
pub fn public_dns_name(a: &PublicAssociation, region: &Region) -> String {
    let dashed = a.public_ip.to_string().replace('.', "-");
    if region.name == "us-east-1" {
        format!("ec2-{dashed}.compute-1.amazonaws.com")
    } else {
        format!("ec2-{dashed}.{}.compute.amazonaws.com", region.name)
    }
}

fn association(a: &PublicAssociation, vpc_id: &str, naming: &Naming) -> AssociationWire {
    AssociationWire {
        public_ip: a.public_ip.to_string(),
        public_dns_name: naming.public_dns(vpc_id, a),
        ip_owner_id: a.ip_owner_id.clone(),
        allocation_id: a.allocation_id.clone(),
        association_id: a.association_id.clone(),
    }
}

fn instance_association(
    a: &PublicAssociation,
    vpc_id: &str,
    naming: &Naming,
) -> InstanceAssociationWire {
    InstanceAssociationWire {
        public_ip: a.public_ip.to_string(),
        public_dns_name: naming.public_dns(vpc_id, a),
        ip_owner_id: a.ip_owner_id.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachmentWire {
    attach_time: String,
    attachment_id: String,
    delete_on_termination: bool,
    device_index: u32,
    network_card_index: u32,
    /// Interfaces show the instance; instances showing their own interfaces do not.
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_owner_id: Option<String>,
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupWire {
    pub group_id: String,
    pub group_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrivateIpWire<A> {
    association: Option<A>,
    primary: bool,
    private_dns_name: String,
    private_ip_address: String,
}

use super::prefixes::{Ipv4PrefixWire, Ipv6PrefixWire, ipv4_wire, ipv6_wire};
use crate::actions::ipv6::{Ipv6AddressWire, ipv6_addresses, main_ipv6};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OperatorWire {
    managed: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkInterfaceWire {
    network_interface_id: String,
    subnet_id: String,
    vpc_id: String,
    availability_zone: String,
    availability_zone_id: String,
    description: String,
    owner_id: String,
    requester_id: Option<String>,
    requester_managed: bool,
    status: &'static str,
    mac_address: String,
    private_ip_address: String,
    private_dns_name: String,
    source_dest_check: bool,
    interface_type: String,
    groups: Vec<GroupWire>,
    attachment: Option<AttachmentWire>,
    association: Option<AssociationWire>,
    private_ip_addresses: Vec<PrivateIpWire<AssociationWire>>,
    ipv6_addresses: Vec<Ipv6AddressWire>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ipv4_prefixes: Vec<Ipv4PrefixWire>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ipv6_prefixes: Vec<Ipv6PrefixWire>,
    ipv6_native: bool,
    ipv6_address: Option<String>,
    operator: OperatorWire,
    tag_set: Vec<TagWire>,
}

pub fn groups(e: &NetworkInterface) -> Vec<GroupWire> {
    e.groups
        .iter()
        .map(|g| GroupWire {
            group_id: g.id.clone(),
            group_name: g.name.clone(),
        })
        .collect()
}

/// The attachment as interfaces show it (with the instance) or as instances show it (without).
/// A service's interface shows its `ela-attach-…` attachment, owned by `amazon-aws`, at device 1.
pub fn attachment(e: &NetworkInterface, with_instance: bool) -> Option<AttachmentWire> {
    if let Some(r) = &e.requester {
        return Some(AttachmentWire {
            attach_time: r.attach_time.clone(),
            attachment_id: r.attachment_id.clone(),
            delete_on_termination: false,
            device_index: 1,
            network_card_index: 0,
            instance_id: None,
            instance_owner_id: Some("amazon-aws".into()),
            status: "attached",
        });
    }
    e.attachment.as_ref().map(|a| AttachmentWire {
        attach_time: a.attach_time.clone(),
        attachment_id: a.id.clone(),
        delete_on_termination: a.delete_on_termination,
        device_index: a.device_index,
        network_card_index: a.network_card_index,
        instance_id: with_instance.then(|| a.instance_id.clone()),
        instance_owner_id: with_instance.then(|| a.instance_owner_id.clone()),
        status: "attached",
    })
}

/// An interface as DescribeNetworkInterfaces shows it; `status` is `pending` in a create reply.
pub fn network_interface(
    e: &NetworkInterface,
    naming: &Naming,
    status: Option<&'static str>,
) -> NetworkInterfaceWire {
    let region = naming.region;
    NetworkInterfaceWire {
        network_interface_id: e.id.clone(),
        subnet_id: e.subnet_id.clone(),
        vpc_id: e.vpc_id.clone(),
        availability_zone: e.availability_zone.clone(),
        availability_zone_id: e.availability_zone_id.clone(),
        description: e.description.clone(),
        owner_id: e.owner_id.clone(),
        requester_id: e.requester.as_ref().map(|r| r.requester_id.clone()),
        requester_managed: e.requester_managed(),
        status: status.unwrap_or_else(|| e.status()),
        mac_address: e.mac_address.clone(),
        private_ip_address: e.primary_ip().to_string(),
        private_dns_name: private_dns_name(e.primary_ip(), region),
        source_dest_check: e.source_dest_check,
        interface_type: e.interface_type.clone(),
        groups: groups(e),
        attachment: attachment(e, true),
        association: e
            .primary_association()
            .map(|a| association(a, &e.vpc_id, naming)),
        private_ip_addresses: e
            .private_ips
            .iter()
            .map(|p| PrivateIpWire {
                association: p
                    .association
                    .as_ref()
                    .map(|a| association(a, &e.vpc_id, naming)),
                primary: p.primary,
                private_dns_name: private_dns_name(p.address, region),
                private_ip_address: p.address.to_string(),
            })
            .collect(),
        ipv6_addresses: ipv6_addresses(e),
        ipv4_prefixes: ipv4_wire(&e.ipv4_prefixes),
        ipv6_prefixes: ipv6_wire(&e.ipv6_prefixes),
        ipv6_native: false,
        ipv6_address: main_ipv6(e),
        operator: OperatorWire { managed: false },
        tag_set: e.tags.iter().map(TagWire::from).collect(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceNetworkInterfaceWire {
    network_interface_id: String,
    subnet_id: String,
    vpc_id: String,
    description: String,
    owner_id: String,
    status: &'static str,
    mac_address: String,
    private_ip_address: String,
    private_dns_name: String,
    source_dest_check: bool,
    interface_type: String,
    groups: Vec<GroupWire>,
    attachment: Option<AttachmentWire>,
    association: Option<InstanceAssociationWire>,
    private_ip_addresses: Vec<PrivateIpWire<InstanceAssociationWire>>,
    ipv6_addresses: Vec<Ipv6AddressWire>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ipv4_prefixes: Vec<Ipv4PrefixWire>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ipv6_prefixes: Vec<Ipv6PrefixWire>,
    operator: OperatorWire,
}

/// An interface inside an instance's `networkInterfaceSet`.
pub fn instance_network_interface(
    e: &NetworkInterface,
    naming: &Naming,
) -> InstanceNetworkInterfaceWire {
    let region = naming.region;
    InstanceNetworkInterfaceWire {
        network_interface_id: e.id.clone(),
        subnet_id: e.subnet_id.clone(),
        vpc_id: e.vpc_id.clone(),
        description: e.description.clone(),
        owner_id: e.owner_id.clone(),
        status: e.status(),
        mac_address: e.mac_address.clone(),
        private_ip_address: e.primary_ip().to_string(),
        private_dns_name: private_dns_name(e.primary_ip(), region),
        source_dest_check: e.source_dest_check,
        interface_type: e.interface_type.clone(),
        groups: groups(e),
        attachment: attachment(e, false),
        association: e
            .primary_association()
            .map(|a| instance_association(a, &e.vpc_id, naming)),
        private_ip_addresses: e
            .private_ips
            .iter()
            .map(|p| PrivateIpWire {
                association: p
                    .association
                    .as_ref()
                    .map(|a| instance_association(a, &e.vpc_id, naming)),
                primary: p.primary,
                private_dns_name: private_dns_name(p.address, region),
                private_ip_address: p.address.to_string(),
            })
            .collect(),
        ipv6_addresses: ipv6_addresses(e),
        ipv4_prefixes: ipv4_wire(&e.ipv4_prefixes),
        ipv6_prefixes: ipv6_wire(&e.ipv6_prefixes),
        operator: OperatorWire { managed: false },
    }
}
