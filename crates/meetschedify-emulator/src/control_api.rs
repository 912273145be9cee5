//! The HTTP control API under `/_emulator`. It is the emulator's own: no vendor has it.
//! It mirrors the methods of [`crate::EmulatorHandle`] for tests that run the emulator as a process.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::demo::DEMO_GOOGLE_SCOPES;
use crate::error::EmulatorError;
use crate::faults::FaultRule;
use crate::google::store::GoogleClient;
use crate::http::rfc3339_millis;
use crate::settings::Settings;
use crate::state::Shared;
use crate::zoom::seed::ZoomMeetingSeed;
use crate::zoom::store::{ZoomAccount, ZoomLicence};

type SharedState = State<Arc<Shared>>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/requests", get(requests).delete(clear_requests))
        .route("/_emulator/state", get(state))
        .route("/_emulator/settings", get(settings).post(update_settings))
        .route("/_emulator/zoom/accounts", post(zoom_account))
        .route("/_emulator/zoom/users", post(zoom_user))
        .route(
            "/_emulator/zoom/users/{user}/daily-count",
            get(zoom_daily_count).post(set_zoom_daily_count),
        )
        .route("/_emulator/zoom/tokens", post(zoom_token))
        .route("/_emulator/zoom/meetings/seed", post(zoom_seed))
        .route(
            "/_emulator/zoom/meetings/{meeting_id}/start",
            post(zoom_meeting_start),
        )
        .route(
            "/_emulator/zoom/meetings/{meeting_id}/end",
            post(zoom_meeting_end),
        )
        .route("/_emulator/zoom/meeting-events", get(zoom_meeting_events))
        .merge(crate::zoom::webhooks::control_router())
        .merge(crate::google::push::control_router())
        .route(
            "/_emulator/zoom/scopes",
            get(zoom_scopes).post(set_zoom_scopes),
        )
        .route("/_emulator/google/clients", post(google_client))
        .route("/_emulator/google/users", post(google_user))
        .route(
            "/_emulator/google/refresh-tokens",
            post(google_refresh_token),
        )
        .route("/_emulator/google/access-tokens", post(google_access_token))
        .route("/_emulator/tokens/revoke", post(revoke))
        .route("/_emulator/clock", get(clock))
        .route("/_emulator/clock/advance", post(advance_clock))
        .route(
            "/_emulator/faults",
            get(faults).post(add_fault).delete(clear_faults),
        )
        .route("/_emulator/counters", get(counters))
        .merge(crate::microsoft::control_api::router())
        .merge(crate::microsoft::subscriptions::control_router())
}

fn failed(error: &EmulatorError) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": error.to_string() })),
    )
        .into_response()
}

async fn reset(State(shared): SharedState) -> StatusCode {
    shared.reset();
    StatusCode::NO_CONTENT
}

async fn requests(State(shared): SharedState) -> Response {
    Json(shared.requests()).into_response()
}

async fn clear_requests(State(shared): SharedState) -> StatusCode {
    shared.clear_requests();
    StatusCode::NO_CONTENT
}

async fn state(State(shared): SharedState) -> Response {
    Json(shared.snapshot()).into_response()
}

async fn settings(State(shared): SharedState) -> Response {
    Json(shared.settings()).into_response()
}

/// Merges the given fields into the current settings (fields not sent keep their value).
async fn update_settings(State(shared): SharedState, Json(patch): Json<Value>) -> Response {
    let mut current = serde_json::to_value(shared.settings()).unwrap_or_default();
    if let (Value::Object(current), Value::Object(patch)) = (&mut current, patch) {
        current.extend(patch);
    }
    match serde_json::from_value::<Settings>(current) {
        Ok(settings) => {
            shared.set_settings(settings.clone());
            Json(settings).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

async fn zoom_account(State(shared): SharedState, Json(account): Json<ZoomAccount>) -> StatusCode {
    shared.register_zoom_account(account);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct ZoomUserRequest {
    account_id: Option<String>,
    email: String,
    /// `basic`, `pro`, `business`, `education` or `enterprise`; a new user is Pro without it.
    licence: Option<ZoomLicence>,
}

async fn zoom_user(State(shared): SharedState, Json(request): Json<ZoomUserRequest>) -> Response {
    let account = request
        .account_id
        .unwrap_or_else(|| shared.demo.zoom_account_id.clone());
    match shared.add_zoom_user(&account, &request.email, request.licence) {
        Ok(user) => (StatusCode::CREATED, Json(user)).into_response(),
        Err(e) => failed(&e),
    }
}

/// `{user_id, count, limit}`: a host's creates plus updates today and the daily limit (`null`
/// when off).
fn daily_count_answer(shared: &Shared, user: &str) -> Response {
    match shared.zoom_daily_count(user) {
        Ok((user_id, count)) => Json(json!({
            "user_id": user_id,
            "count": count,
            "limit": shared.settings().zoom_daily_limit,
        }))
        .into_response(),
        Err(e) => failed(&e),
    }
}

/// `GET /_emulator/zoom/users/{user}/daily-count` (user id or email).
async fn zoom_daily_count(State(shared): SharedState, Path(user): Path<String>) -> Response {
    daily_count_answer(&shared, &user)
}

#[derive(Deserialize)]
struct DailyCountRequest {
    count: u32,
}

/// `POST /_emulator/zoom/users/{user}/daily-count` `{count}`: sets today's count.
async fn set_zoom_daily_count(
    State(shared): SharedState,
    Path(user): Path<String>,
    Json(request): Json<DailyCountRequest>,
) -> Response {
    match shared.set_zoom_daily_count(&user, request.count) {
        Ok(_) => daily_count_answer(&shared, &user),
        Err(e) => failed(&e),
    }
}

#[derive(Deserialize)]
struct ZoomTokenRequest {
    account_id: Option<String>,
}

async fn zoom_token(State(shared): SharedState, Json(request): Json<ZoomTokenRequest>) -> Response {
    let account = request
        .account_id
        .unwrap_or_else(|| shared.demo.zoom_account_id.clone());
    match shared.issue_zoom_access_token(&account) {
        Ok(token) => Json(json!({ "access_token": token })).into_response(),
        Err(e) => failed(&e),
    }
}

async fn zoom_seed(State(shared): SharedState, Json(seed): Json<ZoomMeetingSeed>) -> Response {
    match shared.seed_zoom_meetings(&seed) {
        Ok(ids) => (
            StatusCode::CREATED,
            Json(json!({ "count": ids.len(), "ids": ids })),
        )
            .into_response(),
        Err(e @ EmulatorError::InvalidSeed(_)) => (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
        Err(e) => failed(&e),
    }
}

#[derive(Deserialize)]
struct ZoomStartQuery {
    /// Zoom's "End Other Meeting": end the host's earliest-started meeting when it has no room.
    #[serde(default)]
    end_others: bool,
}

/// A meeting id from the path; anything that is not one names no meeting.
fn meeting_id(raw: &str) -> Result<u64, Response> {
    raw.parse()
        .map_err(|_| failed(&EmulatorError::UnknownZoomMeeting(raw.to_owned())))
}

/// `POST /_emulator/zoom/meetings/{id}/start[?end_others=true]`: 200
/// `{id, host_id, status, started_at, ended}`, 409 when the host has no room, 404 for an unknown id.
async fn zoom_meeting_start(
    State(shared): SharedState,
    Path(raw): Path<String>,
    Query(query): Query<ZoomStartQuery>,
) -> Response {
    let id = match meeting_id(&raw) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match shared.start_zoom_meeting(id, query.end_others) {
        Ok(started) => Json(json!({
            "id": id,
            "host_id": started.host_id,
            "status": "started",
            "started_at": rfc3339_millis(started.started_at),
            "ended": started.ended,
        }))
        .into_response(),
        Err(
            ref e @ EmulatorError::ZoomHostBusy {
                ref host_id,
                limit,
                ref running,
            },
        ) => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": e.to_string(),
                "host_id": host_id,
                "limit": limit,
                "running": running,
            })),
        )
            .into_response(),
        Err(e) => failed(&e),
    }
}

/// `POST /_emulator/zoom/meetings/{id}/end`: 200 `{id, host_id, status: "waiting"}` (also when
/// it was not running), 404 for an unknown id.
async fn zoom_meeting_end(State(shared): SharedState, Path(raw): Path<String>) -> Response {
    let id = match meeting_id(&raw) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match shared.end_zoom_meeting(id) {
        Ok(host_id) => {
            Json(json!({ "id": id, "host_id": host_id, "status": "waiting" })).into_response()
        }
        Err(e) => failed(&e),
    }
}

/// `GET /_emulator/zoom/meeting-events`: every start and end, oldest first.
async fn zoom_meeting_events(State(shared): SharedState) -> Response {
    Json(shared.zoom_meeting_events()).into_response()
}

#[derive(Deserialize)]
struct ZoomScopesQuery {
    account_id: Option<String>,
}

/// `GET /_emulator/zoom/scopes[?account_id=...]`: `{"account_id", "scopes": [...]}`.
async fn zoom_scopes(State(shared): SharedState, Query(query): Query<ZoomScopesQuery>) -> Response {
    let account = query
        .account_id
        .unwrap_or_else(|| shared.demo.zoom_account_id.clone());
    match shared.zoom_scopes(&account) {
        Ok(scopes) => Json(json!({ "account_id": account, "scopes": scopes })).into_response(),
        Err(e) => failed(&e),
    }
}

#[derive(Deserialize)]
struct ZoomScopesRequest {
    account_id: Option<String>,
    /// Items, each of which may itself be a space-separated list (as in a token answer).
    scopes: Vec<String>,
}

/// `POST /_emulator/zoom/scopes {"account_id"?, "scopes": [...]}`: replaces the app's scopes.
async fn set_zoom_scopes(
    State(shared): SharedState,
    Json(request): Json<ZoomScopesRequest>,
) -> Response {
    let account = request
        .account_id
        .unwrap_or_else(|| shared.demo.zoom_account_id.clone());
    if let Err(e) = shared.set_zoom_scopes(&account, &request.scopes) {
        return failed(&e);
    }
    zoom_scopes(
        State(shared),
        Query(ZoomScopesQuery {
            account_id: Some(account),
        }),
    )
    .await
}

async fn google_client(State(shared): SharedState, Json(client): Json<GoogleClient>) -> StatusCode {
    shared.register_google_client(client);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct GoogleUserRequest {
    email: String,
}

async fn google_user(
    State(shared): SharedState,
    Json(request): Json<GoogleUserRequest>,
) -> StatusCode {
    shared.add_google_user(&request.email);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct GoogleTokenRequest {
    client_id: Option<String>,
    email: Option<String>,
    scopes: Option<Vec<String>>,
}

impl GoogleTokenRequest {
    fn resolve(self, shared: &Shared) -> (String, String, Vec<String>) {
        (
            self.client_id
                .unwrap_or_else(|| shared.demo.google_client_id.clone()),
            self.email
                .unwrap_or_else(|| shared.demo.google_user_email.clone()),
            self.scopes
                .unwrap_or_else(|| DEMO_GOOGLE_SCOPES.iter().map(|s| (*s).to_owned()).collect()),
        )
    }
}

async fn google_refresh_token(
    State(shared): SharedState,
    Json(request): Json<GoogleTokenRequest>,
) -> Response {
    let (client, email, scopes) = request.resolve(&shared);
    match shared.issue_google_refresh_token(&client, &email, &scopes) {
        Ok(token) => Json(json!({ "refresh_token": token })).into_response(),
        Err(e) => failed(&e),
    }
}

async fn google_access_token(
    State(shared): SharedState,
    Json(request): Json<GoogleTokenRequest>,
) -> Response {
    let (_, email, scopes) = request.resolve(&shared);
    match shared.issue_google_access_token(&email, &scopes) {
        Ok(token) => Json(json!({ "access_token": token })).into_response(),
        Err(e) => failed(&e),
    }
}

#[derive(Deserialize)]
struct RevokeRequest {
    token: String,
}

async fn revoke(State(shared): SharedState, Json(request): Json<RevokeRequest>) -> Response {
    Json(json!({ "revoked": shared.revoke_token(&request.token) })).into_response()
}

async fn clock(State(shared): SharedState) -> Response {
    Json(json!({
        "now": rfc3339_millis(shared.clock.now()),
        "offset_secs": shared.clock.offset().as_secs(),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct AdvanceRequest {
    seconds: u64,
}

async fn advance_clock(
    State(shared): SharedState,
    Json(request): Json<AdvanceRequest>,
) -> Response {
    shared.advance_clock(Duration::from_secs(request.seconds));
    clock(State(shared)).await
}

async fn faults(State(shared): SharedState) -> Response {
    Json(shared.faults()).into_response()
}

async fn add_fault(State(shared): SharedState, Json(rule): Json<FaultRule>) -> StatusCode {
    shared.add_fault(rule);
    StatusCode::CREATED
}

async fn clear_faults(State(shared): SharedState) -> StatusCode {
    shared.clear_faults();
    StatusCode::NO_CONTENT
}

async fn counters(State(shared): SharedState) -> Response {
    let (zoom, google) = shared.token_requests();
    Json(json!({
        "zoom_token_requests": zoom,
        "google_token_requests": google,
        "microsoft_token_requests": shared.microsoft_token_requests(),
    }))
    .into_response()
}
