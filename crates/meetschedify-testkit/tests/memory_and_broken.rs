//! The suite passes on the memory store, and each check fails on a store broken in the way it
//! guards against (so no check passes vacuously).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    async_trait, DeleteOutcome, Lease, MemoryTokenStore, ProviderId, Result, SaveCondition,
    SaveOutcome, TokenKey, TokenLeases, TokenRecord, TokenStore,
};
use meetschedify_testkit as kit;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_passes_everything() {
    let shared: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    kit::run_all(|| std::future::ready(Arc::clone(&shared)))
        .await
        .assert_all_passed();
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    IgnoreCondition,
    IgnoreProvider,
    TruncateTenant,
    MillisecondExpiry,
    DropRefreshToken,
    KeepOldFieldsOnOverwrite,
    DeleteMissingErrors,
    KeepVersionFromRecord,
    SharedLease,
    EternalLease,
    ReleaseAnyLease,
    NotShared,
    InventsRecords,
    LeaksTokensInDebug,
    /// Versions start again at 1 after a delete (the ABA hole).
    RestartVersionsAfterDelete,
    /// `delete_if` deletes whatever version is stored.
    DeleteIgnoresVersion,
}

#[derive(Debug)]
struct Broken {
    inner: MemoryTokenStore,
    fault: Fault,
    last_lease: Mutex<HashMap<TokenKey, Lease>>,
    /// Every access token saved, in clear, for `LeaksTokensInDebug` (the derived `Debug`
    /// prints it).
    seen_tokens: Mutex<Vec<String>>,
    /// For `RestartVersionsAfterDelete`: per key, the inner version that reads as 0.
    base: Mutex<HashMap<TokenKey, u64>>,
}

impl Broken {
    fn new(fault: Fault) -> Self {
        Self {
            inner: MemoryTokenStore::new(),
            fault,
            last_lease: Mutex::default(),
            seen_tokens: Mutex::default(),
            base: Mutex::default(),
        }
    }
}

impl Broken {
    fn key(&self, key: &TokenKey) -> TokenKey {
        match self.fault {
            Fault::IgnoreProvider => TokenKey::new(key.tenant_id.clone(), ProviderId::ZOOM),
            Fault::TruncateTenant => {
                let t = key.tenant_id.as_str();
                let mut end = t.len().min(255);
                while !t.is_char_boundary(end) {
                    end -= 1;
                }
                TokenKey::new(&t[..end], key.provider_id.clone())
            }
            _ => key.clone(),
        }
    }

    fn base(&self, key: &TokenKey) -> u64 {
        self.base.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

#[async_trait]
impl TokenStore for Broken {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        let got = self.inner.get(&self.key(key)).await?;
        if self.fault == Fault::InventsRecords && got.is_none() {
            return Ok(Some(TokenRecord::new("ghost")));
        }
        let base = self.base(&self.key(key));
        Ok(got.map(|mut r| {
            r.version -= base;
            if self.fault == Fault::MillisecondExpiry {
                r.expires_at = r
                    .expires_at
                    .map(|t| Timestamp::from_millisecond(t.as_millisecond()).unwrap());
            }
            if self.fault == Fault::DropRefreshToken {
                r.refresh_token = None;
            }
            r
        }))
    }

    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        let key = self.key(key);
        if self.fault == Fault::LeaksTokensInDebug {
            let token = record.access_token.expose_secret().to_owned();
            self.seen_tokens.lock().unwrap().push(token);
        }
        let mut record = record.clone();
        if self.fault == Fault::KeepOldFieldsOnOverwrite {
            if let Some(old) = self.inner.get(&key).await? {
                if record.refresh_token.is_none() {
                    record.refresh_token = old.refresh_token;
                }
            }
        }
        let base = self.base(&key);
        let condition = match condition {
            _ if self.fault == Fault::IgnoreCondition => SaveCondition::Always,
            SaveCondition::Version(v) => SaveCondition::Version(v + base),
            other => other,
        };
        // Yield so racers interleave between the read above and the write.
        tokio::task::yield_now().await;
        let outcome = match self.inner.save(&key, &record, condition).await? {
            SaveOutcome::Saved { version } => SaveOutcome::Saved {
                version: version - base,
            },
            other => other,
        };
        if self.fault == Fault::KeepVersionFromRecord {
            if let SaveOutcome::Saved { .. } = outcome {
                return Ok(SaveOutcome::Saved {
                    version: record.version,
                });
            }
        }
        Ok(outcome)
    }

    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome> {
        if self.fault == Fault::DeleteMissingErrors && self.inner.get(key).await?.is_none() {
            return Err(meetschedify_core::Error::new(
                meetschedify_core::ErrorCode::TokenStoreError,
                "no such key",
            ));
        }
        let key = self.key(key);
        let base = self.base(&key);
        let condition = match condition {
            _ if self.fault == Fault::DeleteIgnoresVersion => SaveCondition::Always,
            SaveCondition::Version(v) => SaveCondition::Version(v + base),
            other => other,
        };
        let before = self.inner.get(&key).await?;
        let outcome = self.inner.delete_if(&key, condition).await?;
        if let (Fault::RestartVersionsAfterDelete, DeleteOutcome::Deleted, Some(before)) =
            (self.fault, outcome, before)
        {
            // The inner tombstone is `before.version + 1`: make the next save read as version 1.
            self.base.lock().unwrap().insert(key, before.version + 1);
        }
        Ok(outcome)
    }

    fn leases(&self) -> Option<&dyn TokenLeases> {
        Some(self)
    }
}

#[async_trait]
impl TokenLeases for Broken {
    async fn try_acquire_lease(&self, key: &TokenKey, ttl: Duration) -> Result<Option<Lease>> {
        match self.fault {
            Fault::SharedLease => Ok(Some(Lease::new(
                key.clone(),
                "everyone",
                Timestamp::now() + ttl,
            ))),
            Fault::EternalLease => {
                self.inner
                    .try_acquire_lease(key, Duration::from_secs(3600))
                    .await
            }
            _ => {
                let got = self.inner.try_acquire_lease(key, ttl).await?;
                if let Some(l) = &got {
                    self.last_lease
                        .lock()
                        .unwrap()
                        .insert(key.clone(), l.clone());
                }
                Ok(got)
            }
        }
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        if self.fault == Fault::ReleaseAnyLease {
            // Releases whoever holds the key now, not just this holder.
            let current = self.last_lease.lock().unwrap().get(&lease.key).cloned();
            if let Some(current) = current {
                return self.inner.release_lease(&current).await;
            }
        }
        self.inner.release_lease(lease).await
    }
}

async fn failures_with(fault: Fault) -> Vec<&'static str> {
    let shared: Arc<dyn TokenStore> = Arc::new(Broken::new(fault));
    let report = kit::run_all(|| {
        let s = if fault == Fault::NotShared {
            Arc::new(Broken::new(fault)) as Arc<dyn TokenStore>
        } else {
            Arc::clone(&shared)
        };
        async move { s }
    })
    .await;
    report.failed.iter().map(|f| f.check).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_catches_the_fault_it_guards_against() {
    let cases = [
        (Fault::IgnoreCondition, "version_race_has_one_winner"),
        (Fault::IgnoreCondition, "absent_race_has_one_winner"),
        (Fault::IgnoreCondition, "stale_version_refused"),
        (Fault::IgnoreProvider, "tenant_isolation"),
        (Fault::TruncateTenant, "tenant_isolation"),
        (Fault::MillisecondExpiry, "expiry_round_trips_in_utc"),
        (Fault::MillisecondExpiry, "round_trip"),
        (Fault::DropRefreshToken, "round_trip"),
        (Fault::KeepOldFieldsOnOverwrite, "overwrite"),
        (Fault::DeleteMissingErrors, "delete_missing_is_fine"),
        (Fault::KeepVersionFromRecord, "round_trip"),
        (Fault::SharedLease, "lease_exclusivity"),
        (Fault::SharedLease, "lease_expiry"),
        (Fault::EternalLease, "lease_expiry"),
        (Fault::ReleaseAnyLease, "lease_exclusivity"),
        (Fault::NotShared, "two_instances_share_state"),
        (Fault::InventsRecords, "missing_is_none"),
        (Fault::LeaksTokensInDebug, "debug_shows_no_token"),
        (
            Fault::RestartVersionsAfterDelete,
            "versions_never_repeat_across_deletes",
        ),
        (
            Fault::DeleteIgnoresVersion,
            "conditional_delete_refuses_a_stale_version",
        ),
    ];
    // All at once: each run sleeps through a lease expiry.
    let runs: Vec<_> = cases
        .iter()
        .map(|(fault, _)| tokio::spawn(failures_with(*fault)))
        .collect();
    for ((fault, check), run) in cases.into_iter().zip(runs) {
        let failed = run.await.unwrap();
        assert!(
            failed.contains(&check),
            "{check} did not catch {fault:?} (failed: {failed:?})"
        );
    }
}

/// A store without leases: the memory store with its `leases()` hidden.
#[derive(Debug, Default)]
struct NoLeases(MemoryTokenStore);

#[async_trait]
impl TokenStore for NoLeases {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        self.0.get(key).await
    }

    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        self.0.save(key, record, condition).await
    }

    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome> {
        self.0.delete_if(key, condition).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_without_leases_skips_the_lease_checks_and_says_so() {
    let shared: Arc<dyn TokenStore> = Arc::new(NoLeases::default());
    let report = kit::run_all(|| std::future::ready(Arc::clone(&shared))).await;
    report.assert_ok();
    let skipped: Vec<_> = report.skipped.iter().map(|(check, _)| *check).collect();
    assert_eq!(skipped, ["lease_exclusivity", "lease_expiry"], "{report}");
    assert!(report.to_string().contains("skipped lease_exclusivity"));
    // A store that should have leases cannot pass the strict assertion by losing them.
    let strict = std::panic::catch_unwind(|| report.assert_all_passed());
    assert!(
        strict.is_err(),
        "assert_all_passed accepted skipped lease checks"
    );
}

#[tokio::test]
async fn checks_can_be_called_one_by_one() {
    // Direct calls work without run_all and name no check.
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    assert_eq!(kit::missing_is_none(&store).await, Ok(kit::Outcome::Passed));
    let failure = kit::CheckFailure::new("x");
    assert_eq!(failure.to_string(), "x");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_idempotency_store_passes_everything() {
    use meetschedify_core::{IdempotencyStore, MemoryIdempotencyStore};
    let shared: Arc<dyn IdempotencyStore> = Arc::new(MemoryIdempotencyStore::new());
    let report = kit::run_idempotency(|| std::future::ready(Arc::clone(&shared))).await;
    report.assert_all_passed();
    assert_eq!(report.passed, kit::IDEMPOTENCY_CHECKS);
}

/// An idempotency store that forgets every running create: two claims both acquire, so the
/// in-flight and race checks must fail (the suite is not vacuous).
#[derive(Debug, Default)]
struct ForgetsRunning(meetschedify_core::MemoryIdempotencyStore);

#[async_trait]
impl meetschedify_core::IdempotencyStore for ForgetsRunning {
    async fn claim(
        &self,
        key: &meetschedify_core::IdempotencyKey,
        fingerprint: &str,
        holder: &str,
        lease: Duration,
        ttl: Duration,
    ) -> Result<meetschedify_core::Claim> {
        let claim = self.0.claim(key, fingerprint, holder, lease, ttl).await?;
        if matches!(claim, meetschedify_core::Claim::InFlight { .. }) {
            return Ok(meetschedify_core::Claim::Acquired);
        }
        Ok(claim)
    }
    async fn renew(
        &self,
        key: &meetschedify_core::IdempotencyKey,
        holder: &str,
        lease: Duration,
    ) -> Result<bool> {
        self.0.renew(key, holder, lease).await
    }
    async fn complete(
        &self,
        key: &meetschedify_core::IdempotencyKey,
        holder: &str,
        outcome: &str,
        ttl: Duration,
    ) -> Result<()> {
        self.0.complete(key, holder, outcome, ttl).await
    }
    async fn release(&self, key: &meetschedify_core::IdempotencyKey, holder: &str) -> Result<()> {
        self.0.release(key, holder).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_store_that_forgets_running_creates_fails_the_suite() {
    use meetschedify_core::IdempotencyStore;
    let shared: Arc<dyn IdempotencyStore> = Arc::new(ForgetsRunning::default());
    let report = kit::run_idempotency(|| std::future::ready(Arc::clone(&shared))).await;
    let failed: Vec<_> = report.failed.iter().map(|f| f.check).collect();
    for check in [
        "claim_then_in_flight",
        "release_frees_the_key",
        "lapsed_lease_is_taken_over",
        "renew_keeps_the_lease",
        "claim_race_has_one_winner",
    ] {
        assert!(failed.contains(&check), "{check} passed: {report}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_nonce_store_is_single_use() {
    let store: Arc<dyn meetschedify_core::NonceStore> =
        Arc::new(meetschedify_core::MemoryNonceStore::new());
    kit::nonces_are_single_use(&[store]).await.unwrap();
}

/// A nonce store that forgets: the check must fail on it.
#[derive(Debug)]
struct Forgetful;

#[async_trait]
impl meetschedify_core::NonceStore for Forgetful {
    async fn consume(&self, _nonce: &str, _expires_at: Timestamp) -> Result<bool> {
        Ok(true)
    }
}

#[tokio::test]
async fn a_nonce_store_that_forgets_fails_the_check() {
    let store: Arc<dyn meetschedify_core::NonceStore> = Arc::new(Forgetful);
    assert!(kit::nonces_are_single_use(&[store]).await.is_err());
}
