//! [`NonceStore`]: remembers used state nonces so a state cannot be replayed, and
//! [`MemoryNonceStore`], its in-process implementation.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use jiff::Timestamp;

use crate::error::Result;

/// Remembers which state nonces were already used, so a state cannot be replayed.
///
/// Implement it on shared storage (for example Redis `SET key 1 NX PXAT expires_at`) when the
/// callback may reach any of several instances.
#[async_trait]
pub trait NonceStore: Send + Sync + fmt::Debug {
    /// Marks `nonce` as used until `expires_at`: `Ok(true)` the first time, `Ok(false)` when it
    /// was already used. The check and the mark must be one atomic step.
    async fn consume(&self, nonce: &str, expires_at: Timestamp) -> Result<bool>;
}

/// A [`NonceStore`] in this process's memory, for a single instance and for tests.
///
/// Entries whose expiry has passed on the system clock are pruned on every call. Only states this
/// application sealed ever reach the store (forgeries fail decryption first), so its size is
/// bounded by how many connect flows start within one TTL.
#[derive(Default)]
pub struct MemoryNonceStore {
    used: Mutex<HashMap<String, Timestamp>>,
}

impl MemoryNonceStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryNonceStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self
            .used
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("MemoryNonceStore")
            .field("entries", &len)
            .finish()
    }
}

#[async_trait]
impl NonceStore for MemoryNonceStore {
    async fn consume(&self, nonce: &str, expires_at: Timestamp) -> Result<bool> {
        let now = Timestamp::now();
        // A panic elsewhere while holding the lock cannot leave the map half-updated (each
        // operation is a single call), so keep using it rather than failing every callback.
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        used.retain(|_, expiry| *expiry > now);
        Ok(match used.entry(nonce.to_owned()) {
            Entry::Occupied(_) => false,
            Entry::Vacant(slot) => {
                slot.insert(expires_at);
                true
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn memory_nonce_store_consumes_once_and_prunes_expired_entries() {
        let store = MemoryNonceStore::new();
        let later = Timestamp::now() + jiff::SignedDuration::from_mins(5);
        assert!(store.consume("n1", later).await.unwrap());
        assert!(!store.consume("n1", later).await.unwrap());
        assert!(store.consume("n2", later).await.unwrap());
        let past = Timestamp::now() - jiff::SignedDuration::from_secs(1);
        assert!(store.consume("old", past).await.unwrap());
        // The next call prunes "old", so the map holds only the live entries.
        assert!(!store.consume("n2", later).await.unwrap());
        assert_eq!(store.used.lock().unwrap().len(), 2);
        assert_eq!(format!("{store:?}"), "MemoryNonceStore { entries: 2 }");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn memory_nonce_store_lets_exactly_one_concurrent_consumer_win() {
        let store = Arc::new(MemoryNonceStore::new());
        let expires = Timestamp::now() + jiff::SignedDuration::from_mins(5);
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { store.consume("same", expires).await.unwrap() })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            winners += usize::from(task.await.unwrap());
        }
        assert_eq!(winners, 1);
    }
}
