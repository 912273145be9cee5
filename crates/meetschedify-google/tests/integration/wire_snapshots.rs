//! The exact JSON and query strings sent to Google Calendar, pinned as snapshots: a change here
//! changes what every user's calendar receives.

use meetschedify_core::{CancelMeeting, UpdateMeeting};
use meetschedify_core::{
    MeetingContext, MeetingParticipant, MeetingProvider, MeetingTime, RequestLimits,
    UpdateMeetingRequest, ValidatedCreate, ValidatedUpdate,
};
use meetschedify_emulator::{EmulatorHandle, RecordedRequest};

fn last(emu: &EmulatorHandle, method: &str) -> RecordedRequest {
    emu.requests()
        .into_iter()
        .rfind(|r| r.method == method && r.path.starts_with("/calendar/"))
        .unwrap()
}

fn body(r: &RecordedRequest) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap()
}

#[tokio::test]
async fn create_update_and_cancel_send_exactly_this() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);

    let created = provider
        .create_meeting(&crate::common::create_request(
            "org_1",
            Some("interview-42"),
        ))
        .await
        .unwrap();
    let insert = last(&emu, "POST");
    insta::assert_snapshot!("insert_path", insert.path);
    insta::assert_snapshot!("insert_query", insert.query);
    insta::assert_json_snapshot!("insert_body", body(&insert));

    let update = ValidatedUpdate::new(
        UpdateMeetingRequest::new()
            .with_title("Technical interview (moved)")
            .with_time(
                MeetingTime::new("2026-06-16T09:00:00", "2026-06-16T10:30:00")
                    .with_timezone("Europe/Berlin"),
            )
            .with_participants(vec![MeetingParticipant::new("new@example.com")])
            .with_metadata(
                serde_json::json!({"stage": "final"})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        &RequestLimits::DEFAULT,
    )
    .unwrap();
    provider
        .update_meeting(
            &MeetingContext::new("org_1").with_notify_participants(false),
            &created.provider_event_id,
            &update,
        )
        .await
        .unwrap();
    let patch = last(&emu, "PATCH");
    insta::assert_snapshot!("patch_query", patch.query);
    insta::assert_json_snapshot!("patch_body", body(&patch));

    provider
        .cancel_meeting(
            &MeetingContext::new("org_1").with_notify_participants(true),
            &created.provider_event_id,
        )
        .await
        .unwrap();
    let delete = last(&emu, "DELETE");
    insta::assert_snapshot!("delete_query", delete.query);
    assert_eq!(delete.body, "");
}

#[tokio::test]
async fn a_minimal_create_without_a_link_sends_no_conference_data() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    let request = meetschedify_core::CreateMeetingRequest::new(
        "org_1",
        meetschedify_core::ProviderId::GOOGLE_MEET,
        "Standup",
        MeetingTime::new("2026-03-08T01:00:00", "2026-03-08T04:00:00")
            .with_timezone("America/New_York"),
    )
    .with_conference_link(false)
    .with_idempotency_key("standup-1")
    .with_provider_option(
        "google",
        serde_json::json!({"send_updates": "externalOnly"}),
    );
    provider
        .create_meeting(&ValidatedCreate::new(request, &RequestLimits::DEFAULT).unwrap())
        .await
        .unwrap();
    let insert = last(&emu, "POST");
    insta::assert_snapshot!("minimal_insert_query", insert.query);
    insta::assert_json_snapshot!("minimal_insert_body", body(&insert));
}
