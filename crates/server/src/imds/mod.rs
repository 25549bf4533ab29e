//! Instance metadata (IMDS v1 and v2) for every instance, as a guest sees it on EC2
//! (`shared/spec/imds.md`).
//!
//! Three layers, shared by every server of the same tree:
//! - [`metadata`]: the tree of one instance, a pure function of domain objects ([`metadata::Facts`]);
//! - [`protocol`]: HTTP semantics (versions, listings, tokens, 400/401/403/404/405), a pure
//!   function of a request, the facts, the token key and the time;
//! - [`load`]: the facts of an instance ID, read from the store without changing it.
//!
//! Two servers use them: inside instances, [`link_local`] serves 169.254.169.254 (with the data
//! plane, the instance found by the address a connection comes from); the API port serves
//! instance `i-…`'s metadata root at `/_localvpc/imds/i-…/` (so
//! `/_localvpc/imds/i-…/latest/meta-data/mac`), with the same semantics. Both share one token
//! key per process, as one instance's tokens are good wherever it reaches IMDS.

pub mod link_local;
mod load;
mod metadata;
mod protocol;
mod token;
mod tree;

use crate::http::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use load::load;
use protocol::{Request, answer};
use std::sync::{Arc, OnceLock};
use token::Tokens;

/// IMDSv2 session tokens: one key for the life of the process, shared by every server of a
/// PostgreSQL store ([`share_token_key`]), random otherwise.
static TOKENS: OnceLock<Tokens> = OnceLock::new();

fn tokens() -> &'static Tokens {
    TOKENS.get_or_init(Tokens::random)
}

/// Takes the IMDS token key every server of `store` shares (this server's random one if it is
/// the first, or the store is SQLite's), so a token one server issued is valid on the others.
/// Call before serving.
pub fn share_token_key(store: &localvpc_store::Store) -> Result<(), localvpc_model::Ec2Error> {
    let shared = store.shared_secret("imds-token-key", &Tokens::random_key())?;
    let tokens = Tokens::from_key_text(&shared).ok_or_else(|| {
        tracing::error!("the stored IMDS token key is not one localvpc wrote");
        localvpc_model::Ec2Error::internal()
    })?;
    // Already set only by a test that served before: it keeps its key.
    let _ = TOKENS.set(tokens);
    Ok(())
}

const PREFIX: &str = "/_localvpc/imds/";

/// `/_localvpc/imds/<instance-id>[/<path>]`, every method (the protocol refuses the wrong ones).
pub fn routes() -> Router<Arc<AppState>> {
    let handler = |State(state): State<Arc<AppState>>,
                   method: Method,
                   uri: Uri,
                   headers: HeaderMap| { serve(state, method, uri, headers) };
    Router::new()
        .route("/_localvpc/imds/{instance}", any(handler))
        .route("/_localvpc/imds/{instance}/", any(handler))
        .route("/_localvpc/imds/{instance}/{*path}", any(handler))
}

async fn serve(state: Arc<AppState>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let below = uri.path().strip_prefix(PREFIX).unwrap_or_default();
    let (instance_id, path) = below.split_once('/').unwrap_or((below, ""));
    let facts = match read_facts(state, Some(instance_id.to_owned())).await {
        Ok(facts) => facts,
        Err(status) => return status.into_response(),
    };
    let request = Request {
        method: &method,
        path,
        headers: &headers,
    };
    let answer = answer(&request, facts.as_ref(), tokens(), unix_millis());
    tracing::debug!(instance = instance_id, %method, path, status = answer.status.as_u16(), "imds");
    answer.into_response()
}

/// The facts of `instance_id` now (`None` for no instance), read off the async workers.
async fn read_facts(
    state: Arc<AppState>,
    instance_id: Option<String>,
) -> Result<Option<metadata::Facts>, StatusCode> {
    let Some(id) = instance_id else {
        return Ok(None);
    };
    match tokio::task::spawn_blocking(move || load(&state.store, &id)).await {
        Ok(Ok(facts)) => Ok(facts),
        Ok(Err(e)) => {
            tracing::error!(code = e.code.as_str(), message = %e.message, "IMDS read failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        }
        Err(e) => {
            tracing::error!(error = %e, "IMDS read panicked");
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

fn unix_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Every leaf of `instance_id`'s metadata tree (`latest/…`) as the guest would read it, for the
/// console; `None` when the instance has no metadata (none, shutting down, terminated).
pub(crate) fn leaves(
    store: &localvpc_store::Store,
    instance_id: &str,
) -> Result<Option<Vec<(String, String)>>, localvpc_model::Ec2Error> {
    Ok(load(store, instance_id)?.map(|facts| metadata::build(&facts).leaves()))
}
