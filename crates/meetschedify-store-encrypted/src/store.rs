//! [`EncryptedTokenStore`]: encrypts records on the way in, decrypts them on the way out.

use std::sync::Arc;

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    async_trait, DeleteOutcome, Error, Result, SaveCondition, SaveOutcome, TokenKey, TokenLeases,
    TokenRecord, TokenStore,
};

use crate::envelope::{kid_of, open, seal};
use crate::keys::TokenKeys;

/// Wraps any [`TokenStore`] so that what reaches it is ciphertext: the inner store keeps, per
/// key, a record whose access token is an AES-256-GCM envelope of the whole real record and
/// whose other secret fields are empty (the expiry is copied in clear, for the stores' own
/// informational columns). Versions, compare-and-swap and leases are the inner store's.
#[derive(Clone)]
pub struct EncryptedTokenStore {
    inner: Arc<dyn TokenStore>,
    keys: TokenKeys,
}

impl std::fmt::Debug for EncryptedTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedTokenStore")
            .field("inner", &self.inner)
            .field("keys", &self.keys)
            .finish()
    }
}

impl EncryptedTokenStore {
    /// Wraps `inner`. Fails with `INVALID_CONFIG` when `keys` is empty: without a key the store
    /// refuses to start rather than write tokens in clear.
    pub fn new(inner: Arc<dyn TokenStore>, keys: TokenKeys) -> Result<Self> {
        if keys.is_empty() {
            return Err(Error::invalid_config(
                crate::TOKEN_KEYS_ENV,
                "no encryption key: refusing to store tokens without encryption",
            ));
        }
        Ok(Self { inner, keys })
    }

    /// Wraps `inner` with the keys in `MEETSCHEDIFY_TOKEN_KEYS`.
    pub fn from_env(inner: Arc<dyn TokenStore>) -> Result<Self> {
        Self::new(inner, TokenKeys::from_env()?)
    }

    /// The wrapped store.
    pub fn inner(&self) -> &Arc<dyn TokenStore> {
        &self.inner
    }

    /// The keys.
    pub fn keys(&self) -> &TokenKeys {
        &self.keys
    }

    /// Re-encrypts `key`'s record with the current key now, if it was sealed with an older
    /// one (a compare-and-swap save: the version goes up by one). Returns whether it rewrote.
    /// Rotation does not need this (every save seals with the current key); it is for jobs
    /// that want an old key out of use before its records would next be refreshed.
    pub async fn reencrypt(&self, key: &TokenKey) -> Result<bool> {
        let Some(stored) = self.inner.get(key).await? else {
            return Ok(false);
        };
        if kid_of(stored.access_token.expose_secret()) == self.keys.current_kid() {
            return Ok(false);
        }
        let opened = open(&self.keys, key, stored.access_token.expose_secret())?;
        let outcome = self
            .save(key, &opened.record, SaveCondition::Version(stored.version))
            .await?;
        Ok(matches!(outcome, SaveOutcome::Saved { .. }))
    }

    fn seal(&self, key: &TokenKey, record: &TokenRecord) -> Result<TokenRecord> {
        let current = self
            .keys
            .current()
            .ok_or_else(|| Error::invalid_config(crate::TOKEN_KEYS_ENV, "no encryption key"))?;
        let envelope = seal(current, key, record)?;
        let mut sealed = TokenRecord::new(envelope);
        sealed.expires_at = record.expires_at;
        Ok(sealed)
    }
}

#[async_trait]
impl TokenStore for EncryptedTokenStore {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        let Some(stored) = self.inner.get(key).await? else {
            return Ok(None);
        };
        let opened = open(&self.keys, key, stored.access_token.expose_secret())?;
        if Some(opened.kid.as_str()) != self.keys.current_kid() {
            tracing::debug!(
                provider = %key.provider_id,
                tenant = %key.tenant_id,
                kid = %opened.kid,
                "record sealed with an older key; the next save re-encrypts it"
            );
        }
        Ok(Some(opened.record.with_version(stored.version)))
    }

    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        let sealed = self.seal(key, record)?;
        self.inner.save(key, &sealed, condition).await
    }

    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome> {
        self.inner.delete_if(key, condition).await
    }

    // Leases hold no token: the inner store's serve as they are.
    fn leases(&self) -> Option<&dyn TokenLeases> {
        self.inner.leases()
    }

    // Nonces are random, single-use and not secret: they need no encryption.
    fn nonce_store(&self) -> Option<Arc<dyn meetschedify_core::NonceStore>> {
        self.inner.nonce_store()
    }

    // Bookings hold meeting ids and times, no secret: the inner store's ledger serves as it is.
    // Without it a host pool over an encrypted shared store would fall back to one process's
    // memory and could give one slot twice across instances.
    fn host_ledger(&self) -> Option<Arc<dyn meetschedify_core::hosts::HostLedger>> {
        self.inner.host_ledger()
    }

    // The inner store's, with each subscription's secret sealed under the same keys: a dump
    // of the subscriptions would otherwise let anyone forge authentic notifications.
    fn subscription_store(
        &self,
    ) -> Option<Arc<dyn meetschedify_core::webhooks::SubscriptionStore>> {
        let inner = self.inner.subscription_store()?;
        // `new` refused empty keys, so the subscription store has a key too.
        Some(Arc::new(
            crate::EncryptedSubscriptionStore::with_checked_keys(inner, self.keys.clone()),
        ))
    }
}
