//! The axum route: signed Zoom requests reach the channel, everything else is answered with the
//! rejection's status and code and reaches nothing.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use meetschedify::webhooks::MeetingEventKind;
use meetschedify::webhooks_axum::route;
use meetschedify::zoom::webhooks::{sign_for_test, ZoomWebhookVerifier};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tower::ServiceExt as _;

const SECRET: &str = "axum-test-secret";

fn app(max_body: usize) -> (Router, mpsc::Receiver<meetschedify::webhooks::MeetingEvent>) {
    let verifier = ZoomWebhookVerifier::builder()
        .with_secret_token(SECRET)
        .with_max_body_bytes(max_body)
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel(16);
    (
        Router::new().route("/webhooks/zoom", route(Arc::new(verifier), tx)),
        rx,
    )
}

fn post(secret: &str, body: &str) -> Request<Body> {
    let ts = jiff::Timestamp::now().as_second().to_string();
    Request::post("/webhooks/zoom")
        .header("content-type", "application/json")
        .header("x-zm-request-timestamp", &ts)
        .header(
            "x-zm-signature",
            sign_for_test(secret, &ts, body.as_bytes()),
        )
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn answer(app: &Router, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, body.to_vec())
}

#[tokio::test]
async fn a_signed_event_is_queued_and_a_forgery_is_401_with_its_code() {
    let (app, mut rx) = app(64 * 1024);
    let body =
        r#"{"event":"meeting.ended","event_ts":1,"payload":{"object":{"id":"42","uuid":"u"}}}"#;
    let (status, _) = answer(&app, post(SECRET, body)).await;
    assert_eq!(status, StatusCode::OK);
    let event = rx.try_recv().unwrap();
    assert_eq!(event.kind, MeetingEventKind::Ended);
    assert_eq!(event.meeting_id, "42");

    let (status, answer_body) = answer(&app, post("forger", body)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let answer_body: Value = serde_json::from_slice(&answer_body).unwrap();
    assert_eq!(answer_body["error"], "WEBHOOK_BAD_SIGNATURE");
    assert!(rx.try_recv().is_err(), "nothing delivered");
}

#[tokio::test]
async fn the_challenge_is_answered_and_an_oversized_body_is_413() {
    let (app, mut rx) = app(256);
    let body = json!({"event": "endpoint.url_validation", "event_ts": 1, "payload": {"plainToken": "abc"}}).to_string();
    let (status, answer_body) = answer(&app, post(SECRET, &body)).await;
    assert_eq!(status, StatusCode::OK);
    let answer_body: Value = serde_json::from_slice(&answer_body).unwrap();
    assert_eq!(answer_body["plainToken"], "abc");
    assert_eq!(answer_body["encryptedToken"].as_str().unwrap().len(), 64);

    let big = json!({"event": "meeting.started", "event_ts": 1, "payload": {"object": {"id": "1", "topic": "x".repeat(300)}}}).to_string();
    let (status, answer_body) = answer(&app, post(SECRET, &big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let answer_body: Value = serde_json::from_slice(&answer_body).unwrap();
    assert_eq!(answer_body["error"], "WEBHOOK_BODY_TOO_LARGE");
    assert!(rx.try_recv().is_err(), "nothing delivered");
}
