//! Tenant isolation on the shared organizer calendar: another tenant's event is not found.

use meetschedify_core::{ErrorCode, MeetingContext, UpdateMeetingRequest};

use crate::common::{builder, client, emulator, events, provider, request, sent};

#[tokio::test]
async fn another_tenant_can_neither_read_change_nor_cancel_an_event() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    let created = teams.create_meeting(request("Acme only")).await.unwrap();
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
            UpdateMeetingRequest::new().with_title("Mine"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound);
    // Cancelling what one cannot see is the answer for a meeting that is gone.
    let outcome = teams
        .cancel_meeting(provider_id, &globex, id)
        .await
        .unwrap();
    assert_eq!(outcome, meetschedify_core::CancelOutcome::AlreadyCancelled);
    // Nothing was written.
    assert!(sent(&emu, "PATCH", "/events/").is_empty());
    assert!(sent(&emu, "POST", "/cancel").is_empty());
    assert!(sent(&emu, "DELETE", "/events/").is_empty());
    let stored = events(&emu);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["subject"], "Acme only");
    // The owner still reaches it.
    teams
        .get_meeting(provider_id, &MeetingContext::new("acme-hr"), id)
        .await
        .unwrap();
}

#[tokio::test]
async fn events_made_outside_the_library_are_not_found_unless_ownership_is_off() {
    let emu = emulator().await;
    // An event on the same calendar with no meetschedify property: made in Outlook, say.
    let token = emu
        .issue_microsoft_app_token(&emu.demo().microsoft_client_id)
        .unwrap();
    let url = format!(
        "{}/users/{}/events",
        emu.graph_api_base(),
        emu.demo().microsoft_organizer_upn
    );
    let made: serde_json::Value = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&serde_json::json!({
            "subject": "Made in Outlook",
            "start": {"dateTime": "2030-06-15T04:30:00", "timeZone": "UTC"},
            "end": {"dateTime": "2030-06-15T05:30:00", "timeZone": "UTC"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = made["id"].as_str().unwrap();
    let ctx = MeetingContext::new("acme-hr");
    let provider_id = meetschedify_core::ProviderId::MICROSOFT_TEAMS_APP;
    let err = client(provider(&emu))
        .get_meeting(&provider_id, &ctx, id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::MeetingNotFound);
    let open = client(builder(&emu).with_tenant_ownership(false).build().unwrap());
    let got = open.get_meeting(&provider_id, &ctx, id).await.unwrap();
    assert_eq!(got.title.as_deref(), Some("Made in Outlook"));
    assert_eq!(events(&emu).len(), 1);
}
