//! The subscription-store suite against SQLite: the store the token store hands out, in memory
//! and over a file shared by separate pools (separate instances).

use std::sync::Arc;

use meetschedify_core::webhooks::SubscriptionStore;
use meetschedify_core::TokenStore;
use meetschedify_store_sqlite::SqliteTokenStore;
use meetschedify_testkit as kit;

struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("{}.db", kit::unique_prefix("sqlite-subs"))))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// A separate instance over the file: the subscription store its token store hands out, as a
/// provider built over the token store gets it.
async fn instance(path: std::path::PathBuf) -> Arc<dyn SubscriptionStore> {
    let store = SqliteTokenStore::open(path).await.unwrap();
    TokenStore::subscription_store(&store).expect("sqlite is a subscription store")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_passes_the_subscription_suite() {
    let store = SqliteTokenStore::in_memory().await.unwrap();
    // In memory, "another instance" can only be the same store.
    let subs = TokenStore::subscription_store(&store).expect("sqlite is a subscription store");
    kit::run_subscription_conformance(|| std::future::ready(Arc::clone(&subs)))
        .await
        .assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_shared_by_separate_pools_passes_the_subscription_suite() {
    let db = TempDb::new();
    let path = db.0.clone();
    kit::run_subscription_conformance(|| instance(path.clone()))
        .await
        .assert_all_passed();
}

#[tokio::test]
async fn the_queries_use_the_subscription_indexes() {
    use sqlx::Row;
    let store = SqliteTokenStore::in_memory().await.unwrap();
    for (query, index) in [
        (
            "SELECT id FROM meetschedify_subscriptions WHERE provider_id = 'p' AND tenant_id = 't'",
            "meetschedify_subscriptions_by_tenant",
        ),
        (
            "SELECT id FROM meetschedify_subscriptions WHERE provider_id = 'p' AND expires_at_ms < 5",
            "meetschedify_subscriptions_by_expiry",
        ),
    ] {
        let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {query}"))
            .fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<String, _>("detail"))
            .collect();
        assert!(
            plan.iter().any(|step| step.contains(index)),
            "{query}: {plan:?}"
        );
    }
}
