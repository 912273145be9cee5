//! Signed requests as Zoom sends them.

use jiff::Timestamp;
use meetschedify_core::webhooks::{
    MeetingEvent, RejectionReason, WebhookHeaders, WebhookOutcome, WebhookRequest,
};
use meetschedify_zoom::webhooks::{sign_for_test, ZoomWebhookVerifier};

/// The signing secret of the tests' Zoom app.
pub(crate) const SECRET: &str = "zoom-webhook-secret-token";

/// A `meeting.started` notification for meeting `id`, instance `uuid`, at `event_ts` ms.
pub(crate) fn started(id: &str, uuid: &str, event_ts: i64) -> String {
    format!(
        r#"{{"event":"meeting.started","event_ts":{event_ts},"payload":{{"account_id":"AbC","object":{{"id":"{id}","uuid":"{uuid}","host_id":"h1","topic":"Caf\u00e9 sync","type":2,"start_time":"2026-03-01T10:00:00Z","duration":30}}}}}}"#
    )
}

/// Headers for `body` signed with `secret` at `at`.
pub(crate) fn signed_headers(secret: &str, at: Timestamp, body: &str) -> WebhookHeaders {
    let timestamp = at.as_second().to_string();
    WebhookHeaders::new()
        .with("Content-Type", "application/json; charset=utf-8")
        .with("x-zm-request-timestamp", timestamp.clone())
        .with(
            "x-zm-signature",
            sign_for_test(secret, &timestamp, body.as_bytes()),
        )
        .with("x-zm-request-id", "6009d653_d487_445d_8406_42b654974899")
}

/// A request for `body` signed with `secret` at `at`.
pub(crate) fn signed(secret: &str, at: Timestamp, body: &str) -> WebhookRequest {
    WebhookRequest::new(signed_headers(secret, at, body), body.as_bytes().to_vec())
}

/// A verifier with [`SECRET`] and the defaults.
pub(crate) fn verifier() -> ZoomWebhookVerifier {
    ZoomWebhookVerifier::builder()
        .with_secret_token(SECRET)
        .build()
        .unwrap()
}

/// The events of an accepted request.
pub(crate) fn events(outcome: WebhookOutcome) -> Vec<MeetingEvent> {
    match outcome {
        WebhookOutcome::Events(events) => events,
        other => panic!("expected events, got {other:?}"),
    }
}

/// Asserts that `request` is refused with `reason` (and so delivers no event).
pub(crate) async fn assert_rejected(
    verifier: &ZoomWebhookVerifier,
    request: &WebhookRequest,
    now: Timestamp,
    reason: RejectionReason,
) {
    match verifier.handle_at(request, now).await {
        Ok(outcome) => panic!("expected {reason:?}, delivered {outcome:?}"),
        Err(rejection) => {
            assert_eq!(rejection.reason(), &reason);
            assert_eq!(rejection.http_status(), reason.http_status());
        }
    }
}
