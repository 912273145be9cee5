//! [`StatePayload`]: what a sealed state carries once unsealed.

use std::fmt;

use jiff::Timestamp;
use secrecy::SecretString;

use crate::ids::{ProviderId, TenantId};

/// What a sealed state carries, as returned by
/// [`OAuthStateSealer::unseal`](super::OAuthStateSealer::unseal).
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
    pub(super) binding: Option<String>,
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
