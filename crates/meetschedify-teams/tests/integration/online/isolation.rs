//! Tenant isolation on the shared organizer: all tenants of the app reach the same
//! `onlineMeetings`, so ownership rides in each meeting's `externalId`.

use meetschedify_core::{
    CancelOutcome, ErrorCode, MeetingContext, MeetingTime, ProviderId, UpdateMeetingRequest,
};

use super::{online_builder, online_meetings, online_provider};
use crate::common::{client, emulator, request, sent};

/// Tenant globex learns tenant acme's meeting id and tries to read, move and delete it: every
/// attempt is `MEETING_NOT_FOUND` (or `AlreadyCancelled`), and the emulator's meeting is as
/// acme made it.
#[tokio::test]
async fn another_tenant_can_neither_read_change_nor_cancel_an_online_meeting() {
    let emu = emulator().await;
    let teams = client(online_provider(&emu));
    let created = teams.create_meeting(request("Acme only")).await.unwrap();
    let before = online_meetings(&emu);
    let (provider_id, id) = (&created.provider_id, created.provider_event_id.as_str());
    let globex = MeetingContext::new("globex");
    let err = teams
        .get_meeting(provider_id, &globex, id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound);
    let err = teams
        .update_meeting(
            provider_id,
            &globex,
            id,
            UpdateMeetingRequest::new()
                .with_title("Mine now")
                .with_time(MeetingTime::new(
                    "2030-07-01T09:00:00",
                    "2030-07-01T10:00:00",
                )),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound);
    // Cancelling what one cannot see answers like a meeting that is gone.
    let outcome = teams
        .cancel_meeting(provider_id, &globex, id)
        .await
        .unwrap();
    assert_eq!(outcome, CancelOutcome::AlreadyCancelled);
    // Nothing was written, and the meeting is unchanged.
    assert!(sent(&emu, "PATCH", "/onlineMeetings/").is_empty());
    assert!(sent(&emu, "DELETE", "/onlineMeetings/").is_empty());
    assert_eq!(online_meetings(&emu), before);
    // The owner still reaches it.
    let acme = MeetingContext::new("acme-hr");
    let got = teams.get_meeting(provider_id, &acme, id).await.unwrap();
    assert_eq!(got.title.as_deref(), Some("Acme only"));
}

/// A meeting the library did not make (no externalId of its own) is not found, unless the
/// ownership check is off for a single-tenant application.
#[tokio::test]
async fn online_meetings_made_outside_the_library_are_not_found_unless_ownership_is_off() {
    let emu = emulator().await;
    let demo = emu.demo();
    let token = emu
        .issue_microsoft_app_token(&demo.microsoft_client_id)
        .unwrap();
    let url = format!(
        "{}/users/{}/onlineMeetings/createOrGet",
        emu.graph_api_base(),
        demo.microsoft_organizer_id
    );
    let made: serde_json::Value = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&serde_json::json!({
            "externalId": "made-in-another-app",
            "subject": "Made elsewhere",
            "startDateTime": "2030-06-15T04:30:00Z",
            "endDateTime": "2030-06-15T05:30:00Z"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = made["id"].as_str().unwrap();
    let ctx = MeetingContext::new("acme-hr");
    let provider_id = ProviderId::MICROSOFT_TEAMS_APP;
    let err = client(online_provider(&emu))
        .get_meeting(&provider_id, &ctx, id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound);
    let open = client(
        online_builder(&emu)
            .with_tenant_ownership(false)
            .build()
            .unwrap(),
    );
    let got = open.get_meeting(&provider_id, &ctx, id).await.unwrap();
    assert_eq!(got.title.as_deref(), Some("Made elsewhere"));
    // No zone of the library's: the times are given in UTC.
    assert_eq!(got.time.start, "2030-06-15T04:30:00+00:00");
}
