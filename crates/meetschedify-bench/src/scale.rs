//! Scale: many tenants with cached tokens in one process, through core's `TokenManager` over a
//! `MemoryTokenStore`. Measures resident memory per tenant and the latency of a cached lookup.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::MemoryTokenStore;
use meetschedify_core::{
    async_trait, ProviderId, Result, SaveCondition, TokenKey, TokenManager, TokenManagerConfig,
    TokenRecord, TokenRefresher, TokenStore,
};
use rand::Rng;
use serde::Serialize;

use crate::procstat;
use crate::stats::Latencies;

/// Counts refreshes; with every token fresh there must be none.
#[derive(Debug, Default)]
struct CountingRefresher {
    calls: AtomicU64,
}

#[async_trait]
impl TokenRefresher for CountingRefresher {
    async fn refresh(
        &self,
        _key: &TokenKey,
        _current: Option<&TokenRecord>,
    ) -> Result<TokenRecord> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(TokenRecord::new("ya29.refreshed").with_expires_at(
            Timestamp::now()
                .checked_add(SignedDuration::from_hours(1))
                .unwrap_or(Timestamp::MAX),
        ))
    }
}

/// What the scale run measured.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleReport {
    /// Tenants seeded and warmed.
    pub tenants: usize,
    /// Resident set before seeding, KiB.
    pub rss_start_kib: u64,
    /// After saving every record in the store, KiB.
    pub rss_seeded_kib: u64,
    /// After every token is also in the manager's cache, KiB.
    pub rss_warm_kib: u64,
    /// Bytes per tenant in the store (record, key, versions).
    pub store_bytes_per_tenant: f64,
    /// Bytes per tenant in the manager's cache.
    pub cache_bytes_per_tenant: f64,
    /// Both together.
    pub total_bytes_per_tenant: f64,
    /// Sequential cached lookups measured.
    pub lookups: usize,
    /// Median cached lookup, nanoseconds.
    pub lookup_p50_ns: u128,
    /// 99th percentile, nanoseconds.
    pub lookup_p99_ns: u128,
    /// Cached lookups per second from one task.
    pub lookups_per_sec_1_task: f64,
    /// Cached lookups per second from `tasks` tasks on the multi-threaded runtime.
    pub lookups_per_sec_many: f64,
    /// Tasks of the concurrent measurement.
    pub tasks: usize,
    /// Refreshes during the run (must be 0: every token is fresh).
    pub refreshes: u64,
}

/// A Google-sized record: a 180-character access token, a 103-character refresh token, one
/// scope, an expiry an hour ahead.
fn record(i: usize) -> TokenRecord {
    let access = format!("ya29.a0{i:0>173}");
    let refresh = format!("1//0g{i:0>98}");
    TokenRecord::new(access)
        .with_refresh_token(refresh)
        .with_scopes(vec![crate::workload::GOOGLE_SCOPE.to_owned()])
        .with_expires_at(
            Timestamp::now()
                .checked_add(SignedDuration::from_hours(1))
                .unwrap_or(Timestamp::MAX),
        )
}

fn key(i: usize) -> TokenKey {
    TokenKey::new(format!("tenant-{i:06}"), ProviderId::GOOGLE_MEET)
}

fn per_tenant(after: u64, before: u64, tenants: usize) -> f64 {
    after.saturating_sub(before) as f64 * 1024.0 / tenants.max(1) as f64
}

/// Seeds `tenants` records, warms the cache, and measures `lookups` cached lookups.
pub async fn run(tenants: usize, lookups: usize, tasks: usize) -> Result<ScaleReport> {
    let refresher = Arc::new(CountingRefresher::default());
    let store = Arc::new(MemoryTokenStore::new());
    let manager = TokenManager::new(
        Arc::clone(&store) as Arc<dyn TokenStore>,
        Arc::clone(&refresher) as Arc<dyn TokenRefresher>,
        TokenManagerConfig::default(),
    );
    let rss_start = procstat::rss_kib().unwrap_or_default();
    for i in 0..tenants {
        store
            .save(&key(i), &record(i), SaveCondition::Always)
            .await?;
    }
    let rss_seeded = procstat::rss_kib().unwrap_or_default();
    for i in 0..tenants {
        manager.access_token(&key(i)).await?;
    }
    let rss_warm = procstat::rss_kib().unwrap_or_default();

    // Keys are built before timing: a caller has its key already.
    let mut rng = rand::thread_rng();
    let picks: Vec<TokenKey> = (0..lookups)
        .map(|_| key(rng.gen_range(0..tenants.max(1))))
        .collect();
    let mut samples = Vec::with_capacity(lookups);
    let started = Instant::now();
    for k in &picks {
        let t = Instant::now();
        let token = manager.access_token(k).await?;
        samples.push(t.elapsed());
        std::hint::black_box(token);
    }
    let sequential = started.elapsed();
    let latencies = Latencies::new(samples);

    let picks = Arc::new(picks);
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let (manager, picks) = (manager.clone(), Arc::clone(&picks));
        handles.push(tokio::spawn(async move {
            for k in picks.iter().skip(t).step_by(tasks) {
                std::hint::black_box(manager.access_token(k).await?);
            }
            Ok::<_, meetschedify_core::Error>(())
        }));
    }
    for h in handles {
        h.await.map_err(|e| {
            meetschedify_core::Error::new(
                meetschedify_core::ErrorCode::ProviderError,
                e.to_string(),
            )
        })??;
    }
    let concurrent = started.elapsed();
    let ns = |d: Duration| d.as_nanos();
    Ok(ScaleReport {
        tenants,
        rss_start_kib: rss_start,
        rss_seeded_kib: rss_seeded,
        rss_warm_kib: rss_warm,
        store_bytes_per_tenant: per_tenant(rss_seeded, rss_start, tenants),
        cache_bytes_per_tenant: per_tenant(rss_warm, rss_seeded, tenants),
        total_bytes_per_tenant: per_tenant(rss_warm, rss_start, tenants),
        lookups,
        lookup_p50_ns: ns(latencies.percentile(50.0)),
        lookup_p99_ns: ns(latencies.percentile(99.0)),
        lookups_per_sec_1_task: lookups as f64 / sequential.as_secs_f64(),
        lookups_per_sec_many: lookups as f64 / concurrent.as_secs_f64(),
        tasks,
        refreshes: refresher.calls.load(Ordering::Relaxed),
    })
}
