//! Shared set-up: an emulator, a provider pointed at it with the emulator's demo credentials.

use std::time::Duration;

use meetschedify_core::{
    CreateMeetingRequest, MeetSchedifyClient, MeetingParticipant, MeetingTime, ProviderId,
    RetryConfig,
};
use meetschedify_emulator::{Emulator, EmulatorHandle, FaultAction, RecordedRequest};
use meetschedify_teams::{TeamsAppProvider, TeamsAppProviderBuilder};
use serde_json::Value;

pub(crate) async fn emulator() -> EmulatorHandle {
    Emulator::builder().start().await.expect("emulator starts")
}

/// Retries that wait a millisecond or two, so failure paths stay fast.
pub(crate) fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .with_initial_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(4))
        .with_jitter(false)
}

/// A builder with the emulator's printed demo credentials and bases.
pub(crate) fn builder(emu: &EmulatorHandle) -> TeamsAppProviderBuilder {
    let demo = emu.demo();
    TeamsAppProvider::builder()
        .with_credentials(
            &demo.microsoft_tenant_id,
            &demo.microsoft_client_id,
            &demo.microsoft_client_secret,
        )
        .with_organizer(&demo.microsoft_organizer_upn)
        .with_login_base(emu.microsoft_login_base())
        .with_graph_api_base(emu.graph_api_base())
        .with_retry(fast_retry())
}

pub(crate) fn provider(emu: &EmulatorHandle) -> TeamsAppProvider {
    builder(emu).build().expect("provider builds")
}

/// A fault answering `status` with this body and headers.
pub(crate) fn status_with(status: u16, body: &str, headers: &[(&str, &str)]) -> FaultAction {
    FaultAction::Status {
        status,
        body: body.to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

/// A one-hour interview in Kolkata with two attendees and metadata.
pub(crate) fn request(title: &str) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        "acme-hr",
        ProviderId::MICROSOFT_TEAMS_APP,
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

pub(crate) fn client(provider: TeamsAppProvider) -> MeetSchedifyClient {
    MeetSchedifyClient::builder()
        .with_provider(provider)
        .build()
        .expect("client builds")
}

/// Recorded requests with this method whose path contains `path_part`.
pub(crate) fn sent(emu: &EmulatorHandle, method: &str, path_part: &str) -> Vec<RecordedRequest> {
    emu.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path.contains(path_part))
        .collect()
}

/// The organizer's live events as the emulator holds them.
pub(crate) fn events(emu: &EmulatorHandle) -> Vec<Value> {
    emu.state()
        .microsoft
        .events_by_user
        .get(&emu.demo().microsoft_organizer_id)
        .cloned()
        .unwrap_or_default()
}
