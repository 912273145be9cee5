//! Taking events off a calendar: `DELETE` (204) and the organizer-only `cancel` action (202), and
//! the cancellations they send attendees (reference §3.8).

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::events::{attendee_addresses, empty, found, DENIED};
use super::graph::{begin, json_body, Call};
use super::graph_auth::EVENTS_WRITE;
use super::store::MicrosoftCancellation;
use crate::state::{Inner, Shared};

/// Removes an event from the calendar; an organizer's removal cancels the attendees' copies and
/// records the cancellation they are sent. The removed event's version, if there was one.
fn remove(
    inner: &mut Inner,
    call: &Call,
    event_id: &str,
    operation: &str,
    comment: Option<String>,
) -> Option<u64> {
    let mailbox = inner.microsoft.mailboxes.get_mut(&call.user.id)?;
    let rec = mailbox.events.remove(event_id)?;
    mailbox.order.retain(|id| id != event_id);
    if !rec.is_organizer {
        return Some(rec.version);
    }
    for (user_id, copy_id) in &rec.copies {
        if let Some(copy) = inner
            .microsoft
            .mailboxes
            .get_mut(user_id)
            .and_then(|m| m.events.get_mut(copy_id))
        {
            copy.is_cancelled = true;
        }
    }
    let recipients = attendee_addresses(&rec);
    if !recipients.is_empty() {
        inner.microsoft.cancellations.push(MicrosoftCancellation {
            user_id: call.user.id.clone(),
            event_id: event_id.to_owned(),
            operation: operation.to_owned(),
            comment,
            recipients,
        });
    }
    Some(rec.version)
}

/// `DELETE .../events/{id}` (204; an organizer's delete sends a cancellation without text, §3.8).
pub(super) fn delete(
    shared: &Shared,
    headers: &HeaderMap,
    user: Option<&str>,
    event_id: &str,
) -> Response {
    let now = shared.clock.now();
    let mut guard = shared.lock();
    let inner = &mut *guard;
    let call = match begin(inner, headers, now, user, EVENTS_WRITE, DENIED) {
        Ok(call) => call,
        Err(response) => return response,
    };
    if found(inner, &call.user.id, event_id).is_none() {
        return call.ids.item_not_found();
    }
    if let Some(version) = remove(inner, &call, event_id, "delete", None) {
        shared.notify_graph_change(inner, &call.user.id, event_id, version + 1, "deleted");
    }
    empty(&call, StatusCode::NO_CONTENT)
}

/// `POST .../events/{id}/cancel` `{"Comment": "..."}` (202, organizer only, §3.8).
pub(super) fn cancel(
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
    // The CSDL parameter is `Comment`; the doc example too. The lower-case spelling is accepted
    // as well (JSON parameter names are read case-insensitively by the emulator: its choice).
    let comment = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let value = match json_body(&call.ids, body) {
            Ok(v) => v,
            Err(response) => return response,
        };
        let Some(map) = value.as_object() else {
            return call.ids.bad_body("The request body must be a JSON object.");
        };
        let mut comment = None;
        for (k, v) in map {
            if !k.eq_ignore_ascii_case("comment") {
                return call.ids.bad_body(&format!("The parameter '{k}' in the request payload is not a valid parameter for the operation 'cancel'."));
            }
            match v {
                Value::String(s) => comment = Some(s.clone()),
                Value::Null => {}
                _ => return call.ids.bad_body("Cannot convert the value of parameter 'Comment' to the expected type 'Edm.String'."),
            }
        }
        comment
    };
    let Some(rec) = found(inner, &call.user.id, event_id) else {
        return call.ids.item_not_found();
    };
    if !rec.is_organizer {
        // Status and text from §3.8; the code is the emulator's choice.
        return call.ids.error(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRequest",
            "You need to be an organizer to cancel a meeting.",
        );
    }
    if let Some(version) = remove(inner, &call, event_id, "cancel", comment) {
        shared.notify_graph_change(inner, &call.user.id, event_id, version + 1, "deleted");
    }
    empty(&call, StatusCode::ACCEPTED)
}
