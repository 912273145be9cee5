//! Field-by-field checks of create and update bodies against the spec's request schemas.
//!
//! `request_schemas.json` holds the `meetingCreate` and `meetingUpdate` request-body schemas of
//! `zoom-meeting-openapi.json`, with descriptions and examples left out (the `schemas` test
//! checks that it still equals the spec, and rewrites it with `MEETSCHEDIFY_BLESS=1`). Driving the
//! checks from the schema keeps the emulator strict about every field the spec constrains,
//! including the ones meetschedify does not send today.
//!
//! Unknown fields are not errors: Zoom ignores fields it does not know, and so does the emulator.

use std::sync::OnceLock;

use serde_json::Value;

use super::meeting::parse_start;

/// Which request body a schema is for.
#[derive(Clone, Copy, Debug)]
pub(super) enum BodyKind {
    /// `POST /users/{userId}/meetings`.
    Create,
    /// `PATCH /meetings/{meetingId}`.
    Update,
}

fn schemas() -> &'static Value {
    static SCHEMAS: OnceLock<Value> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        serde_json::from_str(include_str!("request_schemas.json")).unwrap_or(Value::Null)
    })
}

/// The message Zoom gives a field it refuses (<https://developers.zoom.us/docs/api/errors/>).
const INVALID: &str = "Invalid field.";

/// Checks `body` against the schema of `kind`; one `(field, message)` per bad field, fields named
/// as Zoom names them (`settings.jbh_time`), array items with their index
/// (`settings.meeting_invitees[0].email`).
pub(super) fn check(kind: BodyKind, body: &Value) -> Vec<(String, String)> {
    let name = match kind {
        BodyKind::Create => "create",
        BodyKind::Update => "update",
    };
    let mut bad = Vec::new();
    walk(&schemas()[name], body, "", &mut bad);
    bad
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_owned()
    } else {
        format!("{at}.{name}")
    }
}

fn walk(schema: &Value, value: &Value, at: &str, bad: &mut Vec<(String, String)>) {
    let mut flag = |message: String| bad.push((at.to_owned(), message));
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("any");
    let typed = match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => true,
    };
    if !typed {
        return flag(INVALID.to_owned());
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            return flag(INVALID.to_owned());
        }
    }
    if let Some(text) = value.as_str() {
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
            if text.chars().count() as u64 > max {
                return flag(format!("Length must be between 0 and {max}."));
            }
        }
        match schema.get("format").and_then(Value::as_str) {
            Some("email") if !is_email(text) => return flag(INVALID.to_owned()),
            // Zoom takes a local time without offset too, read in `timezone` (spec text of
            // `start_time`); that field's zone is checked by the hand-written rules.
            Some("date-time") if parse_start(text, "UTC").is_none() => {
                return flag(INVALID.to_owned())
            }
            _ => {}
        }
    }
    if let Some(n) = value.as_i64() {
        let below = schema
            .get("minimum")
            .and_then(Value::as_i64)
            .is_some_and(|min| n < min);
        let above = schema
            .get("maximum")
            .and_then(Value::as_i64)
            .is_some_and(|max| n > max);
        if below || above {
            return flag(INVALID.to_owned());
        }
    }
    if let Some(items) = value.as_array() {
        // The spec writes `maximum` where it means `maxItems` on one array
        // (`sign_language_interpretation.interpreters`): both bound the length of a list.
        let max = schema
            .get("maxItems")
            .or_else(|| schema.get("maximum"))
            .and_then(Value::as_u64);
        if max.is_some_and(|max| items.len() as u64 > max) {
            return flag(INVALID.to_owned());
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                walk(item_schema, item, &format!("{at}[{i}]"), bad);
            }
        }
        return;
    }
    if let Some(object) = value.as_object() {
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    bad.push((join(at, name), INVALID.to_owned()));
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, field) in object {
            if let Some(field_schema) = properties.and_then(|p| p.get(name)) {
                walk(field_schema, field, &join(at, name), bad);
            }
        }
    }
}

/// A plausible address: one `@`, something before it, a dotted domain after it, no spaces or
/// list separators. Zoom's own rule is unpublished; this refuses what is clearly not an address.
pub(super) fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.contains(|c: char| c.is_whitespace() || c == ';' || c == ',')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(kind: BodyKind, body: Value) -> Vec<String> {
        check(kind, &body).into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn the_schemas_are_loaded() {
        for kind in ["create", "update"] {
            assert!(schemas()[kind]["properties"]["settings"]["properties"].is_object());
        }
    }

    #[test]
    fn each_constraint_of_the_schema_is_enforced() {
        let cases = [
            (json!({ "agenda": "a".repeat(2001) }), "agenda"),
            (json!({ "topic": 7 }), "topic"),
            (json!({ "type": 4 }), "type"),
            (
                json!({ "settings": { "jbh_time": 7 } }),
                "settings.jbh_time",
            ),
            (
                json!({ "settings": { "host_video": "yes" } }),
                "settings.host_video",
            ),
            (
                json!({ "settings": { "meeting_invitees": [{ "email": "nope" }] } }),
                "settings.meeting_invitees[0].email",
            ),
            (
                json!({ "settings": { "meeting_invitees": {} } }),
                "settings.meeting_invitees",
            ),
            (
                json!({ "recurrence": { "type": 1, "end_times": 61 } }),
                "recurrence.end_times",
            ),
            (
                json!({ "recurrence": { "repeat_interval": 1 } }),
                "recurrence.type",
            ),
            (
                json!({ "recurrence": { "type": 2, "weekly_days": "8" } }),
                "recurrence.weekly_days",
            ),
            (
                json!({ "recurrence": { "type": 1, "end_date_time": "soon" } }),
                "recurrence.end_date_time",
            ),
            (
                json!({ "settings": { "audio_conference_info": "x".repeat(2049) } }),
                "settings.audio_conference_info",
            ),
            (
                json!({ "settings": { "continuous_meeting_chat": { "enable": 1 } } }),
                "settings.continuous_meeting_chat.enable",
            ),
        ];
        for (body, field) in cases {
            for kind in [BodyKind::Create, BodyKind::Update] {
                assert_eq!(fields(kind, body.clone()), [field], "{kind:?} {body}");
            }
        }
        // Only the create schema requires `field` in a tracking field.
        let tracking = json!({ "tracking_fields": [{ "value": "v" }] });
        assert_eq!(
            fields(BodyKind::Create, tracking.clone()),
            ["tracking_fields[0].field"]
        );
        assert!(fields(BodyKind::Update, tracking).is_empty());
        let custom_keys = json!({ "settings": { "custom_keys": [{ "key": "k".repeat(65) }] } });
        assert_eq!(
            fields(BodyKind::Update, custom_keys),
            ["settings.custom_keys[0].key"]
        );
    }

    #[test]
    fn good_and_unknown_fields_pass() {
        let body = json!({
            "topic": "t", "type": 2, "start_time": "2030-01-01T10:00:00", "duration": 30,
            "agenda": "a".repeat(2000), "password": "abc",
            "settings": { "jbh_time": 10, "meeting_invitees": [{ "email": "a@example.com" }],
                          "alternative_hosts": "a@example.com;b@example.com", "not_a_setting": 1 },
            "no_such_field": { "x": 1 }
        });
        for kind in [BodyKind::Create, BodyKind::Update] {
            assert!(check(kind, &body).is_empty(), "{kind:?}");
        }
        assert!(is_email("a.b@example.co.uk"));
        for bad in [
            "",
            "a",
            "@example.com",
            "a@b",
            "a@b.com;c@d.com",
            "a b@c.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}
