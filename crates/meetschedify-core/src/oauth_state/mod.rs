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

mod binding;
mod key;
mod nonce;
mod payload;
mod return_url;
mod sealer;
mod v1;

pub use binding::SessionBinding;
pub use key::OAuthStateKey;
pub use nonce::{MemoryNonceStore, NonceStore};
pub use payload::StatePayload;
pub use return_url::ReturnUrlPolicy;
pub(crate) use sealer::missing_session_binding;
pub use sealer::OAuthStateSealer;
