//! Meet conferences are created asynchronously: a create waits for a join URL, within a bound.

use std::time::Duration;

use meetschedify_core::{
    ErrorCode, MeetingProvider, ProviderErrorDetails, RequestLimits, ValidatedCreate,
};
use meetschedify_emulator::Emulator;

#[tokio::test]
async fn a_pending_conference_is_polled_until_ready() {
    let emu = crate::common::emulator(Emulator::builder().with_conference_pending_reads(2)).await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    let meeting = provider
        .create_meeting(&crate::common::create_request("org_1", Some("k")))
        .await
        .unwrap();
    assert!(meeting.conference_link.is_some());
    assert_eq!(
        meeting.raw["conferenceData"]["createRequest"]["status"]["statusCode"],
        "success"
    );
    let gets = emu.requests().iter().filter(|r| r.method == "GET").count();
    assert_eq!(gets, 3, "two reads still pending, the third ready");
}

#[tokio::test]
async fn a_conference_ready_on_insert_is_not_polled() {
    let emu =
        crate::common::emulator(Emulator::builder().with_conference_pending_on_insert(false)).await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    let meeting = provider
        .create_meeting(&crate::common::create_request("org_1", Some("k")))
        .await
        .unwrap();
    assert!(meeting.conference_link.is_some());
    assert_eq!(
        meeting.raw["conferenceData"]["createRequest"]["status"]["statusCode"],
        "success"
    );
    let gets = emu.requests().iter().filter(|r| r.method == "GET").count();
    assert_eq!(gets, 0, "the insert answer already had the link");
}

#[tokio::test]
async fn still_pending_after_the_bound_is_conference_pending_with_the_event_id() {
    // Google needs 8 more reads; a 30 ms bound allows about 5 (polls at 0, 1, 3, 7, 15 ms).
    let emu = crate::common::emulator(Emulator::builder().with_conference_pending_reads(8)).await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let impatient = crate::common::builder(&emu, store.clone())
        .with_conference_wait(Duration::from_millis(30))
        .build()
        .unwrap();
    let err = impatient
        .create_meeting(&crate::common::create_request("org_1", Some("k")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ConferencePending, "{err}");
    assert!(err.is_retryable(), "same key: retrying the create is safe");
    let Some(ProviderErrorDetails::Other { details }) = err.details() else {
        panic!("details carry the event id: {err:?}");
    };
    let id = details["event_id"].as_str().unwrap().to_owned();
    assert!(err.message().contains(&id));
    assert_eq!(
        err.meeting_id(),
        Some(id.as_str()),
        "typed, for get_meeting later"
    );
    assert_eq!(err.to_json()["meeting_id"], id.as_str());
    assert_eq!(crate::common::live_events(&emu).len(), 1);

    // Creating again with the same key finds the same event (409) and waits for it to be ready.
    let patient = crate::common::builder(&emu, store)
        .with_conference_wait(Duration::from_secs(5))
        .build()
        .unwrap();
    let meeting = patient
        .create_meeting(&crate::common::create_request("org_1", Some("k")))
        .await
        .unwrap();
    assert_eq!(meeting.provider_event_id, id);
    assert!(meeting.conference_link.is_some());
    assert_eq!(crate::common::live_events(&emu).len(), 1);

    // Without a caller's key a repeat would make a second meeting, so it is not retryable.
    let err = impatient
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ConferencePending);
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn callers_can_opt_in_to_a_meeting_without_a_link_yet() {
    let emu =
        crate::common::emulator(Emulator::builder().with_conference_pending_reads(1_000)).await;
    let provider =
        crate::common::builder(&emu, crate::common::connected_store(&emu, &["org_1"]).await)
            .with_conference_wait(Duration::from_millis(10))
            .build()
            .unwrap();
    let request = crate::common::create_request("org_1", Some("k"))
        .into_request()
        .with_provider_option(
            "google",
            serde_json::json!({"allow_pending_conference": true}),
        );
    let meeting = provider
        .create_meeting(&ValidatedCreate::new(request, &RequestLimits::DEFAULT).unwrap())
        .await
        .unwrap();
    assert!(meeting.conference_link.is_none());
    assert_eq!(
        meeting.raw["conferenceData"]["createRequest"]["status"]["statusCode"],
        "pending"
    );
}

#[tokio::test]
async fn no_link_asked_means_no_conference_and_no_wait() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    let request = crate::common::create_request("org_1", None)
        .into_request()
        .with_conference_link(false);
    let meeting = provider
        .create_meeting(&ValidatedCreate::new(request, &RequestLimits::DEFAULT).unwrap())
        .await
        .unwrap();
    assert!(meeting.conference_link.is_none());
    assert!(meeting.raw.get("conferenceData").is_none());
    assert_eq!(
        emu.requests().iter().filter(|r| r.method == "GET").count(),
        0
    );
}
