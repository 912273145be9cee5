//! Graph `onlineMeetings` (reference §2): create, `createOrGet` by `externalId` (201 then 200),
//! get, find by join URL or join meeting id, patch and delete, under `/users/{userId}` (object id
//! only, §2.1) and `/me`. App-only calls need the Teams application access policy for the
//! organizer (§2.1, §5.4), granted through the control API.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::SignedDuration;
use serde_json::{json, Value};

use super::control::GLOBAL;
use super::graph::{begin, json_body, Call};
use super::graph_auth::{Needs, MEETINGS_READ, MEETINGS_WRITE};
use super::meeting_model::{new_meeting, render, utc, UPDATABLE};
use super::schema;
use super::store::MeetingRec;
use crate::http::{json, parse_form};
use crate::state::{Inner, Shared};

/// The 403 code for a missing permission: the emulator's choice (the reference names none for
/// onlineMeetings; `Forbidden` is the code of the 2023 docs example, §2.1).
const DENIED: &str = "Forbidden";

fn bad(call: &Call, message: &str) -> Response {
    // The code of refused onlineMeeting bodies and times is the emulator's choice.
    call.ids
        .error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

/// Authentication, mailbox, permission, the object-id rule and the access policy.
fn start(
    inner: &mut Inner,
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    needs: Needs,
) -> Result<Call, Response> {
    let now = shared.clock.now();
    let call = begin(inner, headers, now, user, needs, DENIED)?;
    // `{userId}` is the object id; a UPN is reported to fail (§2.1, OBS). The 404 is the
    // emulator's choice of failure.
    if user.is_some_and(|u| !u.eq_ignore_ascii_case(&call.user.id)) {
        return Err(call.ids.error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "Resource could not be discovered.",
        ));
    }
    if call.caller.is_app() {
        let policies = &inner.microsoft.policies;
        let granted = policies.contains(&(call.caller.client_id.clone(), call.user.id.clone()))
            || policies.contains(&(call.caller.client_id.clone(), GLOBAL.to_owned()));
        if !granted {
            // §2.1 / §5.4: observed 403 `General`.
            return Err(call.ids.error(
                StatusCode::FORBIDDEN,
                "General",
                "No application access policy found for this app.",
            ));
        }
    }
    Ok(call)
}

fn answer(call: &Call, status: StatusCode, value: &Value) -> Response {
    call.ids.stamp(json(status, value))
}

/// `POST .../onlineMeetings` (201; start and end required, §2.2).
pub(super) fn create(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    body: &[u8],
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match start(inner, shared, headers, user, MEETINGS_WRITE) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let body = match json_body(&call.ids, body) {
        Ok(b) => b,
        Err(response) => return response,
    };
    if let Err(m) = schema::check(schema::component("microsoft.graph.onlineMeeting"), &body) {
        return call.ids.bad_body(&m);
    }
    let times = (
        body.get("startDateTime")
            .and_then(Value::as_str)
            .and_then(utc),
        body.get("endDateTime")
            .and_then(Value::as_str)
            .and_then(utc),
    );
    let (Some((s, start_text)), Some((e, end_text))) = times else {
        return bad(
            &call,
            "startDateTime and endDateTime are required when you create an online meeting.",
        );
    };
    if e < s {
        return bad(&call, "The end time must be after the start time.");
    }
    let meeting = new_meeting(inner, &call.user, now, &start_text, &end_text, &body);
    let value = render(&call.user, &meeting);
    store(inner, &call, meeting);
    answer(&call, StatusCode::CREATED, &value)
}

fn store(inner: &mut Inner, call: &Call, meeting: serde_json::Map<String, Value>) {
    let id = meeting
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if let Some(external) = meeting.get("externalId").and_then(Value::as_str) {
        inner.microsoft.external_ids.insert(
            (
                call.user.tenant_id.clone(),
                call.user.id.clone(),
                external.to_owned(),
            ),
            id.clone(),
        );
    }
    inner.microsoft.meeting_order.push(id.clone());
    inner.microsoft.meetings.insert(
        id,
        MeetingRec {
            tenant_id: call.user.tenant_id.clone(),
            user_id: call.user.id.clone(),
            body: meeting,
        },
    );
}

/// `POST .../onlineMeetings/createOrGet` (201 new, 200 existing; keyed by tenant, user and
/// `externalId`, §2.3). An existing meeting is returned as it is: the new body's subject and
/// times are not applied (unconfirmed in the reference; the emulator's choice).
pub(super) fn create_or_get(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    body: &[u8],
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match start(inner, shared, headers, user, MEETINGS_WRITE) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let body = match json_body(&call.ids, body) {
        Ok(b) => b,
        Err(response) => return response,
    };
    if let Err(m) = schema::check(schema::create_or_get(), &body) {
        return call.ids.bad_body(&m);
    }
    let Some(external) = body
        .get("externalId")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        return bad(&call, "externalId is required.");
    };
    let key = (
        call.user.tenant_id.clone(),
        call.user.id.clone(),
        external.to_owned(),
    );
    if let Some(existing) = inner
        .microsoft
        .external_ids
        .get(&key)
        .and_then(|id| inner.microsoft.meetings.get(id))
    {
        let value = render(&call.user, &existing.body);
        return answer(&call, StatusCode::OK, &value);
    }
    // Defaults (§2.3): no times → now and now + 1 h; start only → end = start + 1 h; end without
    // start, or end before start → error.
    let hour = SignedDuration::from_hours(1);
    let parse = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .map(|t| utc(t).ok_or(()))
    };
    let (s, e) = match (parse("startDateTime"), parse("endDateTime")) {
        (Some(Err(())), _) | (_, Some(Err(()))) => return bad(&call, "Invalid date-time."),
        (None, None) => (now, now.saturating_add(hour).unwrap_or(now)),
        (Some(Ok((s, _))), None) => (s, s.saturating_add(hour).unwrap_or(s)),
        (None, Some(_)) => return bad(&call, "startDateTime is required when endDateTime is set."),
        (Some(Ok((s, _))), Some(Ok((e, _)))) => (s, e),
    };
    if e < s {
        return bad(&call, "The end time must be after the start time.");
    }
    let (start_text, end_text) = (super::timezone::utc7(s), super::timezone::utc7(e));
    let meeting = new_meeting(inner, &call.user, now, &start_text, &end_text, &body);
    let value = render(&call.user, &meeting);
    store(inner, &call, meeting);
    answer(&call, StatusCode::CREATED, &value)
}

/// The meeting `id` of the call's user in the call's tenant, or the 404 (`itemNotFound`, the generic code of §4.1: the real
/// code is unconfirmed, §2.4).
fn owned<'a>(inner: &'a Inner, call: &Call, id: &str) -> Result<&'a MeetingRec, Response> {
    inner
        .microsoft
        .meetings
        .get(id)
        .filter(|m| m.is_of(&call.user))
        .ok_or_else(|| {
            call.ids.error(
                StatusCode::NOT_FOUND,
                "itemNotFound",
                "The requested online meeting was not found.",
            )
        })
}

pub(super) fn get_one(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    id: &str,
) -> Response {
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match start(inner, shared, headers, user, MEETINGS_READ) {
        Ok(call) => call,
        Err(response) => return response,
    };
    match owned(inner, &call, id) {
        Ok(m) => answer(&call, StatusCode::OK, &render(&call.user, &m.body)),
        Err(response) => response,
    }
}

/// `GET .../onlineMeetings?$filter=JoinWebUrl eq '...'` or
/// `joinMeetingIdSettings/joinMeetingId eq '...'` (§2.1). Listing without a filter is refused
/// (the emulator's choice).
pub(super) fn find(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    raw: Option<&str>,
) -> Response {
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match start(inner, shared, headers, user, MEETINGS_READ) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let q = parse_form(raw.unwrap_or_default().as_bytes());
    let filter = q
        .get("$filter")
        .map(|f| f.trim().to_owned())
        .unwrap_or_default();
    let (pointer, literal) = if let Some(rest) = filter.strip_prefix("JoinWebUrl eq ") {
        ("/joinWebUrl", rest)
    } else if let Some(rest) = filter.strip_prefix("joinMeetingIdSettings/joinMeetingId eq ") {
        ("/joinMeetingIdSettings/joinMeetingId", rest)
    } else {
        return bad(
            &call,
            "Filter by JoinWebUrl or joinMeetingIdSettings/joinMeetingId is required.",
        );
    };
    let wanted = literal.trim().trim_matches('\'').replace("''", "'");
    let value: Vec<Value> = inner
        .microsoft
        .meeting_order
        .iter()
        .filter_map(|id| inner.microsoft.meetings.get(id))
        .filter(|m| m.is_of(&call.user))
        .filter(|m| {
            Value::Object(m.body.clone())
                .pointer(pointer)
                .and_then(Value::as_str)
                == Some(wanted.as_str())
        })
        .map(|m| Value::Object(m.body.clone()))
        .collect();
    answer(
        &call,
        StatusCode::OK,
        &json!({
            "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{}')/onlineMeetings", call.user.id),
            "value": value,
        }),
    )
}

/// `PATCH .../onlineMeetings/{id}` (200 + the meeting, §2.4).
pub(super) fn patch(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    id: &str,
    body: &[u8],
) -> Response {
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match start(inner, shared, headers, user, MEETINGS_WRITE) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let body = match json_body(&call.ids, body) {
        Ok(b) => b,
        Err(response) => return response,
    };
    if let Err(m) = schema::check(schema::component("microsoft.graph.onlineMeeting"), &body) {
        return call.ids.bad_body(&m);
    }
    let mut meeting = match owned(inner, &call, id) {
        Ok(m) => m.body.clone(),
        Err(response) => return response,
    };
    let fields = body.as_object().cloned().unwrap_or_default();
    // Properties outside the update list (joinMeetingIdSettings "cannot be changed after
    // creation", §2.2) are refused: the emulator's choice of answer.
    if let Some(bad_field) = fields
        .keys()
        .find(|k| !k.starts_with('@') && !UPDATABLE.contains(&k.as_str()))
    {
        return bad(&call, &format!("Property '{bad_field}' cannot be updated."));
    }
    if fields.contains_key("startDateTime") != fields.contains_key("endDateTime") {
        // "to move times send both" (§2.4).
        return bad(
            &call,
            "startDateTime and endDateTime must be updated together.",
        );
    }
    if body
        .pointer("/participants/organizer")
        .is_some_and(|o| !o.is_null())
    {
        return bad(
            &call,
            "The organizer of an online meeting cannot be changed.",
        );
    }
    for (k, v) in fields {
        match k.as_str() {
            "startDateTime" | "endDateTime" => {
                let Some((_, text)) = v.as_str().and_then(utc) else {
                    return bad(&call, &format!("Invalid {k}."));
                };
                meeting.insert(k, json!(text));
            }
            "participants" => {
                let attendees = v.get("attendees").cloned().unwrap_or(json!([]));
                if let Some(p) = meeting.get_mut("participants") {
                    p["attendees"] = attendees;
                }
            }
            _ if k.starts_with('@') => {}
            _ => {
                meeting.insert(k, v);
            }
        }
    }
    let times = (
        meeting
            .get("startDateTime")
            .and_then(Value::as_str)
            .and_then(utc),
        meeting
            .get("endDateTime")
            .and_then(Value::as_str)
            .and_then(utc),
    );
    if let (Some((s, _)), Some((e, _))) = times {
        if e < s {
            return bad(&call, "The end time must be after the start time.");
        }
    }
    let value = render(&call.user, &meeting);
    if let Some(rec) = inner.microsoft.meetings.get_mut(id) {
        rec.body = meeting;
    }
    answer(&call, StatusCode::OK, &value)
}

/// `DELETE .../onlineMeetings/{id}` (204, §2.4). Its `externalId` is forgotten, so a later
/// `createOrGet` with it makes a new meeting (the emulator's choice).
pub(super) fn delete(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    id: &str,
) -> Response {
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match start(inner, shared, headers, user, MEETINGS_WRITE) {
        Ok(call) => call,
        Err(response) => return response,
    };
    if let Err(response) = owned(inner, &call, id) {
        return response;
    }
    if let Some(rec) = inner.microsoft.meetings.remove(id) {
        if let Some(external) = rec.body.get("externalId").and_then(Value::as_str) {
            inner.microsoft.external_ids.remove(&(
                rec.tenant_id.clone(),
                rec.user_id.clone(),
                external.to_owned(),
            ));
        }
    }
    inner.microsoft.meeting_order.retain(|m| m != id);
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    call.ids.stamp(response)
}

/// Every organizer's meetings, for the state snapshot.
pub(crate) fn render_all(inner: &Inner) -> std::collections::BTreeMap<String, Vec<Value>> {
    let mut out: std::collections::BTreeMap<String, Vec<Value>> = std::collections::BTreeMap::new();
    for id in &inner.microsoft.meeting_order {
        if let Some(m) = inner.microsoft.meetings.get(id) {
            out.entry(m.user_id.clone())
                .or_default()
                .push(Value::Object(m.body.clone()));
        }
    }
    out
}
