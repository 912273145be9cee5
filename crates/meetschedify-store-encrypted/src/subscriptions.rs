//! [`EncryptedSubscriptionStore`]: seals each push subscription's secret on the way in, opens
//! it on the way out.

use std::fmt;
use std::sync::Arc;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::webhooks::{Subscription, SubscriptionStore};
use meetschedify_core::{async_trait, Error, ProviderId, Result, TenantId};

use crate::envelope::{open_bytes, seal_bytes, Binding};
use crate::keys::TokenKeys;

/// A subscription's secret is bound to its provider, its id and its tenant.
const SUBSCRIPTION_LABEL: &[u8] = b"meetschedify-subscription-secret-v1";

/// How errors name a subscription: never by its secret.
struct Named<'a>(&'a ProviderId, &'a str);

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "subscription {}/{}", self.0, self.1)
    }
}

/// Wraps any [`SubscriptionStore`] so that what reaches it holds each subscription's secret
/// (Google's channel token, Graph's `clientState`: what makes a notification authentic) as an
/// AES-256-GCM envelope, bound to the subscription's provider, id and tenant. The other fields
/// stay in clear: the inner store indexes the tenant and the expiry, and the cursor (a sync
/// token or delta link) authenticates nothing. Puts, reads, the cursor's compare-and-set and
/// removes are otherwise the inner store's.
///
/// [`EncryptedTokenStore::subscription_store`](crate::EncryptedTokenStore) hands one out over
/// the inner token store's.
#[derive(Clone)]
pub struct EncryptedSubscriptionStore {
    inner: Arc<dyn SubscriptionStore>,
    keys: TokenKeys,
}

impl fmt::Debug for EncryptedSubscriptionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedSubscriptionStore")
            .field("inner", &self.inner)
            .field("keys", &self.keys)
            .finish()
    }
}

impl EncryptedSubscriptionStore {
    /// Wraps `inner`. Fails with `INVALID_CONFIG` when `keys` is empty: without a key the store
    /// refuses to start rather than write secrets in clear.
    pub fn new(inner: Arc<dyn SubscriptionStore>, keys: TokenKeys) -> Result<Self> {
        if keys.is_empty() {
            return Err(Error::invalid_config(
                crate::TOKEN_KEYS_ENV,
                "no encryption key: refusing to store subscription secrets without encryption",
            ));
        }
        Ok(Self::with_checked_keys(inner, keys))
    }

    /// Wraps `inner` with keys known not to be empty.
    pub(crate) fn with_checked_keys(inner: Arc<dyn SubscriptionStore>, keys: TokenKeys) -> Self {
        Self { inner, keys }
    }

    /// The wrapped store.
    pub fn inner(&self) -> &Arc<dyn SubscriptionStore> {
        &self.inner
    }

    fn seal(&self, subscription: &Subscription) -> Result<Subscription> {
        let current = self
            .keys
            .current()
            .ok_or_else(|| Error::invalid_config(crate::TOKEN_KEYS_ENV, "no encryption key"))?;
        let parts = [
            subscription.provider.as_str(),
            subscription.id.as_str(),
            subscription.tenant.as_str(),
        ];
        let envelope = seal_bytes(
            current,
            &Binding {
                label: SUBSCRIPTION_LABEL,
                parts: &parts,
                name: &Named(&subscription.provider, &subscription.id),
            },
            subscription.secret.expose_secret().as_bytes(),
        )?;
        let mut sealed = subscription.clone();
        sealed.secret = SecretString::from(envelope);
        Ok(sealed)
    }

    fn open(&self, mut stored: Subscription) -> Result<Subscription> {
        let name = Named(&stored.provider, &stored.id);
        let parts = [
            stored.provider.as_str(),
            stored.id.as_str(),
            stored.tenant.as_str(),
        ];
        let (plaintext, _kid) = open_bytes(
            &self.keys,
            &Binding {
                label: SUBSCRIPTION_LABEL,
                parts: &parts,
                name: &name,
            },
            stored.secret.expose_secret(),
        )?;
        let secret = String::from_utf8(plaintext).map_err(|_| {
            Error::new(
                meetschedify_core::ErrorCode::TokenStoreError,
                format!("the decrypted secret of {name} is not UTF-8"),
            )
            .with_retryable(false)
        })?;
        stored.secret = SecretString::from(secret);
        Ok(stored)
    }

    fn open_all(&self, stored: Vec<Subscription>) -> Result<Vec<Subscription>> {
        stored.into_iter().map(|s| self.open(s)).collect()
    }
}

#[async_trait]
impl SubscriptionStore for EncryptedSubscriptionStore {
    async fn put(&self, subscription: &Subscription) -> Result<()> {
        let sealed = self.seal(subscription)?;
        self.inner.put(&sealed).await
    }

    async fn get(&self, provider: &ProviderId, id: &str) -> Result<Option<Subscription>> {
        self.inner
            .get(provider, id)
            .await?
            .map(|s| self.open(s))
            .transpose()
    }

    async fn for_tenant(
        &self,
        provider: &ProviderId,
        tenant: &TenantId,
    ) -> Result<Vec<Subscription>> {
        self.open_all(self.inner.for_tenant(provider, tenant).await?)
    }

    async fn expiring_before(
        &self,
        provider: &ProviderId,
        at: Timestamp,
    ) -> Result<Vec<Subscription>> {
        self.open_all(self.inner.expiring_before(provider, at).await?)
    }

    // The cursor is kept in clear: the compare-and-set is the inner store's, unchanged.
    async fn advance_cursor(
        &self,
        provider: &ProviderId,
        id: &str,
        expected: Option<&str>,
        next: Option<&str>,
    ) -> Result<bool> {
        self.inner
            .advance_cursor(provider, id, expected, next)
            .await
    }

    async fn remove(&self, provider: &ProviderId, id: &str) -> Result<bool> {
        self.inner.remove(provider, id).await
    }
}
