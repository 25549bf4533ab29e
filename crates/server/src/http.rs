//! The HTTP edge: EC2 Query on `/` (POST form or GET query string), plus localvpc's own
//! `/_localvpc/health` and `/_localvpc/reset` (also at moto's `/moto-api/reset`), and instance
//! metadata under `/_localvpc/imds/` (see `imds`).

use crate::context::{Config, Ctx};
use crate::credentials::caller;
use crate::{dispatch, provision};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use localvpc_api::{Model, decode, encode, error_xml};
use localvpc_model::region::Region;
use localvpc_model::{Ec2Error, ErrorCode};
use localvpc_store::Store;
use std::sync::Arc;

/// Shared by every request.
pub struct AppState {
    pub store: Store,
    pub config: Config,
    /// Run after every successful call that may have changed state (all but `Describe*`) and
    /// after a reset, before the response is sent: the data plane reconciles here, so the
    /// network matches the answer the caller gets.
    pub after_change: Option<AfterChange>,
}

/// See [`AppState::after_change`].
pub type AfterChange = Box<dyn Fn(&Store) + Send + Sync>;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", post(ec2_post).get(ec2_get))
        .route("/_localvpc/health", get(health))
        .route("/_localvpc/reset", post(reset))
        .route("/moto-api/reset", post(reset))
        .merge(crate::imds::routes())
        .with_state(state)
}

async fn health() -> Response {
    let body = format!(
        "{{\"status\":\"ok\",\"version\":\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn reset(State(state): State<Arc<AppState>>) -> Response {
    let reset = move || {
        state.store.reset()?;
        if let Some(hook) = &state.after_change {
            hook(&state.store);
        }
        Ok::<_, Ec2Error>(())
    };
    match tokio::task::spawn_blocking(reset).await {
        Ok(Ok(())) => {
            tracing::info!("state reset");
            (
                [(header::CONTENT_TYPE, "application/json")],
                "{\"status\":\"reset\"}",
            )
                .into_response()
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn ec2_post(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params: Vec<(String, String)> = query.as_deref().map(parse_form).unwrap_or_default();
    params.extend(parse_form_bytes(&body));
    ec2(state, headers, params).await
}

async fn ec2_get(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    ec2(
        state,
        headers,
        query.as_deref().map(parse_form).unwrap_or_default(),
    )
    .await
}

fn parse_form(text: &str) -> Vec<(String, String)> {
    parse_form_bytes(text.as_bytes())
}

fn parse_form_bytes(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn ec2(state: Arc<AppState>, headers: HeaderMap, params: Vec<(String, String)>) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let query_credential = params
        .iter()
        .find(|(k, _)| k == "X-Amz-Credential")
        .map(|(_, v)| v.as_str());
    let who = caller(authorization, query_credential);
    let action = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone());
    let span = tracing::debug_span!("ec2", action = action.as_deref().unwrap_or("-"), account = %who.account, region = %who.region, request_id = %request_id);
    let _guard = span.enter();
    let result = tokio::task::spawn_blocking({
        let request_id = request_id.clone();
        move || {
            handle(
                &state,
                &who.account,
                &who.region,
                action,
                &params,
                &request_id,
            )
        }
    })
    .await
    .unwrap_or_else(|e| {
        tracing::error!(error = %e, "handler panicked");
        Err(Ec2Error::internal())
    });
    match result {
        Ok(xml) => xml_response(StatusCode::OK, xml),
        Err(err) => {
            tracing::debug!(code = err.code.as_str(), message = %err.message, "request refused");
            let status =
                StatusCode::from_u16(err.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            xml_response(
                status,
                error_xml(err.code.as_str(), &err.message, &request_id),
            )
        }
    }
}

fn xml_response(status: StatusCode, xml: String) -> Response {
    let mut response = (status, xml).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml;charset=UTF-8"),
    );
    headers.insert(header::SERVER, HeaderValue::from_static("AmazonEC2"));
    response
}

/// One EC2 call: validate the action and parameters against the model, run the handler in one
/// transaction, and encode the answer.
fn handle(
    state: &AppState,
    account: &str,
    region: &str,
    action: Option<String>,
    params: &[(String, String)],
    request_id: &str,
) -> Result<String, Ec2Error> {
    let model = Model::get();
    let action = action.ok_or_else(|| Ec2Error::missing_parameter("Action"))?;
    let Some(operation) = model.operations.get(&action) else {
        return Err(if model.all_operations.contains(&action) {
            Ec2Error::new(
                ErrorCode::UnsupportedOperation,
                format!("The action {action} is not supported by localvpc yet."),
            )
        } else {
            Ec2Error::new(
                ErrorCode::InvalidAction,
                format!("The action {action} is not valid for this web service."),
            )
        });
    };
    if !params.iter().any(|(k, _)| k == "Version") {
        return Err(Ec2Error::missing_parameter("Version"));
    }
    let region = Region::named(region)?;
    let input = decode(model, operation.input.as_deref(), params)?;
    let output = state
        .store
        .transact(account, region.name, |tx, new_partition| {
            let started = chrono::Utc::now();
            // Instances in a transitional state (pending, stopping, shutting-down) settle before
            // the call sees them, so each state lasts exactly until the next call.
            tx.settle_instances(
                &timestamp(started),
                &timestamp(started - chrono::Duration::hours(1)),
            )?;
            let mut ctx = Ctx {
                tx,
                account,
                region,
                config: &state.config,
                now: timestamp(started),
            };
            if new_partition {
                provision::provision_partition(&mut ctx)?;
            }
            dispatch::dispatch(&mut ctx, &action, input)
        })?;
    if let Some(hook) = state
        .after_change
        .as_ref()
        .filter(|_| !action.starts_with("Describe"))
    {
        hook(&state.store);
    }
    encode(
        model,
        &action,
        operation.output.as_deref(),
        &output,
        request_id,
    )
    .map_err(|e| {
        tracing::error!(error = %e, "response does not fit the model");
        Ec2Error::internal()
    })
}

/// A time as EC2 writes it (`2013-11-30T23:36:42.000Z`); such stamps sort as text.
fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
