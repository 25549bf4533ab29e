//! From an EC2 action name and decoded parameters to a response: `DryRun`, client-token
//! idempotency (as the operation registry says), and the typed (de)serialisation around each
//! handler.

use crate::context::Ctx;
use crate::operations;
use localvpc_model::{Ec2Error, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub type Handler = fn(&mut Ctx, Value) -> Result<Value, Ec2Error>;

/// Calls a typed handler with a decoded request object.
pub fn typed<Req: DeserializeOwned, Resp: Serialize>(
    ctx: &mut Ctx,
    input: Value,
    handler: fn(&mut Ctx, Req) -> Result<Resp, Ec2Error>,
) -> Result<Value, Ec2Error> {
    let request: Req = serde_json::from_value(input).map_err(not_supported)?;
    let response = handler(ctx, request)?;
    serde_json::to_value(response).map_err(|e| {
        tracing::error!(error = %e, "response serialisation failed");
        Ec2Error::internal()
    })
}

/// The model knows the parameter but localvpc does not implement it: say so rather than ignore it.
fn not_supported(e: serde_json::Error) -> Ec2Error {
    let text = e.to_string();
    let field = text.split('`').nth(1).unwrap_or(&text);
    if text.starts_with("unknown field") {
        Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("The parameter {field} is not supported by localvpc."),
        )
    } else {
        tracing::error!(error = %text, "request did not fit its handler's type");
        Ec2Error::invalid_value(format!("The request is invalid: {text}"))
    }
}

/// Runs `action` inside the caller's transaction. An error rolls everything back; so does a
/// successful `DryRun`, which then answers `DryRunOperation`.
pub fn dispatch(ctx: &mut Ctx, action: &str, mut input: Value) -> Result<Value, Ec2Error> {
    let operation = operations::find(action).ok_or_else(|| {
        Ec2Error::new(
            ErrorCode::UnsupportedOperation,
            format!("The action {action} is not supported by localvpc yet."),
        )
    })?;
    let dry_run = input
        .as_object_mut()
        .and_then(|o| o.remove("DryRun"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let handler = operation.handler;
    tracing::debug!(dry_run, "handler");
    let idempotent = operation.client_token.and_then(|idempotency| {
        let token = input.get("ClientToken").and_then(Value::as_str)?;
        Some((idempotency, token.to_owned()))
    });
    if let Some((idempotency, token)) = &idempotent {
        check_token(token)?;
        let fingerprint = fingerprint(&input);
        if let Some(seen) = ctx.tx.client_token(action, token)? {
            if seen.fingerprint != fingerprint {
                return Err(Ec2Error::new(
                    ErrorCode::IdempotentParameterMismatch,
                    "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
                ));
            }
            tracing::debug!(token, "ClientToken seen before: the first response again");
            if let Some(check) = idempotency.replay {
                check(ctx, token)?;
            }
            if dry_run {
                return Err(Ec2Error::dry_run());
            }
            return serde_json::from_str(&seen.response).map_err(|_| Ec2Error::internal());
        }
        let response = handler(ctx, input)?;
        if dry_run {
            return Err(Ec2Error::dry_run());
        }
        ctx.tx
            .remember_client_token(action, token, &fingerprint, &response.to_string())?;
        return Ok(response);
    }
    let response = handler(ctx, input)?;
    if dry_run {
        return Err(Ec2Error::dry_run());
    }
    Ok(response)
}

fn check_token(token: &str) -> Result<(), Ec2Error> {
    if token.len() > 64 || !token.is_ascii() {
        return Err(Ec2Error::invalid_value(format!(
            "Value ({token}) for parameter clientToken is invalid. It must be at most 64 ASCII characters."
        )));
    }
    Ok(())
}

/// The request without its token: what must match for a retry to count as the same request.
fn fingerprint(input: &Value) -> String {
    let mut copy = input.clone();
    if let Some(o) = copy.as_object_mut() {
        o.remove("ClientToken");
    }
    copy.to_string()
}
