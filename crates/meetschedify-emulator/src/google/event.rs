//! Event bodies: what a client may write, how times are checked, and the served Event resource.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{json, Map, Value};

use super::conference;
use super::errors::{error, invalid, required};
use super::store::{ConferenceRec, EventRec};
use crate::http::rfc3339_millis;
use axum::http::StatusCode;
use axum::response::Response;

/// Fields the server owns: a client's values for these are dropped.
const SERVER_FIELDS: &[&str] = &[
    "kind",
    "etag",
    "id",
    "htmlLink",
    "created",
    "updated",
    "creator",
    "organizer",
    "iCalUID",
    "conferenceData",
    "hangoutLink",
];

/// The client-writable part of a body.
pub(super) fn writable(body: &Map<String, Value>) -> Map<String, Value> {
    body.iter()
        .filter(|(k, _)| !SERVER_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// An `EventDateTime` as an instant (all-day dates start at midnight UTC), or the 400 Google answers.
fn instant(value: Option<&Value>, which: &str) -> Result<Timestamp, Response> {
    let Some(Value::Object(time)) = value else {
        return Err(required(&format!("Missing {which} time.")));
    };
    if let Some(date) = time.get("date").and_then(Value::as_str) {
        let date: Date = date
            .parse()
            .map_err(|_| invalid(&format!("Invalid {which} time.")))?;
        return TimeZone::UTC
            .to_timestamp(date.at(0, 0, 0, 0))
            .map_err(|_| invalid(&format!("Invalid {which} time.")));
    }
    let Some(text) = time.get("dateTime").and_then(Value::as_str) else {
        return Err(required(&format!("Missing {which} time.")));
    };
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts);
    }
    // Without an offset the time zone must be named ("A time zone offset is required unless a time
    // zone is explicitly specified in timeZone").
    let civil: DateTime = text
        .parse()
        .map_err(|_| invalid(&format!("Invalid {which} time.")))?;
    let Some(tz_name) = time.get("timeZone").and_then(Value::as_str) else {
        return Err(invalid(&format!(
            "Missing time zone definition for {which} time."
        )));
    };
    let tz = TimeZone::get(tz_name)
        .map_err(|_| invalid(&format!("Invalid time zone definition for {which} time.")))?;
    tz.to_timestamp(civil)
        .map_err(|_| invalid(&format!("Invalid {which} time.")))
}

/// Start and end of writable fields, checked as Google does.
pub(super) fn time_range(fields: &Map<String, Value>) -> Result<(Timestamp, Timestamp), Response> {
    let start = instant(fields.get("start"), "start")?;
    let end = instant(fields.get("end"), "end")?;
    if end < start {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "calendar",
            "timeRangeEmpty",
            "The specified time range is empty.",
        ));
    }
    Ok((start, end))
}

/// Checks attendees and fills in `responseStatus`.
pub(super) fn normalize_attendees(fields: &mut Map<String, Value>) -> Result<(), Response> {
    let Some(attendees) = fields.get_mut("attendees") else {
        return Ok(());
    };
    let Value::Array(list) = attendees else {
        return Err(invalid("Invalid attendees."));
    };
    for attendee in list {
        let Value::Object(a) = attendee else {
            return Err(invalid("Invalid attendee."));
        };
        if !a.get("email").is_some_and(Value::is_string) {
            return Err(required("Missing attendee email."));
        }
        a.entry("responseStatus").or_insert(json!("needsAction"));
    }
    Ok(())
}

/// The served Event resource.
pub(super) fn render(
    calendar_id: &str,
    id: &str,
    event: &EventRec,
    conference: Option<&ConferenceRec>,
) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("calendar#event"));
    out.insert(
        "etag".into(),
        json!(format!(
            "\"{}\"",
            event.updated.as_millisecond().unsigned_abs() * 1000 + event.version % 1000
        )),
    );
    out.insert("id".into(), json!(id));
    out.insert("status".into(), json!(event.status));
    let eid = URL_SAFE_NO_PAD.encode(format!("{id} {calendar_id}"));
    out.insert(
        "htmlLink".into(),
        json!(format!("https://www.google.com/calendar/event?eid={eid}")),
    );
    out.insert("created".into(), json!(rfc3339_millis(event.created)));
    out.insert("updated".into(), json!(rfc3339_millis(event.updated)));
    out.insert("creator".into(), json!({ "email": event.creator }));
    out.insert(
        "organizer".into(),
        json!({ "email": calendar_id, "self": calendar_id == event.creator }),
    );
    out.insert("iCalUID".into(), json!(format!("{id}@google.com")));
    out.insert("sequence".into(), json!(event.sequence));
    out.insert("reminders".into(), json!({ "useDefault": true }));
    out.insert("eventType".into(), json!("default"));
    for (k, v) in &event.fields {
        if k != "status" {
            out.insert(k.clone(), v.clone());
        }
    }
    if let Some(conference) = conference {
        let pending = conference.pending_reads_left.is_some();
        let (data, link) = conference::render(conference, pending);
        out.insert("conferenceData".into(), data);
        if let Some(link) = link {
            out.insert("hangoutLink".into(), json!(link));
        }
    }
    Value::Object(out)
}
