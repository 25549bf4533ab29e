//! What a guest reaches inside the VPC besides other instances, kept in step with the data
//! plane after every reconciliation: in each VPC router's namespace, IMDS on
//! 169.254.169.254:80 (the server crate's, the instance found by the connection's source
//! address), a DHCPv4 server and the VPC resolver (`localvpc_dataplane::dns`); the stand-in for the AWS service behind each interface
//! endpoint's interface; and the guest agent of every running Amazon Linux instance.
//! A router's services close when the router goes: an open socket would keep its deleted
//! namespace alive.

use localvpc_dataplane::model::{SERVICE_PORT, StandIn, Topology};
use localvpc_dataplane::{
    Agents, DhcpServer, DnsServer, agents, dns, listen_imds, listen_imds6, listen_in,
};
use localvpc_server::{AppState, ImdsResolver, serve_link_local_imds};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{oneshot, watch};

/// One router's services; dropping it stops them (IMDS closes its connections when the
/// sender goes).
struct RouterServices {
    _stop_imds: oneshot::Sender<()>,
    _stop_imds6: oneshot::Sender<()>,
    _dhcp: DhcpServer,
    _dns: DnsServer,
}

/// Follows `topologies` (each reconciliation's topology) until the sender goes.
pub async fn run(state: Arc<AppState>, mut topologies: watch::Receiver<Arc<Topology>>) {
    let agents = match std::env::current_exe()
        .map_err(anyhow::Error::from)
        .and_then(Agents::start)
    {
        Ok(agents) => Some(agents),
        Err(error) => {
            tracing::warn!("guest agents disabled: {error:#}");
            None
        }
    };
    let mut routers: HashMap<String, RouterServices> = HashMap::new();
    let mut stand_ins: HashMap<StandIn, oneshot::Sender<()>> = HashMap::new();
    loop {
        let topology = topologies.borrow_and_update().clone();
        stand_ins.retain(|s, _| topology.services.contains(s));
        for service in &topology.services {
            if stand_ins.contains_key(service) {
                continue;
            }
            match stand_in(service) {
                Ok(stop) => {
                    stand_ins.insert(service.clone(), stop);
                }
                Err(error) => tracing::warn!(ns = service.ns, "endpoint service: {error:#}"),
            }
        }
        routers.retain(|ns, _| topology.router(ns).is_some());
        for router in &topology.routers {
            if routers.contains_key(&router.ns) {
                continue;
            }
            match start(&state, &router.ns, &topologies) {
                Ok(services) => {
                    routers.insert(router.ns.clone(), services);
                }
                Err(error) => tracing::warn!(router = router.ns, "guest services: {error:#}"),
            }
        }
        if let Some(agents) = &agents {
            agents.set(agents::wanted(&topology));
        }
        if topologies.changed().await.is_err() {
            break;
        }
    }
}

fn start(
    state: &Arc<AppState>,
    ns: &str,
    topologies: &watch::Receiver<Arc<Topology>>,
) -> anyhow::Result<RouterServices> {
    let listener = tokio::net::TcpListener::from_std(listen_imds(ns)?)?;
    let listener6 = tokio::net::TcpListener::from_std(listen_imds6(ns)?)?;
    let (rx, router) = (topologies.clone(), ns.to_owned());
    let resolve: ImdsResolver = Arc::new(move |source| {
        let topology = rx.borrow();
        let instance = topology.router(&router)?.instance_at(source)?;
        Some(instance.to_owned())
    });
    let (rx, router) = (topologies.clone(), ns.to_owned());
    let dhcp = DhcpServer::start(
        ns,
        Arc::new(move |port| {
            let topology = rx.borrow();
            let port = topology.router(&router)?.port(port)?;
            Some((port.mac.clone(), port.dhcp.clone()?))
        }),
    )?;
    let (rx, router) = (topologies.clone(), ns.to_owned());
    let dns = DnsServer::start(
        ns,
        Arc::new(move |query, to| {
            let topology = rx.borrow();
            let zone = &topology.router(&router)?.dns;
            zone.listens_on(to).then(|| dns::answer(query, zone))?
        }),
    )?;
    let (stop_imds, stopped) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let (stop_imds6, stopped6) = oneshot::channel::<()>();
    let shutdown6 = async move {
        let _ = stopped6.await;
    };
    for (listener, shutdown) in [
        (
            listener,
            Box::pin(shutdown) as std::pin::Pin<Box<dyn Future<Output = ()> + Send>>,
        ),
        (listener6, Box::pin(shutdown6)),
    ] {
        let (state, ns, resolve) = (state.clone(), ns.to_owned(), resolve.clone());
        tokio::spawn(async move {
            if let Err(error) = serve_link_local_imds(listener, state, resolve, shutdown).await {
                tracing::warn!(router = ns, %error, "IMDS stopped");
            }
        });
    }
    Ok(RouterServices {
        _stop_imds: stop_imds,
        _stop_imds6: stop_imds6,
        _dhcp: dhcp,
        _dns: dns,
    })
}

/// Serves the stand-in of an endpoint's service on its interface until the sender is dropped:
/// any HTTP request gets the service, the endpoint and the caller, which shows a client in
/// the VPC reached the service through the endpoint.
fn stand_in(service: &StandIn) -> anyhow::Result<oneshot::Sender<()>> {
    let address = std::net::SocketAddr::from((service.address, SERVICE_PORT));
    let listener = tokio::net::TcpListener::from_std(listen_in(&service.ns, address)?)?;
    let (stop, stopped) = oneshot::channel::<()>();
    let answer = format!("{} via {}", service.service_name, service.endpoint_id);
    let app = axum::Router::new().fallback(
        move |axum::extract::ConnectInfo(caller): axum::extract::ConnectInfo<
            std::net::SocketAddr,
        >| {
            let answer = answer.clone();
            async move { format!("{answer} for {}\n", caller.ip()) }
        },
    );
    let ns = service.ns.clone();
    tokio::spawn(async move {
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        })
        .await;
        if let Err(error) = served {
            tracing::warn!(ns, %error, "endpoint service stopped");
        }
    });
    Ok(stop)
}
