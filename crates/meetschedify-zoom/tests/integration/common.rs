//! Shared set-up: an emulator, a provider pointed at it, a request.

use std::time::Duration;

use meetschedify_core::{
    CreateMeetingRequest, MeetSchedifyClient, MeetingParticipant, MeetingTime, ProviderId,
    RetryConfig,
};
use meetschedify_emulator::{Emulator, EmulatorHandle, FaultAction, RecordedRequest};
use meetschedify_zoom::{ZoomProvider, ZoomProviderBuilder};
use serde_json::Value;

/// An emulator without the daily limit (tests make many meetings).
pub(crate) async fn emulator() -> EmulatorHandle {
    Emulator::builder()
        .with_zoom_daily_limit(None)
        .start()
        .await
        .expect("emulator starts")
}

/// Retries that wait a millisecond or two, so failure paths stay fast.
pub(crate) fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .with_initial_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(4))
        .with_jitter(false)
}

/// A builder with the emulator's demo credentials and bases.
pub(crate) fn builder(emu: &EmulatorHandle) -> ZoomProviderBuilder {
    let demo = emu.demo();
    ZoomProvider::builder()
        .with_credentials(
            &demo.zoom_account_id,
            &demo.zoom_client_id,
            &demo.zoom_client_secret,
        )
        .with_api_base(emu.zoom_api_base())
        .with_oauth_base(emu.zoom_oauth_base())
        .with_retry(fast_retry())
}

pub(crate) fn provider(emu: &EmulatorHandle) -> ZoomProvider {
    builder(emu).build().expect("provider builds")
}

pub(crate) fn client(provider: ZoomProvider) -> MeetSchedifyClient {
    MeetSchedifyClient::builder()
        .with_provider(provider)
        .build()
        .expect("client builds")
}

/// A one-hour interview in Kolkata, far enough ahead to stay upcoming.
pub(crate) fn request(title: &str) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        "acme-hr",
        ProviderId::ZOOM,
        title,
        MeetingTime::new("2030-06-15T10:00:00", "2030-06-15T11:00:00")
            .with_timezone("Asia/Kolkata"),
    )
    .with_description("Round 2: system design")
    .with_primary_participant(
        MeetingParticipant::new("candidate@example.com").with_display_name("Ada Candidate"),
    )
    .with_participant(MeetingParticipant::new("interviewer@example.com"))
    .with_metadata_entry("application_id", "app_42")
}

/// Recorded requests with this method whose path contains `path_part`.
pub(crate) fn sent(emu: &EmulatorHandle, method: &str, path_part: &str) -> Vec<RecordedRequest> {
    emu.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path.contains(path_part))
        .collect()
}

/// Every live meeting of the demo host.
pub(crate) fn meetings(emu: &EmulatorHandle) -> Vec<Value> {
    emu.state()
        .zoom
        .meetings_by_host
        .get(&emu.demo().zoom_host_id)
        .cloned()
        .unwrap_or_default()
}

/// A fault answering `status` with this body and headers.
pub(crate) fn status_with(status: u16, body: String, headers: &[(&str, &str)]) -> FaultAction {
    FaultAction::Status {
        status,
        body,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}
