//! Creating and changing events: what a body may say and what it does to the stored event
//! (reference §3.1–§3.7).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::graph_error::RequestIds;
use super::schema;
use super::store::{EventRec, MicrosoftUser};
use super::timezone::instant;
use crate::ids::{alnum, digits, from_alphabet};
use crate::state::Inner;

/// Properties Graph computes; a body that sends them has them ignored (the emulator's choice).
const READ_ONLY: &[&str] = &[
    "id",
    "iCalUId",
    "changeKey",
    "createdDateTime",
    "lastModifiedDateTime",
    "webLink",
    "onlineMeeting",
    "onlineMeetingUrl",
    "organizer",
    "isOrganizer",
    "responseStatus",
    "bodyPreview",
    "isCancelled",
    "hasAttachments",
    "seriesMasterId",
    "type",
    "originalStart",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "isDraft",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "singleValueExtendedProperties",
    "multiValueExtendedProperties",
];

/// The marker of the Teams blob Exchange puts in the body (§3.1).
pub(crate) const JOIN_MARKER: &str = "Join Microsoft Teams Meeting";

/// Checks a create (`create`) or PATCH body against the schema and the rules the handlers own.
pub(crate) fn validate(ids: &RequestIds, body: &Value, create: bool) -> Result<(), Response> {
    schema::check(schema::component("microsoft.graph.event"), body)
        .map_err(|m| ids.bad_body(&m))?;
    let invalid =
        |message: &str| ids.error(StatusCode::BAD_REQUEST, "ErrorInvalidRequest", message);
    if body.get("extensions").is_some() {
        // Inline open extensions on events are unconfirmed (§3.6, §7): refused rather than guessed.
        return Err(invalid(
            "The emulator does not model inline open extensions on events; use singleValueExtendedProperties.",
        ));
    }
    if body.get("recurrence").is_some_and(|r| !r.is_null()) {
        return Err(invalid("The emulator does not model recurring events."));
    }
    let start = body.get("start").filter(|v| !v.is_null());
    let end = body.get("end").filter(|v| !v.is_null());
    if create && (start.is_none() || end.is_none()) {
        // The emulator's choice: an event needs both times.
        return Err(invalid(
            "Your request can't be completed. A start time and an end time must be specified.",
        ));
    }
    for value in [start, end].into_iter().flatten() {
        instant(value).map_err(|m| {
            let code = if m.contains("TimeZone") {
                "TimeZoneNotSupportedException"
            } else {
                "ErrorInvalidRequest"
            };
            ids.error(StatusCode::BAD_REQUEST, code, &m)
        })?;
    }
    Ok(())
}

/// Checks the merged times of an event: end not before start; all-day events at midnight in one
/// zone (§3.4). Codes and texts are the emulator's choice.
pub(crate) fn check_times(ids: &RequestIds, fields: &Map<String, Value>) -> Result<(), Response> {
    let invalid =
        |message: &str| ids.error(StatusCode::BAD_REQUEST, "ErrorInvalidRequest", message);
    let (Some(start), Some(end)) = (fields.get("start"), fields.get("end")) else {
        return Ok(());
    };
    let (Ok(s), Ok(e)) = (instant(start), instant(end)) else {
        return Ok(());
    };
    if e < s {
        return Err(invalid(
            "The end time of the event must be after its start time.",
        ));
    }
    if fields.get("isAllDay") == Some(&Value::Bool(true)) {
        let midnight = |v: &Value| {
            v.get("dateTime")
                .and_then(Value::as_str)
                .and_then(|t| t.parse::<jiff::civil::DateTime>().ok())
                .is_some_and(|dt| dt.time() == jiff::civil::Time::midnight())
        };
        if !midnight(start) || !midnight(end) || start.get("timeZone") != end.get("timeZone") {
            return Err(invalid(
                "For an all-day event, start and end must be at midnight in the same time zone.",
            ));
        }
    }
    Ok(())
}

/// Copies the writable properties of `body` into `fields` (PATCH semantics: only what is sent).
pub(crate) fn merge(fields: &mut Map<String, Value>, body: &Value) {
    if let Some(map) = body.as_object() {
        for (k, v) in map {
            // transactionId "cannot be changed by a later update" (§3.3): a PATCH's is ignored.
            if k.starts_with('@')
                || READ_ONLY.contains(&k.as_str())
                || (k == "transactionId" && fields.contains_key(k))
            {
                continue;
            }
            fields.insert(k.clone(), v.clone());
        }
    }
}

/// The single-value extended properties a body sets (§3.6).
pub(crate) fn extended_of(body: &Value) -> BTreeMap<String, Value> {
    body.get("singleValueExtendedProperties")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|p| {
                    Some((
                        p.get("id")?.as_str()?.to_owned(),
                        p.get("value").cloned().unwrap_or(Value::Null),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a body asks for a Teams meeting: `isOnlineMeeting: true` with `teamsForBusiness` (or
/// no provider: the calendar's default, which the emulator takes to be Teams — its choice).
pub(crate) fn wants_teams(body: &Value) -> bool {
    body.get("isOnlineMeeting") == Some(&Value::Bool(true))
        && body
            .get("onlineMeetingProvider")
            .and_then(Value::as_str)
            .is_none_or(|p| p.eq_ignore_ascii_case("teamsForBusiness"))
}

/// A new Teams meeting for an event: join URL in the documented shape (§3.1) and a conference id.
pub(crate) fn new_teams(inner: &mut Inner, owner: &MicrosoftUser) -> (String, String) {
    let thread = alnum(&mut inner.rng, 48);
    let join_url = format!(
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{thread}%40thread.v2/0?context=%7b%22Tid%22%3a%22{}%22%2c%22Oid%22%3a%22{}%22%7d",
        owner.tenant_id, owner.id
    );
    (join_url, digits(&mut inner.rng, 9))
}

/// Puts the "Join Microsoft Teams Meeting" HTML blob into the body, as Exchange does (§3.1).
pub(crate) fn inject_join_blob(fields: &mut Map<String, Value>, join_url: &str) {
    let content = fields
        .get("body")
        .and_then(|b| b.get("content"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let blob = format!(
        "<div style=\"width:100%\"><span>________________________________________________________________________________</span></div>\
         <div class=\"me-email-text\"><a href=\"{join_url}\" target=\"_blank\">{JOIN_MARKER}</a></div>"
    );
    fields.insert(
        "body".to_owned(),
        serde_json::json!({"contentType": "html", "content": format!("<html><body>{content}{blob}</body></html>")}),
    );
}

/// A new stored event.
pub(crate) fn new_record(
    inner: &mut Inner,
    organizer_id: &str,
    fields: Map<String, Value>,
    now: Timestamp,
) -> EventRec {
    let ical_uid = format!(
        "040000008200E00074C5B7101A82E00800000000{}",
        from_alphabet(&mut inner.rng, b"0123456789ABCDEF", 72)
    );
    EventRec {
        fields,
        extended: BTreeMap::new(),
        created: now,
        modified: now,
        version: 1,
        ical_uid,
        is_organizer: true,
        organizer_id: organizer_id.to_owned(),
        is_cancelled: false,
        teams: None,
        copies: Vec::new(),
    }
}

/// An Exchange-shaped event id (`AAMkAD...=`, base64url alphabet).
pub(crate) fn new_event_id(inner: &mut Inner) -> String {
    format!("AAMkAD{}AAA=", alnum(&mut inner.rng, 140))
}
