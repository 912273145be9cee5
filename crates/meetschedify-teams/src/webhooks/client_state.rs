//! The `clientState` secret of a Graph subscription: made random, compared in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Random bytes in a `clientState`: 256 bits, 43 base64url characters, well within Graph's
/// 128-character limit (reference `webhooks.md` §3.1).
const SECRET_BYTES: usize = 32;

/// A fresh `clientState`: random, never derived from the tenant or the subscription, so a
/// forger cannot guess it from anything public.
pub(crate) fn new_client_state() -> SecretString {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::thread_rng().fill_bytes(&mut bytes);
    SecretString::from(URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether `received` is `expected`, in time independent of where they differ.
///
/// Both sides are hashed first so the comparison runs over 32 bytes whatever the lengths:
/// neither the position of the first difference nor the secret's length leaks through timing.
pub(crate) fn client_state_matches(expected: &SecretString, received: &str) -> bool {
    let a = Sha256::digest(expected.expose_secret().as_bytes());
    let b = Sha256::digest(received.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_fresh_short_enough_and_compared_exactly() {
        let one = new_client_state();
        let two = new_client_state();
        assert_ne!(one.expose_secret(), two.expose_secret());
        assert!(one.expose_secret().len() <= 128);
        assert!(client_state_matches(&one, one.expose_secret()));
        assert!(!client_state_matches(&one, two.expose_secret()));
        assert!(!client_state_matches(&one, ""));
        let prefix = &one.expose_secret()[..10];
        assert!(!client_state_matches(&one, prefix));
    }
}
