//! Get and save per backend: `cargo bench -p meetschedify-testkit --bench stores`.
//!
//! Not a test: it prints numbers and asserts nothing about speed. PostgreSQL and Redis are
//! measured when `MEETSCHEDIFY_TEST_POSTGRES_URL` / `MEETSCHEDIFY_TEST_REDIS_URL` are set.

use std::sync::Arc;
use std::time::{Duration, Instant};

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{SaveCondition, TokenKey, TokenRecord, TokenStore};

const OPS: usize = 2_000;
const TASKS: usize = 16;

fn record(i: usize) -> TokenRecord {
    TokenRecord::new(format!("ya29.bench-access-token-{i:08}"))
        .with_refresh_token("1//bench-refresh-token")
        .with_expires_at(Timestamp::now())
        .with_scopes(vec![
            "https://www.googleapis.com/auth/calendar.events".into()
        ])
}

fn line(backend: &str, op: &str, n: usize, took: Duration) {
    let per = took.as_secs_f64() * 1e6 / n as f64;
    let rate = n as f64 / took.as_secs_f64();
    println!("| {backend} | {op} | {per:.1} µs | {rate:.0} ops/s |");
}

async fn bench(backend: &str, store: Arc<dyn TokenStore>) {
    let run = meetschedify_testkit::unique_prefix("bench");
    let keys: Vec<TokenKey> = (0..100)
        .map(|i| TokenKey::new(format!("{run}-{i}"), "google_meet"))
        .collect();
    // Sequential save (unconditional overwrite) and get: one caller's latency.
    let start = Instant::now();
    for i in 0..OPS {
        store
            .save(&keys[i % keys.len()], &record(i), SaveCondition::Always)
            .await
            .unwrap();
    }
    line(backend, "save (1 caller)", OPS, start.elapsed());
    let start = Instant::now();
    for i in 0..OPS {
        store.get(&keys[i % keys.len()]).await.unwrap().unwrap();
    }
    line(backend, "get (1 caller)", OPS, start.elapsed());
    // Compare-and-swap saves and gets from many tasks at once, each on its own keys.
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (store, keys) = (Arc::clone(&store), keys.clone());
        tasks.push(tokio::spawn(async move {
            for i in (t..OPS).step_by(TASKS) {
                // Six keys per task (16 x 6 < 100): no task contends with another.
                let key = &keys[t * 6 + (i / TASKS) % 6];
                let current = store.get(key).await.unwrap();
                let _ = store
                    .save(key, &record(i), SaveCondition::unchanged(current.as_ref()))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    line(
        backend,
        &format!("get + CAS save ({TASKS} tasks)"),
        OPS,
        start.elapsed(),
    );
    for key in &keys {
        store.delete(key).await.unwrap();
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("| backend | operation | mean | throughput |");
        println!("|---|---|---|---|");
        bench(
            "memory",
            Arc::new(meetschedify_core::MemoryTokenStore::new()),
        )
        .await;
        bench(
            "sqlite (memory)",
            Arc::new(
                meetschedify_store_sqlite::SqliteTokenStore::in_memory()
                    .await
                    .unwrap(),
            ),
        )
        .await;
        let keys = meetschedify_store_encrypted::TokenKeys::new()
            .with_key("bench", &[7; 32])
            .unwrap();
        let inner = Arc::new(
            meetschedify_store_sqlite::SqliteTokenStore::in_memory()
                .await
                .unwrap(),
        );
        bench(
            "encrypted sqlite (memory)",
            Arc::new(meetschedify_store_encrypted::EncryptedTokenStore::new(inner, keys).unwrap()),
        )
        .await;
        let path = std::env::temp_dir().join(format!(
            "{}.db",
            meetschedify_testkit::unique_prefix("bench")
        ));
        bench(
            "sqlite (file, WAL)",
            Arc::new(
                meetschedify_store_sqlite::SqliteTokenStore::open(&path)
                    .await
                    .unwrap(),
            ),
        )
        .await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        if let Ok(url) = std::env::var("MEETSCHEDIFY_TEST_POSTGRES_URL") {
            let prefix = meetschedify_testkit::unique_table_prefix("bench");
            let store = meetschedify_store_postgres::PostgresTokenStore::builder()
                .with_url(url)
                .with_table_prefix(&prefix)
                .build()
                .await
                .unwrap();
            bench("postgres", Arc::new(store.clone())).await;
            // Best effort: a bench leaves no tables behind, but does not fail over them.
            let pool = store.pool();
            let _ = meetschedify_testkit::drop_sql_tables(&prefix, |sql| async move {
                sqlx::query(&sql).execute(pool).await
            })
            .await;
        }
        if let Ok(url) = std::env::var("MEETSCHEDIFY_TEST_REDIS_URL") {
            let store = meetschedify_store_redis::RedisTokenStore::builder()
                .with_url(url)
                .with_key_prefix(format!("{}:", meetschedify_testkit::unique_prefix("bench")))
                .build()
                .await
                .unwrap();
            bench("redis", Arc::new(store)).await;
        }
    });
}
