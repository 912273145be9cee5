//! Calendar v3 events handlers: insert, get, patch, update, delete (list is in `list.rs`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::auth::{authorize, Access};
use super::conference;
use super::errors::{error, invalid, not_found, parse_error};
use super::event::{normalize_attendees, render, time_range, writable};
use super::push;
use super::store::{EventRec, SendUpdatesRecord};
use crate::http::{json, no_content, parse_form};
use crate::ids::{google_event_id, is_valid_event_id};
use crate::state::{Inner, Shared};

/// Query parameters of a write.
struct WriteParams {
    /// `conferenceDataVersion=1`: conference data in the body counts.
    conferences: bool,
    send_updates: Option<String>,
}

fn write_params(query: &HashMap<String, String>) -> Result<WriteParams, Response> {
    let conferences = match query.get("conferenceDataVersion").map(String::as_str) {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => return Err(invalid("Invalid conference data version.")),
    };
    let send_updates = query.get("sendUpdates").cloned();
    if let Some(value) = &send_updates {
        if !["all", "externalOnly", "none"].contains(&value.as_str()) {
            return Err(invalid(&format!("Invalid value for: sendUpdates={value}")));
        }
    }
    Ok(WriteParams {
        conferences,
        send_updates,
    })
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(parse_error()),
    }
}

/// `primary` is the user's own calendar, named by their email.
pub(super) fn resolve_calendar(calendar_id: &str, user: &str) -> String {
    if calendar_id == "primary" {
        user.to_owned()
    } else {
        calendar_id.to_owned()
    }
}

fn record_send_updates(
    inner: &mut Inner,
    operation: &str,
    calendar: &str,
    id: &str,
    value: Option<String>,
) {
    inner.google.send_updates.push(SendUpdatesRecord {
        operation: operation.to_owned(),
        calendar_id: calendar.to_owned(),
        event_id: id.to_owned(),
        send_updates: value,
    });
}

/// Serves an event, counting the read of a pending conference when `read` is set.
pub(super) fn serve(inner: &mut Inner, calendar: &str, id: &str, read: bool) -> Option<Value> {
    let event = inner.google.calendars.get(calendar)?.events.get(id)?;
    let request = event.conference_request.clone();
    let conference = match request {
        Some(request) => {
            let conference = inner.google.conferences.get_mut(&request)?;
            if read {
                conference::observe_read(conference);
            }
            Some(conference.clone())
        }
        None => None,
    };
    let event = inner.google.calendars.get(calendar)?.events.get(id)?;
    Some(render(calendar, id, event, conference.as_ref()))
}

/// Attaches the conference a body asks for (with `conferenceDataVersion=1`), creating it the first
/// time its `requestId` is seen.
///
/// Returns `None` to leave the event's conference as it is, `Some(None)` to remove it (a full update
/// without conference data) and `Some(Some(request_id))` to set it.
fn attach_conference(
    inner: &mut Inner,
    body: &Map<String, Value>,
    conferences: bool,
    replace: bool,
) -> Result<Option<Option<String>>, Response> {
    if !conferences {
        // Version 0: "assumes no conference data support and ignores conference data".
        return Ok(None);
    }
    let Some(request_id) = conference::requested(body)? else {
        return Ok((replace && !body.contains_key("conferenceData")).then_some(None));
    };
    if !inner.google.conferences.contains_key(&request_id) {
        let created = conference::create(&mut inner.rng, &request_id, &inner.settings);
        inner.google.conferences.insert(request_id.clone(), created);
    }
    Ok(Some(Some(request_id)))
}

pub(super) async fn insert(
    State(shared): State<Arc<Shared>>,
    Path(calendar_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = parse_form(query.unwrap_or_default().as_bytes());
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let user = match authorize(inner, &headers, now, Access::Write) {
        Ok(user) => user,
        Err(response) => return response,
    };
    match insert_event(
        inner,
        shared.root_url(),
        &user,
        &calendar_id,
        &query,
        &body,
        now,
    ) {
        Ok(value) => {
            shared.flush_google_push(inner);
            json(StatusCode::OK, &value)
        }
        Err(response) => response,
    }
}

fn insert_event(
    inner: &mut Inner,
    root: &str,
    user: &str,
    calendar_id: &str,
    query: &HashMap<String, String>,
    body: &[u8],
    now: Timestamp,
) -> Result<Value, Response> {
    let params = write_params(query)?;
    let body = parse_body(body)?;
    let calendar = resolve_calendar(calendar_id, user);
    let id = match body.get("id") {
        None => None,
        Some(Value::String(id)) if is_valid_event_id(id) && !body.contains_key("iCalUID") => {
            Some(id.clone())
        }
        Some(_) => return Err(invalid("Invalid resource id value.")),
    };
    let mut fields = writable(&body);
    time_range(&fields)?;
    normalize_attendees(&mut fields)?;
    if let Some(id) = &id {
        // Ids stay taken after deletion: the tombstone keeps them.
        let taken = inner
            .google
            .calendars
            .get(&calendar)
            .is_some_and(|c| c.events.contains_key(id));
        if taken {
            return Err(error(
                StatusCode::CONFLICT,
                "global",
                "duplicate",
                "The requested identifier already exists.",
            ));
        }
    }
    let conference_request = attach_conference(inner, &body, params.conferences, false)?.flatten();
    let id = id.unwrap_or_else(|| google_event_id(&mut inner.rng));
    let status = fields
        .remove("status")
        .and_then(|s| s.as_str().map(str::to_owned))
        .unwrap_or_else(|| "confirmed".to_owned());
    let record = EventRec {
        fields,
        status,
        created: now,
        updated: now,
        sequence: 0,
        creator: user.to_owned(),
        version: 1,
        conference_request,
        changed: 0,
    };
    let cal = inner.google.calendars.entry(calendar.clone()).or_default();
    cal.order.push(id.clone());
    cal.events.insert(id.clone(), record);
    record_send_updates(inner, "insert", &calendar, &id, params.send_updates);
    push::changed(inner, root, &calendar, &id, now);
    // The insert answer itself does not count as a read of a pending conference.
    serve(inner, &calendar, &id, false).ok_or_else(not_found)
}

pub(super) async fn get(
    State(shared): State<Arc<Shared>>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let user = match authorize(inner, &headers, now, Access::Read) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let calendar = resolve_calendar(&calendar_id, &user);
    // The get method always returns cancelled events (tombstones), unlike list.
    match serve(inner, &calendar, &event_id, true) {
        Some(value) => json(StatusCode::OK, &value),
        None => not_found(),
    }
}

/// Shared body of patch (merge) and update (replace).
async fn write(
    shared: Arc<Shared>,
    calendar_id: String,
    event_id: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
    replace: bool,
) -> Response {
    let query = parse_form(query.unwrap_or_default().as_bytes());
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let user = match authorize(inner, &headers, now, Access::Write) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let result = (|| {
        let params = write_params(&query)?;
        let body = parse_body(&body)?;
        let calendar = resolve_calendar(&calendar_id, &user);
        let current = inner
            .google
            .calendars
            .get(&calendar)
            .and_then(|c| c.events.get(&event_id))
            .ok_or_else(not_found)?;
        let mut fields = if replace {
            writable(&body)
        } else {
            merged(&current.fields, &writable(&body))
        };
        time_range(&fields)?;
        normalize_attendees(&mut fields)?;
        let times_changed = current.fields.get("start") != fields.get("start")
            || current.fields.get("end") != fields.get("end");
        let status = fields
            .remove("status")
            .and_then(|s| s.as_str().map(str::to_owned));
        let conference = attach_conference(inner, &body, params.conferences, replace)?;
        let operation = if replace { "update" } else { "patch" };
        let event = inner
            .google
            .calendars
            .get_mut(&calendar)
            .and_then(|c| c.events.get_mut(&event_id))
            .ok_or_else(not_found)?;
        event.fields = fields;
        if let Some(status) = status {
            event.status = status;
        }
        if let Some(conference) = conference {
            event.conference_request = conference;
        }
        if times_changed {
            event.sequence += 1;
        }
        event.updated = now;
        event.version += 1;
        record_send_updates(inner, operation, &calendar, &event_id, params.send_updates);
        push::changed(inner, shared.root_url(), &calendar, &event_id, now);
        shared.flush_google_push(inner);
        serve(inner, &calendar, &event_id, false).ok_or_else(not_found)
    })();
    match result {
        Ok(value) => json(StatusCode::OK, &value),
        Err(response) => response,
    }
}

/// Patch semantics: given fields replace the stored ones; extended properties merge key by key.
fn merged(current: &Map<String, Value>, patch: &Map<String, Value>) -> Map<String, Value> {
    let mut out = current.clone();
    for (key, value) in patch {
        if key == "extendedProperties" {
            let mut props = out
                .get(key)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            if let Value::Object(new) = value {
                for (scope, entries) in new {
                    let mut merged_scope = props
                        .get(scope)
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    if let Value::Object(entries) = entries {
                        merged_scope.extend(entries.clone());
                    }
                    props.insert(scope.clone(), Value::Object(merged_scope));
                }
            }
            out.insert(key.clone(), Value::Object(props));
        } else {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

pub(super) async fn patch(
    State(shared): State<Arc<Shared>>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(shared, calendar_id, event_id, query, headers, body, false).await
}

pub(super) async fn update(
    State(shared): State<Arc<Shared>>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(shared, calendar_id, event_id, query, headers, body, true).await
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path((calendar_id, event_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = parse_form(query.unwrap_or_default().as_bytes());
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let user = match authorize(inner, &headers, now, Access::Write) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let send_updates = match write_params(&query) {
        Ok(params) => params.send_updates,
        Err(response) => return response,
    };
    let calendar = resolve_calendar(&calendar_id, &user);
    let Some(event) = inner
        .google
        .calendars
        .get_mut(&calendar)
        .and_then(|c| c.events.get_mut(&event_id))
    else {
        return not_found();
    };
    if event.status == "cancelled" {
        return error(
            StatusCode::GONE,
            "global",
            "deleted",
            "Resource has been deleted",
        );
    }
    // Deleted events stay as tombstones: get shows them cancelled and their id stays taken.
    event.status = "cancelled".to_owned();
    event.updated = now;
    event.version += 1;
    record_send_updates(inner, "delete", &calendar, &event_id, send_updates);
    push::changed(inner, shared.root_url(), &calendar, &event_id, now);
    shared.flush_google_push(inner);
    no_content()
}
