//! The localvpc server: service handlers (one file per resource under `actions/`) behind the
//! EC2 Query HTTP edge.

pub mod actions;
mod auth;
mod console;
mod context;
mod credentials;
mod dispatch;
mod http;
mod imds;
mod insights;
pub mod log_context;
pub mod operations;
mod provision;
#[cfg(test)]
mod races;
#[cfg(test)]
mod sequences;
mod sts;
mod wire;

pub use auth::{Auth, Keyring};
pub use console::{Console, GuestInspector};
pub use context::Config;
pub use http::{AfterChange, AppState, GuestReader, handle, router};
pub use imds::link_local::{Resolver as ImdsResolver, serve as serve_link_local_imds};
pub use imds::share_token_key as share_imds_token_key;
pub use localvpc_store::OpenError;

use std::sync::Arc;
use tokio::net::TcpListener;

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Opens the store in `dir`, refusing one another server holds.
pub fn open_store(
    dir: &std::path::Path,
) -> Result<localvpc_store::Store, localvpc_store::OpenError> {
    localvpc_store::Store::open(dir)
}

/// Connects to the PostgreSQL database at `url`, which other servers may share.
pub fn connect_store(url: &str) -> Result<localvpc_store::Store, localvpc_store::OpenError> {
    localvpc_store::Store::connect(url)
}
