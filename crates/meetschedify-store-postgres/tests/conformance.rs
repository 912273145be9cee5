//! The testkit suite against a real PostgreSQL, each instance with its own pool.

mod common;

use std::sync::Arc;

use meetschedify_core::{ErrorCode, SaveCondition, TokenKey, TokenRecord, TokenStore};
use meetschedify_store_postgres::PostgresTokenStore;
use meetschedify_testkit as kit;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_suite() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let report = kit::run_all(|| {
        let (url, prefix) = (url.clone(), prefix.clone());
        async move { Arc::new(common::store(&url, &prefix).await) as Arc<dyn TokenStore> }
    })
    .await;
    let cleanup = common::store(&url, &prefix).await;
    common::drop_tables(&cleanup, &prefix).await;
    report.assert_ok();
    assert_eq!(report.passed.len(), kit::CHECKS.len(), "{report}");
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
    assert_eq!(n, 2);
    common::drop_tables(&stores[0], &prefix).await;
}

#[tokio::test]
async fn a_corrupt_row_and_a_bad_config_are_typed_errors() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let store = common::store(&url, &prefix).await;
    let key = TokenKey::new("tenant", "zoom");
    store
        .save(
            &key,
            &TokenRecord::new("secret-access"),
            SaveCondition::Always,
        )
        .await
        .unwrap();
    assert!(!format!("{store:?}").contains("secret-access"));
    sqlx::query(&format!("UPDATE {prefix}tokens SET data = '{{not json'"))
        .execute(store.pool())
        .await
        .unwrap();
    let err = store.get(&key).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenStoreError);
    assert!(err.message().contains("not valid"), "{err}");
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
