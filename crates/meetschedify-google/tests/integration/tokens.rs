//! Token handling: single-flight refresh, revocation, 401 recovery, missing refresh tokens and
//! token-endpoint failures.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::DisconnectOutcome;
use meetschedify_core::MemoryTokenStore;
use meetschedify_core::{
    AuthorizationRequest, ConnectionState, ErrorCode, MeetingProvider, OAuthCallback, OAuthConnect,
    ProviderId, TenantId, TokenKey, TokenStore,
};
use meetschedify_emulator::{Emulator, FaultAction, FaultRule};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_creates_for_one_tenant_make_one_refresh() {
    let emu = crate::common::emulator(
        Emulator::builder()
            .with_google_quota_per_minute(None)
            .with_conference_pending_on_insert(false),
    )
    .await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let provider = crate::common::provider(&emu, store.clone());
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..1000 {
        let p = provider.clone();
        tasks.spawn(async move {
            p.create_meeting(&crate::common::create_request(
                "org_1",
                Some(&format!("k{i}")),
            ))
            .await
        });
    }
    let mut ids = std::collections::HashSet::new();
    while let Some(done) = tasks.join_next().await {
        let meeting = done.unwrap().unwrap();
        assert!(meeting.conference_link.is_some());
        ids.insert(meeting.provider_event_id);
    }
    assert_eq!(ids.len(), 1000);
    assert_eq!(
        emu.google_token_requests(),
        1,
        "exactly one refresh for 1,000 creates"
    );
    assert_eq!(crate::common::live_events(&emu).len(), 1000);
    // The refreshed token was saved before use, with the refresh token kept (Google sent none).
    let record = store
        .get(&TokenKey::new("org_1", ProviderId::GOOGLE_MEET))
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        meetschedify_core::secrecy::ExposeSecret::expose_secret(&record.access_token),
        "ya29.expired-long-ago"
    );
    assert_eq!(
        record
            .refresh_token
            .as_ref()
            .map(meetschedify_core::secrecy::ExposeSecret::expose_secret),
        Some(emu.demo().google_refresh_token.as_str())
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_is_reported_and_not_retried() {
    let emu = crate::common::default_emulator().await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let provider = crate::common::provider(&emu, store.clone());
    assert!(emu.revoke_token(&emu.demo().google_refresh_token));

    let err = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleAuthRevoked, "{err}");
    assert!(!err.is_retryable());
    assert!(err.code().needs_reconnect());
    assert!(
        err.message().contains("Token has been expired or revoked"),
        "{err}"
    );
    assert!(
        err.message().contains("7 days"),
        "the Testing-status hint: {err}"
    );
    let details = err.google_details().unwrap();
    assert_eq!(details.http_status, 400);
    assert_eq!(details.reason.as_deref(), Some("invalid_grant"));
    assert_eq!(emu.google_token_requests(), 1);

    // The record is marked; status says revoked with Google's reason.
    let status = provider
        .connection_status(&TenantId::new("org_1"))
        .await
        .unwrap();
    assert!(!status.connected);
    assert_eq!(status.state, ConnectionState::NeedsReconnect);
    let reason = status.reason.unwrap();
    assert!(reason.starts_with("revoked:"), "{reason}");
    assert!(
        reason.contains("Token has been expired or revoked"),
        "{reason}"
    );

    // Further calls fail the same way without asking Google again.
    let again = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(again.code(), ErrorCode::GoogleAuthRevoked);
    assert_eq!(emu.google_token_requests(), 1, "no second refresh");

    // Disconnect still clears it: Google says the token is already invalid.
    assert_eq!(
        provider
            .tokens()
            .disconnect(&TenantId::new("org_1"))
            .await
            .unwrap(),
        DisconnectOutcome::AlreadyInvalid
    );
    assert!(store.is_empty());
}

#[tokio::test]
async fn reconnecting_clears_a_revoked_record() {
    let emu = crate::common::default_emulator().await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let provider = crate::common::provider(&emu, store.clone());
    emu.revoke_token(&emu.demo().google_refresh_token);
    provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    crate::common::connect(&provider, "org_1").await;
    assert!(
        provider
            .connection_status(&TenantId::new("org_1"))
            .await
            .unwrap()
            .connected
    );
    provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_access_token_refused_with_401_is_refreshed_once() {
    let emu = crate::common::default_emulator().await;
    let provider =
        crate::common::provider(&emu, crate::common::connected_store(&emu, &["org_1"]).await);
    provider
        .create_meeting(&crate::common::create_request("org_1", Some("a")))
        .await
        .unwrap();
    assert_eq!(emu.google_token_requests(), 1);
    // Google's clock moves past the token's expiry while ours still trusts it: the next call
    // gets a 401, refreshes exactly once and repeats the request.
    emu.advance_clock(Duration::from_secs(3700));
    let meeting = provider
        .create_meeting(&crate::common::create_request("org_1", Some("b")))
        .await
        .unwrap();
    assert!(meeting.conference_link.is_some());
    assert_eq!(emu.google_token_requests(), 2);
    let unauthorized = emu
        .requests()
        .iter()
        .filter(|r| r.status == Some(401))
        .count();
    assert_eq!(unauthorized, 1);
}

#[tokio::test]
async fn a_callback_without_a_refresh_token_is_a_clear_error() {
    let emu = crate::common::default_emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let provider = crate::common::provider(&emu, store.clone());
    let auth = provider
        .tokens()
        .authorization_url(&AuthorizationRequest::new("org_1", ProviderId::GOOGLE_MEET))
        .await
        .unwrap();
    // As if the URL had been built without prompt=consent: the demo user already granted the
    // client, so Google skips the screen and sends no refresh token.
    let mut url = url::Url::parse(&auth.url).unwrap();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "prompt")
        .collect();
    url.query_pairs_mut().clear().extend_pairs(kept);
    let back = crate::common::consent(url.as_str(), "allow").await;
    let err = provider
        .tokens()
        .handle_callback(
            &OAuthCallback::new(back.code.unwrap(), back.state.unwrap())
                .with_session_binding(auth.session_binding.clone()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleNotConnected);
    assert!(err.message().contains("no refresh token"), "{err}");
    assert!(err.message().contains("prompt=consent"), "{err}");
    assert!(store.is_empty(), "nothing saved");
}

#[tokio::test]
async fn token_endpoint_outages_are_retryable_refresh_failures() {
    let emu = crate::common::default_emulator().await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let provider = crate::common::builder(&emu, store)
        .with_retry(meetschedify_core::RetryConfig::none())
        .build()
        .unwrap();
    emu.inject_fault(FaultRule::once(
        "POST",
        "/token",
        FaultAction::unavailable(),
    ));
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleTokenRefreshFailed, "{err}");
    assert!(err.is_retryable());
    assert_eq!(err.http_status(), Some(503));
    emu.inject_fault(FaultRule::once("POST", "/token", FaultAction::ResetBefore));
    let reset = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(reset.code(), ErrorCode::GoogleTokenRefreshFailed, "{reset}");
    assert!(reset.is_retryable());
    assert!(
        reset.message().contains("reset"),
        "the cause is named: {reset}"
    );
    // The record is not marked revoked: the next call refreshes and works.
    let status = provider
        .connection_status(&TenantId::new("org_1"))
        .await
        .unwrap();
    assert!(status.connected);
    provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap();

    // A wrong client secret is a permanent refresh failure, not a revocation.
    let emu2 = crate::common::default_emulator().await;
    let bad = crate::common::builder(
        &emu2,
        crate::common::connected_store(&emu2, &["org_1"]).await,
    )
    .with_client_secret("GOCSPX-wrong")
    .build()
    .unwrap();
    let err = bad
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleTokenRefreshFailed, "{err}");
    assert!(!err.is_retryable());
    assert_eq!(
        err.google_details().unwrap().reason.as_deref(),
        Some("invalid_client")
    );
    assert_eq!(err.http_status(), Some(401));
}

#[tokio::test]
async fn disconnect_keeps_the_tokens_when_google_cannot_be_reached() {
    let emu = crate::common::default_emulator().await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let provider = crate::common::provider(&emu, store.clone());
    emu.inject_fault(FaultRule::once("POST", "/revoke", FaultAction::ResetBefore));
    let err = provider
        .tokens()
        .disconnect(&TenantId::new("org_1"))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    // The cause a person can act on, not only reqwest's "error sending request".
    assert!(err.message().contains("reset"), "{err}");
    assert_eq!(store.len(), 1, "kept so a retry can still revoke");
    assert_eq!(
        provider
            .tokens()
            .disconnect(&TenantId::new("org_1"))
            .await
            .unwrap(),
        DisconnectOutcome::Revoked
    );
    assert!(store.is_empty());
}

#[tokio::test]
async fn a_record_without_a_refresh_token_needs_a_reconnect() {
    let emu = crate::common::default_emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    // As written by an older app, or by hand: an access token only, which dies within the hour.
    store
        .save(
            &TokenKey::new("org_1", ProviderId::GOOGLE_MEET),
            &meetschedify_core::TokenRecord::new("ya29.short-lived"),
            meetschedify_core::SaveCondition::Always,
        )
        .await
        .unwrap();
    let provider = crate::common::provider(&emu, store);
    let status = provider
        .connection_status(&TenantId::new("org_1"))
        .await
        .unwrap();
    assert_eq!(status.state, ConnectionState::NeedsReconnect, "{status:?}");
    assert!(!status.connected);
    assert!(status.state.needs_user_consent());
    assert!(
        status.reason.unwrap().contains("no refresh token"),
        "the reason says why"
    );
    assert_eq!(emu.google_token_requests(), 0, "the store alone answers");
}

/// The attack: a token endpoint (a wrong or hijacked `MEETSCHEDIFY_GOOGLE_OAUTH_BASE`, a broken
/// proxy) answers 20 MiB to exhaust memory. The answer is abandoned at 64 KiB.
#[tokio::test]
async fn a_20_mib_token_answer_is_a_provider_error() {
    let emu = crate::common::default_emulator().await;
    let store = crate::common::connected_store(&emu, &["org_1"]).await;
    let provider = crate::common::builder(&emu, store)
        .with_retry(meetschedify_core::RetryConfig::default())
        .build()
        .unwrap();
    emu.inject_fault(FaultRule::once(
        "POST",
        "/token",
        FaultAction::Status {
            status: 200,
            body: "x".repeat(20 * 1024 * 1024),
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        },
    ));
    let err = provider
        .create_meeting(&crate::common::create_request("org_1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError, "{err}");
    assert!(!err.is_retryable());
    assert!(err.message().contains("65536-byte limit"), "{err}");
    let token_calls = emu
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/token")
        .count();
    assert_eq!(token_calls, 1, "not retried");
}
