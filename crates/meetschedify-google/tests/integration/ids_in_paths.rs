//! Ids in URL paths are percent-encoded: a crafted meeting id cannot steer a call to another
//! endpoint, and calendar ids with `#` or `@` reach the right calendar.

use meetschedify_core::{CancelMeeting, GetMeeting};
use meetschedify_core::{ErrorCode, MeetingContext, MeetingProvider};

#[tokio::test]
async fn a_crafted_meeting_id_stays_one_path_segment() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    let ctx = MeetingContext::new("org_1");
    let err = provider
        .get_meeting(&ctx, "x/../../../calendarList")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound, "{err}");
    let get = emu
        .requests()
        .into_iter()
        .rfind(|r| r.method == "GET")
        .unwrap();
    assert!(
        get.path
            .starts_with("/calendar/v3/calendars/primary/events/x"),
        "{}",
        get.path
    );

    for dots in [".", ".."] {
        let before = emu.requests().len();
        let err = provider.cancel_meeting(&ctx, dots).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRequest);
        assert_eq!(err.field(), Some("meeting_id"));
        assert_eq!(emu.requests().len(), before, "refused before any call");
    }
}

#[tokio::test]
async fn calendar_ids_with_hash_and_at_reach_their_calendar() {
    let emu = crate::common::default_emulator().await;
    let calendar = "team#ops@group.calendar.google.com";
    let provider =
        crate::common::builder(&emu, crate::common::connected_store(&emu, &["org_1"]).await)
            .with_calendar_id(calendar)
            .build()
            .unwrap();
    let meeting = provider
        .create_meeting(&crate::common::create_request("org_1", Some("k")))
        .await
        .unwrap();
    let events = emu.state().google.events_by_calendar;
    assert_eq!(events[calendar].len(), 1, "{:?}", events.keys());
    assert_eq!(events[calendar][0]["id"], meeting.provider_event_id);
    let insert = emu
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST" && r.path.contains("/events"))
        .unwrap();
    assert_eq!(
        insert.path,
        "/calendar/v3/calendars/team%23ops@group.calendar.google.com/events"
    );
}
