//! Channel ids and tokens, and comparing a token in constant time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore as _;
use secrecy::SecretString;

/// Random bytes in a channel token: 256 bits, well above the 128 the reference asks for
/// (`webhooks.md` §2.6), and 43 characters once encoded, within Google's 256 (§2.1).
const TOKEN_BYTES: usize = 32;

/// Random bytes in a channel id: ids must be unique in the project (§2.1), and 128 random bits
/// make a collision between instances as unlikely as a UUID's.
const ID_BYTES: usize = 16;

fn random_base64url(len: usize) -> String {
    let mut bytes = vec![0; len];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh channel id (`msf-` and 22 base64url characters, within Google's 64).
pub(crate) fn channel_id() -> String {
    format!("msf-{}", random_base64url(ID_BYTES))
}

/// A fresh channel token, the per-channel secret Google echoes in `X-Goog-Channel-Token`.
pub(crate) fn channel_token() -> SecretString {
    SecretString::from(random_base64url(TOKEN_BYTES))
}

/// Whether `given` equals `expected`, in time that depends on their lengths only: a forger
/// timing the answers learns nothing about the token's characters. Tokens all have one length,
/// so the length is no secret.
pub(crate) fn same(given: &str, expected: &str) -> bool {
    let (given, expected) = (given.as_bytes(), expected.as_bytes());
    if given.len() != expected.len() {
        return false;
    }
    let diff = given
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn ids_and_tokens_are_fresh_url_safe_and_within_googles_limits() {
        let (a, b) = (channel_token(), channel_token());
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), 43);
        let id = channel_id();
        assert!(id.len() <= 64 && id.starts_with("msf-"), "{id}");
        assert_ne!(id, channel_id());
        for text in [id.as_str(), a.expose_secret()] {
            assert!(text
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        }
    }

    #[test]
    fn tokens_compare_equal_only_when_identical() {
        assert!(same("abc", "abc"));
        assert!(!same("abd", "abc"));
        assert!(!same("ab", "abc"));
        assert!(!same("", "abc"));
    }
}
