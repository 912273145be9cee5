//! Create, get, update and cancel of online meetings through the client, against the
//! emulator's Graph.

use meetschedify_core::{
    CancelOutcome, CreateMeetingRequest, ErrorCode, MeetingContext, MeetingParticipant,
    MeetingTime, ProviderId, UpdateMeetingRequest,
};
use serde_json::{json, Value};

use super::{online_meetings, online_provider};
use crate::common::{client, emulator, request, sent};

fn berlin(start: &str, end: &str) -> MeetingTime {
    MeetingTime::new(start, end).with_timezone("Europe/Berlin")
}

#[tokio::test]
async fn an_online_meeting_is_created_read_rescheduled_and_cancelled() {
    let emu = emulator().await;
    let teams = client(online_provider(&emu));
    let created = teams
        .create_meeting(request("Technical interview").with_idempotency_key("interview-1"))
        .await
        .unwrap();
    let link = created.conference_link.clone().expect("a Teams join link");
    assert!(
        link.starts_with("https://teams.microsoft.com/l/meetup-join/"),
        "{link}"
    );
    assert_eq!(created.time.start, "2030-06-15T10:00:00+05:30");
    assert_eq!(created.time.timezone, "Asia/Kolkata");
    // Core asks for the request's metadata on the created meeting; it is not stored.
    assert_eq!(created.metadata["application_id"], "app_42");
    assert_eq!(created.calendar_url, None);

    // On the wire: createOrGet in UTC, attendees by UPN, no description anywhere.
    let posts = sent(&emu, "POST", "/onlineMeetings/createOrGet");
    assert_eq!(posts.len(), 1);
    assert!(posts[0].path.ends_with(&format!(
        "/users/{}/onlineMeetings/createOrGet",
        emu.demo().microsoft_organizer_id
    )));
    let body: Value = serde_json::from_str(&posts[0].body).unwrap();
    assert_eq!(body["subject"], "Technical interview");
    assert_eq!(body["startDateTime"], "2030-06-15T04:30:00Z");
    assert_eq!(body["endDateTime"], "2030-06-15T05:30:00Z");
    assert_eq!(
        body["participants"]["attendees"],
        json!([
            {"upn": "candidate@example.com", "role": "attendee",
             "identity": {"user": {"displayName": "Ada Candidate"}}},
            {"upn": "interviewer@example.com", "role": "attendee"},
        ])
    );
    let stored = online_meetings(&emu);
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0]["participants"]["attendees"],
        body["participants"]["attendees"]
    );

    let ctx = MeetingContext::new("acme-hr");
    let got = teams
        .get_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.conference_link.as_deref(), Some(link.as_str()));
    assert_eq!(got.time, created.time);
    assert!(
        got.metadata.is_empty(),
        "an online meeting keeps no metadata"
    );

    // Reschedule: new title, time and attendees; the join link stays, and says so.
    let updated = teams
        .update_meeting(
            &created.provider_id,
            &ctx,
            &created.provider_event_id,
            UpdateMeetingRequest::new()
                .with_title("Technical interview (moved)")
                .with_time(
                    MeetingTime::new("2030-06-16T11:00:00", "2030-06-16T12:30:00")
                        .with_timezone("Asia/Kolkata"),
                )
                .with_participants(vec![MeetingParticipant::new("panel@example.com")]),
        )
        .await
        .unwrap();
    assert!(!updated.conference_link_changed);
    assert_eq!(
        updated.meeting.conference_link.as_deref(),
        Some(link.as_str())
    );
    assert_eq!(updated.meeting.time.start, "2030-06-16T11:00:00+05:30");
    let patch: Value =
        serde_json::from_str(&sent(&emu, "PATCH", "/onlineMeetings/")[0].body).unwrap();
    assert_eq!(
        patch,
        json!({
            "subject": "Technical interview (moved)",
            "startDateTime": "2030-06-16T05:30:00Z",
            "endDateTime": "2030-06-16T07:00:00Z",
            "participants": {"attendees": [{"upn": "panel@example.com", "role": "attendee"}]},
        })
    );
    let stored = online_meetings(&emu);
    assert_eq!(stored[0]["joinWebUrl"], link.as_str());
    assert_eq!(stored[0]["startDateTime"], "2030-06-16T05:30:00.0000000Z");
    assert_eq!(stored[0]["subject"], "Technical interview (moved)");

    // Cancel deletes it; a second cancel finds it gone.
    let first = teams
        .cancel_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(first, CancelOutcome::Cancelled);
    assert_eq!(
        sent(&emu, "DELETE", "/onlineMeetings/")[0].status,
        Some(204)
    );
    assert!(online_meetings(&emu).is_empty());
    let second = teams
        .cancel_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(second, CancelOutcome::AlreadyCancelled);
    let err = teams
        .get_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound);
}

/// Berlin springs forward on 2030-03-31 at 02:00: 01:30 to 03:30 on the wall clock is one
/// hour, 00:30Z to 01:30Z. Autumn's 2030-10-27 repeats 02:00 to 03:00: 01:30 to 03:30 is three.
#[tokio::test]
async fn times_across_a_dst_change_land_at_the_right_instants() {
    let emu = emulator().await;
    let teams = client(online_provider(&emu));
    let spring = teams
        .create_meeting(CreateMeetingRequest::new(
            "acme-hr",
            ProviderId::MICROSOFT_TEAMS_APP,
            "Spring forward",
            berlin("2030-03-31T01:30:00", "2030-03-31T03:30:00"),
        ))
        .await
        .unwrap();
    let autumn = teams
        .create_meeting(CreateMeetingRequest::new(
            "acme-hr",
            ProviderId::MICROSOFT_TEAMS_APP,
            "Fall back",
            berlin("2030-10-27T01:30:00", "2030-10-27T03:30:00"),
        ))
        .await
        .unwrap();
    let stored = online_meetings(&emu);
    let at = |i: usize, key: &str| stored[i][key].as_str().unwrap().to_owned();
    assert_eq!(at(0, "startDateTime"), "2030-03-31T00:30:00.0000000Z");
    assert_eq!(at(0, "endDateTime"), "2030-03-31T01:30:00.0000000Z");
    assert_eq!(at(1, "startDateTime"), "2030-10-26T23:30:00.0000000Z");
    assert_eq!(at(1, "endDateTime"), "2030-10-27T02:30:00.0000000Z");
    // Read back in Berlin time, offsets on each side of the change.
    let ctx = MeetingContext::new("acme-hr");
    let got = teams
        .get_meeting(&spring.provider_id, &ctx, &spring.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.time.start, "2030-03-31T01:30:00+01:00");
    assert_eq!(got.time.end, "2030-03-31T03:30:00+02:00");
    assert_eq!(got.time.timezone, "Europe/Berlin");
    assert_eq!(autumn.time.start, "2030-10-27T01:30:00+02:00");
    assert_eq!(autumn.time.end, "2030-10-27T03:30:00+01:00");
}

/// Online meetings email nobody: asking for notifications is refused before anything is
/// sent; not asking, or asking for none, creates the meeting.
#[tokio::test]
async fn notifications_are_never_claimed() {
    let emu = emulator().await;
    let teams = client(online_provider(&emu));
    let err = teams
        .create_meeting(request("Tell them").with_notify_participants(true))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
    assert_eq!(err.field(), Some("notify_participants"));
    assert!(err.message().contains("send no invitations"), "{err}");
    assert!(sent(&emu, "POST", "/onlineMeetings").is_empty());
    let quiet = teams
        .create_meeting(request("Quiet").with_notify_participants(false))
        .await
        .unwrap();
    let ctx = MeetingContext::new("acme-hr").with_notify_participants(true);
    let err = teams
        .cancel_meeting(&quiet.provider_id, &ctx, &quiet.provider_event_id)
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("notify_participants"));
    assert_eq!(online_meetings(&emu).len(), 1);
    // Without a conference link there is no online meeting to make.
    let err = teams
        .create_meeting(request("No link").with_conference_link(false))
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("add_conference_link"));
}
