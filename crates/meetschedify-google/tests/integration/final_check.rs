//! A create whose every attempt failed, after one that may have made the event, ends with one
//! read of the event by its id: found is a success, not found says that no meeting was
//! created, and a failed read says the outcome is unknown, names the event and says whether
//! repeating the call is safe.

use meetschedify_core::GetMeeting;
use meetschedify_core::{ErrorCode, MeetingProvider, ProviderId, TenantId};
use meetschedify_emulator::{EmulatorHandle, FaultAction, FaultRule};
use meetschedify_google::event_id;

const INSERT: &str = "/calendar/v3/calendars/*/events";
const EVENT: &str = "/calendar/v3/calendars/*/events/*";

/// Every insert is processed, then its connection is reset: the event exists after the first,
/// and no attempt ever hears so.
fn every_insert_lost(emu: &EmulatorHandle) {
    emu.inject_fault(FaultRule::probability(
        Some("POST"),
        INSERT,
        1.0,
        FaultAction::ResetAfter,
    ));
}

/// Every read of an event fails with a 503.
fn every_read_fails(emu: &EmulatorHandle) {
    emu.inject_fault(FaultRule::probability(
        Some("GET"),
        EVENT,
        1.0,
        FaultAction::unavailable(),
    ));
}

fn count(emu: &EmulatorHandle, method: &str, event_read: bool) -> usize {
    emu.requests()
        .iter()
        .filter(|r| {
            r.method == method
                && r.path.starts_with("/calendar/v3/calendars/")
                && r.path.ends_with("/events") != event_read
        })
        .count()
}

fn derived(key: &str) -> String {
    event_id(&ProviderId::GOOGLE_MEET, &TenantId::new("org_1"), key)
}

#[tokio::test]
async fn an_event_made_by_a_lost_attempt_is_found_by_the_final_check() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    every_insert_lost(&emu);
    let meeting = provider
        .create_meeting(&crate::common::create_request("org_1", Some("lost-4")))
        .await
        .unwrap();
    assert_eq!(meeting.provider_event_id, derived("lost-4"));
    assert!(meeting.conference_link.is_some());
    assert_eq!(
        crate::common::live_events(&emu).len(),
        1,
        "exactly one event"
    );
    assert_eq!(count(&emu, "POST", false), 4, "the whole retry budget");
    assert!(count(&emu, "GET", true) >= 1, "then the final read");
}

#[tokio::test]
async fn an_earlier_lost_attempt_is_checked_even_when_the_last_was_refused() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    // The first insert makes the event and is lost; the next three are rate limited, which
    // on its own would say nothing was made.
    emu.inject_fault(FaultRule::sequence(
        "POST",
        INSERT,
        vec![
            Some(FaultAction::ResetAfter),
            Some(FaultAction::too_many_requests(0)),
            Some(FaultAction::too_many_requests(0)),
            Some(FaultAction::too_many_requests(0)),
        ],
    ));
    let meeting = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap();
    let live = crate::common::live_events(&emu);
    assert_eq!(live.len(), 1);
    assert_eq!(live[0]["id"], meeting.provider_event_id.as_str());
}

#[tokio::test]
async fn a_check_that_finds_nothing_says_no_meeting_was_created() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    // A 503 says nothing about whether the insert ran: the check must decide.
    emu.inject_fault(FaultRule::probability(
        Some("POST"),
        INSERT,
        1.0,
        FaultAction::unavailable(),
    ));
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", Some("never-made")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleCalendarError);
    assert!(err.message().ends_with("; no meeting was created"), "{err}");
    assert!(!err.outcome_unknown(), "{err:?}");
    assert_eq!(err.meeting_id(), None);
    assert_eq!(err.attempts(), Some(4));
    assert!(crate::common::live_events(&emu).is_empty());
    assert_eq!(count(&emu, "GET", true), 1, "one read settled it");
}

#[tokio::test]
async fn an_insert_google_refused_is_not_checked() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    emu.inject_fault(FaultRule::once(
        "POST",
        INSERT,
        FaultAction::Status {
            status: 400,
            body: r#"{"error":{"code":400,"message":"Invalid value","errors":[{"reason":"invalid","message":"Invalid value"}]}}"#.into(),
            headers: vec![("content-type".into(), "application/json".into())],
        },
    ));
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", Some("refused")))
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(400));
    assert!(!err.outcome_unknown());
    assert!(!err.message().contains("meeting was created"), "{err}");
    assert_eq!(count(&emu, "GET", true), 0, "a 400 made nothing: no read");
}

#[tokio::test]
async fn a_failed_check_on_a_keyed_create_is_unknown_and_safe_to_repeat() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    every_insert_lost(&emu);
    every_read_fails(&emu);
    let id = derived("job-9");
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", Some("job-9")))
        .await
        .unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(err.meeting_id(), Some(id.as_str()));
    assert!(
        err.message().contains(&format!(
            "whether a meeting was created is unknown: the event may exist with id {id}; \
             repeating the call with the same idempotency key is safe"
        )),
        "{err}"
    );
    let json = err.to_json();
    assert_eq!(json["outcome_unknown"], true);
    assert_eq!(json["meeting_id"], id.as_str());
    assert!(
        (1..=3).contains(&count(&emu, "GET", true)),
        "a bounded check"
    );
    assert_eq!(
        crate::common::live_events(&emu).len(),
        1,
        "the event does exist"
    );

    // Which the repeat bears out: the same key meets 409 and returns the one event.
    emu.clear_faults();
    let meeting = provider
        .create_meeting(&crate::common::create_request("org_1", Some("job-9")))
        .await
        .unwrap();
    assert_eq!(meeting.provider_event_id, id);
    assert_eq!(crate::common::live_events(&emu).len(), 1);
}

#[tokio::test]
async fn a_failed_check_without_a_key_is_unknown_and_not_retryable() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    every_insert_lost(&emu);
    every_read_fails(&emu);
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    let live = crate::common::live_events(&emu);
    assert_eq!(live.len(), 1);
    let id = live[0]["id"].as_str().unwrap();
    assert!(err.outcome_unknown(), "{err:?}");
    assert!(!err.is_retryable(), "a new call draws a new id: {err}");
    assert_eq!(err.meeting_id(), Some(id));
    assert!(
        err.message().contains(&format!(
            "whether a meeting was created is unknown: the event may exist with id {id}"
        )) && err.message().contains("repeating the call is not safe"),
        "{err}"
    );
    // The application can find it by the id the error carries.
    emu.clear_faults();
    let ctx = meetschedify_core::MeetingContext::new("org_1");
    let found = provider.get_meeting(&ctx, id).await.unwrap();
    assert_eq!(found.provider_event_id, id);
}
