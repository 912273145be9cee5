//! Push subscriptions the library keeps alive at a vendor: Google Calendar watch channels and
//! Microsoft Graph subscriptions, kept in a [`SubscriptionStore`].
//!
//! Unlike Zoom, whose webhooks are configured once in the app's settings, Google and Microsoft
//! notify only while a subscription made through their API lives: it has an id, a secret the
//! vendor echoes with every notification (Google's channel `token`, Graph's `clientState`), and
//! an expiry after which it must be renewed. A notification is authentic only if it names a
//! subscription this application holds and carries its secret, so the state must be shared by
//! every instance that may receive notifications: a memory store serves one process, a shared
//! store (SQL, Redis) serves many.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;
use jiff::Timestamp;
use secrecy::SecretString;

use crate::{ProviderId, Result, TenantId};

/// One live push subscription at a vendor. `Debug` never prints the secret.
#[derive(Clone)]
#[non_exhaustive]
pub struct Subscription {
    /// The provider that made it (`google-meet`, `microsoft-teams`, ...).
    pub provider: ProviderId,
    /// The tenant whose calendar it watches.
    pub tenant: TenantId,
    /// The vendor's id: Google's channel id (chosen by the library), Graph's subscription id.
    pub id: String,
    /// What it watches, as the vendor names it: a Google calendar id, a Graph resource path.
    pub resource: String,
    /// The value the vendor echoes with every notification: Google's `X-Goog-Channel-Token`,
    /// Graph's `clientState`. Random, never derived from anything guessable.
    pub secret: SecretString,
    /// The vendor's own id of the watched resource, where it gives one (Google's
    /// `X-Goog-Resource-ID`), checked on every notification.
    pub vendor_resource_id: Option<String>,
    /// When the vendor stops notifying unless the subscription is renewed.
    pub expires_at: Timestamp,
    /// Where the next incremental read starts (Google's `nextSyncToken`, a Graph delta link);
    /// `None` before the first full read.
    pub cursor: Option<String>,
}

impl Subscription {
    /// A subscription without a vendor resource id or cursor.
    pub fn new(
        provider: ProviderId,
        tenant: TenantId,
        id: impl Into<String>,
        resource: impl Into<String>,
        secret: SecretString,
        expires_at: Timestamp,
    ) -> Self {
        Self {
            provider,
            tenant,
            id: id.into(),
            resource: resource.into(),
            secret,
            vendor_resource_id: None,
            expires_at,
            cursor: None,
        }
    }

    /// Sets the vendor's id of the watched resource.
    pub fn with_vendor_resource_id(mut self, id: impl Into<String>) -> Self {
        self.vendor_resource_id = Some(id.into());
        self
    }

    /// Sets where the next incremental read starts.
    pub fn with_cursor(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("provider", &self.provider)
            .field("tenant", &self.tenant)
            .field("id", &self.id)
            .field("resource", &self.resource)
            .field("secret", &"[redacted]")
            .field("vendor_resource_id", &self.vendor_resource_id)
            .field("expires_at", &self.expires_at)
            .field("cursor", &self.cursor.as_ref().map(|_| "[set]"))
            .finish()
    }
}

/// Where the application's push subscriptions live, shared by every instance that receives
/// notifications. Implementations must make each method one atomic step.
#[async_trait]
pub trait SubscriptionStore: Send + Sync + fmt::Debug {
    /// Stores `subscription`, replacing one with the same provider and id.
    async fn put(&self, subscription: &Subscription) -> Result<()>;

    /// The subscription `id` of `provider`, if held.
    async fn get(&self, provider: &ProviderId, id: &str) -> Result<Option<Subscription>>;

    /// Every subscription `provider` holds for `tenant` (for a disconnect to stop them).
    async fn for_tenant(
        &self,
        provider: &ProviderId,
        tenant: &TenantId,
    ) -> Result<Vec<Subscription>>;

    /// Every subscription of `provider` that expires before `at` (for renewal).
    async fn expiring_before(
        &self,
        provider: &ProviderId,
        at: Timestamp,
    ) -> Result<Vec<Subscription>>;

    /// Moves the cursor of subscription `id` from `expected` to `next`; `Ok(false)` (nothing
    /// written) when the stored cursor is not `expected` or the subscription is gone, so two
    /// instances handling notifications at once never both advance from the same point.
    async fn advance_cursor(
        &self,
        provider: &ProviderId,
        id: &str,
        expected: Option<&str>,
        next: Option<&str>,
    ) -> Result<bool>;

    /// Forgets subscription `id`; whether it was held.
    async fn remove(&self, provider: &ProviderId, id: &str) -> Result<bool>;
}

/// A [`SubscriptionStore`] in this process's memory: one instance, and tests.
#[derive(Default)]
pub struct MemorySubscriptionStore {
    held: Mutex<HashMap<(ProviderId, String), Subscription>>,
}

impl MemorySubscriptionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(ProviderId, String), Subscription>> {
        // A panic while holding the lock leaves a whole map behind, never half a write.
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl fmt::Debug for MemorySubscriptionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemorySubscriptionStore")
            .field("held", &self.lock().len())
            .finish()
    }
}

#[async_trait]
impl SubscriptionStore for MemorySubscriptionStore {
    async fn put(&self, subscription: &Subscription) -> Result<()> {
        self.lock().insert(
            (subscription.provider.clone(), subscription.id.clone()),
            subscription.clone(),
        );
        Ok(())
    }

    async fn get(&self, provider: &ProviderId, id: &str) -> Result<Option<Subscription>> {
        Ok(self.lock().get(&(provider.clone(), id.to_owned())).cloned())
    }

    async fn for_tenant(
        &self,
        provider: &ProviderId,
        tenant: &TenantId,
    ) -> Result<Vec<Subscription>> {
        Ok(self
            .lock()
            .values()
            .filter(|s| s.provider == *provider && s.tenant == *tenant)
            .cloned()
            .collect())
    }

    async fn expiring_before(
        &self,
        provider: &ProviderId,
        at: Timestamp,
    ) -> Result<Vec<Subscription>> {
        Ok(self
            .lock()
            .values()
            .filter(|s| s.provider == *provider && s.expires_at < at)
            .cloned()
            .collect())
    }

    async fn advance_cursor(
        &self,
        provider: &ProviderId,
        id: &str,
        expected: Option<&str>,
        next: Option<&str>,
    ) -> Result<bool> {
        let mut held = self.lock();
        match held.get_mut(&(provider.clone(), id.to_owned())) {
            Some(s) if s.cursor.as_deref() == expected => {
                s.cursor = next.map(str::to_owned);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn remove(&self, provider: &ProviderId, id: &str) -> Result<bool> {
        Ok(self
            .lock()
            .remove(&(provider.clone(), id.to_owned()))
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn sub(id: &str, tenant: &str, expires: i64) -> Subscription {
        Subscription::new(
            ProviderId::GOOGLE_MEET,
            TenantId::new(tenant),
            id,
            "primary",
            SecretString::from("s3cr3t-token".to_owned()),
            Timestamp::from_second(expires).unwrap(),
        )
    }

    #[tokio::test]
    async fn the_memory_store_keeps_finds_advances_and_forgets() {
        let store = MemorySubscriptionStore::new();
        let p = ProviderId::GOOGLE_MEET;
        store.put(&sub("a", "t1", 100)).await.unwrap();
        store.put(&sub("b", "t1", 300)).await.unwrap();
        store.put(&sub("c", "t2", 100)).await.unwrap();
        let got = store.get(&p, "a").await.unwrap().unwrap();
        assert_eq!(got.secret.expose_secret(), "s3cr3t-token");
        assert!(store.get(&ProviderId::ZOOM, "a").await.unwrap().is_none());
        assert_eq!(store.for_tenant(&p, &"t1".into()).await.unwrap().len(), 2);
        let soon = Timestamp::from_second(200).unwrap();
        assert_eq!(store.expiring_before(&p, soon).await.unwrap().len(), 2);
        // The cursor moves only from the expected value.
        assert!(store
            .advance_cursor(&p, "a", None, Some("s1"))
            .await
            .unwrap());
        assert!(!store
            .advance_cursor(&p, "a", None, Some("s2"))
            .await
            .unwrap());
        assert!(store
            .advance_cursor(&p, "a", Some("s1"), Some("s2"))
            .await
            .unwrap());
        assert!(!store
            .advance_cursor(&p, "zz", None, Some("s1"))
            .await
            .unwrap());
        assert!(store.remove(&p, "a").await.unwrap());
        assert!(!store.remove(&p, "a").await.unwrap());
    }

    #[test]
    fn debug_never_prints_the_secret_or_the_cursor() {
        let s = sub("a", "t1", 1).with_cursor(Some("sync-token-value".into()));
        let text = format!("{s:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(!text.contains("sync-token-value"), "{text}");
    }
}
