//! Client credentials against the emulator's identity platform: the connection status, and
//! the identity platform's refusals mapped to neutral codes.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{
    ConnectionState, ErrorCode, MeetingProvider, MemoryTokenStore, RetryConfig, SaveCondition,
    TenantId, TokenRecord, TokenStore,
};
use meetschedify_emulator::FaultRule;

use crate::common::{builder, client, emulator, provider, request, sent, status_with};

const TOKEN: &str = "/login/*/oauth2/v2.0/token";

#[tokio::test]
async fn the_demo_app_is_connected_with_one_token_for_every_tenant() {
    let emu = emulator().await;
    let teams = provider(&emu);
    for tenant in ["acme-hr", "globex"] {
        let status = teams
            .connection_status(&TenantId::new(tenant))
            .await
            .unwrap();
        assert_eq!(status.state, ConnectionState::Connected, "{status:?}");
        assert_eq!(
            status.account.as_deref(),
            Some(emu.demo().microsoft_organizer_upn.as_str())
        );
    }
    assert_eq!(emu.microsoft_token_requests(), 1);
    let sent: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/oauth2/v2.0/token"))
        .collect();
    assert_eq!(sent.len(), 1);
    assert!(sent[0]
        .path
        .starts_with(&format!("/login/{}/", emu.demo().microsoft_tenant_id)));
}

#[tokio::test]
async fn a_wrong_secret_is_bad_credentials() {
    let emu = emulator().await;
    let teams = builder(&emu)
        .with_client_secret("not-the-secret")
        .build()
        .unwrap();
    let err = teams
        .token_manager()
        .access_token(teams.token_key())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadCredentials);
    assert!(err.message().contains("AADSTS7000215"), "{err}");
    assert!(err.message().contains("MICROSOFT_CLIENT_SECRET"), "{err}");
    let details = err.http_details().unwrap();
    assert_eq!(details.http_status, 401);
    assert_eq!(details.vendor_code.as_deref(), Some("invalid_client"));
    assert!(details.request_id.is_some());
    assert!(!format!("{err:?}").contains("not-the-secret"));
    let status = teams.connection_status(&"acme".into()).await.unwrap();
    assert_eq!(status.state, ConnectionState::Unavailable);
    assert!(status
        .reason
        .unwrap_or_default()
        .contains("BAD_CREDENTIALS"));
}

#[tokio::test]
async fn an_expired_secret_says_to_rotate_it() {
    let emu = emulator().await;
    emu.set_microsoft_secret_expired(&emu.demo().microsoft_client_id, true)
        .unwrap();
    let teams = provider(&emu);
    let err = teams
        .token_manager()
        .access_token(teams.token_key())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadCredentials);
    assert!(err.message().contains("expired"), "{err}");
}

#[tokio::test]
async fn an_unknown_app_is_bad_credentials() {
    let emu = emulator().await;
    let teams = builder(&emu)
        .with_client_id("11111111-2222-4333-8444-555555555555")
        .build()
        .unwrap();
    let err = teams
        .token_manager()
        .access_token(teams.token_key())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadCredentials, "{err}");
}

#[tokio::test]
async fn a_throttled_token_request_is_rate_limited_with_its_wait() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once(
        "POST",
        TOKEN,
        status_with(429, "", &[("retry-after", "2.5")]),
    ));
    let fresh = builder(&emu)
        .with_retry(RetryConfig::none())
        .build()
        .unwrap();
    let err = fresh
        .token_manager()
        .access_token(fresh.token_key())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
}

/// A token Graph no longer accepts (revoked, or expired early) is replaced once, and the call
/// replayed with the new one.
#[tokio::test]
async fn a_token_graph_refuses_is_replaced_once() {
    let emu = emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let teams = builder(&emu)
        .with_token_store(store.clone())
        .build()
        .unwrap();
    // A token the token layer believes good for an hour, which the emulator never issued.
    let stale = TokenRecord::new("not-a-graph-token").with_expires_at(
        meetschedify_core::jiff::Timestamp::now()
            .checked_add(meetschedify_core::jiff::SignedDuration::from_hours(1))
            .unwrap(),
    );
    store
        .save(teams.token_key(), &stale, SaveCondition::Always)
        .await
        .unwrap();
    let created = client(teams)
        .create_meeting(request("Fresh token"))
        .await
        .unwrap();
    assert!(created.conference_link.is_some());
    let posts = sent(&emu, "POST", "/events");
    assert_eq!(posts.len(), 2);
    assert_eq!(posts[0].status, Some(401));
    assert_eq!(posts[1].status, Some(201));
    assert_eq!(emu.microsoft_token_requests(), 1);
}
