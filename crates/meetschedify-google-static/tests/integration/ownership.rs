//! Tenant ownership on the one Google account: an event is its creating tenant's alone.

use std::collections::HashMap;
use std::time::Duration;

use meetschedify_core::{
    CancelOutcome, CreateMeetingRequest, Error, ErrorCode, MeetSchedifyClient, MeetingContext,
    MeetingTime, ProviderId, RetryConfig, UpdateMeetingRequest,
};
use meetschedify_emulator::{Emulator, EmulatorHandle};
use meetschedify_google_static::{GoogleMeetStaticBuilder, TENANT_KEY};
use serde_json::{json, Value};

const OWNER: &str = "acme-hr";
const OTHER: &str = "globex-hr";
const ID: ProviderId = ProviderId::GOOGLE_MEET_STATIC;

fn client(emu: &EmulatorHandle, ownership: Option<bool>) -> MeetSchedifyClient {
    let env: HashMap<String, String> = emu.env_exports().into_iter().collect();
    let mut builder = GoogleMeetStaticBuilder::from_lookup(|name| env.get(name).cloned())
        .with_retry(RetryConfig::default().with_initial_delay(Duration::from_millis(1)));
    if let Some(on) = ownership {
        builder = builder.with_tenant_ownership(on);
    }
    MeetSchedifyClient::builder()
        .with_provider(builder.build().unwrap())
        .build()
        .unwrap()
}

fn request(tenant: &str) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        tenant,
        ID,
        "Interview",
        MeetingTime::new("2026-06-20T10:00:00", "2026-06-20T11:00:00")
            .with_timezone("Asia/Kolkata"),
    )
    .with_description("Round 2")
    .with_metadata_entry("candidate_id", 42)
}

fn change() -> UpdateMeetingRequest {
    UpdateMeetingRequest::new()
        .with_title("Taken over")
        .with_description("new text")
}

/// Every event the emulator holds, tombstones included.
fn events(emu: &EmulatorHandle) -> Value {
    json!(emu.state().google.events_by_calendar)
}

fn writes(emu: &EmulatorHandle) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method != "GET" && r.path.contains("/events"))
        .count()
}

fn assert_not_found(err: &Error, what: &str) {
    assert_eq!(err.code(), ErrorCode::MeetingNotFound, "{what}: {err}");
    assert_eq!(
        err.google_details().unwrap().reason.as_deref(),
        Some("notFound"),
        "{what}"
    );
}

/// An event made straight at the Calendar API, as the Google Calendar app or another tool would.
async fn outside_event(emu: &EmulatorHandle) -> String {
    let token = emu
        .issue_google_access_token(
            &emu.demo().google_user_email,
            &["https://www.googleapis.com/auth/calendar"],
        )
        .unwrap();
    let url = format!(
        "{}/calendar/v3/calendars/primary/events",
        emu.google_api_base().trim_end_matches('/')
    );
    let event: Value = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&json!({
            "summary": "Made in Google Calendar",
            "start": {"dateTime": "2026-06-20T10:00:00Z"},
            "end": {"dateTime": "2026-06-20T11:00:00Z"}
        }))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    event["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn another_tenant_cannot_get_update_or_cancel_an_event() {
    let emu = Emulator::start().await.unwrap();
    let client = client(&emu, None);
    let made = client.create_meeting(request(OWNER)).await.unwrap();
    let id = made.provider_event_id.as_str();
    assert_eq!(made.raw["extendedProperties"]["private"][TENANT_KEY], OWNER);
    let before = events(&emu);
    let writes_before = writes(&emu);

    let other = MeetingContext::new(OTHER);
    let got = client.get_meeting(&ID, &other, id).await;
    assert_not_found(&got.unwrap_err(), "get");
    let updated = client
        .update_meeting(&ID, &MeetingContext::new(OTHER), id, change())
        .await;
    assert_not_found(&updated.unwrap_err(), "update");
    let cancelled = client.cancel_meeting(&ID, &other, id).await;
    assert_not_found(&cancelled.unwrap_err(), "cancel");

    assert_eq!(writes(&emu), writes_before, "only reads were sent");
    assert_eq!(events(&emu), before, "the event is unchanged");
    // The refusal reads exactly like an id Google does not know.
    let unknown = client.get_meeting(&ID, &other, "unknownevent1").await;
    let refused = client.get_meeting(&ID, &other, id).await;
    let without_id = |e: Error| {
        let mut v = e.to_json();
        v.as_object_mut().unwrap().remove("meeting_id");
        v
    };
    assert_eq!(
        without_id(refused.unwrap_err()),
        without_id(unknown.unwrap_err())
    );
}

#[tokio::test]
async fn the_owner_still_gets_updates_and_cancels() {
    let emu = Emulator::start().await.unwrap();
    let client = client(&emu, None);
    let made = client.create_meeting(request(OWNER)).await.unwrap();
    let id = made.provider_event_id.as_str();
    let ctx = MeetingContext::new(OWNER);
    let got = client.get_meeting(&ID, &ctx, id).await.unwrap();
    assert_eq!(got.metadata, made.metadata, "the owner key is not metadata");
    let updated = client
        .update_meeting(&ID, &MeetingContext::new(OWNER), id, change())
        .await
        .unwrap();
    assert_eq!(updated.meeting.title.as_deref(), Some("Taken over"));
    // A metadata change keeps the owner: the patch merges private properties key by key.
    let meta = UpdateMeetingRequest::new().with_metadata(Default::default());
    client.update_meeting(&ID, &ctx, id, meta).await.unwrap();
    let after = client.get_meeting(&ID, &ctx, id).await.unwrap();
    assert_eq!(
        after.raw["extendedProperties"]["private"][TENANT_KEY],
        OWNER
    );
    let outcome = client.cancel_meeting(&ID, &ctx, id).await.unwrap();
    assert_eq!(outcome, CancelOutcome::Cancelled);
    // Deleted: the owner's repeated cancel is the usual idempotent answer, another's is not.
    let again = client.cancel_meeting(&ID, &ctx, id).await.unwrap();
    assert_eq!(again, CancelOutcome::AlreadyCancelled);
    let other = client
        .cancel_meeting(&ID, &MeetingContext::new(OTHER), id)
        .await;
    assert_not_found(&other.unwrap_err(), "cancel of a deleted event");
}

#[tokio::test]
async fn an_event_made_outside_the_library_belongs_to_no_tenant() {
    let emu = Emulator::start().await.unwrap();
    let id = outside_event(&emu).await;
    let client = client(&emu, None);
    let before = events(&emu);
    let writes_before = writes(&emu);
    for tenant in [OWNER, OTHER] {
        let ctx = MeetingContext::new(tenant);
        let got = client.get_meeting(&ID, &ctx, &id).await;
        assert_not_found(&got.unwrap_err(), "get");
        let updated = client
            .update_meeting(&ID, &MeetingContext::new(tenant), &id, change())
            .await;
        assert_not_found(&updated.unwrap_err(), "update");
        let cancelled = client.cancel_meeting(&ID, &ctx, &id).await;
        assert_not_found(&cancelled.unwrap_err(), "cancel");
    }
    assert_eq!(writes(&emu), writes_before);
    assert_eq!(events(&emu), before);
}

#[tokio::test]
async fn the_opt_out_reaches_every_event_and_still_stamps_the_owner() {
    let emu = Emulator::start().await.unwrap();
    let outside = outside_event(&emu).await;
    let open = client(&emu, Some(false));
    let made = open.create_meeting(request(OWNER)).await.unwrap();
    assert_eq!(made.raw["extendedProperties"]["private"][TENANT_KEY], OWNER);
    let other = MeetingContext::new(OTHER);
    for id in [&outside, &made.provider_event_id] {
        open.get_meeting(&ID, &other, id).await.unwrap();
        open.update_meeting(&ID, &MeetingContext::new(OTHER), id, change())
            .await
            .unwrap();
    }
    // Turned back on, the event made while it was off is still its creator's alone.
    let checked = client(&emu, Some(true));
    let id = made.provider_event_id.as_str();
    let refused = checked.get_meeting(&ID, &other, id).await;
    assert_not_found(&refused.unwrap_err(), "get");
    checked
        .get_meeting(&ID, &MeetingContext::new(OWNER), id)
        .await
        .unwrap();
    let outcome = open.cancel_meeting(&ID, &other, &outside).await.unwrap();
    assert_eq!(outcome, CancelOutcome::Cancelled);
}
