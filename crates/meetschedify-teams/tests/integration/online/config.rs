//! `MICROSOFT_TEAMS_MODE` and the organizer the online-meetings mode needs.

use std::collections::HashMap;

use meetschedify_core::{ErrorCode, MeetingProvider};
use meetschedify_teams::{TeamsAppMode, TeamsAppProviderBuilder, ENV_MODE};

use super::online_meetings;
use crate::common::{client, emulator, events, fast_retry, request};

fn lookup(vars: &HashMap<String, String>) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| vars.get(name).cloned()
}

/// The emulator's printed exports plus `MICROSOFT_TEAMS_MODE`, when given.
fn env(emu: &meetschedify_emulator::EmulatorHandle, mode: Option<&str>) -> HashMap<String, String> {
    let mut vars: HashMap<String, String> = emu.env_exports().into_iter().collect();
    if let Some(mode) = mode {
        vars.insert(ENV_MODE.to_owned(), mode.to_owned());
    }
    vars
}

#[tokio::test]
async fn the_mode_variable_picks_where_meetings_go() {
    let emu = emulator().await;
    for (mode, online) in [
        (None, false),
        (Some("events"), false),
        (Some("online-meetings"), true),
    ] {
        let vars = env(&emu, mode);
        let teams = TeamsAppProviderBuilder::from_lookup(lookup(&vars))
            .with_retry(fast_retry())
            .build()
            .unwrap();
        assert_eq!(teams.guarantees().metadata_round_trip, !online, "{mode:?}");
        client(teams)
            .create_meeting(request("By env"))
            .await
            .unwrap();
    }
    assert_eq!(events(&emu).len(), 2);
    assert_eq!(online_meetings(&emu).len(), 1);
}

#[tokio::test]
async fn an_unknown_mode_names_the_variable_and_the_accepted_values() {
    let emu = emulator().await;
    let vars = env(&emu, Some("calendar"));
    let err = TeamsAppProviderBuilder::from_lookup(lookup(&vars))
        .build()
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    assert_eq!(err.field(), Some("MICROSOFT_TEAMS_MODE"));
    assert_eq!(
        err.message(),
        "MICROSOFT_TEAMS_MODE must be `events` or `online-meetings`, not `calendar`"
    );
    // A mode set in code replaces the variable's.
    TeamsAppProviderBuilder::from_lookup(lookup(&vars))
        .with_mode(TeamsAppMode::OnlineMeetings)
        .build()
        .unwrap();
}

#[tokio::test]
async fn online_meetings_need_the_organizers_object_id() {
    let emu = emulator().await;
    let mut vars = env(&emu, Some("online-meetings"));
    vars.insert(
        "MICROSOFT_TEAMS_ORGANIZER".to_owned(),
        emu.demo().microsoft_organizer_upn.clone(),
    );
    let err = TeamsAppProviderBuilder::from_lookup(lookup(&vars))
        .build()
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    assert_eq!(err.field(), Some("MICROSOFT_TEAMS_ORGANIZER"));
    assert!(err.message().contains("object id (a GUID)"), "{err}");
    // Set in code, the error names the setting; the events mode takes the UPN.
    let err = TeamsAppProviderBuilder::from_lookup(lookup(&vars))
        .with_organizer("organizer@emulator.onmicrosoft.com")
        .build()
        .unwrap_err();
    assert_eq!(err.field(), Some("organizer"));
    TeamsAppProviderBuilder::from_lookup(lookup(&vars))
        .with_mode(TeamsAppMode::CalendarEvents)
        .build()
        .unwrap();
}
