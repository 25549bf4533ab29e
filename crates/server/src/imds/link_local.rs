//! IMDS at 169.254.169.254, as a guest reaches it: one server per listener (the data plane
//! opens one inside each VPC router), the instance found from the address a connection comes
//! from by a resolver the data plane supplies. A TCP connection can only be established by the
//! owner of its source address — the router sends the SYN-ACK to the ENI that holds it — so the
//! source names the ENI, and so the instance, as EC2's per-ENI metadata service does.
//!
//! The answers are [`super::protocol`]'s. The one thing only a real socket can do: the
//! response to an IMDSv2 token PUT leaves with IP TTL = the instance's
//! `HttpPutResponseHopLimit`, so a token cannot reach a client more hops away (a container
//! behind the instance, with the default of 1).

use super::protocol::{Request, answer};
use super::{read_facts, tokens, unix_millis};
use crate::http::AppState;
use axum::Router;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::serve::IncomingStream;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use tokio::net::TcpListener;

/// The instance whose ENI holds an address, in the listener's VPC.
pub type Resolver = Arc<dyn Fn(IpAddr) -> Option<String> + Send + Sync>;

/// TTL of every other answer (Linux's default).
const DEFAULT_TTL: u32 = 64;

/// One connection: where it comes from, and its socket, to set the TTL of an answer.
#[derive(Clone)]
struct Connection {
    peer: SocketAddr,
    socket: Option<Arc<OwnedFd>>,
}

impl Connected<IncomingStream<'_, TcpListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        Connection {
            peer: *stream.remote_addr(),
            socket: stream.io().as_fd().try_clone_to_owned().ok().map(Arc::new),
        }
    }
}

/// Serves instance metadata on `listener` until `shutdown` completes, then closes every
/// connection (idle keep-alive ones at once): an open socket would keep a deleted router's
/// namespace alive.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    resolve: Resolver,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let handler = move |State(state): State<Arc<AppState>>,
                        ConnectInfo(connection): ConnectInfo<Connection>,
                        method: Method,
                        uri: Uri,
                        headers: HeaderMap| {
        // An IPv4 client on a dual-stack socket would show as `::ffff:a.b.c.d`.
        let instance = match connection.peer.ip() {
            IpAddr::V6(ip) => resolve(ip.to_ipv4_mapped().map_or(IpAddr::V6(ip), IpAddr::V4)),
            ip => resolve(ip),
        };
        respond(state, connection, instance, method, uri, headers)
    };
    let app = Router::new().fallback(any(handler)).with_state(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<Connection>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

async fn respond(
    state: Arc<AppState>,
    connection: Connection,
    instance: Option<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let facts = match read_facts(state, instance.clone()).await {
        Ok(facts) => facts,
        Err(status) => return status.into_response(),
    };
    let request = Request {
        method: &method,
        path: uri.path(),
        headers: &headers,
    };
    let answer = answer(&request, facts.as_ref(), tokens(), unix_millis());
    let ttl = match (&method, &facts) {
        (&Method::PUT, Some(f)) => f.instance.metadata_options.http_put_response_hop_limit,
        _ => i64::from(DEFAULT_TTL),
    };
    if let Some(socket) = &connection.socket {
        let ttl = u32::try_from(ttl.clamp(1, 255)).unwrap_or(DEFAULT_TTL);
        let socket = socket2::SockRef::from(socket.as_ref());
        let set = if connection.peer.is_ipv6() {
            socket.set_unicast_hops_v6(ttl)
        } else {
            socket.set_ttl_v4(ttl)
        };
        if let Err(error) = set {
            tracing::warn!(%error, "cannot set the TTL of an IMDS answer");
        }
    }
    tracing::debug!(peer = %connection.peer, instance, %method, path = uri.path(), status = answer.status.as_u16(), "imds");
    answer.into_response()
}
