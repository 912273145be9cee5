//! Graph subscriptions and change notifications sent by the emulator, checked against the wire
//! reference (`webhooks.md` §3): the validation handshake on create, expiration limits,
//! notifications for created, updated and deleted events (batched per URL), renew,
//! reauthorize, delete, lifecycle notifications and each delivery fault.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use meetschedify_emulator::{Emulator, EmulatorHandle, GraphWebhookFault};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::common::Http;
use crate::graph_events::events_url;
use crate::microsoft_identity::app_token;

/// How the receiver answers the validation request.
#[derive(Clone, Copy)]
enum Echo {
    /// The decoded token, as Graph requires.
    Decoded,
    /// The token as it appeared in the URL, still encoded: Graph refuses it.
    Encoded,
}

#[derive(Clone)]
struct Receiver {
    tx: mpsc::UnboundedSender<Value>,
    echo: Echo,
    /// How many notifications to answer 500 before answering 202.
    failures: Arc<AtomicUsize>,
}

async fn receive(
    State(receiver): State<Receiver>,
    Query(query): Query<HashMap<String, String>>,
    uri: axum::http::Uri,
    body: Bytes,
) -> Response {
    if let Some(token) = query.get("validationToken") {
        let answer = match receiver.echo {
            Echo::Decoded => token.clone(),
            Echo::Encoded => uri.query().unwrap_or_default().to_owned(),
        };
        return ([(header::CONTENT_TYPE, "text/plain")], answer).into_response();
    }
    let _ = receiver.tx.send(serde_json::from_slice(&body).unwrap());
    let failing = receiver
        .failures
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    } else {
        StatusCode::ACCEPTED.into_response()
    }
}

/// A loopback endpoint; its URL and what it received.
async fn endpoint(echo: Echo) -> (String, mpsc::UnboundedReceiver<Value>) {
    failing_endpoint(echo, 0).await
}

/// An endpoint that answers its first `failures` notifications with 500.
async fn failing_endpoint(echo: Echo, failures: usize) -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/graph", post(receive))
        .route("/graph/lifecycle", post(receive))
        .with_state(Receiver {
            tx,
            echo,
            failures: Arc::new(AtomicUsize::new(failures)),
        });
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/graph"), rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a notification within 5 seconds")
        .unwrap()
}

fn in_minutes(minutes: i64) -> String {
    jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(minutes))
        .unwrap()
        .to_string()
}

fn subscription_body(emu: &EmulatorHandle, url: &str, state: &str) -> Value {
    json!({
        "changeType": "created,updated,deleted",
        "notificationUrl": url,
        "lifecycleNotificationUrl": format!("{url}/lifecycle"),
        "resource": format!("users/{}/events", emu.demo().microsoft_organizer_upn),
        "expirationDateTime": in_minutes(4200),
        "clientState": state,
    })
}

fn subscriptions_url(emu: &EmulatorHandle) -> String {
    format!("{}/subscriptions", emu.graph_api_base())
}

#[tokio::test]
async fn a_validated_subscription_is_notified_of_created_updated_and_deleted_events() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let (url, mut rx) = endpoint(Echo::Decoded).await;
    let reply = http
        .json(
            "POST",
            &subscriptions_url(&emu),
            &token,
            &subscription_body(&emu, &url, "state-a"),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let sub = reply.json();
    let sub_id = sub["id"].as_str().unwrap().to_owned();
    assert_eq!(sub["changeType"], "created,updated,deleted");
    assert_eq!(sub["clientState"], "state-a");
    assert_eq!(
        sub["applicationId"],
        emu.demo().microsoft_client_id.as_str()
    );
    assert!(sub["expirationDateTime"].as_str().unwrap().ends_with('Z'));
    // A second subscription at the same URL: its items travel in the same requests.
    let second = http
        .json(
            "POST",
            &subscriptions_url(&emu),
            &token,
            &subscription_body(&emu, &url, "state-b"),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.text());

    let events = events_url(&emu, &emu.demo().microsoft_organizer_upn);
    let created = http
        .json("POST", &events, &token, &json!({"subject": "Sync", "start": {"dateTime": "2030-01-15T10:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2030-01-15T10:30:00", "timeZone": "UTC"}}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let event_id = created.json()["id"].as_str().unwrap().to_owned();
    let batch = next(&mut rx).await;
    let items = batch["value"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{batch}");
    let mine = items
        .iter()
        .find(|i| i["subscriptionId"] == sub_id.as_str())
        .unwrap();
    assert_eq!(mine["changeType"], "created");
    assert_eq!(mine["clientState"], "state-a");
    assert_eq!(mine["resourceData"]["id"], event_id.as_str());
    assert_eq!(
        mine["resourceData"]["@odata.type"],
        "#Microsoft.Graph.Event"
    );
    assert_eq!(mine["tenantId"], emu.demo().microsoft_tenant_id.as_str());

    let one = format!("{events}/{event_id}");
    let patched = http
        .json("PATCH", &one, &token, &json!({"subject": "Sync 2"}))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    let updated = next(&mut rx).await;
    assert_eq!(updated["value"][0]["changeType"], "updated");
    assert_ne!(
        updated["value"][0]["resourceData"]["@odata.etag"],
        mine["resourceData"]["@odata.etag"]
    );
    assert_eq!(http.delete(&one, &token).await.status, 204);
    let deleted = next(&mut rx).await;
    assert_eq!(deleted["value"][0]["changeType"], "deleted");
}

#[tokio::test]
async fn a_create_fails_with_400_on_a_wrong_echo_or_an_expiry_out_of_bounds() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let (bad_url, _rx) = endpoint(Echo::Encoded).await;
    let reply = http
        .json(
            "POST",
            &subscriptions_url(&emu),
            &token,
            &subscription_body(&emu, &bad_url, "s"),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert!(reply.text().contains("validation"), "{}", reply.text());
    let (url, _rx) = endpoint(Echo::Decoded).await;
    for minutes in [4231 + 5, -5] {
        let mut body = subscription_body(&emu, &url, "s");
        body["expirationDateTime"] = json!(in_minutes(minutes));
        let reply = http
            .json("POST", &subscriptions_url(&emu), &token, &body)
            .await;
        assert_eq!(reply.status, 400, "{minutes}: {}", reply.text());
    }
    let mut body = subscription_body(&emu, &url, "s");
    body["clientState"] = json!("x".repeat(129));
    let reply = http
        .json("POST", &subscriptions_url(&emu), &token, &body)
        .await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert!(emu.graph_subscription_ids().is_empty());
}

#[tokio::test]
async fn renew_reauthorize_delete_and_lifecycle_notifications() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let (url, mut rx) = endpoint(Echo::Decoded).await;
    let reply = http
        .json(
            "POST",
            &subscriptions_url(&emu),
            &token,
            &subscription_body(&emu, &url, "st"),
        )
        .await;
    let id = reply.json()["id"].as_str().unwrap().to_owned();
    let one = format!("{}/{id}", subscriptions_url(&emu));
    let renewed = http
        .json(
            "PATCH",
            &one,
            &token,
            &json!({"expirationDateTime": in_minutes(4000)}),
        )
        .await;
    assert_eq!(renewed.status, 200, "{}", renewed.text());
    let too_far = http
        .json(
            "PATCH",
            &one,
            &token,
            &json!({"expirationDateTime": in_minutes(5000)}),
        )
        .await;
    assert_eq!(too_far.status, 400);
    let reauthorized = http
        .send(
            "POST",
            &format!("{one}/reauthorize"),
            &[("authorization", &format!("Bearer {token}"))],
            vec![],
        )
        .await;
    assert_eq!(reauthorized.status, 204);

    emu.trigger_graph_lifecycle(&id, "reauthorizationRequired")
        .unwrap();
    let notice = next(&mut rx).await;
    assert_eq!(
        notice["value"][0]["lifecycleEvent"],
        "reauthorizationRequired"
    );
    assert_eq!(notice["value"][0]["clientState"], "st");
    emu.trigger_graph_lifecycle(&id, "subscriptionRemoved")
        .unwrap();
    assert_eq!(
        next(&mut rx).await["value"][0]["lifecycleEvent"],
        "subscriptionRemoved"
    );
    assert!(emu.graph_subscription_ids().is_empty());
    assert_eq!(http.delete(&one, &token).await.status, 404);

    let again = http
        .json(
            "POST",
            &subscriptions_url(&emu),
            &token,
            &subscription_body(&emu, &url, "st"),
        )
        .await;
    let again = format!(
        "{}/{}",
        subscriptions_url(&emu),
        again.json()["id"].as_str().unwrap()
    );
    assert_eq!(http.delete(&again, &token).await.status, 204);
    assert_eq!(http.delete(&again, &token).await.status, 404);
}

#[tokio::test]
async fn faults_duplicate_reorder_delay_and_forge_the_client_state() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let (url, mut rx) = endpoint(Echo::Decoded).await;
    let reply = http
        .json(
            "POST",
            &subscriptions_url(&emu),
            &token,
            &subscription_body(&emu, &url, "st"),
        )
        .await;
    assert_eq!(reply.status, 201);
    let events = events_url(&emu, &emu.demo().microsoft_organizer_upn);
    let event = json!({"subject": "F", "start": {"dateTime": "2030-01-15T10:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2030-01-15T10:30:00", "timeZone": "UTC"}});
    let created = http.json("POST", &events, &token, &event).await;
    let one = format!("{events}/{}", created.json()["id"].as_str().unwrap());
    assert_eq!(next(&mut rx).await["value"][0]["changeType"], "created");

    emu.inject_graph_webhook_fault(GraphWebhookFault::WrongClientState);
    http.json("PATCH", &one, &token, &json!({"subject": "F1"}))
        .await;
    assert_eq!(next(&mut rx).await["value"][0]["clientState"], "not-st");

    emu.inject_graph_webhook_fault(GraphWebhookFault::Duplicate);
    http.json("PATCH", &one, &token, &json!({"subject": "F2"}))
        .await;
    let first = next(&mut rx).await;
    assert_eq!(next(&mut rx).await, first);

    emu.inject_graph_webhook_fault(GraphWebhookFault::OutOfOrder);
    http.json("PATCH", &one, &token, &json!({"subject": "F3"}))
        .await;
    assert_eq!(http.delete(&one, &token).await.status, 204);
    assert_eq!(next(&mut rx).await["value"][0]["changeType"], "deleted");
    assert_eq!(next(&mut rx).await["value"][0]["changeType"], "updated");

    emu.inject_graph_webhook_fault(GraphWebhookFault::Delay { ms: 300 });
    let created = http.json("POST", &events, &token, &event).await;
    assert_eq!(created.status, 201);
    let started = std::time::Instant::now();
    assert_eq!(next(&mut rx).await["value"][0]["changeType"], "created");
    assert!(started.elapsed() >= Duration::from_millis(250));
    let kinds: Vec<Option<GraphWebhookFault>> = emu
        .graph_webhook_deliveries()
        .into_iter()
        .map(|d| d.fault)
        .collect();
    assert!(kinds.contains(&Some(GraphWebhookFault::Duplicate)));
}

#[tokio::test]
async fn a_notification_not_answered_2xx_is_sent_again() {
    let emu = Emulator::start().await.unwrap();
    emu.update_settings(|s| s.graph_webhook_retry_delays_ms = vec![50, 50, 50]);
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let (url, mut rx) = failing_endpoint(Echo::Decoded, 2).await;
    let reply = http
        .json(
            "POST",
            &subscriptions_url(&emu),
            &token,
            &subscription_body(&emu, &url, "st"),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let events = events_url(&emu, &emu.demo().microsoft_organizer_upn);
    let event = json!({"subject": "R", "start": {"dateTime": "2030-01-15T10:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2030-01-15T10:30:00", "timeZone": "UTC"}});
    assert_eq!(http.json("POST", &events, &token, &event).await.status, 201);
    let first = next(&mut rx).await;
    assert_eq!(next(&mut rx).await, first);
    assert_eq!(next(&mut rx).await, first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(rx.try_recv().is_err(), "no redelivery after a 2xx");
    let log: Vec<(u32, Option<u16>)> = emu
        .graph_webhook_deliveries()
        .into_iter()
        .map(|d| (d.attempt, d.status))
        .collect();
    assert_eq!(log, vec![(1, Some(500)), (2, Some(500)), (3, Some(202))]);
}
