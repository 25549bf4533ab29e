//! The internet's "what is my IP" service at 192.0.2.1:80 in the internet namespace: like
//! checkip.amazonaws.com, it answers any GET with the caller's source address and a newline,
//! which from an instance is the public address its private source was translated to. It also
//! answers at the IPv6 test host, `http://[3fff:0:0:2::10]/`, where an instance's address is
//! its own (the internet gateway does not translate IPv6).

use axum::extract::ConnectInfo;
use localvpc_dataplane::model::routing::{INTERNET_NS, TEST_HOST6, WHAT_IS_MY_IP};
use std::net::SocketAddr;

/// Binds the service's sockets (IPv4, IPv6) inside the internet namespace (which the data
/// plane's first reconciliation created).
pub fn bind() -> anyhow::Result<Vec<std::net::TcpListener>> {
    [
        SocketAddr::from((WHAT_IS_MY_IP, 80)),
        SocketAddr::from((TEST_HOST6, 80)),
    ]
    .into_iter()
    .map(|address| localvpc_dataplane::listen_in(INTERNET_NS, address))
    .collect()
}

/// Serves one socket until the process ends.
pub async fn serve(listener: std::net::TcpListener) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let app =
        axum::Router::new().fallback(|ConnectInfo(caller): ConnectInfo<SocketAddr>| async move {
            format!("{}\n", caller.ip())
        });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await?;
    Ok(())
}
