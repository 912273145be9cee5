//! Fault injection, seen from a client: statuses, latency, late answers and late processing, resets
//! before and after processing, non-JSON bodies, sequences and seeded probabilities.

use std::time::{Duration, Instant};

use crate::common::{event_body, events_url, google_token, zoom_token, Http};
use meetschedify_emulator::{Emulator, EmulatorHandle, FaultAction, FaultRule};
use serde_json::json;

fn create_url(emu: &EmulatorHandle) -> String {
    format!("{}/users/me/meetings", emu.zoom_api_base())
}

fn meeting() -> serde_json::Value {
    json!({ "topic": "t", "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 30 })
}

fn meeting_count(emu: &EmulatorHandle) -> usize {
    emu.state()
        .zoom
        .meetings_by_host
        .values()
        .map(Vec::len)
        .sum()
}

#[tokio::test]
async fn status_faults_answer_with_body_and_headers() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    emu.inject_fault(FaultRule::sequence(
        "POST",
        "/v2/users/*/meetings",
        vec![
            Some(FaultAction::unavailable()),
            Some(FaultAction::too_many_requests(7)),
            None,
        ],
    ));
    let first = http
        .json("POST", &create_url(&emu), &token, &meeting())
        .await;
    assert_eq!(first.status, 503);
    let second = http
        .json("POST", &create_url(&emu), &token, &meeting())
        .await;
    assert_eq!(second.status, 429);
    assert_eq!(second.header("retry-after"), Some("7"));
    let third = http
        .json("POST", &create_url(&emu), &token, &meeting())
        .await;
    assert_eq!(third.status, 201);
    assert_eq!(meeting_count(&emu), 1, "faulted requests had no effect");
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = google_token(&http, &emu).await;
    emu.inject_fault(FaultRule::once(
        "GET",
        "/calendar/v3/*",
        FaultAction::latency(Duration::from_millis(150)),
    ));
    let started = Instant::now();
    let reply = http.get(&events_url(&emu, "primary"), &token).await;
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn reset_before_processing_drops_the_connection_and_changes_nothing() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = zoom_token(&http, &emu).await;
    emu.inject_fault(FaultRule::once(
        "POST",
        "/v2/users/*/meetings",
        FaultAction::ResetBefore,
    ));
    let body = meeting().to_string().into_bytes();
    let auth = format!("Bearer {token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let result = http
        .try_send("POST", &create_url(&emu), &headers, body)
        .await;
    assert!(
        result
            .as_ref()
            .is_err_and(|e| e.contains("ConnectionReset")),
        "expected a connection reset, got {result:?}"
    );
    assert_eq!(meeting_count(&emu), 0);
    let recorded = emu.requests();
    assert_eq!(recorded.last().unwrap().status, None, "no answer was sent");
}

#[tokio::test]
async fn reset_after_processing_drops_the_connection_but_the_request_took_effect() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = google_token(&http, &emu).await;
    emu.inject_fault(FaultRule::once(
        "POST",
        "/calendar/v3/*",
        FaultAction::ResetAfter,
    ));
    let mut body = event_body("ambiguous");
    body["id"] = json!("ambiguous0001");
    let auth = format!("Bearer {token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let url = events_url(&emu, "primary");
    let result = http
        .try_send("POST", &url, &headers, body.to_string().into_bytes())
        .await;
    assert!(
        result
            .as_ref()
            .is_err_and(|e| e.contains("ConnectionReset")),
        "expected a connection reset, got {result:?}"
    );
    // The event exists: a blind retry with the same id now gets 409.
    let retry = http.json("POST", &url, &token, &body).await;
    assert_eq!(retry.status, 409);
}

/// Sends one Zoom create and gives up after `patience`, as a client with that timeout would
/// (dropping the request closes its connection). Returns whether an answer came in time.
async fn create_giving_up_after(emu: &EmulatorHandle, patience: Duration) -> bool {
    let http = Http::default();
    let token = zoom_token(&http, emu).await;
    let auth = format!("Bearer {token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let body = meeting().to_string().into_bytes();
    tokio::time::timeout(
        patience,
        http.try_send("POST", &create_url(emu), &headers, body),
    )
    .await
    .is_ok()
}

/// Waits up to five seconds for `n` meetings to exist.
async fn eventually_meetings(emu: &EmulatorHandle, n: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if meeting_count(emu) == n {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn a_client_that_gives_up_during_latency_leaves_nothing_behind() {
    let emu = Emulator::start().await.unwrap();
    emu.inject_fault(FaultRule::once(
        "POST",
        "/v2/users/*/meetings",
        FaultAction::latency(Duration::from_millis(300)),
    ));
    assert!(!create_giving_up_after(&emu, Duration::from_millis(50)).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        meeting_count(&emu),
        0,
        "the request was dropped unprocessed"
    );
}

#[tokio::test]
async fn a_slow_answer_leaves_a_change_the_client_was_not_told_about() {
    let emu = Emulator::start().await.unwrap();
    emu.inject_fault(FaultRule::once(
        "POST",
        "/v2/users/*/meetings",
        FaultAction::slow_answer(Duration::from_secs(5)),
    ));
    assert!(!create_giving_up_after(&emu, Duration::from_millis(100)).await);
    assert!(
        eventually_meetings(&emu, 1).await,
        "processed before the wait"
    );
}

#[tokio::test]
async fn slow_processing_lands_after_the_client_gave_up() {
    let emu = Emulator::start().await.unwrap();
    emu.inject_fault(FaultRule::once(
        "POST",
        "/v2/users/*/meetings",
        FaultAction::slow_processing(Duration::from_millis(1500)),
    ));
    assert!(!create_giving_up_after(&emu, Duration::from_millis(50)).await);
    assert_eq!(meeting_count(&emu), 0, "not yet: a look now finds nothing");
    assert!(
        eventually_meetings(&emu, 1).await,
        "processed although nobody waits for the answer"
    );
}

#[test]
fn the_new_actions_have_their_json_names() {
    let answer =
        serde_json::to_value(FaultAction::slow_answer(Duration::from_millis(2000))).unwrap();
    assert_eq!(answer, json!({"kind": "slow_answer", "ms": 2000}));
    let processing: FaultAction =
        serde_json::from_value(json!({"kind": "slow_processing", "ms": 250})).unwrap();
    assert_eq!(
        processing,
        FaultAction::slow_processing(Duration::from_millis(250))
    );
}

#[tokio::test]
async fn non_json_body_fault() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    emu.inject_fault(FaultRule::once(
        "POST",
        "/oauth/token",
        FaultAction::NonJson { status: 502 },
    ));
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
    assert_eq!(reply.status, 502);
    assert!(serde_json::from_slice::<serde_json::Value>(&reply.body).is_err());
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    // The faulted call still counts as a token request: the client did make it.
    assert_eq!(emu.zoom_token_requests(), 1);
}

async fn probability_pattern(seed: u64) -> Vec<u16> {
    let emu = Emulator::builder().with_seed(seed).start().await.unwrap();
    let http = Http::default();
    emu.inject_fault(FaultRule::probability(
        Some("GET"),
        "/v2/*",
        0.5,
        FaultAction::unavailable(),
    ));
    let token = emu
        .issue_zoom_access_token(&emu.demo().zoom_account_id)
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..24 {
        statuses.push(http.get(&create_url(&emu), &token).await.status);
    }
    statuses
}

#[tokio::test]
async fn probabilistic_faults_repeat_for_a_seed() {
    let first = probability_pattern(11).await;
    assert_eq!(first, probability_pattern(11).await);
    assert!(first.contains(&503) && first.contains(&200), "{first:?}");
    assert_ne!(first, probability_pattern(12).await);
}

#[tokio::test]
async fn clear_faults_restores_normal_service() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    emu.inject_fault(FaultRule::probability(
        None,
        "*",
        1.0,
        FaultAction::unavailable(),
    ));
    let token = emu
        .issue_zoom_access_token(&emu.demo().zoom_account_id)
        .unwrap();
    assert_eq!(http.get(&create_url(&emu), &token).await.status, 503);
    emu.clear_faults();
    assert_eq!(http.get(&create_url(&emu), &token).await.status, 200);
}
