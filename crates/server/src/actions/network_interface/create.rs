//! Creating an interface: shared by CreateNetworkInterface and RunInstances' network-interface
//! specifications.

use super::prefixes::{addresses_of, pick_ipv4, pick_ipv6};
use crate::actions::ipv6::new_interface_addresses;
use crate::context::Ctx;
use localvpc_model::address::PrivateIpEntry;
use localvpc_model::ipv6::Ipv6Request;
use localvpc_model::network_interface::{
    GroupRef, NetworkInterface, PrivateIp, Requester, generate_mac,
};
use localvpc_model::prefix::Prefixes;
use localvpc_model::security_group::DEFAULT_GROUP_NAME;
use localvpc_model::{Ec2Error, ErrorCode, IdKind, Quota, Tag, address};
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// What a caller asked for one new interface.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct NewInterface {
    pub subnet_id: String,
    pub description: String,
    /// `PrivateIpAddress`, or the `PrivateIpAddresses` entry marked primary.
    pub primary: Option<String>,
    /// Further explicit addresses.
    pub secondaries: Vec<String>,
    pub secondary_count: u32,
    pub group_ids: Vec<String>,
    pub interface_type: String,
    pub ipv6: Ipv6Request,
    pub prefixes: Prefixes,
    pub tags: Vec<Tag>,
    /// A service's interface: no security groups unless given, no source/destination check.
    pub requester: Option<Requester>,
}

/// One `PrivateIpAddresses.N` entry.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct PrivateIpSpec {
    pub primary: Option<bool>,
    pub private_ip_address: Option<String>,
}

impl PrivateIpSpec {
    pub fn entry(&self) -> PrivateIpEntry {
        PrivateIpEntry {
            primary: self.primary,
            address: self.private_ip_address.clone(),
        }
    }
}

/// Resolves the groups of a new interface: the VPC's `default` group when none is given; each
/// must exist in the interface's VPC; at most the per-interface quota.
pub fn resolve_groups(
    ctx: &mut Ctx,
    vpc_id: &str,
    group_ids: &[String],
) -> Result<Vec<GroupRef>, Ec2Error> {
    let groups = ctx.tx.security_group_refs(vpc_id)?;
    if group_ids.is_empty() {
        let default = groups
            .into_iter()
            .find(|g| g.name == DEFAULT_GROUP_NAME)
            .ok_or_else(Ec2Error::internal)?;
        return Ok(vec![default]);
    }
    let mut out: Vec<GroupRef> = Vec::new();
    for id in group_ids {
        IdKind::SecurityGroup.parse(id)?;
        if out.iter().any(|g| &g.id == id) {
            continue;
        }
        let group = groups.iter().find(|g| &g.id == id).ok_or_else(|| {
            Ec2Error::new(
                ErrorCode::InvalidGroupNotFound,
                format!("The security group '{id}' does not exist in VPC '{vpc_id}'"),
            )
        })?;
        out.push(group.clone());
    }
    ctx.config
        .quotas
        .check(Quota::SecurityGroupsPerInterface, "", 0, out.len())?;
    Ok(out)
}

/// Which of the addresses named in `texts` some interface in the subnet holds (what
/// [`address::check_explicit`] needs, found through the primary key).
pub fn held_addresses(
    ctx: &mut Ctx,
    subnet_id: &str,
    texts: &[String],
) -> Result<BTreeSet<Ipv4Addr>, Ec2Error> {
    let mut held = BTreeSet::new();
    for addr in texts.iter().filter_map(|t| address::parse(t).ok()) {
        if ctx.tx.address_holder(subnet_id, addr)?.is_some() {
            held.insert(addr);
        }
    }
    Ok(held)
}

/// Prefixes exclude the same family's secondary addresses in one request (the model's docs:
/// "You can't specify a count of private IPv4 addresses if you've specified … IPv4 prefixes").
fn check_prefix_combinations(new: &NewInterface) -> Result<(), Ec2Error> {
    if !new.prefixes.v4.is_empty() && (!new.secondaries.is_empty() || new.secondary_count > 0) {
        return Err(Ec2Error::combination(
            "Secondary private IPv4 addresses cannot be specified together with IPv4 prefixes.",
        ));
    }
    if !new.prefixes.v6.is_empty() && new.ipv6.wanted() > 0 {
        return Err(Ec2Error::combination(
            "IPv6 addresses cannot be specified together with IPv6 prefixes.",
        ));
    }
    Ok(())
}

/// Creates and stores an interface: subnet, groups, addresses (explicit ones checked in AWS's
/// order, the rest allocated), prefixes (explicit ones before the addresses are allocated,
/// counted ones after), a fresh MAC, tags.
pub fn create_interface(
    ctx: &mut Ctx,
    mut new: NewInterface,
) -> Result<NetworkInterface, Ec2Error> {
    check_prefix_combinations(&new)?;
    if !new.prefixes.v6.is_empty() && new.ipv6.addresses.is_empty() {
        // An IPv6 option of its own: the subnet's AssignIpv6AddressOnCreation does not apply.
        new.ipv6.count.get_or_insert(0);
    }
    let subnet = ctx
        .tx
        .subnet(&ctx.owner(), &IdKind::Subnet.parse(&new.subnet_id)?)?;
    ctx.config.quotas.check(
        Quota::NetworkInterfacesPerRegion,
        "",
        ctx.tx.count_network_interfaces()?,
        1,
    )?;
    let groups = if new.requester.is_some() && new.group_ids.is_empty() {
        Vec::new()
    } else {
        resolve_groups(ctx, &subnet.vpc_id, &new.group_ids)?
    };
    let ipv6_addresses = new_interface_addresses(ctx, &subnet, &new.ipv6)?;
    let explicit: Vec<String> = new
        .primary
        .iter()
        .chain(new.secondaries.iter())
        .cloned()
        .collect();
    let held = held_addresses(ctx, &subnet.id, &explicit)?;
    let mut addresses =
        address::check_explicit(subnet.cidr, &explicit, &held, |_| address::in_use())?;
    let counted_v4 = new.prefixes.v4.count > 0;
    let explicit_v4 = if counted_v4 {
        Vec::new()
    } else {
        pick_ipv4(ctx, &subnet, &new.prefixes.v4, &addresses)?
    };
    let mut taken = addresses.clone();
    taken.extend(addresses_of(&explicit_v4));
    let wanted = usize::from(new.primary.is_none()) + new.secondary_count as usize;
    let allocated = address::allocate(
        &subnet.id,
        subnet.cidr,
        &mut ctx.tx.used_addresses(&subnet.id),
        &taken,
        wanted,
    )?;
    if new.primary.is_none() {
        addresses.insert(0, allocated[0]);
        addresses.extend(&allocated[1..]);
    } else {
        addresses.extend(allocated);
    }
    let ipv4_prefixes = if counted_v4 {
        pick_ipv4(ctx, &subnet, &new.prefixes.v4, &addresses)?
    } else {
        explicit_v4
    };
    let v6_taken: Vec<_> = ipv6_addresses.iter().map(|a| a.address).collect();
    let ipv6_prefixes = pick_ipv6(ctx, &subnet, &new.prefixes.v6, &v6_taken)?;
    let mac = loop {
        let mac = generate_mac();
        if !ctx.tx.mac_in_use(&mac)? {
            break mac;
        }
    };
    let eni = NetworkInterface {
        id: IdKind::NetworkInterface.generate(),
        owner_id: ctx.account.to_owned(),
        subnet_id: subnet.id.clone(),
        vpc_id: subnet.vpc_id.clone(),
        availability_zone: subnet.availability_zone.clone(),
        availability_zone_id: subnet.availability_zone_id.clone(),
        description: new.description,
        mac_address: mac,
        interface_type: new.interface_type,
        source_dest_check: new.requester.is_none(),
        requester: new.requester,
        private_ips: addresses
            .iter()
            .enumerate()
            .map(|(i, a)| PrivateIp {
                address: *a,
                primary: i == 0,
                association: None,
            })
            .collect(),
        ipv6_addresses,
        ipv4_prefixes,
        ipv6_prefixes,
        groups,
        attachment: None,
        tags: new.tags,
    };
    ctx.tx.insert_network_interface(&eni)?;
    Ok(eni)
}
