//! Zoom webhooks sent by the emulator, checked against the wire reference (`webhooks.md` §1)
//! with an independent HMAC: URL validation on registration, signed notifications for starts,
//! joins, leaves and ends, and each delivery fault.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use meetschedify_emulator::{Emulator, EmulatorError, EmulatorHandle, ZoomWebhookFault};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::common::{zoom_token, Http};

pub(crate) const SECRET: &str = "emulator-webhook-secret";

fn hex_hmac(secret: &str, data: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(data);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One request as the receiver saw it.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) timestamp: String,
    signature: String,
    pub(crate) body: Bytes,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    pub(crate) fn event(&self) -> String {
        self.json()["event"].as_str().unwrap().to_owned()
    }
    /// Whether the signature is Zoom's `v0=HMAC(secret, "v0:{ts}:{raw body}")`.
    pub(crate) fn genuine(&self) -> bool {
        let mut message = format!("v0:{}:", self.timestamp).into_bytes();
        message.extend_from_slice(&self.body);
        self.signature == format!("v0={}", hex_hmac(SECRET, &message))
    }
}

#[derive(Clone)]
struct Receiver {
    tx: mpsc::UnboundedSender<Received>,
    /// The secret the receiver answers validation with (a wrong one fails registration).
    answer_secret: &'static str,
    /// How many notifications to answer with `failure` before answering 200.
    failures: Arc<AtomicUsize>,
    failure: StatusCode,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let received = Received {
        timestamp: header("x-zm-request-timestamp"),
        signature: header("x-zm-signature"),
        body,
    };
    let envelope = received.json();
    let answer = if envelope["event"] == "endpoint.url_validation" {
        let plain = envelope["payload"]["plainToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let encrypted = hex_hmac(receiver.answer_secret, plain.as_bytes());
        Json(json!({"plainToken": plain, "encryptedToken": encrypted})).into_response()
    } else if receiver
        .failures
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        receiver.failure.into_response()
    } else {
        StatusCode::OK.into_response()
    };
    let _ = receiver.tx.send(received);
    answer
}

/// A loopback endpoint recording every request.
pub(crate) async fn endpoint(
    answer_secret: &'static str,
) -> (String, mpsc::UnboundedReceiver<Received>) {
    failing_endpoint(answer_secret, 0, StatusCode::OK).await
}

/// An endpoint that answers its first `failures` notifications with `failure`.
async fn failing_endpoint(
    answer_secret: &'static str,
    failures: usize,
    failure: StatusCode,
) -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Receiver {
        tx,
        answer_secret,
        failures: Arc::new(AtomicUsize::new(failures)),
        failure,
    };
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

pub(crate) async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a webhook within 5 s")
        .unwrap()
}

/// How many deliveries the log holds once it reaches `n` (or after a second). A log entry is
/// written once the answer is read, just after the receiver saw the body.
pub(crate) async fn logged(emu: &EmulatorHandle, n: usize) -> usize {
    let mut count = 0;
    for _ in 0..50 {
        count = emu.zoom_webhook_deliveries().len();
        if count >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    count
}

pub(crate) async fn meeting(emu: &EmulatorHandle) -> u64 {
    let http = Http::default();
    let token = zoom_token(&http, emu).await;
    let reply = http
        .json(
            "POST",
            &format!("{}/users/me/meetings", emu.zoom_api_base()),
            &token,
            &json!({"topic": "Café sync", "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 30}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()["id"].as_u64().unwrap()
}

async fn registered() -> (EmulatorHandle, mpsc::UnboundedReceiver<Received>, u64) {
    let emu = Emulator::start().await.unwrap();
    let (url, mut rx) = endpoint(SECRET).await;
    emu.register_zoom_webhook(&url, SECRET).await.unwrap();
    let validation = next(&mut rx).await;
    assert_eq!(validation.event(), "endpoint.url_validation");
    assert!(validation.genuine(), "the validation request is signed too");
    let id = meeting(&emu).await;
    (emu, rx, id)
}

#[tokio::test]
async fn registration_fails_unless_the_endpoint_answers_the_validation() {
    let emu = Emulator::start().await.unwrap();
    let (url, _rx) = endpoint("a-different-secret").await;
    let err = emu.register_zoom_webhook(&url, SECRET).await.unwrap_err();
    assert!(
        matches!(err, EmulatorError::ZoomWebhookValidation(_)),
        "{err}"
    );
    // Not registered: a start sends nothing.
    let id = meeting(&emu).await;
    emu.start_zoom_meeting(id).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(emu.zoom_webhook_deliveries().is_empty());
}

#[tokio::test]
async fn start_join_leave_and_end_arrive_signed_in_order() {
    let (emu, mut rx, id) = registered().await;
    emu.start_zoom_meeting(id).unwrap();
    let ada = emu
        .join_zoom_meeting(id, "Ada", Some("ada@example.com"))
        .unwrap();
    emu.leave_zoom_meeting(id, &ada.user_id).unwrap();
    emu.join_zoom_meeting(id, "Bob", None).unwrap();
    emu.end_zoom_meeting(id).unwrap();
    let mut events = Vec::new();
    for _ in 0..5 {
        let received = next(&mut rx).await;
        assert!(received.genuine(), "{received:?}");
        let envelope = received.json();
        assert_eq!(envelope["payload"]["object"]["id"], id.to_string());
        assert_eq!(
            envelope["payload"]["account_id"],
            emu.demo().zoom_account_id.as_str()
        );
        assert!(envelope["event_ts"].as_i64().unwrap() > 0);
        events.push((received.event(), envelope));
    }
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "meeting.started",
            "meeting.participant_joined",
            "meeting.participant_left",
            "meeting.participant_joined",
            // Bob is still in when the meeting ends: he leaves first.
            "meeting.participant_left",
        ]
    );
    let ended = next(&mut rx).await;
    assert_eq!(ended.event(), "meeting.ended");
    assert!(ended.json()["payload"]["object"]["end_time"].is_string());
    let joined = &events[1].1["payload"]["object"]["participant"];
    assert_eq!(joined["user_name"], "Ada");
    assert_eq!(joined["email"], "ada@example.com");
    assert_eq!(joined["user_id"], ada.user_id.as_str());
    assert_eq!(events[0].1["payload"]["object"]["topic"], "Café sync");
    assert_eq!(
        logged(&emu, 6).await,
        6,
        "six events; the validation is not a delivery"
    );
}

#[tokio::test]
async fn faults_duplicate_wrong_signature_stale_and_tampered() {
    let (emu, mut rx, id) = registered().await;
    emu.inject_zoom_webhook_fault(ZoomWebhookFault::Duplicate);
    emu.start_zoom_meeting(id).unwrap();
    let (first, second) = (next(&mut rx).await, next(&mut rx).await);
    assert_eq!(first.body, second.body);
    assert_eq!(first.timestamp, second.timestamp);
    assert!(first.genuine() && second.genuine());

    emu.inject_zoom_webhook_fault(ZoomWebhookFault::WrongSignature);
    let ada = emu.join_zoom_meeting(id, "Ada", None).unwrap();
    let forged = next(&mut rx).await;
    assert_eq!(forged.event(), "meeting.participant_joined");
    assert!(!forged.genuine());

    emu.inject_zoom_webhook_fault(ZoomWebhookFault::StaleTimestamp { secs: 600 });
    emu.leave_zoom_meeting(id, &ada.user_id).unwrap();
    let stale = next(&mut rx).await;
    assert!(stale.genuine(), "correctly signed, only old");
    let age = jiff::Timestamp::now().as_second() - stale.timestamp.parse::<i64>().unwrap();
    assert!((599..=605).contains(&age), "{age}");

    emu.inject_zoom_webhook_fault(ZoomWebhookFault::TamperedBody);
    emu.end_zoom_meeting(id).unwrap();
    let tampered = next(&mut rx).await;
    assert_eq!(tampered.event(), "meeting.ended");
    assert!(!tampered.genuine());
}

#[tokio::test]
async fn faults_out_of_order_and_delay() {
    let (emu, mut rx, id) = registered().await;
    emu.inject_zoom_webhook_fault(ZoomWebhookFault::OutOfOrder);
    emu.start_zoom_meeting(id).unwrap();
    emu.join_zoom_meeting(id, "Ada", None).unwrap();
    assert_eq!(next(&mut rx).await.event(), "meeting.participant_joined");
    assert_eq!(next(&mut rx).await.event(), "meeting.started");

    emu.inject_zoom_webhook_fault(ZoomWebhookFault::Delay { ms: 300 });
    emu.join_zoom_meeting(id, "Bob", None).unwrap();
    emu.end_zoom_meeting(id).unwrap();
    let order: Vec<String> = [
        next(&mut rx).await,
        next(&mut rx).await,
        next(&mut rx).await,
        next(&mut rx).await,
    ]
    .iter()
    .map(Received::event)
    .collect();
    // Bob's join is late: Ada's and Bob's leave and the end overtake it.
    assert_eq!(
        order,
        [
            "meeting.participant_left",
            "meeting.participant_left",
            "meeting.ended",
            "meeting.participant_joined",
        ]
    );
}

#[tokio::test]
async fn the_control_api_registers_joins_and_injects_faults() {
    let emu = Emulator::start().await.unwrap();
    let (url, mut rx) = endpoint(SECRET).await;
    let http = Http::default();
    let control = emu.control_base();
    let reply = http
        .json(
            "POST",
            &format!("{control}/zoom/webhooks"),
            "",
            &json!({"url": url, "secret": SECRET}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    next(&mut rx).await;
    let id = meeting(&emu).await;
    let reply = http
        .json(
            "POST",
            &format!("{control}/zoom/webhooks/faults"),
            "",
            &json!({"kind": "wrong_signature"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let reply = http
        .json(
            "POST",
            &format!("{control}/zoom/meetings/{id}/participants"),
            "",
            &json!({"user_name": "Ada"}),
        )
        .await;
    assert_eq!(reply.status, 409, "not running yet: {}", reply.text());
    emu.start_zoom_meeting(id).unwrap();
    assert!(!next(&mut rx).await.genuine(), "the fault hit the start");
    let reply = http
        .json(
            "POST",
            &format!("{control}/zoom/meetings/{id}/participants"),
            "",
            &json!({"user_name": "Ada"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let user_id = reply.json()["user_id"].as_str().unwrap().to_owned();
    let reply = http
        .delete(
            &format!("{control}/zoom/meetings/{id}/participants/{user_id}"),
            "",
        )
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert_eq!(next(&mut rx).await.event(), "meeting.participant_joined");
    assert_eq!(next(&mut rx).await.event(), "meeting.participant_left");
    assert_eq!(logged(&emu, 3).await, 3);
    let deliveries = http
        .get(&format!("{control}/zoom/webhooks"), "")
        .await
        .json();
    assert_eq!(deliveries.as_array().unwrap().len(), 3, "{deliveries}");
    assert_eq!(deliveries[0]["fault"]["kind"], "wrong_signature");
    assert_eq!(deliveries[0]["status"], 200);
}

#[tokio::test]
async fn a_5xx_is_retried_on_zoom_schedule_with_fresh_timestamps_and_a_4xx_never() {
    let emu = Emulator::start().await.unwrap();
    emu.update_settings(|s| s.zoom_webhook_retry_delays_ms = vec![1100, 50, 50]);
    // Two 503s, then 200: the first attempt and two retries reach it.
    let (url, mut rx) = failing_endpoint(SECRET, 2, StatusCode::SERVICE_UNAVAILABLE).await;
    emu.register_zoom_webhook(&url, SECRET).await.unwrap();
    next(&mut rx).await;
    let id = meeting(&emu).await;
    emu.start_zoom_meeting(id).unwrap();
    let attempts = [
        next(&mut rx).await,
        next(&mut rx).await,
        next(&mut rx).await,
    ];
    assert!(attempts
        .iter()
        .all(|a| a.genuine() && a.body == attempts[0].body));
    let first: i64 = attempts[0].timestamp.parse().unwrap();
    let second: i64 = attempts[1].timestamp.parse().unwrap();
    assert!(
        second > first,
        "a retry is a new request with a new timestamp"
    );
    assert_eq!(logged(&emu, 3).await, 3);
    let log = emu.zoom_webhook_deliveries();
    let seen: Vec<(u32, Option<u16>)> = log.iter().map(|d| (d.attempt, d.status)).collect();
    assert_eq!(seen, [(1, Some(503)), (2, Some(503)), (3, Some(200))]);

    // A 401 is final: Zoom does not retry 4xx.
    let emu = Emulator::start().await.unwrap();
    emu.update_settings(|s| s.zoom_webhook_retry_delays_ms = vec![50, 50, 50]);
    let (url, mut rx) = failing_endpoint(SECRET, 5, StatusCode::UNAUTHORIZED).await;
    emu.register_zoom_webhook(&url, SECRET).await.unwrap();
    next(&mut rx).await;
    let id = meeting(&emu).await;
    emu.start_zoom_meeting(id).unwrap();
    next(&mut rx).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx.try_recv().is_err(), "no retry after a 4xx");
    assert_eq!(emu.zoom_webhook_deliveries().len(), 1);
}
