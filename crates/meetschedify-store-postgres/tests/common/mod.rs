//! Shared set-up: the database URL from the environment and a per-run table prefix.

use meetschedify_store_postgres::PostgresTokenStore;

pub(crate) fn url() -> Option<String> {
    meetschedify_testkit::env::service_url("MEETSCHEDIFY_TEST_POSTGRES_URL")
}

/// A table prefix no other run uses, so parallel tests and reruns never collide.
pub(crate) fn prefix() -> String {
    meetschedify_testkit::unique_table_prefix("pg")
}

pub(crate) async fn store(url: &str, prefix: &str) -> PostgresTokenStore {
    PostgresTokenStore::builder()
        .with_url(url)
        .with_table_prefix(prefix)
        .with_max_connections(5)
        .build()
        .await
        .unwrap()
}

/// Drops the run's tables.
pub(crate) async fn drop_tables(store: &PostgresTokenStore, prefix: &str) {
    let pool = store.pool();
    meetschedify_testkit::drop_sql_tables(prefix, |sql| async move {
        sqlx::query(&sql).execute(pool).await
    })
    .await
    .unwrap();
}
