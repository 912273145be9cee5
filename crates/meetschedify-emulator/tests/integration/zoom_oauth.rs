//! Conformance: Zoom Server-to-Server OAuth (`POST /oauth/token`), driven with raw HTTP.

use std::time::Duration;

use crate::common::{basic, zoom_token, Http};
use meetschedify_emulator::Emulator;

#[tokio::test]
async fn account_credentials_grant_returns_zooms_token_body() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let reply = http
        .form(
            &format!("{}/oauth/token", emu.zoom_oauth_base()),
            &[(
                "authorization",
                &basic(&demo.zoom_client_id, &demo.zoom_client_secret),
            )],
            &[
                ("grant_type", "account_credentials"),
                ("account_id", &demo.zoom_account_id),
            ],
        )
        .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3599);
    assert!(body["scope"]
        .as_str()
        .unwrap()
        .contains("meeting:write:admin"));
    assert_eq!(body["api_url"], emu.base_url());
    assert!(body["access_token"].as_str().unwrap().starts_with("eyJ"));
    assert!(
        body.get("refresh_token").is_none(),
        "S2S has no refresh token"
    );
    assert_eq!(emu.zoom_token_requests(), 1);
}

#[tokio::test]
async fn bad_client_credentials_are_400_invalid_client() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let url = format!("{}/oauth/token", emu.zoom_oauth_base());
    let form = [
        ("grant_type", "account_credentials"),
        ("account_id", demo.zoom_account_id.as_str()),
    ];
    for headers in [
        vec![("authorization", basic(&demo.zoom_client_id, "wrong"))],
        vec![("authorization", basic("nobody", &demo.zoom_client_secret))],
        vec![],
    ] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = http.form(&url, &headers, &form).await;
        assert_eq!(reply.status, 400);
        assert_eq!(
            reply.json(),
            serde_json::json!({"reason":"Invalid client_id or client_secret","error":"invalid_client"})
        );
    }
    assert_eq!(emu.zoom_token_requests(), 3);
}

#[tokio::test]
async fn other_grants_json_bodies_and_query_params_are_unsupported_grant_type() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let auth = basic(&demo.zoom_client_id, &demo.zoom_client_secret);
    let url = format!("{}/oauth/token", emu.zoom_oauth_base());
    let expected =
        serde_json::json!({"reason":"unsupported grant type","error":"unsupported_grant_type"});
    let reply = http
        .form(
            &url,
            &[("authorization", &auth)],
            &[("grant_type", "client_credentials")],
        )
        .await;
    assert_eq!((reply.status, reply.json()), (400, expected.clone()));
    let json =
        serde_json::json!({"grant_type":"account_credentials","account_id":demo.zoom_account_id});
    let reply = http
        .send(
            "POST",
            &url,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            json.to_string().into_bytes(),
        )
        .await;
    assert_eq!((reply.status, reply.json()), (400, expected.clone()));
    let query_only = format!(
        "{url}?grant_type=account_credentials&account_id={}",
        demo.zoom_account_id
    );
    let reply = http
        .send("POST", &query_only, &[("authorization", &auth)], vec![])
        .await;
    assert_eq!((reply.status, reply.json()), (400, expected));
}

#[tokio::test]
async fn wrong_account_id_is_rejected() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let reply = http
        .form(
            &format!("{}/oauth/token", emu.zoom_oauth_base()),
            &[(
                "authorization",
                &basic(&demo.zoom_client_id, &demo.zoom_client_secret),
            )],
            &[
                ("grant_type", "account_credentials"),
                ("account_id", "someone-else"),
            ],
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_request");
}

#[tokio::test]
async fn several_tokens_are_valid_at_once_until_they_expire() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let first = zoom_token(&http, &emu).await;
    let second = zoom_token(&http, &emu).await;
    assert_ne!(first, second);
    let url = format!("{}/users/me/meetings", emu.zoom_api_base());
    for token in [&first, &second] {
        assert_eq!(http.get(&url, token).await.status, 200);
    }
    emu.advance_clock(Duration::from_secs(3598));
    assert_eq!(http.get(&url, &first).await.status, 200);
    emu.advance_clock(Duration::from_secs(2));
    let reply = http.get(&url, &first).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json(),
        serde_json::json!({"code":124,"message":"Access token is expired."})
    );
    let reply = http.get(&url, "not-a-token").await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.json(),
        serde_json::json!({"code":124,"message":"Invalid access token."})
    );
    let reply = http.send("GET", &url, &[], vec![]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["code"], 124);
}

#[tokio::test]
async fn legacy_single_token_mode_invalidates_older_tokens() {
    let emu = Emulator::builder()
        .with_zoom_single_token(true)
        .start()
        .await
        .unwrap();
    let http = Http::default();
    let first = zoom_token(&http, &emu).await;
    let second = zoom_token(&http, &emu).await;
    let url = format!("{}/users/me/meetings", emu.zoom_api_base());
    let reply = http.get(&url, &first).await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["code"], 124);
    assert_eq!(http.get(&url, &second).await.status, 200);
}
