//! [`System`] over rtnetlink: every Linux call the agent makes is in this file.
//!
//! `--netns NAME`: a netlink socket stays in the network namespace it was created in, so the
//! socket is opened on a short-lived thread that first joins `/var/run/netns/NAME` (`setns` only
//! moves the calling thread); the rest of the process — and the IMDS client — stays where it is,
//! unless the metadata is the guest's own link-local address: then the agent [`enter`]s the
//! namespace whole.

use crate::metadata::Mac;
use crate::state::{Address, Change, Dev, Link, OsState, PROTO, Route, Rule, Seen};
use crate::system::System;
use anyhow::Context;
use futures_util::TryStreamExt;
use ipnet::Ipv4Net;
use nix::sched::{CloneFlags, setns};
use rtnetlink::packet_route::AddressFamily;
use rtnetlink::packet_route::address::{
    AddressAttribute, AddressFlags, AddressMessage, AddressProtocol,
};
use rtnetlink::packet_route::link::{LinkAttribute, LinkFlags};
use rtnetlink::packet_route::route::{
    RouteAddress, RouteAttribute, RouteMessage, RouteProtocol, RouteScope, RouteType,
};
use rtnetlink::packet_route::rule::{RuleAction, RuleAttribute, RuleFlags, RuleMessage};
use rtnetlink::{AddressMessageBuilder, Handle, IpVersion, LinkUnspec, RouteMessageBuilder};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

/// Where `ip netns add` puts named namespaces.
const NETNS_DIR: &str = "/var/run/netns";

pub struct NetlinkSystem {
    runtime: tokio::runtime::Runtime,
    handle: Handle,
}

impl NetlinkSystem {
    /// Opens a netlink connection in the current network namespace, or in the named one.
    pub fn open(netns: Option<&str>) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        let connect = || {
            let _context = runtime.enter();
            rtnetlink::new_connection()
        };
        let (connection, handle, _) = match netns {
            None => connect(),
            Some(name) => in_netns(name, connect)?,
        }
        .context("cannot open a netlink socket")?;
        runtime.spawn(connection);
        Ok(NetlinkSystem { runtime, handle })
    }
}

/// The named network namespace, opened.
fn open_netns(name: &str) -> anyhow::Result<std::fs::File> {
    anyhow::ensure!(
        !name.is_empty() && !name.contains('/') && name != "." && name != "..",
        "invalid network namespace name {name:?}"
    );
    let path = format!("{NETNS_DIR}/{name}");
    std::fs::File::open(&path).with_context(|| format!("no network namespace {name} ({path})"))
}

/// Moves the calling thread — the whole agent, which runs on one thread — into the named
/// network namespace, so that both netlink and IMDS are the guest's.
pub fn enter(name: &str) -> anyhow::Result<()> {
    setns(open_netns(name)?, CloneFlags::CLONE_NEWNET)
        .with_context(|| format!("cannot enter network namespace {name}"))
}

/// Runs `f` on a thread that has joined the named network namespace.
fn in_netns<T: Send>(name: &str, f: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
    let file = open_netns(name)?;
    std::thread::scope(|scope| {
        let thread = scope.spawn(|| {
            setns(&file, CloneFlags::CLONE_NEWNET)
                .with_context(|| format!("cannot enter network namespace {name}"))?;
            Ok(f())
        });
        thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

impl System for NetlinkSystem {
    fn read(&mut self) -> anyhow::Result<OsState> {
        let handle = &self.handle;
        self.runtime.block_on(async {
            let links: Vec<Link> = handle
                .link()
                .get()
                .execute()
                .map_ok(link)
                .try_collect()
                .await?;
            let devs: HashMap<u32, Dev> =
                links.iter().map(|l| (l.dev.index, l.dev.clone())).collect();
            let addresses = handle
                .address()
                .get()
                .execute()
                .try_collect::<Vec<_>>()
                .await?;
            let routes = handle
                .route()
                .get(RouteMessageBuilder::<Ipv4Addr>::new().build())
                .execute();
            let routes = routes.try_collect::<Vec<_>>().await?;
            let rules = handle
                .rule()
                .get(IpVersion::V4)
                .execute()
                .try_collect::<Vec<_>>()
                .await?;
            anyhow::Ok(OsState {
                addresses: addresses.iter().filter_map(|m| address(m, &devs)).collect(),
                routes: routes.iter().filter_map(|m| route(m, &devs)).collect(),
                rules: rules.iter().filter_map(rule).collect(),
                links,
            })
        })
    }

    fn apply(&mut self, change: &Change) -> anyhow::Result<()> {
        let handle = &self.handle;
        self.runtime.block_on(async {
            match change {
                Change::LinkUp(dev) => {
                    let message = LinkUnspec::new_with_index(dev.index).up().build();
                    handle.link().change(message).execute().await
                }
                Change::AddAddress(a) => {
                    let mut request = handle
                        .address()
                        .add(a.dev.index, IpAddr::V4(a.ip), a.prefix);
                    *request.message_mut() = address_message(a);
                    request.execute().await
                }
                Change::DelAddress(a) => handle.address().del(address_message(a)).execute().await,
                Change::AddRoute(r) => handle.route().add(route_message(r)).execute().await,
                Change::DelRoute(r) => handle.route().del(route_message(r)).execute().await,
                Change::AddRule(r) => {
                    let mut request = handle.rule().add();
                    *request.message_mut() = rule_message(r);
                    request.execute().await
                }
                Change::DelRule(r) => handle.rule().del(rule_message(r)).execute().await,
            }
        })?;
        Ok(())
    }
}

fn link(message: rtnetlink::packet_route::link::LinkMessage) -> Link {
    let mut name = String::new();
    let mut mac = None;
    for attribute in message.attributes {
        match attribute {
            LinkAttribute::IfName(n) => name = n,
            LinkAttribute::Address(bytes) => mac = <[u8; 6]>::try_from(bytes).ok().map(Mac),
            _ => {}
        }
    }
    Link {
        dev: Dev {
            index: message.header.index,
            name,
        },
        up: message.header.flags.contains(LinkFlags::Up),
        mac,
    }
}

fn address(message: &AddressMessage, devs: &HashMap<u32, Dev>) -> Option<Seen<Address>> {
    if message.header.family != AddressFamily::Inet {
        return None;
    }
    let (mut local, mut noprefixroute, mut ours) = (None, false, false);
    for attribute in &message.attributes {
        match attribute {
            AddressAttribute::Local(IpAddr::V4(ip)) => local = Some(*ip),
            AddressAttribute::Flags(flags) => {
                noprefixroute = flags.contains(AddressFlags::Noprefixroute)
            }
            AddressAttribute::Protocol(p) => ours = u8::from(*p) == PROTO,
            _ => {}
        }
    }
    let item = Address {
        dev: devs.get(&message.header.index)?.clone(),
        ip: local?,
        prefix: message.header.prefix_len,
        noprefixroute,
    };
    Some(Seen { item, ours })
}

fn address_message(a: &Address) -> AddressMessage {
    let mut message = AddressMessageBuilder::<Ipv4Addr>::new()
        .index(a.dev.index)
        .address(a.ip, a.prefix)
        .build();
    if a.noprefixroute {
        message
            .attributes
            .push(AddressAttribute::Flags(AddressFlags::Noprefixroute));
    }
    message
        .attributes
        .push(AddressAttribute::Protocol(AddressProtocol::Other(PROTO)));
    message
}

/// A unicast IPv4 route through a single interface; others (local, multipath, source- or
/// TOS-specific) are never the agent's and never what it wants.
fn route(message: &RouteMessage, devs: &HashMap<u32, Dev>) -> Option<Seen<Route>> {
    let header = &message.header;
    let plain =
        header.kind == RouteType::Unicast && header.tos == 0 && header.source_prefix_length == 0;
    if header.address_family != AddressFamily::Inet || !plain {
        return None;
    }
    let (mut table, mut dst, mut gateway, mut oif, mut metric) = (
        u32::from(header.table),
        Ipv4Addr::UNSPECIFIED,
        None,
        None,
        0,
    );
    for attribute in &message.attributes {
        match attribute {
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Destination(RouteAddress::Inet(ip)) => dst = *ip,
            RouteAttribute::Gateway(RouteAddress::Inet(ip)) => gateway = Some(*ip),
            RouteAttribute::Oif(index) => oif = Some(*index),
            RouteAttribute::Priority(p) => metric = *p,
            _ => {}
        }
    }
    let item = Route {
        table,
        dst: Ipv4Net::new(dst, header.destination_prefix_length).ok()?,
        gateway,
        dev: devs.get(&oif?)?.clone(),
        metric,
    };
    Some(Seen {
        item,
        ours: header.protocol == RouteProtocol::Other(PROTO),
    })
}

fn route_message(r: &Route) -> RouteMessage {
    let mut builder = RouteMessageBuilder::<Ipv4Addr>::new()
        .destination_prefix(r.dst.addr(), r.dst.prefix_len())
        .output_interface(r.dev.index)
        .table_id(r.table)
        .protocol(RouteProtocol::Other(PROTO));
    builder = match r.gateway {
        Some(gateway) => builder.gateway(gateway),
        None => builder.scope(RouteScope::Link),
    };
    if r.metric != 0 {
        builder = builder.priority(r.metric);
    }
    builder.build()
}

/// `from <prefix> lookup <table>` with no other selector; others are never the agent's.
fn rule(message: &RuleMessage) -> Option<Seen<Rule>> {
    let header = &message.header;
    let plain = header.action == RuleAction::ToTable && header.dst_len == 0 && header.tos == 0;
    if header.family != AddressFamily::Inet || !plain || header.flags.contains(RuleFlags::Invert) {
        return None;
    }
    let (mut src, mut priority, mut table, mut ours) = (None, 0, u32::from(header.table), false);
    for attribute in &message.attributes {
        match attribute {
            RuleAttribute::Source(IpAddr::V4(ip)) => src = Some(*ip),
            RuleAttribute::Priority(p) => priority = *p,
            RuleAttribute::Table(t) => table = *t,
            RuleAttribute::Protocol(p) => ours = *p == RouteProtocol::Other(PROTO),
            RuleAttribute::Destination(_)
            | RuleAttribute::Iifname(_)
            | RuleAttribute::Oifname(_)
            | RuleAttribute::FwMark(_)
            | RuleAttribute::TunId(_)
            | RuleAttribute::UidRange(_)
            | RuleAttribute::IpProtocol(_)
            | RuleAttribute::SourcePortRange(_)
            | RuleAttribute::DestinationPortRange(_) => return None,
            _ => {}
        }
    }
    let item = Rule {
        priority,
        src: Ipv4Net::new(src?, header.src_len).ok()?,
        table,
    };
    Some(Seen { item, ours })
}

fn rule_message(r: &Rule) -> RuleMessage {
    let mut message = RuleMessage::default();
    message.header.family = AddressFamily::Inet;
    message.header.src_len = r.src.prefix_len();
    message.header.action = RuleAction::ToTable;
    message.attributes = vec![
        RuleAttribute::Source(IpAddr::V4(r.src.addr())),
        RuleAttribute::Table(r.table),
        RuleAttribute::Priority(r.priority),
        RuleAttribute::Protocol(RouteProtocol::Other(PROTO)),
    ];
    message
}
