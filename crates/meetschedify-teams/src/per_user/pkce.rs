//! [`Pkce`]: one RFC 7636 pair (S256) per authorization. The challenge goes into the consent
//! URL, the verifier is sealed in the OAuth state and sent with the code (reference
//! `microsoft-teams.md` §1.3).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use meetschedify_core::secrecy::SecretString;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh verifier and its S256 challenge. `Debug` never prints the verifier.
pub(crate) struct Pkce {
    verifier: SecretString,
    challenge: String,
}

impl Pkce {
    /// 32 random bytes, base64url: a 43-character verifier, the shortest RFC 7636 allows and
    /// 256 bits of entropy.
    pub(crate) fn new() -> Self {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let verifier = URL_SAFE_NO_PAD.encode(bytes);
        let challenge = challenge_of(&verifier);
        Self {
            verifier: SecretString::from(verifier),
            challenge,
        }
    }

    pub(crate) fn verifier(&self) -> &SecretString {
        &self.verifier
    }

    pub(crate) fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// `BASE64URL(SHA256(verifier))`, RFC 7636 §4.2.
fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("challenge", &self.challenge)
            .field("verifier", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use meetschedify_core::secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636_s256() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let pkce = Pkce::new();
        assert_eq!(pkce.verifier().expose_secret().len(), 43);
        assert_eq!(
            pkce.challenge(),
            challenge_of(pkce.verifier().expose_secret())
        );
        assert!(!format!("{pkce:?}").contains(pkce.verifier().expose_secret()));
        assert_ne!(
            Pkce::new().verifier().expose_secret(),
            pkce.verifier().expose_secret()
        );
    }
}
