//! Tenant ownership on the shared Zoom account: a meeting is its creating tenant's alone.

use meetschedify_core::{
    CancelOutcome, Error, ErrorCode, MeetingContext, ProviderId, UpdateMeetingRequest,
};
use meetschedify_emulator::{FaultAction, FaultRule, ZoomMeetingSeed};

use crate::common::{builder, client, emulator, meetings, provider, request, sent};

const OWNER: &str = "acme-hr";
const OTHER: &str = "globex-hr";

fn assert_not_found(err: &Error, what: &str) {
    assert_eq!(err.code(), ErrorCode::MeetingNotFound, "{what}: {err}");
    assert_eq!(err.http_status(), Some(404), "{what}");
    assert_eq!(err.zoom_details().unwrap().code, Some(3001), "{what}");
}

fn change() -> UpdateMeetingRequest {
    UpdateMeetingRequest::new()
        .with_title("Taken over")
        .with_description("new agenda")
}

#[tokio::test]
async fn another_tenant_cannot_get_update_or_cancel_a_meeting() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    let made = client.create_meeting(request("Interview")).await.unwrap();
    let id = made.provider_event_id.as_str();
    let before = meetings(&emu);
    emu.clear_requests();

    let other = MeetingContext::new(OTHER);
    let got = client.get_meeting(&ProviderId::ZOOM, &other, id).await;
    assert_not_found(&got.unwrap_err(), "get");
    let updated = client
        .update_meeting(&ProviderId::ZOOM, &other, id, change())
        .await;
    assert_not_found(&updated.unwrap_err(), "update");
    // A cancel answers exactly what a cancel of an id Zoom does not know answers: a
    // different answer would tell the other tenant which ids exist.
    let cancelled = client.cancel_meeting(&ProviderId::ZOOM, &other, id).await;
    let unknown = client
        .cancel_meeting(&ProviderId::ZOOM, &other, "12345678901")
        .await;
    assert_eq!(cancelled.unwrap(), CancelOutcome::AlreadyCancelled);
    assert_eq!(unknown.unwrap(), CancelOutcome::AlreadyCancelled);

    // Each call only read the meeting: nothing was written, and Zoom holds it as it was.
    assert_eq!(sent(&emu, "GET", &format!("/meetings/{id}")).len(), 3);
    assert!(sent(&emu, "PATCH", "/meetings/").is_empty());
    assert!(sent(&emu, "DELETE", "/meetings/").is_empty());
    assert_eq!(meetings(&emu), before);

    // The refusal reads exactly like an id Zoom does not know.
    let unknown = client
        .get_meeting(&ProviderId::ZOOM, &other, "12345678901")
        .await
        .unwrap_err();
    let refused = client
        .get_meeting(&ProviderId::ZOOM, &other, id)
        .await
        .unwrap_err();
    assert_eq!(
        refused.message().replace(id, "<id>"),
        unknown.message().replace("12345678901", "<id>")
    );
}

#[tokio::test]
async fn the_owner_still_gets_updates_and_cancels() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    let made = client.create_meeting(request("Interview")).await.unwrap();
    let id = made.provider_event_id.as_str();
    let ctx = MeetingContext::new(OWNER);
    let got = client
        .get_meeting(&ProviderId::ZOOM, &ctx, id)
        .await
        .unwrap();
    assert_eq!(got.conference_link, made.conference_link);
    let updated = client
        .update_meeting(&ProviderId::ZOOM, &ctx, id, change())
        .await
        .unwrap();
    assert_eq!(updated.meeting.title.as_deref(), Some("Taken over"));
    // The new description keeps the owner's marker: the meeting stays the owner's.
    let agenda = updated.meeting.raw["agenda"].as_str().unwrap();
    assert!(agenda.starts_with("new agenda\n\n[ref ms-"), "{agenda}");
    client
        .get_meeting(&ProviderId::ZOOM, &ctx, id)
        .await
        .unwrap();
    let outcome = client.cancel_meeting(&ProviderId::ZOOM, &ctx, id).await;
    assert_eq!(outcome.unwrap(), CancelOutcome::Cancelled);
    assert!(meetings(&emu).is_empty());
    // Gone: a second cancel is the usual idempotent answer.
    let again = client.cancel_meeting(&ProviderId::ZOOM, &ctx, id).await;
    assert_eq!(again.unwrap(), CancelOutcome::AlreadyCancelled);
}

#[tokio::test]
async fn participants_see_a_hash_not_the_tenant() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    let made = client.create_meeting(request("Interview")).await.unwrap();
    let agenda = made.raw["agenda"].as_str().unwrap();
    assert!(!agenda.contains(OWNER), "{agenda}");
    // `[ref ms-<16 hex: owner>-<24 hex: this create>]`, last.
    let marker = agenda.rsplit("\n\n").next().unwrap();
    assert_eq!(marker.len(), "[ref ms-".len() + 16 + 1 + 24 + 1, "{marker}");
    assert!(marker.starts_with("[ref ms-") && marker.ends_with(']'));
    // Two meetings of one tenant share the owner part, another tenant's differs.
    let second = client.create_meeting(request("Second")).await.unwrap();
    let mut other = request("Other");
    other.tenant_id = OTHER.into();
    let third = client.create_meeting(other).await.unwrap();
    let owner_part = |m: &meetschedify_core::CreatedMeeting| {
        let a = m.raw["agenda"].as_str().unwrap().to_owned();
        a[a.rfind("[ref ms-").unwrap() + 8..][..16].to_owned()
    };
    assert_eq!(owner_part(&made), owner_part(&second));
    assert_ne!(owner_part(&made), owner_part(&third));
}

#[tokio::test]
async fn a_meeting_made_outside_the_library_belongs_to_no_tenant() {
    let emu = emulator().await;
    let start = "2030-06-15T04:30:00Z".parse().unwrap();
    let ids = emu
        .seed_zoom_meetings(ZoomMeetingSeed::new(1, start).agenda("Made in the Zoom app"))
        .unwrap();
    let id = ids[0].to_string();
    let before = meetings(&emu);
    let client = client(provider(&emu));
    for tenant in [OWNER, OTHER] {
        let ctx = MeetingContext::new(tenant);
        let got = client.get_meeting(&ProviderId::ZOOM, &ctx, &id).await;
        assert_not_found(&got.unwrap_err(), "get");
        let updated = client
            .update_meeting(&ProviderId::ZOOM, &ctx, &id, change())
            .await;
        assert_not_found(&updated.unwrap_err(), "update");
        // A cancel answers as for an id Zoom does not know, and deletes nothing.
        let cancelled = client.cancel_meeting(&ProviderId::ZOOM, &ctx, &id).await;
        assert_eq!(cancelled.unwrap(), CancelOutcome::AlreadyCancelled);
    }
    assert_eq!(meetings(&emu), before);
    assert!(sent(&emu, "PATCH", "/meetings/").is_empty());
    assert!(sent(&emu, "DELETE", "/meetings/").is_empty());
}

#[tokio::test]
async fn the_opt_out_reaches_every_meeting_and_still_stamps_the_owner() {
    let emu = emulator().await;
    let start = "2030-06-15T04:30:00Z".parse().unwrap();
    let seeded = emu
        .seed_zoom_meetings(ZoomMeetingSeed::new(1, start).agenda("Made in the Zoom app"))
        .unwrap()[0]
        .to_string();
    let open = client(builder(&emu).with_tenant_ownership(false).build().unwrap());
    let made = open.create_meeting(request("Interview")).await.unwrap();
    let other = MeetingContext::new(OTHER);
    for id in [&seeded, &made.provider_event_id] {
        open.get_meeting(&ProviderId::ZOOM, &other, id)
            .await
            .unwrap();
        open.update_meeting(&ProviderId::ZOOM, &other, id, change())
            .await
            .unwrap();
    }
    // Made with the check off, the meeting still carries its owner: turning the check on
    // keeps it the creator's alone.
    let checked = client(provider(&emu));
    let id = made.provider_event_id.as_str();
    let refused = checked.get_meeting(&ProviderId::ZOOM, &other, id).await;
    assert_not_found(&refused.unwrap_err(), "get");
    let ctx = MeetingContext::new(OWNER);
    checked
        .get_meeting(&ProviderId::ZOOM, &ctx, id)
        .await
        .unwrap();
    let outcome = open
        .cancel_meeting(&ProviderId::ZOOM, &other, &seeded)
        .await;
    assert_eq!(outcome.unwrap(), CancelOutcome::Cancelled);
}

#[tokio::test]
async fn the_owner_marker_alone_does_not_retry_an_ambiguous_create() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once(
        "POST",
        "/v2/users/*/meetings",
        FaultAction::ResetAfter,
    ));
    let zoom = builder(&emu).with_duplicate_guard(false).build().unwrap();
    let err = client(zoom)
        .create_meeting(request("Unguarded"))
        .await
        .unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), Some(1));
    let made = meetings(&emu);
    assert_eq!(made.len(), 1);
    let agenda = made[0]["agenda"].as_str().unwrap_or_default();
    assert!(agenda.contains("[ref ms-"), "{agenda}");
    assert!(!agenda.contains(OWNER));
}
