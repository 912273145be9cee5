//! Meetings API handlers: create, get, update, delete, list.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value};

use super::auth::account_for;
use super::body_schema::BodyKind;
use super::errors::{bad_json, meeting_not_found, user_not_found, validation};
use super::limits::{daily, per_second, Budget, Label};
use super::list::list_page;
use super::meeting::{apply, build};
use super::store::{DeletedMeeting, MeetingRec};
use super::validate::validate;
use crate::http::{json, no_content, parse_form};
use crate::ids::zoom_meeting_id;
use crate::state::{Inner, Shared};

fn parse_object(body: &[u8]) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(bad_json()),
    }
}

fn parse_meeting_id(raw: &str) -> Option<u64> {
    raw.parse().ok()
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let account = match admit(inner, &headers, Label::Medium, now) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let Some(host) = inner.zoom.resolve_user(&account, &user_id).cloned() else {
        return user_not_found(&user_id);
    };
    let body = match parse_object(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let bad = validate(BodyKind::Create, &body);
    if !bad.is_empty() {
        return validation(&bad);
    }
    let budget = match daily(
        &mut inner.zoom,
        &inner.settings,
        Label::Medium,
        &host.id,
        now,
    ) {
        Ok(budget) => budget,
        Err(response) => return response,
    };
    let mut id = zoom_meeting_id(&mut inner.rng);
    while inner.zoom.meetings.contains_key(&id) {
        id = zoom_meeting_id(&mut inner.rng);
    }
    let meeting = build(&mut inner.rng, id, &host, &body, now);
    let answer = Value::Object(meeting.clone());
    inner.zoom.meeting_order.push(id);
    inner.zoom.meetings.insert(
        id,
        MeetingRec {
            host_id: host.id,
            body: meeting,
            started_at: None,
        },
    );
    drop(guard);
    let response = json(StatusCode::CREATED, &answer);
    Budget::headers(budget, response)
}

pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(meeting_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let account = match admit(inner, &headers, Label::Light, now) {
        Ok(account) => account,
        Err(response) => return response,
    };
    match owned_meeting(inner, &account, &meeting_id) {
        Some(id) => json(
            StatusCode::OK,
            &Value::Object(inner.zoom.meetings[&id].body.clone()),
        ),
        None => meeting_not_found(&meeting_id),
    }
}

/// The id of a meeting that exists and belongs to the token's account.
fn owned_meeting(inner: &Inner, account: &str, raw_id: &str) -> Option<u64> {
    let id = parse_meeting_id(raw_id)?;
    let meeting = inner.zoom.meetings.get(&id)?;
    (inner.zoom.account_of(&meeting.host_id) == Some(account)).then_some(id)
}

pub(super) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(meeting_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let account = match admit(inner, &headers, Label::Light, now) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let Some(id) = owned_meeting(inner, &account, &meeting_id) else {
        return meeting_not_found(&meeting_id);
    };
    let body = match parse_object(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let bad = validate(BodyKind::Update, &body);
    if !bad.is_empty() {
        return validation(&bad);
    }
    let host_id = inner.zoom.meetings[&id].host_id.clone();
    let budget = match daily(
        &mut inner.zoom,
        &inner.settings,
        Label::Light,
        &host_id,
        now,
    ) {
        Ok(budget) => budget,
        Err(response) => return response,
    };
    let Some(meeting) = inner.zoom.meetings.get_mut(&id) else {
        return meeting_not_found(&meeting_id);
    };
    let before = meeting.body.clone();
    apply(&mut meeting.body, &body);
    inner.zoom.queue_updated(id, &before, now);
    shared.flush_zoom_webhooks(inner);
    Budget::headers(budget, no_content())
}

/// The caller's account once its token is checked and the request is counted against the
/// label's per-second limit, or the answer Zoom would give instead.
fn admit(
    inner: &mut Inner,
    headers: &HeaderMap,
    label: Label,
    now: jiff::Timestamp,
) -> Result<String, Response> {
    let (account, _) = account_for(&inner.zoom, headers, now)?;
    per_second(&mut inner.zoom, &inner.settings, label, now)?;
    Ok(account)
}

/// Parses an optional boolean query parameter as Zoom does (`true` / `false`).
fn bool_param(query: &HashMap<String, String>, key: &str) -> Result<Option<bool>, Response> {
    match query.get(key).map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(validation(&[(key.to_owned(), "Invalid field.".to_owned())])),
    }
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(meeting_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = parse_form(query.unwrap_or_default().as_bytes());
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let account = match admit(inner, &headers, Label::Light, now) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let (schedule_for_reminder, cancel_meeting_reminder) = match (
        bool_param(&query, "schedule_for_reminder"),
        bool_param(&query, "cancel_meeting_reminder"),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let Some(id) = owned_meeting(inner, &account, &meeting_id) else {
        return meeting_not_found(&meeting_id);
    };
    // A running meeting ends when it is deleted; the end is recorded like any other.
    inner.zoom.end_meeting(id, now);
    let account_id = inner.zoom.account_of_meeting(id);
    if let Some(meeting) = inner.zoom.meetings.remove(&id) {
        inner.zoom.meeting_order.retain(|m| *m != id);
        inner.zoom.queue_deleted(id, &meeting, &account_id, now);
        inner.zoom.deleted.push(DeletedMeeting {
            id,
            host_id: meeting.host_id,
            schedule_for_reminder,
            cancel_meeting_reminder,
        });
    }
    shared.flush_zoom_webhooks(inner);
    no_content()
}

pub(super) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = parse_form(query.unwrap_or_default().as_bytes());
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let account = match admit(inner, &headers, Label::Medium, now) {
        Ok(account) => account,
        Err(response) => return response,
    };
    let Some(host) = inner.zoom.resolve_user(&account, &user_id).cloned() else {
        return user_not_found(&user_id);
    };
    list_page(inner, &host, &query, now)
}
