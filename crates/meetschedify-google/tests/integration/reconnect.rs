//! Disconnect and reconnect against refreshes in flight and other instances (issue 13): a
//! refresh that read the old account never writes over the new one, a reconnect revokes the
//! grant it replaces when asked to, and every instance stops using the old account's access token within
//! `TokenManagerConfig::revalidate_every`.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    DisconnectOutcome, MeetingProvider, OAuthConnect, ProviderId, TenantId, TokenKey,
    TokenManagerConfig, TokenStore,
};
use meetschedify_emulator::{FaultAction, FaultRule};
use meetschedify_google::CalendarTokens;

fn key() -> TokenKey {
    TokenKey::new("org_1", ProviderId::GOOGLE_MEET)
}

/// Waits (at most 5 s) until `done` holds.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} never happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_in_flight_during_disconnect_and_reconnect_never_writes_over_the_new_account() {
    let emu = crate::common::default_emulator().await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let provider = crate::common::provider(&emu, store.clone());
    let old_refresh = emu.demo().google_refresh_token.clone();
    // Google processes the refresh at once but answers it late: the old account's new access
    // token is on its way back while the tenant disconnects and connects again.
    emu.inject_fault(FaultRule::sequence(
        "POST",
        "/token",
        vec![Some(FaultAction::slow_answer(Duration::from_millis(1500)))],
    ));
    let refreshing = tokio::spawn({
        let provider = provider.clone();
        async move {
            provider
                .tokens()
                .access_token(&TenantId::new("org_1"))
                .await
        }
    });
    eventually("the refresh reaching google", || {
        emu.google_token_requests() == 1
    })
    .await;
    assert_eq!(
        provider
            .tokens()
            .disconnect(&TenantId::new("org_1"))
            .await
            .unwrap(),
        DisconnectOutcome::Revoked
    );
    crate::common::connect(&provider, "org_1").await;
    let new = store.get(&key()).await.unwrap().expect("reconnected");
    let new_refresh = new
        .refresh_token
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned();
    assert_ne!(new_refresh, old_refresh);
    assert!(
        !refreshing.is_finished(),
        "the test must reconnect while the refresh is still in flight"
    );

    // The late answer arrives: its compare-and-swap on the version it read must fail, even
    // though a delete and a new save happened in between (no version is ever reused).
    let late = refreshing.await.unwrap();
    let after = store.get(&key()).await.unwrap().expect("still connected");
    assert_eq!(
        after, new,
        "the old account's refresh wrote over the new account"
    );
    let handed_out = provider
        .tokens()
        .access_token(&TenantId::new("org_1"))
        .await
        .unwrap();
    assert_eq!(
        handed_out.secret().expose_secret(),
        new.access_token.expose_secret()
    );
    if let Ok(token) = late {
        // The waiter got the new account's persisted token, never the unsaved old one.
        assert_eq!(
            token.secret().expose_secret(),
            new.access_token.expose_secret()
        );
    }
    provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap();
}

#[tokio::test]
async fn by_default_a_reconnect_leaves_the_previous_grant_alone() {
    // Google's revocation removes the app's access for the user: on a same-account reconnect,
    // revoking the old grant would end the new one. So it is opt-in.
    let emu = crate::common::default_emulator().await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let provider = crate::common::provider(&emu, store.clone());
    let old_refresh = emu.demo().google_refresh_token.clone();
    crate::common::connect(&provider, "org_1").await;
    assert!(
        emu.revoke_token(&old_refresh),
        "the previous refresh token was still live until this test revoked it"
    );
}

#[tokio::test]
async fn reconnect_revokes_the_previous_grant_when_asked() {
    let emu = crate::common::default_emulator().await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let provider = crate::common::builder(&emu, store.clone())
        .with_revoke_replaced_grant(true)
        .build()
        .unwrap();
    let old_refresh = emu.demo().google_refresh_token.clone();
    crate::common::connect(&provider, "org_1").await;
    assert!(
        !emu.revoke_token(&old_refresh),
        "the reconnect left the previous refresh token live at google"
    );
    // The new grant is untouched.
    provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reconnect_whose_revocation_fails_still_connects() {
    let emu = crate::common::default_emulator().await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let provider = crate::common::builder(&emu, store.clone())
        .with_revoke_replaced_grant(true)
        .build()
        .unwrap();
    emu.inject_fault(FaultRule::sequence(
        "POST",
        "/revoke",
        vec![Some(FaultAction::unavailable()); 5],
    ));
    crate::common::connect(&provider, "org_1").await;
    let stored = store.get(&key()).await.unwrap().unwrap();
    assert_ne!(
        stored.refresh_token.unwrap().expose_secret(),
        emu.demo().google_refresh_token
    );
    provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_instance_stops_using_the_old_access_token_within_the_bound() {
    let emu = crate::common::default_emulator().await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let shared: Arc<dyn TokenStore> = store.clone();
    let bound = Duration::from_millis(500);
    let first = crate::common::provider(&emu, shared.clone());
    let second = crate::common::builder(&emu, shared)
        .with_token_manager_config(TokenManagerConfig::default().with_revalidate_every(bound))
        .build()
        .unwrap();
    let old = second
        .tokens()
        .access_token(&TenantId::new("org_1"))
        .await
        .unwrap();
    // The revocation of the old grant fails, so Google would still accept the old access
    // token: only the bound stops the second instance from using the old account.
    emu.inject_fault(FaultRule::sequence(
        "POST",
        "/revoke",
        vec![Some(FaultAction::unavailable()); 5],
    ));
    crate::common::connect(&first, "org_1").await;
    let new = store.get(&key()).await.unwrap().unwrap();
    assert_ne!(
        new.access_token.expose_secret(),
        old.secret().expose_secret()
    );
    tokio::time::sleep(bound).await;
    let now = second
        .tokens()
        .access_token(&TenantId::new("org_1"))
        .await
        .unwrap();
    assert_eq!(
        now.secret().expose_secret(),
        new.access_token.expose_secret(),
        "the second instance still used the old account's token after the bound"
    );
}
