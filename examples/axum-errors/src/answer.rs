//! From a meetschedify [`Error`] to an HTTP answer.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use meetschedify::{Error, ErrorCode};
use serde_json::json;

/// Where a tenant goes to (re)connect Google; sent with 401 answers as the original example's
/// `action: { redirect }`.
pub(crate) const CONNECT_URL: &str = "/auth/google/connect";

/// The status for a code. The codes the Node.js original's error-handling example switched on
/// get the statuses it gave them, so a service ported from it answers its callers as before;
/// every other code is listed too, so a reader sees each decision, and a code added in a later
/// release falls back to the library's own suggestion.
pub(crate) fn status_for(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    let status = match code {
        // The original example's choices.
        C::GoogleNotConnected | C::GoogleAuthRevoked => 401,
        C::GoogleRateLimit | C::ZoomRateLimit => 429,
        // Our Zoom credentials are wrong or the app is deactivated: video conferencing is down
        // until an operator fixes it, so "temporarily unavailable", not a caller error.
        C::ZoomInvalidClient => 503,
        // Zoom could not be reached: a bad gateway, from the caller's view.
        C::ZoomNetworkError => 502,
        C::ProviderNotFound => 400,
        // The caller sent something wrong: fixing the request fixes it.
        C::InvalidRequest | C::OAuthStateInvalid => 400,
        C::MeetingNotFound => 404,
        // Our own configuration: nothing the caller can do.
        C::InvalidConfig => 500,
        C::OperationNotSupported => 501,
        // A provider misbehaved: a bad gateway, from the caller's view.
        C::GoogleTokenRefreshFailed
        | C::GoogleCalendarError
        | C::ZoomTokenError
        | C::ZoomMeetingError
        | C::ProviderError
        | C::NetworkError => 502,
        // Temporarily unavailable: try again later.
        C::ZoomMaxRetriesExceeded | C::TokenStoreError | C::ConferencePending => 503,
        other => other.suggested_http_status(),
    };
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
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
        let retry_after = err.retry_after().map(|d| d.as_secs().max(1));
        if let Some(secs) = retry_after {
            body["retry_after_seconds"] = json!(secs);
        }
        let mut answer = json!({ "error": body });
        if code.needs_reconnect() {
            answer["action"] = json!({ "redirect": CONNECT_URL });
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
