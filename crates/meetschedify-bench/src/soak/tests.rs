//! The soak's own checks can fail: a Teams event made twice is counted as a duplicate, and a
//! Teams token gone from the store as lost.

use std::collections::HashMap;
use std::sync::Arc;

use meetschedify_core::{
    CreateMeetingRequest, MeetSchedifyClient, MeetingTime, MemoryTokenStore, ProviderId, TokenStore,
};
use meetschedify_emulator::Emulator;

use super::{compare_with_state, teams, title, SoakConfig, SoakProvider, SoakReport};

#[tokio::test]
async fn a_teams_event_made_twice_is_a_duplicate_and_a_deleted_token_is_lost() {
    let emu = Emulator::start().await.unwrap();
    let store = Arc::new(MemoryTokenStore::new());
    let provider = teams::provider(
        &emu,
        &SoakConfig::short(),
        Arc::clone(&store) as Arc<dyn TokenStore>,
    )
    .unwrap();
    let client = MeetSchedifyClient::builder()
        .with_provider(provider.clone())
        .build()
        .unwrap();
    let title = title(SoakProvider::TeamsApp, 7);
    let request = |key: &str| {
        CreateMeetingRequest::new(
            "soak-tenant-0",
            ProviderId::MICROSOFT_TEAMS_APP,
            title.clone(),
            MeetingTime::new("2030-05-06T09:00:00", "2030-05-06T09:30:00")
                .with_timezone("Europe/Paris"),
        )
        .with_idempotency_key(key)
    };
    // Two keys, two transactionIds: the second create is a second event with the same title,
    // as a retry without a transactionId would make.
    let first = client.create_meeting(request("first")).await.unwrap();
    client.create_meeting(request("second")).await.unwrap();
    let mut outcomes = HashMap::new();
    outcomes.insert(
        title.clone(),
        (
            ProviderId::MICROSOFT_TEAMS_APP.to_string(),
            Ok(first.provider_event_id),
        ),
    );
    let mut report = SoakReport::default();
    compare_with_state(&emu.state(), &outcomes, &mut report);
    assert_eq!(report.duplicates.get("microsoft-teams-app"), Some(&1));
    assert_eq!(report.duplicate_titles, vec![title]);
    assert_eq!(report.missing, 0);
    assert!(!report.problems().is_empty());

    assert!(!teams::token_lost(&emu, &provider, store.as_ref())
        .await
        .unwrap());
    store.delete(provider.token_key()).await.unwrap();
    assert!(teams::token_lost(&emu, &provider, store.as_ref())
        .await
        .unwrap());
}
