//! An analysis in two forms: AWS's `NetworkInsightsAnalysis` members (what the SDKs read) and
//! `localvpc why`'s trace (hops, verdicts, findings with fixes; reachability.md §3.5).

use localvpc_analyzer::{
    AclRuleRef, Analysis, Component, Direction, Explanation, Header, Hop, Network, Packet,
    Protocol, RouteRef, Rule, SgRuleRef, Step, Verdict,
};
use serde_json::{Map, Value, json};

/// Builds ARNs of the caller's account and region.
pub struct Arns<'a> {
    pub region: &'a str,
    pub account: &'a str,
}

impl Arns<'_> {
    fn component(&self, c: &Component) -> Value {
        json!({
            "Id": c.id,
            "Arn": format!("arn:aws:ec2:{}:{}:{}/{}", self.region, self.account, c.kind.arn_type(), c.id),
        })
    }

    fn of(&self, kind: localvpc_analyzer::Kind, id: &str) -> Value {
        self.component(&Component::new(kind, id))
    }
}

/// The outcome members of a succeeded analysis.
pub fn aws_outcome(a: &Analysis, arns: &Arns) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("NetworkPathFound".into(), Value::Bool(a.found));
    if a.found {
        out.insert(
            "ForwardPathComponents".into(),
            components(&a.forward, arns, true),
        );
        if let Some(back) = &a.reverse {
            out.insert("ReturnPathComponents".into(), components(back, arns, true));
        }
    } else {
        out.insert(
            "ForwardPathComponents".into(),
            components(&a.forward, arns, false),
        );
        let explanations = a
            .explanations
            .iter()
            .map(|e| explanation(e, arns))
            .collect();
        out.insert("Explanations".into(), Value::Array(explanations));
    }
    out
}

/// A direction's components, in order; without `all`, those before the first block.
fn components(d: &Direction, arns: &Arns, all: bool) -> Value {
    let hops = d
        .hops
        .iter()
        .take_while(|h| all || !h.verdict.blocks())
        .enumerate()
        .map(|(i, h)| component(i + 1, h, arns))
        .collect();
    Value::Array(hops)
}

fn component(seq: usize, h: &Hop, arns: &Arns) -> Value {
    use localvpc_analyzer::Kind;
    let mut c = Map::new();
    c.insert("SequenceNumber".into(), json!(seq));
    c.insert("Component".into(), arns.component(&h.component));
    if let Some(a) = &h.attached_to {
        c.insert("AttachedTo".into(), arns.component(a));
    }
    if let Some(s) = &h.subnet {
        c.insert("Subnet".into(), arns.of(Kind::Subnet, s));
    }
    if let Some(v) = &h.vpc {
        c.insert("Vpc".into(), arns.of(Kind::Vpc, v));
    }
    if let Some(head) = &h.inbound_header {
        c.insert("InboundHeader".into(), header(head));
    }
    if let Some(head) = &h.outbound_header {
        c.insert("OutboundHeader".into(), header(head));
    }
    match &h.rule {
        Some(Rule::Acl(r)) => {
            c.insert("AclRule".into(), acl_rule(r));
        }
        Some(Rule::SecurityGroup(r)) => {
            c.insert("SecurityGroupRule".into(), sg_rule(r));
        }
        Some(Rule::Route(r)) => {
            c.insert("RouteTableRoute".into(), route(r));
        }
        None => {}
    }
    c.insert("AdditionalDetails".into(), json!([]));
    c.insert("Explanations".into(), json!([]));
    Value::Object(c)
}

fn header(h: &Header) -> Value {
    let ranges = |r: &[localvpc_analyzer::Ports]| -> Vec<Value> {
        r.iter()
            .map(|p| json!({"From": p.from, "To": p.to}))
            .collect()
    };
    let mut v = json!({
        "DestinationAddresses": h.destination.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
        "Protocol": h.protocol.number().to_string(),
        "SourceAddresses": h.source.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
    });
    if h.protocol != Protocol::Icmp {
        v["DestinationPortRanges"] = Value::Array(ranges(&h.destination_ports));
        v["SourcePortRanges"] = Value::Array(ranges(&h.source_ports));
    }
    v
}

fn port_range(p: Option<localvpc_analyzer::Ports>) -> Value {
    p.map_or(Value::Null, |p| json!({"From": p.from, "To": p.to}))
}

fn acl_rule(r: &AclRuleRef) -> Value {
    json!({
        "Cidr": r.cidr.to_string(),
        "Egress": r.egress,
        "PortRange": port_range(r.ports),
        "Protocol": r.protocol,
        "RuleAction": if r.allow { "allow" } else { "deny" },
        "RuleNumber": r.number,
    })
}

fn sg_rule(r: &SgRuleRef) -> Value {
    json!({
        "Cidr": r.cidr.map(|c| c.to_string()),
        "Direction": r.direction,
        "SecurityGroupId": r.group_id,
        "PortRange": port_range(r.ports),
        "Protocol": r.protocol,
    })
}

fn route(r: &RouteRef) -> Value {
    let mut v = json!({
        "DestinationCidr": r.destination.to_string(),
        "Origin": r.origin,
        "State": if r.active { "active" } else { "blackhole" },
    });
    let key = match r.target.split_once('-').map(|(p, _)| p) {
        _ if r.target == "local" => "GatewayId",
        Some("igw") => "GatewayId",
        Some("i") => "InstanceId",
        Some("nat") => "NatGatewayId",
        Some("pcx") => "VpcPeeringConnectionId",
        _ => "NetworkInterfaceId",
    };
    v[key] = json!(r.target);
    v
}

fn explanation(e: &Explanation, arns: &Arns) -> Value {
    let mut v = Map::new();
    v.insert("ExplanationCode".into(), json!(e.code));
    let mut put = |k: &str, val: Option<Value>| {
        if let Some(val) = val {
            v.insert(k.into(), val);
        }
    };
    let comp = |c: &Option<Component>| c.as_ref().map(|c| arns.component(c));
    put("Direction", e.direction.map(|d| json!(d)));
    put("Acl", comp(&e.acl));
    put("AclRule", e.acl_rule.as_ref().map(acl_rule));
    put("Address", e.address.map(|a| json!(a.to_string())));
    put("AttachedTo", comp(&e.attached_to));
    put("Component", comp(&e.component));
    put("InternetGateway", comp(&e.internet_gateway));
    put("NetworkInterface", comp(&e.network_interface));
    put("PacketField", e.packet_field.map(|f| json!(f.as_str())));
    put("Port", e.port.map(|p| json!(p)));
    put("RouteTable", comp(&e.route_table));
    put("RouteTableRoute", e.route_table_route.as_ref().map(route));
    if !e.security_groups.is_empty() {
        let groups: Vec<Value> = e
            .security_groups
            .iter()
            .map(|g| arns.component(g))
            .collect();
        put("SecurityGroups", Some(Value::Array(groups)));
    }
    put(
        "SecurityGroupRule",
        e.security_group_rule.as_ref().map(sg_rule),
    );
    put("State", e.state.as_ref().map(|s| json!(s)));
    put("Subnet", comp(&e.subnet));
    put("Vpc", comp(&e.vpc));
    put("SourceVpc", comp(&e.source_vpc));
    put("DestinationVpc", comp(&e.destination_vpc));
    put(
        "MissingComponent",
        e.missing_component.as_ref().map(|s| json!(s)),
    );
    Value::Object(v)
}

/// `localvpc why`'s JSON: flow, verdicts, both directions' hops and the findings. With the
/// guest-aware analysis (`guest`), the hops and findings are its own, inside the guests too.
pub fn trace(vpc: &Analysis, guest: Option<&Analysis>, net: &Network) -> Value {
    let a = guest.unwrap_or(vpc);
    let flow = a.packet.map(flow_text);
    json!({
        "flow": flow,
        "vpc_verdict": if vpc.found { "REACHABLE" } else { "NOT REACHABLE" },
        "guest_verdict": guest.map(|g| guest_verdict(g, net)),
        "forward": hops(&a.forward, net),
        "forward_disposition": a.forward.disposition_name(),
        "return": a.reverse.as_ref().map(|d| hops(d, net)),
        "return_disposition": a.reverse.as_ref().map(|d| d.disposition_name()),
        "findings": a.explanations.iter().map(finding).collect::<Vec<_>>(),
    })
}

/// `REACHABLE`, or `NOT REACHABLE: return DENIED_OUT at eni-… (eth0 of i-…)`.
fn guest_verdict(g: &Analysis, net: &Network) -> String {
    if g.found {
        return "REACHABLE".into();
    }
    let (name, d) = match &g.reverse {
        Some(back) if back.hops.iter().any(|h| h.verdict.blocks()) => ("return", back),
        _ => ("forward", &g.forward),
    };
    let at = d.hops.iter().find(|h| h.verdict.blocks()).map(|h| {
        match (h.component.kind, net.port(&h.component.id)) {
            (localvpc_analyzer::Kind::NetworkInterface, Some(p)) => {
                format!(
                    "{} (eth{} of {})",
                    h.component.id, p.device_index, p.instance_id
                )
            }
            _ => node(h, net),
        }
    });
    match at {
        Some(at) => format!("NOT REACHABLE: {name} {} at {at}", d.disposition_name()),
        None => format!("NOT REACHABLE: {name} {}", d.disposition_name()),
    }
}

fn flow_text(p: Packet) -> String {
    match p.protocol {
        Protocol::Icmp => format!("icmp {} -> {}", p.source, p.destination),
        proto => format!(
            "{} {}:{} -> {}:{}",
            proto.name(),
            p.source,
            p.source_port,
            p.destination,
            p.destination_port
        ),
    }
}

trait DispositionName {
    fn disposition_name(&self) -> &'static str;
}

impl DispositionName for Direction {
    fn disposition_name(&self) -> &'static str {
        use localvpc_analyzer::Disposition::*;
        match self.disposition {
            Accepted => "ACCEPTED",
            DeniedIn => "DENIED_IN",
            DeniedOut => "DENIED_OUT",
            NoRoute => "NO_ROUTE",
            NullRouted => "NULL_ROUTED",
            ExitsNetwork => "EXITS_NETWORK",
        }
    }
}

fn hops(d: &Direction, net: &Network) -> Value {
    let hops: Vec<Value> = d
        .hops
        .iter()
        .enumerate()
        .map(|(i, h)| {
            json!({
                "seq": i + 1,
                "node": node(h, net),
                "step": step_name(h.step),
                "verdict": verdict_name(h.verdict),
                "rule": rule_text(h),
            })
        })
        .collect();
    Value::Array(hops)
}

fn node(h: &Hop, net: &Network) -> String {
    use localvpc_analyzer::Kind;
    match h.component.kind {
        Kind::NetworkInterface => match net.port(&h.component.id) {
            Some(p) => format!("{} (eth{})", h.component.id, p.device_index),
            None => h.component.id.clone(),
        },
        Kind::Instance
            if matches!(
                h.step,
                Step::GuestRoute | Step::GuestRpf | Step::GuestDeliver
            ) =>
        {
            format!("{} (guest)", h.component.id)
        }
        _ => h.component.id.clone(),
    }
}

fn step_name(s: Step) -> &'static str {
    match s {
        Step::Originate => "ORIGINATE",
        Step::SrcDstCheck => "SRC_DST_CHECK",
        Step::SgEgress => "SG_EGRESS",
        Step::SgIngress => "SG_INGRESS",
        Step::Session => "SESSION",
        Step::AclEgress => "ACL_EGRESS",
        Step::AclIngress => "ACL_INGRESS",
        Step::Route => "ROUTE",
        Step::Nat => "NAT",
        Step::Exit => "EXIT",
        Step::Deliver => "DELIVER",
        Step::GuestRoute => "GUEST_ROUTE",
        Step::GuestRpf => "GUEST_RPF",
        Step::GuestDeliver => "GUEST_DELIVER",
    }
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Permitted => "PERMITTED",
        Verdict::Denied => "DENIED",
        Verdict::Forwarded => "FORWARDED",
        Verdict::Transformed => "TRANSFORMED",
        Verdict::MatchedSession => "MATCHED_SESSION",
        Verdict::NoRoute => "NO_ROUTE",
        Verdict::NullRouted => "NULL_ROUTED",
        Verdict::Accepted => "ACCEPTED",
    }
}

fn ports_text(p: Option<localvpc_analyzer::Ports>) -> String {
    match p {
        None => String::new(),
        Some(p) if p.from == 0 && p.to == 65535 => " ALL".into(),
        Some(p) if p.from == p.to => format!(" {}", p.from),
        Some(p) => format!(" {}-{}", p.from, p.to),
    }
}

/// The rule in console form: `100 TCP 22 0.0.0.0/0 ALLOW`, `ingress tcp 22 0.0.0.0/0`,
/// `0.0.0.0/0 igw-…`.
fn rule_text(h: &Hop) -> Value {
    let text = match &h.rule {
        Some(Rule::Acl(r)) => {
            let number = if r.number == 32767 {
                "*".to_owned()
            } else {
                r.number.to_string()
            };
            format!(
                "{number} {}{} {} {}",
                r.protocol.to_uppercase(),
                ports_text(r.ports),
                r.cidr,
                if r.allow { "ALLOW" } else { "DENY" }
            )
        }
        Some(Rule::SecurityGroup(r)) => format!(
            "{} {}{} {}",
            r.direction,
            r.protocol,
            ports_text(r.ports),
            r.cidr
                .map(|c| c.to_string())
                .or(r.peer_group.clone())
                .or(r.prefix_list.clone())
                .unwrap_or_default()
        ),
        Some(Rule::Route(r)) => {
            let state = if r.active { "" } else { " (blackhole)" };
            format!("{} {}{state}", r.destination, r.target)
        }
        None => return h.note.clone().map_or(Value::Null, Value::String),
    };
    Value::String(text)
}

fn finding(e: &Explanation) -> Value {
    json!({
        "code": e.code,
        "origin": if e.code.starts_with("localvpc:") { "localvpc" } else { "aws" },
        "component": e
            .network_interface
            .as_ref()
            .or(e.acl.as_ref())
            .or(e.route_table.as_ref())
            .or(e.internet_gateway.as_ref())
            .or(e.component.as_ref())
            .map(|c| c.id.clone()),
        "message": message(e),
        "fix": e.fix,
    })
}

/// A sentence for an explanation.
fn message(e: &Explanation) -> String {
    let id = |c: &Option<Component>| c.as_ref().map_or("?".to_owned(), |c| c.id.clone());
    let dir = e.direction.unwrap_or("");
    match e.code {
        "ENI_SG_RULES_MISMATCH" => format!(
            "no {dir} rule of {} on {} admits the traffic ({})",
            e.security_groups
                .iter()
                .map(|g| g.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            id(&e.network_interface),
            e.packet_field.map_or("", |f| f.as_str()),
        ),
        "SG_HAS_NO_RULES" => format!(
            "the groups of {} have no {dir} rules",
            id(&e.network_interface)
        ),
        "SUBNET_ACL_RESTRICTION" => format!(
            "{} ({dir}) denies it by rule {}",
            id(&e.acl),
            e.acl_rule
                .as_ref()
                .map_or("*".into(), |r| if r.number == 32767 {
                    "*".into()
                } else {
                    r.number.to_string()
                })
        ),
        "NO_ROUTE_TO_DESTINATION" => format!(
            "{} has no route to {}",
            id(&e.route_table),
            e.address.map_or("?".into(), |a| a.to_string())
        ),
        "BAD_STATE_ROUTE" => format!(
            "the route {} in {} is a blackhole",
            e.route_table_route
                .as_ref()
                .map_or("?".into(), |r| r.destination.to_string()),
            id(&e.route_table)
        ),
        "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS" => format!(
            "{} has no public address for {}: {} drops it",
            id(&e.network_interface),
            e.address.map_or("?".into(), |a| a.to_string()),
            id(&e.internet_gateway)
        ),
        "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS" => format!(
            "{} maps no private address to {}",
            id(&e.internet_gateway),
            e.address.map_or("?".into(), |a| a.to_string())
        ),
        "ENI_SOURCE_DEST_CHECK_RESTRICTION" => format!(
            "{} has source/destination check on and {} is not its address",
            id(&e.network_interface),
            e.address.map_or("?".into(), |a| a.to_string())
        ),
        "ENI_ADDRESS_RESTRICTION" => format!(
            "{} does not hold {}",
            id(&e.network_interface),
            e.address.map_or("?".into(), |a| a.to_string())
        ),
        "BAD_STATE" => format!(
            "{} is {}",
            id(&e.component),
            e.state.as_deref().unwrap_or("not running")
        ),
        "NO_POSSIBLE_DESTINATION" => format!(
            "no attached ENI of {} holds {}",
            id(&e.component),
            e.address.map_or("?".into(), |a| a.to_string())
        ),
        "COMPONENT_FILTER_RESTRICTION" => {
            format!(
                "no feasible path crosses {} (FilterInArns)",
                id(&e.component)
            )
        }
        "COMPONENT_FILTER_REMOVED_COMPONENT" => {
            format!(
                "the only feasible path crosses {} (FilterOutArns)",
                id(&e.component)
            )
        }
        "localvpc:GUEST_ADDRESS_NOT_CONFIGURED" => format!(
            "{} is on {} in the API but on no interface of {}'s guest",
            e.address.map_or("?".into(), |a| a.to_string()),
            id(&e.network_interface),
            id(&e.component)
        ),
        "localvpc:GUEST_INTERFACE_DOWN" => format!(
            "the link of {} is absent or down in {}'s guest",
            id(&e.network_interface),
            id(&e.component)
        ),
        "localvpc:GUEST_RP_FILTER_DROP" => format!(
            "{}'s reverse-path filter drops what arrives for {} on {}: the route back leaves another link",
            id(&e.component),
            e.address.map_or("?".into(), |a| a.to_string()),
            id(&e.network_interface)
        ),
        "localvpc:GUEST_REPLY_WRONG_INTERFACE" => format!(
            "{}: packets from {} leave by {}, whose source/destination check drops them",
            id(&e.component),
            e.address.map_or("?".into(), |a| a.to_string()),
            id(&e.network_interface)
        ),
        "localvpc:GUEST_DEFAULT_ROUTE_VIA_SECONDARY" => format!(
            "{}: the main table's default route leaves by {}, not eth0",
            id(&e.component),
            id(&e.network_interface)
        ),
        "localvpc:GUEST_NO_ROUTE" => format!("{} has no route for it", id(&e.component)),
        code => code.to_lowercase().replace('_', " "),
    }
}

trait ProtocolName {
    fn name(self) -> &'static str;
}

impl ProtocolName for Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
        }
    }
}
