//! Google channel tokens never reach the logs. In its own binary, alone: `tracing` caches
//! per-callsite interest process-wide, and a test on another thread can register a callsite
//! while this test's scoped subscriber is being installed, muting it.

#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::webhooks::{WebhookHeaders, WebhookRequest, WebhookVerifier};
use meetschedify_core::{DisconnectOutcome, MeetSchedifyClient, ProviderId, TenantId};
use meetschedify_emulator::{FaultAction, FaultRule, GooglePushFault};
use meetschedify_google::webhooks::{GoogleWatch, GoogleWebhookVerifier};
use meetschedify_google::PerUserTokens;
use tokio::sync::mpsc;

type Verifier = Arc<GoogleWebhookVerifier<PerUserTokens>>;

#[derive(Clone, Default)]
struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Hands each notification to the verifier; sends its HTTP status.
async fn endpoint(
    State((verifier, tx)): State<(Verifier, mpsc::UnboundedSender<u16>)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let headers: WebhookHeaders = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let status = match verifier
        .handle(&WebhookRequest::new(headers, body.to_vec()))
        .await
    {
        Ok(_) => 200,
        Err(rejection) => rejection.http_status(),
    };
    let _ = tx.send(status);
    StatusCode::from_u16(status).unwrap()
}

async fn next(rx: &mut mpsc::UnboundedReceiver<u16>) -> u16 {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a notification within 5 s")
        .unwrap()
}

/// Watch, a verified notification, a forged one, renewal, stop, and a disconnect whose stop
/// Google refuses (the warning path), all with logging at TRACE into a buffer: something is
/// logged, and no channel token is.
#[tokio::test]
async fn google_channel_tokens_never_reach_the_logs() {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = common::default_emulator().await;
    let tokens = common::connected_store(&emu, &["org_1"]).await;
    let provider = common::provider(&emu, tokens);
    let verifier: Verifier = Arc::new(GoogleWebhookVerifier::new(provider.clone()));
    let (tx, mut statuses) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/webhooks/google", post(endpoint))
        .with_state((verifier, tx));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let address = format!("http://{}/webhooks/google", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let watch = GoogleWatch::new(provider.clone(), address).unwrap();
    let tenant = TenantId::new("org_1");
    let mut secrets = Vec::new();

    let first = watch.watch(&tenant, "primary").await.unwrap();
    secrets.push(first.secret.expose_secret().to_owned());
    assert_eq!(next(&mut statuses).await, 200, "the sync message");
    // A verified notification (its change read through an incremental sync), then a forged one.
    let created = provider_create(&provider).await;
    assert_eq!(next(&mut statuses).await, 200);
    emu.inject_google_push_fault(GooglePushFault::WrongToken);
    emu.change_google_event(
        &emu.demo().google_user_email,
        &created,
        serde_json::Map::from_iter([("summary".to_owned(), serde_json::json!("Forged"))]),
    )
    .unwrap();
    assert_eq!(next(&mut statuses).await, 401);

    let far = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 365);
    let renewed = watch.renew_expiring(far).await.unwrap();
    secrets.extend(renewed.iter().map(|s| s.secret.expose_secret().to_owned()));
    assert_eq!(next(&mut statuses).await, 200, "the new channel's sync");
    assert_eq!(watch.stop(&tenant).await.unwrap(), 1);

    let again = watch.watch(&tenant, "primary").await.unwrap();
    secrets.push(again.secret.expose_secret().to_owned());
    assert_eq!(next(&mut statuses).await, 200);
    emu.inject_fault(FaultRule::probability(
        Some("POST"),
        "/calendar/v3/channels/stop",
        1.0,
        FaultAction::Status {
            status: 500,
            body: String::new(),
            headers: Vec::new(),
        },
    ));
    let client = MeetSchedifyClient::builder()
        .with_provider(provider.clone())
        .build()
        .unwrap();
    let outcome = client
        .disconnect_provider(&ProviderId::GOOGLE_MEET, &tenant)
        .await
        .unwrap();
    assert_eq!(outcome, DisconnectOutcome::Revoked);

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    for said in [
        "channel open",
        "channel renewed",
        "channels stopped",
        "google refused to stop",
    ] {
        assert!(logs.contains(said), "{said:?} was not logged");
    }
    assert_eq!(secrets.len(), 3);
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a channel token was logged"
        );
    }
}

/// A meeting the library makes for `org_1`; its event id.
async fn provider_create(provider: &meetschedify_google::GoogleMeetProvider) -> String {
    use meetschedify_core::MeetingProvider as _;
    provider
        .create_meeting(&common::create_request("org_1", None))
        .await
        .unwrap()
        .provider_event_id
}
