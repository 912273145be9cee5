//! Zoom app scopes: tokens carry the app's scopes of the moment they are issued, and every
//! Meetings endpoint refuses a token without one of the scopes the spec lists for it (400 code
//! 4711, <https://developers.zoom.us/docs/integrations/oauth-error-messages/>). The lists are read
//! from the vendored spec here, not from the emulator.

use crate::common::{zoom_token, Http};
use meetschedify_emulator::{Emulator, EmulatorHandle, DEFAULT_ZOOM_SCOPES};
use serde_json::{json, Value};

fn spec() -> Value {
    let path = format!(
        "{}/tests/specs/zoom-meeting-openapi.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The `openapi_oauth` scopes the spec documents for an operation.
fn spec_scopes(spec: &Value, path: &str, method: &str) -> Vec<String> {
    let security = spec["paths"][path][method]["security"].as_array().unwrap();
    let scopes: Vec<String> = security
        .iter()
        .filter_map(|s| s["openapi_oauth"].as_array())
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    assert!(!scopes.is_empty(), "{method} {path} documents no scopes");
    scopes
}

/// The five Meetings operations: spec path, method, and a request the emulator would accept.
const OPERATIONS: [(&str, &str); 5] = [
    ("/users/{userId}/meetings", "post"),
    ("/users/{userId}/meetings", "get"),
    ("/meetings/{meetingId}", "get"),
    ("/meetings/{meetingId}", "patch"),
    ("/meetings/{meetingId}", "delete"),
];

/// Calls one operation with `token` on a meeting made with `admin`, a token issued while the app
/// had every scope; returns status and body.
async fn call(
    http: &Http,
    emu: &EmulatorHandle,
    (admin, token): (&str, &str),
    path: &str,
    method: &str,
) -> (u16, String) {
    let base = emu.zoom_api_base();
    let create_url = format!("{base}/users/me/meetings");
    let made = http
        .json("POST", &create_url, admin, &json!({ "topic": "t" }))
        .await
        .json();
    let meeting_url = format!("{base}/meetings/{}", made["id"]);
    let reply = match (path, method) {
        ("/users/{userId}/meetings", "post") => {
            http.json("POST", &create_url, token, &json!({})).await
        }
        ("/users/{userId}/meetings", "get") => http.get(&create_url, token).await,
        (_, "get") => http.get(&meeting_url, token).await,
        (_, "patch") => {
            http.json("PATCH", &meeting_url, token, &json!({ "topic": "u" }))
                .await
        }
        (_, "delete") => http.delete(&meeting_url, token).await,
        _ => unreachable!(),
    };
    (reply.status, reply.text())
}

#[tokio::test]
async fn the_default_app_has_the_scopes_a_correct_app_has() {
    let emu = Emulator::start().await.unwrap();
    let account = emu.demo().zoom_account_id.clone();
    assert_eq!(emu.zoom_scopes(&account).unwrap(), DEFAULT_ZOOM_SCOPES);
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    let spec = spec();
    for (path, method) in OPERATIONS {
        let (status, body) = call(&http, &emu, (&token, &token), path, method).await;
        assert!(status < 300, "{method} {path}: {status} {body}");
        let needed = spec_scopes(&spec, path, method);
        assert!(
            DEFAULT_ZOOM_SCOPES
                .iter()
                .any(|s| needed.iter().any(|n| n == s)),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn each_endpoint_takes_any_one_of_its_spec_scopes_and_refuses_the_others_with_4711() {
    let spec = spec();
    let emu = Emulator::start().await.unwrap();
    let account = emu.demo().zoom_account_id.clone();
    let http = Http::default();
    let admin = zoom_token(&http, &emu).await;
    // Every scope any of the five operations lists, to build "all but these" sets from.
    let mut all: Vec<String> = OPERATIONS
        .iter()
        .flat_map(|(p, m)| spec_scopes(&spec, p, m))
        .collect();
    all.sort();
    all.dedup();
    for (path, method) in OPERATIONS {
        let needed = spec_scopes(&spec, path, method);
        for scope in &needed {
            emu.set_zoom_scopes(&account, &[scope.as_str()]).unwrap();
            let token = zoom_token(&http, &emu).await;
            let (status, body) = call(&http, &emu, (&admin, &token), path, method).await;
            assert!(
                status < 300,
                "{method} {path} with {scope}: {status} {body}"
            );
        }
        let others: Vec<&str> = all
            .iter()
            .filter(|s| !needed.contains(s))
            .map(String::as_str)
            .chain(["user:read:admin"])
            .collect();
        emu.set_zoom_scopes(&account, &others).unwrap();
        let token = zoom_token(&http, &emu).await;
        let (status, body) = call(&http, &emu, (&admin, &token), path, method).await;
        assert_eq!(status, 400, "{method} {path} with {others:?}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["code"], 4711, "{body}");
        let admin: Vec<&String> = needed.iter().filter(|s| s.ends_with(":admin")).collect();
        assert_eq!(
            body["message"],
            format!(
                "Invalid access token, does not contain scopes:[{}].",
                admin
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            )
        );
    }
}

#[tokio::test]
async fn a_token_keeps_the_scopes_it_was_issued_with() {
    let emu = Emulator::start().await.unwrap();
    let account = emu.demo().zoom_account_id.clone();
    let http = Http::default();
    let create_url = format!("{}/users/me/meetings", emu.zoom_api_base());
    emu.set_zoom_scopes(&account, &["meeting:read:admin user:read:admin"])
        .unwrap();
    let before = zoom_token(&http, &emu).await;
    let issued = emu.issue_zoom_access_token(&account).unwrap();
    for token in [&before, &issued] {
        let reply = http.json("POST", &create_url, token, &json!({})).await;
        assert_eq!(reply.status, 400, "{}", reply.text());
        assert_eq!(
            reply.json(),
            json!({ "code": 4711, "message": "Invalid access token, does not contain scopes:[meeting:write:admin]." })
        );
        assert_eq!(reply.header("x-zm-trackingid"), Some("emulator"));
    }
    emu.set_zoom_scopes(&account, &["meeting:read:admin", "meeting:write:admin"])
        .unwrap();
    // Adding the scope to the app does not change a token already issued...
    let reply = http.json("POST", &create_url, &before, &json!({})).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["code"], 4711);
    // ...only tokens issued after, which the token answer says.
    let after = zoom_token(&http, &emu).await;
    let reply = http.json("POST", &create_url, &after, &json!({})).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    // A read-only token still reads; the scope check does not touch what it allows.
    assert_eq!(http.get(&create_url, &before).await.status, 200);
}

#[tokio::test]
async fn the_token_answer_carries_the_apps_scopes_and_a_bad_token_is_still_124() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let account = emu.demo().zoom_account_id.clone();
    emu.set_zoom_scopes(&account, &["meeting:read"]).unwrap();
    let demo = emu.demo();
    let reply = http
        .form(
            &format!("{}/oauth/token", emu.zoom_oauth_base()),
            &[(
                "authorization",
                &crate::common::basic(&demo.zoom_client_id, &demo.zoom_client_secret),
            )],
            &[
                ("grant_type", "account_credentials"),
                ("account_id", &demo.zoom_account_id),
            ],
        )
        .await;
    assert_eq!(reply.json()["scope"], "meeting:read");
    // The token check comes before the scope check.
    let url = format!("{}/users/me/meetings", emu.zoom_api_base());
    let reply = http.json("POST", &url, "not-a-token", &json!({})).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["code"], 124);
    assert!(emu.set_zoom_scopes("nobody", &["meeting:read"]).is_err());
    emu.reset();
    assert_eq!(emu.zoom_scopes(&account).unwrap(), DEFAULT_ZOOM_SCOPES);
}

#[tokio::test]
async fn scopes_are_set_and_read_through_the_control_api() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let url = format!("{}/zoom/scopes", emu.control_base());
    let json_headers = [("content-type", "application/json")];
    let reply = http
        .send(
            "POST",
            &url,
            &json_headers,
            json!({ "scopes": ["meeting:read:admin user:read:admin"] })
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let account = emu.demo().zoom_account_id.clone();
    assert_eq!(
        reply.json(),
        json!({ "account_id": account, "scopes": ["meeting:read:admin", "user:read:admin"] })
    );
    assert_eq!(
        emu.zoom_scopes(&account).unwrap(),
        ["meeting:read:admin", "user:read:admin"]
    );
    let read = http.send("GET", &url, &[], vec![]).await;
    assert_eq!(
        read.json()["scopes"],
        json!(["meeting:read:admin", "user:read:admin"])
    );
    let token = zoom_token(&http, &emu).await;
    let create = format!("{}/users/me/meetings", emu.zoom_api_base());
    assert_eq!(
        http.json("POST", &create, &token, &json!({})).await.json()["code"],
        4711
    );
    let unknown = http
        .send(
            "POST",
            &url,
            &json_headers,
            json!({ "account_id": "nobody", "scopes": [] })
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(unknown.status, 404);
}
