//! [`OAuthStateSealer`]: seals states and unseals them, with every check a returning state
//! must pass.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jiff::Timestamp;
use rand::rngs::OsRng;
use rand::RngCore;
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

use super::binding::SessionBinding;
use super::key::OAuthStateKey;
use super::nonce::NonceStore;
use super::payload::StatePayload;
use super::return_url::ReturnUrlPolicy;
use super::v1::{
    decrypt_v1, encrypt_v1, SealRef, Unsealed, AEAD_NONCE_LEN, AEAD_TAG_LEN, VERSION_V1,
};
use crate::error::{Error, ErrorCode, Operation, Result};
use crate::ids::{ProviderId, TenantId};

const REPLAY_NONCE_LEN: usize = 16;
/// Long enough for any state this module seals (the return URL is bounded by
/// [`ReturnUrlPolicy`]); anything
/// longer is rejected before decoding so a hostile callback cannot make us decode megabytes.
const MAX_STATE_CHARS: usize = 4096;
/// Long enough for a user to read a consent screen and sign in, short enough that a leaked state
/// (browser history, referrer) is soon useless.
const DEFAULT_TTL: Duration = Duration::from_secs(10 * 60);

const MSG_MALFORMED: &str = "oauth state is malformed";
const MSG_VERSION: &str = "oauth state has an unsupported version";
const MSG_UNDECRYPTABLE: &str = "oauth state cannot be decrypted (tampered or wrong key)";
const MSG_EXPIRED: &str = "oauth state has expired";
const MSG_OTHER_PROVIDER: &str = "oauth state was issued for another provider";
const MSG_REPLAYED: &str = "oauth state has already been used";
const MSG_RETURN_URL: &str = "oauth state return url is no longer allowed";
const MSG_OTHER_SESSION: &str = "oauth state was started in another browser session: the \
                                 callback's session binding does not match the one the \
                                 authorization url was issued with";
const MSG_NO_BINDING: &str = "the callback carries no session binding: pass the binding that \
                              came with the authorization url (kept in the user's session)";

/// Seals and unseals OAuth `state` values. Cheap to clone and share.
///
/// Keys rotate without breaking flows in progress: seal with the new key and keep the old one
/// as a previous key ([`OAuthStateSealer::with_previous_key`]) for at least one TTL.
///
/// Without a [`NonceStore`] a state can be replayed until it expires; the AEAD still stops
/// forgery and tampering, and the authorization code inside the callback is single-use at the
/// provider, but configure a store to reject replays outright.
#[derive(Clone)]
pub struct OAuthStateSealer {
    current: Arc<OAuthStateKey>,
    previous: Vec<Arc<OAuthStateKey>>,
    ttl: Duration,
    return_urls: ReturnUrlPolicy,
    nonce_store: Option<Arc<dyn NonceStore>>,
}

impl OAuthStateSealer {
    /// A sealer with one key, a 10-minute TTL, relative return URLs only and no nonce store.
    pub fn new(key: OAuthStateKey) -> Self {
        Self {
            current: Arc::new(key),
            previous: Vec::new(),
            ttl: DEFAULT_TTL,
            return_urls: ReturnUrlPolicy::new(),
            nonce_store: None,
        }
    }

    /// Adds a key that unseals but no longer seals (for key rotation); may be called repeatedly.
    pub fn with_previous_key(mut self, key: OAuthStateKey) -> Self {
        self.previous.push(Arc::new(key));
        self
    }

    /// Sets how long a sealed state is accepted.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets which return URLs may be sealed and are accepted on unseal.
    pub fn with_return_url_policy(mut self, policy: ReturnUrlPolicy) -> Self {
        self.return_urls = policy;
        self
    }

    /// Rejects replayed states by consuming each state's nonce in `store`.
    pub fn with_nonce_store(mut self, store: Arc<dyn NonceStore>) -> Self {
        self.nonce_store = Some(store);
        self
    }

    /// The nonce store, if one is set.
    pub fn nonce_store(&self) -> Option<&Arc<dyn NonceStore>> {
        self.nonce_store.as_ref()
    }

    /// Seals a new state for `tenant_id` connecting `provider_id`, bound to the browser session
    /// that holds `binding` (only its digest is sealed).
    ///
    /// Fails with `INVALID_REQUEST` when the return URL breaks the policy (field `return_url`)
    /// or the tenant id is invalid (field `tenant_id`).
    pub fn seal(
        &self,
        tenant_id: &TenantId,
        provider_id: &ProviderId,
        return_url: Option<&str>,
        pkce_verifier: Option<&SecretString>,
        binding: &SessionBinding,
    ) -> Result<String> {
        if let Some(url) = return_url {
            self.return_urls.check(url)?;
        }
        tenant_id.validate("tenant_id")?;
        let nonce = random_replay_nonce();
        let expires_at = Timestamp::now()
            .checked_add(self.ttl)
            .map_err(|_| Error::invalid_config("ttl", "oauth state ttl is too large"))?;
        let plaintext = serde_json::to_vec(&SealRef {
            t: tenant_id,
            p: provider_id,
            r: return_url,
            v: pkce_verifier.map(ExposeSecret::expose_secret),
            n: &nonce,
            e: expires_at,
            b: &binding.digest(),
        })
        .map(Zeroizing::new)
        .map_err(|e| {
            Error::new(ErrorCode::InvalidRequest, "oauth state cannot be encoded").with_source(e)
        })?;
        encrypt_v1(&self.current, &plaintext)
    }

    /// Opens a state received on the OAuth callback, checking it against the current time and
    /// the session binding the callback's browser session holds.
    ///
    /// Every rejection is `OAUTH_STATE_INVALID` with a message saying why (malformed, cannot be
    /// decrypted, expired, issued for another provider, another browser session or no binding,
    /// return URL no longer allowed, already used); the state itself is never quoted. A state
    /// refused for any reason but replay is not used up: its owner can still complete it. A
    /// failing [`NonceStore`] returns its own error.
    pub async fn unseal(
        &self,
        expected_provider: &ProviderId,
        state: &str,
        binding: Option<&SessionBinding>,
    ) -> Result<StatePayload> {
        self.unseal_at(expected_provider, state, binding, Timestamp::now())
            .await
    }

    /// [`OAuthStateSealer::unseal`] with an explicit current time, for tests.
    pub async fn unseal_at(
        &self,
        expected_provider: &ProviderId,
        state: &str,
        binding: Option<&SessionBinding>,
        now: Timestamp,
    ) -> Result<StatePayload> {
        let payload = self.open(state)?;
        if now >= payload.expires_at {
            return Err(invalid_state(MSG_EXPIRED));
        }
        if payload.provider_id != *expected_provider {
            return Err(invalid_state(MSG_OTHER_PROVIDER));
        }
        // Login CSRF: the state must come back through the session that asked for it. A state
        // without a binding was sealed by no release that checks one; refuse it as well.
        let Some(binding) = binding else {
            return Err(missing_session_binding());
        };
        if !payload
            .binding
            .as_deref()
            .is_some_and(|sealed| binding.matches(sealed))
        {
            return Err(invalid_state(MSG_OTHER_SESSION).with_field("session_binding"));
        }
        // The policy may have been tightened since the state was sealed.
        if let Some(url) = &payload.return_url {
            self.return_urls
                .check(url)
                .map_err(|_| invalid_state(MSG_RETURN_URL).with_field("return_url"))?;
        }
        // Consumed last, so a state rejected above does not burn its nonce.
        if let Some(store) = &self.nonce_store {
            if !store.consume(&payload.nonce, payload.expires_at).await? {
                return Err(invalid_state(MSG_REPLAYED));
            }
        }
        Ok(payload)
    }

    /// Decodes and decrypts a token into its payload, with no policy checks.
    fn open(&self, state: &str) -> Result<StatePayload> {
        if state.len() > MAX_STATE_CHARS {
            return Err(invalid_state(MSG_MALFORMED));
        }
        let blob = URL_SAFE_NO_PAD
            .decode(state)
            .map_err(|_| invalid_state(MSG_MALFORMED))?;
        if blob.len() < 1 + AEAD_NONCE_LEN + AEAD_TAG_LEN {
            return Err(invalid_state(MSG_MALFORMED));
        }
        let (version, rest) = blob.split_at(1);
        if version[0] != VERSION_V1 {
            return Err(invalid_state(MSG_VERSION));
        }
        let (iv, ciphertext) = rest.split_at(AEAD_NONCE_LEN);
        let plaintext = std::iter::once(&self.current)
            .chain(&self.previous)
            .find_map(|key| decrypt_v1(key, iv, ciphertext))
            .ok_or_else(|| invalid_state(MSG_UNDECRYPTABLE))?;
        // Only a holder of the key can produce a blob that decrypts, so bad JSON here means a bug
        // or a key shared with another format, not an attack; still, reject it the same way.
        serde_json::from_slice::<Unsealed>(&plaintext)
            .map(StatePayload::from)
            .map_err(|_| invalid_state(MSG_MALFORMED))
    }
}

impl fmt::Debug for OAuthStateSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthStateSealer")
            .field("key", &self.current)
            .field("previous_keys", &self.previous.len())
            .field("ttl", &self.ttl)
            .field("return_url_policy", &self.return_urls)
            .field("nonce_store", &self.nonce_store)
            .finish()
    }
}

/// The refusal of a callback that brings no session binding, the same from the client and the
/// sealer.
pub(crate) fn missing_session_binding() -> Error {
    invalid_state(MSG_NO_BINDING).with_field("session_binding")
}

fn invalid_state(message: &str) -> Error {
    Error::new(ErrorCode::OAuthStateInvalid, message).with_operation(Operation::OAuthCallback)
}

/// 16 random bytes, base64url: enough that two states never share a nonce.
fn random_replay_nonce() -> String {
    let mut bytes = [0u8; REPLAY_NONCE_LEN];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use aes_gcm::aead::{Aead, Payload};
    use aes_gcm::Nonce;

    use super::*;
    use crate::oauth_state::key::KEY_LEN;
    use crate::oauth_state::MemoryNonceStore;

    const VERIFIER: &str = "pkce-verifier-that-must-never-be-logged-0123456789";

    fn key_a() -> OAuthStateKey {
        OAuthStateKey::from_bytes(std::array::from_fn(|i| u8::try_from(i).unwrap()))
    }

    fn key_b() -> OAuthStateKey {
        OAuthStateKey::from_bytes([0xB7; KEY_LEN])
    }

    fn tenant() -> TenantId {
        TenantId::new("org_42")
    }

    fn sealer() -> OAuthStateSealer {
        OAuthStateSealer::new(key_a())
    }

    /// The session binding of the browser that starts every flow in these tests.
    fn bind() -> SessionBinding {
        SessionBinding::new("the-browser-that-started-it")
    }

    fn seal_plain(sealer: &OAuthStateSealer) -> String {
        sealer
            .seal(
                &tenant(),
                &ProviderId::GOOGLE_MEET,
                Some("/back"),
                None,
                &bind(),
            )
            .unwrap()
    }

    fn decode(state: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(state).unwrap()
    }

    fn encode(blob: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(blob)
    }

    /// Unseals `state` with `sealer`, expecting an `OAUTH_STATE_INVALID` with `message` that
    /// does not quote the state.
    async fn expect_rejected(sealer: &OAuthStateSealer, state: &str, message: &str) -> Error {
        let err = sealer
            .unseal(&ProviderId::GOOGLE_MEET, state, Some(&bind()))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::OAuthStateInvalid, "{err}");
        assert_eq!(err.message(), message);
        assert_eq!(err.operation(), Some(Operation::OAuthCallback));
        if !state.is_empty() {
            assert!(
                !err.to_string().contains(state),
                "error quotes the state: {err}"
            );
            assert!(
                !format!("{err:?}").contains(state),
                "error quotes the state: {err:?}"
            );
        }
        err
    }

    #[tokio::test]
    async fn round_trip_keeps_every_field() {
        let policy = ReturnUrlPolicy::new()
            .allow_origin("https://app.example.com")
            .unwrap();
        let sealer = sealer().with_return_url_policy(policy);
        let verifier = SecretString::from(VERIFIER);
        let before = Timestamp::now();
        let state = sealer
            .seal(
                &tenant(),
                &ProviderId::GOOGLE_MEET,
                Some("https://app.example.com/done?x=1"),
                Some(&verifier),
                &bind(),
            )
            .unwrap();
        let after = Timestamp::now();
        let payload = sealer
            .unseal(&ProviderId::GOOGLE_MEET, &state, Some(&bind()))
            .await
            .unwrap();
        assert_eq!(payload.tenant_id, tenant());
        assert_eq!(payload.provider_id, ProviderId::GOOGLE_MEET);
        assert_eq!(
            payload.return_url.as_deref(),
            Some("https://app.example.com/done?x=1")
        );
        assert_eq!(
            payload.pkce_verifier.as_ref().map(|v| v.expose_secret()),
            Some(VERIFIER)
        );
        assert_eq!(
            URL_SAFE_NO_PAD.decode(&payload.nonce).unwrap().len(),
            REPLAY_NONCE_LEN
        );
        let ttl = jiff::SignedDuration::from_secs(600);
        assert!(payload.expires_at >= before + ttl && payload.expires_at <= after + ttl);
    }

    #[tokio::test]
    async fn round_trip_without_optional_fields() {
        let sealer = sealer();
        let state = sealer
            .seal(&tenant(), &ProviderId::ZOOM, None, None, &bind())
            .unwrap();
        let payload = sealer
            .unseal(&ProviderId::ZOOM, &state, Some(&bind()))
            .await
            .unwrap();
        assert_eq!(payload.tenant_id, tenant());
        assert_eq!(payload.return_url, None);
        assert!(payload.pkce_verifier.is_none());
    }

    #[test]
    fn tokens_have_the_v1_layout_and_never_repeat() {
        let sealer = sealer();
        let a = seal_plain(&sealer);
        let b = seal_plain(&sealer);
        assert_ne!(a, b);
        let (blob_a, blob_b) = (decode(&a), decode(&b));
        assert_eq!(blob_a[0], VERSION_V1);
        assert!(blob_a.len() > 1 + AEAD_NONCE_LEN + AEAD_TAG_LEN);
        assert_ne!(blob_a[1..13], blob_b[1..13], "AEAD nonce reused");
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        // The plaintext must not show through: the tenant id is not in the token.
        assert!(!String::from_utf8_lossy(&blob_a).contains("org_42"));
    }

    #[tokio::test]
    async fn tampered_state_is_rejected() {
        let sealer = sealer();
        let mut blob = decode(&seal_plain(&sealer));
        let middle = blob.len() / 2;
        blob[middle] ^= 0x01;
        expect_rejected(&sealer, &encode(&blob), MSG_UNDECRYPTABLE).await;
    }

    #[tokio::test]
    async fn truncated_state_is_rejected() {
        let sealer = sealer();
        let state = seal_plain(&sealer);
        let blob = decode(&state);
        // Dropping the last bytes removes part of the tag.
        expect_rejected(&sealer, &encode(&blob[..blob.len() - 4]), MSG_UNDECRYPTABLE).await;
        // Too short to even hold a nonce and a tag.
        expect_rejected(&sealer, &encode(&blob[..20]), MSG_MALFORMED).await;
        expect_rejected(&sealer, "", MSG_MALFORMED).await;
        // Cutting the text itself can leave an invalid base64 length.
        let cut = &state[..state.len() - 1];
        let err = sealer
            .unseal(&ProviderId::GOOGLE_MEET, cut, Some(&bind()))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::OAuthStateInvalid);
    }

    #[tokio::test]
    async fn non_base64_and_oversized_states_are_malformed() {
        let sealer = sealer();
        expect_rejected(&sealer, "not*base64!", MSG_MALFORMED).await;
        let padded = format!("{}==", seal_plain(&sealer));
        expect_rejected(&sealer, &padded, MSG_MALFORMED).await;
        // Well-formed base64 with the right version byte, just too long: refused before decoding.
        let oversized = encode(&[VERSION_V1; MAX_STATE_CHARS]);
        assert!(oversized.len() > MAX_STATE_CHARS);
        expect_rejected(&sealer, &oversized, MSG_MALFORMED).await;
    }

    #[tokio::test]
    async fn unknown_version_is_rejected() {
        let sealer = sealer();
        let mut blob = decode(&seal_plain(&sealer));
        blob[0] = 2;
        expect_rejected(&sealer, &encode(&blob), MSG_VERSION).await;
    }

    #[tokio::test]
    async fn state_sealed_with_another_key_is_rejected() {
        let state = seal_plain(&OAuthStateSealer::new(key_b()));
        expect_rejected(&sealer(), &state, MSG_UNDECRYPTABLE).await;
    }

    #[tokio::test]
    async fn blob_under_other_associated_data_is_rejected() {
        let sealer = sealer();
        let mut iv = [0u8; AEAD_NONCE_LEN];
        OsRng.fill_bytes(&mut iv);
        let ciphertext = key_a()
            .cipher()
            .encrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: b"{}",
                    aad: b"other-purpose",
                },
            )
            .unwrap();
        let blob = [&[VERSION_V1][..], &iv, &ciphertext].concat();
        expect_rejected(&sealer, &encode(&blob), MSG_UNDECRYPTABLE).await;
    }

    #[tokio::test]
    async fn expired_state_is_rejected() {
        let sealer = sealer();
        let state = seal_plain(&sealer);
        let now = Timestamp::now();
        let in_9 = now + jiff::SignedDuration::from_mins(9);
        sealer
            .unseal_at(&ProviderId::GOOGLE_MEET, &state, Some(&bind()), in_9)
            .await
            .unwrap();
        let in_11 = now + jiff::SignedDuration::from_mins(11);
        let err = sealer
            .unseal_at(&ProviderId::GOOGLE_MEET, &state, Some(&bind()), in_11)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::OAuthStateInvalid);
        assert_eq!(err.message(), MSG_EXPIRED);
    }

    #[tokio::test]
    async fn custom_ttl_is_used() {
        let sealer = sealer().with_ttl(Duration::from_secs(30));
        let state = seal_plain(&sealer);
        let in_1m = Timestamp::now() + jiff::SignedDuration::from_mins(1);
        let err = sealer
            .unseal_at(&ProviderId::GOOGLE_MEET, &state, Some(&bind()), in_1m)
            .await
            .unwrap_err();
        assert_eq!(err.message(), MSG_EXPIRED);
    }

    #[tokio::test]
    async fn state_for_another_provider_is_rejected() {
        let sealer = sealer();
        let state = sealer
            .seal(&tenant(), &ProviderId::ZOOM, None, None, &bind())
            .unwrap();
        expect_rejected(&sealer, &state, MSG_OTHER_PROVIDER).await;
    }

    #[tokio::test]
    async fn replayed_state_is_rejected_with_a_nonce_store() {
        let sealer = sealer().with_nonce_store(Arc::new(MemoryNonceStore::new()));
        let state = seal_plain(&sealer);
        sealer
            .unseal(&ProviderId::GOOGLE_MEET, &state, Some(&bind()))
            .await
            .unwrap();
        expect_rejected(&sealer, &state, MSG_REPLAYED).await;
        // A clone shares the store, as every handler of one application does.
        expect_rejected(&sealer.clone(), &state, MSG_REPLAYED).await;
        // Other states are unaffected.
        let fresh = seal_plain(&sealer);
        sealer
            .unseal(&ProviderId::GOOGLE_MEET, &fresh, Some(&bind()))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn without_a_nonce_store_replay_is_not_detected() {
        // Pins the documented limitation, so adding a default store is a conscious change.
        let sealer = sealer();
        let state = seal_plain(&sealer);
        sealer
            .unseal(&ProviderId::GOOGLE_MEET, &state, Some(&bind()))
            .await
            .unwrap();
        sealer
            .unseal(&ProviderId::GOOGLE_MEET, &state, Some(&bind()))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn rejected_state_does_not_burn_its_nonce() {
        let sealer = sealer().with_nonce_store(Arc::new(MemoryNonceStore::new()));
        let state = seal_plain(&sealer);
        expect_rejected_for(&sealer, &ProviderId::ZOOM, &state).await;
        sealer
            .unseal(&ProviderId::GOOGLE_MEET, &state, Some(&bind()))
            .await
            .unwrap();
    }

    async fn expect_rejected_for(sealer: &OAuthStateSealer, provider: &ProviderId, state: &str) {
        let err = sealer
            .unseal(provider, state, Some(&bind()))
            .await
            .unwrap_err();
        assert_eq!(err.message(), MSG_OTHER_PROVIDER);
    }

    #[tokio::test]
    async fn rotation_unseals_with_a_previous_key() {
        let old = OAuthStateSealer::new(key_a());
        let state = seal_plain(&old);
        let rotated = OAuthStateSealer::new(key_b()).with_previous_key(key_a());
        let payload = rotated
            .unseal(&ProviderId::GOOGLE_MEET, &state, Some(&bind()))
            .await
            .unwrap();
        assert_eq!(payload.tenant_id, tenant());
        // New states are sealed with the current key only.
        let new_state = seal_plain(&rotated);
        expect_rejected(&old, &new_state, MSG_UNDECRYPTABLE).await;
        OAuthStateSealer::new(key_b())
            .unseal(&ProviderId::GOOGLE_MEET, &new_state, Some(&bind()))
            .await
            .unwrap();
        // A sealer that dropped the old key no longer accepts the old state.
        expect_rejected(&OAuthStateSealer::new(key_b()), &state, MSG_UNDECRYPTABLE).await;
    }

    fn app_policy() -> ReturnUrlPolicy {
        ReturnUrlPolicy::new()
            .allow_origin("https://app.example.com")
            .unwrap()
    }

    #[test]
    fn seal_rejects_a_bad_return_url_or_tenant() {
        let err = sealer().seal(
            &tenant(),
            &ProviderId::GOOGLE_MEET,
            Some("//evil.com"),
            None,
            &bind(),
        );
        let err = err.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRequest);
        assert_eq!(err.field(), Some("return_url"));
        let err = sealer().seal(
            &TenantId::new(""),
            &ProviderId::GOOGLE_MEET,
            None,
            None,
            &bind(),
        );
        assert_eq!(err.unwrap_err().field(), Some("tenant_id"));
    }

    #[tokio::test]
    async fn unseal_rechecks_the_return_url_against_the_current_policy() {
        let lenient = sealer().with_return_url_policy(app_policy());
        let state = lenient
            .seal(
                &tenant(),
                &ProviderId::GOOGLE_MEET,
                Some("https://app.example.com/x"),
                None,
                &bind(),
            )
            .unwrap();
        lenient
            .unseal(&ProviderId::GOOGLE_MEET, &state, Some(&bind()))
            .await
            .unwrap();
        let strict = sealer();
        let err = expect_rejected(&strict, &state, MSG_RETURN_URL).await;
        assert_eq!(err.field(), Some("return_url"));
    }

    #[tokio::test]
    async fn debug_output_leaks_no_key_bytes_or_verifier() {
        let key_text = key_a().to_base64().expose_secret().to_owned();
        assert_eq!(format!("{:?}", key_a()), "OAuthStateKey([redacted])");

        let sealer = sealer()
            .with_previous_key(key_b())
            .with_nonce_store(Arc::new(MemoryNonceStore::new()));
        let verifier = SecretString::from(VERIFIER);
        let state = sealer
            .seal(
                &tenant(),
                &ProviderId::GOOGLE_MEET,
                None,
                Some(&verifier),
                &bind(),
            )
            .unwrap();
        let payload = sealer
            .unseal(&ProviderId::GOOGLE_MEET, &state, Some(&bind()))
            .await
            .unwrap();

        let outputs = [
            format!("{sealer:?}"),
            format!("{sealer:#?}"),
            format!("{payload:?}"),
        ];
        for out in &outputs {
            assert!(!out.contains(VERIFIER), "{out}");
            assert!(!out.contains(&key_text), "{out}");
            assert!(!out.contains("0, 1, 2, 3"), "key bytes in {out}");
            assert!(!out.contains("183, 183"), "key bytes in {out}");
            assert!(!out.to_lowercase().contains("b7b7"), "key bytes in {out}");
        }
        assert!(outputs[0].contains("[redacted]"));
        assert!(
            outputs[2].contains("pkce_verifier: Some([redacted])"),
            "{}",
            outputs[2]
        );
        assert!(outputs[2].contains("org_42"));
    }

    #[tokio::test]
    async fn a_state_completed_in_another_session_is_refused_without_using_it_up() {
        let sealer = sealer().with_nonce_store(Arc::new(MemoryNonceStore::new()));
        let state = seal_plain(&sealer);
        for (binding, field_message) in [
            (
                Some(SessionBinding::new("someone-else")),
                "another browser session",
            ),
            (Some(SessionBinding::new("")), "another browser session"),
            (None, "no session binding"),
        ] {
            let err = sealer
                .unseal(&ProviderId::GOOGLE_MEET, &state, binding.as_ref())
                .await
                .unwrap_err();
            assert_eq!(err.code(), ErrorCode::OAuthStateInvalid);
            assert_eq!(err.field(), Some("session_binding"));
            assert!(err.message().contains(field_message), "{err}");
        }
        // The refusals did not consume the nonce: the session that started it still can.
        let payload = sealer
            .unseal(&ProviderId::GOOGLE_MEET, &state, Some(&bind()))
            .await
            .unwrap();
        assert_eq!(payload.tenant_id, tenant());
    }

    #[test]
    fn the_state_carries_a_digest_of_the_binding_never_the_binding() {
        let sealer = sealer();
        let state = seal_plain(&sealer);
        let payload = sealer.open(&state).unwrap();
        let sealed = payload.binding.clone().unwrap();
        assert!(bind().matches(&sealed));
        assert!(!sealed.contains(bind().as_str()));
    }
}
