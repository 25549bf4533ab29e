//! How `localvpc why` and `localvpc lint` reach the running server: the endpoint, credentials
//! and region found as the AWS CLI finds them, and a SigV4-signed form POST (so `--auth verify`
//! applies and the server knows the caller's account and region as for an EC2 call).

use anyhow::{Context, bail};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// localvpc's (and LocalStack's) port, when neither `--endpoint` nor the environment names one.
const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4566";

/// A caller of the server's own endpoints.
pub struct Client {
    endpoint: String,
    credentials: Credentials,
    region: String,
    agent: ureq::Agent,
}

/// Why a call failed: the server refused the input (its code and message), or it could not be
/// asked at all.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("{code}: {message}")]
    Refused { code: String, message: String },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Client {
    /// `--endpoint`, else `AWS_ENDPOINT_URL_EC2`, else `AWS_ENDPOINT_URL`, else 127.0.0.1:4566;
    /// credentials and region from the environment, then the profile's files.
    pub fn discover(endpoint: Option<String>) -> anyhow::Result<Client> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let endpoint = endpoint
            .or_else(|| env("AWS_ENDPOINT_URL_EC2"))
            .or_else(|| env("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned());
        let found = Profile::from_environment(&env)?;
        let agent = ureq::Agent::config_builder()
            .proxy(None)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(Client {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            credentials: Credentials::new(
                found.access_key,
                found.secret_key,
                found.session_token,
                None,
                "localvpc client",
            ),
            region: found.region,
            agent,
        })
    }

    /// POSTs `params` as a signed form to `path` and returns the JSON answer.
    pub fn post(&self, path: &str, params: &[(&str, String)]) -> Result<Value, CallError> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        let url = format!("{}{path}", self.endpoint);
        let host = url
            .split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let headers = [("host", host.as_str()), ("content-type", content_type)];
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .context("cannot sign the request")?
            .into();
        let signable = SignableRequest::new(
            "POST",
            &url,
            headers.into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .context("cannot sign the request")?;
        let (instructions, _) = sign(signable, &params)
            .context("cannot sign the request")?
            .into_parts();
        let mut request = self.agent.post(&url).header("content-type", content_type);
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        let mut response = request.send(body.as_bytes()).with_context(|| {
            format!(
                "no localvpc server answers at {} (start `localvpc serve`, or pass --endpoint)",
                self.endpoint
            )
        })?;
        let status = response.status();
        let text = response
            .body_mut()
            .read_to_string()
            .context("cannot read the server's answer")?;
        let value: Value = serde_json::from_str(&text).with_context(|| {
            format!("{url} answered {status} with no JSON (is it a localvpc server?)")
        })?;
        if let Some(error) = value.get("error") {
            let text = |k: &str| error.get(k).and_then(Value::as_str).unwrap_or_default();
            return Err(CallError::Refused {
                code: text("code").to_owned(),
                message: text("message").to_owned(),
            });
        }
        if !status.is_success() {
            return Err(anyhow::anyhow!("{url} answered {status}").into());
        }
        Ok(value)
    }
}

/// What the AWS CLI would sign with.
struct Profile {
    access_key: String,
    secret_key: String,
    session_token: Option<String>,
    region: String,
}

impl Profile {
    /// The AWS CLI's order: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`),
    /// else the profile (`AWS_PROFILE`, `default`) in the shared credentials file, then in the
    /// config file; region from `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's config.
    fn from_environment(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Profile> {
        let name = env("AWS_PROFILE")
            .or_else(|| env("AWS_DEFAULT_PROFILE"))
            .unwrap_or_else(|| "default".to_owned());
        let home = || dirs::home_dir().unwrap_or_default().join(".aws");
        let file = |var: &str, default: &str| {
            let path = env(var).map_or_else(|| home().join(default), PathBuf::from);
            std::fs::read_to_string(path).unwrap_or_default()
        };
        let credentials = ini_section(&file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), &name);
        let config_section = if name == "default" {
            "default".to_owned()
        } else {
            format!("profile {name}")
        };
        let config = ini_section(&file("AWS_CONFIG_FILE", "config"), &config_section);
        let from_files = |key: &str| {
            credentials
                .get(key)
                .or_else(|| config.get(key))
                .cloned()
                .filter(|v| !v.is_empty())
        };
        let (access_key, secret_key, session_token) = match (
            env("AWS_ACCESS_KEY_ID"),
            env("AWS_SECRET_ACCESS_KEY"),
        ) {
            (Some(key), Some(secret)) => (key, secret, env("AWS_SESSION_TOKEN")),
            _ => match (
                from_files("aws_access_key_id"),
                from_files("aws_secret_access_key"),
            ) {
                (Some(key), Some(secret)) => (key, secret, from_files("aws_session_token")),
                _ => bail!(
                    "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials (AWS_PROFILE={name})"
                ),
            },
        };
        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| config.get("region").cloned())
            .context(
                "no region: set AWS_REGION or AWS_DEFAULT_REGION, or region in ~/.aws/config",
            )?;
        Ok(Profile {
            access_key,
            secret_key,
            session_token,
            region,
        })
    }
}

/// The `key = value` lines of section `[name]` of an AWS INI file.
fn ini_section(text: &str, name: &str) -> HashMap<String, String> {
    let mut inside = false;
    let mut found = HashMap::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = section.trim() == name;
        } else if inside && let Some((key, value)) = line.split_once('=') {
            found.insert(key.trim().to_owned(), value.trim().to_owned());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_profile_section_and_ignores_the_others() {
        let text = "[default]\naws_access_key_id = A\n# note\n[profile dev]\nregion=eu-west-1\n";
        assert_eq!(ini_section(text, "default")["aws_access_key_id"], "A");
        assert_eq!(ini_section(text, "profile dev")["region"], "eu-west-1");
        assert!(ini_section(text, "other").is_empty());
    }

    #[test]
    fn environment_credentials_win_over_files_and_a_region_is_required() {
        let vars = HashMap::from([
            ("AWS_ACCESS_KEY_ID", "123456789012"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ]);
        let env = |k: &str| vars.get(k).map(|v| (*v).to_owned());
        assert!(Profile::from_environment(&env).is_err());
        let mut with_region = vars.clone();
        with_region.insert("AWS_DEFAULT_REGION", "ap-northeast-1");
        let env = |k: &str| with_region.get(k).map(|v| (*v).to_owned());
        let p = Profile::from_environment(&env).unwrap();
        assert_eq!(
            (p.access_key.as_str(), p.region.as_str()),
            ("123456789012", "ap-northeast-1")
        );
    }
}
