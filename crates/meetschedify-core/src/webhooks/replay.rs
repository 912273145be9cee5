//! [`ReplayGuard`]: drops a notification that was already delivered, through a [`NonceStore`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::rejection::RejectionReason;
use crate::oauth_state::{MemoryNonceStore, NonceStore};

/// How long a delivery key is remembered by default: two hours.
///
/// It must outlast both the timestamp tolerance (an exact replay is refused as stale after
/// that) and the vendor's retry schedule (Zoom retries after 5, 25 and 85 minutes with fresh
/// timestamps, and a retry of a delivered notification must still be recognised).
pub const DEFAULT_REPLAY_RETENTION: Duration = Duration::from_secs(2 * 60 * 60);

/// Remembers delivery keys so each notification is delivered once.
///
/// It reuses the [`NonceStore`] of OAuth state: the same atomic "first use until expiry"
/// operation, and the same shared implementations (`TokenStore::nonce_store()` of the SQL and
/// Redis stores), so deduplication holds across instances when they share one. Keys are
/// prefixed with `webhook:{namespace}:` so they never collide with OAuth state nonces.
#[derive(Clone)]
pub struct ReplayGuard {
    store: Arc<dyn NonceStore>,
    namespace: String,
    retention: Duration,
}

impl ReplayGuard {
    /// A guard over `store` for one verifier (`namespace`, for example the provider id).
    pub fn new(store: Arc<dyn NonceStore>, namespace: impl Into<String>) -> Self {
        Self {
            store,
            namespace: namespace.into(),
            retention: DEFAULT_REPLAY_RETENTION,
        }
    }

    /// A guard in this process's memory: enough for one instance.
    pub fn in_memory(namespace: impl Into<String>) -> Self {
        Self::new(Arc::new(MemoryNonceStore::new()), namespace)
    }

    /// How long a key is remembered (default [`DEFAULT_REPLAY_RETENTION`]).
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// The retention in use.
    pub fn retention(&self) -> Duration {
        self.retention
    }

    /// Records `key` as delivered at `now`: `Ok` the first time, [`RejectionReason::Replayed`]
    /// afterwards, [`RejectionReason::StoreUnavailable`] when the store fails (the vendor then
    /// retries, rather than the notification being lost or delivered twice).
    pub async fn first_delivery(&self, key: &str, now: Timestamp) -> Result<(), RejectionReason> {
        let retention = SignedDuration::try_from(self.retention).unwrap_or(SignedDuration::MAX);
        let expires_at = now.saturating_add(retention).unwrap_or(Timestamp::MAX);
        let nonce = format!("webhook:{}:{key}", self.namespace);
        match self.store.consume(&nonce, expires_at).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(RejectionReason::Replayed),
            Err(error) => {
                tracing::error!(%error, "webhook replay store failed");
                Err(RejectionReason::StoreUnavailable)
            }
        }
    }
}

impl fmt::Debug for ReplayGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayGuard")
            .field("store", &self.store)
            .field("namespace", &self.namespace)
            .field("retention", &self.retention)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::error::{Error, Result};

    #[derive(Debug)]
    struct Broken;

    #[async_trait]
    impl NonceStore for Broken {
        async fn consume(&self, _: &str, _: Timestamp) -> Result<bool> {
            Err(Error::token_store("down", std::io::Error::other("refused")))
        }
    }

    #[tokio::test]
    async fn a_key_passes_once_per_namespace_and_a_failing_store_is_unavailable() {
        let store: Arc<dyn NonceStore> = Arc::new(MemoryNonceStore::new());
        let zoom = ReplayGuard::new(Arc::clone(&store), "zoom");
        let other = ReplayGuard::new(store, "zoom-eu");
        let now = Timestamp::now();
        assert_eq!(zoom.first_delivery("k", now).await, Ok(()));
        assert_eq!(
            zoom.first_delivery("k", now).await,
            Err(RejectionReason::Replayed)
        );
        assert_eq!(other.first_delivery("k", now).await, Ok(()));
        let broken = ReplayGuard::new(Arc::new(Broken), "zoom");
        assert_eq!(
            broken.first_delivery("k", now).await,
            Err(RejectionReason::StoreUnavailable)
        );
    }
}
