//! Throttling and failures of Graph and of the identity platform, through the fault rules
//! (reference §4.2, §5.6).

use meetschedify_emulator::{Emulator, FaultAction, FaultRule};
use serde_json::json;

use crate::common::Http;
use crate::microsoft_identity::{app_token, token_url};

#[tokio::test]
async fn graph_answers_429_503_and_504_as_asked() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let url = format!(
        "{}/users/{}/events",
        emu.graph_api_base(),
        emu.demo().microsoft_organizer_id
    );
    emu.inject_fault(FaultRule::sequence(
        "POST",
        "/graph/v1.0/users/*/events",
        vec![
            Some(FaultAction::graph_too_many_requests("10")),
            Some(FaultAction::graph_too_many_requests("2.128")),
            Some(FaultAction::graph_unavailable(Some("3"))),
            Some(FaultAction::graph_unavailable(None)),
            Some(FaultAction::graph_gateway_timeout()),
            None,
        ],
    ));
    let body = json!({
        "subject": "retry me",
        "start": {"dateTime": "2030-01-15T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2030-01-15T10:30:00", "timeZone": "UTC"},
    });
    let mut seen = Vec::new();
    for _ in 0..6 {
        let reply = http.json("POST", &url, &token, &body).await;
        seen.push((reply.status, reply.header("retry-after").map(str::to_owned)));
        if reply.status == 429 {
            assert_eq!(reply.json()["error"]["code"], "TooManyRequests");
        }
    }
    assert_eq!(
        seen,
        vec![
            (429, Some("10".to_owned())),
            (429, Some("2.128".to_owned())),
            (503, Some("3".to_owned())),
            (503, None),
            (504, None),
            (201, None),
        ]
    );
    // Only the last one created an event.
    let listed = http.get(&url, &token).await.json();
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_identity_endpoint_can_fail_and_is_counted() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    emu.inject_fault(FaultRule::once(
        "POST",
        "/login/*/oauth2/v2.0/token",
        FaultAction::microsoft_identity_unavailable(),
    ));
    let demo = emu.demo();
    let reply = http
        .form(
            &token_url(&emu),
            &[],
            &[
                ("client_id", demo.microsoft_client_id.as_str()),
                ("client_secret", demo.microsoft_client_secret.as_str()),
                ("scope", "https://graph.microsoft.com/.default"),
                ("grant_type", "client_credentials"),
            ],
        )
        .await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.json()["error"], "temporarily_unavailable");
    app_token(&http, &emu).await;
    assert_eq!(emu.microsoft_token_requests(), 2);
    assert_eq!(emu.state().microsoft.token_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_mailbox_takes_four_concurrent_requests_when_the_limit_is_on() {
    let emu = Emulator::builder().start().await.unwrap();
    emu.update_settings(|s| s.microsoft_mailbox_concurrency = Some(4));
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let url = format!(
        "{}/users/{}/events",
        emu.graph_api_base(),
        emu.demo().microsoft_organizer_upn
    );
    emu.inject_fault(FaultRule::probability(
        Some("GET"),
        "/graph/v1.0/users/*/events",
        1.0,
        FaultAction::latency(std::time::Duration::from_millis(800)),
    ));
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let (http, url, token) = (http.clone(), url.clone(), token.clone());
            tokio::spawn(async move { http.get(&url, &token).await })
        })
        .collect();
    let mut statuses = Vec::new();
    for call in calls {
        let reply = call.await.unwrap();
        if reply.status == 429 {
            assert_eq!(reply.header("retry-after"), Some("1"));
            assert_eq!(reply.json()["error"]["code"], "TooManyRequests");
        }
        statuses.push(reply.status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 200, 200, 200, 429, 429]);
    // The slots are given back.
    emu.clear_faults();
    assert_eq!(http.get(&url, &token).await.status, 200);
}
