//! The session: a random id in a cookie, standing in for the application's own login.

use axum::http::{header, HeaderMap, HeaderValue};
use meetschedify::TenantId;
use rand::Rng;

const COOKIE: &str = "webapp_session";

/// The tenant of the request's session, if it has one.
pub(crate) fn tenant(headers: &HeaderMap) -> Option<TenantId> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && is_session_id(value))
        .map(|(_, value)| TenantId::new(value))
}

/// A new session: its tenant and the `Set-Cookie` header that starts it.
pub(crate) fn start() -> (TenantId, HeaderValue) {
    let id = format!("user-{:016x}", rand::thread_rng().gen::<u64>());
    // HttpOnly: scripts cannot read it. SameSite=Lax: other sites cannot POST with it, but
    // Google's top-level redirect back to the callback still carries it. Add `Secure` on https.
    let cookie = format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax");
    let value = HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""));
    (TenantId::new(id), value)
}

fn is_session_id(value: &str) -> bool {
    value.len() == 21
        && value.starts_with("user-")
        && value[5..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A random idempotency key for one rendered form.
pub(crate) fn form_key() -> String {
    format!("form-{:032x}", rand::thread_rng().gen::<u128>())
}
