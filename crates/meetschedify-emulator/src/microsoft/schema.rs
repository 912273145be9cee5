//! Request bodies checked against the vendored Graph OpenAPI subset (`graph-teams-subset.json`, a
//! byte-for-byte copy of `shared/specs/graph-teams-subset.json`, sha256
//! `5f4668a6…b016835`; provenance in the reference §6).
//!
//! The walker follows `$ref`, `allOf`, `anyOf`/`oneOf`, `type`, `nullable`, `enum`, integer bounds
//! and the date-time pattern. Two strictness choices are the emulator's own: a property the schema
//! does not define is refused (Graph's OData reader refuses unknown properties of closed types;
//! `onlineMeeting` is an OpenType in CSDL (§2.5), so real Graph may accept extra properties there,
//! but a client that sends one has a typo), and the generator's
//! `additionalProperties: {type: object}` is ignored. Enum values compare case-insensitively, since
//! Microsoft's own example sends `"contentType": "HTML"` for the enum `text|html` (§3.1).

use std::sync::OnceLock;

use serde_json::Value;

fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        serde_json::from_str(include_str!("graph-teams-subset.json")).unwrap_or(Value::Null)
    })
}

/// A component schema by name, e.g. `microsoft.graph.event`.
pub(crate) fn component(name: &str) -> &'static Value {
    &spec()["components"]["schemas"][name]
}

/// The request schema of `createOrGet` (inline in the spec's path item).
pub(crate) fn create_or_get() -> &'static Value {
    &spec()["paths"]["/communications/onlineMeetings/microsoft.graph.createOrGet"]["post"]
        ["requestBody"]["content"]["application/json"]["schema"]
}

fn resolve(schema: &'static Value) -> &'static Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve(component(r.trim_start_matches("#/components/schemas/"))),
        None => schema,
    }
}

fn title(schema: &'static Value) -> String {
    let schema = resolve(schema);
    let own = schema.get("title").and_then(Value::as_str);
    let last = schema
        .get("allOf")
        .and_then(Value::as_array)
        .and_then(|p| p.last())
        .and_then(|p| p.get("title"))
        .and_then(Value::as_str);
    format!("microsoft.graph.{}", own.or(last).unwrap_or("object"))
}

/// Checks `value` against `schema`; the first problem as Graph-style text.
pub(crate) fn check(schema: &'static Value, value: &Value) -> Result<(), String> {
    walk(schema, value, "")
}

fn walk(schema: &'static Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(schema);
    if let Some(options) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
    {
        if value.is_null() {
            return Ok(());
        }
        let mut first = None;
        for option in options {
            match walk(option, value, at) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        return Err(first.unwrap_or_else(|| format!("Invalid value for '{at}'.")));
    }
    if value.is_null() {
        // Properties are nullable or optional in this subset; required ones are checked by the
        // handlers, which know what a create needs.
        return Ok(());
    }
    let is_object = schema.get("allOf").is_some()
        || schema.get("properties").is_some()
        || schema.get("type").and_then(Value::as_str) == Some("object");
    if is_object {
        return object(schema, value, at);
    }
    let expected = schema.get("type").and_then(Value::as_str).unwrap_or("any");
    let typed = match expected {
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => true,
    };
    if !typed {
        return Err(format!(
            "Cannot convert the literal '{value}' to the expected type '{expected}' of property '{at}'."
        ));
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        let text = value.as_str().unwrap_or_default();
        let known = allowed
            .iter()
            .filter_map(Value::as_str)
            .any(|a| a.eq_ignore_ascii_case(text));
        if !known {
            return Err(format!(
                "Requested value '{text}' was not found for property '{at}'."
            ));
        }
    }
    if let (Some(n), Some(min), Some(max)) = (
        value.as_i64(),
        schema.get("minimum").and_then(Value::as_i64),
        schema.get("maximum").and_then(Value::as_i64),
    ) {
        if n < min || n > max {
            return Err(format!("The value of property '{at}' is out of range."));
        }
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time") {
        let text = value.as_str().unwrap_or_default();
        if text.parse::<jiff::Timestamp>().is_err() {
            return Err(format!(
                "Cannot convert the literal '{text}' to the expected type 'Edm.DateTimeOffset' of property '{at}'."
            ));
        }
    }
    if let (Some(items), Some(item_schema)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            walk(item_schema, item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

fn object(schema: &'static Value, value: &Value, at: &str) -> Result<(), String> {
    let Some(fields) = value.as_object() else {
        return Err(format!(
            "Cannot convert a primitive value to the expected type '{}' of property '{at}'.",
            title(schema)
        ));
    };
    for (name, field) in fields {
        // OData annotations (`@odata.type`) are allowed on any object.
        if name.starts_with('@') {
            continue;
        }
        let Some(prop) = static_prop(schema, name) else {
            return Err(format!(
                "The property '{name}' does not exist on type '{}'. Make sure to only use property names that are defined by the type or mark the type as open type.",
                title(schema)
            ));
        };
        let path = if at.is_empty() {
            name.clone()
        } else {
            format!("{at}.{name}")
        };
        walk(prop, field, &path)?;
    }
    Ok(())
}

/// A property's schema, looked up through `allOf`.
fn static_prop(schema: &'static Value, name: &str) -> Option<&'static Value> {
    let schema = resolve(schema);
    if let Some(found) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some(found);
    }
    schema
        .get("allOf")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|part| static_prop(part, name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_are_checked_field_by_field() {
        let event = component("microsoft.graph.event");
        assert!(check(
            event,
            &json!({
                "subject": "x",
                "body": {"contentType": "HTML", "content": "hi"},
                "start": {"dateTime": "2030-01-01T10:00:00", "timeZone": "UTC"},
                "attendees": [{"emailAddress": {"address": "a@b.c"}, "type": "required"}],
                "isOnlineMeeting": true,
                "onlineMeetingProvider": "teamsForBusiness",
                "singleValueExtendedProperties": [{"id": "String {66f5a359-4659-4830-9070-00040ec6ac6e} Name Fun", "value": "Food"}]
            })
        )
        .is_ok());
        let unknown = check(event, &json!({"subjcet": "x"})).unwrap_err();
        assert!(
            unknown.contains("'subjcet' does not exist on type 'microsoft.graph.event'"),
            "{unknown}"
        );
        assert!(check(event, &json!({"isOnlineMeeting": "yes"})).is_err());
        assert!(check(event, &json!({"onlineMeetingProvider": "zoom"})).is_err());
        assert!(check(
            event,
            &json!({"attendees": [{"emailAddress": {"adress": "a"}}]})
        )
        .is_err());
        assert!(check(event, &json!({"start": "2030-01-01"})).is_err());
    }

    #[test]
    fn online_meetings_and_create_or_get() {
        let meeting = component("microsoft.graph.onlineMeeting");
        assert!(check(
            meeting,
            &json!({"subject": "s", "startDateTime": "2030-01-01T10:00:00Z"})
        )
        .is_ok());
        assert!(check(meeting, &json!({"startDateTime": "tomorrow"})).is_err());
        assert!(check(create_or_get(), &json!({"externalId": "k", "subject": "s"})).is_ok());
        assert!(check(create_or_get(), &json!({"externalId": 1})).is_err());
        assert!(check(create_or_get(), &json!({"extId": "k"})).is_err());
    }
}
