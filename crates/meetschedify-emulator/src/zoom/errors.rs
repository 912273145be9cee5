//! Zoom's error bodies: `{"code": N, "message": "..."}`, with `errors[]` for validation failures.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::http::{json, with_header};

/// A Zoom API error.
pub(super) fn error(status: StatusCode, code: u32, message: &str) -> Response {
    let response = json(status, &json!({ "code": code, "message": message }));
    // Real Zoom answers carry a tracking id; clients log it.
    with_header(response, "x-zm-trackingid", "emulator")
}

/// `300 Validation Failed.` with one entry per bad field.
pub(super) fn validation(fields: &[(String, String)]) -> Response {
    let errors: Vec<_> = fields
        .iter()
        .map(|(field, message)| json!({ "field": field, "message": message }))
        .collect();
    json(
        StatusCode::BAD_REQUEST,
        &json!({ "code": 300, "message": "Validation Failed.", "errors": errors }),
    )
}

/// The body was not a JSON object.
pub(super) fn bad_json() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        300,
        "Request Body should be a valid JSON object.",
    )
}

/// 404 code 3001 (meeting not found).
pub(super) fn meeting_not_found(meeting_id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        3001,
        &format!("Meeting {meeting_id} is not found or has expired."),
    )
}

/// 404 code 1001 (user not found).
pub(super) fn user_not_found(user_id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        1001,
        &format!("User {user_id} not exist or not belong to this account."),
    )
}
