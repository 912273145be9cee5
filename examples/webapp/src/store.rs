//! Where tokens are kept: SQLite, every record encrypted before it reaches the file.
//!
//! A copy of the database (a backup, a stolen disk, a read-only SQL injection elsewhere in the
//! application) then holds AES-256-GCM envelopes, not refresh tokens that open users' calendars.

use std::sync::Arc;

use meetschedify::secrecy::SecretString;
use meetschedify::store_encrypted::{EncryptedTokenStore, TokenKeys, TOKEN_KEYS_ENV};
use meetschedify::store_sqlite::SqliteTokenStoreBuilder;
use meetschedify::{Error, TokenStore};
use rand::RngCore;

use crate::{AppConfig, Backend};

/// The encryption keys: `MEETSCHEDIFY_TOKEN_KEYS` (`kid:base64key,...`, the first current) when
/// `configured` holds it. Without it the emulator gets a key generated for this process (its
/// tokens mean nothing after a restart anyway: the emulator forgets its grants), and the real
/// vendors are refused: storing real tokens in clear is not an option.
pub(crate) fn token_keys(
    backend: Backend,
    configured: Option<SecretString>,
) -> Result<TokenKeys, Error> {
    match (configured, backend) {
        (Some(spec), _) => {
            let keys = TokenKeys::parse(&spec)?;
            if keys.is_empty() {
                return Err(Error::invalid_config(TOKEN_KEYS_ENV, "no key in it"));
            }
            Ok(keys)
        }
        (None, Backend::Emulator) => {
            let mut key = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut key);
            TokenKeys::new().with_key("generated", &key)
        }
        (None, _) => Err(Error::invalid_config(
            TOKEN_KEYS_ENV,
            format!(
                "{TOKEN_KEYS_ENV} is not set: tokens are stored encrypted; set it to \
                 `k1:$(openssl rand -base64 32)`"
            ),
        )),
    }
}

/// The SQLite store (the configured file, or memory) wrapped in [`EncryptedTokenStore`].
pub(crate) async fn token_store(
    config: &AppConfig,
    keys: TokenKeys,
) -> Result<Arc<dyn TokenStore>, Error> {
    let builder = match &config.database {
        Some(path) => SqliteTokenStoreBuilder::new().with_path(path),
        None => SqliteTokenStoreBuilder::new().with_in_memory(),
    };
    let sqlite: Arc<dyn TokenStore> = Arc::new(builder.build().await?);
    Ok(Arc::new(EncryptedTokenStore::new(sqlite, keys)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_vendors_without_a_key_is_a_startup_error_naming_the_variable() {
        let err = token_keys(Backend::Vendors, None).unwrap_err();
        assert_eq!(err.field(), Some(TOKEN_KEYS_ENV));
        assert!(err.message().contains("openssl rand"), "{err}");
    }

    #[test]
    fn the_emulator_without_a_key_gets_a_generated_one() {
        let keys = token_keys(Backend::Emulator, None).unwrap();
        assert_eq!(keys.current_kid(), Some("generated"));
    }

    #[test]
    fn a_configured_key_is_used_and_a_malformed_one_refused() {
        let spec = SecretString::from("k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=");
        let keys = token_keys(Backend::Vendors, Some(spec)).unwrap();
        assert_eq!(keys.current_kid(), Some("k1"));
        let bad = token_keys(Backend::Vendors, Some(SecretString::from("k1:short"))).unwrap_err();
        assert_eq!(bad.field(), Some(TOKEN_KEYS_ENV));
        let empty = token_keys(Backend::Emulator, Some(SecretString::from(""))).unwrap_err();
        assert_eq!(empty.field(), Some(TOKEN_KEYS_ENV));
    }
}
