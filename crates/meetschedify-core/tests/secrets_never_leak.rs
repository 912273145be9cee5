//! No secret value may reach `Debug` output or logs. This test runs real flows with logging at
//! TRACE level into a buffer, prints every secret-bearing type with `{:?}` and `{:#?}`, and
//! fails if any secret text shows up.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use meetschedify_core::oauth_state::{
    MemoryNonceStore, OAuthStateKey, OAuthStateSealer, SessionBinding,
};
use meetschedify_core::secrecy::SecretString;
use meetschedify_core::{
    DeleteOutcome, OAuthCallback, ProviderId, Result, SaveCondition, SaveOutcome, TenantId,
    TokenKey, TokenManager, TokenManagerConfig, TokenRecord, TokenRefresher, TokenStore,
};

const ACCESS: &str = "ya29.ACCESS-SECRET-4f1c";
const REFRESH: &str = "1//REFRESH-SECRET-9d2e";
const VERIFIER: &str = "PKCE-VERIFIER-SECRET-77aa-bbcc-ddee-ffgg-hhii-jjkk";
const CODE: &str = "4/AUTH-CODE-SECRET-1234";
const KEY_B64: &str = "c2VjcmV0LXN0YXRlLWtleS0zMi1ieXRlcy1sb25nISE=";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Store(Mutex<Option<TokenRecord>>);

#[async_trait]
impl TokenStore for Store {
    async fn get(&self, _key: &TokenKey) -> Result<Option<TokenRecord>> {
        Ok(self.0.lock().unwrap().clone())
    }
    async fn save(&self, _k: &TokenKey, r: &TokenRecord, _c: SaveCondition) -> Result<SaveOutcome> {
        *self.0.lock().unwrap() = Some(r.clone().with_version(1));
        Ok(SaveOutcome::Saved { version: 1 })
    }
    async fn delete_if(&self, _key: &TokenKey, _c: SaveCondition) -> Result<DeleteOutcome> {
        Ok(DeleteOutcome::Deleted)
    }
}

#[derive(Debug, Default)]
struct Refresher(AtomicUsize);

#[async_trait]
impl TokenRefresher for Refresher {
    async fn refresh(&self, _k: &TokenKey, _c: Option<&TokenRecord>) -> Result<TokenRecord> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(TokenRecord::new(ACCESS)
            .with_refresh_token(REFRESH)
            .with_expires_at(Timestamp::now() + SignedDuration::from_secs(3600)))
    }
}

fn assert_clean(label: &str, text: &str) {
    for secret in [ACCESS, REFRESH, VERIFIER, CODE, KEY_B64, "secret-state-key"] {
        assert!(!text.contains(secret), "{label} leaked a secret: {text}");
    }
}

#[tokio::test]
async fn secrets_stay_out_of_logs_and_debug_output() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    // A token refresh, logged at every level.
    let store = Arc::new(Store::default());
    let manager = TokenManager::new(
        store.clone(),
        Arc::new(Refresher::default()),
        TokenManagerConfig::default(),
    );
    let key = TokenKey::new("tenant", ProviderId::GOOGLE_MEET);
    let token = manager.access_token(&key).await.unwrap();
    let record = store
        .0
        .lock()
        .unwrap()
        .clone()
        .expect("the refresh saved a record");
    tracing::info!(?token, ?manager, ?record, "after refresh");

    // OAuth state with a PKCE verifier inside.
    let sealer = OAuthStateSealer::new(OAuthStateKey::from_base64(KEY_B64).unwrap())
        .with_nonce_store(Arc::new(MemoryNonceStore::default()));
    let verifier = SecretString::from(VERIFIER.to_owned());
    let binding = SessionBinding::generate();
    let state = sealer
        .seal(
            &TenantId::new("tenant"),
            &ProviderId::GOOGLE_MEET,
            Some("/done"),
            Some(&verifier),
            &binding,
        )
        .unwrap();
    assert_clean("sealed state", &state);
    let payload = sealer
        .unseal(&ProviderId::GOOGLE_MEET, &state, Some(&binding))
        .await
        .unwrap();
    tracing::info!(?payload, ?sealer, "state unsealed");

    let callback = OAuthCallback::new(CODE, state.clone()).with_session_binding(binding.clone());
    tracing::info!(?callback, "callback");

    let debug_outputs = [
        format!("{token:?} {token:#?}"),
        format!("{manager:?} {manager:#?}"),
        format!("{record:?} {record:#?}"),
        format!("{payload:?} {payload:#?}"),
        format!("{sealer:?} {sealer:#?}"),
        format!("{callback:?} {callback:#?}"),
        format!("{binding:?} {binding:#?}"),
        format!("{:?}", OAuthStateKey::from_base64(KEY_B64).unwrap()),
    ];
    for (i, text) in debug_outputs.iter().enumerate() {
        assert_clean(&format!("debug output #{i}"), text);
        assert!(
            !text.contains(binding.as_str()),
            "debug output #{i} shows the session binding: {text}"
        );
    }

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("after refresh"),
        "the subscriber captured the logs: {logs}"
    );
    assert!(
        logs.contains("access token refreshed"),
        "the refresh itself was logged: {logs}"
    );
    assert_clean("logs", &logs);
    assert!(
        !logs.contains(binding.as_str()),
        "logs show the session binding"
    );
}
