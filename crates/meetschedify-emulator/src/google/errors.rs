//! Google's JSON error envelope:
//! `{"error":{"code","message","errors":[{"domain","reason","message"}],"status"}}`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::http::{json, with_header};

/// The gRPC canonical status name Google puts beside the HTTP code.
fn status_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        410 => "FAILED_PRECONDITION",
        412 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    }
}

/// A Calendar API error.
pub(super) fn error(status: StatusCode, domain: &str, reason: &str, message: &str) -> Response {
    json(
        status,
        &json!({
            "error": {
                "code": status.as_u16(),
                "message": message,
                "errors": [{ "domain": domain, "reason": reason, "message": message }],
                "status": status_name(status),
            }
        }),
    )
}

/// 400 `invalid` in the global domain.
pub(super) fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "global", "invalid", message)
}

/// 400 `required` in the global domain.
pub(super) fn required(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "global", "required", message)
}

/// 404 `notFound`.
pub(super) fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "global", "notFound", "Not Found")
}

/// 401 with the `WWW-Authenticate` header Google sends.
pub(super) fn unauthenticated(reason: &str, message: &str) -> Response {
    let response = error(StatusCode::UNAUTHORIZED, "global", reason, message);
    with_header(
        response,
        "www-authenticate",
        "Bearer realm=\"https://accounts.google.com/\", error=invalid_token",
    )
}

/// The body was not JSON.
pub(super) fn parse_error() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "global",
        "parseError",
        "Parse Error",
    )
}
