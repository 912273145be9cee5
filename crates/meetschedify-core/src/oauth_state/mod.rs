//! Sealed, tamper-proof OAuth `state` for the per-user connect flow.
//!
//! The `state` parameter round-trips through the user's browser and the provider's consent
//! screen, so it is attacker-controlled input by the time the callback arrives. Rather than keep
//! a server-side session, everything the callback needs (tenant, provider, where to send the
//! user afterwards, the PKCE verifier, a digest of the [`SessionBinding`] of the browser session
//! that started the flow) is encrypted and authenticated with AES-256-GCM under a key only the
//! application holds. [`OAuthStateSealer::unseal`] then rejects a state that was tampered with,
//! sealed under an unknown key, expired, issued for another provider, brought back by another
//! browser session, points its return URL off-site, or (with a [`NonceStore`]) was already
//! used.
//!
//! Token layout, before base64url (no padding): `version (1) || AEAD nonce (12) || ciphertext`,
//! with the associated data `meetschedify/oauth-state/v1` so a blob sealed for another purpose
//! under the same key is not accepted here.
//!
//! ```
//! use std::sync::Arc;
//! use meetschedify_core::{
//!     MemoryNonceStore, OAuthStateKey, OAuthStateSealer, ProviderId, SessionBinding, TenantId,
//! };
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let sealer = OAuthStateSealer::new(OAuthStateKey::generate())
//!     .with_nonce_store(Arc::new(MemoryNonceStore::new()));
//! let binding = SessionBinding::generate(); // kept in the user's session
//! let state = sealer
//!     .seal(&TenantId::new("org_1"), &ProviderId::GOOGLE_MEET, Some("/settings"), None, &binding)
//!     .unwrap();
//! // Another browser's session cannot complete it (and does not use it up).
//! let other = SessionBinding::generate();
//! assert!(sealer.unseal(&ProviderId::GOOGLE_MEET, &state, Some(&other)).await.is_err());
//! let payload = sealer.unseal(&ProviderId::GOOGLE_MEET, &state, Some(&binding)).await.unwrap();
//! assert_eq!(payload.tenant_id.as_str(), "org_1");
//! assert_eq!(payload.return_url.as_deref(), Some("/settings"));
//! // The same state cannot be used twice.
//! assert!(sealer.unseal(&ProviderId::GOOGLE_MEET, &state, Some(&binding)).await.is_err());
//! # });
//! ```

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use async_trait::async_trait;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use jiff::Timestamp;
use rand::rngs::OsRng;
use rand::RngCore;
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::{Deserialize, Serialize};
use url::{Host, Origin, Url};

use crate::error::{Error, ErrorCode, Operation, Result};
use crate::ids::{ProviderId, TenantId};

mod binding;

pub use binding::SessionBinding;

const KEY_LEN: usize = 32;
const VERSION_V1: u8 = 1;
const AEAD_NONCE_LEN: usize = 12;
const AEAD_TAG_LEN: usize = 16;
const REPLAY_NONCE_LEN: usize = 16;
const ASSOCIATED_DATA: &[u8] = b"meetschedify/oauth-state/v1";
/// Long enough for any state this module seals (the return URL is bounded below); anything
/// longer is rejected before decoding so a hostile callback cannot make us decode megabytes.
const MAX_STATE_CHARS: usize = 4096;
/// Browsers and proxies start failing around 8 KB of URL; the state also carries this URL inside
/// the provider's redirect, so keep it well below that.
const MAX_RETURN_URL_BYTES: usize = 2048;
/// Long enough for a user to read a consent screen and sign in, short enough that a leaked state
/// (browser history, referrer) is soon useless.
const DEFAULT_TTL: Duration = Duration::from_secs(10 * 60);

/// Keys are usually pasted from `openssl rand -base64 32` (standard alphabet, padded) or produced
/// by URL-safe tooling, so accept both alphabets with or without padding.
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

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

/// The 32-byte AES-256-GCM key that seals OAuth states.
///
/// Every instance of an application must share the key, or a callback that lands on another
/// instance fails. The bytes are zeroed on drop and never printed: `Debug` shows
/// `OAuthStateKey([redacted])` and there is no `Display`.
pub struct OAuthStateKey(SecretBox<[u8; KEY_LEN]>);

impl OAuthStateKey {
    /// A key from raw bytes. The caller's copy of `bytes` is not zeroed; prefer
    /// [`OAuthStateKey::from_base64`] when the key comes from configuration.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(SecretBox::new(Box::new(bytes)))
    }

    /// A key from base64 text (standard or URL-safe alphabet, padding optional), as produced by
    /// `openssl rand -base64 32`. Fails with `INVALID_CONFIG` on field `state_key` unless the
    /// text decodes to exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self> {
        let text = text.trim();
        let decoded = LENIENT_STANDARD
            .decode(text)
            .or_else(|_| LENIENT_URL_SAFE.decode(text))
            .map(Zeroizing::new)
            .map_err(|_| Error::invalid_config("state_key", "state key must be base64"))?;
        if decoded.len() != KEY_LEN {
            return Err(Error::invalid_config(
                "state_key",
                format!(
                    "state key must decode to {KEY_LEN} bytes, got {}",
                    decoded.len()
                ),
            ));
        }
        // Copy straight into the boxed secret so no unzeroed array is left on the stack.
        Ok(Self(SecretBox::init_with_mut(|key: &mut [u8; KEY_LEN]| {
            key.copy_from_slice(&decoded);
        })))
    }

    /// A fresh random key from the operating system's generator.
    ///
    /// States sealed with it are only readable by this process; to share it across instances or
    /// restarts, store [`OAuthStateKey::to_base64`] in your secret configuration.
    pub fn generate() -> Self {
        Self(SecretBox::init_with_mut(|key: &mut [u8; KEY_LEN]| {
            OsRng.fill_bytes(key)
        }))
    }

    /// The key as standard padded base64, for writing a generated key to secret configuration.
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(base64::engine::general_purpose::STANDARD.encode(self.bytes()))
    }

    fn bytes(&self) -> &[u8; KEY_LEN] {
        self.0.expose_secret()
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.bytes()))
    }
}

impl fmt::Debug for OAuthStateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OAuthStateKey([redacted])")
    }
}

/// Which return URLs a sealed state may carry, to stop the connect flow from being used as an
/// open redirect.
///
/// [`ReturnUrlPolicy::new`] allows relative paths on the application's own site only. Each
/// [`ReturnUrlPolicy::allow_origin`] adds one absolute origin (scheme, host and port).
///
/// ```
/// use meetschedify_core::ReturnUrlPolicy;
///
/// let policy = ReturnUrlPolicy::new().allow_origin("https://app.example.com").unwrap();
/// assert!(policy.check("/dashboard?tab=zoom").is_ok());
/// assert!(policy.check("https://app.example.com/done").is_ok());
/// assert!(policy.check("//evil.example").is_err());
/// assert!(policy.check("https://evil.example/").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturnUrlPolicy {
    allowed_origins: Vec<Origin>,
}

impl ReturnUrlPolicy {
    /// A policy that allows relative paths only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also allows absolute URLs on `origin`, such as `https://app.example.com` or
    /// `http://localhost:3000`.
    ///
    /// The origin must be `https`, or `http` on a loopback host (plain http elsewhere would let
    /// anyone on the network read the page the user lands on). It must carry no path, query,
    /// fragment or credentials. Fails with `INVALID_CONFIG` on field `allowed_origin`.
    pub fn allow_origin(mut self, origin: &str) -> Result<Self> {
        let origin = parse_allowed_origin(origin)?;
        if !self.allowed_origins.contains(&origin) {
            self.allowed_origins.push(origin);
        }
        Ok(self)
    }

    /// Checks a return URL; fails with `INVALID_REQUEST` on field `return_url`.
    ///
    /// A relative URL must start with a single `/` (not `//`, which browsers read as another
    /// host). Any URL is rejected if it holds a backslash (browsers treat it as `/`), a control
    /// character (browsers drop tabs and newlines, turning `/\t/evil` into `//evil`),
    /// surrounding whitespace, or more than 2048 bytes. An absolute URL must be `http(s)`
    /// without credentials and on an allowed origin.
    pub fn check(&self, url: &str) -> Result<()> {
        check_return_url_text(url)?;
        if url.starts_with('/') {
            check_relative_return_url(url)
        } else {
            self.check_absolute_return_url(url)
        }
    }

    fn check_absolute_return_url(&self, url: &str) -> Result<()> {
        let parsed = Url::parse(url).map_err(|_| {
            return_url_error("return url must be a path starting with / or an absolute url")
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(return_url_error("return url scheme must be http or https"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(return_url_error("return url must not contain credentials"));
        }
        if !self.allowed_origins.contains(&parsed.origin()) {
            return Err(return_url_error("return url origin is not allowed"));
        }
        Ok(())
    }
}

fn return_url_error(message: &str) -> Error {
    Error::invalid_request("return_url", message)
}

/// Character-level checks shared by relative and absolute return URLs.
fn check_return_url_text(url: &str) -> Result<()> {
    if url.is_empty() {
        return Err(return_url_error("return url must not be empty"));
    }
    if url.len() > MAX_RETURN_URL_BYTES {
        return Err(return_url_error("return url must be at most 2048 bytes"));
    }
    if url.chars().any(char::is_control) {
        return Err(return_url_error(
            "return url must not contain control characters",
        ));
    }
    if url.contains('\\') {
        return Err(return_url_error("return url must not contain a backslash"));
    }
    if url.trim() != url {
        return Err(return_url_error(
            "return url must not start or end with whitespace",
        ));
    }
    Ok(())
}

fn check_relative_return_url(url: &str) -> Result<()> {
    // `//host/path` is a scheme-relative URL: browsers send the user to `host`. With control
    // characters and backslashes already refused, any other leading `/` stays on this site.
    if url.starts_with("//") {
        return Err(return_url_error("return url must not start with //"));
    }
    Ok(())
}

fn parse_allowed_origin(origin: &str) -> Result<Origin> {
    let invalid = |message: &str| Error::invalid_config("allowed_origin", message);
    let url = Url::parse(origin.trim()).map_err(|_| {
        invalid("allowed origin must be an absolute url such as https://app.example.com")
    })?;
    let loopback = match url.host() {
        Some(Host::Domain(domain)) => domain == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(invalid(
                "allowed origin must use https (http only on localhost)",
            ))
        }
    }
    let bare = url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !bare {
        return Err(invalid("allowed origin must be scheme, host and port only"));
    }
    Ok(url.origin())
}

/// Remembers which state nonces were already used, so a state cannot be replayed.
///
/// Implement it on shared storage (for example Redis `SET key 1 NX PXAT expires_at`) when the
/// callback may reach any of several instances.
#[async_trait]
pub trait NonceStore: Send + Sync + fmt::Debug {
    /// Marks `nonce` as used until `expires_at`: `Ok(true)` the first time, `Ok(false)` when it
    /// was already used. The check and the mark must be one atomic step.
    async fn consume(&self, nonce: &str, expires_at: Timestamp) -> Result<bool>;
}

/// A [`NonceStore`] in this process's memory, for a single instance and for tests.
///
/// Entries whose expiry has passed on the system clock are pruned on every call. Only states this
/// application sealed ever reach the store (forgeries fail decryption first), so its size is
/// bounded by how many connect flows start within one TTL.
#[derive(Default)]
pub struct MemoryNonceStore {
    used: Mutex<HashMap<String, Timestamp>>,
}

impl MemoryNonceStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryNonceStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self
            .used
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("MemoryNonceStore")
            .field("entries", &len)
            .finish()
    }
}

#[async_trait]
impl NonceStore for MemoryNonceStore {
    async fn consume(&self, nonce: &str, expires_at: Timestamp) -> Result<bool> {
        let now = Timestamp::now();
        // A panic elsewhere while holding the lock cannot leave the map half-updated (each
        // operation is a single call), so keep using it rather than failing every callback.
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        used.retain(|_, expiry| *expiry > now);
        Ok(match used.entry(nonce.to_owned()) {
            Entry::Occupied(_) => false,
            Entry::Vacant(slot) => {
                slot.insert(expires_at);
                true
            }
        })
    }
}

/// What a sealed state carries, as returned by [`OAuthStateSealer::unseal`].
///
/// `Debug` redacts the PKCE verifier.
#[derive(Clone)]
pub struct StatePayload {
    /// The tenant that started the connect flow.
    pub tenant_id: TenantId,
    /// The provider the flow was started for.
    pub provider_id: ProviderId,
    /// Where to send the user after the callback, already checked against the policy.
    pub return_url: Option<String>,
    /// The PKCE code verifier to send with the authorization code.
    pub pkce_verifier: Option<SecretString>,
    /// The random single-use value that identifies this state.
    pub nonce: String,
    /// When the state stops being accepted.
    pub expires_at: Timestamp,
    /// The digest of the session binding the state was sealed with.
    binding: Option<String>,
}

impl fmt::Debug for StatePayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StatePayload")
            .field("tenant_id", &self.tenant_id)
            .field("provider_id", &self.provider_id)
            .field("return_url", &self.return_url)
            .field(
                "pkce_verifier",
                &self.pkce_verifier.as_ref().map(|_| Redacted),
            )
            .field("nonce", &self.nonce)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The plaintext inside a v1 token, borrowed for sealing. Short field names keep the state, and
/// so the authorization URL, short.
#[derive(Serialize)]
struct SealRef<'a> {
    t: &'a TenantId,
    p: &'a ProviderId,
    #[serde(skip_serializing_if = "Option::is_none")]
    r: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    v: Option<&'a str>,
    n: &'a str,
    e: Timestamp,
    b: &'a str,
}

/// The plaintext inside a v1 token, owned after unsealing.
#[derive(Deserialize)]
struct Unsealed {
    t: TenantId,
    p: ProviderId,
    #[serde(default)]
    r: Option<String>,
    #[serde(default)]
    v: Option<SecretString>,
    n: String,
    e: Timestamp,
    #[serde(default)]
    b: Option<String>,
}

impl From<Unsealed> for StatePayload {
    fn from(u: Unsealed) -> Self {
        Self {
            tenant_id: u.t,
            provider_id: u.p,
            return_url: u.r,
            pkce_verifier: u.v,
            nonce: u.n,
            expires_at: u.e,
            binding: u.b,
        }
    }
}

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

fn encrypt_v1(key: &OAuthStateKey, plaintext: &[u8]) -> Result<String> {
    // A random 96-bit AEAD nonce per state: safe for far more states than one key will seal
    // between rotations (NIST SP 800-38D bounds random nonces at 2^32 messages per key).
    let mut iv = [0u8; AEAD_NONCE_LEN];
    OsRng.fill_bytes(&mut iv);
    let ciphertext = key
        .cipher()
        .encrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: plaintext,
                aad: ASSOCIATED_DATA,
            },
        )
        .map_err(|_| {
            Error::new(
                ErrorCode::InvalidRequest,
                "oauth state is too large to seal",
            )
        })?;
    let mut blob = Vec::with_capacity(1 + AEAD_NONCE_LEN + ciphertext.len());
    blob.push(VERSION_V1);
    blob.extend_from_slice(&iv);
    blob.extend_from_slice(&ciphertext);
    Ok(URL_SAFE_NO_PAD.encode(blob))
}

fn decrypt_v1(key: &OAuthStateKey, iv: &[u8], ciphertext: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    key.cipher()
        .decrypt(
            Nonce::from_slice(iv),
            Payload {
                msg: ciphertext,
                aad: ASSOCIATED_DATA,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn key_from_base64_accepts_both_alphabets_with_or_without_padding() {
        let bytes = [0xFB_u8; KEY_LEN];
        let standard = base64::engine::general_purpose::STANDARD.encode(bytes);
        let url_safe = URL_SAFE_NO_PAD.encode(bytes);
        assert!(
            standard.contains('+') || standard.contains('/'),
            "test needs alphabet chars"
        );
        for text in [standard.clone(), url_safe, format!(" {standard}\n")] {
            let key = OAuthStateKey::from_base64(&text).unwrap();
            assert_eq!(key.bytes(), &bytes, "{text:?}");
        }
        let key = OAuthStateKey::from_base64(&standard).unwrap();
        assert_eq!(key.to_base64().expose_secret(), standard);
    }

    #[test]
    fn key_from_base64_rejects_wrong_length_and_garbage() {
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
        let long = base64::engine::general_purpose::STANDARD.encode([7u8; 33]);
        for text in [short.as_str(), long.as_str(), "", "not base64 at all!"] {
            let err = OAuthStateKey::from_base64(text).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{text:?}");
            assert_eq!(err.field(), Some("state_key"));
            if !text.is_empty() {
                assert!(!err.to_string().contains(text), "error quotes the key");
            }
        }
        let err = OAuthStateKey::from_base64(&short).unwrap_err();
        assert_eq!(err.message(), "state key must decode to 32 bytes, got 16");
    }

    #[test]
    fn generated_keys_are_random() {
        let a = OAuthStateKey::generate();
        let b = OAuthStateKey::generate();
        assert_ne!(a.bytes(), b.bytes());
        assert_ne!(a.bytes(), &[0u8; KEY_LEN]);
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
    fn relative_return_urls_are_allowed() {
        for ok in [
            "/dashboard?x=1",
            "/",
            "/a/b#frag",
            "/javascript:alert(1)",
            "/%2F%2Fevil.com",
        ] {
            ReturnUrlPolicy::new()
                .check(ok)
                .unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        }
    }

    #[test]
    fn open_redirects_are_rejected() {
        let bad = [
            "//evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "https://evil.com/x",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,hi",
            "http://app.example.com.evil.com",
            "https://app.example.com.evil.com/",
            "https://app.example.com@evil.com/",
            "https://user:pw@app.example.com/",
            "http://app.example.com/done",
            "https://app.example.com:8443/done",
            "/\t/evil.com",
            "/ok\nLocation: https://evil.com",
            "/ok\u{7f}",
            "/ok\u{85}",
            " /dashboard",
            "/dashboard ",
            "dashboard",
            "",
        ];
        let policy = app_policy();
        for url in bad {
            let err = policy.check(url).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidRequest, "{url:?}");
            assert_eq!(err.field(), Some("return_url"), "{url:?}");
        }
        // Each defence is pinned on its own, so none hides behind another.
        let reasons = [
            ("//evil.com", "return url must not start with //"),
            ("/\\evil.com", "return url must not contain a backslash"),
            (
                "/\t/evil.com",
                "return url must not contain control characters",
            ),
            (
                "javascript:alert(1)",
                "return url scheme must be http or https",
            ),
            (
                "https://u@app.example.com/",
                "return url must not contain credentials",
            ),
            ("https://evil.com/x", "return url origin is not allowed"),
            (
                " /dashboard",
                "return url must not start or end with whitespace",
            ),
            (
                "dashboard",
                "return url must be a path starting with / or an absolute url",
            ),
            ("", "return url must not be empty"),
        ];
        for (url, message) in reasons {
            assert_eq!(policy.check(url).unwrap_err().message(), message, "{url:?}");
        }
        let long = format!("/{}", "a".repeat(MAX_RETURN_URL_BYTES));
        assert!(policy.check(&long).is_err());
    }

    #[test]
    fn absolute_return_url_needs_its_origin_allowed() {
        let url = "https://app.example.com/done";
        assert!(ReturnUrlPolicy::new().check(url).is_err());
        app_policy().check(url).unwrap();
        app_policy()
            .check("https://APP.example.com:443/done")
            .unwrap();
        let local = ReturnUrlPolicy::new()
            .allow_origin("http://localhost:3000/")
            .unwrap();
        local.check("http://localhost:3000/cb").unwrap();
        assert!(local.check("http://localhost:3001/cb").is_err());
        assert!(local.check("https://localhost:3000/cb").is_err());
        let both = app_policy().allow_origin("http://127.0.0.1:8080").unwrap();
        both.check(url).unwrap();
        both.check("http://127.0.0.1:8080/x").unwrap();
    }

    #[test]
    fn allow_origin_rejects_anything_but_a_bare_secure_origin() {
        for bad in [
            "app.example.com",
            "ftp://app.example.com",
            "http://app.example.com",
            "https://app.example.com/path",
            "https://app.example.com/?q=1",
            "https://app.example.com/#f",
            "https://user@app.example.com",
            "javascript:alert(1)",
            "",
        ] {
            let err = ReturnUrlPolicy::new().allow_origin(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{bad:?}");
            assert_eq!(err.field(), Some("allowed_origin"), "{bad:?}");
        }
        let twice = app_policy()
            .allow_origin("https://app.example.com/")
            .unwrap();
        assert_eq!(twice, app_policy());
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
    async fn memory_nonce_store_consumes_once_and_prunes_expired_entries() {
        let store = MemoryNonceStore::new();
        let later = Timestamp::now() + jiff::SignedDuration::from_mins(5);
        assert!(store.consume("n1", later).await.unwrap());
        assert!(!store.consume("n1", later).await.unwrap());
        assert!(store.consume("n2", later).await.unwrap());
        let past = Timestamp::now() - jiff::SignedDuration::from_secs(1);
        assert!(store.consume("old", past).await.unwrap());
        // The next call prunes "old", so the map holds only the live entries.
        assert!(!store.consume("n2", later).await.unwrap());
        assert_eq!(store.used.lock().unwrap().len(), 2);
        assert_eq!(format!("{store:?}"), "MemoryNonceStore { entries: 2 }");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn memory_nonce_store_lets_exactly_one_concurrent_consumer_win() {
        let store = Arc::new(MemoryNonceStore::new());
        let expires = Timestamp::now() + jiff::SignedDuration::from_mins(5);
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { store.consume("same", expires).await.unwrap() })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            winners += usize::from(task.await.unwrap());
        }
        assert_eq!(winners, 1);
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
