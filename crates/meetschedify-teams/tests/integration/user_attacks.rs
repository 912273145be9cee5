//! Each way an attacker can tamper with the per-user callback is refused before any token
//! lands in the store (the Google provider's `state_attacks`, for Microsoft).

use std::sync::Arc;

use meetschedify_core::{
    AuthorizationRequest, ErrorCode, MemoryTokenStore, OAuthCallback, OAuthConnect, OAuthStateKey,
    OAuthStateSealer, ProviderId, SessionBinding, TenantId, TokenKey, TokenStore,
};
use meetschedify_emulator::EmulatorHandle;
use meetschedify_teams::TeamsProvider;
use reqwest::Url;

use crate::common::emulator;
use crate::user_common::{callback, connect, consent, start, user_builder};

struct Setup {
    emu: EmulatorHandle,
    store: Arc<MemoryTokenStore>,
    teams: TeamsProvider,
}

async fn setup() -> Setup {
    let emu = emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let teams = user_builder(&emu, store.clone()).build().unwrap();
    Setup { emu, store, teams }
}

fn assert_state_refused(err: &meetschedify_core::Error, why: &str) {
    assert_eq!(err.code(), ErrorCode::OAuthStateInvalid, "{why}: {err}");
}

#[tokio::test]
async fn teams_a_callback_with_another_browsers_session_binding_is_refused_and_stores_nothing() {
    let s = setup().await;
    // Login CSRF: the attacker starts a connect for their tenant and has a victim complete it;
    // the victim's browser holds no binding for this flow, or one of its own.
    let (code, state, _attackers) = start(&s.teams, "attacker-tenant").await;
    for victim_session in [None, Some(SessionBinding::generate())] {
        let mut cb = OAuthCallback::new(code.clone(), state.clone());
        if let Some(b) = &victim_session {
            cb = cb.with_session_binding(b.clone());
        }
        let err = s.teams.handle_callback(&cb).await.unwrap_err();
        assert_state_refused(&err, "another browser");
        assert_eq!(err.field(), Some("session_binding"));
    }
    assert!(s.store.is_empty(), "nothing stored");
    assert_eq!(
        s.emu.microsoft_token_requests(),
        0,
        "the code was never redeemed"
    );
}

#[tokio::test]
async fn teams_a_leaked_consent_url_completed_by_someone_else_leaves_the_tenant_untouched() {
    let s = setup().await;
    connect(&s.teams, "victim").await;
    let key = TokenKey::new("victim", ProviderId::MICROSOFT_TEAMS);
    let before = s.store.get(&key).await.unwrap().unwrap();
    let (code, state, _victims) = start(&s.teams, "victim").await;
    let err = s
        .teams
        .handle_callback(&callback(code, state, &SessionBinding::generate()))
        .await
        .unwrap_err();
    assert_state_refused(&err, "leaked url");
    assert_eq!(s.store.get(&key).await.unwrap().unwrap(), before);
}

#[tokio::test]
async fn teams_a_replayed_state_is_refused() {
    let s = setup().await;
    let (code, state, binding) = start(&s.teams, "victim").await;
    s.teams
        .handle_callback(&callback(code.clone(), state.clone(), &binding))
        .await
        .unwrap();
    let redeemed = s.emu.microsoft_token_requests();
    let err = s
        .teams
        .handle_callback(&callback(code, state, &binding))
        .await
        .unwrap_err();
    assert_state_refused(&err, "replayed");
    assert_eq!(
        s.emu.microsoft_token_requests(),
        redeemed,
        "refused before the code went to microsoft again"
    );
}

#[tokio::test]
async fn teams_a_forged_or_foreign_state_is_refused() {
    let s = setup().await;
    let (code, state, binding) = start(&s.teams, "victim").await;
    // Sealed with another key, for the attacker's tenant.
    let forged = OAuthStateSealer::new(OAuthStateKey::from_bytes([9; 32]))
        .seal(
            &TenantId::new("attacker"),
            &ProviderId::MICROSOFT_TEAMS,
            None,
            None,
            &binding,
        )
        .unwrap();
    let err = s
        .teams
        .handle_callback(&callback(code.clone(), forged, &binding))
        .await
        .unwrap_err();
    assert_state_refused(&err, "another key");
    // The right key, but sealed for another provider's flow.
    let foreign = OAuthStateSealer::new(OAuthStateKey::from_bytes(crate::user_common::STATE_KEY))
        .seal(
            &TenantId::new("victim"),
            &ProviderId::GOOGLE_MEET,
            None,
            None,
            &binding,
        )
        .unwrap();
    let err = s
        .teams
        .handle_callback(&callback(code.clone(), foreign, &binding))
        .await
        .unwrap_err();
    assert_state_refused(&err, "another provider");
    // Tampered bytes.
    let mut bytes = state.into_bytes();
    let at = bytes.len() - 5;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    let err = s
        .teams
        .handle_callback(&callback(code, String::from_utf8(bytes).unwrap(), &binding))
        .await
        .unwrap_err();
    assert_state_refused(&err, "tampered");
    assert!(s.store.is_empty());
    assert_eq!(s.emu.microsoft_token_requests(), 0);
}

#[tokio::test]
async fn teams_a_code_from_another_flow_fails_pkce_and_stores_nothing() {
    let s = setup().await;
    // Code injection: the attacker's code in the victim's callback. The victim's state holds
    // the victim's PKCE verifier, which does not match the attacker's code (AADSTS501481).
    let (attacker_code, _, _) = start(&s.teams, "attacker").await;
    let (_, victim_state, victim_binding) = start(&s.teams, "victim").await;
    let err = s
        .teams
        .handle_callback(&callback(attacker_code, victim_state, &victim_binding))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotConnected, "{err}");
    assert!(err.message().contains("AADSTS501481"), "{err}");
    assert!(s.store.is_empty());
}

#[tokio::test]
async fn teams_an_answer_without_a_refresh_token_is_refused_naming_offline_access() {
    let s = setup().await;
    // The consent granted only the calendar (offline_access removed from the URL on the way,
    // as a proxy or a hand-edited link would): Microsoft's answer has no refresh token.
    let auth = s
        .teams
        .authorization_url(&AuthorizationRequest::new(
            "acme-hr",
            ProviderId::MICROSOFT_TEAMS,
        ))
        .await
        .unwrap();
    let mut url = Url::parse(&auth.url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "scope" {
                (
                    k,
                    "https://graph.microsoft.com/Calendars.ReadWrite".to_owned(),
                )
            } else {
                (k, v)
            }
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let back = consent(url.as_str(), true).await;
    let err = s
        .teams
        .handle_callback(&callback(
            back.code.unwrap(),
            back.state.unwrap(),
            &auth.session_binding,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotConnected, "{err}");
    assert!(err.message().contains("offline_access"), "{err}");
    assert!(s.store.is_empty(), "nothing stored");
}
