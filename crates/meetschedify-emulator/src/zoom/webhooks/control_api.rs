//! Control API routes for webhooks and participants (the emulator's own, under `/_emulator`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::state::ZoomWebhookFault;
use crate::error::EmulatorError;
use crate::state::Shared;

type SharedState = State<Arc<Shared>>;

pub(crate) fn control_router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/_emulator/zoom/webhooks",
            post(register).get(deliveries).delete(clear),
        )
        .route("/_emulator/zoom/webhooks/faults", post(fault))
        .route(
            "/_emulator/zoom/meetings/{meeting_id}/participants",
            post(join),
        )
        .route(
            "/_emulator/zoom/meetings/{meeting_id}/participants/{user_id}",
            delete(leave),
        )
}

fn error(status: StatusCode, e: &EmulatorError) -> Response {
    (status, Json(json!({ "error": e.to_string() }))).into_response()
}

#[derive(Deserialize)]
struct RegisterRequest {
    url: String,
    secret: String,
    /// The event types the subscription lists; every event the emulator sends when absent.
    events: Option<Vec<String>>,
}

/// `POST /_emulator/zoom/webhooks {url, secret, events?}`: 201 once the endpoint passed URL
/// validation, 400 with the reason otherwise (or for an event the emulator does not send).
async fn register(State(shared): SharedState, Json(request): Json<RegisterRequest>) -> Response {
    match shared
        .register_zoom_webhook(&request.url, &request.secret, request.events.as_deref())
        .await
    {
        Ok(()) => (StatusCode::CREATED, Json(json!({ "url": request.url }))).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, &e),
    }
}

/// `GET /_emulator/zoom/webhooks`: every delivery so far.
async fn deliveries(State(shared): SharedState) -> Response {
    Json(shared.zoom_webhook_deliveries()).into_response()
}

/// `DELETE /_emulator/zoom/webhooks`: forget every endpoint.
async fn clear(State(shared): SharedState) -> StatusCode {
    shared.clear_zoom_webhooks();
    StatusCode::NO_CONTENT
}

/// `POST /_emulator/zoom/webhooks/faults {"kind": "duplicate" | "out_of_order" | "delay"
/// (+ "ms") | "wrong_signature" | "stale_timestamp" (+ "secs") | "tampered_body" |
/// "id_type_swapped"}`.
async fn fault(State(shared): SharedState, Json(fault): Json<ZoomWebhookFault>) -> StatusCode {
    shared.inject_zoom_webhook_fault(fault);
    StatusCode::CREATED
}

#[derive(Deserialize)]
struct JoinRequest {
    user_name: String,
    email: Option<String>,
}

fn meeting_id(raw: &str) -> Result<u64, Response> {
    raw.parse().map_err(|_| {
        error(
            StatusCode::NOT_FOUND,
            &EmulatorError::UnknownZoomMeeting(raw.to_owned()),
        )
    })
}

fn failed(e: &EmulatorError) -> Response {
    let status = match e {
        EmulatorError::ZoomMeetingNotRunning(_) => StatusCode::CONFLICT,
        _ => StatusCode::NOT_FOUND,
    };
    error(status, e)
}

/// `POST /_emulator/zoom/meetings/{id}/participants {user_name, email?}`: 201 with the
/// participant; 409 when the meeting is not running, 404 when unknown.
async fn join(
    State(shared): SharedState,
    Path(raw): Path<String>,
    Json(request): Json<JoinRequest>,
) -> Response {
    let id = match meeting_id(&raw) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match shared.join_zoom_meeting(id, &request.user_name, request.email.as_deref()) {
        Ok(participant) => (StatusCode::CREATED, Json(participant)).into_response(),
        Err(e) => failed(&e),
    }
}

/// `DELETE /_emulator/zoom/meetings/{id}/participants/{user_id}`: 204.
async fn leave(
    State(shared): SharedState,
    Path((raw, user_id)): Path<(String, String)>,
) -> Response {
    let id = match meeting_id(&raw) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match shared.leave_zoom_meeting(id, &user_id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => failed(&e),
    }
}
