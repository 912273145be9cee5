//! [`SessionBinding`]: ties a connect flow to the browser session that started it.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A random value that ties an OAuth connect flow to the browser session that started it.
///
/// The authorization URL comes with one ([`AuthorizationUrl::session_binding`](crate::AuthorizationUrl::session_binding)):
/// keep it in the user's session (a server-side session, or an `HttpOnly`, `Secure`,
/// `SameSite=Lax` cookie) and give it back with the callback
/// ([`OAuthCallback::with_session_binding`](crate::OAuthCallback::with_session_binding)). Its
/// hash is sealed into the state, so a callback completed in another browser (a consent link
/// sent to a victim, a leaked URL) is refused before the code is exchanged and before anything
/// is stored: nobody can connect their account to a tenant whose session did not start the
/// flow.
///
/// `Debug` prints `[redacted]`; [`as_str`](Self::as_str) gives the value to store.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionBinding(#[serde(serialize_with = "expose")] SecretString);

fn expose<S: serde::Serializer>(v: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.expose_secret())
}

impl SessionBinding {
    /// A fresh binding: 256 random bits from the operating system, base64url.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(SecretString::from(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A binding read back from where the application kept it.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The value to keep in the session.
    pub fn as_str(&self) -> &str {
        self.0.expose_secret()
    }

    /// What the state carries: SHA-256 of the value, base64url, so the value itself never
    /// travels through the consent page.
    pub(crate) fn digest(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.as_str().as_bytes()))
    }

    /// Whether this binding is the one whose digest a state carries, comparing every byte
    /// whatever the first difference (no timing signal about how much matched).
    pub(crate) fn matches(&self, digest: &str) -> bool {
        let ours = self.digest();
        ours.len() == digest.len()
            && ours
                .bytes()
                .zip(digest.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl PartialEq for SessionBinding {
    fn eq(&self, other: &Self) -> bool {
        self.matches(&other.digest())
    }
}

impl Eq for SessionBinding {}

impl fmt::Debug for SessionBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionBinding([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_random_redacted_and_matched_by_digest() {
        let a = SessionBinding::generate();
        let b = SessionBinding::generate();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), 43);
        assert!(a.matches(&a.digest()));
        assert!(!b.matches(&a.digest()));
        assert!(!a.matches(""));
        assert_eq!(SessionBinding::new(a.as_str()), a);
        assert_eq!(format!("{a:?}"), "SessionBinding([redacted])");
        assert!(!a.digest().contains(a.as_str()));
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, format!("\"{}\"", a.as_str()));
    }
}
