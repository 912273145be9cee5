//! Graph calendar events: `POST/GET /users/{id|upn}/events`, `GET/PATCH/DELETE
//! /users/{id}/events/{id}`, `POST /users/{id}/events/{id}/cancel`, and the same under `/me`
//! (reference §3). Attendees who are users of the organizer's tenant get a copy of the event on
//! their own calendar (`isOrganizer: false`), as Exchange delivers invitations (§3.5); the copies
//! follow the organizer's updates and turn `isCancelled` when the organizer cancels or deletes.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::event_view::{expand, render, select};
use super::event_write::{
    check_times, extended_of, inject_join_blob, merge, new_event_id, new_record, new_teams,
    validate, wants_teams, JOIN_MARKER,
};
use super::graph::{begin, json_body, Call};
use super::graph_auth::{EVENTS_READ, EVENTS_WRITE};
use super::odata_query;
use super::store::EventRec;
use super::timezone::preferred;
use crate::http::json;
use crate::state::{Inner, Shared};

/// The 403 code of the calendar family (§3.9).
pub(super) const DENIED: &str = "ErrorAccessDenied";

pub(super) fn ok(call: &Call, status: StatusCode, value: &Value) -> Response {
    call.ids.stamp(json(status, value))
}

pub(super) fn empty(call: &Call, status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    call.ids.stamp(response)
}

/// `POST .../events` (201, §3.1).
pub(super) fn create(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    body: &[u8],
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match begin(inner, headers, now, user, EVENTS_WRITE, DENIED) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let body =
        match json_body(&call.ids, body).and_then(|b| validate(&call.ids, &b, true).map(|()| b)) {
            Ok(body) => body,
            Err(response) => return response,
        };
    let zone = preferred(headers);
    let owner = call.user.clone();
    // transactionId (§3.3, §5.5): the same id with the same body answers 201 with the original
    // event; with another body, 400 `ErrorDuplicateTransactionId` (status assumed in the
    // reference). An id whose event is gone is forgotten (the emulator's choice).
    let transaction = body
        .get("transactionId")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(tid) = &transaction {
        let mailbox = inner
            .microsoft
            .mailboxes
            .entry(owner.id.clone())
            .or_default();
        if let Some((event_id, first)) = mailbox.transactions.get(tid).cloned() {
            if let Some(rec) = mailbox.events.get(&event_id).cloned() {
                if first != body {
                    return call.ids.error(
                        StatusCode::BAD_REQUEST,
                        "ErrorDuplicateTransactionId",
                        "Your request can't be completed. The TransactionId specified in the request has already been used to create a different event.",
                    );
                }
                let value = render(&inner.microsoft, &owner, &event_id, &rec, zone.as_ref());
                return ok(&call, StatusCode::CREATED, &value);
            }
            mailbox.transactions.remove(tid);
        }
    }
    let mut fields = serde_json::Map::new();
    merge(&mut fields, &body);
    if let Err(response) = check_times(&call.ids, &fields) {
        return response;
    }
    let mut rec = new_record(inner, &owner.id, fields, now);
    rec.extended = extended_of(&body);
    if wants_teams(&body) && inner.settings.microsoft_teams_available {
        let teams = new_teams(inner, &owner);
        inject_join_blob(&mut rec.fields, &teams.0);
        rec.teams = Some(teams);
    }
    let id = new_event_id(inner);
    rec.copies = deliver(inner, &owner.tenant_id, &owner.id, &rec);
    let value = render(&inner.microsoft, &owner, &id, &rec, zone.as_ref());
    let mailbox = inner
        .microsoft
        .mailboxes
        .entry(owner.id.clone())
        .or_default();
    mailbox.order.push(id.clone());
    mailbox.events.insert(id.clone(), rec);
    if let Some(tid) = transaction {
        mailbox.transactions.insert(tid, (id.clone(), body));
    }
    shared.notify_graph_change(inner, &owner.id, &id, 1, "created");
    ok(&call, StatusCode::CREATED, &value)
}

/// Attendee addresses of an event.
pub(super) fn attendee_addresses(rec: &EventRec) -> Vec<String> {
    rec.fields
        .get("attendees")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|a| {
                    a.pointer("/emailAddress/address")?
                        .as_str()
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Puts a copy of the organizer's event on the calendar of each attendee who is a user of the
/// tenant; returns (user id, event id) of the copies.
fn deliver(
    inner: &mut Inner,
    tenant_id: &str,
    organizer_id: &str,
    rec: &EventRec,
) -> Vec<(String, String)> {
    let mut copies = Vec::new();
    for address in attendee_addresses(rec) {
        let Some(user_id) = inner
            .microsoft
            .user_in(tenant_id, &address)
            .map(|u| u.id.clone())
        else {
            continue;
        };
        if user_id == organizer_id || copies.iter().any(|(u, _)| *u == user_id) {
            continue;
        }
        let mut copy = rec.clone();
        copy.is_organizer = false;
        copy.copies.clear();
        copy.fields.remove("transactionId");
        let id = new_event_id(inner);
        let mailbox = inner
            .microsoft
            .mailboxes
            .entry(user_id.clone())
            .or_default();
        mailbox.order.push(id.clone());
        mailbox.events.insert(id.clone(), copy);
        copies.push((user_id, id));
    }
    copies
}

pub(super) fn found<'a>(inner: &'a Inner, user_id: &str, event_id: &str) -> Option<&'a EventRec> {
    inner.microsoft.mailboxes.get(user_id)?.events.get(event_id)
}

/// `GET .../events/{id}` (200; unknown id 404 `ErrorItemNotFound`, §3.9).
pub(super) fn get_one(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    event_id: &str,
    query: Option<&str>,
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match begin(inner, headers, now, user, EVENTS_READ, DENIED) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let query = match odata_query::parse(query) {
        Ok(q) => q,
        Err(m) => return call.ids.error(StatusCode::BAD_REQUEST, "BadRequest", &m),
    };
    let Some(rec) = found(inner, &call.user.id, event_id) else {
        return call.ids.item_not_found();
    };
    let value = view(inner, &call, event_id, rec, &query, headers);
    ok(&call, StatusCode::OK, &value)
}

fn view(
    inner: &Inner,
    call: &Call,
    id: &str,
    rec: &EventRec,
    query: &odata_query::Query,
    headers: &HeaderMap,
) -> Value {
    let mut value = render(
        &inner.microsoft,
        &call.user,
        id,
        rec,
        preferred(headers).as_ref(),
    );
    if let Some(only) = &query.expand_extended {
        expand(&mut value, rec, only.as_deref());
    }
    if query.select.is_empty() {
        value
    } else {
        select(value, &query.select)
    }
}

/// `GET .../events`: the mailbox's events in creation order, `$top` (default 10, the emulator's
/// choice) and `$skip`, with `@odata.nextLink` when there are more.
pub(super) fn list(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    raw: Option<&str>,
    path: &str,
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match begin(inner, headers, now, user, EVENTS_READ, DENIED) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let query = match odata_query::parse(raw) {
        Ok(q) => q,
        Err(m) => return call.ids.error(StatusCode::BAD_REQUEST, "BadRequest", &m),
    };
    let Some(mailbox) = inner.microsoft.mailboxes.get(&call.user.id) else {
        return ok(&call, StatusCode::OK, &json!({"value": []}));
    };
    let matching: Vec<(&String, &EventRec)> = mailbox
        .order
        .iter()
        .filter_map(|id| Some((id, mailbox.events.get(id)?)))
        .filter(|(_, rec)| {
            query.filter_extended.as_ref().is_none_or(|(pid, pv)| {
                rec.extended
                    .iter()
                    .any(|(k, v)| k.eq_ignore_ascii_case(pid) && v.as_str() == Some(pv))
            })
        })
        .collect();
    let top = query.top.unwrap_or(10);
    let page: Vec<Value> = matching
        .iter()
        .skip(query.skip)
        .take(top)
        .map(|(id, rec)| {
            let mut v = view(inner, &call, id, rec, &query, headers);
            if let Some(map) = v.as_object_mut() {
                map.remove("@odata.context");
            }
            v
        })
        .collect();
    let mut answer = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{}')/events", call.user.id),
        "value": page,
    });
    if query.skip + top < matching.len() {
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            if k != "$skip" && k != "$top" {
                next.append_pair(&k, &v);
            }
        }
        next.append_pair("$top", &top.to_string());
        next.append_pair("$skip", &(query.skip + top).to_string());
        answer["@odata.nextLink"] = json!(format!("{}{path}?{}", shared.root_url(), next.finish()));
    }
    ok(&call, StatusCode::OK, &answer)
}

/// `PATCH .../events/{id}` (200 + the event, §3.7).
pub(super) fn patch(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    event_id: &str,
    body: &[u8],
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match begin(inner, headers, now, user, EVENTS_WRITE, DENIED) {
        Ok(call) => call,
        Err(response) => return response,
    };
    let body =
        match json_body(&call.ids, body).and_then(|b| validate(&call.ids, &b, false).map(|()| b)) {
            Ok(body) => body,
            Err(response) => return response,
        };
    let Some(mut rec) = found(inner, &call.user.id, event_id).cloned() else {
        return call.ids.item_not_found();
    };
    merge(&mut rec.fields, &body);
    if let Err(response) = check_times(&call.ids, &rec.fields) {
        return response;
    }
    rec.extended.extend(extended_of(&body));
    let body_replaced = body.get("body").is_some();
    match &rec.teams {
        // Turning an event online by PATCH (§3.1); once online, changes to isOnlineMeeting and
        // the provider are ignored.
        None if wants_teams(&body) && inner.settings.microsoft_teams_available => {
            let teams = new_teams(inner, &call.user);
            inject_join_blob(&mut rec.fields, &teams.0);
            rec.teams = Some(teams);
        }
        // "When later PATCHing body, GET it first and preserve that blob, or the online meeting
        // is disabled" (§3.1, event-update.md).
        Some(_) if body_replaced => {
            let kept = rec
                .fields
                .get("body")
                .and_then(|b| b.get("content"))
                .and_then(Value::as_str)
                .is_some_and(|c| c.contains(JOIN_MARKER));
            if !kept {
                rec.teams = None;
            }
        }
        _ => {}
    }
    rec.version += 1;
    rec.modified = now;
    for (user_id, copy_id) in rec.copies.clone() {
        if let Some(copy) = inner
            .microsoft
            .mailboxes
            .get_mut(&user_id)
            .and_then(|m| m.events.get_mut(&copy_id))
        {
            copy.fields = rec.fields.clone();
            copy.fields.remove("transactionId");
            copy.teams = rec.teams.clone();
            copy.version = rec.version;
            copy.modified = now;
        }
    }
    let value = render(
        &inner.microsoft,
        &call.user,
        event_id,
        &rec,
        preferred(headers).as_ref(),
    );
    let version = rec.version;
    if let Some(mailbox) = inner.microsoft.mailboxes.get_mut(&call.user.id) {
        mailbox.events.insert(event_id.to_owned(), rec);
    }
    shared.notify_graph_change(inner, &call.user.id, event_id, version, "updated");
    ok(&call, StatusCode::OK, &value)
}

/// Every mailbox's events in UTC, for the state snapshot.
pub(crate) fn render_all(inner: &Inner) -> std::collections::BTreeMap<String, Vec<Value>> {
    inner
        .microsoft
        .mailboxes
        .iter()
        .filter_map(|(user_id, mailbox)| {
            let owner = inner.microsoft.user_by_id(user_id)?;
            let events = mailbox
                .order
                .iter()
                .filter_map(|id| {
                    Some(render(
                        &inner.microsoft,
                        owner,
                        id,
                        mailbox.events.get(id)?,
                        None,
                    ))
                })
                .collect();
            Some((user_id.clone(), events))
        })
        .collect()
}
