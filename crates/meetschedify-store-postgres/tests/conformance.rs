//! The testkit suite against a real PostgreSQL, each instance with its own pool.

mod common;

use std::sync::Arc;

use meetschedify_core::TokenStore;
use meetschedify_store_postgres::PostgresTokenStore;
use meetschedify_testkit as kit;

/// A separate instance under the run's prefix. It takes owned arguments because the future a
/// `run_all` closure returns cannot borrow from the closure.
async fn instance(url: String, prefix: String) -> Arc<dyn TokenStore> {
    Arc::new(common::store(&url, &prefix).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_suite() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let report = kit::run_all(|| instance(url.clone(), prefix.clone())).await;
    let cleanup = common::store(&url, &prefix).await;
    common::drop_tables(&cleanup, &prefix).await;
    report.assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_idempotency_suite() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let report = kit::run_idempotency(|| {
        let (url, prefix) = (url.clone(), prefix.clone());
        async move {
            Arc::new(common::store(&url, &prefix).await)
                as Arc<dyn meetschedify_core::IdempotencyStore>
        }
    })
    .await;
    let cleanup = common::store(&url, &prefix).await;
    let key = meetschedify_core::IdempotencyKey::new(kit::unique_prefix("purge"), "zoom", "k");
    let short = std::time::Duration::from_millis(50);
    meetschedify_core::IdempotencyStore::claim(&cleanup, &key, "fp", "h", short, short)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let purged = cleanup.purge_expired_idempotency_records().await.unwrap();
    common::drop_tables(&cleanup, &prefix).await;
    report.assert_all_passed();
    assert_eq!(purged, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_share_a_single_use_nonce_store() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let mut stores = Vec::new();
    for _ in 0..3 {
        let store = common::store(&url, &prefix).await;
        stores.push(TokenStore::nonce_store(&store).expect("postgres is a nonce store"));
    }
    let result = kit::nonces_are_single_use(&stores).await;
    let cleanup = common::store(&url, &prefix).await;
    common::drop_tables(&cleanup, &prefix).await;
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_from_many_instances_are_safe() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (url, prefix) = (url.clone(), prefix.clone());
        tasks.push(tokio::spawn(
            async move { common::store(&url, &prefix).await },
        ));
    }
    let mut stores = Vec::new();
    for t in tasks {
        stores.push(t.await.unwrap());
    }
    stores[0].migrate().await.unwrap();
    use sqlx::Row;
    let n: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {prefix}schema_version"))
        .fetch_one(stores[0].pool())
        .await
        .unwrap()
        .get("n");
    assert_eq!(n, 13);
    common::drop_tables(&stores[0], &prefix).await;
}

#[tokio::test]
async fn a_corrupt_row_and_a_bad_config_are_typed_errors() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let store = common::store(&url, &prefix).await;
    // That `Debug` shows no token is the suite's `debug_shows_no_token`, run above.
    let checked = kit::corrupt_record_is_an_error(&store, "not valid", async |_| {
        sqlx::query(&format!("UPDATE {prefix}tokens SET data = '{{not json'"))
            .execute(store.pool())
            .await
            .unwrap();
    })
    .await;
    assert_eq!(checked, Ok(kit::Outcome::Passed));
    // A store over an existing pool shares its tables once given the same prefix.
    let shared = PostgresTokenStore::from_pool(store.pool().clone(), &prefix).unwrap();
    shared.migrate().await.unwrap();
    assert_eq!(shared.tokens_table(), store.tokens_table());
    let err = PostgresTokenStore::from_pool(store.pool().clone(), "bad-prefix").unwrap_err();
    assert_eq!(err.field(), Some("table_prefix"));
    common::drop_tables(&store, &prefix).await;

    let err = meetschedify_store_postgres::PostgresTokenStore::builder()
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("MEETSCHEDIFY_POSTGRES_URL"));
    let builder = meetschedify_store_postgres::PostgresTokenStore::builder()
        .with_url("postgres://user:hunter2@127.0.0.1/db");
    assert!(!format!("{builder:?}").contains("hunter2"));
}
