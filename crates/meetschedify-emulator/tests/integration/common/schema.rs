//! A minimal checker for the two schema dialects the vendors publish.
//!
//! Why not the `jsonschema` crate: Google's discovery format is not JSON Schema (`$ref: "Event"`,
//! `int64` carried as strings, `type: any`, no `required`), and Zoom's OpenAPI 3.0 needs only a small
//! subset (types, `properties`, `required`, `enum`, `items`, `maxLength`). A hundred lines cover both,
//! build in no time, and are strict where it matters to us: unknown properties are errors, so a typo
//! in a field name the emulator emits fails the test.

use serde_json::Value;

/// Which dialect a schema is written in.
#[derive(Clone, Copy)]
pub enum Dialect<'a> {
    /// OpenAPI 3.0: `$ref` is `#/components/schemas/Name` in `root`.
    OpenApi { root: &'a Value },
    /// Google discovery: `$ref` is a name in `root.schemas`.
    Discovery { root: &'a Value },
}

/// Checks `value` against `schema`; returns one line per mismatch (empty when it conforms).
pub fn check(dialect: Dialect<'_>, schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    walk(dialect, schema, value, "$", &mut errors);
    errors
}

fn resolve<'a>(dialect: Dialect<'a>, schema: &'a Value) -> &'a Value {
    let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
        return schema;
    };
    match dialect {
        Dialect::OpenApi { root } => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &root["components"]["schemas"][name]
        }
        Dialect::Discovery { root } => &root["schemas"][reference],
    }
}

fn walk(dialect: Dialect<'_>, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(dialect, schema);
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            walk(dialect, part, value, at, errors);
        }
        return;
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            if !options
                .iter()
                .any(|o| check_at(dialect, o, value, at).is_empty())
            {
                errors.push(format!("{at}: matches none of {key}"));
            }
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            errors.push(format!("{at}: {value} not in enum {allowed:?}"));
        }
    }
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("any");
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ok = match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        // Discovery carries int64/uint64 as strings; OpenAPI as JSON integers.
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => true,
    };
    if !ok {
        errors.push(format!("{at}: expected {kind}, got {value}"));
        return;
    }
    let text = value.as_str().unwrap_or_default();
    if matches!(format, "int64" | "uint64") && kind == "string" && text.parse::<i128>().is_err() {
        errors.push(format!("{at}: {value} is not an {format} string"));
    }
    if format == "date-time" && kind == "string" && text.parse::<jiff::Timestamp>().is_err() {
        errors.push(format!("{at}: {value} is not an RFC 3339 date-time"));
    }
    if let (Some(max), Some(s)) = (
        schema.get("maxLength").and_then(Value::as_u64),
        value.as_str(),
    ) {
        if s.chars().count() as u64 > max {
            errors.push(format!("{at}: longer than {max}"));
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, item) in list.iter().enumerate() {
            walk(dialect, items, item, &format!("{at}[{i}]"), errors);
        }
    }
    if let Some(object) = value.as_object() {
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    errors.push(format!("{at}: missing required {name}"));
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (name, field) in object {
            let field_at = format!("{at}.{name}");
            match (properties.and_then(|p| p.get(name)), additional) {
                (Some(field_schema), _) => walk(dialect, field_schema, field, &field_at, errors),
                (None, Some(extra)) if extra.is_object() => {
                    walk(dialect, extra, field, &field_at, errors)
                }
                (None, Some(Value::Bool(true))) => {}
                (None, _) if properties.is_some() => {
                    errors.push(format!("{field_at}: not in the schema"))
                }
                (None, _) => {}
            }
        }
    }
}

fn check_at(dialect: Dialect<'_>, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut errors = Vec::new();
    walk(dialect, schema, value, at, &mut errors);
    errors
}
