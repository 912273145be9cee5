//! Creates are safe to retry: the event id comes from the idempotency key, and Google's 409
//! `duplicate` means "already made", so the existing event is returned.

use std::collections::HashSet;

use meetschedify_core::{MeetingProvider, ProviderId, TenantId};
use meetschedify_emulator::{Emulator, FaultAction, FaultRule};
use meetschedify_google::event_id;

const INSERT: &str = "/calendar/v3/calendars/*/events";

#[tokio::test]
async fn the_same_key_twice_gives_the_same_event() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    let first = provider
        .create_meeting(&crate::common::create_request(
            "org_1",
            Some("interview-42"),
        ))
        .await
        .unwrap();
    let second = provider
        .create_meeting(&crate::common::create_request(
            "org_1",
            Some("interview-42"),
        ))
        .await
        .unwrap();
    assert_eq!(first.provider_event_id, second.provider_event_id);
    assert_eq!(first.conference_link, second.conference_link);
    assert_eq!(crate::common::live_events(&emu).len(), 1);
    let want = event_id(
        &ProviderId::GOOGLE_MEET,
        &TenantId::new("org_1"),
        "interview-42",
    );
    assert_eq!(first.provider_event_id, want);
    let conflicts = emu
        .requests()
        .iter()
        .filter(|r| r.status == Some(409))
        .count();
    assert_eq!(conflicts, 1, "the second insert met 409 duplicate");
}

#[tokio::test]
async fn two_tenants_with_the_same_key_get_two_events() {
    let emu = crate::common::default_emulator().await;
    let provider = crate::common::provider(
        &emu,
        crate::common::connected_store(&emu, &["a", "b"]).await,
    );
    let a = provider
        .create_meeting(&crate::common::create_request("a", Some("k")))
        .await
        .unwrap();
    let b = provider
        .create_meeting(&crate::common::create_request("b", Some("k")))
        .await
        .unwrap();
    assert_ne!(a.provider_event_id, b.provider_event_id);
    assert_eq!(crate::common::live_events(&emu).len(), 2);
}

#[tokio::test]
async fn without_a_key_each_call_is_a_new_meeting_but_its_own_retries_are_safe() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    // The first insert takes effect but its answer is lost; the retry meets 409 and reads it.
    emu.inject_fault(FaultRule::once("POST", INSERT, FaultAction::ResetAfter));
    let one = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap();
    let two = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap();
    assert_ne!(one.provider_event_id, two.provider_event_id);
    assert_eq!(
        crate::common::live_events(&emu).len(),
        2,
        "no duplicate of the first"
    );
}

#[tokio::test]
async fn five_hundred_creates_with_twenty_percent_lost_answers_make_exactly_five_hundred_events() {
    let emu = crate::common::emulator(
        Emulator::builder()
            .with_google_quota_per_minute(None)
            .with_seed(4242),
    )
    .await;
    let provider =
        crate::common::builder(&emu, crate::common::connected_store(&emu, &["org_1"]).await)
            .with_retry(crate::common::fast_retry(12))
            .build()
            .unwrap();
    emu.inject_fault(FaultRule::probability(
        Some("POST"),
        INSERT,
        0.2,
        FaultAction::ResetAfter,
    ));
    let mut ids = HashSet::new();
    for i in 0..500 {
        let meeting = provider
            .create_meeting(&crate::common::create_request(
                "org_1",
                Some(&format!("booking-{i}")),
            ))
            .await
            .unwrap_or_else(|e| panic!("create {i}: {e}"));
        assert!(meeting.conference_link.is_some(), "create {i} has a link");
        ids.insert(meeting.provider_event_id);
    }
    assert_eq!(ids.len(), 500);
    assert_eq!(
        crate::common::live_events(&emu).len(),
        500,
        "exactly one event per create"
    );
    let requests = emu.requests();
    let lost = requests
        .iter()
        .filter(|r| r.method == "POST" && r.status.is_none())
        .count();
    let duplicates = requests.iter().filter(|r| r.status == Some(409)).count();
    let inserts = requests
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/events"))
        .count();
    // The faults really fired (about 20% of some 600 inserts); each lost answer cost exactly
    // one more insert, and the retries found the event again through 409 instead of making a
    // second one.
    assert!((80..=180).contains(&lost), "{lost} lost answers");
    assert_eq!(inserts, 500 + lost);
    assert!(
        duplicates > 0 && duplicates <= lost,
        "{duplicates} conflicts"
    );
}
