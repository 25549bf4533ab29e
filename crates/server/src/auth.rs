//! `--auth verify`: SigV4 authentication of header-signed and presigned (query-signed) requests
//! against keys from an AWS shared-credentials file.
//!
//! The expected signature is computed by AWS's own signer (`aws-sigv4`), fed with exactly the
//! headers the caller says it signed, so localvpc agrees with the SDKs by construction rather
//! than by a second implementation of the canonicalisation rules. With `--auth off` (the
//! default) nothing is checked and the account comes from the access key as before
//! ([`crate::credentials::caller`]).

use crate::credentials::{Caller, caller};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use axum::http::{HeaderMap, header};
use localvpc_model::{Ec2Error, ErrorCode};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How far a request's timestamp may be from the server's clock (AWS: 15 minutes).
const MAX_SKEW: Duration = Duration::from_secs(15 * 60);
/// The longest a presigned request may stay valid (AWS: 7 days).
const MAX_EXPIRES: u64 = 7 * 24 * 3600;
const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Signature parameters of a presigned request: part of the signature, not of the canonical query.
const PRESIGN_PARAMS: &[&str] = &[
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];
/// Services whose credential scope localvpc answers: EC2, and STS for `GetCallerIdentity`.
const SERVICES: &[&str] = &["ec2", "sts"];

/// The server's authentication mode.
#[derive(Debug, Default)]
pub enum Auth {
    /// Any credentials; the account is the 12-digit access key (else 000000000000).
    #[default]
    Off,
    /// SigV4 checked against these keys; the account is the key's profile's.
    Verify(Keyring),
}

/// One key from the credentials file.
struct Key {
    secret: String,
    account: String,
}

/// Access keys by ID, read from an AWS shared-credentials file.
pub struct Keyring {
    keys: HashMap<String, Key>,
}

/// Shows the access key IDs only: secrets never reach a log.
impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ids: Vec<&String> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("Keyring")
            .field("access_keys", &ids)
            .finish()
    }
}

impl Keyring {
    /// The account of access key `id` if `secret` is its secret (the console's sign-in).
    pub(crate) fn account_of(&self, id: &str, secret: &str) -> Option<&str> {
        use sha2::{Digest, Sha256};
        let key = self.keys.get(id)?;
        // Digests compared, so the time taken says nothing about how much of the secret matched.
        (Sha256::digest(&key.secret) == Sha256::digest(secret)).then_some(key.account.as_str())
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read credentials file {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("credentials file {}: {e}", path.display()))
    }

    /// Parses the shared-credentials format: `[name]` (or `[profile name]`) sections of
    /// `key = value` lines; `#` and `;` start comments. Every profile needs
    /// `aws_access_key_id`, `aws_secret_access_key` and a 12-digit `aws_account_id`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut profiles: Vec<(String, HashMap<String, String>)> = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let name = name.trim();
                let name = name.strip_prefix("profile ").unwrap_or(name).trim();
                profiles.push((name.to_owned(), HashMap::new()));
            } else if let Some((key, value)) = line.split_once('=') {
                let (_, settings) = profiles
                    .last_mut()
                    .ok_or_else(|| format!("line {}: setting outside a [profile]", number + 1))?;
                settings.insert(key.trim().to_owned(), value.trim().to_owned());
            } else {
                return Err(format!("line {}: expected `key = value`", number + 1));
            }
        }
        let mut keys = HashMap::new();
        for (profile, settings) in profiles {
            let get = |name: &str| {
                settings
                    .get(name)
                    .filter(|v| !v.is_empty())
                    .cloned()
                    .ok_or_else(|| format!("profile [{profile}] has no {name}"))
            };
            let id = get("aws_access_key_id")?;
            let account = get("aws_account_id")?;
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "profile [{profile}]: aws_account_id must be 12 digits, not {account:?}"
                ));
            }
            let key = Key {
                secret: get("aws_secret_access_key")?,
                account,
            };
            if keys.insert(id.clone(), key).is_some() {
                return Err(format!("access key {id} appears in more than one profile"));
            }
        }
        if keys.is_empty() {
            return Err("no profiles".into());
        }
        Ok(Self { keys })
    }
}

/// What the HTTP edge hands over for checking: the request as it arrived.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// Query and form parameters together (`--auth off` reads the access key from them).
    pub params: &'a [(String, String)],
}

/// Who is calling, or why the request is refused.
pub fn authenticate(auth: &Auth, request: &Request) -> Result<Caller, Ec2Error> {
    match auth {
        Auth::Off => {
            let authorization = request
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            let query_credential = request
                .params
                .iter()
                .find(|(k, _)| k == "X-Amz-Credential")
                .map(|(_, v)| v.as_str());
            Ok(caller(authorization, query_credential))
        }
        Auth::Verify(keys) => verify(keys, request, SystemTime::now()),
    }
}

/// The signature a request presents, wherever it carries it.
struct Presented {
    key_id: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
    time: SystemTime,
    /// Presigned requests only: seconds from `time` the signature stays valid.
    expires: Option<u64>,
    session_token: Option<String>,
}

fn verify(keys: &Keyring, request: &Request, now: SystemTime) -> Result<Caller, Ec2Error> {
    let presented = presented(request)?;
    let key = keys.keys.get(&presented.key_id).ok_or_else(|| {
        Ec2Error::new(
            ErrorCode::AuthFailure,
            "AWS was not able to validate the provided access credentials",
        )
    })?;
    check_time(&presented, now)?;
    if !SERVICES.contains(&presented.service.as_str()) {
        return Err(mismatch(format!(
            "Credential should be scoped to correct service: 'ec2'. Got '{}'.",
            presented.service
        )));
    }
    let expected = expected_signature(request, &presented, &key.secret)?;
    if !constant_time_eq(expected.as_bytes(), presented.signature.as_bytes()) {
        return Err(mismatch(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ));
    }
    Ok(Caller {
        account: key.account.clone(),
        region: presented.region,
    })
}

fn incomplete(message: impl Into<String>) -> Ec2Error {
    Ec2Error::new(ErrorCode::IncompleteSignature, message)
}

fn mismatch(message: impl Into<String>) -> Ec2Error {
    Ec2Error::new(ErrorCode::SignatureDoesNotMatch, message)
}

fn expired() -> Ec2Error {
    Ec2Error::new(ErrorCode::RequestExpired, "Request has expired.")
}

/// Reads the signature from the `Authorization` header, else from the URL's query string.
fn presented(request: &Request) -> Result<Presented, Ec2Error> {
    if let Some(value) = request.headers.get(header::AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| incomplete("The Authorization header is not ASCII."))?;
        return from_header(value, request.headers);
    }
    let query: Vec<(String, String)> = request
        .query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    if query.iter().any(|(k, _)| k == "X-Amz-Signature") {
        return from_query(&query);
    }
    Err(Ec2Error::new(
        ErrorCode::MissingAuthenticationToken,
        "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.",
    ))
}

/// `AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex`
fn from_header(value: &str, headers: &HeaderMap) -> Result<Presented, Ec2Error> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or_else(|| {
            incomplete(format!(
                "Unsupported Authorization scheme; localvpc accepts {ALGORITHM} (SigV4)."
            ))
        })?;
    let mut fields: HashMap<&str, &str> = HashMap::new();
    for part in rest.split(',') {
        if let Some((k, v)) = part.trim().split_once('=') {
            fields.insert(k, v);
        }
    }
    let field = |name: &str| {
        fields
            .get(name)
            .copied()
            .ok_or_else(|| incomplete(format!("Authorization header requires '{name}' parameter.")))
    };
    let date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            incomplete("Authorization header requires existence of a 'X-Amz-Date' header.")
        })?;
    let token = headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    presented_from(
        field("Credential")?,
        field("SignedHeaders")?,
        field("Signature")?,
        date,
        None,
        token,
    )
}

fn from_query(query: &[(String, String)]) -> Result<Presented, Ec2Error> {
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let need = |name: &str| {
        get(name).ok_or_else(|| {
            incomplete(format!(
                "A presigned request requires the '{name}' parameter."
            ))
        })
    };
    if need("X-Amz-Algorithm")? != ALGORITHM {
        return Err(incomplete(format!("X-Amz-Algorithm must be {ALGORITHM}.")));
    }
    let expires: u64 = need("X-Amz-Expires")?
        .parse()
        .ok()
        .filter(|e| (1..=MAX_EXPIRES).contains(e))
        .ok_or_else(|| {
            incomplete(format!(
                "X-Amz-Expires must be a number of seconds from 1 to {MAX_EXPIRES}."
            ))
        })?;
    presented_from(
        need("X-Amz-Credential")?,
        need("X-Amz-SignedHeaders")?,
        need("X-Amz-Signature")?,
        need("X-Amz-Date")?,
        Some(expires),
        get("X-Amz-Security-Token").map(str::to_owned),
    )
}

fn presented_from(
    credential: &str,
    signed_headers: &str,
    signature: &str,
    date: &str,
    expires: Option<u64>,
    session_token: Option<String>,
) -> Result<Presented, Ec2Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [key_id, scope_date, region, service, "aws4_request"] = parts[..] else {
        return Err(incomplete(format!(
            "Credential must have the form KEY/YYYYMMDD/REGION/SERVICE/aws4_request, not '{credential}'."
        )));
    };
    let time = chrono::NaiveDateTime::parse_from_str(date, "%Y%m%dT%H%M%SZ")
        .map_err(|_| {
            incomplete(format!(
                "Invalid X-Amz-Date '{date}': expected YYYYMMDD'T'HHMMSS'Z'."
            ))
        })?
        .and_utc();
    if !date.starts_with(scope_date) {
        return Err(mismatch(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{}'",
            date.get(..8).unwrap_or(date)
        )));
    }
    Ok(Presented {
        key_id: key_id.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers: signed_headers
            .split(';')
            .map(|h| h.trim().to_ascii_lowercase())
            .collect(),
        signature: signature.to_owned(),
        time: SystemTime::from(time),
        expires,
        session_token,
    })
}

/// A signed request is good from 15 minutes before its time (clock skew) until 15 minutes
/// after it, or, presigned, until its expiry.
fn check_time(presented: &Presented, now: SystemTime) -> Result<(), Ec2Error> {
    let start = presented
        .time
        .checked_sub(MAX_SKEW)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let end = presented.time
        + match presented.expires {
            Some(seconds) => Duration::from_secs(seconds),
            None => MAX_SKEW,
        };
    if now < start || now > end {
        return Err(expired());
    }
    Ok(())
}

/// The signature the caller would have computed with the right secret.
fn expected_signature(
    request: &Request,
    presented: &Presented,
    secret: &str,
) -> Result<String, Ec2Error> {
    let presigned = presented.expires.is_some();
    // The signer adds these itself (from the settings below), so they must not be passed twice.
    let added_by_signer: &[&str] = if presigned {
        &[]
    } else {
        &["x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]
    };
    let mut headers: Vec<(&str, &str)> = Vec::new();
    for name in &presented.signed_headers {
        if added_by_signer.contains(&name.as_str()) {
            continue;
        }
        for value in request.headers.get_all(name.as_str()) {
            let value = value
                .to_str()
                .map_err(|_| mismatch(format!("The signed header {name} is not ASCII.")))?;
            headers.push((name.as_str(), value));
        }
    }
    let query = request.query.map(|q| {
        let kept = form_urlencoded::parse(q.as_bytes())
            .filter(|(k, _)| !(presigned && PRESIGN_PARAMS.contains(&k.as_ref())));
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish()
    });
    // The authority only matters if the caller did not sign `host`, and then nothing matches.
    let uri = match query.as_deref() {
        Some(q) if !q.is_empty() => format!("http://localhost{}?{q}", request.path),
        _ => format!("http://localhost{}", request.path),
    };
    let mut settings = SigningSettings::default();
    settings.excluded_headers = None;
    if presigned {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = presented.expires.map(Duration::from_secs);
    } else if presented
        .signed_headers
        .iter()
        .any(|h| h == "x-amz-content-sha256")
    {
        settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
    }
    let identity = Credentials::new(
        presented.key_id.clone(),
        secret,
        presented.session_token.clone(),
        None,
        "localvpc credentials file",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&presented.region)
        .name(&presented.service)
        .time(presented.time)
        .settings(settings)
        .build()
        .map_err(|e| mismatch(format!("cannot compute the signature: {e}")))?
        .into();
    let signable = SignableRequest::new(
        request.method,
        uri,
        headers.into_iter(),
        SignableBody::Bytes(request.body),
    )
    .map_err(|e| mismatch(format!("The request cannot be canonicalised: {e}")))?;
    let output = sign(signable, &params)
        .map_err(|e| mismatch(format!("The request cannot be canonicalised: {e}")))?;
    Ok(output.signature().to_owned())
}

/// Compares without leaking, through timing, how much of a guessed signature was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests;
