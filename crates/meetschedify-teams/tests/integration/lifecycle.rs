//! Create, get, update and cancel through the client, against the emulator's Graph.

use std::time::{Duration, Instant};

use meetschedify_core::{
    CancelOutcome, ErrorCode, MeetingContext, MeetingStatus, MeetingTime, UpdateMeetingRequest,
};
use serde_json::Value;

use crate::common::{builder, client, emulator, events, provider, request, sent};

#[tokio::test]
async fn a_meeting_lives_and_is_cancelled_on_the_organizers_calendar() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    let created = teams
        .create_meeting(request("Technical interview").with_idempotency_key("interview-1"))
        .await
        .unwrap();
    let link = created.conference_link.clone().expect("a Teams join link");
    assert!(link.starts_with("https://teams.microsoft.com/"), "{link}");
    assert_eq!(created.title.as_deref(), Some("Technical interview"));
    assert_eq!(created.time.start, "2030-06-15T10:00:00+05:30");
    assert_eq!(created.time.end, "2030-06-15T11:00:00+05:30");
    assert_eq!(created.time.timezone, "Asia/Kolkata");
    assert_eq!(created.metadata["application_id"], "app_42");

    // What went over the wire: a Teams event in UTC, with a transactionId, asking for UTC.
    let posts = sent(&emu, "POST", "/events");
    assert_eq!(posts.len(), 1);
    let post = &posts[0];
    assert_eq!(post.header("prefer"), Some("outlook.timezone=\"UTC\""));
    let body: Value = serde_json::from_str(&post.body).unwrap();
    assert_eq!(body["isOnlineMeeting"], true);
    assert_eq!(body["onlineMeetingProvider"], "teamsForBusiness");
    assert_eq!(
        body["start"],
        serde_json::json!({"dateTime": "2030-06-15T04:30:00", "timeZone": "UTC"})
    );
    assert_eq!(body["transactionId"].as_str().unwrap().len(), 36);
    assert_eq!(body["attendees"].as_array().unwrap().len(), 2);

    // Read back: the same meeting, metadata and zone included.
    let ctx = MeetingContext::new("acme-hr");
    let got = teams
        .get_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.provider_event_id, created.provider_event_id);
    assert_eq!(got.conference_link.as_deref(), Some(link.as_str()));
    assert_eq!(got.time, created.time);
    assert_eq!(got.metadata, created.metadata);

    // Reschedule into Berlin time and change the description: the join link stays.
    let updated = teams
        .update_meeting(
            &created.provider_id,
            &ctx,
            &created.provider_event_id,
            UpdateMeetingRequest::new()
                .with_title("Technical interview (moved)")
                .with_description("Round 2, now with pairing")
                .with_time(
                    MeetingTime::new("2030-06-16T09:00:00", "2030-06-16T10:30:00")
                        .with_timezone("Europe/Berlin"),
                ),
        )
        .await
        .unwrap();
    assert!(!updated.conference_link_changed);
    let m = &updated.meeting;
    assert_eq!(m.conference_link.as_deref(), Some(link.as_str()));
    assert_eq!(m.title.as_deref(), Some("Technical interview (moved)"));
    assert_eq!(m.time.start, "2030-06-16T09:00:00+02:00");
    assert_eq!(m.time.end, "2030-06-16T10:30:00+02:00");
    assert_eq!(m.metadata, created.metadata);
    let patch: Value =
        serde_json::from_str(&sent(&emu, "PATCH", "/events/").last().unwrap().body).unwrap();
    assert_eq!(patch["start"]["timeZone"], "UTC");
    let content = patch["body"]["content"].as_str().unwrap();
    assert!(content.contains("Round 2, now with pairing"), "{content}");
    let stored = events(&emu);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["isOnlineMeeting"], true, "{:#}", stored[0]);
    // Exchange's join block survived the description change.
    let stored_body = stored[0]["body"]["content"].as_str().unwrap();
    assert!(
        stored_body.contains("Join Microsoft Teams Meeting"),
        "{stored_body}"
    );
    assert!(!stored_body.contains("system design"), "{stored_body}");

    let again = teams
        .get_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(again.time, m.time);
    assert_eq!(again.time.timezone, "Europe/Berlin");

    // Cancel: attendees get a cancellation; a second cancel finds it gone.
    let outcome = teams
        .cancel_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(outcome, CancelOutcome::Cancelled);
    let cancellations = emu.state().microsoft.cancellations;
    assert_eq!(cancellations.len(), 1);
    assert_eq!(cancellations[0].operation, "cancel");
    assert_eq!(cancellations[0].recipients.len(), 2);
    let second = teams
        .cancel_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(second, CancelOutcome::AlreadyCancelled);
    match teams
        .get_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
    {
        Err(e) => assert_eq!(e.code(), ErrorCode::MeetingNotFound),
        Ok(m) => assert_eq!(m.status, MeetingStatus::Cancelled),
    }
}

/// Clocks spring forward at 02:00 on 2026-03-08 in New York: the meeting is one real hour,
/// sent as exact UTC instants, and read back in New York time.
#[tokio::test]
async fn times_across_a_dst_change_round_trip() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    let mut req = request("Across the change");
    req.time = MeetingTime::new("2026-03-08T01:30:00", "2026-03-08T03:30:00")
        .with_timezone("America/New_York");
    let created = teams.create_meeting(req).await.unwrap();
    assert_eq!(created.time.start, "2026-03-08T01:30:00-05:00");
    assert_eq!(created.time.end, "2026-03-08T03:30:00-04:00");
    let body: Value = serde_json::from_str(&sent(&emu, "POST", "/events")[0].body).unwrap();
    assert_eq!(body["start"]["dateTime"], "2026-03-08T06:30:00");
    assert_eq!(body["end"]["dateTime"], "2026-03-08T07:30:00");
    let got = teams
        .get_meeting(
            &created.provider_id,
            &MeetingContext::new("acme-hr"),
            &created.provider_event_id,
        )
        .await
        .unwrap();
    assert_eq!(got.time, created.time);
}

#[tokio::test]
async fn a_meeting_without_a_conference_link_is_a_plain_event() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    let created = teams
        .create_meeting(request("In person").with_conference_link(false))
        .await
        .unwrap();
    assert_eq!(created.conference_link, None);
    let body: Value = serde_json::from_str(&sent(&emu, "POST", "/events")[0].body).unwrap();
    assert!(body.get("isOnlineMeeting").is_none());
}

/// Graph emails attendees whatever the caller asks: silence is refused, nothing is sent.
#[tokio::test]
async fn asking_for_no_emails_is_refused_before_any_call() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    let err = teams
        .create_meeting(request("Quiet").with_notify_participants(false))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
    assert_eq!(err.field(), Some("notify_participants"));
    assert!(sent(&emu, "POST", "/events").is_empty());
}

/// A mailbox whose calendar cannot hold Teams meetings: the event is made without one, which
/// the provider reports naming the event rather than creating a second.
#[tokio::test]
async fn a_mailbox_without_teams_is_reported_naming_the_event() {
    let emu = meetschedify_emulator::Emulator::builder()
        .with_microsoft_teams_available(false)
        .start()
        .await
        .unwrap();
    let teams = client(provider(&emu));
    let err = teams.create_meeting(request("No Teams")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError);
    assert!(err.message().contains("Teams licence"), "{err}");
    let stored = events(&emu);
    assert_eq!(stored.len(), 1);
    assert_eq!(err.meeting_id(), stored[0]["id"].as_str());
    // One create, one read of the online-meeting fields, no second create.
    assert_eq!(sent(&emu, "POST", "/events").len(), 1);
    let get = sent(&emu, "GET", "/events/").pop().unwrap();
    assert!(get.query.contains("select"), "{}", get.query);
}

/// Outlook allows 4 concurrent requests per app and mailbox, and the emulator enforces it here
/// (429 over it): eight creates at once, each answered after 300 ms, go out four at a time, so
/// they take at least two rounds, and none is throttled (retries are off, so a 429 would fail).
#[tokio::test]
async fn at_most_four_requests_reach_the_mailbox_at_once() {
    let emu = emulator().await;
    emu.update_settings(|s| s.microsoft_mailbox_concurrency = Some(4));
    let teams = client(
        builder(&emu)
            .with_retry(meetschedify_core::RetryConfig::none())
            .build()
            .unwrap(),
    );
    // Fetch the token first, so only the creates are timed.
    teams.create_meeting(request("Warm-up")).await.unwrap();
    emu.inject_fault(meetschedify_emulator::FaultRule::sequence(
        "POST",
        "/graph/v1.0/users/*/events",
        vec![
            Some(meetschedify_emulator::FaultAction::latency(
                Duration::from_millis(300)
            ));
            8
        ],
    ));
    let started = Instant::now();
    let creates = (0..8).map(|i| teams.create_meeting(request(&format!("Parallel {i}"))));
    for created in futures::future::join_all(creates).await {
        created.unwrap();
    }
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(events(&emu).len(), 9);
    assert!(sent(&emu, "POST", "/events")
        .iter()
        .all(|r| r.status != Some(429)));
}

/// Graph refuses `cancel` (400) on an event that is not a meeting the organizer sent: the event
/// is deleted instead, which notifies attendees too.
#[tokio::test]
async fn a_refused_cancel_falls_back_to_delete() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    let created = teams.create_meeting(request("Delete me")).await.unwrap();
    emu.inject_fault(meetschedify_emulator::FaultRule::once(
        "POST",
        "/graph/v1.0/users/*/events/*/cancel",
        crate::common::status_with(
            400,
            r#"{"error":{"code":"ErrorInvalidRequest","message":"You need to be an organizer to cancel a meeting."}}"#,
            &[("content-type", "application/json")],
        ),
    ));
    let outcome = teams
        .cancel_meeting(
            &created.provider_id,
            &MeetingContext::new("acme-hr"),
            &created.provider_event_id,
        )
        .await
        .unwrap();
    assert_eq!(outcome, CancelOutcome::Cancelled);
    assert_eq!(sent(&emu, "DELETE", "/events/").len(), 1);
    assert!(events(&emu).is_empty());
    let cancellations = emu.state().microsoft.cancellations;
    assert_eq!(cancellations.len(), 1);
    assert_eq!(cancellations[0].operation, "delete");
}

/// Metadata alone changes only the extended property; the join link and times stay.
#[tokio::test]
async fn a_metadata_update_round_trips() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    let created = teams.create_meeting(request("Meta")).await.unwrap();
    let ctx = MeetingContext::new("acme-hr");
    let mut metadata = meetschedify_core::Metadata::new();
    metadata.insert("stage".into(), serde_json::json!("final"));
    let updated = teams
        .update_meeting(
            &created.provider_id,
            &ctx,
            &created.provider_event_id,
            UpdateMeetingRequest::new().with_metadata(metadata.clone()),
        )
        .await
        .unwrap();
    assert!(!updated.conference_link_changed);
    assert_eq!(updated.meeting.metadata, metadata);
    let patch: Value =
        serde_json::from_str(&sent(&emu, "PATCH", "/events/").pop().unwrap().body).unwrap();
    assert_eq!(
        patch.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["singleValueExtendedProperties"]
    );
    let got = teams
        .get_meeting(&created.provider_id, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.metadata, metadata);
    assert_eq!(got.time, created.time);
    assert_eq!(got.conference_link, created.conference_link);
}
