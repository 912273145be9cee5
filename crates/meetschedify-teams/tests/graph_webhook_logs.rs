//! The `clientState` log test runs in its own binary, alone: `tracing` caches per-callsite
//! interest process-wide, and a test on another thread can register a callsite while this
//! test's scoped subscriber is being installed, muting it (this test failed that way when it
//! shared the `graph_webhooks` binary).

mod graph_endpoint;

use std::sync::Arc;

use jiff::Timestamp;
use meetschedify_core::webhooks::MeetingEventKind;
use meetschedify_core::{MeetSchedifyClient, MeetingContext, TenantId, UpdateMeetingRequest};
use meetschedify_emulator::{Emulator, GraphWebhookFault};

use crate::graph_endpoint::{next, provider, request, serve};

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

/// The `clientState` never reaches `tracing` output: subscribe, a verified notification, a
/// forged one and a renewal run with logging at TRACE into a buffer, which is then searched.
#[tokio::test]
async fn the_client_state_never_reaches_the_logs() {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = Emulator::start().await.unwrap();
    let teams = provider(&emu);
    let subs = teams.subscriptions().unwrap();
    let (url, mut events) = serve(subs.verifier().build()).await;
    let sub = subs
        .subscribe(&TenantId::new("acme-hr"), &url, None)
        .await
        .unwrap();
    let client = MeetSchedifyClient::builder()
        .with_provider(teams)
        .build()
        .unwrap();
    let created = client.create_meeting(request("Logged")).await.unwrap();
    emu.inject_graph_webhook_fault(GraphWebhookFault::WrongClientState);
    let ctx = MeetingContext::new("acme-hr");
    for title in ["Forged", "Genuine"] {
        client
            .update_meeting(
                &created.provider_id,
                &ctx,
                &created.provider_event_id,
                UpdateMeetingRequest::new().with_title(title),
            )
            .await
            .unwrap();
    }
    assert_eq!(next(&mut events).await.kind, MeetingEventKind::Updated);
    subs.renew_expiring(Timestamp::now() + jiff::SignedDuration::from_hours(100))
        .await
        .unwrap();
    let secret = meetschedify_core::secrecy::ExposeSecret::expose_secret(&sub.secret).to_owned();
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("graph subscription created"),
        "nothing was logged"
    );
    assert!(!logs.contains(&secret), "the clientState was logged");
}
