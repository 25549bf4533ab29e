//! The HTTP edge: EC2 Query on `/` (POST form or GET query string), plus localvpc's own
//! `/_localvpc/health` and `/_localvpc/reset` (also at moto's `/moto-api/reset`), and instance
//! metadata under `/_localvpc/imds/` (see `imds`).

use crate::auth::{self, Auth};
use crate::console::Console;
use crate::context::{Config, Ctx};
use crate::log_context::{InContext, RequestContext};
use crate::operations::{self, Access};
use crate::{dispatch, provision, sts};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use localvpc_api::{Model, decode, encode, error_xml};
use localvpc_model::instance::lifecycle;
use localvpc_model::region::Region;
use localvpc_model::{Ec2Error, ErrorCode};
use localvpc_store::{Store, Tx};
use std::sync::Arc;

/// Shared by every request.
pub struct AppState {
    pub store: Store,
    pub config: Config,
    /// Run after every successful call that may have changed state (all but `Describe*`) and
    /// after a reset, before the response is sent: the data plane reconciles here, so the
    /// network matches the answer the caller gets.
    pub after_change: Option<AfterChange>,
    pub auth: Auth,
    /// The web console's sessions and change feed (`console`).
    pub console: Console,
    /// Reads an instance's guest network state (with the data plane), for the guest-aware
    /// analysis of `localvpc why` and `localvpc lint --guest`.
    pub guests: Option<GuestReader>,
}

/// See [`AppState::guests`]: instance ID → its guest's state, or why it cannot be read.
pub type GuestReader =
    Box<dyn Fn(&str) -> Result<localvpc_dataplane::guest_view::GuestState, String> + Send + Sync>;

impl AppState {
    /// After a committed change to `partition` (every partition: `None`, after a reset): the
    /// `after_change` hook, then the console's live update.
    pub(crate) fn changed(&self, partition: Option<(&str, &str)>) {
        if let Some(hook) = &self.after_change {
            hook(&self.store);
        }
        self.console.changed(partition);
    }
}

/// See [`AppState::after_change`].
pub type AfterChange = Box<dyn Fn(&Store) + Send + Sync>;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/",
            post(ec2_post)
                .get(ec2_get)
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        )
        .route("/_localvpc/health", get(health))
        .route("/_localvpc/reset", post(reset))
        .route("/_localvpc/why", post(crate::insights::http::why))
        .route("/_localvpc/lint", post(crate::insights::http::lint))
        .route("/moto-api/reset", post(reset))
        .merge(crate::imds::routes())
        .merge(crate::console::routes())
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
        state.changed(None);
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

/// Largest request body accepted (AWS documents no figure for EC2; 1 MiB is far above any real
/// request and bounds what one call can make the server parse).
pub const MAX_BODY_BYTES: usize = 1 << 20;

async fn ec2_post(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match body {
        Ok(body) => ec2(state, "POST", query, headers, body).await,
        Err(rejection) => {
            let err = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Ec2Error::new(
                    ErrorCode::RequestEntityTooLarge,
                    format!("The request body exceeds the limit of {MAX_BODY_BYTES} bytes."),
                )
            } else {
                Ec2Error::invalid_value(format!("The request body could not be read: {rejection}"))
            };
            error_response(err, false, &uuid::Uuid::new_v4().to_string())
        }
    }
}

async fn ec2_get(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if crate::console::is_browser_visit(query.as_deref(), &headers) {
        return axum::response::Redirect::to(crate::console::PREFIX).into_response();
    }
    ec2(state, "GET", query, headers, Bytes::new()).await
}

fn parse_form(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn ec2(
    state: Arc<AppState>,
    method: &'static str,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut params = query
        .as_deref()
        .map(|q| parse_form(q.as_bytes()))
        .unwrap_or_default();
    params.extend(parse_form(&body));
    let action = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone());
    // Every line the request writes, here and on the blocking thread that runs it, carries
    // this context (the log formatter reads it).
    let context = RequestContext::new(action.as_deref().unwrap_or("-"), &request_id);
    let in_request = context.clone();
    let run = async move {
        let sts = sts::is_sts(action.as_deref());
        let signed = auth::Request {
            method,
            path: "/",
            query: query.as_deref(),
            headers: &headers,
            body: &body,
            params: &params,
        };
        let who = match auth::authenticate(&state.auth, &signed) {
            Ok(who) => who,
            Err(err) => return error_response(err, sts, &request_id),
        };
        in_request.set_caller(&who.account, &who.region);
        tracing::debug!(method, params = params.len(), "request received");
        if sts {
            tracing::debug!("answered by STS");
            return xml_response(
                StatusCode::OK,
                sts::caller_identity(&who.account, &request_id),
            );
        }
        let result = tokio::task::spawn_blocking({
            let request_id = request_id.clone();
            move || {
                let _entered = in_request.enter();
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
            Ok(xml) => {
                tracing::debug!("answered");
                xml_response(StatusCode::OK, xml)
            }
            Err(err) => error_response(err, false, &request_id),
        }
    };
    InContext::new(context, run).await
}

/// An error in EC2's envelope, or STS's for the STS action.
fn error_response(err: Ec2Error, sts: bool, request_id: &str) -> Response {
    tracing::debug!(
        code = err.code.as_str(),
        status = err.code.http_status(),
        message = %err.message,
        "request refused"
    );
    let (status, xml) = if sts {
        sts::error(err, request_id)
    } else {
        (
            err.code.http_status(),
            error_xml(err.code.as_str(), &err.message, request_id),
        )
    };
    xml_response(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        xml,
    )
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
/// transaction, and encode the answer. Public for the service fuzz target (`fuzz/`), which
/// drives every action without HTTP.
pub fn handle(
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
    let output = call(state, account, region, &action, params)?;
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

/// One call of a known operation from its query parameters to its response object: decoded
/// against the model, executed, and followed by the change hooks when it wrote. The console's
/// reads and actions come through here too, so they meet the API's rules and errors.
pub(crate) fn call(
    state: &AppState,
    account: &str,
    region: &str,
    action: &str,
    params: &[(String, String)],
) -> Result<serde_json::Value, Ec2Error> {
    let model = Model::get();
    let operation = model.operations.get(action).ok_or_else(|| {
        Ec2Error::new(
            ErrorCode::InvalidAction,
            format!("The action {action} is not valid for this web service."),
        )
    })?;
    let region = Region::named(region)?;
    let input = decode(model, operation.input.as_deref(), params)?;
    tracing::debug!("parameters fit the model");
    let Executed { output, wrote } = execute(
        &state.store,
        &state.config,
        account,
        region,
        action,
        input,
        chrono::Utc::now(),
    )?;
    // After every committed write, a Describe that settled instances or provisioned the
    // partition included.
    if wrote {
        tracing::debug!("change hooks");
        state.changed(Some((account, region.name)));
    }
    Ok(output)
}

/// A call's response, and whether it committed a change (a `Describe*` can: instances settle
/// and a partition is provisioned on first use).
pub(crate) struct Executed {
    pub output: serde_json::Value,
    pub wrote: bool,
}

/// One decoded call in one transaction of the caller's partition (provisioned on first use), as
/// of `now`: applied whole or not at all. `Describe*` calls read on their own connections, in
/// parallel with each other and with writes, unless an instance is due to settle.
pub(crate) fn execute(
    store: &Store,
    config: &Config,
    account: &str,
    region: &'static Region,
    action: &str,
    input: serde_json::Value,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Executed, Ec2Error> {
    let settle_at = timestamp(now);
    let forget_terminated_before = timestamp(
        now - chrono::Duration::from_std(lifecycle::GONE_VISIBLE_FOR).expect("an hour fits"),
    );
    // The call itself, on whichever transaction answers it.
    let run = |tx: &mut Tx<'_>, new_partition: bool, input| {
        let mut ctx = Ctx {
            tx,
            account,
            region,
            config,
            now: settle_at.clone(),
        };
        if new_partition {
            tracing::debug!("first call of the partition: provisioning its default VPC");
            provision::provision_partition(&mut ctx)?;
        }
        dispatch::dispatch(&mut ctx, action, input)
    };
    let mut input = Some(input);
    if operations::find(action).is_some_and(|op| op.access == Access::Read) {
        let read = store.read(account, region.name, |tx| {
            if tx.instances_to_settle(&settle_at, &forget_terminated_before)?
                || tx.nat_gateways_to_settle(&settle_at, &forget_terminated_before)?
                || tx.vpc_endpoints_to_settle(&settle_at, &forget_terminated_before)?
            {
                tracing::debug!("something settles first: the read goes to the writer");
                return Ok(None);
            }
            let input = input.take().expect("read once");
            run(tx, false, input).map(Some)
        })?;
        if let Some(Some(output)) = read {
            tracing::debug!("read on a reader connection");
            return Ok(Executed {
                output,
                wrote: false,
            });
        }
    }
    let mut input = input.expect("not consumed by a read that answered");
    for attempt in 1..=WRITE_ATTEMPTS {
        let last = attempt == WRITE_ATTEMPTS;
        let this_input = if last {
            std::mem::take(&mut input)
        } else {
            input.clone()
        };
        let result = store.transact(account, region.name, |tx, new_partition| {
            // Instances in a transitional state (pending, stopping, shutting-down) and NAT
            // gateways (pending, deleting) settle before the call sees them, so each state
            // lasts exactly until the next call.
            tx.settle_instances(&settle_at, &forget_terminated_before)?;
            tx.settle_nat_gateways(&settle_at, &forget_terminated_before)?;
            tx.settle_vpc_endpoints(&settle_at, &forget_terminated_before)?;
            run(tx, new_partition, this_input)
        });
        match result {
            Err(e) if e.code == ErrorCode::ServiceUnavailable && !last => {
                tracing::info!(attempt, "transient storage failure; running the call again");
            }
            result => {
                return result.map(|output| {
                    tracing::debug!("write transaction committed");
                    Executed {
                        output,
                        wrote: true,
                    }
                });
            }
        }
    }
    unreachable!("the last attempt returns")
}

/// How often a write that failed transiently (a lost race, a busy database: nothing applied)
/// runs before the caller sees `ServiceUnavailable`. Run again, a call that lost a race sees
/// the winner's rows, so the model gives its exact answer (or the client token its replay).
const WRITE_ATTEMPTS: u32 = 3;

/// EC2's timestamp format, `2013-11-30T23:36:42.000Z` (sorts as text).
fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    // The same text as `format("%Y-%m-%dT%H:%M:%S%.3fZ")`, without parsing a format string on
    // every call.
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_ec2s_format() {
        let t = chrono::DateTime::parse_from_rfc3339("2013-11-30T23:36:42.5+00:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(timestamp(t), "2013-11-30T23:36:42.500Z");
        assert_eq!(
            timestamp(t + chrono::Duration::nanoseconds(1)),
            "2013-11-30T23:36:42.500Z"
        );
    }
}
