//! The per-user provider's tokens: rotation on refresh, a revoked user, multi-factor
//! authentication required.

use std::sync::Arc;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    ConnectionState, ErrorCode, ErrorKind, MeetingProvider, MemoryTokenStore, SaveCondition,
    TenantId, TokenKey, TokenStore, ValidatedCreate,
};
use meetschedify_teams::TeamsProvider;

use crate::common::emulator;
use crate::user_common::{connect, user_builder, user_request};

/// Makes the stored access token look expired, as it will be an hour after the connect.
pub(crate) async fn expire(store: &dyn TokenStore, key: &TokenKey) {
    let record = store.get(key).await.unwrap().expect("a stored record");
    let past = record.clone().with_expires_at(Timestamp::UNIX_EPOCH);
    store
        .save(key, &past, SaveCondition::Version(record.version))
        .await
        .unwrap();
}

async fn create(teams: &TeamsProvider, tenant: &str) -> meetschedify_core::Result<()> {
    let valid = ValidatedCreate::new(user_request(tenant, "Sync"), &teams.limits()).unwrap();
    teams.create_meeting(&valid).await.map(drop)
}

#[tokio::test]
async fn a_refresh_replaces_the_stored_refresh_token_before_the_new_access_token_is_used() {
    let emu = emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let teams = user_builder(&emu, store.clone()).build().unwrap();
    connect(&teams, "acme-hr").await;
    let key = teams.token_key(&TenantId::new("acme-hr"));
    let first = store.get(&key).await.unwrap().unwrap();
    expire(store.as_ref(), &key).await;
    teams.token_manager().forget(&key);
    create(&teams, "acme-hr").await.unwrap();
    let after = store.get(&key).await.unwrap().unwrap();
    let secret = |t: &Option<meetschedify_core::secrecy::SecretString>| {
        t.as_ref().unwrap().expose_secret().to_owned()
    };
    assert_ne!(
        secret(&after.refresh_token),
        secret(&first.refresh_token),
        "rotated"
    );
    assert_ne!(
        after.access_token.expose_secret(),
        first.access_token.expose_secret()
    );
    let grants: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| {
            r.path.ends_with("/oauth2/v2.0/token") && r.body.contains("grant_type=refresh_token")
        })
        .collect();
    assert_eq!(grants.len(), 1);
    assert!(
        grants[0].body.contains("scope=offline_access"),
        "{}",
        grants[0].body
    );
}

#[tokio::test]
async fn a_revoked_user_must_reconnect_and_the_record_says_so() {
    let emu = emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let teams = user_builder(&emu, store.clone()).build().unwrap();
    connect(&teams, "acme-hr").await;
    let key = teams.token_key(&TenantId::new("acme-hr"));
    emu.revoke_microsoft_user_tokens(&emu.demo().microsoft_organizer_upn)
        .unwrap();
    expire(store.as_ref(), &key).await;
    teams.token_manager().forget(&key);

    let err = create(&teams, "acme-hr").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AuthRevoked, "{err}");
    assert_eq!(err.kind(), ErrorKind::ReconnectRequired);
    assert!(err.message().contains("AADSTS50173"), "{err}");
    let http = err.http_details().expect("details");
    assert_eq!(http.vendor_code.as_deref(), Some("invalid_grant"));
    assert!(http.message.as_deref().unwrap().starts_with("AADSTS50173"));

    let record = store.get(&key).await.unwrap().unwrap();
    assert!(record.revoked.is_some(), "marked revoked");
    let status = teams
        .connection_status(&TenantId::new("acme-hr"))
        .await
        .unwrap();
    assert_eq!(status.state, ConnectionState::NeedsReconnect);
    assert!(status.reason.unwrap().contains("AADSTS50173"));
    // The refused token is not sent again.
    let requests = emu.microsoft_token_requests();
    let again = create(&teams, "acme-hr").await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::AuthRevoked);
    assert_eq!(emu.microsoft_token_requests(), requests);

    // Connecting again replaces the revoked record.
    connect(&teams, "acme-hr").await;
    create(&teams, "acme-hr").await.unwrap();
    let status = teams
        .connection_status(&TenantId::new("acme-hr"))
        .await
        .unwrap();
    assert_eq!(status.state, ConnectionState::Connected);
}

#[tokio::test]
async fn multi_factor_authentication_required_asks_for_a_reconnect_saying_why() {
    let emu = emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let teams = user_builder(&emu, store.clone()).build().unwrap();
    connect(&teams, "acme-hr").await;
    let key = teams.token_key(&TenantId::new("acme-hr"));
    emu.set_microsoft_mfa_required(&emu.demo().microsoft_organizer_upn, true)
        .unwrap();
    expire(store.as_ref(), &key).await;
    teams.token_manager().forget(&key);
    let err = create(&teams, "acme-hr").await.unwrap_err();
    assert!(err.needs_reconnect(), "{err}");
    assert!(err.message().contains("multi-factor"), "{err}");
    assert!(err.message().contains("AADSTS50076"), "{err}");
}
