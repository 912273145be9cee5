//! [`TokenKeys`]: the AES-256 keys, each with an id; the first one is current.

use std::fmt;

use aes_gcm::aead::KeyInit;
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine as _;
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{Error, Result};

/// The environment variable [`TokenKeys::from_env`] reads: `kid:base64key,...`, first current.
pub const TOKEN_KEYS_ENV: &str = "MEETSCHEDIFY_TOKEN_KEYS";

/// One key: its id and its expanded cipher (the raw bytes are not kept).
#[derive(Clone)]
pub(crate) struct NamedKey {
    pub(crate) kid: String,
    pub(crate) cipher: Aes256Gcm,
}

/// The keys records are encrypted with. The first is *current*: every save uses it. The others
/// only decrypt records written before a rotation; such a record is re-encrypted with the
/// current key the next time it is saved.
#[derive(Clone, Default)]
pub struct TokenKeys {
    keys: Vec<NamedKey>,
}

impl fmt::Debug for TokenKeys {
    // Key ids only: never key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("kids", &self.kids().collect::<Vec<_>>())
            .finish()
    }
}

impl TokenKeys {
    /// No keys yet: add some with [`Self::with_key`]. An empty set cannot build a store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a key. The first key added is current. `kid` is 1 to 32 characters of
    /// `[A-Za-z0-9_-]`, unique in the set; `key` is 32 random bytes.
    pub fn with_key(mut self, kid: impl Into<String>, key: &[u8; 32]) -> Result<Self> {
        let kid = kid.into();
        validate_kid(&kid, "kid")?;
        if self.keys.iter().any(|k| k.kid == kid) {
            return Err(Error::invalid_config(
                "kid",
                format!("key id `{kid}` is given twice"),
            ));
        }
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
        self.keys.push(NamedKey { kid, cipher });
        Ok(self)
    }

    /// Parses `kid:base64key,kid2:base64key2` (standard base64 of 32 bytes; spaces around
    /// entries are ignored). Errors name [`TOKEN_KEYS_ENV`] and never echo key material.
    pub fn parse(spec: &SecretString) -> Result<Self> {
        let mut keys = Self::new();
        for entry in spec.expose_secret().split(',') {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let Some((kid, b64)) = entry.split_once(':') else {
                return Err(Error::invalid_config(
                    TOKEN_KEYS_ENV,
                    "each key must be written kid:base64key",
                ));
            };
            validate_kid(kid, TOKEN_KEYS_ENV)?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| {
                    Error::invalid_config(
                        TOKEN_KEYS_ENV,
                        format!("key `{kid}` is not valid base64"),
                    )
                })?;
            let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
                Error::invalid_config(
                    TOKEN_KEYS_ENV,
                    format!("key `{kid}` must be 32 bytes for AES-256, got {}", b.len()),
                )
            })?;
            keys = keys
                .with_key(kid, &bytes)
                .map_err(|e| Error::invalid_config(TOKEN_KEYS_ENV, e.message()))?;
        }
        Ok(keys)
    }

    /// Reads [`TOKEN_KEYS_ENV`]. A missing or empty variable is an `INVALID_CONFIG` error:
    /// the store refuses to start rather than write tokens in clear.
    pub fn from_env() -> Result<Self> {
        Self::from_env_var(TOKEN_KEYS_ENV)
    }

    /// Like [`Self::from_env`], from another variable.
    pub fn from_env_var(name: &str) -> Result<Self> {
        let value = std::env::var(name).unwrap_or_default();
        let keys = Self::parse(&SecretString::from(value))
            .map_err(|e| Error::invalid_config(name, e.message()))?;
        if keys.is_empty() {
            return Err(Error::invalid_config(
                name,
                format!("{name} is not set: refusing to store tokens without encryption"),
            ));
        }
        Ok(keys)
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key ids, current first.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| k.kid.as_str())
    }

    /// The id of the key new records are encrypted with.
    pub fn current_kid(&self) -> Option<&str> {
        self.keys.first().map(|k| k.kid.as_str())
    }

    pub(crate) fn current(&self) -> Option<&NamedKey> {
        self.keys.first()
    }

    pub(crate) fn find(&self, kid: &str) -> Option<&NamedKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }
}

fn validate_kid(kid: &str, field: &str) -> Result<()> {
    let ok = !kid.is_empty()
        && kid.len() <= 32
        && kid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_config(
            field,
            "a key id must be 1 to 32 characters of A-Z, a-z, 0-9, '_' or '-'",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn parses_several_keys_first_current() {
        let spec = format!("new:{}, old:{}", b64(&[1; 32]), b64(&[2; 32]));
        let keys = TokenKeys::parse(&SecretString::from(spec)).unwrap();
        assert_eq!(keys.kids().collect::<Vec<_>>(), ["new", "old"]);
        assert_eq!(keys.current_kid(), Some("new"));
        assert!(!format!("{keys:?}").contains(&b64(&[1; 32])));
    }

    #[test]
    fn bad_specs_are_config_errors_without_key_material() {
        let short = b64(&[7; 16]);
        for spec in [
            "nokid".to_owned(),
            format!("bad kid:{}", b64(&[1; 32])),
            "k:not base64!".to_owned(),
            format!("k:{short}"),
            format!("k:{0},k:{0}", b64(&[1; 32])),
        ] {
            let err = TokenKeys::parse(&SecretString::from(spec.clone())).unwrap_err();
            assert_eq!(
                err.code(),
                meetschedify_core::ErrorCode::InvalidConfig,
                "{spec}"
            );
            assert_eq!(err.field(), Some(TOKEN_KEYS_ENV), "{spec}");
            assert!(!err.to_string().contains(&short));
        }
    }

    #[test]
    fn an_unset_variable_refuses_to_start() {
        let err = TokenKeys::from_env_var("MEETSCHEDIFY_TEST_SURELY_UNSET_KEYS").unwrap_err();
        assert_eq!(err.code(), meetschedify_core::ErrorCode::InvalidConfig);
        assert!(err.message().contains("refusing"), "{err}");
    }
}
