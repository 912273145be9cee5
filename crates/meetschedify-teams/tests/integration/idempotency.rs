//! Idempotent create: the idempotency key becomes Graph's transactionId.

use meetschedify_core::{ErrorCode, TenantId};

use crate::common::{client, emulator, events, provider, request};

#[tokio::test]
async fn a_repeated_key_gives_the_first_event() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    let first = teams
        .create_meeting(request("Keyed").with_idempotency_key("booking-42"))
        .await
        .unwrap();
    let second = teams
        .create_meeting(request("Keyed").with_idempotency_key("booking-42"))
        .await
        .unwrap();
    assert_eq!(first.provider_event_id, second.provider_event_id);
    assert_eq!(first.conference_link, second.conference_link);
    assert_eq!(events(&emu).len(), 1);
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    teams
        .create_meeting(request("Keyed").with_idempotency_key("booking-42"))
        .await
        .unwrap();
    let err = teams
        .create_meeting(request("Another title").with_idempotency_key("booking-42"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::IdempotencyKeyReused, "{err}");
    assert_eq!(events(&emu).len(), 1);
}

#[tokio::test]
async fn tenants_using_one_key_get_their_own_events() {
    let emu = emulator().await;
    let teams = client(provider(&emu));
    let acme = teams
        .create_meeting(request("Keyed").with_idempotency_key("booking-42"))
        .await
        .unwrap();
    let mut other = request("Keyed").with_idempotency_key("booking-42");
    other.tenant_id = TenantId::new("globex");
    let globex = teams.create_meeting(other).await.unwrap();
    assert_ne!(acme.provider_event_id, globex.provider_event_id);
    assert_eq!(events(&emu).len(), 2);
}
