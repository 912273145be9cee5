//! The online-meetings mode (`MICROSOFT_TEAMS_MODE=online-meetings`): standalone Teams meetings
//! through `createOrGet`, against the emulator's Graph `onlineMeetings`.

mod config;
mod conformance;
mod errors;
mod idempotency;
mod isolation;
mod lifecycle;

use meetschedify_emulator::EmulatorHandle;
use meetschedify_teams::{TeamsAppMode, TeamsAppProvider, TeamsAppProviderBuilder};
use serde_json::Value;

use crate::common::builder;

/// Where the emulator's online meetings are created, for fault rules.
pub(crate) const CREATE_OR_GET: &str = "/graph/v1.0/users/*/onlineMeetings/createOrGet";

/// A builder in the online-meetings mode, with the demo organizer's object id (onlineMeetings
/// take no user principal name).
pub(crate) fn online_builder(emu: &EmulatorHandle) -> TeamsAppProviderBuilder {
    builder(emu)
        .with_mode(TeamsAppMode::OnlineMeetings)
        .with_organizer(&emu.demo().microsoft_organizer_id)
}

pub(crate) fn online_provider(emu: &EmulatorHandle) -> TeamsAppProvider {
    online_builder(emu).build().expect("provider builds")
}

/// The demo organizer's online meetings as the emulator holds them.
pub(crate) fn online_meetings(emu: &EmulatorHandle) -> Vec<Value> {
    emu.state()
        .microsoft
        .online_meetings_by_user
        .get(&emu.demo().microsoft_organizer_id)
        .cloned()
        .unwrap_or_default()
}
