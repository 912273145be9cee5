//! The per-user Teams row's lost-token check can fail, and the finding behind the fault it
//! leaves out: with single-use refresh tokens, a refresh answer lost after the emulator rotated
//! loses the tenant.

use std::sync::Arc;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{
    CreateMeetingRequest, MeetSchedifyClient, MeetingTime, MemoryTokenStore, ProviderId,
    SaveCondition, TokenKey, TokenStore,
};
use meetschedify_emulator::{ConsentMode, Emulator, EmulatorHandle, FaultAction, FaultRule};

use super::{teams_user, SoakConfig};

const TENANT: &str = "soak-tenant-0";

/// A single-use emulator, a provider over `store`, and `TENANT` connected.
async fn connected(store: &Arc<MemoryTokenStore>) -> (EmulatorHandle, MeetSchedifyClient) {
    let emu = Emulator::builder()
        .with_microsoft_single_use_refresh_tokens(true)
        .with_microsoft_consent(ConsentMode::Auto)
        .start()
        .await
        .unwrap();
    let dyn_store = Arc::clone(store) as Arc<dyn TokenStore>;
    let teams = teams_user::provider(&emu, &SoakConfig::short(), dyn_store, [3; 32]).unwrap();
    teams_user::connect(&emu, &teams, TENANT, &teams_user::account(0))
        .await
        .unwrap();
    let client = MeetSchedifyClient::builder()
        .with_provider(teams)
        .build()
        .unwrap();
    (emu, client)
}

fn key() -> TokenKey {
    TokenKey::new(TENANT, ProviderId::MICROSOFT_TEAMS)
}

#[tokio::test]
async fn a_spent_refresh_token_is_counted_lost_by_the_emulator() {
    let store = Arc::new(MemoryTokenStore::new());
    let (emu, _client) = connected(&store).await;
    let tenants = [TENANT.to_owned()];
    // The check refreshes at the emulator itself: the first time the token works (and is
    // spent), the second time the emulator refuses it.
    let first = teams_user::lost_tokens(&emu, store.as_ref(), &tenants).await;
    assert_eq!(first.unwrap(), 0);
    let second = teams_user::lost_tokens(&emu, store.as_ref(), &tenants).await;
    assert_eq!(second.unwrap(), 1);
}

#[tokio::test]
async fn a_refresh_answer_lost_after_rotation_loses_the_tenant_with_single_use_tokens() {
    let store = Arc::new(MemoryTokenStore::new());
    let (emu, client) = connected(&store).await;
    let record = store.get(&key()).await.unwrap().unwrap();
    let expired = record.clone().with_expires_at(Timestamp::UNIX_EPOCH);
    store
        .save(&key(), &expired, SaveCondition::Version(record.version))
        .await
        .unwrap();
    // The emulator rotates (spending the stored token), then resets instead of answering.
    emu.inject_fault(FaultRule::once(
        "POST",
        teams_user::LOGIN,
        FaultAction::ResetAfter,
    ));
    let request = CreateMeetingRequest::new(
        TENANT,
        ProviderId::MICROSOFT_TEAMS,
        "after a lost refresh answer",
        MeetingTime::new("2030-05-06T09:00:00", "2030-05-06T09:30:00")
            .with_timezone("Europe/Paris"),
    );
    let err = client.create_meeting(request).await.unwrap_err();
    assert!(err.code().needs_reconnect(), "{err}");
    let stored = store.get(&key()).await.unwrap().unwrap();
    assert!(stored.revoked.is_some(), "the retry's refusal marks it");
    let lost = teams_user::lost_tokens(&emu, store.as_ref(), &[TENANT.to_owned()]).await;
    assert_eq!(lost.unwrap(), 1);
}
