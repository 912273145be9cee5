//! Zoom webhooks (feature `webhooks`): [`ZoomWebhookVerifier`] checks Zoom's event
//! notifications and turns them into provider-neutral
//! [`MeetingEvent`](meetschedify_core::webhooks::MeetingEvent)s.
//!
//! ```
//! use meetschedify_core::webhooks::{WebhookHeaders, WebhookOutcome, WebhookRequest, WebhookVerifier};
//! use meetschedify_zoom::webhooks::{sign_for_test, ZoomWebhookVerifier};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let verifier = ZoomWebhookVerifier::builder().with_secret_token("s3cret").build().unwrap();
//! let body = r#"{"event":"meeting.started","event_ts":1700000000000,"payload":{"object":{"id":"123","uuid":"u1"}}}"#;
//! let timestamp = jiff::Timestamp::now().as_second().to_string();
//! let headers = WebhookHeaders::new()
//!     .with("x-zm-request-timestamp", timestamp.clone())
//!     .with("x-zm-signature", sign_for_test("s3cret", &timestamp, body.as_bytes()));
//! let outcome = verifier.handle(&WebhookRequest::new(headers, body)).await.unwrap();
//! let WebhookOutcome::Events(events) = outcome else { panic!("not events") };
//! assert_eq!(events[0].kind.as_str(), "started");
//! assert_eq!(events[0].meeting_id, "123");
//! # });
//! ```

mod builder;
mod payload;
mod signature;
mod verifier;

pub use builder::{
    ZoomWebhookVerifierBuilder, DEFAULT_TIMESTAMP_TOLERANCE, ENV_WEBHOOK_SECRET_TOKEN,
};
pub use verifier::{ZoomWebhookVerifier, HEADER_SIGNATURE, HEADER_TIMESTAMP};

/// The `x-zm-signature` Zoom would send for `body` at `timestamp` (Unix seconds, as the header
/// text) under `secret_token`: for test senders such as `meetschedify webhooks send-test`.
pub fn sign_for_test(secret_token: &str, timestamp: &str, body: &[u8]) -> String {
    signature::sign(
        &meetschedify_core::secrecy::SecretString::from(secret_token.to_owned()),
        timestamp,
        body,
    )
}

/// The `encryptedToken` Zoom expects in answer to a URL validation for `plain_token` under
/// `secret_token`: for test senders that check an endpoint's answer.
pub fn encrypted_token_for_test(secret_token: &str, plain_token: &str) -> String {
    signature::encrypt_token(
        &meetschedify_core::secrecy::SecretString::from(secret_token.to_owned()),
        plain_token,
    )
}
