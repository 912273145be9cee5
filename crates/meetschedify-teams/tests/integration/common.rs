//! Shared set-up: an emulator, a provider pointed at it with the emulator's demo credentials.

use std::time::Duration;

use meetschedify_core::RetryConfig;
use meetschedify_emulator::{Emulator, EmulatorHandle, FaultAction};
use meetschedify_teams::{TeamsAppProvider, TeamsAppProviderBuilder};

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
