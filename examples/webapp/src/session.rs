//! The session: a random id in a cookie, standing in for the application's own login.

use axum::http::{header, HeaderMap, HeaderValue};
use meetschedify::{SessionBinding, TenantId};
use rand::Rng;

const COOKIE: &str = "webapp_session";
/// Holds the session binding of a connect in progress, sent only to the callback.
const BINDING_COOKIE: &str = "webapp_connect";

fn cookie<'h>(headers: &'h HeaderMap, wanted: &str) -> impl Iterator<Item = &'h str> + 'h {
    let wanted = wanted.to_owned();
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(move |(name, _)| *name == wanted)
        .map(|(_, value)| value)
}

/// The tenant of the request's session, if it has one.
pub(crate) fn tenant(headers: &HeaderMap) -> Option<TenantId> {
    cookie(headers, COOKIE)
        .find(|value| is_session_id(value))
        .map(TenantId::new)
}

/// The session binding this browser keeps for its connect in progress, if any.
pub(crate) fn connect_binding(headers: &HeaderMap) -> Option<SessionBinding> {
    cookie(headers, BINDING_COOKIE)
        .find(|value| {
            value.len() <= 64
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(SessionBinding::new)
}

/// The `Set-Cookie` that keeps a connect's binding in this browser until the callback: only
/// this browser can complete the connect it started (a consent link sent to someone else, or
/// leaked, is refused). Ten minutes, the life of the sealed state.
pub(crate) fn keep_binding(binding: &SessionBinding) -> HeaderValue {
    let cookie = format!(
        "{BINDING_COOKIE}={}; Path=/auth/google/callback; Max-Age=600; HttpOnly; SameSite=Lax",
        binding.as_str()
    );
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` that forgets the binding once the callback used it.
pub(crate) fn forget_binding() -> HeaderValue {
    HeaderValue::from_static(
        "webapp_connect=; Path=/auth/google/callback; Max-Age=0; HttpOnly; SameSite=Lax",
    )
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
