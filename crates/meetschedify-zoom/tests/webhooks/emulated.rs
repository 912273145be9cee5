//! Notifications the emulator sends, as Zoom does, for what the library does through the
//! provider: a reschedule arrives as a verified `Updated` event, a cancel as `Cancelled`, and
//! a cloud-recorded meeting's end as `RecordingReady` whose `download_token` the application
//! gets in `raw` and `Debug` never shows. Each through a loopback endpoint and the real
//! verifier.

use jiff::{SignedDuration, Timestamp};
use meetschedify_core::webhooks::MeetingEventKind;
use meetschedify_core::{
    CreateMeetingRequest, CreatedMeeting, MeetSchedifyClient, MeetingContext, MeetingTime,
    ProviderId, UpdateMeetingRequest,
};
use meetschedify_emulator::{Emulator, EmulatorHandle, ZoomWebhookFault};
use meetschedify_zoom::{AutoRecording, MeetingDefaults, ZoomProvider, ZoomProviderBuilder};

use crate::endpoint::Endpoint;

const SECRET: &str = "zoom-emulated-webhook-secret";

fn builder(emu: &EmulatorHandle) -> ZoomProviderBuilder {
    let demo = emu.demo();
    ZoomProvider::builder()
        .with_credentials(
            &demo.zoom_account_id,
            &demo.zoom_client_id,
            &demo.zoom_client_secret,
        )
        .with_api_base(emu.zoom_api_base())
        .with_oauth_base(emu.zoom_oauth_base())
}

fn client(builder: ZoomProviderBuilder) -> MeetSchedifyClient {
    MeetSchedifyClient::builder()
        .with_provider(builder.build().unwrap())
        .build()
        .unwrap()
}

/// An emulator posting every event to a fresh endpoint, and a client of its Zoom account.
async fn set_up() -> (EmulatorHandle, Endpoint, MeetSchedifyClient) {
    let emu = Emulator::start().await.unwrap();
    let endpoint = Endpoint::start(SECRET).await;
    emu.register_zoom_webhook(&endpoint.url, SECRET)
        .await
        .unwrap();
    let client = client(builder(&emu));
    (emu, endpoint, client)
}

async fn create(client: &MeetSchedifyClient) -> CreatedMeeting {
    client
        .create_meeting(CreateMeetingRequest::new(
            "acme-hr",
            ProviderId::ZOOM,
            "Design review",
            MeetingTime::new("2030-06-15T10:00:00", "2030-06-15T11:00:00")
                .with_timezone("Europe/Paris"),
        ))
        .await
        .unwrap()
}

async fn reschedule(client: &MeetSchedifyClient, id: &str, start: &str, end: &str) {
    client
        .update_meeting(
            &ProviderId::ZOOM,
            &MeetingContext::new("acme-hr"),
            id,
            UpdateMeetingRequest::new()
                .with_time(MeetingTime::new(start, end).with_timezone("Europe/Paris")),
        )
        .await
        .unwrap();
}

/// Whether `at` is within a few seconds of now (the emulator runs on the real clock here).
fn recent(at: Timestamp) -> bool {
    Timestamp::now().duration_since(at).abs() < SignedDuration::from_secs(10)
}

#[tokio::test]
async fn a_reschedule_through_the_provider_arrives_as_a_verified_updated_event() {
    let (emu, mut endpoint, client) = set_up().await;
    let created = create(&client).await;
    reschedule(
        &client,
        &created.provider_event_id,
        "2030-06-16T14:00:00",
        "2030-06-16T15:00:00",
    )
    .await;
    let event = endpoint.next().await;
    assert_eq!(event.provider, ProviderId::ZOOM);
    assert_eq!(event.kind, MeetingEventKind::Updated);
    assert_eq!(event.meeting_id, created.provider_event_id);
    assert!(recent(event.occurred_at), "{}", event.occurred_at);
    assert_eq!(
        event.occurred_at.as_millisecond(),
        event.raw["payload"]["time_stamp"].as_i64().unwrap()
    );
    assert_eq!(event.tenant, None, "Zoom's payloads name no tenant");
    // The raw payload is kept: the new time and the one it replaced (Paris is UTC+2 in June).
    let payload = &event.raw["payload"];
    assert!(payload["object"]["id"].is_u64(), "a number in this event");
    assert_eq!(payload["object"]["start_time"], "2030-06-16T12:00:00Z");
    assert_eq!(payload["old_object"]["start_time"], "2030-06-15T08:00:00Z");

    // The same again with the id sent as a string: still the same meeting.
    emu.inject_zoom_webhook_fault(ZoomWebhookFault::IdTypeSwapped);
    reschedule(
        &client,
        &created.provider_event_id,
        "2030-06-17T14:00:00",
        "2030-06-17T15:00:00",
    )
    .await;
    let event = endpoint.next().await;
    assert_eq!(event.kind, MeetingEventKind::Updated);
    assert!(event.raw["payload"]["object"]["id"].is_string());
    assert_eq!(event.meeting_id, created.provider_event_id);
    endpoint.assert_quiet().await;
}

#[tokio::test]
async fn a_cancel_arrives_as_cancelled_and_an_unsubscribed_update_does_not_arrive() {
    let emu = Emulator::start().await.unwrap();
    let mut endpoint = Endpoint::start(SECRET).await;
    emu.register_zoom_webhook_for(&endpoint.url, SECRET, &["meeting.deleted"])
        .await
        .unwrap();
    let client = client(builder(&emu));
    let created = create(&client).await;
    reschedule(
        &client,
        &created.provider_event_id,
        "2030-06-16T14:00:00",
        "2030-06-16T15:00:00",
    )
    .await;
    client
        .cancel_meeting(
            &ProviderId::ZOOM,
            &MeetingContext::new("acme-hr"),
            &created.provider_event_id,
        )
        .await
        .unwrap();
    let event = endpoint.next().await;
    assert_eq!(
        event.kind,
        MeetingEventKind::Cancelled,
        "the update was not sent"
    );
    assert_eq!(event.meeting_id, created.provider_event_id);
    assert!(recent(event.occurred_at));
    assert_eq!(event.raw["event"], "meeting.deleted");
    endpoint.assert_quiet().await;
}

#[tokio::test]
async fn a_cloud_recorded_meeting_that_ends_arrives_as_recording_ready_and_debug_hides_its_token() {
    let (emu, mut endpoint, _) = set_up().await;
    let client =
        client(builder(&emu).with_meeting_defaults(
            MeetingDefaults::new().with_auto_recording(AutoRecording::Cloud),
        ));
    let created = create(&client).await;
    let id: u64 = created.provider_event_id.parse().unwrap();
    emu.start_zoom_meeting(id).unwrap();
    emu.end_zoom_meeting(id).unwrap();
    let kinds = [
        endpoint.next().await,
        endpoint.next().await,
        endpoint.next().await,
    ];
    assert_eq!(
        kinds.iter().map(|e| e.kind.clone()).collect::<Vec<_>>(),
        [
            MeetingEventKind::Started,
            MeetingEventKind::Ended,
            MeetingEventKind::RecordingReady
        ]
    );
    let recording = &kinds[2];
    assert_eq!(recording.meeting_id, created.provider_event_id);
    assert!(recent(recording.occurred_at));
    // The application gets the token to download the files ...
    let token = recording.raw["download_token"].as_str().unwrap();
    assert!(token.len() > 20);
    assert!(recording.raw["payload"]["object"]["recording_files"][0]["download_url"].is_string());
    // ... and printing the event (a log line, a panic message) shows none of the credentials.
    let passcode = recording.raw["payload"]["object"]["recording_play_passcode"]
        .as_str()
        .unwrap();
    let printed = format!("{recording:?}");
    assert!(!printed.contains(token), "{printed}");
    assert!(!printed.contains(passcode), "{printed}");
    assert!(printed.contains("RecordingReady"));
    endpoint.assert_quiet().await;
}
