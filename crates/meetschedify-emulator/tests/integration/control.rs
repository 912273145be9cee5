//! The control API (`/_emulator`, emulator-only) and the handle methods that mirror it.

use std::time::Duration;

use crate::common::{basic, event_body, events_url, zoom_token, Http};
use meetschedify_emulator::{Emulator, FaultAction, FaultRule, GoogleClient, ZoomAccount};
use serde_json::json;

#[tokio::test]
async fn recorded_requests_redact_secrets() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    http.json(
        "POST",
        &format!("{}/users/me/meetings", emu.zoom_api_base()),
        &token,
        &json!({ "topic": "recorded", "password": "s3cret" }),
    )
    .await;
    let requests = emu.requests();
    assert_eq!(requests.len(), 2);
    let token_call = &requests[0];
    assert_eq!(
        (token_call.method.as_str(), token_call.path.as_str()),
        ("POST", "/oauth/token")
    );
    assert_eq!(token_call.header("authorization"), Some("Basic [redacted]"));
    assert!(token_call.body.contains("grant_type=account_credentials"));
    assert_eq!(token_call.status, Some(200));
    let create = &requests[1];
    assert_eq!(create.header("authorization"), Some("Bearer [redacted]"));
    assert!(create.body.contains("recorded") && !create.body.contains("s3cret"));
    assert_eq!(create.status, Some(201));
    let everything = format!("{requests:?}");
    assert!(!everything.contains(&token));
    assert!(!everything.contains(&emu.demo().zoom_client_secret));
    emu.clear_requests();
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn reset_returns_to_the_initial_state() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    http.json(
        "POST",
        &format!("{}/users/me/meetings", emu.zoom_api_base()),
        &token,
        &json!({ "topic": "gone after reset" }),
    )
    .await;
    emu.advance_clock(Duration::from_secs(60));
    emu.inject_fault(FaultRule::once("GET", "*", FaultAction::ResetBefore));
    emu.reset();
    let state = emu.state();
    assert!(state.zoom.meetings_by_host.is_empty());
    assert!(state.faults.is_empty());
    assert_eq!(state.clock_offset_secs, 0);
    assert_eq!(state.zoom.token_requests, 0);
    assert!(emu.requests().is_empty());
    // Tokens from before the reset are gone, demo credentials still work.
    let url = format!("{}/users/me/meetings", emu.zoom_api_base());
    assert_eq!(http.get(&url, &token).await.status, 401);
    let fresh = zoom_token(&http, &emu).await;
    assert_eq!(http.get(&url, &fresh).await.status, 200);
}

#[tokio::test]
async fn registered_credentials_and_users_work_on_the_wire() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    emu.register_zoom_account(ZoomAccount {
        account_id: "acct2".into(),
        client_id: "cid2".into(),
        client_secret: "sec2".into(),
    });
    let owner = emu.add_zoom_user("acct2", "owner2@example.com").unwrap();
    let reply = http
        .form(
            &format!("{}/oauth/token", emu.zoom_oauth_base()),
            &[("authorization", &basic("cid2", "sec2"))],
            &[
                ("grant_type", "account_credentials"),
                ("account_id", "acct2"),
            ],
        )
        .await;
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    let created = http
        .json(
            "POST",
            &format!("{}/users/me/meetings", emu.zoom_api_base()),
            &token,
            &json!({ "topic": "acct2" }),
        )
        .await
        .json();
    assert_eq!(created["host_id"], owner.id);
    // Account isolation: the demo account's host is not a user of acct2.
    let other = http
        .json(
            "POST",
            &format!(
                "{}/users/{}/meetings",
                emu.zoom_api_base(),
                emu.demo().zoom_host_email
            ),
            &token,
            &json!({ "topic": "x" }),
        )
        .await;
    assert_eq!(other.status, 404);
    assert!(emu.add_zoom_user("nope", "x@example.com").is_err());

    emu.register_google_client(GoogleClient {
        client_id: "g2".into(),
        client_secret: "gs2".into(),
        redirect_uris: vec!["http://localhost/cb".into()],
    });
    emu.add_google_user("g2user@example.com");
    let refresh = emu
        .issue_google_refresh_token(
            "g2",
            "g2user@example.com",
            &["https://www.googleapis.com/auth/calendar"],
        )
        .unwrap();
    let reply = http
        .form(
            &format!("{}/token", emu.google_oauth_base()),
            &[],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh),
                ("client_id", "g2"),
                ("client_secret", "gs2"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200);
    let access = reply.json()["access_token"].as_str().unwrap().to_owned();
    let event = http
        .json(
            "POST",
            &events_url(&emu, "primary"),
            &access,
            &event_body("mine"),
        )
        .await
        .json();
    assert_eq!(event["organizer"]["email"], "g2user@example.com");
    assert!(emu.revoke_token(&access));
    assert_eq!(
        http.get(&events_url(&emu, "primary"), &access).await.status,
        401
    );
    assert!(!emu.revoke_token(&access), "already revoked");
}

#[tokio::test]
async fn http_control_api_mirrors_the_handle() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let base = emu.control_base();
    let post = |path: &str, body: serde_json::Value| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move {
            http.send(
                "POST",
                &url,
                &[("content-type", "application/json")],
                body.to_string().into_bytes(),
            )
            .await
        }
    };
    // Tokens issued through the control API work on the vendor APIs.
    let zoom = post("/zoom/tokens", json!({})).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = http
        .get(&format!("{}/users/me/meetings", emu.zoom_api_base()), &zoom)
        .await;
    assert_eq!(list.status, 200);
    let google = post("/google/access-tokens", json!({})).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        http.get(&events_url(&emu, "primary"), &google).await.status,
        200
    );
    // Counters, clock, settings, faults, state, requests, revoke, reset.
    let counters = http
        .send("GET", &format!("{base}/counters"), &[], vec![])
        .await
        .json();
    assert_eq!(
        counters,
        json!({ "zoom_token_requests": 0, "google_token_requests": 0, "microsoft_token_requests": 0 })
    );
    let clock = post("/clock/advance", json!({ "seconds": 3600 }))
        .await
        .json();
    assert_eq!(clock["offset_secs"], 3600);
    let settings = post("/settings", json!({ "zoom_daily_limit": 1 }))
        .await
        .json();
    assert_eq!(settings["zoom_daily_limit"], 1);
    assert_eq!(emu.settings().zoom_daily_limit, Some(1));
    let rule = json!({ "method": "GET", "path": "/v2/*", "mode": "sequence",
                       "steps": [{ "kind": "status", "status": 418, "body": "teapot" }] });
    assert_eq!(post("/faults", rule).await.status, 201);
    let zoom = emu
        .issue_zoom_access_token(&emu.demo().zoom_account_id)
        .unwrap();
    let faulted = http
        .get(&format!("{}/users/me/meetings", emu.zoom_api_base()), &zoom)
        .await;
    assert_eq!((faulted.status, faulted.text().as_str()), (418, "teapot"));
    let state = http
        .send("GET", &format!("{base}/state"), &[], vec![])
        .await
        .json();
    assert_eq!(state["clock_offset_secs"], 3600);
    assert_eq!(state["faults"].as_array().unwrap().len(), 1);
    let requests = http
        .send("GET", &format!("{base}/requests"), &[], vec![])
        .await
        .json();
    assert!(requests.as_array().unwrap().len() >= 3);
    assert!(requests
        .as_array()
        .unwrap()
        .iter()
        .all(|r| !r["path"].as_str().unwrap().starts_with("/_emulator")));
    let revoked = post("/tokens/revoke", json!({ "token": zoom }))
        .await
        .json();
    assert_eq!(revoked["revoked"], true);
    assert_eq!(post("/reset", json!({})).await.status, 204);
    assert_eq!(emu.state().clock_offset_secs, 0);
    assert!(emu.state().faults.is_empty());
}

#[tokio::test]
async fn env_exports_point_at_the_emulator() {
    let emu = Emulator::start().await.unwrap();
    let env: std::collections::HashMap<_, _> = emu.env_exports().into_iter().collect();
    let root = emu.base_url();
    assert_eq!(env["MEETSCHEDIFY_ZOOM_API_BASE"], format!("{root}/v2"));
    assert_eq!(env["MEETSCHEDIFY_ZOOM_OAUTH_BASE"], root);
    assert_eq!(env["MEETSCHEDIFY_GOOGLE_API_BASE"], root);
    assert_eq!(env["MEETSCHEDIFY_GOOGLE_OAUTH_BASE"], root);
    assert_eq!(env["MEETSCHEDIFY_GOOGLE_AUTH_BASE"], root);
    assert_eq!(
        env["MEETSCHEDIFY_MICROSOFT_LOGIN_BASE"],
        format!("{root}/login")
    );
    assert_eq!(
        env["MEETSCHEDIFY_GRAPH_API_BASE"],
        format!("{root}/graph/v1.0")
    );
    assert_eq!(
        env["MICROSOFT_TEAMS_ORGANIZER"],
        emu.demo().microsoft_organizer_id
    );
    for name in [
        "ZOOM_ACCOUNT_ID",
        "ZOOM_CLIENT_ID",
        "ZOOM_CLIENT_SECRET",
        "GOOGLE_CLIENT_ID",
        "GOOGLE_CLIENT_SECRET",
        "GOOGLE_REDIRECT_URI",
        "GOOGLE_REFRESH_TOKEN",
        "MICROSOFT_TENANT_ID",
        "MICROSOFT_CLIENT_ID",
        "MICROSOFT_CLIENT_SECRET",
        "MICROSOFT_REDIRECT_URI",
    ] {
        assert!(!env[name].is_empty(), "{name}");
    }
    assert!(emu.env_script().lines().all(|l| l.starts_with("export ")));
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let emu = Emulator::start().await.unwrap();
    let addr = emu.addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    emu.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());

    let emu = Emulator::start().await.unwrap();
    let addr = emu.addr();
    drop(emu);
    // The accept loop notices the drop on its next poll.
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "server still accepting after drop");
}

#[tokio::test]
async fn recording_can_be_switched_off_but_token_calls_still_count() {
    let emu = Emulator::start().await.unwrap();
    emu.update_settings(|s| s.record_requests = false);
    let http = Http::default();
    zoom_token(&http, &emu).await;
    assert!(emu.requests().is_empty());
    assert_eq!(emu.zoom_token_requests(), 1);
    emu.update_settings(|s| s.record_requests = true);
    zoom_token(&http, &emu).await;
    assert_eq!(emu.requests().len(), 1);
}
