//! [`MemoryTokenStore`]: the in-process token store, the default wherever a provider needs
//! one and the application gave none (the Zoom access token, a static Google refresh token).
//!
//! It lives in core beside the in-process idempotency and nonce stores so that no provider
//! depends on a store crate. Several instances need a shared store instead (SQL, Redis).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};

use crate::error::Result;
use crate::token::store::{
    DeleteOutcome, Lease, SaveCondition, SaveOutcome, TokenKey, TokenLeases, TokenRecord,
    TokenStore,
};

/// Tokens in a `HashMap` behind a mutex, with compare-and-swap and leases (which coordinate the
/// tasks of one process only).
///
/// A deleted key keeps its last version (a tombstone of one `u64`), so versions never repeat for
/// a key: the next save continues from it.
#[derive(Default)]
pub struct MemoryTokenStore {
    records: Mutex<HashMap<TokenKey, Slot>>,
    leases: Mutex<HashMap<TokenKey, (String, Timestamp)>>,
    next_holder: AtomicU64,
}

/// One key's state: its last version, and its record unless it was deleted.
#[derive(Clone)]
struct Slot {
    version: u64,
    record: Option<TokenRecord>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        lock(&self.records)
            .values()
            .filter(|slot| slot.record.is_some())
            .count()
    }

    /// Whether it holds no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Debug for MemoryTokenStore {
    // Records hold secrets: show only how many there are.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("records", &self.len())
            .finish()
    }
}

/// Whether `condition` holds for a key in state `slot` (a tombstone counts as absent).
fn allows(slot: Option<&Slot>, condition: SaveCondition) -> bool {
    let live = slot.filter(|s| s.record.is_some()).map(|s| s.version);
    match condition {
        SaveCondition::Absent => live.is_none(),
        SaveCondition::Version(v) => live == Some(v),
        _ => true,
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the maps consistent, so a panic elsewhere cannot corrupt them.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        Ok(lock(&self.records)
            .get(key)
            .and_then(|slot| slot.record.clone()))
    }

    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        let mut records = lock(&self.records);
        let slot = records.get(key);
        if !allows(slot, condition) {
            return Ok(SaveOutcome::Conflict);
        }
        let version = slot.map_or(0, |s| s.version) + 1;
        records.insert(
            key.clone(),
            Slot {
                version,
                record: Some(record.clone().with_version(version)),
            },
        );
        Ok(SaveOutcome::Saved { version })
    }

    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome> {
        let mut records = lock(&self.records);
        let slot = records.get_mut(key);
        if !allows(slot.as_deref(), condition) {
            return Ok(DeleteOutcome::Conflict);
        }
        // The slot stays, as a tombstone with a new version: the delete is a write too, and a
        // writer that read the deleted record must conflict with whatever comes next.
        if let Some(slot) = slot.filter(|s| s.record.is_some()) {
            slot.version += 1;
            slot.record = None;
        }
        Ok(DeleteOutcome::Deleted)
    }

    fn leases(&self) -> Option<&dyn TokenLeases> {
        Some(self)
    }
}

#[async_trait]
impl TokenLeases for MemoryTokenStore {
    async fn try_acquire_lease(&self, key: &TokenKey, ttl: Duration) -> Result<Option<Lease>> {
        let now = Timestamp::now();
        let mut leases = lock(&self.leases);
        if leases
            .get(key)
            .is_some_and(|(_, expires_at)| *expires_at > now)
        {
            return Ok(None);
        }
        let holder = format!(
            "memory-{}",
            self.next_holder.fetch_add(1, Ordering::Relaxed)
        );
        let ttl = SignedDuration::try_from(ttl).unwrap_or(SignedDuration::from_secs(30));
        let expires_at = now.checked_add(ttl).unwrap_or(Timestamp::MAX);
        leases.insert(key.clone(), (holder.clone(), expires_at));
        Ok(Some(Lease::new(key.clone(), holder, expires_at)))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        let mut leases = lock(&self.leases);
        if leases
            .get(&lease.key)
            .is_some_and(|(holder, _)| *holder == lease.holder)
        {
            leases.remove(&lease.key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn versions_count_up_and_stale_writes_conflict() {
        let store = MemoryTokenStore::new();
        let key = TokenKey::new("t", "zoom");
        let first = store
            .save(&key, &TokenRecord::new("a"), SaveCondition::Absent)
            .await
            .unwrap();
        assert_eq!(first, SaveOutcome::Saved { version: 1 });
        let second = store
            .save(&key, &TokenRecord::new("b"), SaveCondition::Version(1))
            .await
            .unwrap();
        assert_eq!(second, SaveOutcome::Saved { version: 2 });
        let stale = store
            .save(&key, &TokenRecord::new("c"), SaveCondition::Version(1))
            .await
            .unwrap();
        assert_eq!(stale, SaveOutcome::Conflict);
        assert_eq!(store.get(&key).await.unwrap().unwrap().version, 2);
        store.delete(&key).await.unwrap();
        store.delete(&key).await.unwrap();
        assert!(store.get(&key).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_lease_is_exclusive_until_released_or_expired() {
        let store = MemoryTokenStore::new();
        let key = TokenKey::new("t", "zoom");
        let store = store.leases().unwrap();
        let lease = store
            .try_acquire_lease(&key, Duration::from_secs(30))
            .await
            .unwrap()
            .unwrap();
        assert!(store
            .try_acquire_lease(&key, Duration::from_secs(30))
            .await
            .unwrap()
            .is_none());
        store.release_lease(&lease).await.unwrap();
        let short = store
            .try_acquire_lease(&key, Duration::from_millis(1))
            .await
            .unwrap()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let next = store
            .try_acquire_lease(&key, Duration::from_secs(30))
            .await
            .unwrap()
            .unwrap();
        // The lapsed holder's release must not free the new holder's lease.
        store.release_lease(&short).await.unwrap();
        assert!(store
            .try_acquire_lease(&key, Duration::from_secs(30))
            .await
            .unwrap()
            .is_none());
        store.release_lease(&next).await.unwrap();
    }

    #[test]
    fn debug_shows_no_tokens() {
        let store = MemoryTokenStore::new();
        lock(&store.records).insert(
            TokenKey::new("t", "zoom"),
            Slot {
                version: 1,
                record: Some(TokenRecord::new("secret-token")),
            },
        );
        assert!(!format!("{store:?}").contains("secret-token"));
    }
}
