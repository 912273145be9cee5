//! [`OAuthStateKey`]: the AES-256-GCM key that seals OAuth states.

use std::fmt;

use aes_gcm::aead::KeyInit;
use aes_gcm::{Aes256Gcm, Key};
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore;
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretBox, SecretString};

use crate::error::{Error, Result};

pub(super) const KEY_LEN: usize = 32;

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

    pub(super) fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.bytes()))
    }
}

impl fmt::Debug for OAuthStateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OAuthStateKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;
    use crate::error::ErrorCode;

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
}
