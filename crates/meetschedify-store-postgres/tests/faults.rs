//! A database that goes away mid-run gives typed errors and the store recovers when it returns.
//! The store reaches PostgreSQL through a loopback proxy the test switches off, so the shared
//! server is never touched; a second part kills the store's server connections outright.

mod common;

use std::time::Duration;

use meetschedify_core::{TokenKey, TokenStore};
use meetschedify_store_postgres::PostgresTokenStore;
use meetschedify_testkit::proxy::TcpProxy;
use meetschedify_testkit::{self as kit, CutExpectations};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_database_gives_typed_errors_and_recovers() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let (proxy, proxied_url) = TcpProxy::in_front_of(&url, 5432).await.unwrap();
    let app = format!("faults-{prefix}");
    let store = PostgresTokenStore::builder()
        .with_url(proxied_url)
        .with_application_name(&app)
        .with_table_prefix(&prefix)
        .with_acquire_timeout(Duration::from_millis(500))
        .build()
        .await
        .unwrap();
    // The pool replaces its dead connections when it hands them out, so the very first call
    // after the restore must work (no recovery time).
    let expect = CutExpectations::new().with_get_error_prefix("postgres get failed");
    assert_eq!(
        kit::cut_and_restore(&store, &proxy, &expect).await,
        Ok(kit::Outcome::Passed)
    );

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
    let key = TokenKey::new("tenant", "google_meet");
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
