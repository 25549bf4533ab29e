//! The web console under `/_localvpc/console/`: a resource map of each VPC with its instances
//! and ENIs, detail pages and the seeds' actions, in plain HTML/CSS/JS embedded in the binary
//! (no network needed to build or use it).
//!
//! The page reads and acts only through [`crate::http::call`], the path every EC2 request takes
//! (decode against the model, dispatch, one transaction, the change hooks), so it sees exactly
//! what `Describe*` answers and its actions meet the API's rules and error codes. Sessions and
//! CSRF tokens are in [`session`]; the JSON endpoints in [`views`]; every change any client
//! makes reaches open pages as a server-sent event.

mod session;
mod views;

use crate::http::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::watch;

pub use session::Sessions;

/// Where the console lives.
pub const PREFIX: &str = "/_localvpc/console/";

/// Reads an instance's network as its guest sees it (with the data plane): titled command
/// outputs (`ip addr`, `ip rule`, `ip route`), or why they cannot be had.
pub type GuestInspector = Box<dyn Fn(&str) -> Result<Vec<(String, String)>, String> + Send + Sync>;

/// The console's share of the server's state.
pub struct Console {
    /// Bumped after every committed change; each open page's event stream watches it.
    changes: watch::Sender<u64>,
    sessions: Sessions,
    guest: Option<GuestInspector>,
}

impl Default for Console {
    fn default() -> Self {
        Self {
            changes: watch::Sender::new(0),
            sessions: Sessions::default(),
            guest: None,
        }
    }
}

impl Console {
    /// A console that can show guests' own view of their network.
    pub fn with_guest(guest: GuestInspector) -> Self {
        Self {
            guest: Some(guest),
            ..Self::default()
        }
    }

    /// Tells every open page that state changed.
    pub(crate) fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }
}

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/_localvpc/console",
            get(|| async { Redirect::permanent(PREFIX) }),
        )
        .route(PREFIX, get(|| asset("index.html")))
        .route("/_localvpc/console/app.js", get(|| asset("app.js")))
        .route("/_localvpc/console/pages.js", get(|| asset("pages.js")))
        .route("/_localvpc/console/app.css", get(|| asset("app.css")))
        .route("/_localvpc/console/api/session", get(session::current))
        .route("/_localvpc/console/api/login", post(session::login))
        .route("/_localvpc/console/api/logout", post(session::logout))
        .route("/_localvpc/console/api/events", get(events))
        .merge(views::routes())
}

/// Whether a `GET /` is a browser opening the server's address rather than an EC2 call: no
/// query parameters, no signature, and HTML accepted.
pub fn is_browser_visit(query: Option<&str>, headers: &HeaderMap) -> bool {
    query.is_none_or(str::is_empty)
        && !headers.contains_key(header::AUTHORIZATION)
        && headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

/// The embedded files, with a strict content security policy: scripts and styles only from
/// the console itself, no requests elsewhere, no framing.
async fn asset(name: &str) -> Response {
    let (body, kind) = match name {
        "index.html" => (
            include_str!("assets/index.html"),
            "text/html; charset=utf-8",
        ),
        "app.js" => (
            include_str!("assets/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "pages.js" => (
            include_str!("assets/pages.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => (include_str!("assets/app.css"), "text/css; charset=utf-8"),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `api/events`: a `change` event after every committed change by any client (the page then
/// reloads what it shows), and one at once so the page knows the stream is live.
async fn events(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if state.console.sessions.find(&headers).is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let changes = state.console.changes.subscribe();
    let stream = futures_util::stream::unfold((changes, true), |(mut changes, first)| async move {
        if !first && changes.changed().await.is_err() {
            return None;
        }
        let version = *changes.borrow_and_update();
        let event = Event::default()
            .event(if first { "ready" } else { "change" })
            .data(version.to_string());
        Some((Ok::<_, Infallible>(event), (changes, false)))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_plain_browser_visit_is_redirected() {
        let mut browser = HeaderMap::new();
        browser.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml"),
        );
        assert!(is_browser_visit(None, &browser));
        assert!(is_browser_visit(Some(""), &browser));
        assert!(!is_browser_visit(Some("Action=DescribeVpcs"), &browser));
        assert!(!is_browser_visit(None, &HeaderMap::new()));
        let mut signed = browser.clone();
        signed.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("AWS4-HMAC-SHA256 Credential=x"),
        );
        assert!(!is_browser_visit(None, &signed));
    }
}
