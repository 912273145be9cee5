//! From a meetschedify [`Error`] to an HTTP answer.
//!
//! Two layers, in this order:
//!
//! 1. The codes the Node.js original's error-handling example switched on get the statuses it
//!    gave them, so a service ported from it answers its own callers exactly as before.
//! 2. Every other code is answered by its provider-neutral [`ErrorKind`]: a code added in a later
//!    release, or one a third-party provider uses (`NOT_CONNECTED`, `RATE_LIMITED`, ...), gets a
//!    sensible answer without a new arm here.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use meetschedify::{Error, ErrorCode, ErrorKind, ProviderId};
use serde_json::json;

/// Where a tenant goes to (re)connect Google; the original example's route.
pub(crate) const GOOGLE_CONNECT_URL: &str = "/auth/google/connect";

/// The wait suggested to the caller of a rate-limited call when the provider named none (the
/// original example told its callers to retry after 30 seconds).
pub(crate) const DEFAULT_RETRY_AFTER_SECS: u64 = 30;

/// The status for a code: the original example's choices first, then the code's kind.
pub(crate) fn status_for(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    let status = match code {
        // The user must connect (or reconnect) their Google account.
        C::GoogleNotConnected | C::GoogleAuthRevoked => 401,
        C::GoogleRateLimit | C::ZoomRateLimit => 429,
        // Our Zoom credentials are wrong or the app is deactivated: video conferencing is down
        // until an operator fixes it, so "temporarily unavailable", not a caller error.
        C::ZoomInvalidClient => 503,
        // Zoom could not be reached: a bad gateway, from the caller's view.
        C::ZoomNetworkError => 502,
        C::ProviderNotFound => 400,
        other => return status_for_kind(other.kind()),
    };
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The status for a provider-neutral kind.
pub(crate) fn status_for_kind(kind: ErrorKind) -> StatusCode {
    use ErrorKind as K;
    match kind {
        // The caller sent something wrong: fixing the request fixes it.
        K::InvalidRequest => StatusCode::BAD_REQUEST,
        // The end user must (re)connect an account (with any provider, not only Google).
        K::ReconnectRequired => StatusCode::UNAUTHORIZED,
        // The connected account may not do this (a scope missing): retrying will not help.
        K::PermissionDenied => StatusCode::FORBIDDEN,
        K::NotFound => StatusCode::NOT_FOUND,
        // An idempotency key reused for a different request.
        K::Conflict => StatusCode::CONFLICT,
        K::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        // Our own configuration: nothing the caller can do.
        K::InvalidConfig => StatusCode::INTERNAL_SERVER_ERROR,
        K::NotSupported => StatusCode::NOT_IMPLEMENTED,
        // The provider failed, could not be reached, or answered something unusable: a bad
        // gateway, like ZOOM_NETWORK_ERROR above (so Google's NETWORK_ERROR answers the same).
        K::Unavailable | K::Provider => StatusCode::BAD_GATEWAY,
        // Our credentials were refused (like ZOOM_INVALID_CLIENT above), the conference or a
        // keyed create is not ready yet, or our token store is down: try again later.
        K::BadCredentials | K::Pending | K::Storage => StatusCode::SERVICE_UNAVAILABLE,
        // A kind added in a later release: the original example's default. (Unreachable while
        // every kind is listed above; kept so a new kind compiles and still gets an answer.)
        #[allow(unreachable_patterns)]
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Where the user goes to reconnect, for an error that needs it: the original example's route
/// for Google, `/auth/<provider id>/connect` for any other provider.
pub(crate) fn connect_url(err: &Error) -> Option<String> {
    if !err.needs_reconnect() {
        return None;
    }
    let google = matches!(
        err.code(),
        ErrorCode::GoogleNotConnected | ErrorCode::GoogleAuthRevoked
    );
    Some(match err.provider_id() {
        Some(provider) if !google && *provider != ProviderId::GOOGLE_MEET => {
            format!("/auth/{provider}/connect")
        }
        _ => GOOGLE_CONNECT_URL.to_owned(),
    })
}

/// An error as an axum response.
#[derive(Debug)]
pub(crate) struct ApiError(pub(crate) Error);

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        Self(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        let code = err.code();
        let status = status_for(code);
        // The message of a server-side failure may name hosts, tables or settings: log it, and
        // tell the caller only what kind of failure it was.
        let message = if status.is_server_error() {
            tracing::error!(code = %code, error = %err, "request failed");
            code.description().to_owned()
        } else {
            err.message().to_owned()
        };
        let mut body = json!({
            "code": code.as_str(),
            "message": message,
            "retryable": err.is_retryable(),
        });
        if let Some(field) = err.field() {
            body["field"] = json!(field);
        }
        // Seconds the caller should wait: what the provider asked for, else (for a rate limit
        // that retrying can outlast) the original example's 30 seconds.
        let rate_limited = matches!(err.kind(), ErrorKind::RateLimited);
        let retry_after = err
            .retry_after()
            .map(|d| d.as_secs().max(1))
            .or((rate_limited && err.is_retryable()).then_some(DEFAULT_RETRY_AFTER_SECS));
        if let Some(secs) = retry_after {
            body["retry_after_seconds"] = json!(secs);
        }
        let mut answer = json!({ "error": body });
        // The original example's reconnect action.
        if let Some(url) = connect_url(&err) {
            answer["action"] = json!({ "redirect": url });
        }
        let mut response = (status, Json(answer)).into_response();
        if let Some(secs) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
