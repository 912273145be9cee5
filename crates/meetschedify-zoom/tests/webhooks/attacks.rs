//! One test per attack of the webhook threat model (`docs/security.md`). Each asserts the typed
//! reason; a rejection carries no events, so nothing is delivered.

use jiff::{SignedDuration, Timestamp};
use meetschedify_core::webhooks::{RejectionReason, WebhookHeaders, WebhookRequest};
use meetschedify_zoom::webhooks::{sign_for_test, ZoomWebhookVerifier};
use serde_json::json;

use crate::common::{assert_rejected, signed, signed_headers, started, verifier, SECRET};

#[tokio::test]
async fn bad_signature_is_rejected() {
    let now = Timestamp::now();
    let body = started("1", "u1", now.as_millisecond());
    let request = signed("not-the-secret", now, &body);
    assert_rejected(&verifier(), &request, now, RejectionReason::BadSignature).await;
}

#[tokio::test]
async fn tampered_body_is_rejected() {
    let now = Timestamp::now();
    let body = started("1", "u1", now.as_millisecond());
    let headers = signed_headers(SECRET, now, &body);
    let tampered = body.replace(r#""id":"1""#, r#""id":"2""#);
    assert_ne!(tampered, body);
    let request = WebhookRequest::new(headers, tampered);
    assert_rejected(&verifier(), &request, now, RejectionReason::BadSignature).await;
}

#[tokio::test]
async fn stale_timestamp_is_rejected() {
    // Whole seconds, as the header carries, so the edge case below is exact.
    let now = Timestamp::from_second(Timestamp::now().as_second()).unwrap();
    let then = now - SignedDuration::from_secs(5 * 60 + 1);
    let request = signed(SECRET, then, &started("1", "u1", then.as_millisecond()));
    assert_rejected(&verifier(), &request, now, RejectionReason::StaleTimestamp).await;
    // Exactly at the tolerance is still accepted.
    let edge = now - SignedDuration::from_secs(5 * 60);
    let request = signed(SECRET, edge, &started("1", "u1", edge.as_millisecond()));
    assert!(verifier().handle_at(&request, now).await.is_ok());
}

#[tokio::test]
async fn future_timestamp_is_rejected() {
    let now = Timestamp::now();
    let then = now + SignedDuration::from_secs(5 * 60 + 1);
    let request = signed(SECRET, then, &started("1", "u1", then.as_millisecond()));
    assert_rejected(&verifier(), &request, now, RejectionReason::FutureTimestamp).await;
}

#[tokio::test]
async fn replayed_delivery_is_rejected() {
    let verifier = verifier();
    let now = Timestamp::now();
    let body = started("1", "u1", now.as_millisecond());
    let request = signed(SECRET, now, &body);
    assert!(verifier.handle_at(&request, now).await.is_ok());
    // The same bytes again, within the tolerance.
    assert_rejected(&verifier, &request, now, RejectionReason::Replayed).await;
    // A re-signed copy with a fresh timestamp (what Zoom's retry, or an attacker holding an
    // old secret, would send) is the same notification: dropped too.
    let later = now + SignedDuration::from_mins(25);
    let resent = signed(SECRET, later, &body);
    assert_rejected(&verifier, &resent, later, RejectionReason::Replayed).await;
}

#[tokio::test]
async fn missing_headers_are_rejected() {
    let now = Timestamp::now();
    let body = started("1", "u1", now.as_millisecond());
    let ts = now.as_second().to_string();
    let signature = sign_for_test(SECRET, &ts, body.as_bytes());
    let cases = [
        (
            WebhookHeaders::new().with("x-zm-signature", signature.clone()),
            "x-zm-request-timestamp",
        ),
        (
            WebhookHeaders::new().with("x-zm-request-timestamp", ts.clone()),
            "x-zm-signature",
        ),
        (
            WebhookHeaders::new()
                .with("x-zm-request-timestamp", ts.clone())
                .with("x-zm-signature", "  "),
            "x-zm-signature",
        ),
        (WebhookHeaders::new(), "x-zm-request-timestamp"),
    ];
    for (headers, missing) in cases {
        let request = WebhookRequest::new(headers, body.clone());
        assert_rejected(
            &verifier(),
            &request,
            now,
            RejectionReason::MissingHeader(missing),
        )
        .await;
    }
}

#[tokio::test]
async fn an_old_secret_is_accepted_during_rotation_and_rejected_once_removed() {
    let now = Timestamp::now();
    let during = ZoomWebhookVerifier::builder()
        .with_secret_token("new-token")
        .with_secret_token("old-token")
        .build()
        .unwrap();
    let request = signed("old-token", now, &started("1", "u1", now.as_millisecond()));
    assert!(during.handle_at(&request, now).await.is_ok());
    let after = ZoomWebhookVerifier::builder()
        .with_secret_token("new-token")
        .build()
        .unwrap();
    let request = signed("old-token", now, &started("1", "u2", now.as_millisecond()));
    assert_rejected(&after, &request, now, RejectionReason::BadSignature).await;
}

#[tokio::test]
async fn oversized_body_is_rejected_before_anything_else() {
    let verifier = ZoomWebhookVerifier::builder()
        .with_secret_token(SECRET)
        .with_max_body_bytes(1024)
        .build()
        .unwrap();
    let now = Timestamp::now();
    let padding = "x".repeat(1024);
    let body = json!({"event": "meeting.started", "event_ts": 1, "payload": {"object": {"id": "1", "topic": padding}}}).to_string();
    // Correctly signed, so only the size can be the reason.
    let request = signed(SECRET, now, &body);
    assert_rejected(
        &verifier,
        &request,
        now,
        RejectionReason::BodyTooLarge { limit: 1024 },
    )
    .await;
}

#[tokio::test]
async fn a_challenge_with_a_wrong_secret_or_no_plain_token_is_rejected() {
    let now = Timestamp::now();
    let body = json!({"payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}, "event_ts": 1, "event": "endpoint.url_validation"}).to_string();
    let forged = signed("someone-else", now, &body);
    assert_rejected(&verifier(), &forged, now, RejectionReason::BadSignature).await;
    let empty =
        json!({"payload": {}, "event_ts": 1, "event": "endpoint.url_validation"}).to_string();
    let request = signed(SECRET, now, &empty);
    let err = verifier().handle_at(&request, now).await.unwrap_err();
    assert!(
        matches!(err.reason(), RejectionReason::Malformed(_)),
        "{err:?}"
    );
    assert_eq!(err.http_status(), 400);
}

#[tokio::test]
async fn an_authentic_body_that_is_not_json_is_malformed() {
    let now = Timestamp::now();
    let request = signed(SECRET, now, "not json");
    let err = verifier().handle_at(&request, now).await.unwrap_err();
    assert!(
        matches!(err.reason(), RejectionReason::Malformed(_)),
        "{err:?}"
    );
}
