//! The token manager's promises: single flight, shared failure, persist before use, re-read
//! inside the critical section, refresh ahead, and cross-process leases.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    DeleteOutcome, Error, ErrorCode, Lease, Result, SaveCondition, SaveOutcome, TokenKey,
    TokenLeases, TokenManager, TokenManagerConfig, TokenRecord, TokenRefresher, TokenStore,
};

/// A store in memory with optional leases and switchable failures.
#[derive(Debug, Default)]
struct TestStore {
    records: Mutex<HashMap<TokenKey, TokenRecord>>,
    leases: Mutex<HashMap<TokenKey, (String, Timestamp)>>,
    leases_enabled: bool,
    fail_saves: AtomicBool,
    gets: AtomicUsize,
    saves: AtomicUsize,
}

impl TestStore {
    fn with_leases() -> Self {
        Self {
            leases_enabled: true,
            ..Self::default()
        }
    }

    fn put(&self, key: &TokenKey, record: TokenRecord) {
        let mut records = self.records.lock().unwrap();
        let version = records.get(key).map_or(1, |r| r.version + 1);
        records.insert(key.clone(), record.with_version(version));
    }

    fn stored(&self, key: &TokenKey) -> Option<TokenRecord> {
        self.records.lock().unwrap().get(key).cloned()
    }
}

#[async_trait]
impl TokenStore for TestStore {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        Ok(self.stored(key))
    }

    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        if self.fail_saves.load(Ordering::SeqCst) {
            return Err(Error::new(ErrorCode::TokenStoreError, "disk full"));
        }
        let mut records = self.records.lock().unwrap();
        let current = records.get(key).map(|r| r.version);
        let ok = match condition {
            SaveCondition::Always => true,
            SaveCondition::Absent => current.is_none(),
            SaveCondition::Version(v) => current == Some(v),
            _ => false,
        };
        if !ok {
            return Ok(SaveOutcome::Conflict);
        }
        let version = current.unwrap_or(0) + 1;
        records.insert(key.clone(), record.clone().with_version(version));
        Ok(SaveOutcome::Saved { version })
    }

    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome> {
        let mut records = self.records.lock().unwrap();
        if let SaveCondition::Version(v) = condition {
            if records.get(key).map(|r| r.version) != Some(v) {
                return Ok(DeleteOutcome::Conflict);
            }
        }
        records.remove(key);
        Ok(DeleteOutcome::Deleted)
    }

    fn leases(&self) -> Option<&dyn TokenLeases> {
        self.leases_enabled.then_some(self as &dyn TokenLeases)
    }
}

#[async_trait]
impl TokenLeases for TestStore {
    async fn try_acquire_lease(&self, key: &TokenKey, ttl: Duration) -> Result<Option<Lease>> {
        let mut leases = self.leases.lock().unwrap();
        let now = Timestamp::now();
        if leases.get(key).is_some_and(|(_, exp)| *exp > now) {
            return Ok(None);
        }
        let holder = format!("h{}", rand_id());
        let expires_at = now + SignedDuration::try_from(ttl).unwrap();
        leases.insert(key.clone(), (holder.clone(), expires_at));
        Ok(Some(Lease::new(key.clone(), holder, expires_at)))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        let mut leases = self.leases.lock().unwrap();
        if leases
            .get(&lease.key)
            .is_some_and(|(h, _)| *h == lease.holder)
        {
            leases.remove(&lease.key);
        }
        Ok(())
    }
}

fn rand_id() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

/// Issues `access-N` tokens valid for an hour; can be told to fail the next calls.
#[derive(Debug, Default)]
struct CountingRefresher {
    calls: AtomicUsize,
    failures_left: AtomicUsize,
    rotate_refresh_token: bool,
    delay: Duration,
}

#[async_trait]
impl TokenRefresher for CountingRefresher {
    async fn refresh(
        &self,
        _key: &TokenKey,
        _current: Option<&TokenRecord>,
    ) -> Result<TokenRecord> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.delay).await;
        if self
            .failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |f| f.checked_sub(1))
            .is_ok()
        {
            return Err(Error::new(
                ErrorCode::GoogleTokenRefreshFailed,
                "token endpoint said 500",
            ));
        }
        let mut record = TokenRecord::new(format!("access-{n}"))
            .with_expires_at(Timestamp::now() + SignedDuration::from_secs(3600));
        if self.rotate_refresh_token {
            record = record.with_refresh_token(format!("refresh-{n}"));
        }
        Ok(record)
    }
}

fn key() -> TokenKey {
    TokenKey::new("tenant-1", "google-meet")
}

fn expired_record() -> TokenRecord {
    TokenRecord::new("old-access")
        .with_refresh_token("refresh-0")
        .with_scopes(vec!["calendar".into()])
        .with_expires_at(Timestamp::now() - SignedDuration::from_secs(10))
}

fn manager(store: &Arc<TestStore>, refresher: &Arc<CountingRefresher>) -> TokenManager {
    TokenManager::new(
        store.clone(),
        refresher.clone(),
        TokenManagerConfig::default(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_callers_on_one_expired_key_make_one_refresh() {
    let store = Arc::new(TestStore::default());
    store.put(&key(), expired_record());
    let refresher = Arc::new(CountingRefresher {
        delay: Duration::from_millis(50),
        ..Default::default()
    });
    let manager = manager(&store, &refresher);

    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let m = manager.clone();
            tokio::spawn(async move { m.access_token(&key()).await })
        })
        .collect();
    for task in tasks {
        let token = task.await.unwrap().unwrap();
        assert_eq!(token.secret().expose_secret(), "access-1");
    }
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
    assert_eq!(store.saves.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_reaches_every_waiter_and_the_next_call_retries() {
    let store = Arc::new(TestStore::default());
    store.put(&key(), expired_record());
    let refresher = Arc::new(CountingRefresher {
        delay: Duration::from_millis(50),
        failures_left: AtomicUsize::new(1),
        ..Default::default()
    });
    let manager = manager(&store, &refresher);

    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let m = manager.clone();
            tokio::spawn(async move { m.access_token(&key()).await })
        })
        .collect();
    for task in tasks {
        let err = task.await.unwrap().unwrap_err();
        assert_eq!(err.code(), ErrorCode::GoogleTokenRefreshFailed);
    }
    assert_eq!(
        refresher.calls.load(Ordering::SeqCst),
        1,
        "one refresh for all waiters"
    );

    let token = manager.access_token(&key()).await.unwrap();
    assert_eq!(token.secret().expose_secret(), "access-2");
    assert_eq!(
        refresher.calls.load(Ordering::SeqCst),
        2,
        "the next call tried again"
    );
}

#[tokio::test]
async fn a_refreshed_token_is_persisted_before_it_is_used() {
    let store = Arc::new(TestStore::default());
    store.put(&key(), expired_record());
    let refresher = Arc::new(CountingRefresher::default());
    let manager = manager(&store, &refresher);

    store.fail_saves.store(true, Ordering::SeqCst);
    let err = manager.access_token(&key()).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::TokenStoreError,
        "an unsaved token is never handed out"
    );
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);

    store.fail_saves.store(false, Ordering::SeqCst);
    let token = manager.access_token(&key()).await.unwrap();
    let stored = store.stored(&key()).unwrap();
    assert_eq!(
        stored.access_token.expose_secret(),
        token.secret().expose_secret()
    );
    assert_eq!(stored.version, 2);
    // The provider sent no new refresh token or scopes: the old ones are kept.
    assert_eq!(stored.refresh_token.unwrap().expose_secret(), "refresh-0");
    assert_eq!(stored.scopes, vec!["calendar".to_owned()]);
}

#[tokio::test]
async fn a_rotated_refresh_token_replaces_the_old_one() {
    let store = Arc::new(TestStore::default());
    store.put(&key(), expired_record());
    let refresher = Arc::new(CountingRefresher {
        rotate_refresh_token: true,
        ..Default::default()
    });
    manager(&store, &refresher)
        .access_token(&key())
        .await
        .unwrap();
    assert_eq!(
        store
            .stored(&key())
            .unwrap()
            .refresh_token
            .unwrap()
            .expose_secret(),
        "refresh-1"
    );
}

#[tokio::test]
async fn a_fresh_stored_token_is_used_without_refresh_and_then_cached() {
    let store = Arc::new(TestStore::default());
    store.put(
        &key(),
        TokenRecord::new("stored")
            .with_expires_at(Timestamp::now() + SignedDuration::from_secs(600)),
    );
    let refresher = Arc::new(CountingRefresher::default());
    let manager = manager(&store, &refresher);
    for _ in 0..5 {
        assert_eq!(
            manager
                .access_token(&key())
                .await
                .unwrap()
                .secret()
                .expose_secret(),
            "stored"
        );
    }
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        store.gets.load(Ordering::SeqCst),
        1,
        "later calls are served from the cache"
    );
    assert_eq!(manager.cached_len(), 1);
}

#[tokio::test]
async fn a_token_inside_the_refresh_ahead_window_is_refreshed() {
    let store = Arc::new(TestStore::default());
    store.put(
        &key(),
        TokenRecord::new("nearly-dead")
            .with_expires_at(Timestamp::now() + SignedDuration::from_secs(30)),
    );
    let refresher = Arc::new(CountingRefresher::default());
    let token = manager(&store, &refresher)
        .access_token(&key())
        .await
        .unwrap();
    assert_eq!(token.secret().expose_secret(), "access-1");
}

#[tokio::test]
async fn the_store_is_read_again_before_refreshing() {
    // The cache holds a token about to expire; meanwhile another instance stored a fresh one.
    let store = Arc::new(TestStore::default());
    store.put(&key(), expired_record());
    let refresher = Arc::new(CountingRefresher::default());
    let manager = manager(&store, &refresher);
    manager.access_token(&key()).await.unwrap();
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);

    let rejected = manager.access_token(&key()).await.unwrap();
    store.put(
        &key(),
        TokenRecord::new("from-other-instance")
            .with_expires_at(Timestamp::now() + SignedDuration::from_secs(3600)),
    );
    let token = manager
        .refresh_after_rejection(&key(), &rejected)
        .await
        .unwrap();
    assert_eq!(token.secret().expose_secret(), "from-other-instance");
    assert_eq!(
        refresher.calls.load(Ordering::SeqCst),
        1,
        "no refresh: the store had a good token"
    );
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_even_before_its_expiry() {
    let store = Arc::new(TestStore::default());
    store.put(&key(), expired_record());
    let refresher = Arc::new(CountingRefresher::default());
    let manager = manager(&store, &refresher);
    let first = manager.access_token(&key()).await.unwrap();
    let second = manager
        .refresh_after_rejection(&key(), &first)
        .await
        .unwrap();
    assert_eq!(second.secret().expose_secret(), "access-2");
    assert_eq!(
        manager
            .access_token(&key())
            .await
            .unwrap()
            .secret()
            .expose_secret(),
        "access-2"
    );
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_missing_record_is_handed_to_the_refresher() {
    // Zoom-style: no stored record, the refresher obtains one from client credentials.
    let store = Arc::new(TestStore::default());
    let refresher = Arc::new(CountingRefresher::default());
    let token = manager(&store, &refresher)
        .access_token(&key())
        .await
        .unwrap();
    assert_eq!(token.secret().expose_secret(), "access-1");
    assert_eq!(store.stored(&key()).unwrap().version, 1);
}

#[tokio::test]
async fn keys_are_refreshed_independently() {
    let store = Arc::new(TestStore::default());
    let refresher = Arc::new(CountingRefresher::default());
    let manager = manager(&store, &refresher);
    let a = manager
        .access_token(&TokenKey::new("a", "zoom"))
        .await
        .unwrap();
    let b = manager
        .access_token(&TokenKey::new("b", "zoom"))
        .await
        .unwrap();
    assert_ne!(a.secret().expose_secret(), b.secret().expose_secret());
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_sharing_a_leasing_store_refresh_once() {
    // Four managers stand for four processes: each has its own cache and single flight, and
    // only the store's lease keeps them from refreshing the same token four times.
    let store = Arc::new(TestStore::with_leases());
    store.put(&key(), expired_record());
    let refresher = Arc::new(CountingRefresher {
        delay: Duration::from_millis(100),
        ..Default::default()
    });
    let config = TokenManagerConfig::default().with_lease_poll(Duration::from_millis(10));
    let managers: Vec<_> = (0..4)
        .map(|_| TokenManager::new(store.clone(), refresher.clone(), config))
        .collect();

    let mut tasks = Vec::new();
    for m in &managers {
        for _ in 0..100 {
            let m = m.clone();
            tasks.push(tokio::spawn(async move { m.access_token(&key()).await }));
        }
    }
    for task in tasks {
        assert_eq!(
            task.await.unwrap().unwrap().secret().expose_secret(),
            "access-1"
        );
    }
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 1);
    assert!(
        store.leases.lock().unwrap().is_empty(),
        "the lease was released"
    );
}

#[tokio::test(start_paused = true)]
async fn waiting_on_a_lease_held_elsewhere_times_out_with_a_typed_error() {
    let store = Arc::new(TestStore::with_leases());
    store.put(&key(), expired_record());
    let _held = store
        .leases()
        .unwrap()
        .try_acquire_lease(&key(), Duration::from_secs(3600))
        .await
        .unwrap()
        .unwrap();
    let refresher = Arc::new(CountingRefresher::default());
    let config = TokenManagerConfig::default().with_lease_wait(Duration::from_secs(2));
    let manager = TokenManager::new(store.clone(), refresher.clone(), config);
    let err = manager.access_token(&key()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenStoreError);
    assert!(err.is_retryable());
    assert_eq!(refresher.calls.load(Ordering::SeqCst), 0);
}

/// Refuses every refresh as Google does for a revoked grant.
#[derive(Debug, Default)]
struct RevokedRefresher {
    calls: AtomicUsize,
}

#[async_trait]
impl TokenRefresher for RevokedRefresher {
    async fn refresh(
        &self,
        _key: &TokenKey,
        _current: Option<&TokenRecord>,
    ) -> Result<TokenRecord> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(Error::new(
            ErrorCode::GoogleAuthRevoked,
            "token has been expired or revoked",
        ))
    }
}

#[tokio::test]
async fn a_refused_refresh_token_is_marked_and_not_tried_again() {
    let store = Arc::new(TestStore::default());
    store.put(&key(), expired_record());
    let refresher = Arc::new(RevokedRefresher::default());
    let manager = TokenManager::new(
        store.clone(),
        refresher.clone(),
        TokenManagerConfig::default(),
    );

    let err = manager.access_token(&key()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::GoogleAuthRevoked);
    let stored = store.stored(&key()).unwrap();
    let revoked = stored
        .revoked
        .as_ref()
        .expect("the record is marked revoked");
    assert_eq!(revoked.code, ErrorCode::GoogleAuthRevoked);
    assert!(revoked.reason.contains("revoked"));
    assert_eq!(
        stored.refresh_token.unwrap().expose_secret(),
        "refresh-0",
        "the record is kept"
    );

    let again = manager.access_token(&key()).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::GoogleAuthRevoked);
    assert!(!again.is_retryable());
    assert_eq!(
        refresher.calls.load(Ordering::SeqCst),
        1,
        "no second call to the provider"
    );

    // A new consent overwrites the record and clears the mark.
    store.put(
        &key(),
        TokenRecord::new("new").with_expires_at(Timestamp::now() + SignedDuration::from_secs(3600)),
    );
    assert_eq!(
        manager
            .access_token(&key())
            .await
            .unwrap()
            .secret()
            .expose_secret(),
        "new"
    );
}
