//! The JSON sent to Graph: the event of a create and the changes of an update.
//!
//! Times are sent as UTC wall time with `timeZone: "UTC"` (and answers are asked for in UTC
//! with `Prefer: outlook.timezone="UTC"`, see `api.rs`). Graph's `dateTimeTimeZone` takes
//! local wall time without an offset plus a Windows zone name or one of a listed set of IANA
//! names, and only zones configured on the mailbox server are safe; UTC always is. Core has
//! already resolved the request's local times in its IANA zone (DST gaps and folds decided
//! explicitly), so the UTC instants are exact; the zone itself is kept in the library's
//! extended property and used to give times back.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use meetschedify_core::{MeetingParticipant, ValidatedCreate, ValidatedUpdate};
use serde_json::{json, Map, Value};

use crate::props::Stamp;

/// Graph's value for a Teams meeting (`onlineMeetingProvider`).
pub(crate) const TEAMS_FOR_BUSINESS: &str = "teamsForBusiness";

/// A `dateTimeTimeZone` in UTC: `{"dateTime": "2030-06-15T04:30:00", "timeZone": "UTC"}`.
pub(crate) fn utc_time(at: Timestamp) -> Value {
    let civil = at.to_zoned_datetime(TimeZone::UTC).datetime();
    json!({
        "dateTime": civil.strftime("%Y-%m-%dT%H:%M:%S").to_string(),
        "timeZone": "UTC",
    })
}

fn attendee(p: &MeetingParticipant) -> Value {
    let mut email = json!({ "address": p.email });
    if let Some(name) = &p.display_name {
        email["name"] = json!(name);
    }
    // Everyone the caller invites is expected: `required`. Graph sends each one an invitation;
    // that cannot be switched off.
    json!({ "emailAddress": email, "type": "required" })
}

/// The event of a create, with its `transactionId` and the library's stamp.
pub(crate) fn create_body(request: &ValidatedCreate, transaction_id: &str, stamp: &Stamp) -> Value {
    let req = request.request();
    let time = request.time();
    let mut event = json!({
        "subject": request.title(),
        "start": utc_time(time.start_utc()),
        "end": utc_time(time.end_utc()),
        "transactionId": transaction_id,
        "singleValueExtendedProperties": stamp.to_properties(),
    });
    if let Some(description) = &req.description {
        // Plain text: Exchange turns it into HTML and appends the Teams join block.
        event["body"] = json!({ "contentType": "text", "content": description });
    }
    let attendees: Vec<Value> = req.participants().map(attendee).collect();
    if !attendees.is_empty() {
        event["attendees"] = Value::Array(attendees);
    }
    if req.add_conference_link {
        event["isOnlineMeeting"] = json!(true);
        event["onlineMeetingProvider"] = json!(TEAMS_FOR_BUSINESS);
    }
    event
}

/// The PATCH of an update, given the event as it is now (`before`, read with the stamp) and
/// its stamp; returns the body (empty when nothing changes) and the stamp it writes.
pub(crate) fn update_body(
    update: &ValidatedUpdate,
    before: &Value,
    stamp: &Stamp,
) -> Map<String, Value> {
    let req = update.request();
    let mut body = Map::new();
    let mut new_stamp = stamp.clone();
    if let Some(title) = &req.title {
        body.insert("subject".into(), json!(title.trim()));
    }
    if let Some(time) = update.time() {
        body.insert("start".into(), utc_time(time.start_utc()));
        body.insert("end".into(), utc_time(time.end_utc()));
        new_stamp.timezone = Some(time.timezone().to_owned());
    }
    if let Some(participants) = &req.participants {
        body.insert(
            "attendees".into(),
            Value::Array(participants.iter().map(attendee).collect()),
        );
    }
    if let Some(description) = &req.description {
        body.insert(
            "body".into(),
            merged_body(before, stamp.description.as_deref(), description),
        );
        new_stamp.description = Some(description.clone());
    }
    if let Some(metadata) = &req.metadata {
        new_stamp.metadata = metadata.clone();
    }
    if new_stamp != *stamp {
        body.insert(
            "singleValueExtendedProperties".into(),
            new_stamp.to_properties(),
        );
    }
    body
}

/// The event body after a description change.
///
/// Exchange appended the Teams join block to the body at creation, and Graph's event-update
/// page warns that replacing the body without it turns the online meeting off. So the new
/// body is the current one with the old description replaced where it is found; where it is
/// not (there was none, or Exchange reformatted it), the new description goes before the
/// current content, which keeps the join block either way.
fn merged_body(before: &Value, old: Option<&str>, new: &str) -> Value {
    let body = before.get("body");
    let content = body
        .and_then(|b| b.get("content"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let is_html = body
        .and_then(|b| b.get("contentType"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("html"));
    if content.trim().is_empty() {
        return json!({ "contentType": "text", "content": new });
    }
    if !is_html {
        let merged = match old.filter(|o| !o.is_empty() && content.contains(*o)) {
            Some(old) => content.replacen(old, new, 1),
            None => format!("{new}\n\n{content}"),
        };
        return json!({ "contentType": "text", "content": merged });
    }
    let escaped_new = html_escape(new);
    let merged = match old
        .map(html_escape)
        .filter(|o| !o.is_empty() && content.contains(o.as_str()))
    {
        Some(old) => content.replacen(&old, &escaped_new, 1),
        None => match find_body_start(content) {
            Some(at) => format!("{}<p>{escaped_new}</p>{}", &content[..at], &content[at..]),
            None => format!("<p>{escaped_new}</p>{content}"),
        },
    };
    json!({ "contentType": "html", "content": merged })
}

/// Just after the opening `<body ...>` tag, when there is one.
fn find_body_start(html: &str) -> Option<usize> {
    let open = html.to_ascii_lowercase().find("<body")?;
    html[open..].find('>').map(|end| open + end + 1)
}

fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
