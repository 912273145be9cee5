//! The testkit suite against an in-memory database and against a file shared by separate pools.

use std::sync::Arc;

use meetschedify_core::{ErrorCode, SaveCondition, TokenKey, TokenRecord, TokenStore};
use meetschedify_store_sqlite::SqliteTokenStore;
use meetschedify_testkit as kit;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_passes_the_suite() {
    let store: Arc<dyn TokenStore> = Arc::new(SqliteTokenStore::in_memory().await.unwrap());
    // In memory, "another instance" can only be a clone sharing the one connection.
    kit::run_all(|| std::future::ready(Arc::clone(&store)))
        .await
        .assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_passes_the_idempotency_suite() {
    let store = Arc::new(SqliteTokenStore::in_memory().await.unwrap());
    let shared: Arc<dyn meetschedify_core::IdempotencyStore> = store.clone();
    kit::run_idempotency(|| std::future::ready(Arc::clone(&shared)))
        .await
        .assert_all_passed();
    // Purging removes what has expired and nothing else.
    let key = meetschedify_core::IdempotencyKey::new(kit::unique_prefix("purge"), "zoom", "k");
    let short = std::time::Duration::from_millis(50);
    shared.claim(&key, "fp", "h", short, short).await.unwrap();
    let before = store.purge_expired_idempotency_records().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let after = store.purge_expired_idempotency_records().await.unwrap();
    assert_eq!((before, after), (0, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_shared_by_separate_pools_passes_the_idempotency_suite() {
    let db = TempDb::new();
    let path = db.0.clone();
    let report = kit::run_idempotency(|| {
        let path = path.clone();
        async move {
            Arc::new(SqliteTokenStore::open(path).await.unwrap())
                as Arc<dyn meetschedify_core::IdempotencyStore>
        }
    })
    .await;
    report.assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_shared_by_separate_pools_is_a_single_use_nonce_store() {
    let db = TempDb::new();
    let mut stores = Vec::new();
    for _ in 0..3 {
        let store = SqliteTokenStore::open(db.0.clone()).await.unwrap();
        // The token store hands out its nonce store: the one the Google provider picks up.
        stores.push(TokenStore::nonce_store(&store).expect("sqlite is a nonce store"));
    }
    kit::nonces_are_single_use(&stores).await.unwrap();
}

struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("{}.db", kit::unique_prefix("sqlite"))))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_shared_by_separate_pools_passes_the_suite() {
    let db = TempDb::new();
    let path = db.0.clone();
    let report = kit::run_all(|| {
        let path = path.clone();
        async move { Arc::new(SqliteTokenStore::open(path).await.unwrap()) as Arc<dyn TokenStore> }
    })
    .await;
    report.assert_all_passed();
}

#[tokio::test]
async fn records_survive_reopening_and_migrations_run_once() {
    let db = TempDb::new();
    let key = TokenKey::new("tenant", "google_meet");
    {
        let store = SqliteTokenStore::open(&db.0).await.unwrap();
        store
            .save(&key, &TokenRecord::new("kept"), SaveCondition::Absent)
            .await
            .unwrap();
        store.pool().close().await;
    }
    let store = SqliteTokenStore::open(&db.0).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.get(&key).await.unwrap().map(|r| r.version), Some(1));
    let applied: i64 = sqlx_count(&store).await;
    assert_eq!(applied, 13, "each migration is recorded once");
}

async fn sqlx_count(store: &SqliteTokenStore) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) AS n FROM meetschedify_schema_version")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get("n")
}

#[tokio::test]
async fn table_prefixes_keep_stores_apart_and_bad_prefixes_are_refused() {
    let db = TempDb::new();
    let a = SqliteTokenStore::builder()
        .with_path(&db.0)
        .with_table_prefix("app_a_")
        .build()
        .await
        .unwrap();
    let b = SqliteTokenStore::builder()
        .with_path(&db.0)
        .with_table_prefix("app_b_")
        .build()
        .await
        .unwrap();
    let key = TokenKey::new("tenant", "zoom");
    a.save(&key, &TokenRecord::new("a"), SaveCondition::Always)
        .await
        .unwrap();
    assert!(b.get(&key).await.unwrap().is_none());
    assert_eq!(a.tokens_table(), "app_a_tokens");

    for bad in ["x; DROP TABLE y", "1abc", "a-b"] {
        let err = SqliteTokenStore::builder()
            .with_in_memory()
            .with_table_prefix(bad)
            .build()
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert_eq!(err.field(), Some("table_prefix"));
    }
    let err = SqliteTokenStore::builder().build().await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
}

/// That `Debug` shows no token is the suite's `debug_shows_no_token`, run by the tests above.
#[tokio::test]
async fn a_corrupt_row_is_a_typed_error() {
    let store = SqliteTokenStore::in_memory().await.unwrap();
    let checked = kit::corrupt_record_is_an_error(&store, "not valid", async |_| {
        sqlx::query("UPDATE meetschedify_tokens SET data = '{not json'")
            .execute(store.pool())
            .await
            .unwrap();
    })
    .await;
    assert_eq!(checked, Ok(kit::Outcome::Passed));
}
