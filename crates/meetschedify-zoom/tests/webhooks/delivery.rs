//! Genuine deliveries and the URL validation.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use meetschedify_core::webhooks::{
    MeetingEventKind, RejectionReason, WebhookOutcome, WebhookVerifier,
};
use meetschedify_core::{MemoryNonceStore, NonceStore, ProviderId};
use meetschedify_zoom::webhooks::{encrypted_token_for_test, ZoomWebhookVerifier};
use serde_json::{json, Value};

use crate::common::{assert_rejected, events, signed, started, verifier, SECRET};

#[tokio::test]
async fn a_signed_meeting_started_becomes_one_event_with_the_raw_payload() {
    let now = Timestamp::now();
    let body = started("85746065432", "inst-1==", now.as_millisecond());
    let outcome = verifier()
        .handle(&signed(SECRET, now, &body))
        .await
        .unwrap();
    let events = events(outcome);
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.provider, ProviderId::ZOOM);
    assert_eq!(event.kind, MeetingEventKind::Started);
    assert_eq!(event.meeting_id, "85746065432");
    assert_eq!(event.tenant, None);
    assert_eq!(event.occurred_at.as_millisecond(), now.as_millisecond());
    // The raw payload is the body as sent, its escape decoded once by the JSON parser.
    assert_eq!(event.raw["payload"]["object"]["topic"], "Café sync");
    assert_eq!(event.raw, serde_json::from_str::<Value>(&body).unwrap());
}

#[tokio::test]
async fn the_reference_raw_body_vector_is_accepted_at_its_own_time() {
    // webhooks.md §1.8: a re-serialising verifier rejects this genuine request.
    let body = r#"{"event":"meeting.started", "event_ts":1626230691572,"payload":{"account_id":"AbC","object":{"id":"85746065432","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"z8yBXksBTWG4pE1Gc6VH8A","topic":"Caf\u00e9 sync","type":2,"start_time":"2021-07-13T21:44:51Z","timezone":"Europe/Paris","duration":30}}}"#;
    let at = Timestamp::from_second(1_626_230_691).unwrap();
    let request = meetschedify_core::webhooks::WebhookRequest::new(
        meetschedify_core::webhooks::WebhookHeaders::new()
            .with("x-zm-request-timestamp", "1626230691")
            .with(
                "x-zm-signature",
                "v0=5d82e96a73cbce75c3053b7ee027a9245487770415226ba7cdbef385d9acd96b",
            ),
        body,
    );
    let verifier = ZoomWebhookVerifier::builder()
        .with_secret_token("secret")
        .build()
        .unwrap();
    let events = events(verifier.handle_at(&request, at).await.unwrap());
    assert_eq!(events[0].meeting_id, "85746065432");
    assert_eq!(
        events[0].delivery_id,
        "meeting.started:4444AAAiAAAAAiAiAiiAii==:1626230691572"
    );
}

#[tokio::test]
async fn url_validation_is_answered_with_the_secret_that_signed_it() {
    let now = Timestamp::now();
    let body = json!({"payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}, "event_ts": now.as_millisecond(), "event": "endpoint.url_validation"}).to_string();
    // Mid-rotation: the Zoom app still signs with the old token.
    let verifier = ZoomWebhookVerifier::builder()
        .with_secret_token("new-token")
        .with_secret_token("old-token")
        .build()
        .unwrap();
    for secret in ["old-token", "new-token"] {
        let outcome = verifier.handle(&signed(secret, now, &body)).await.unwrap();
        let WebhookOutcome::Challenge(answer) = outcome else {
            panic!("expected a challenge answer, got {outcome:?}");
        };
        assert_eq!(answer.status, 200);
        assert_eq!(answer.content_type, "application/json");
        let answer: Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(
            answer,
            json!({
                "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
                "encryptedToken": encrypted_token_for_test(secret, "qgg8vlvZRS6UYooatFL8Aw"),
            })
        );
    }
}

#[tokio::test]
async fn every_mapped_kind_and_an_unknown_event_are_delivered() {
    let now = Timestamp::now();
    let verifier = verifier();
    let cases = [
        ("meeting.ended", MeetingEventKind::Ended),
        (
            "meeting.participant_joined",
            MeetingEventKind::ParticipantJoined,
        ),
        (
            "meeting.participant_left",
            MeetingEventKind::ParticipantLeft,
        ),
        ("meeting.updated", MeetingEventKind::Updated),
        ("meeting.deleted", MeetingEventKind::Cancelled),
        ("recording.completed", MeetingEventKind::RecordingReady),
        (
            "meeting.sharing_started",
            MeetingEventKind::Other("meeting.sharing_started".into()),
        ),
    ];
    for (name, kind) in cases {
        // Updated, deleted and recording events carry the id as a number.
        let body = json!({"event": name, "event_ts": now.as_millisecond(), "payload": {"account_id": "A", "object": {"id": 987_654_321_u64, "uuid": "u==", "participant": {"user_id": "p1", "user_name": "Ada", "email": "ada@example.com"}}}}).to_string();
        let events = events(verifier.handle(&signed(SECRET, now, &body)).await.unwrap());
        assert_eq!(events[0].kind, kind, "{name}");
        assert_eq!(events[0].meeting_id, "987654321");
    }
}

#[tokio::test]
async fn a_shared_replay_store_drops_a_replay_sent_to_another_instance() {
    let store: Arc<dyn NonceStore> = Arc::new(MemoryNonceStore::new());
    let instance = || {
        ZoomWebhookVerifier::builder()
            .with_secret_token(SECRET)
            .with_replay_store(Arc::clone(&store))
            .build()
            .unwrap()
    };
    let (first, second) = (instance(), instance());
    let now = Timestamp::now();
    let request = signed(SECRET, now, &started("1", "u1", now.as_millisecond()));
    first.handle_at(&request, now).await.unwrap();
    let later = now + SignedDuration::from_secs(2);
    assert_rejected(&second, &request, later, RejectionReason::Replayed).await;
}
