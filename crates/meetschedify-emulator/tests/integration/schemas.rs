//! Every Zoom body and every Calendar event body the emulator emits conforms to the vendors' published
//! schemas (vendored in `tests/specs/`, provenance in its README). A mismatch is an emulator bug.

use crate::common::schema::{check, Dialect};
use crate::common::{event_body, events_url, google_token, with_meet, zoom_token, Http};
use meetschedify_emulator::Emulator;
use serde_json::{json, Value};

fn load(name: &str) -> Value {
    let path = format!("{}/tests/specs/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn zoom_schema<'a>(spec: &'a Value, path: &str, method: &str, status: &str) -> &'a Value {
    &spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
}

fn assert_conforms(dialect: Dialect<'_>, schema: &Value, value: &Value, what: &str) {
    assert!(schema.is_object(), "no schema for {what}");
    let errors = check(dialect, schema, value);
    assert!(
        errors.is_empty(),
        "{what} does not match its schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_checker_catches_each_kind_of_mismatch() {
    let root = json!({});
    let dialect = Dialect::OpenApi { root: &root };
    let schema = json!({
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": { "type": "integer", "format": "int64" },
            "status": { "type": "string", "enum": ["waiting", "started"] },
            "topic": { "type": "string", "maxLength": 3 },
            "items": { "type": "array", "items": { "type": "boolean" } }
        }
    });
    let good = json!({ "id": 12_345_678_901_u64, "status": "waiting", "items": [true] });
    assert!(check(dialect, &schema, &good).is_empty());
    for bad in [
        json!({ "status": "waiting" }),
        json!({ "id": "1" }),
        json!({ "id": 1, "status": "over" }),
        json!({ "id": 1, "topic": "long" }),
        json!({ "id": 1, "items": [1] }),
        json!({ "id": 1, "typo": true }),
    ] {
        assert!(!check(dialect, &schema, &bad).is_empty(), "{bad}");
    }
    let discovery = json!({ "schemas": { "E": { "type": "object", "properties": {
        "n": { "type": "string", "format": "int64" }, "when": { "type": "string", "format": "date-time" } } } } });
    let dialect = Dialect::Discovery { root: &discovery };
    let by_ref = json!({ "$ref": "E" });
    assert!(check(dialect, &by_ref, &json!({ "n": "12" })).is_empty());
    assert!(!check(dialect, &by_ref, &json!({ "n": 12 })).is_empty());
    assert!(!check(dialect, &by_ref, &json!({ "when": "yesterday" })).is_empty());
}

#[tokio::test]
async fn zoom_bodies_match_the_openapi_spec() {
    let spec = load("zoom-meeting-openapi.json");
    let dialect = Dialect::OpenApi { root: &spec };
    let get_schema = zoom_schema(&spec, "/meetings/{meetingId}", "get", "200");
    let create_schema = zoom_schema(&spec, "/users/{userId}/meetings", "post", "201");
    let list_schema = zoom_schema(&spec, "/users/{userId}/meetings", "get", "200");

    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    let create_url = format!("{}/users/me/meetings", emu.zoom_api_base());
    let bodies = [
        json!({}),
        json!({ "topic": "t", "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 30 }),
        json!({
            "topic": "full", "type": 8, "start_time": "2030-06-01T09:00:00", "timezone": "Europe/Paris",
            "duration": 90, "agenda": "a", "password": "abc@12",
            "recurrence": { "type": 2, "repeat_interval": 1, "weekly_days": "2", "end_times": 3 },
            "settings": { "host_video": true, "participant_video": true, "join_before_host": true,
                          "jbh_time": 5, "mute_upon_entry": true, "waiting_room": true,
                          "approval_type": 0, "audio": "telephony", "auto_recording": "cloud",
                          "alternative_hosts": "a@example.com", "encryption_type": "e2ee" }
        }),
        json!({ "topic": "instant", "type": 1 }),
    ];
    for body in &bodies {
        let reply = http.json("POST", &create_url, &token, body).await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        let created = reply.json();
        assert_conforms(dialect, get_schema, &created, "create answer (GET shape)");
        // The 201 schema omits the fields real create answers carry beyond it (see the module
        // docs of src/zoom/meeting.rs).
        let mut strict_201 = created.clone();
        for extra in ["uuid", "host_id", "status", "encrypted_password"] {
            strict_201.as_object_mut().unwrap().remove(extra);
        }
        assert_conforms(
            dialect,
            create_schema,
            &strict_201,
            "create answer (201 schema)",
        );
        let url = format!("{}/meetings/{}", emu.zoom_api_base(), created["id"]);
        let patch = json!({ "topic": "patched", "settings": { "watermark": true } });
        assert_eq!(http.json("PATCH", &url, &token, &patch).await.status, 204);
        let got = http.get(&url, &token).await.json();
        assert_conforms(dialect, get_schema, &got, "get answer");
    }
    // Every list answer shape: a first page, a page reached by token, each `type`, a date
    // window, a long agenda (cut in the list), an empty listing.
    let long = json!({ "topic": "long", "type": 2, "start_time": "2030-01-01T10:00:00Z", "agenda": "é".repeat(2000) });
    assert_eq!(
        http.json("POST", &create_url, &token, &long).await.status,
        201
    );
    let first = http
        .get(&format!("{create_url}?page_size=2"), &token)
        .await
        .json();
    let next = first["next_page_token"].as_str().unwrap().to_owned();
    assert!(!next.is_empty(), "more than one page: {first}");
    let mut pages = vec![first];
    for query in [
        format!("next_page_token={next}"),
        "type=scheduled&page_size=300".to_owned(),
        "type=live".to_owned(),
        "type=upcoming".to_owned(),
        "type=upcoming_meetings".to_owned(),
        "type=previous_meetings".to_owned(),
        "from=2030-01-01&to=2030-01-02".to_owned(),
        "from=2040-01-01".to_owned(),
    ] {
        let reply = http.get(&format!("{create_url}?{query}"), &token).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.text());
        pages.push(reply.json());
    }
    for list in &pages {
        assert_conforms(dialect, list_schema, list, "list answer");
        // Every field of the spec's 200 schema is present (the checker only refuses extras).
        for field in list_schema["properties"].as_object().unwrap().keys() {
            assert!(
                list.get(field).is_some(),
                "list answer lacks {field}: {list}"
            );
        }
    }
}

/// Zoom's error body (<https://developers.zoom.us/docs/api/errors/>; the spec documents error
/// statuses without a body schema).
fn zoom_error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": { "type": "integer" },
            "message": { "type": "string" },
            "errors": { "type": "array", "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": { "field": { "type": "string" }, "message": { "type": "string" } }
            } }
        }
    })
}

/// Whether the spec documents `status` for an operation.
fn documented(spec: &Value, path: &str, method: &str, status: u16) -> bool {
    spec["paths"][path][method]["responses"]
        .get(status.to_string())
        .is_some()
}

/// Every answer of create, get, patch and delete, success and error (4711 for a missing scope,
/// 300 for a bad body, 3001 for a gone meeting), has a status the spec documents for that
/// operation and the body its schema (or Zoom's error body) says.
#[tokio::test]
async fn zoom_answers_have_documented_statuses_and_shapes() {
    let spec = load("zoom-meeting-openapi.json");
    let dialect = Dialect::OpenApi { root: &spec };
    let error_schema = zoom_error_schema();
    let (create_path, meeting_path) = ("/users/{userId}/meetings", "/meetings/{meetingId}");
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    let create_url = format!("{}/users/me/meetings", emu.zoom_api_base());
    let mut seen = Vec::new();
    let mut answer = |path: &str, method: &str, status: u16, body: &[u8], what: &str| {
        assert!(
            documented(&spec, path, method, status),
            "{what}: {method} {path} answered {status}, which the spec does not document"
        );
        match status {
            204 => assert!(body.is_empty(), "{what}: 204 with a body"),
            200 | 201 => {
                let mut value: Value = serde_json::from_slice(body).unwrap();
                if status == 201 {
                    // The GET-shaped extras real create answers carry (src/zoom/meeting.rs).
                    for extra in ["uuid", "host_id", "status", "encrypted_password"] {
                        value.as_object_mut().unwrap().remove(extra);
                    }
                }
                let schema = zoom_schema(&spec, path, method, &status.to_string());
                assert_conforms(dialect, schema, &value, what);
            }
            _ => {
                let value: Value = serde_json::from_slice(body).unwrap();
                assert_conforms(dialect, &error_schema, &value, what);
            }
        }
        seen.push((method.to_owned(), status, what.to_owned()));
    };

    let reply = http
        .json("POST", &create_url, &token, &json!({ "topic": "s" }))
        .await;
    let created = reply.json();
    answer(create_path, "post", reply.status, &reply.body, "create");
    let url = format!("{}/meetings/{}", emu.zoom_api_base(), created["id"]);
    let reply = http.get(&url, &token).await;
    answer(meeting_path, "get", reply.status, &reply.body, "get");
    let reply = http
        .json("PATCH", &url, &token, &json!({ "agenda": "a" }))
        .await;
    answer(meeting_path, "patch", reply.status, &reply.body, "patch");

    let bad = json!({ "agenda": "a".repeat(2001), "settings": { "jbh_time": 7 } });
    let reply = http.json("POST", &create_url, &token, &bad).await;
    assert_eq!(reply.json()["code"], 300);
    answer(
        create_path,
        "post",
        reply.status,
        &reply.body,
        "create validation",
    );
    let reply = http.json("PATCH", &url, &token, &bad).await;
    assert_eq!(reply.json()["code"], 300);
    answer(
        meeting_path,
        "patch",
        reply.status,
        &reply.body,
        "patch validation",
    );

    let account = emu.demo().zoom_account_id.clone();
    emu.set_zoom_scopes(&account, &["user:read:admin"]).unwrap();
    let unscoped = zoom_token(&http, &emu).await;
    for (path, method, reply) in [
        (
            create_path,
            "post",
            http.json("POST", &create_url, &unscoped, &json!({})).await,
        ),
        (meeting_path, "get", http.get(&url, &unscoped).await),
        (
            meeting_path,
            "patch",
            http.json("PATCH", &url, &unscoped, &json!({})).await,
        ),
        (meeting_path, "delete", http.delete(&url, &unscoped).await),
    ] {
        assert_eq!(reply.json()["code"], 4711, "{method}");
        answer(path, method, reply.status, &reply.body, "missing scope");
    }

    let reply = http.delete(&url, &token).await;
    answer(meeting_path, "delete", reply.status, &reply.body, "delete");
    for (method, reply) in [
        ("get", http.get(&url, &token).await),
        ("patch", http.json("PATCH", &url, &token, &json!({})).await),
        ("delete", http.delete(&url, &token).await),
    ] {
        assert_eq!(reply.json()["code"], 3001, "{method}");
        answer(meeting_path, method, reply.status, &reply.body, "gone");
    }
    let statuses: Vec<u16> = seen.iter().map(|(_, s, _)| *s).collect();
    assert_eq!(
        statuses,
        [201, 200, 204, 400, 400, 400, 400, 400, 400, 204, 404, 404, 404],
        "{seen:?}"
    );
}

/// A request-body schema as the emulator vendors it: the spec's, without prose (`description`,
/// `example`, `examples` keywords; a property that happens to bear one of those names stays).
fn without_prose(value: &Value, in_properties: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| {
                    in_properties || !matches!(k.as_str(), "description" | "example" | "examples")
                })
                .map(|(k, v)| {
                    (
                        k.clone(),
                        without_prose(v, !in_properties && k == "properties"),
                    )
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| without_prose(v, false)).collect())
        }
        other => other.clone(),
    }
}

/// The emulator validates create and update bodies against `src/zoom/request_schemas.json`; it
/// must be the spec's request schemas. `MEETSCHEDIFY_BLESS=1` rewrites it from the spec.
#[test]
fn the_vendored_request_schemas_are_the_specs() {
    let spec = load("zoom-meeting-openapi.json");
    let body = |path: &str, method: &str| {
        without_prose(
            &spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"],
            false,
        )
    };
    let expected = json!({
        "create": body("/users/{userId}/meetings", "post"),
        "update": body("/meetings/{meetingId}", "patch"),
    });
    let path = format!(
        "{}/src/zoom/request_schemas.json",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("MEETSCHEDIFY_BLESS").is_some() {
        let text = serde_json::to_string_pretty(&expected).unwrap() + "\n";
        std::fs::write(&path, text).unwrap();
    }
    let vendored: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(expected["create"]["properties"]["settings"].is_object());
    assert!(
        vendored == expected,
        "{path} differs from the spec's request schemas: run this test with MEETSCHEDIFY_BLESS=1"
    );
}

#[tokio::test]
async fn event_bodies_match_the_discovery_document() {
    let discovery = load("google-calendar-v3-discovery.json");
    let dialect = Dialect::Discovery { root: &discovery };
    let event_schema = json!({ "$ref": "Event" });
    let events_schema = json!({ "$ref": "Events" });

    let emu = Emulator::builder()
        .with_conference_pending_reads(1)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let token = google_token(&http, &emu).await;
    let url = events_url(&emu, "primary");
    let mut rich = with_meet(event_body("rich"), "req-schema");
    rich["description"] = json!("d");
    rich["location"] = json!("Room 1");
    rich["attendees"] =
        json!([{ "email": "a@example.com", "optional": true }, { "email": "b@example.com" }]);
    rich["extendedProperties"] = json!({ "private": { "k": "v" }, "shared": { "s": "t" } });
    rich["reminders"] =
        json!({ "useDefault": false, "overrides": [{ "method": "email", "minutes": 10 }] });
    let all_day = json!({ "summary": "day", "start": { "date": "2030-02-01" }, "end": { "date": "2030-02-02" } });
    let mut emitted = Vec::new();
    for body in [&rich, &all_day, &event_body("plain")] {
        let reply = http
            .json(
                "POST",
                &format!("{url}?conferenceDataVersion=1"),
                &token,
                body,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let event = reply.json();
        let id = event["id"].as_str().unwrap().to_owned();
        emitted.push(event);
        // Pending, then success (with entry points), then patched, then a tombstone.
        for _ in 0..2 {
            emitted.push(http.get(&format!("{url}/{id}"), &token).await.json());
        }
        emitted.push(
            http.json(
                "PATCH",
                &format!("{url}/{id}"),
                &token,
                &json!({ "summary": "p" }),
            )
            .await
            .json(),
        );
        assert_eq!(
            http.delete(&format!("{url}/{id}"), &token).await.status,
            204
        );
        emitted.push(http.get(&format!("{url}/{id}"), &token).await.json());
    }
    assert!(
        emitted.iter().any(|e| e["hangoutLink"].is_string()),
        "a success conference was checked"
    );
    assert!(emitted
        .iter()
        .any(|e| e["conferenceData"]["createRequest"]["status"]["statusCode"] == "pending"));
    for event in &emitted {
        assert_conforms(dialect, &event_schema, event, "event");
    }
    let list = http
        .get(&format!("{url}?showDeleted=true&maxResults=2"), &token)
        .await
        .json();
    assert_conforms(dialect, &events_schema, &list, "events list");
}
