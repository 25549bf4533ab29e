//! Console sessions: a random ID in an `HttpOnly`, `SameSite=Strict` cookie, and per session a
//! CSRF token the page sends back in `X-CSRF-Token` with every request that acts. With
//! `--auth off` a session starts on first visit and sees every account; with `--auth verify` it
//! starts by signing in with an access key and secret from the credentials file, and sees only
//! that key's account.

use crate::auth::Auth;
use crate::http::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const COOKIE: &str = "lvpc_console";
/// Sessions kept at most; the oldest goes first (a session is cheap to start again).
const MAX_SESSIONS: usize = 1024;

#[derive(Debug, Clone)]
pub struct Session {
    /// The only account this session may see; `None` with `--auth off` (all of them).
    pub account: Option<String>,
    pub csrf: String,
    started: u64,
}

impl Session {
    pub fn may_see(&self, account: &str) -> bool {
        self.account.as_deref().is_none_or(|a| a == account)
    }
}

#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<(u64, HashMap<String, Session>)>,
}

impl Sessions {
    /// The session of the request's cookie, if it is a live one.
    pub fn find(&self, headers: &HeaderMap) -> Option<Session> {
        let id = cookie(headers)?;
        self.by_id.lock().expect("sessions").1.get(&id).cloned()
    }

    /// The session of the request, if its CSRF token came with it: what every action needs.
    pub fn for_action(&self, headers: &HeaderMap) -> Result<Session, Refused> {
        let session = self.find(headers).ok_or(Refused::SIGN_IN)?;
        let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
        if sent != Some(session.csrf.as_str()) {
            return Err(Refused {
                status: StatusCode::FORBIDDEN,
                code: "InvalidCsrfToken",
                message: "The request did not carry this session's CSRF token.",
            });
        }
        Ok(session)
    }

    fn start(&self, account: Option<String>) -> (String, Session) {
        let mut guard = self.by_id.lock().expect("sessions");
        let (counter, sessions) = &mut *guard;
        *counter += 1;
        if sessions.len() >= MAX_SESSIONS
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, s)| s.started)
                .map(|(id, _)| id.clone())
        {
            sessions.remove(&oldest);
        }
        let session = Session {
            account,
            csrf: random_token(),
            started: *counter,
        };
        let id = random_token();
        sessions.insert(id.clone(), session.clone());
        (id, session)
    }

    fn end(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers) {
            self.by_id.lock().expect("sessions").1.remove(&id);
        }
    }
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// A JSON answer.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    json_text(status, body.to_string())
}

/// A JSON answer already written out.
pub fn json_text(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A request the console turns down before any work.
#[derive(Debug)]
pub struct Refused {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: &'static str,
}

impl Refused {
    pub const SIGN_IN: Refused = Refused {
        status: StatusCode::UNAUTHORIZED,
        code: "AuthFailure",
        message: "Sign in first.",
    };
    pub const NOT_YOURS: Refused = Refused {
        status: StatusCode::FORBIDDEN,
        code: "UnauthorizedOperation",
        message: "You are not authorized to perform this operation.",
    };
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        problem(self.status, self.code, self.message)
    }
}

/// An error in the shape the page shows: AWS's code and message.
pub fn problem(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

fn verifying(state: &AppState) -> bool {
    matches!(state.auth, Auth::Verify(_))
}

fn describe(state: &AppState, session: &Session) -> Value {
    json!({
        "signedIn": true,
        "auth": if verifying(state) { "verify" } else { "off" },
        "account": session.account,
        "csrf": session.csrf,
        "dataplane": state.console.guest.is_some(),
    })
}

fn with_cookie(mut response: Response, id: &str) -> Response {
    let cookie = format!("{COOKIE}={id}; Path=/_localvpc/console; HttpOnly; SameSite=Strict");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `api/session`: the current session; with `--auth off` one starts here.
pub async fn current(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Some(session) = state.console.sessions.find(&headers) {
        return json_response(StatusCode::OK, &describe(&state, &session));
    }
    if verifying(&state) {
        return json_response(
            StatusCode::OK,
            &json!({"signedIn": false, "auth": "verify"}),
        );
    }
    let (id, session) = state.console.sessions.start(None);
    with_cookie(
        json_response(StatusCode::OK, &describe(&state, &session)),
        &id,
    )
}

/// `api/login` `{"accessKeyId", "secretAccessKey"}`: with `--auth verify`, a session that sees
/// the key's account. A JSON body only (a cross-site form cannot send one without the
/// browser's preflight).
pub async fn login(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let request: Option<Value> = serde_json::from_slice(&body).ok();
    let field = |name: &str| {
        request
            .as_ref()
            .and_then(|r| r.get(name))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if !is_json || request.is_none() {
        return problem(
            StatusCode::BAD_REQUEST,
            "InvalidParameterValue",
            "Sign in with a JSON body.",
        );
    }
    let account = match &state.auth {
        Auth::Off => None,
        Auth::Verify(keys) => {
            match keys.account_of(&field("accessKeyId"), &field("secretAccessKey")) {
                Some(account) => Some(account.to_owned()),
                None => {
                    return problem(
                        StatusCode::UNAUTHORIZED,
                        "AuthFailure",
                        "AWS was not able to validate the provided access credentials",
                    );
                }
            }
        }
    };
    state.console.sessions.end(&headers);
    let (id, session) = state.console.sessions.start(account);
    with_cookie(
        json_response(StatusCode::OK, &describe(&state, &session)),
        &id,
    )
}

/// `api/logout`: ends the session (CSRF-protected like any action).
pub async fn logout(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let Err(refused) = state.console.sessions.for_action(&headers) {
        return refused.into_response();
    }
    state.console.sessions.end(&headers);
    json_response(StatusCode::OK, &json!({"signedIn": false}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn an_action_needs_the_cookie_and_its_own_csrf_token() {
        let sessions = Sessions::default();
        let (id, session) = sessions.start(Some("111111111111".into()));
        let (_, other) = sessions.start(None);
        let cookie = format!("a=b; {COOKIE}={id}");
        let status = |h: &HeaderMap| sessions.for_action(h).map(|_| ()).map_err(|r| r.status);
        assert_eq!(
            status(&headers(&[
                ("cookie", &cookie),
                ("x-csrf-token", &session.csrf)
            ])),
            Ok(())
        );
        assert_eq!(
            status(&headers(&[("cookie", &cookie)])),
            Err(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(&headers(&[
                ("cookie", &cookie),
                ("x-csrf-token", &other.csrf)
            ])),
            Err(StatusCode::FORBIDDEN),
            "another session's token"
        );
        assert_eq!(
            status(&headers(&[("x-csrf-token", &session.csrf)])),
            Err(StatusCode::UNAUTHORIZED)
        );
        let found = sessions.find(&headers(&[("cookie", &cookie)])).unwrap();
        assert!(found.may_see("111111111111") && !found.may_see("222222222222"));
        sessions.end(&headers(&[("cookie", &cookie)]));
        assert!(sessions.find(&headers(&[("cookie", &cookie)])).is_none());
    }

    #[test]
    fn sessions_are_bounded() {
        let sessions = Sessions::default();
        let (first, _) = sessions.start(None);
        for _ in 0..MAX_SESSIONS {
            sessions.start(None);
        }
        let cookie = format!("{COOKIE}={first}");
        assert!(sessions.find(&headers(&[("cookie", &cookie)])).is_none());
        assert_eq!(sessions.by_id.lock().unwrap().1.len(), MAX_SESSIONS);
    }
}
