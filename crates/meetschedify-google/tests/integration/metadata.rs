//! Metadata round-trips through the event's private extended properties, within Google's limits.

use meetschedify_core::{Capabilities, GetMeeting, UpdateMeeting};
use meetschedify_core::{
    MeetingContext, MeetingProvider, Metadata, RequestLimits, UpdateMeetingRequest,
    ValidatedCreate, ValidatedUpdate,
};

fn big_metadata() -> Metadata {
    // Close to core's default limit of 8 KiB, with multi-byte text: nine chunks.
    let mut m = Metadata::new();
    m.insert("notes".into(), "Prüfung ✓ ".repeat(600).into());
    m.insert("ids".into(), serde_json::json!([1, 2, 3]));
    m
}

#[tokio::test]
async fn large_metadata_round_trips_and_shrinks_cleanly() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    let request = crate::common::create_request("org_1", Some("k"))
        .into_request()
        .with_metadata(big_metadata());
    let limits = Capabilities::of(&provider).limits;
    let valid = ValidatedCreate::new(request, &limits).unwrap();
    let created = provider.create_meeting(&valid).await.unwrap();
    assert_eq!(created.metadata, big_metadata());

    let ctx = MeetingContext::new("org_1");
    let got = provider
        .get_meeting(&ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.metadata, big_metadata());
    let private = got.raw["extendedProperties"]["private"]
        .as_object()
        .unwrap();
    assert!(private.len() > 5, "stored in chunks: {}", private.len());
    for (k, v) in private {
        assert!(k.chars().count() <= 44, "{k}");
        assert!(v.as_str().unwrap().chars().count() <= 1024, "{k}");
    }

    // Replacing it with something small leaves no stale chunk content behind.
    let mut small = Metadata::new();
    small.insert("stage".into(), "final".into());
    let update = ValidatedUpdate::new(
        UpdateMeetingRequest::new().with_metadata(small.clone()),
        &RequestLimits::DEFAULT,
    )
    .unwrap();
    let updated = provider
        .update_meeting(&ctx, &created.provider_event_id, &update)
        .await
        .unwrap();
    assert_eq!(updated.meeting.metadata, small);
    let got = provider
        .get_meeting(&ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.metadata, small);
    let private = got.raw["extendedProperties"]["private"]
        .as_object()
        .unwrap();
    let stored: usize = private.values().map(|v| v.as_str().unwrap().len()).sum();
    assert!(stored < 100, "old chunks were blanked: {stored} bytes left");
}

#[tokio::test]
async fn metadata_over_the_limit_is_refused_before_any_call() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    let mut m = Metadata::new();
    m.insert("x".into(), "a".repeat(9 * 1024).into());
    let request = crate::common::create_request("org_1", None)
        .into_request()
        .with_metadata(m);
    let err = ValidatedCreate::new(request, &Capabilities::of(&provider).limits).unwrap_err();
    assert_eq!(err.field(), Some("metadata"));
    assert!(emu.requests().is_empty());
}

#[tokio::test]
async fn without_the_raw_event_everything_else_is_still_there() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::builder(&emu, crate::common::connected_store(&emu, &["org_1"]).await)
            .with_raw_event(false)
            .build()
            .unwrap();
    let request = crate::common::create_request("org_1", Some("k"))
        .into_request()
        .with_metadata(big_metadata());
    let valid = ValidatedCreate::new(request, &Capabilities::of(&provider).limits).unwrap();
    let created = provider.create_meeting(&valid).await.unwrap();
    assert_eq!(
        created.raw,
        serde_json::Value::Null,
        "not parsed a second time"
    );
    assert!(created
        .conference_link
        .as_deref()
        .is_some_and(|l| l.starts_with("https://meet.google.com/")));
    assert!(created.calendar_url.is_some());
    assert_eq!(created.metadata, big_metadata(), "from the typed event");

    let got = provider
        .get_meeting(&MeetingContext::new("org_1"), &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.raw, serde_json::Value::Null);
    assert_eq!(got.metadata, big_metadata());
    assert_eq!(got.conference_link, created.conference_link);
}
