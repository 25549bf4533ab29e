//! Delegated prefixes of interfaces: what a request asks (`Ipv4Prefix.N`/`Ipv4PrefixCount`,
//! `Ipv6Prefix.N`/`Ipv6PrefixCount`), picking them in the subnet, the per-type limits that count
//! each prefix as one address, and their wire form.

use crate::context::Ctx;
use ipnet::{Ipv4Net, Ipv6Net};
use localvpc_model::instance_type::InstanceType;
use localvpc_model::network_interface::{self, NetworkInterface};
use localvpc_model::prefix::{self, PrefixRequest, ipv6_prefix_of};
use localvpc_model::subnet::Subnet;
use localvpc_model::{Ec2Error, ipv6};
use serde::{Deserialize, Serialize};
use std::net::{Ipv4Addr, Ipv6Addr};

/// One `Ipv4Prefix.N` entry of CreateNetworkInterface or a launch's interface.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Ipv4PrefixSpec {
    pub ipv4_prefix: Option<String>,
}

/// One `Ipv6Prefix.N` entry.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Ipv6PrefixSpec {
    pub ipv6_prefix: Option<String>,
}

/// The prefixes `Ipv4Prefix.N` names (entries without one are skipped).
pub fn named_v4(specs: &[Ipv4PrefixSpec]) -> Vec<String> {
    specs.iter().filter_map(|s| s.ipv4_prefix.clone()).collect()
}

/// The prefixes `Ipv6Prefix.N` names.
pub fn named_v6(specs: &[Ipv6PrefixSpec]) -> Vec<String> {
    specs.iter().filter_map(|s| s.ipv6_prefix.clone()).collect()
}

/// The IPv4 prefixes a request names (checked in order) or counts, clear of the subnet's
/// addresses and prefixes and of `taken` (addresses chosen in the same call).
pub fn pick_ipv4(
    ctx: &Ctx,
    subnet: &Subnet,
    req: &PrefixRequest,
    taken: &[Ipv4Addr],
) -> Result<Vec<Ipv4Net>, Ec2Error> {
    let tx = &ctx.tx;
    let mut out: Vec<Ipv4Net> = Vec::new();
    for text in &req.explicit {
        let net = prefix::check_ipv4(subnet.cidr, text, |n| {
            Ok(out.contains(&n)
                || taken.iter().any(|a| n.contains(a))
                || tx.ipv4_prefix_overlaps(&subnet.id, n)?)
        })?;
        out.push(net);
    }
    if req.count > 0 {
        out = prefix::allocate_ipv4(
            subnet.cidr,
            &mut tx.used_addresses(&subnet.id),
            taken,
            req.count,
        )?;
    }
    Ok(out)
}

/// The IPv6 prefixes a request names or counts, as [`pick_ipv4`] in the subnet's /64.
pub fn pick_ipv6(
    ctx: &Ctx,
    subnet: &Subnet,
    req: &PrefixRequest,
    taken: &[Ipv6Addr],
) -> Result<Vec<Ipv6Net>, Ec2Error> {
    if req.is_empty() {
        return Ok(Vec::new());
    }
    let tx = &ctx.tx;
    let block = subnet.ipv6_block.as_ref().map(|b| b.cidr);
    let mut held = tx.ipv6_address_prefixes(&subnet.id)?;
    held.extend(taken.iter().map(|a| ipv6_prefix_of(*a)));
    let mut out: Vec<Ipv6Net> = Vec::new();
    for text in &req.explicit {
        let net = prefix::check_ipv6(block, text, |n| {
            Ok(out.contains(&n)
                || held.contains(&n)
                || tx.ipv6_prefix_holder(&subnet.id, n.network())?.is_some())
        })?;
        out.push(net);
    }
    if req.count > 0 {
        let block = block.ok_or_else(ipv6::no_ipv6_block)?;
        out = prefix::allocate_ipv6(block, req.count, &mut rand::rng(), |n| {
            Ok(held.contains(&n) || tx.ipv6_prefix_holder(&subnet.id, n.network())?.is_some())
        })?;
    }
    Ok(out)
}

/// The addresses of IPv4 prefixes, for allocating single addresses around them.
pub fn addresses_of(prefixes: &[Ipv4Net]) -> Vec<Ipv4Addr> {
    prefixes
        .iter()
        .flat_map(|p| (u32::from(p.network())..=u32::from(p.broadcast())).map(Ipv4Addr::from))
        .collect()
}

/// An interface's counts against its (new) instance type, as AWS counts them: each prefix is
/// one address of its family; prefixes need a Nitro type.
pub fn check_limits(
    itype: &InstanceType,
    v4: usize,
    v6: usize,
    any_prefix: bool,
) -> Result<(), Ec2Error> {
    prefix::check_type(itype, any_prefix)?;
    network_interface::check_address_limit(v4, itype)?;
    ipv6::check_limit(v6, itype)
}

/// [`check_limits`] for an attached interface's instance type, with the counts it would have;
/// a detached interface is checked when attached.
pub fn check_attached(
    ctx: &mut Ctx,
    eni: &NetworkInterface,
    v4: usize,
    v6: usize,
    any_prefix: bool,
) -> Result<(), Ec2Error> {
    if let Some(a) = &eni.attachment {
        let instance = ctx.tx.instance(ctx.account, &a.instance_id)?;
        let itype = InstanceType::named(&instance.instance_type).ok_or_else(Ec2Error::internal)?;
        check_limits(itype, v4, v6, any_prefix)?;
    }
    Ok(())
}

/// [`check_limits`] for an interface as it stands.
pub fn check_interface(eni: &NetworkInterface, itype: &InstanceType) -> Result<(), Ec2Error> {
    check_limits(
        itype,
        eni.ipv4_count(),
        eni.ipv6_count(),
        eni.has_prefixes(),
    )
}

/// Parses prefixes to unassign: each must be one of the interface's (any text form).
pub fn owned<N: Copy + PartialEq + std::fmt::Display>(
    eni_id: &str,
    texts: &[String],
    held: &[N],
    parse: impl Fn(&str) -> Option<N>,
) -> Result<Vec<N>, Ec2Error> {
    let mut out: Vec<N> = Vec::new();
    for text in texts {
        let net = parse(text).filter(|n| held.contains(n)).ok_or_else(|| {
            Ec2Error::invalid_value(format!(
                "The prefix {text} is not assigned to the network interface {eni_id}."
            ))
        })?;
        if !out.contains(&net) {
            out.push(net);
        }
    }
    Ok(out)
}

pub fn parse_ipv4(text: &str) -> Option<Ipv4Net> {
    text.parse::<Ipv4Net>()
        .ok()
        .filter(|n| n.prefix_len() == prefix::IPV4_LEN && n.trunc() == *n)
}

pub fn parse_ipv6(text: &str) -> Option<Ipv6Net> {
    text.parse::<Ipv6Net>()
        .ok()
        .filter(|n| n.prefix_len() == prefix::IPV6_LEN && n.trunc() == *n)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv4PrefixWire {
    ipv4_prefix: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6PrefixWire {
    ipv6_prefix: String,
}

pub fn ipv4_wire(prefixes: &[Ipv4Net]) -> Vec<Ipv4PrefixWire> {
    prefixes
        .iter()
        .map(|p| Ipv4PrefixWire {
            ipv4_prefix: p.to_string(),
        })
        .collect()
}

pub fn ipv6_wire(prefixes: &[Ipv6Net]) -> Vec<Ipv6PrefixWire> {
    prefixes
        .iter()
        .map(|p| Ipv6PrefixWire {
            ipv6_prefix: p.to_string(),
        })
        .collect()
}
