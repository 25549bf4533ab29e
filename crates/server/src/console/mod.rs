//! The web console under `/_localvpc/console/`: a resource map of each VPC with its instances
//! and ENIs, detail pages and the seeds' actions, in plain HTML/CSS/JS embedded in the binary
//! (no network needed to build or use it).
//!
//! The page reads and acts only through [`crate::http::call`], the path every EC2 request takes
//! (decode against the model, dispatch, one transaction, the change hooks), so it sees exactly
//! what `Describe*` answers and its actions meet the API's rules and error codes. Sessions and
//! CSRF tokens are in [`session`]; the JSON endpoints in [`views`]; every change any client
//! makes reaches open pages as a server-sent event carrying only what changed ([`live`]).

mod live;
mod session;
mod views;

use crate::http::AppState;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::collections::{HashMap, VecDeque};
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
#[derive(Default)]
pub struct Console {
    /// What open pages are shown, per partition.
    feeds: live::Feeds,
    sessions: Sessions,
    guest: Option<GuestInspector>,
}

impl Console {
    /// A console that can show guests' own view of their network.
    pub fn with_guest(guest: GuestInspector) -> Self {
        Self {
            guest: Some(guest),
            ..Self::default()
        }
    }

    /// Tells the pages open on `partition` (all of them: `None`, after a reset) that its state
    /// changed.
    pub(crate) fn changed(&self, partition: Option<(&str, &str)>) {
        self.feeds.changed(partition);
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

/// `api/events?account=…&region=…&seq=…`: a `ready` event, then after every committed change
/// to the partition (and at once, to catch up from `seq`) a `delta` event per change, or a
/// `reload` when the page is too far behind or the store was reset.
async fn events(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (account, region) = match views::partition_of(&state, &headers, &query) {
        Ok(found) => found,
        Err(refused) => return refused.into_response(),
    };
    let sent = query.get("seq").and_then(|s| s.parse().ok()).unwrap_or(0);
    let feed = state.console.feeds.feed(&account, &region);
    let stream = Stream {
        writes: feed.subscribe(),
        feed,
        state,
        sent,
        queue: VecDeque::from([Event::default().event("ready").data(sent.to_string())]),
        caught_up: false,
    };
    let events = futures_util::stream::unfold(stream, |mut stream| async move {
        loop {
            if let Some(event) = stream.queue.pop_front() {
                return Some((Ok::<_, Infallible>(event), stream));
            }
            if stream.caught_up && stream.writes.changed().await.is_err() {
                return None;
            }
            stream.caught_up = true;
            stream.writes.borrow_and_update();
            stream.catch_up().await;
        }
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// One page's event stream.
struct Stream {
    state: Arc<AppState>,
    feed: Arc<live::Feed>,
    writes: watch::Receiver<u64>,
    /// The last `seq` the page has.
    sent: u64,
    queue: VecDeque<Event>,
    caught_up: bool,
}

impl Stream {
    /// Queues what the page lacks, describing the partition again if it was written since.
    async fn catch_up(&mut self) {
        let (feed, state, sent) = (Arc::clone(&self.feed), Arc::clone(&self.state), self.sent);
        let update = tokio::task::spawn_blocking(move || {
            feed.refresh(&state);
            feed.updates_after(sent)
        })
        .await
        .unwrap_or(live::Update::Reload(sent));
        match update {
            live::Update::Deltas(deltas) => {
                for (seq, delta) in deltas {
                    self.queue
                        .push_back(Event::default().event("delta").data(&*delta));
                    self.sent = seq;
                }
            }
            live::Update::Reload(seq) => {
                self.queue
                    .push_back(Event::default().event("reload").data(seq.to_string()));
                self.sent = seq;
            }
        }
    }
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
