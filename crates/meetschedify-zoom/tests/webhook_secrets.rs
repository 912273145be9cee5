//! Webhook secret tokens never reach `Debug` output or `tracing` logs, through accepted,
//! rejected and challenge requests at TRACE level. A binary of its own: `tracing` caches
//! callsite interest process-wide (see `secrets.rs`).

use std::io::Write;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use meetschedify_core::webhooks::{WebhookHeaders, WebhookRequest, WebhookVerifier};
use meetschedify_zoom::webhooks::{sign_for_test, ZoomWebhookVerifier, ZoomWebhookVerifierBuilder};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn request(secret: &str, body: &str) -> WebhookRequest {
    let ts = Timestamp::now().as_second().to_string();
    WebhookRequest::new(
        WebhookHeaders::new()
            .with("x-zm-request-timestamp", ts.clone())
            .with(
                "x-zm-signature",
                sign_for_test(secret, &ts, body.as_bytes()),
            ),
        body,
    )
}

#[tokio::test]
async fn webhook_secrets_never_reach_debug_or_logs() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (new, old) = ("NEW-webhook-secret-9f2c", "OLD-webhook-secret-41aa");
    let builder = ZoomWebhookVerifierBuilder::from_lookup(|name| {
        (name == "ZOOM_WEBHOOK_SECRET_TOKEN").then(|| format!("{new}, {old}"))
    });
    let builder_debug = format!("{builder:?}");
    let verifier: ZoomWebhookVerifier = builder.build().unwrap();
    let started =
        r#"{"event":"meeting.started","event_ts":1,"payload":{"object":{"id":"1","uuid":"u"}}}"#;
    let challenge =
        r#"{"event":"endpoint.url_validation","event_ts":1,"payload":{"plainToken":"pt"}}"#;
    let accepted = verifier.handle(&request(old, started)).await.unwrap();
    let answered = verifier.handle(&request(new, challenge)).await.unwrap();
    let replayed = verifier.handle(&request(new, started)).await.unwrap_err();
    let forged = verifier
        .handle(&request("wrong", started))
        .await
        .unwrap_err();

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("WEBHOOK_BAD_SIGNATURE"),
        "rejections are logged: {logs}"
    );
    assert!(logs.contains("WEBHOOK_REPLAYED"), "{logs}");
    assert!(logs.contains("verified"), "{logs}");
    let rendered = [
        builder_debug,
        format!("{verifier:?}"),
        format!("{accepted:?}"),
        format!("{answered:?}"),
        format!("{replayed:?} {replayed}"),
        format!("{forged:?} {forged}"),
        logs,
    ];
    for text in &rendered {
        for secret in [new, old] {
            assert!(!text.contains(secret), "secret leaked into: {text}");
        }
    }
}
