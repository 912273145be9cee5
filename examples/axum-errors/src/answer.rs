//! From a meetschedify [`Error`] to an HTTP answer.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use meetschedify::{Error, ErrorCode};
use serde_json::json;

/// Where a tenant goes to (re)connect Google; sent with 401 answers.
pub(crate) const CONNECT_URL: &str = "/auth/google/connect";

/// The status for a code. Every code is listed, so a reader sees each decision; a code added
/// in a later release falls back to the library's own suggestion.
pub(crate) fn status_for(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    let status = match code {
        // The caller sent something wrong: fixing the request fixes it.
        C::InvalidRequest | C::ProviderNotFound | C::OAuthStateInvalid => 400,
        // The end user must (re)connect an account.
        C::GoogleNotConnected | C::GoogleAuthRevoked => 401,
        C::MeetingNotFound => 404,
        C::GoogleRateLimit | C::ZoomRateLimit => 429,
        // Our own configuration: nothing the caller can do.
        C::InvalidConfig => 500,
        C::OperationNotSupported => 501,
        // A provider misbehaved or refused our credentials: a bad gateway, from the caller's view.
        C::GoogleTokenRefreshFailed
        | C::GoogleCalendarError
        | C::ZoomInvalidClient
        | C::ZoomTokenError
        | C::ZoomMeetingError
        | C::ProviderError => 502,
        // Temporarily unavailable: try again later.
        C::ZoomNetworkError
        | C::ZoomMaxRetriesExceeded
        | C::TokenStoreError
        | C::ConferencePending
        | C::NetworkError => 503,
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
        if code.needs_reconnect() {
            body["connect_url"] = json!(CONNECT_URL);
        }
        let retry_after = err.retry_after().map(|d| d.as_secs().max(1));
        if let Some(secs) = retry_after {
            body["retry_after_seconds"] = json!(secs);
        }
        let mut response = (status, Json(json!({ "error": body }))).into_response();
        if let Some(secs) = retry_after {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
