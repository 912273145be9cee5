//! Create, get, update and cancel through `MeetSchedifyClient`, with the mapping checked against
//! what the emulator stored.

use meetschedify_core::{
    CancelOutcome, Capabilities, ConferenceLinkKind, ConnectionState, ErrorCode, MeetingContext,
    MeetingParticipant, MeetingProvider, MeetingTime, ProviderId, TenantId, UpdateMeetingRequest,
};
use meetschedify_emulator::ZoomAccount;
use serde_json::{json, Value};

use crate::common::{builder, client, emulator, meetings, provider, request, sent};

#[tokio::test]
async fn create_get_update_cancel_round_trip() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    let zoom = ProviderId::ZOOM;
    let ctx = MeetingContext::new("acme-hr");

    let created = client
        .create_meeting(request("Technical interview"))
        .await
        .unwrap();
    let stored = meetings(&emu);
    assert_eq!(stored.len(), 1);
    let raw = &stored[0];
    assert_eq!(created.provider_id, zoom);
    assert_eq!(created.provider_event_id, raw["id"].to_string());
    assert_eq!(created.conference_link.as_deref(), raw["join_url"].as_str());
    assert_eq!(
        created.location.as_ref().unwrap().value,
        raw["join_url"].as_str().unwrap()
    );
    assert_eq!(created.calendar_url, None);
    assert_eq!(created.title.as_deref(), Some("Technical interview"));
    assert_eq!(created.raw, *raw, "raw is Zoom's JSON");
    assert_eq!(
        created.metadata["application_id"], "app_42",
        "metadata comes back unchanged"
    );
    assert_eq!(created.time.start, "2030-06-15T10:00:00+05:30");
    assert_eq!(created.time.end, "2030-06-15T11:00:00+05:30");
    assert_eq!(created.time.timezone, "Asia/Kolkata");
    let kinds: Vec<_> = created.conference_links.iter().map(|l| l.kind).collect();
    assert_eq!(kinds[0], ConferenceLinkKind::Video);
    let phones = raw["settings"]["global_dial_in_numbers"]
        .as_array()
        .unwrap()
        .len();
    assert!(phones > 0);
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == ConferenceLinkKind::Phone)
            .count(),
        phones,
        "one entry per dial-in number"
    );
    // Zoom stores the start in UTC and the participants as invitees.
    assert_eq!(raw["start_time"], "2030-06-15T04:30:00Z");
    assert_eq!(raw["duration"], 60);
    assert_eq!(
        raw["settings"]["meeting_invitees"],
        json!([{"email": "candidate@example.com"}, {"email": "interviewer@example.com"}])
    );
    assert!(raw["agenda"]
        .as_str()
        .unwrap()
        .starts_with("Round 2: system design\n\n[ref ms-"));

    let got = client
        .get_meeting(&zoom, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(got.provider_event_id, created.provider_event_id);
    assert_eq!(got.conference_link, created.conference_link);
    assert_eq!(got.time, created.time);
    assert!(got.metadata.is_empty(), "zoom cannot store metadata");

    let update = UpdateMeetingRequest::new()
        .with_title("Technical interview (moved)")
        .with_description("Round 3: coding")
        .with_time(
            MeetingTime::new("2030-06-16T15:00:00", "2030-06-16T15:45:00")
                .with_timezone("Asia/Kolkata"),
        )
        .with_participants(vec![MeetingParticipant::new("new@example.com")]);
    let updated = client
        .update_meeting(&zoom, &ctx, &created.provider_event_id, update)
        .await
        .unwrap();
    assert!(
        !updated.conference_link_changed,
        "zoom keeps the join link on reschedule"
    );
    assert_eq!(
        updated.meeting.title.as_deref(),
        Some("Technical interview (moved)")
    );
    assert_eq!(updated.meeting.time.start, "2030-06-16T15:00:00+05:30");
    assert_eq!(updated.meeting.time.end, "2030-06-16T15:45:00+05:30");
    let after = &meetings(&emu)[0];
    assert_eq!(after["duration"], 45);
    assert_eq!(
        after["settings"]["meeting_invitees"],
        json!([{"email": "new@example.com"}])
    );
    let before_marker = raw["agenda"]
        .as_str()
        .unwrap()
        .rsplit("\n\n")
        .next()
        .unwrap();
    assert_eq!(
        after["agenda"].as_str().unwrap(),
        format!("Round 3: coding\n\n{before_marker}"),
        "the duplicate-guard marker survives a new description"
    );
    // GET, PATCH, GET: the first read tells whether the link changed.
    assert_eq!(sent(&emu, "PATCH", "/meetings/").len(), 1);

    let outcome = client
        .cancel_meeting(&zoom, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(outcome, CancelOutcome::Cancelled);
    assert!(meetings(&emu).is_empty());
    // Cancelling again is not an error: Zoom answers 404 code 3001, the meeting is gone either way.
    let again = client
        .cancel_meeting(&zoom, &ctx, &created.provider_event_id)
        .await
        .unwrap();
    assert_eq!(again, CancelOutcome::AlreadyCancelled);
    let gone = client
        .get_meeting(&zoom, &ctx, &created.provider_event_id)
        .await
        .unwrap_err();
    assert_eq!(gone.code(), ErrorCode::MeetingNotFound);
    assert_eq!(gone.zoom_details().unwrap().code, Some(3001));
    assert_eq!(emu.zoom_token_requests(), 1, "one token for the whole run");
}

#[tokio::test]
async fn duration_follows_elapsed_time_across_dst() {
    let emu = emulator().await;
    let zoom = provider(&emu);
    let client = client(zoom);
    let spring = request("Spring forward").with_time_zone_window(
        "2026-03-08T01:00:00",
        "2026-03-08T04:00:00",
        "America/New_York",
    );
    let m = client.create_meeting(spring).await.unwrap();
    assert_eq!(
        m.raw["duration"], 120,
        "01:00-04:00 on a spring-forward day is two hours"
    );
    assert_eq!(m.raw["start_time"], "2026-03-08T06:00:00Z");
    assert_eq!(m.time.end, "2026-03-08T04:00:00-04:00");

    let fall = request("Fall back").with_time_zone_window(
        "2026-11-01T00:30:00",
        "2026-11-01T02:30:00",
        "America/New_York",
    );
    let m = client.create_meeting(fall).await.unwrap();
    assert_eq!(
        m.raw["duration"], 180,
        "00:30-02:30 on a fall-back day is three hours"
    );
    assert_eq!(m.raw["start_time"], "2026-11-01T04:30:00Z");
    assert_eq!(m.time.end, "2026-11-01T02:30:00-05:00");
}

trait WithWindow {
    fn with_time_zone_window(self, start: &str, end: &str, tz: &str) -> Self;
}

impl WithWindow for meetschedify_core::CreateMeetingRequest {
    fn with_time_zone_window(mut self, start: &str, end: &str, tz: &str) -> Self {
        self.time = MeetingTime::new(start, end).with_timezone(tz);
        self
    }
}

#[tokio::test]
async fn per_request_settings_override_defaults_and_pick_the_host() {
    let emu = emulator().await;
    let other = emu
        .add_zoom_user(&emu.demo().zoom_account_id, "dr.lee@emulator.example.com")
        .unwrap();
    let zoom = builder(&emu)
        .with_preset(meetschedify_zoom::Preset::Healthcare)
        .build()
        .unwrap();
    let req = request("Consultation").with_provider_option(
        "zoom",
        json!({"settings": {"waiting_room": false, "auto_recording": "cloud"}, "user_id": "dr.lee@emulator.example.com"}),
    );
    let m = client(zoom).create_meeting(req).await.unwrap();
    assert_eq!(m.raw["host_id"], other.id.as_str());
    assert_eq!(
        m.raw["settings"]["waiting_room"], false,
        "the request wins over the preset"
    );
    assert_eq!(
        m.raw["settings"]["host_video"], true,
        "the preset fills the rest"
    );
    assert_eq!(m.raw["settings"]["auto_recording"], "cloud");
    assert_eq!(
        sent(&emu, "POST", "/users/dr.lee@emulator.example.com/meetings").len(),
        1
    );
}

#[tokio::test]
async fn bad_input_fails_before_any_request() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    let cases = [
        (
            request("x").with_description("d".repeat(1966)),
            "description",
        ),
        (request(&"t".repeat(201)), "title"),
        (
            request("x").with_provider_option("zoom", json!({"settings": {"waiting_room": 1}})),
            "provider_options.zoom.settings.waiting_room",
        ),
        (
            request("x").with_provider_option("zoom", json!({"user_id": "a b"})),
            "provider_options.zoom.user_id",
        ),
    ];
    for (req, field) in cases {
        let err = client.create_meeting(req).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRequest, "{field}");
        assert_eq!(err.field(), Some(field));
    }
    client
        .create_meeting(request("x").with_description("d".repeat(1948)))
        .await
        .unwrap();
    emu.clear_requests();
    let ctx = MeetingContext::new("acme-hr");
    for bad_id in ["abc", "../users/me", "1 2"] {
        let err = client
            .get_meeting(&ProviderId::ZOOM, &ctx, bad_id)
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("meeting_id"), "{bad_id}");
    }
    assert!(emu.requests().is_empty(), "nothing reached the wire");
}

#[tokio::test]
async fn without_the_guard_and_ownership_the_description_may_use_all_2000_characters() {
    let emu = emulator().await;
    // The owner's tag alone still needs the marker's room.
    let owned = builder(&emu).with_duplicate_guard(false).build().unwrap();
    assert_eq!(Capabilities::of(&owned).limits.max_description_chars, 1948);
    let zoom = builder(&emu)
        .with_duplicate_guard(false)
        .with_tenant_ownership(false)
        .build()
        .unwrap();
    assert_eq!(Capabilities::of(&zoom).limits.max_description_chars, 2000);
    assert!(!Capabilities::of(&zoom).idempotent_create);
    let m = client(zoom)
        .create_meeting(request("x").with_description("d".repeat(2000)))
        .await
        .unwrap();
    assert_eq!(m.raw["agenda"].as_str().unwrap().len(), 2000);
}

#[tokio::test]
async fn an_idempotency_key_returns_the_same_meeting() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    let first = client
        .create_meeting(request("Keyed").with_idempotency_key("interview-app_42-round-2"))
        .await
        .unwrap();
    let second = client
        .create_meeting(request("Keyed").with_idempotency_key("interview-app_42-round-2"))
        .await
        .unwrap();
    assert_eq!(first.provider_event_id, second.provider_event_id);
    assert_eq!(meetings(&emu).len(), 1);
    assert_eq!(sent(&emu, "POST", "/meetings").len(), 1);
    // Tenants share the Zoom account, not their keys.
    let mut other_tenant = request("Keyed").with_idempotency_key("interview-app_42-round-2");
    other_tenant.tenant_id = "globex-hr".into();
    let third = client.create_meeting(other_tenant).await.unwrap();
    assert_ne!(third.provider_event_id, first.provider_event_id);
    assert_eq!(meetings(&emu).len(), 2);
}

#[tokio::test]
async fn metadata_only_update_sends_no_patch() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    let m = client.create_meeting(request("Meta")).await.unwrap();
    let mut meta = meetschedify_core::Metadata::new();
    meta.insert("stage".into(), Value::from("final"));
    let updated = client
        .update_meeting(
            &ProviderId::ZOOM,
            &MeetingContext::new("acme-hr"),
            &m.provider_event_id,
            UpdateMeetingRequest::new().with_metadata(meta.clone()),
        )
        .await
        .unwrap();
    assert_eq!(updated.meeting.metadata, meta);
    assert!(sent(&emu, "PATCH", "/meetings/").is_empty());
}

#[tokio::test]
async fn cancel_can_notify_registrants() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    let m = client.create_meeting(request("Notify")).await.unwrap();
    let ctx = MeetingContext::new("acme-hr").with_notify_participants(true);
    client
        .cancel_meeting(&ProviderId::ZOOM, &ctx, &m.provider_event_id)
        .await
        .unwrap();
    let deleted = &emu.state().zoom.deleted_meetings[0];
    assert_eq!(deleted.id.to_string(), m.provider_event_id);
    assert_eq!(deleted.cancel_meeting_reminder, Some(true));
}

#[tokio::test]
async fn connection_status_says_whether_a_token_is_obtainable() {
    let emu = emulator().await;
    let good = provider(&emu);
    let tenant = TenantId::new("acme-hr");
    let status = good.connection_status(&tenant).await.unwrap();
    assert!(status.connected, "{status:?}");
    assert_eq!(
        status.account.as_deref(),
        Some(emu.demo().zoom_account_id.as_str())
    );
    assert!(!status.scopes.is_empty());
    assert!(status.expires_at.is_some());

    emu.register_zoom_account(ZoomAccount {
        account_id: "other-account".into(),
        client_id: "other-client".into(),
        client_secret: "other-secret".into(),
    });
    let bad = builder(&emu)
        .with_credentials("other-account", "other-client", "wrong-secret")
        .build()
        .unwrap();
    let status = bad.connection_status(&tenant).await.unwrap();
    assert!(!status.connected);
    assert_eq!(status.state, ConnectionState::Unavailable);
    let reason = status.reason.unwrap();
    assert!(reason.starts_with("ZOOM_INVALID_CLIENT: "), "{reason}");
}

#[tokio::test]
async fn a_second_account_registers_under_its_own_id() {
    let emu = emulator().await;
    let a = provider(&emu);
    let b = builder(&emu).with_provider_id("zoom-eu").build().unwrap();
    let client = meetschedify_core::MeetSchedifyClient::builder()
        .with_provider(a)
        .with_provider(b)
        .build()
        .unwrap();
    assert_eq!(
        client.list_providers(),
        vec![ProviderId::ZOOM, ProviderId::new("zoom-eu")]
    );
    let mut req = request("EU");
    req.provider_id = ProviderId::new("zoom-eu");
    let m = client.create_meeting(req).await.unwrap();
    assert_eq!(m.provider_id, ProviderId::new("zoom-eu"));
}

#[tokio::test]
async fn update_reports_a_changed_join_link() {
    use meetschedify_emulator::{FaultAction, FaultRule};
    let emu = emulator().await;
    let client = client(provider(&emu));
    let m = client.create_meeting(request("Relinked")).await.unwrap();
    // The emulator keeps join links on PATCH, as Zoom does for a reschedule; a passcode change at
    // Zoom would give a new one. Serve that answer for the read after the PATCH.
    let mut relinked = m.raw.clone();
    relinked["join_url"] = json!(format!(
        "https://zoom.us/j/{}?pwd=NEWPWD",
        m.provider_event_id
    ));
    emu.inject_fault(FaultRule::sequence(
        "GET",
        "/v2/meetings/*",
        vec![
            None,
            Some(FaultAction::Status {
                status: 200,
                body: relinked.to_string(),
                headers: vec![("content-type".into(), "application/json".into())],
            }),
        ],
    ));
    let updated = client
        .update_meeting(
            &ProviderId::ZOOM,
            &MeetingContext::new("acme-hr"),
            &m.provider_event_id,
            UpdateMeetingRequest::new().with_title("Relinked (new passcode)"),
        )
        .await
        .unwrap();
    assert!(updated.conference_link_changed);
    assert_eq!(
        updated.meeting.conference_link.as_deref(),
        relinked["join_url"].as_str()
    );
}

#[tokio::test]
async fn capabilities_are_computed_from_what_the_provider_offers() {
    let emu = emulator().await;
    let zoom = provider(&emu);
    let caps = Capabilities::of(&zoom);
    assert!(caps.get && caps.update && caps.cancel);
    assert!(!caps.oauth_connect, "server-to-server: no per-user connect");
    assert!(
        caps.idempotent_create,
        "the duplicate guard is on by default"
    );
    assert!(!caps.metadata_round_trip, "zoom cannot store metadata");
    assert_eq!(caps.limits.max_title_chars, 200);
    assert_eq!(caps.limits, meetschedify_zoom::ZOOM_LIMITS);
    assert_eq!(client(zoom).capabilities(&ProviderId::ZOOM).unwrap(), caps);
    let unguarded = builder(&emu).with_duplicate_guard(false).build().unwrap();
    assert!(!Capabilities::of(&unguarded).idempotent_create);
}
