//! Registering an endpoint: Zoom's `endpoint.url_validation` check (reference §1.3).

use std::sync::atomic::AtomicU64;

use jiff::Timestamp;
use serde_json::{json, Value};

use super::outbox::{http_client, request};
use super::sign::{encrypted_token, signature};

/// Sends the signed validation request with `plain_token` and checks the answer: a 2xx within
/// 3 seconds whose JSON has the same `plainToken` and `encryptedToken` = hex
/// HMAC-SHA256(secret, plainToken). The error says what was wrong.
pub(crate) async fn validate_endpoint(
    url: &str,
    secret: &str,
    plain_token: &str,
    now: Timestamp,
) -> Result<(), String> {
    let body = json!({
        "payload": { "plainToken": plain_token },
        "event_ts": now.as_millisecond(),
        "event": "endpoint.url_validation",
    })
    .to_string();
    let timestamp = now.as_second().to_string();
    let sig = signature(secret, &timestamp, body.as_bytes());
    let response = request(
        &http_client(),
        url,
        &timestamp,
        &sig,
        body,
        &AtomicU64::new(0),
    )
    .await
    .ok_or_else(|| "the endpoint did not answer within 3 seconds".to_owned())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the endpoint answered {status}"));
    }
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map_err(|e| format!("unreadable answer: {e}"))?;
    let answer: Value =
        serde_json::from_slice(&bytes).map_err(|_| "the answer is not JSON".to_owned())?;
    let expected = encrypted_token(secret, plain_token);
    if answer["plainToken"] != plain_token || answer["encryptedToken"] != expected.as_str() {
        return Err("wrong plainToken or encryptedToken in the answer".to_owned());
    }
    Ok(())
}
