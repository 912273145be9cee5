//! Control API routes for Google push (the emulator's own, under `/_emulator`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::state::GooglePushFault;
use crate::state::Shared;

type SharedState = State<Arc<Shared>>;

pub(crate) fn control_router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/google/push", get(deliveries))
        .route("/_emulator/google/push/faults", post(fault))
        .route("/_emulator/google/sync-tokens/expire", post(expire))
        .route(
            "/_emulator/google/calendars/{calendar_id}/events/{event_id}",
            patch(change),
        )
}

/// `GET /_emulator/google/push`: every push delivery so far.
async fn deliveries(State(shared): SharedState) -> Response {
    Json(shared.google_push_deliveries()).into_response()
}

/// `POST /_emulator/google/push/faults {"kind": "duplicate" | "out_of_order" | "delay" (+ "ms")
/// | "wrong_token"}`.
async fn fault(State(shared): SharedState, Json(fault): Json<GooglePushFault>) -> StatusCode {
    shared.inject_google_push_fault(fault);
    StatusCode::CREATED
}

/// `POST /_emulator/google/sync-tokens/expire`: every issued sync token now answers 410.
async fn expire(State(shared): SharedState) -> StatusCode {
    shared.expire_google_sync_tokens();
    StatusCode::NO_CONTENT
}

/// `PATCH /_emulator/google/calendars/{calendar}/events/{id} {fields}`: the owner edits the
/// event in Google Calendar; 204, or 404 for an unknown event.
async fn change(
    State(shared): SharedState,
    Path((calendar_id, event_id)): Path<(String, String)>,
    Json(fields): Json<Map<String, Value>>,
) -> Response {
    match shared.change_google_event(&calendar_id, &event_id, fields) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}
