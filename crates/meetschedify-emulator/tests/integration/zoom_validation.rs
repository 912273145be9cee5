//! Conformance: create and update bodies are checked field by field against the spec's request
//! schemas and prose rules, answering Zoom's `300 Validation Failed.` with one entry per bad
//! field; fields Zoom does not know are ignored.

use crate::common::{zoom_token, Http};
use meetschedify_emulator::Emulator;
use serde_json::{json, Value};

fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors[] in {body}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// Each bad body names exactly its field, on create and on update alike.
#[tokio::test]
async fn each_bad_field_is_refused_by_name_on_create_and_update() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    let create = format!("{}/users/me/meetings", emu.zoom_api_base());
    let made = http
        .json("POST", &create, &token, &json!({ "topic": "keep" }))
        .await;
    assert_eq!(made.status, 201);
    let meeting = format!("{}/meetings/{}", emu.zoom_api_base(), made.json()["id"]);
    let cases = [
        (json!({ "agenda": "a".repeat(2001) }), "agenda"),
        (json!({ "topic": "t".repeat(201) }), "topic"),
        (json!({ "password": "12345678901" }), "password"),
        (json!({ "type": "2" }), "type"),
        (json!({ "duration": 1.5 }), "duration"),
        (json!({ "pre_schedule": "no" }), "pre_schedule"),
        (
            json!({ "settings": { "jbh_time": 7 } }),
            "settings.jbh_time",
        ),
        (
            json!({ "settings": { "approval_type": 3 } }),
            "settings.approval_type",
        ),
        (
            json!({ "settings": { "waiting_room": 1 } }),
            "settings.waiting_room",
        ),
        (
            json!({ "settings": { "meeting_invitees": [{ "email": "a@example.com" }, { "email": "not an email" }] } }),
            "settings.meeting_invitees[1].email",
        ),
        (
            json!({ "settings": { "alternative_hosts": "a@example.com,b@example.com" } }),
            "settings.alternative_hosts",
        ),
        (
            json!({ "settings": { "continuous_meeting_chat": { "enable": "yes" } } }),
            "settings.continuous_meeting_chat.enable",
        ),
        (
            json!({ "recurrence": { "type": 1, "end_times": 61 } }),
            "recurrence.end_times",
        ),
        (
            json!({ "recurrence": { "repeat_interval": 2 } }),
            "recurrence.type",
        ),
    ];
    for (bad, field) in &cases {
        for (method, url) in [("POST", &create), ("PATCH", &meeting)] {
            let reply = http.json(method, url, &token, bad).await;
            assert_eq!(reply.status, 400, "{method} {bad}: {}", reply.text());
            let body = reply.json();
            assert_eq!(body["code"], 300, "{body}");
            assert_eq!(body["message"], "Validation Failed.");
            assert_eq!(fields(&body), [*field], "{method} {bad}");
        }
    }
    // Nothing was created or changed by the refused requests.
    let state = emu.state();
    let meetings: usize = state.zoom.meetings_by_host.values().map(Vec::len).sum();
    assert_eq!(meetings, 1);
    let got = http.get(&meeting, &token).await.json();
    assert_eq!(got["topic"], "keep");
    assert!(got
        .get("agenda")
        .is_none_or(|a| a != &json!("a".repeat(2001))));
}

#[tokio::test]
async fn the_limits_themselves_and_unknown_fields_are_accepted() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    let create = format!("{}/users/me/meetings", emu.zoom_api_base());
    // What meetschedify sends, at every limit, plus fields Zoom does not document.
    let body = json!({
        "topic": "t".repeat(200), "type": 2, "start_time": "2030-01-01T09:00:00Z",
        "timezone": "Europe/Paris", "duration": 30, "agenda": "a".repeat(2000), "password": "abc@_-*123",
        "settings": {
            "jbh_time": 10, "join_before_host": true, "waiting_room": false, "audio": "thirdParty",
            "meeting_invitees": [{ "email": "a@example.com" }, { "email": "b@example.org" }],
            "alternative_hosts": "c@example.com;d@example.com", "no_such_setting": { "x": 1 }
        },
        "no_such_field": [1, 2]
    });
    let reply = http.json("POST", &create, &token, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let created = reply.json();
    assert_eq!(created["agenda"].as_str().unwrap().chars().count(), 2000);
    let meeting = format!("{}/meetings/{}", emu.zoom_api_base(), created["id"]);
    let patch =
        json!({ "agenda": "é".repeat(2000), "settings": { "jbh_time": 0 }, "unknown": true });
    let reply = http.json("PATCH", &meeting, &token, &patch).await;
    assert_eq!(reply.status, 204, "{}", reply.text());
}

#[tokio::test]
async fn several_bad_fields_are_all_named() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    let create = format!("{}/users/me/meetings", emu.zoom_api_base());
    let bad = json!({
        "agenda": "a".repeat(2001),
        "settings": { "jbh_time": 3, "meeting_invitees": [{ "email": 5 }] }
    });
    let reply = http.json("POST", &create, &token, &bad).await;
    let mut named = fields(&reply.json());
    named.sort();
    assert_eq!(
        named,
        [
            "agenda",
            "settings.jbh_time",
            "settings.meeting_invitees[0].email"
        ]
    );
}
