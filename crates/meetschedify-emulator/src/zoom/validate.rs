//! Validation of create and update bodies: the spec's schema field by field
//! ([`super::body_schema`]), then the rules the spec states only in prose.
//!
//! A bad body gets `400 {"code":300,"message":"Validation Failed.","errors":[{field,message}]}`,
//! one entry per bad field (<https://developers.zoom.us/docs/api/errors/>).

use jiff::tz::TimeZone;
use serde_json::{Map, Value};

use super::body_schema::{check, is_email, BodyKind};
use super::meeting::{parse_start, ACCOUNT_TIMEZONE};

/// Characters Zoom allows in a passcode (spec text of `password`).
fn valid_password(p: &str) -> bool {
    p.len() <= 10
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@-_*".contains(c))
}

/// Checks a create or update body; returns the bad fields (empty when valid), one entry per field.
pub(super) fn validate(kind: BodyKind, body: &Map<String, Value>) -> Vec<(String, String)> {
    let mut bad = prose_rules(body);
    for (field, message) in check(kind, &Value::Object(body.clone())) {
        // A field the prose rules already refused keeps their (more precise) message.
        if !bad.iter().any(|(f, _)| *f == field) {
            bad.push((field, message));
        }
    }
    bad
}

/// The rules the schema cannot carry.
fn prose_rules(body: &Map<String, Value>) -> Vec<(String, String)> {
    let mut bad = Vec::new();
    let mut flag = |field: &str, message: &str| bad.push((field.to_owned(), message.to_owned()));
    // "Meeting duration (minutes)": a length of time, never negative.
    if let Some(d) = body.get("duration") {
        if d.as_i64().is_none_or(|d| d < 0) {
            flag("duration", "Invalid field.");
        }
    }
    // "The timezone to assign to the start_time value": one of Zoom's (IANA) zone ids.
    let timezone = match body.get("timezone") {
        None => ACCOUNT_TIMEZONE,
        Some(Value::String(tz)) if TimeZone::get(tz).is_ok() => tz,
        Some(_) => {
            flag("timezone", "Invalid field.");
            ACCOUNT_TIMEZONE
        }
    };
    // `yyyy-MM-ddTHH:mm:ssZ`, or a local `yyyy-MM-ddTHH:mm:ss` read in `timezone`; a local time
    // the zone skips (a DST gap) does not exist.
    if let Some(start) = body.get("start_time") {
        if start
            .as_str()
            .and_then(|s| parse_start(s, timezone))
            .is_none()
        {
            flag("start_time", "Invalid field.");
        }
    }
    if let Some(p) = body.get("password") {
        if p.as_str().is_none_or(|p| !valid_password(p)) {
            flag(
                "password",
                "Password may only contain the following characters: [a-z A-Z 0-9 @ - _ *] and can have a maximum of 10 characters.",
            );
        }
    }
    // "A semicolon-separated list of the meeting's alternative hosts' email addresses or IDs."
    // Only emails are checked: an id is any string Zoom issued.
    if let Some(Value::String(hosts)) = body
        .get("settings")
        .and_then(|s| s.get("alternative_hosts"))
    {
        let bad_entry = hosts
            .split(';')
            .map(str::trim)
            .any(|h| h.is_empty() || (h.contains('@') && !is_email(h)) || h.contains(','));
        if !hosts.trim().is_empty() && bad_entry {
            flag("settings.alternative_hosts", "Invalid field.");
        }
    }
    bad
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(body: Value) -> Vec<String> {
        let Value::Object(body) = body else {
            unreachable!()
        };
        validate(BodyKind::Create, &body)
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    }

    #[test]
    fn prose_rules_and_schema_each_name_their_field_once() {
        assert_eq!(fields(json!({ "password": "x".repeat(11) })), ["password"]);
        assert_eq!(fields(json!({ "duration": -1 })), ["duration"]);
        assert_eq!(fields(json!({ "duration": "1" })), ["duration"]);
        assert_eq!(fields(json!({ "timezone": "Mars/Olympus" })), ["timezone"]);
        assert_eq!(
            fields(json!({ "start_time": "2030-03-31T02:30:00", "timezone": "Europe/Paris" })),
            Vec::<String>::new(),
            "a gap time is resolved by jiff's compatible rule, as Zoom moves it forward"
        );
        assert_eq!(fields(json!({ "start_time": "tomorrow" })), ["start_time"]);
        for hosts in [
            "a@example.com,b@example.com",
            "a@example.com;;b@example.com",
            "a@@b.com",
        ] {
            assert_eq!(
                fields(json!({ "settings": { "alternative_hosts": hosts } })),
                ["settings.alternative_hosts"],
                "{hosts}"
            );
        }
        for hosts in [
            "",
            "a@example.com",
            "a@example.com; b@example.com",
            "KDcuGIm1QgePTO8WbOqwIQ",
        ] {
            assert!(
                fields(json!({ "settings": { "alternative_hosts": hosts } })).is_empty(),
                "{hosts}"
            );
        }
    }
}
