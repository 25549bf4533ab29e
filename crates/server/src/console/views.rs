//! The console's JSON endpoints. Every read is a `Describe*` call through [`crate::http::call`]
//! and every action an EC2 call through it too, so the page shows what the API answers (same
//! member names as the SDKs) and an action fails exactly as the API would.

use super::session::{Refused, Session, json_response, json_text, problem};
use crate::http::{AppState, call};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use localvpc_model::Ec2Error;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The changes the console makes (the seeds' moves); anything else is refused.
const ACTIONS: &[&str] = &[
    "AttachNetworkInterface",
    "DetachNetworkInterface",
    "AssociateAddress",
    "DisassociateAddress",
    "StopInstances",
    "StartInstances",
    // "Why can't A reach B" asks the Reachability Analyzer as the AWS console does.
    "CreateNetworkInsightsPath",
    "StartNetworkInsightsAnalysis",
];

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/_localvpc/console/api/partitions", get(partitions))
        .route("/_localvpc/console/api/state", get(snapshot))
        .route("/_localvpc/console/api/imds", get(imds))
        .route("/_localvpc/console/api/guest", get(guest))
        .route("/_localvpc/console/api/lint", get(lint))
        .route("/_localvpc/console/api/call", post(action))
}

type Params = Query<HashMap<String, String>>;

fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<Session, Refused> {
    state.console.sessions.find(headers).ok_or(Refused::SIGN_IN)
}

fn ec2_problem(e: &Ec2Error) -> Response {
    problem(
        StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
        e.code.as_str(),
        &e.message,
    )
}

/// Runs blocking store work off the async workers.
async fn blocking(
    state: Arc<AppState>,
    f: impl FnOnce(&AppState) -> Result<Value, Ec2Error> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(move || f(&state)).await {
        Ok(Ok(value)) => json_response(StatusCode::OK, &value),
        Ok(Err(e)) => ec2_problem(&e),
        Err(_) => ec2_problem(&Ec2Error::internal()),
    }
}

/// `api/partitions`: the accounts and regions the store holds (only the session's account
/// when it has one).
async fn partitions(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let session = match signed_in(&state, &headers) {
        Ok(s) => s,
        Err(refused) => return refused.into_response(),
    };
    blocking(state, move |state| {
        let mut found = Vec::new();
        state.store.read_every_partition(|_, p| {
            if session.may_see(&p.account) {
                found.push(json!({"account": p.account, "region": p.region}));
            }
            Ok(())
        })?;
        Ok(Value::Array(found))
    })
    .await
}

/// `api/state?account=…&region=…`: every kind the map draws, as its `Describe*` answers, and
/// the `seq` of the live updates it is at (see [`super::live`]).
async fn snapshot(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response {
    let (account, region) = match partition_of(&state, &headers, &query) {
        Ok(found) => found,
        Err(refused) => return refused.into_response(),
    };
    let answer = tokio::task::spawn_blocking(move || {
        let feed = state.console.feeds.feed(&account, &region);
        feed.refresh(&state);
        feed.state_json()
    })
    .await;
    match answer {
        Ok(Ok(body)) => json_text(StatusCode::OK, body),
        Ok(Err(e)) => ec2_problem(&e),
        Err(_) => ec2_problem(&Ec2Error::internal()),
    }
}

/// `api/lint?account=…&region=…`: `localvpc lint`'s findings, each with `code` (rule ID and
/// name) for the page's list and the resources it marks on the map.
async fn lint(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response {
    let (account, region) = match partition_of(&state, &headers, &query) {
        Ok(found) => found,
        Err(refused) => return refused.into_response(),
    };
    blocking(state, move |state| {
        let options = localvpc_analyzer::lint::Options::default();
        let findings =
            crate::insights::lint::findings(&state.store, &account, &region, &options, None)?;
        let mut report = crate::insights::lint::report(&findings, &account, &region);
        if let Some(list) = report["findings"].as_array_mut() {
            for f in list {
                f["code"] = json!(format!(
                    "{} {}",
                    f["rule"].as_str().unwrap_or_default(),
                    f["name"].as_str().unwrap_or_default()
                ));
            }
        }
        Ok(report)
    })
    .await
}

/// The account and region a read names, if the session may see them.
pub(super) fn partition_of(
    state: &AppState,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<(String, String), Refused> {
    let session = signed_in(state, headers)?;
    let get = |name: &str| query.get(name).cloned().unwrap_or_default();
    let (account, region) = (get("account"), get("region"));
    if !session.may_see(&account) {
        return Err(Refused::NOT_YOURS);
    }
    Ok((account, region))
}

/// The account holding instance `id`, checked against the session.
fn instance_account(state: &AppState, session: &Session, id: &str) -> Result<(), Ec2Error> {
    let account = state
        .store
        .read_instance_partition(id, |_, p| Ok(p.account.clone()))?;
    match account {
        Some(account) if session.may_see(&account) => Ok(()),
        _ => Err(Ec2Error::new(
            localvpc_model::ErrorCode::InvalidInstanceIdNotFound,
            format!("The instance ID '{id}' does not exist"),
        )),
    }
}

/// `api/imds?instance=…`: the instance's metadata, every leaf with its path.
async fn imds(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response {
    let session = match signed_in(&state, &headers) {
        Ok(s) => s,
        Err(refused) => return refused.into_response(),
    };
    let id = query.get("instance").cloned().unwrap_or_default();
    blocking(state, move |state| {
        instance_account(state, &session, &id)?;
        let leaves = crate::imds::leaves(&state.store, &id)?.unwrap_or_default();
        Ok(Value::Array(
            leaves
                .into_iter()
                .map(|(path, value)| json!({"path": path, "value": value}))
                .collect(),
        ))
    })
    .await
}

/// `api/guest?instance=…`: the guest's own `ip addr`, `ip rule`, `ip route` (data plane only).
async fn guest(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Params,
) -> Response {
    let session = match signed_in(&state, &headers) {
        Ok(s) => s,
        Err(refused) => return refused.into_response(),
    };
    let id = query.get("instance").cloned().unwrap_or_default();
    blocking(state, move |state| {
        instance_account(state, &session, &id)?;
        let Some(inspect) = &state.console.guest else {
            return Ok(json!({"available": false}));
        };
        Ok(match inspect(&id) {
            Ok(outputs) => json!({
                "available": true,
                "outputs": outputs.into_iter().map(|(title, text)| json!({"title": title, "text": text})).collect::<Vec<_>>(),
            }),
            Err(why) => json!({"available": false, "reason": why}),
        })
    })
    .await
}

/// `api/call` `{"account", "region", "action", "params": {query parameter: value}}`: one of
/// the console's actions or any `Describe*` (the ENI list's filters), with the session's CSRF
/// token. The answer is the call's response object, or AWS's code and message.
async fn action(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let session = match state.console.sessions.for_action(&headers) {
        Ok(s) => s,
        Err(refused) => return refused.into_response(),
    };
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            "The request is not JSON.",
        );
    };
    let text = |name: &str| {
        request
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let (account, region, name) = (text("account"), text("region"), text("action"));
    if !session.may_see(&account) {
        return Refused::NOT_YOURS.into_response();
    }
    let reads = crate::operations::find(&name)
        .is_some_and(|op| op.access == crate::operations::Access::Read);
    if !(ACTIONS.contains(&name.as_str()) || reads) {
        return problem(
            StatusCode::BAD_REQUEST,
            "UnsupportedOperation",
            &format!("The console does not perform {name}."),
        );
    }
    let params: Vec<(String, String)> = request
        .get("params")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    tracing::debug!(action = %name, %account, %region, "console call");
    blocking(state, move |state| {
        call(state, &account, &region, &name, &params)
    })
    .await
}
