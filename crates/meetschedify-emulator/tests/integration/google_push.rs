//! Google Calendar push notifications sent by the emulator, checked against the wire reference
//! (`webhooks.md` §2): `events.watch`, the `sync` then `exists` messages with Google's headers
//! and an empty body, `channels.stop`, incremental `events.list` with `syncToken` (410 once
//! expired), Google's retries, and each delivery fault.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use meetschedify_emulator::{Emulator, EmulatorHandle, GooglePushFault};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use crate::common::{event_body, events_url, google_token, Http};

const TOKEN: &str = "channel-secret-token-0123456789abcdef";

/// One message as the receiver saw it.
#[derive(Debug)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn number(&self) -> u64 {
        self.header("x-goog-message-number")
            .unwrap()
            .parse()
            .unwrap()
    }
    fn state(&self) -> &str {
        self.header("x-goog-resource-state").unwrap()
    }
}

#[derive(Clone)]
struct Receiver {
    tx: mpsc::UnboundedSender<Received>,
    /// How many messages to answer with `failure` before answering 200.
    failures: Arc<AtomicUsize>,
    failure: StatusCode,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = if receiver
        .failures
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        receiver.failure
    } else {
        StatusCode::OK
    };
    let _ = receiver.tx.send(Received { headers, body });
    answer.into_response()
}

async fn failing_receiver(
    failures: usize,
    failure: StatusCode,
) -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Receiver {
        tx,
        failures: Arc::new(AtomicUsize::new(failures)),
        failure,
    };
    let app = Router::new()
        .route("/push", post(receive))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let url = format!("http://{}/push", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

async fn receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    failing_receiver(0, StatusCode::OK).await
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a push message within 5 s")
        .unwrap()
}

async fn nothing_more(rx: &mut mpsc::UnboundedReceiver<Received>) {
    let more = tokio::time::timeout(Duration::from_millis(700), rx.recv()).await;
    assert!(more.is_err(), "unexpected message: {more:?}");
}

struct Setup {
    emu: EmulatorHandle,
    http: Http,
    token: String,
}

async fn setup() -> Setup {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = google_token(&http, &emu).await;
    Setup { emu, http, token }
}

impl Setup {
    async fn watch(&self, id: &str, address: &str) -> crate::common::Reply {
        let url = format!("{}/watch", events_url(&self.emu, "primary"));
        let body = json!({"id": id, "type": "web_hook", "address": address, "token": TOKEN});
        self.http.json("POST", &url, &self.token, &body).await
    }

    async fn insert(&self, summary: &str) -> String {
        let reply = self
            .http
            .json(
                "POST",
                &events_url(&self.emu, "primary"),
                &self.token,
                &event_body(summary),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()["id"].as_str().unwrap().to_owned()
    }

    async fn list(&self, query: &str) -> crate::common::Reply {
        let url = format!("{}?{query}", events_url(&self.emu, "primary"));
        self.http.get(&url, &self.token).await
    }

    async fn stop(&self, id: &str, resource_id: &str) -> crate::common::Reply {
        let url = format!("{}/calendar/v3/channels/stop", self.emu.google_api_base());
        let body = json!({"id": id, "resourceId": resource_id});
        self.http.json("POST", &url, &self.token, &body).await
    }
}

#[tokio::test]
async fn watch_answers_the_channel_then_sync_and_exists_messages_follow_every_change() {
    let s = setup().await;
    let (url, mut rx) = receiver().await;
    let reply = s.watch("chan-1", &url).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let channel = reply.json();
    assert_eq!(channel["kind"], "api#channel");
    assert_eq!(channel["id"], "chan-1");
    assert_eq!(channel["token"], TOKEN);
    let resource_id = channel["resourceId"].as_str().unwrap().to_owned();
    assert!(channel["resourceUri"].as_str().unwrap().contains("/events"));
    // Expiration is Unix milliseconds sent as a string, an hour ahead when none is asked.
    let expiration: i64 = channel["expiration"].as_str().unwrap().parse().unwrap();
    let ahead = expiration - jiff::Timestamp::now().as_millisecond();
    assert!((3_500_000..=3_600_000).contains(&ahead), "{ahead}");

    let sync = next(&mut rx).await;
    assert_eq!(sync.state(), "sync");
    assert_eq!(sync.number(), 1);
    assert_eq!(sync.header("x-goog-channel-id"), Some("chan-1"));
    assert_eq!(sync.header("x-goog-channel-token"), Some(TOKEN));
    assert_eq!(
        sync.header("x-goog-resource-id"),
        Some(resource_id.as_str())
    );
    assert!(sync.header("x-goog-resource-uri").is_some());
    assert!(sync
        .header("x-goog-channel-expiration")
        .unwrap()
        .ends_with(" GMT"));
    assert!(sync
        .header("user-agent")
        .unwrap()
        .starts_with("APIs-Google"));
    assert!(sync.body.is_empty());

    let id = s.insert("Planning").await;
    let created = next(&mut rx).await;
    assert_eq!(created.state(), "exists");
    assert!(created.number() > 1);
    assert!(created.body.is_empty());
    let patched = s
        .http
        .json(
            "PATCH",
            &format!("{}/{id}", events_url(&s.emu, "primary")),
            &s.token,
            &json!({"summary": "Moved"}),
        )
        .await;
    assert_eq!(patched.status, 200);
    let updated = next(&mut rx).await;
    assert!(updated.number() > created.number());
    let deleted = s
        .http
        .delete(&format!("{}/{id}", events_url(&s.emu, "primary")), &s.token)
        .await;
    assert_eq!(deleted.status, 204);
    // For an events watch a delete is `exists` too: the sync shows it cancelled.
    let gone = next(&mut rx).await;
    assert_eq!(gone.state(), "exists");
    assert!(gone.number() > updated.number());

    // A change made in Google Calendar itself (the control API) notifies as well.
    let other = s.insert("Other").await;
    let _ = next(&mut rx).await;
    let calendar = s.emu.demo().google_user_email.clone();
    let mut fields = serde_json::Map::new();
    fields.insert("summary".into(), json!("Renamed in the UI"));
    s.emu
        .change_google_event(&calendar, &other, fields)
        .unwrap();
    assert_eq!(next(&mut rx).await.state(), "exists");
    nothing_more(&mut rx).await;
    let log = s.emu.google_push_deliveries();
    assert_eq!(log.len(), 6);
    assert!(log.iter().all(|d| d.status == Some(200) && d.attempt == 1));
}

#[tokio::test]
async fn incremental_sync_returns_only_changes_with_deletions_and_410_once_expired() {
    let s = setup().await;
    let kept = s.insert("Kept").await;
    let moved = s.insert("Moved").await;
    let full = s.list("").await.json();
    assert_eq!(full["items"].as_array().unwrap().len(), 2);
    let token = full["nextSyncToken"].as_str().unwrap().to_owned();

    let nothing = s.list(&format!("syncToken={token}")).await.json();
    assert_eq!(nothing["items"], json!([]));
    assert_eq!(nothing["nextSyncToken"], json!(token));

    let patched = s
        .http
        .json(
            "PATCH",
            &format!("{}/{moved}", events_url(&s.emu, "primary")),
            &s.token,
            &json!({"summary": "Moved again"}),
        )
        .await;
    assert_eq!(patched.status, 200);
    let added = s.insert("Added").await;
    let deleted = s
        .http
        .delete(
            &format!("{}/{added}", events_url(&s.emu, "primary")),
            &s.token,
        )
        .await;
    assert_eq!(deleted.status, 204);
    let changes = s.list(&format!("syncToken={token}")).await.json();
    let items = changes["items"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [moved.as_str(), added.as_str()], "{kept} is unchanged");
    assert_eq!(items[0]["summary"], "Moved again");
    assert_eq!(items[1]["status"], "cancelled");
    let next_token = changes["nextSyncToken"].as_str().unwrap().to_owned();
    assert_ne!(next_token, token);
    assert_eq!(
        s.list(&format!("syncToken={next_token}")).await.json()["items"],
        json!([])
    );

    // Paging an incremental sync: the sync token comes on the last page only.
    let first = s
        .list(&format!("syncToken={token}&maxResults=1"))
        .await
        .json();
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    assert!(first.get("nextSyncToken").is_none());
    let page = first["nextPageToken"].as_str().unwrap();
    let last = s
        .list(&format!("syncToken={token}&maxResults=1&pageToken={page}"))
        .await
        .json();
    assert_eq!(last["items"][0]["id"], json!(added));
    assert_eq!(last["nextSyncToken"], json!(next_token));

    for forbidden in [
        "q=x",
        "timeMin=2030-01-01T00:00:00Z",
        "orderBy=updated",
        "showDeleted=false",
    ] {
        let reply = s.list(&format!("syncToken={next_token}&{forbidden}")).await;
        assert_eq!(reply.status, 400, "{forbidden}");
    }
    let unknown = s.list("syncToken=bm90LWEtdG9rZW4").await;
    assert_eq!(unknown.status, 410);
    s.emu.expire_google_sync_tokens();
    let expired = s.list(&format!("syncToken={next_token}")).await;
    assert_eq!(expired.status, 410);
    let body: Value = expired.json();
    assert_eq!(body["error"]["code"], 410);
    assert_eq!(body["error"]["errors"][0]["reason"], "fullSyncRequired");
    // A full sync gives a token that works again.
    let fresh = s.list("").await.json()["nextSyncToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(s.list(&format!("syncToken={fresh}")).await.status, 200);
}

#[tokio::test]
async fn stop_ends_delivery_and_ids_addresses_and_lifetimes_are_checked() {
    let s = setup().await;
    let (url, mut rx) = receiver().await;
    let channel = s.watch("chan-stop", &url).await.json();
    let resource_id = channel["resourceId"].as_str().unwrap().to_owned();
    assert_eq!(next(&mut rx).await.state(), "sync");

    assert_eq!(
        s.watch("chan-stop", &url).await.json()["error"]["errors"][0]["reason"],
        "channelIdNotUnique"
    );
    let plain = s.watch("chan-plain", "http://example.com/push").await;
    assert_eq!(plain.status, 400);
    assert_eq!(
        plain.json()["error"]["errors"][0]["reason"],
        "push.webhookUrlNotHttps"
    );
    let long = s.watch(&"x".repeat(65), &url).await;
    assert_eq!(long.status, 400);

    // A second channel on the same calendar has the same resource id.
    let (url2, mut rx2) = receiver().await;
    let second = s.watch("chan-two", &url2).await.json();
    assert_eq!(second["resourceId"], json!(resource_id));
    let _ = next(&mut rx2).await;

    assert_eq!(s.stop("chan-stop", "wrong-resource").await.status, 404);
    assert_eq!(s.stop("chan-stop", &resource_id).await.status, 204);
    assert_eq!(s.stop("chan-stop", &resource_id).await.status, 404);
    s.insert("After stop").await;
    assert_eq!(next(&mut rx2).await.state(), "exists");
    nothing_more(&mut rx).await;

    // A lifetime beyond the maximum is clamped to it.
    let url3 = format!("{}/watch", events_url(&s.emu, "primary"));
    let year = jiff::Timestamp::now().as_millisecond() + 365 * 86_400_000;
    let body = json!({"id": "chan-long", "type": "web_hook", "address": url, "expiration": year.to_string()});
    let clamped = s.http.json("POST", &url3, &s.token, &body).await.json();
    let expiration: i64 = clamped["expiration"].as_str().unwrap().parse().unwrap();
    let max = s.emu.settings().google_channel_max_lifetime_secs as i64 * 1000;
    assert!(expiration <= jiff::Timestamp::now().as_millisecond() + max);
    assert!(expiration > jiff::Timestamp::now().as_millisecond() + max - 60_000);
}

#[tokio::test]
async fn faults_duplicate_reorder_delay_and_forge_the_token() {
    let s = setup().await;
    let (url, mut rx) = receiver().await;
    s.watch("chan-faults", &url).await;
    assert_eq!(next(&mut rx).await.state(), "sync");

    s.emu.inject_google_push_fault(GooglePushFault::Duplicate);
    s.insert("One").await;
    let first = next(&mut rx).await;
    let again = next(&mut rx).await;
    assert_eq!(first.number(), again.number());

    s.emu.inject_google_push_fault(GooglePushFault::WrongToken);
    s.insert("Two").await;
    let forged = next(&mut rx).await;
    assert_ne!(forged.header("x-goog-channel-token"), Some(TOKEN));
    assert!(forged.header("x-goog-channel-token").is_some());

    s.emu.inject_google_push_fault(GooglePushFault::OutOfOrder);
    s.insert("Three").await;
    s.insert("Four").await;
    let (a, b) = (next(&mut rx).await, next(&mut rx).await);
    assert!(
        a.number() > b.number(),
        "{} then {}",
        a.number(),
        b.number()
    );

    s.emu
        .inject_google_push_fault(GooglePushFault::Delay { ms: 600 });
    s.insert("Five").await;
    s.insert("Six").await;
    let (c, d) = (next(&mut rx).await, next(&mut rx).await);
    assert!(c.number() > d.number(), "the delayed one arrives last");
    assert_eq!(c.header("x-goog-channel-token"), Some(TOKEN));
}

#[tokio::test]
async fn a_503_is_retried_and_a_404_is_not() {
    let emu = Emulator::builder().start().await.unwrap();
    emu.update_settings(|s| s.google_push_retry_delays_ms = vec![50, 50]);
    let http = Http::default();
    let token = google_token(&http, &emu).await;
    let s = Setup { emu, http, token };
    let (url, mut rx) = failing_receiver(1, StatusCode::SERVICE_UNAVAILABLE).await;
    s.watch("chan-retry", &url).await;
    let (first, retry) = (next(&mut rx).await, next(&mut rx).await);
    assert_eq!((first.state(), retry.state()), ("sync", "sync"));
    assert_eq!(first.number(), retry.number());
    let (url, mut rx) = failing_receiver(1, StatusCode::NOT_FOUND).await;
    s.watch("chan-no-retry", &url).await;
    let _ = next(&mut rx).await;
    nothing_more(&mut rx).await;
    let log = s.emu.google_push_deliveries();
    let attempts: Vec<(Option<u16>, u32)> = log.iter().map(|d| (d.status, d.attempt)).collect();
    assert_eq!(attempts, [(Some(503), 1), (Some(200), 2), (Some(404), 1)]);
}

#[tokio::test]
async fn only_the_identity_that_opened_a_channel_can_stop_it() {
    let s = setup().await;
    let (url, mut rx) = receiver().await;
    let channel = s.watch("chan-owned", &url).await.json();
    let resource_id = channel["resourceId"].as_str().unwrap().to_owned();
    assert_eq!(next(&mut rx).await.state(), "sync");
    assert_eq!(s.emu.google_channel_ids(), ["chan-owned"]);

    // Another Google account of the same app cannot stop it (reference §2.5: stopping is tied
    // to the identity that created the channel).
    s.emu.add_google_user("someone-else@example.com");
    let other = s
        .emu
        .issue_google_access_token(
            "someone-else@example.com",
            &["https://www.googleapis.com/auth/calendar.events"],
        )
        .unwrap();
    let stop_url = format!("{}/calendar/v3/channels/stop", s.emu.google_api_base());
    let body = json!({"id": "chan-owned", "resourceId": resource_id});
    assert_eq!(
        s.http.json("POST", &stop_url, &other, &body).await.status,
        404
    );
    assert_eq!(s.emu.google_channel_ids(), ["chan-owned"]);
    s.insert("Still watched").await;
    assert_eq!(next(&mut rx).await.state(), "exists");

    // Its owner can; the channel is gone and delivers nothing more.
    assert_eq!(s.stop("chan-owned", &resource_id).await.status, 204);
    assert!(s.emu.google_channel_ids().is_empty());
    s.insert("Nobody listens").await;
    nothing_more(&mut rx).await;
}
