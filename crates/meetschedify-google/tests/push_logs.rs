//! Google channel tokens never reach the logs. In its own binary, alone: `tracing` caches
//! per-callsite interest process-wide, and a test on another thread can register a callsite
//! while this test's scoped subscriber is being installed, muting it.

#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;
// Shared by the push test binaries; not every one reads every field.
#[allow(dead_code)]
mod push_endpoint;

use std::sync::Arc;

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{DisconnectOutcome, MeetSchedifyClient, ProviderId, TenantId};
use meetschedify_emulator::{FaultAction, FaultRule, GooglePushFault};
use meetschedify_google::webhooks::{GoogleWatch, GoogleWebhookVerifier};

use crate::push_endpoint::{Endpoint, Verifier};

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
    let mut endpoint = Endpoint::serve(verifier).await;
    let watch = GoogleWatch::new(provider.clone(), endpoint.address.clone()).unwrap();
    let tenant = TenantId::new("org_1");
    let mut secrets = Vec::new();

    let first = watch.watch(&tenant, "primary").await.unwrap();
    secrets.push(first.secret.expose_secret().to_owned());
    assert_eq!(endpoint.next().await.status, 200, "the sync message");
    // A verified notification (its change read through an incremental sync), then a forged one.
    let created = provider_create(&provider).await;
    assert_eq!(endpoint.next().await.status, 200);
    emu.inject_google_push_fault(GooglePushFault::WrongToken);
    emu.change_google_event(
        &emu.demo().google_user_email,
        &created,
        serde_json::Map::from_iter([("summary".to_owned(), serde_json::json!("Forged"))]),
    )
    .unwrap();
    assert_eq!(endpoint.next().await.status, 401);

    let far = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 365);
    let renewed = watch.renew_expiring(far).await.unwrap();
    secrets.extend(renewed.iter().map(|s| s.secret.expose_secret().to_owned()));
    assert_eq!(endpoint.next().await.status, 200, "the new channel's sync");
    assert_eq!(watch.stop(&tenant).await.unwrap(), 1);

    let again = watch.watch(&tenant, "primary").await.unwrap();
    secrets.push(again.secret.expose_secret().to_owned());
    assert_eq!(endpoint.next().await.status, 200);
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
