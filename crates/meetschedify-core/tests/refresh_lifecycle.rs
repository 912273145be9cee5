//! How a refresh ends when its callers do not wait for it, and how soon an instance notices that
//! another one replaced the stored record (issue 13).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    DeleteOutcome, ErrorCode, Lease, Result, SaveCondition, SaveOutcome, TokenKey, TokenLeases,
    TokenManager, TokenManagerConfig, TokenRecord, TokenRefresher, TokenStore,
};
use tokio::sync::Semaphore;

/// A leasing store in memory, small enough to read at a glance.
#[derive(Debug, Default)]
struct Store {
    records: Mutex<HashMap<TokenKey, TokenRecord>>,
    lease: Mutex<Option<String>>,
    next: AtomicUsize,
}

impl Store {
    fn put(&self, record: TokenRecord) {
        let mut records = self.records.lock().unwrap();
        let version = records.get(&key()).map_or(1, |r| r.version + 1);
        records.insert(key(), record.with_version(version));
    }

    fn access_token(&self) -> String {
        let records = self.records.lock().unwrap();
        records[&key()].access_token.expose_secret().to_owned()
    }

    fn lease_held(&self) -> bool {
        self.lease.lock().unwrap().is_some()
    }
}

#[async_trait]
impl TokenStore for Store {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        Ok(self.records.lock().unwrap().get(key).cloned())
    }

    async fn save(&self, key: &TokenKey, r: &TokenRecord, c: SaveCondition) -> Result<SaveOutcome> {
        let mut records = self.records.lock().unwrap();
        let current = records.get(key).map(|r| r.version);
        let ok = match c {
            SaveCondition::Absent => current.is_none(),
            SaveCondition::Version(v) => current == Some(v),
            _ => true,
        };
        if !ok {
            return Ok(SaveOutcome::Conflict);
        }
        let version = current.unwrap_or(0) + 1;
        records.insert(key.clone(), r.clone().with_version(version));
        Ok(SaveOutcome::Saved { version })
    }

    async fn delete_if(&self, key: &TokenKey, _c: SaveCondition) -> Result<DeleteOutcome> {
        self.records.lock().unwrap().remove(key);
        Ok(DeleteOutcome::Deleted)
    }

    fn leases(&self) -> Option<&dyn TokenLeases> {
        Some(self)
    }
}

#[async_trait]
impl TokenLeases for Store {
    async fn try_acquire_lease(&self, key: &TokenKey, ttl: Duration) -> Result<Option<Lease>> {
        let mut lease = self.lease.lock().unwrap();
        if lease.is_some() {
            return Ok(None);
        }
        let holder = format!("h{}", self.next.fetch_add(1, Ordering::SeqCst));
        *lease = Some(holder.clone());
        let expires_at = Timestamp::now() + SignedDuration::try_from(ttl).unwrap();
        Ok(Some(Lease::new(key.clone(), holder, expires_at)))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        let mut held = self.lease.lock().unwrap();
        if held.as_deref() == Some(lease.holder.as_str()) {
            *held = None;
        }
        Ok(())
    }
}

/// Issues `fresh-N`, each call waiting for a permit first (a token endpoint that answers only
/// when the test says so).
#[derive(Debug)]
struct GatedRefresher {
    gate: Arc<Semaphore>,
    calls: AtomicUsize,
}

impl GatedRefresher {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            gate: Arc::new(Semaphore::new(0)),
            calls: AtomicUsize::new(0),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl TokenRefresher for GatedRefresher {
    async fn refresh(&self, _key: &TokenKey, _c: Option<&TokenRecord>) -> Result<TokenRecord> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        self.gate.acquire().await.unwrap().forget();
        Ok(TokenRecord::new(format!("fresh-{n}"))
            .with_expires_at(Timestamp::now() + SignedDuration::from_secs(3600)))
    }
}

fn key() -> TokenKey {
    TokenKey::new("tenant-1", "google-meet")
}

fn expired() -> TokenRecord {
    TokenRecord::new("expired")
        .with_refresh_token("refresh-0")
        .with_expires_at(Timestamp::now() - SignedDuration::from_secs(10))
}

fn fresh(token: &str) -> TokenRecord {
    TokenRecord::new(token)
        .with_refresh_token("refresh-x")
        .with_expires_at(Timestamp::now() + SignedDuration::from_secs(3600))
}

async fn token(manager: &TokenManager) -> String {
    let got = tokio::time::timeout(Duration::from_secs(5), manager.access_token(&key()))
        .await
        .expect("answered promptly")
        .unwrap();
    got.secret().expose_secret().to_owned()
}

/// Waits (real time, at most 5 s) until `done` holds.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} never happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_whose_waiters_all_go_away_still_finishes_and_releases_its_lease() {
    let store = Arc::new(Store::default());
    store.put(expired());
    let refresher = GatedRefresher::new();
    let manager = TokenManager::new(
        store.clone(),
        refresher.clone(),
        TokenManagerConfig::default(),
    );
    // Every waiter gives up while the token endpoint is stuck, as a request timeout around
    // token acquisition does; the refresh holds the lease meanwhile.
    for _ in 0..3 {
        let key = key();
        let waited = tokio::time::timeout(Duration::from_millis(50), manager.access_token(&key));
        assert!(waited.await.is_err(), "the refresh cannot have finished");
    }
    assert_eq!(refresher.calls(), 1, "the waiters shared one refresh");
    assert!(store.lease_held());
    // The endpoint answers with nobody waiting: the refresh still runs to its end, saves and
    // lets go of the lease, without any new caller polling it.
    refresher.gate.add_permits(1);
    eventually("the abandoned refresh saving", || {
        store.access_token() == "fresh-1"
    })
    .await;
    eventually("the lease release", || !store.lease_held()).await;
    // The next caller gets the saved token at once; no stale refresh is resumed or repeated.
    assert_eq!(token(&manager).await, "fresh-1");
    assert_eq!(refresher.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_slower_than_its_lease_is_abandoned_and_the_lease_released() {
    let store = Arc::new(Store::default());
    store.put(expired());
    let refresher = GatedRefresher::new();
    let config = TokenManagerConfig::default().with_lease_ttl(Duration::from_millis(200));
    let manager = TokenManager::new(store.clone(), refresher.clone(), config);
    // The endpoint never answers: past the lease's ttl the refresh gives up.
    let err = tokio::time::timeout(Duration::from_secs(5), manager.access_token(&key()))
        .await
        .expect("the refresh gave up within its lease")
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenStoreError);
    assert!(
        !store.lease_held(),
        "the abandoned refresh released its lease"
    );
    assert_eq!(
        store.access_token(),
        "expired",
        "nothing half-done was saved"
    );
    // The next caller starts afresh (a new refresh, which the endpoint now answers).
    refresher.gate.add_permits(1);
    assert_eq!(token(&manager).await, "fresh-2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_in_flight_during_a_forget_does_not_cache_what_it_read() {
    let store = Arc::new(Store::default());
    store.put(expired());
    let refresher = GatedRefresher::new();
    let manager = TokenManager::new(
        store.clone(),
        refresher.clone(),
        TokenManagerConfig::default(),
    );
    let waiter = tokio::spawn({
        let manager = manager.clone();
        async move { token(&manager).await }
    });
    eventually("the refresh starting", || refresher.calls() == 1).await;
    // A disconnect (or reconnect) forgets the key while the refresh runs.
    manager.forget(&key());
    refresher.gate.add_permits(1);
    assert_eq!(waiter.await.unwrap(), "fresh-1");
    assert_eq!(manager.cached_len(), 0, "the flight kept out of the cache");
    store.put(fresh("new-account"));
    assert_eq!(token(&manager).await, "new-account");
}

#[tokio::test(start_paused = true)]
async fn another_instances_reconnect_is_seen_within_revalidate_every() {
    let store = Arc::new(Store::default());
    store.put(fresh("old-account"));
    let refresher = GatedRefresher::new();
    let every = Duration::from_secs(10);
    let config = TokenManagerConfig::default().with_revalidate_every(every);
    let manager = TokenManager::new(store.clone(), refresher.clone(), config);
    assert_eq!(token(&manager).await, "old-account");
    // Another instance reconnects the tenant to another account: a new record in the store.
    store.put(fresh("new-account"));
    tokio::time::advance(every / 2).await;
    assert_eq!(
        token(&manager).await,
        "old-account",
        "cached within the bound"
    );
    tokio::time::advance(every / 2).await;
    assert_eq!(token(&manager).await, "new-account", "re-read at the bound");
    assert_eq!(refresher.calls(), 0, "the re-read needed no refresh");
}
