//! Each way an attacker can tamper with the OAuth callback is refused before any token lands in
//! the store.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::MemoryTokenStore;
use meetschedify_core::{
    AuthorizationRequest, ErrorCode, MemoryNonceStore, OAuthCallback, OAuthConnect, OAuthStateKey,
    OAuthStateSealer, ProviderId, SessionBinding, TenantId, TokenKey, TokenStore,
};
use meetschedify_emulator::Emulator;
use meetschedify_google::GoogleMeetProvider;

struct Setup {
    emu: meetschedify_emulator::EmulatorHandle,
    store: Arc<MemoryTokenStore>,
    provider: GoogleMeetProvider,
}

async fn setup(sealer: Option<OAuthStateSealer>) -> Setup {
    let emu = crate::common::emulator(Emulator::builder().with_auto_consent()).await;
    let store = Arc::new(MemoryTokenStore::new());
    let mut b = crate::common::builder(&emu, store.clone());
    if let Some(s) = sealer {
        b = b.with_state_sealer(s);
    }
    Setup {
        provider: b.build().unwrap(),
        emu,
        store,
    }
}

/// Starts a flow for `tenant` and returns the redirect's code and state, and the session
/// binding the starting browser keeps.
async fn start(p: &GoogleMeetProvider, tenant: &str) -> (String, String, SessionBinding) {
    let auth = p
        .tokens()
        .authorization_url(&AuthorizationRequest::new(tenant, ProviderId::GOOGLE_MEET))
        .await
        .unwrap();
    let back = crate::common::consent(&auth.url, "allow").await;
    (
        back.code.unwrap(),
        back.state.unwrap(),
        auth.session_binding,
    )
}

/// The callback as the browser holding `binding` brings it.
fn callback(code: String, state: String, binding: &SessionBinding) -> OAuthCallback {
    OAuthCallback::new(code, state).with_session_binding(binding.clone())
}

fn assert_state_refused(err: &meetschedify_core::Error, why: &str) {
    assert_eq!(err.code(), ErrorCode::OAuthStateInvalid, "{why}: {err}");
}

#[tokio::test]
async fn a_tampered_state_is_refused() {
    let s = setup(None).await;
    let (code, state, binding) = start(&s.provider, "victim").await;
    let mut bytes = state.into_bytes();
    let last = bytes.len() - 5;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let err = s
        .provider
        .tokens()
        .handle_callback(&callback(code, tampered, &binding))
        .await
        .unwrap_err();
    assert_state_refused(&err, "tampered");
    assert!(s.store.is_empty());
    assert_eq!(
        s.emu.google_token_requests(),
        0,
        "refused before the code exchange"
    );
}

#[tokio::test]
async fn a_state_forged_with_another_key_is_refused() {
    let s = setup(None).await;
    let (code, _, binding) = start(&s.provider, "victim").await;
    let forger = OAuthStateSealer::new(OAuthStateKey::from_bytes([9; 32]));
    let forged = forger
        .seal(
            &TenantId::new("attacker"),
            &ProviderId::GOOGLE_MEET,
            None,
            None,
            &SessionBinding::new("attacker-session"),
        )
        .unwrap();
    let err = s
        .provider
        .tokens()
        .handle_callback(&callback(code, forged, &binding))
        .await
        .unwrap_err();
    assert_state_refused(&err, "foreign key");
    assert!(s.store.is_empty());
}

#[tokio::test]
async fn a_state_issued_for_another_provider_is_refused() {
    let s = setup(None).await;
    let (code, _, binding) = start(&s.provider, "victim").await;
    // Same key, but sealed for Zoom: a state from one provider's flow cannot finish another's.
    let other = OAuthStateSealer::new(OAuthStateKey::from_bytes(crate::common::STATE_KEY))
        .seal(
            &TenantId::new("victim"),
            &ProviderId::ZOOM,
            None,
            None,
            &SessionBinding::new("attacker-session"),
        )
        .unwrap();
    let err = s
        .provider
        .tokens()
        .handle_callback(&callback(code, other, &binding))
        .await
        .unwrap_err();
    assert_state_refused(&err, "other provider");
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let sealer = OAuthStateSealer::new(OAuthStateKey::from_bytes(crate::common::STATE_KEY))
        .with_ttl(Duration::from_millis(50));
    let s = setup(Some(sealer)).await;
    let (code, state, binding) = start(&s.provider, "victim").await;
    tokio::time::sleep(Duration::from_millis(80)).await;
    let err = s
        .provider
        .tokens()
        .handle_callback(&callback(code, state, &binding))
        .await
        .unwrap_err();
    assert_state_refused(&err, "expired");
    assert!(err.message().contains("expired"), "{err}");
}

#[tokio::test]
async fn a_replayed_state_is_refused() {
    let sealer = OAuthStateSealer::new(OAuthStateKey::from_bytes(crate::common::STATE_KEY))
        .with_nonce_store(Arc::new(MemoryNonceStore::new()));
    let s = setup(Some(sealer)).await;
    let (code, state, binding) = start(&s.provider, "victim").await;
    s.provider
        .tokens()
        .handle_callback(&callback(code.clone(), state.clone(), &binding))
        .await
        .unwrap();
    let err = s
        .provider
        .tokens()
        .handle_callback(&callback(code, state, &binding))
        .await
        .unwrap_err();
    assert_state_refused(&err, "replayed");
}

#[tokio::test]
async fn a_code_from_another_flow_fails_pkce_and_the_tenant_comes_from_the_state_only() {
    let s = setup(None).await;
    // The attacker completes a flow of their own and injects their code into the victim's
    // callback (login CSRF / code injection). The victim's state carries the victim's PKCE
    // verifier, which does not match the attacker's code.
    let (attacker_code, _, _) = start(&s.provider, "attacker").await;
    let (_, victim_state, victim_binding) = start(&s.provider, "victim").await;
    let err = s
        .provider
        .tokens()
        .handle_callback(&callback(attacker_code, victim_state, &victim_binding))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleNotConnected, "{err}");
    assert!(err.message().contains("code verifier"), "{err}");
    assert!(s.store.is_empty());

    // A legitimate callback stores tokens under the tenant sealed in the state, whatever the
    // caller believes the tenant is.
    let (code, state, binding) = start(&s.provider, "victim").await;
    let account = s
        .provider
        .tokens()
        .handle_callback(&callback(code, state, &binding))
        .await
        .unwrap();
    assert_eq!(account.tenant_id.as_str(), "victim");
    assert!(s
        .store
        .get(&TokenKey::new("victim", ProviderId::GOOGLE_MEET))
        .await
        .unwrap()
        .is_some());
    assert!(s
        .store
        .get(&TokenKey::new("attacker", ProviderId::GOOGLE_MEET))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn an_open_redirect_cannot_be_sealed() {
    let s = setup(None).await;
    let err = s
        .provider
        .tokens()
        .authorization_url(
            &AuthorizationRequest::new("org_1", ProviderId::GOOGLE_MEET)
                .with_return_url("https://evil.example/"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
    assert_eq!(err.field(), Some("return_url"));
}

#[tokio::test]
async fn login_csrf_a_consent_started_by_an_attacker_and_completed_by_a_victim_connects_nobody() {
    let sealer = OAuthStateSealer::new(OAuthStateKey::from_bytes(crate::common::STATE_KEY))
        .with_nonce_store(Arc::new(MemoryNonceStore::new()));
    let s = setup(Some(sealer)).await;
    // The attacker starts a connect for their own tenant and sends the Google link to a victim.
    // The victim signs in and approves; their browser follows the redirect to the application
    // with the victim's code. The victim's browser holds no binding for this flow, or a binding
    // of its own from an unrelated connect.
    let (code, state, _attackers_binding) = start(&s.provider, "attacker-tenant").await;
    for victim_session in [None, Some(SessionBinding::generate())] {
        let mut cb = OAuthCallback::new(code.clone(), state.clone());
        if let Some(b) = &victim_session {
            cb = cb.with_session_binding(b.clone());
        }
        let err = s.provider.tokens().handle_callback(&cb).await.unwrap_err();
        assert_state_refused(&err, "login csrf");
        assert_eq!(err.field(), Some("session_binding"));
    }
    assert!(s.store.is_empty(), "the victim's calendar joined no tenant");
    assert_eq!(
        s.emu.google_token_requests(),
        0,
        "the code was never exchanged"
    );
}

#[tokio::test]
async fn a_leaked_consent_url_completed_by_someone_else_does_not_overwrite_the_tenant() {
    let s = setup(None).await;
    // The victim tenant is connected; its admin starts a reconnect, and the consent URL leaks
    // (a screenshot, a shared link). Someone else opens it, signs in with their own Google
    // account and approves.
    crate::common::connect(&s.provider, "victim").await;
    let key = TokenKey::new("victim", ProviderId::GOOGLE_MEET);
    let before = s.store.get(&key).await.unwrap().unwrap();
    let (code, state, _victims_binding) = start(&s.provider, "victim").await;
    let outsider = SessionBinding::generate();
    let err = s
        .provider
        .tokens()
        .handle_callback(&callback(code, state, &outsider))
        .await
        .unwrap_err();
    assert_state_refused(&err, "leaked url");
    let after = s.store.get(&key).await.unwrap().unwrap();
    assert_eq!(after, before, "the victim's tokens are untouched");
}
