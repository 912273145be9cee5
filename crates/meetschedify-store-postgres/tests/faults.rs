//! A database that goes away mid-run gives typed errors and the store recovers when it returns.
//! The store reaches PostgreSQL through a loopback proxy the test switches off, so the shared
//! server is never touched; a second part kills the store's server connections outright.

mod common;

use std::net::ToSocketAddrs;
use std::time::Duration;

use meetschedify_core::{ErrorCode, SaveCondition, SaveOutcome, TokenKey, TokenRecord, TokenStore};
use meetschedify_store_postgres::PostgresTokenStore;
use meetschedify_testkit::proxy::TcpProxy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_database_gives_typed_errors_and_recovers() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let mut parsed = url::Url::parse(&url).unwrap();
    let target = (
        parsed.host_str().unwrap().to_owned(),
        parsed.port().unwrap_or(5432),
    )
        .to_socket_addrs()
        .unwrap()
        .next()
        .unwrap();
    let proxy = TcpProxy::start(target).await.unwrap();
    parsed.set_host(Some("127.0.0.1")).unwrap();
    parsed.set_port(Some(proxy.addr().port())).unwrap();
    let app = format!("faults-{prefix}");
    let store = PostgresTokenStore::builder()
        .with_url(parsed.as_str())
        .with_application_name(&app)
        .with_table_prefix(&prefix)
        .with_acquire_timeout(Duration::from_millis(500))
        .build()
        .await
        .unwrap();
    let key = TokenKey::new("tenant", "google_meet");
    store
        .save(&key, &TokenRecord::new("before"), SaveCondition::Absent)
        .await
        .unwrap();

    proxy.down();
    let err = store.get(&key).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenStoreError);
    assert!(err.is_retryable());
    assert!(err.message().starts_with("postgres get failed"), "{err}");
    let err = store
        .save(&key, &TokenRecord::new("during"), SaveCondition::Version(1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenStoreError);
    let err = store
        .try_acquire_lease(&key, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenStoreError);

    proxy.up();
    // The pool replaces its dead connections by itself; no partial write happened meanwhile.
    let back = store.get(&key).await.unwrap().unwrap();
    assert_eq!(back.version, 1);
    let saved = store
        .save(&key, &TokenRecord::new("after"), SaveCondition::Version(1))
        .await
        .unwrap();
    assert_eq!(saved, SaveOutcome::Saved { version: 2 });

    // Server-side kill of this store's connections (told apart by their application name):
    // calls after it succeed once the pool has replaced them.
    let admin = common::store(&url, &prefix).await;
    let killed: i64 = sqlx::query_scalar(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1",
    )
    .bind(&app)
    .fetch_one(admin.pool())
    .await
    .unwrap();
    assert!(killed >= 1, "no connection of the store was found to kill");
    let mut recovered = false;
    for _ in 0..3 {
        if store.get(&key).await.is_ok() {
            recovered = true;
            break;
        }
    }
    assert!(
        recovered,
        "the store did not recover after its connections were killed"
    );
    common::drop_tables(&admin, &prefix).await;
}
