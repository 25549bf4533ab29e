//! `POST /_localvpc/why`: localvpc's own endpoint for `localvpc why` (reachability.md §3.5). The
//! request is a SigV4-signed form like an EC2 call (so `--auth verify` applies and the caller's
//! account and region are found the same way); the answer is the trace as JSON, computed from
//! one read of the caller's partition without storing a path. `Analysis=nia-…` renders a stored
//! analysis's trace instead.

use super::{analyze, endpoint, render};
use crate::auth;
use crate::http::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use localvpc_analyzer::{Endpoint, Network, Ports, Protocol, Query};
use localvpc_model::{Ec2Error, IdKind};
use localvpc_store::Tx;
use serde_json::{Value, json};
use std::net::Ipv4Addr;
use std::sync::Arc;

pub async fn why(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let (who, params) = match signed(&state, "/_localvpc/why", &headers, &body) {
        Ok(found) => found,
        Err(e) => return error(e),
    };
    answer(move || {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let read = state.store.read(&who.account, &who.region, |tx| {
            if let Some(id) = get("Analysis") {
                return stored_trace(tx, &id);
            }
            let source = get("Source").ok_or_else(|| Ec2Error::missing_parameter("Source"))?;
            let destination =
                get("Destination").ok_or_else(|| Ec2Error::missing_parameter("Destination"))?;
            let net = super::network(tx, &who.account, &who.region)?;
            let mut query = query(&net, &source, &destination, &get)?;
            let all = |key: &'static str| {
                params
                    .iter()
                    .filter(move |(k, _)| k == key)
                    .map(|(_, v)| component(v))
                    .collect::<Result<Vec<_>, _>>()
            };
            query.filter_in = all("FilterIn")?;
            query.filter_out = all("FilterOut")?;
            let (analysis, net) = analyze(tx, &who.account, &who.region, &query)?;
            let guest_mode = get("Guest").unwrap_or_else(|| "auto".into());
            let guests = match (guest_mode.as_str(), &state.guests) {
                ("off", _) | ("auto", None) => None,
                ("on", None) => {
                    return Err(Ec2Error::invalid_value(
                        "The guests are observable only with `localvpc serve --dataplane`.",
                    ));
                }
                ("on" | "auto", Some(read)) => Some(read_guests(read, &net, &query)),
                (_, _) => return Err(Ec2Error::invalid_parameter("Guest", &guest_mode)),
            };
            let guest = guests
                .as_ref()
                .map(|g| localvpc_analyzer::analyze_with_guests(&net, &query, g));
            Ok(render::trace(&analysis, guest.as_ref(), &net))
        });
        match read {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(Ec2Error::invalid_value(
                "The account has no resources in this region.",
            )),
            Err(e) => Err(e),
        }
    })
    .await
}

/// The guests of the instances the flow can start or end in; an instance whose namespace
/// cannot be read (stopped, gone) is walked as AWS does.
fn read_guests(
    read: &crate::http::GuestReader,
    net: &Network,
    query: &Query,
) -> localvpc_analyzer::guest::Guests {
    localvpc_analyzer::guest_instances(net, query)
        .into_iter()
        .filter_map(|id| match read(&id) {
            Ok(state) => Some((id, state)),
            Err(error) => {
                tracing::debug!(instance = %id, %error, "guest not observable");
                None
            }
        })
        .collect()
}

/// `POST /_localvpc/lint`: the lint findings of the caller's account and region
/// (reachability.md §4.2's JSON); `SubnetFullPercent` tunes LV111.
pub async fn lint(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let (who, params) = match signed(&state, "/_localvpc/lint", &headers, &body) {
        Ok(found) => found,
        Err(e) => return error(e),
    };
    answer(move || {
        let mut options = localvpc_analyzer::lint::Options::default();
        if let Some((_, v)) = params.iter().find(|(k, _)| k == "SubnetFullPercent") {
            options.subnet_full_percent = v
                .parse()
                .ok()
                .filter(|p| (1..=100).contains(p))
                .ok_or_else(|| Ec2Error::invalid_parameter("SubnetFullPercent", v))?;
        }
        let guests = match (
            params.iter().any(|(k, v)| k == "Guest" && v == "true"),
            &state.guests,
        ) {
            (false, _) => None,
            (true, None) => {
                return Err(Ec2Error::invalid_value(
                    "The guests are observable only with `localvpc serve --dataplane`.",
                ));
            }
            (true, Some(read)) => Some(read),
        };
        let findings =
            super::lint::findings(&state.store, &who.account, &who.region, &options, guests)?;
        Ok(super::lint::report(&findings, &who.account, &who.region))
    })
    .await
}

/// The caller of a SigV4-signed form POST to `path`, and its parameters.
fn signed(
    state: &AppState,
    path: &'static str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(crate::credentials::Caller, Vec<(String, String)>), Ec2Error> {
    let params: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let request = auth::Request {
        method: "POST",
        path,
        query: None,
        headers,
        body,
        params: &params,
    };
    let who = auth::authenticate(&state.auth, &request)?;
    Ok((who, params))
}

/// Runs `f` off the async workers; its value as JSON, or the error.
async fn answer(f: impl FnOnce() -> Result<Value, Ec2Error> + Send + 'static) -> Response {
    let answer = tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|_| Err(Ec2Error::internal()));
    match answer {
        Ok(v) => ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response(),
        Err(e) => error(e),
    }
}

fn error(e: Ec2Error) -> Response {
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({"error": {"code": e.code.as_str(), "message": e.message}});
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// An end given by ID: a well-formed instance, ENI or internet gateway ID.
fn named(id: &str) -> Result<Endpoint, Ec2Error> {
    match IdKind::of(id) {
        Some(IdKind::Instance | IdKind::NetworkInterface | IdKind::InternetGateway) => {
            Ok(endpoint(id))
        }
        _ => Err(Ec2Error::invalid_value(format!(
            "{id} is no instance, network interface, internet gateway, IP address or `internet`"
        ))),
    }
}

/// A `--filter-in`/`--filter-out` component: an ID or an ARN of a kind a path can cross.
fn component(text: &str) -> Result<localvpc_analyzer::Component, Ec2Error> {
    use localvpc_analyzer::Kind;
    let id = text.rsplit('/').next().unwrap_or(text);
    let kind = match id.split_once('-').map(|(p, _)| p) {
        Some("i") => Kind::Instance,
        Some("eni") => Kind::NetworkInterface,
        Some("sg") => Kind::SecurityGroup,
        Some("acl") => Kind::NetworkAcl,
        Some("rtb") => Kind::RouteTable,
        Some("igw") => Kind::InternetGateway,
        Some("subnet") => Kind::Subnet,
        Some("vpc") => Kind::Vpc,
        Some("pcx") => Kind::VpcPeeringConnection,
        Some("nat") => Kind::NatGateway,
        _ => return Err(Ec2Error::invalid_parameter("FilterIn", text)),
    };
    Ok(localvpc_analyzer::Component::new(kind, id))
}

fn stored_trace(tx: &Tx, id: &str) -> Result<Value, Ec2Error> {
    let id = IdKind::NetworkInsightsAnalysis.parse(id)?;
    let stored = tx
        .network_insights_analyses()?
        .into_iter()
        .find(|a| a.id == id);
    let stored = stored.ok_or_else(|| IdKind::NetworkInsightsAnalysis.not_found(&id))?;
    serde_json::from_str(&stored.trace).map_err(|_| Ec2Error::internal())
}

/// `SRC`/`DST` of `localvpc why`: an instance, ENI or gateway ID, an address (an ENI's, or
/// anywhere as destination), or `internet` (the gateway of the other end's VPC).
fn query(
    net: &Network,
    source: &str,
    destination: &str,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<Query, Ec2Error> {
    let protocol = match get("Protocol").as_deref().unwrap_or("tcp") {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        "icmp" => Protocol::Icmp,
        other => return Err(Ec2Error::invalid_parameter("Protocol", other)),
    };
    let port = match get("Port") {
        Some(p) => {
            let p: u16 = p
                .parse()
                .map_err(|_| Ec2Error::invalid_parameter("Port", &p))?;
            Ports { from: p, to: p }
        }
        None => Ports::ALL,
    };
    let mut source_address = get("SourceIp")
        .map(|a| {
            a.parse()
                .map_err(|_| Ec2Error::invalid_parameter("SourceIp", &a))
        })
        .transpose()?;
    let vpc_of = |end: &str| -> Option<String> {
        if let Ok(a) = end.parse::<Ipv4Addr>() {
            return net
                .ports()
                .iter()
                .find(|p| p.addresses.contains(&a))
                .or_else(|| net.public_holder(a))
                .map(|p| p.vpc_id.clone());
        }
        match endpoint(end) {
            Endpoint::Instance(id) => net.instance(&id)?.1.first().map(|p| p.vpc_id.clone()),
            Endpoint::NetworkInterface(id) => net.port(&id).map(|p| p.vpc_id.clone()),
            _ => None,
        }
    };
    let gateway_of = |other: &str| -> Result<Endpoint, Ec2Error> {
        let vpc = vpc_of(other).ok_or_else(|| Ec2Error::invalid_parameter("internet", other))?;
        let gateway = net.vpc(&vpc).and_then(|v| v.gateway.as_ref());
        let gateway = gateway.ok_or_else(|| {
            Ec2Error::invalid_value(format!("{vpc} has no attached internet gateway"))
        })?;
        Ok(Endpoint::InternetGateway(gateway.id.clone()))
    };
    let source = if source == "internet" {
        gateway_of(destination)?
    } else if let Ok(a) = source.parse::<Ipv4Addr>() {
        let port = net.ports().iter().find(|p| p.addresses.contains(&a));
        let port = port.ok_or_else(|| Ec2Error::invalid_parameter("Source", source))?;
        source_address = Some(a);
        Endpoint::NetworkInterface(port.eni_id.clone())
    } else {
        named(source)?
    };
    let destination = if destination == "internet" {
        match &source {
            Endpoint::InternetGateway(_) => {
                return Err(Ec2Error::invalid_parameter("Destination", destination));
            }
            _ => Endpoint::Address(Ipv4Addr::new(192, 0, 2, 1)),
        }
    } else if let Ok(a) = destination.parse::<Ipv4Addr>() {
        Endpoint::Address(a)
    } else {
        named(destination)?
    };
    Ok(Query {
        source,
        destination,
        protocol,
        source_address,
        destination_address: None,
        source_ports: Ports::ALL,
        destination_ports: port,
        filter_in: Vec::new(),
        filter_out: Vec::new(),
    })
}
