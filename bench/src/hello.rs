//! The ceiling: a hello-world server on localvpc's HTTP stack (axum on a multi-threaded tokio
//! runtime, the same features), answering any POST with a fixed EC2-shaped XML body. What it
//! reaches is the most any server on this stack can do on this machine with this load generator.

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;
use std::net::SocketAddr;

const ANSWER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeNetworkInterfacesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>00000000-0000-0000-0000-000000000000</requestId><networkInterfaceSet/></DescribeNetworkInterfacesResponse>";

/// Reads the whole form body, as localvpc does, and answers with [`ANSWER`].
async fn answer(_form: Bytes) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/xml;charset=UTF-8")], ANSWER)
}

/// Serves until the process is stopped.
pub fn serve(listen: SocketAddr) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        axum::serve(listener, Router::new().route("/", post(answer))).await?;
        Ok(())
    })
}
