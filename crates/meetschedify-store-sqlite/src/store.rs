//! [`SqliteTokenStore`]: the `TokenStore` implementation, SQLite's dialect of the shared SQL.

use meetschedify_core::Result;
use meetschedify_store_sql::{Clock, Dialect, MigrationLock, SqlTokenStore};
use sqlx::SqlitePool;

use crate::builder::SqliteTokenStoreBuilder;

/// What SQLite does differently from PostgreSQL.
#[derive(Debug)]
pub(crate) struct Sqlite;

impl Dialect for Sqlite {
    type Database = sqlx::Sqlite;
    const NAME: &'static str = "sqlite";
    const BIGINT: &'static str = "INTEGER";
    // The database lives in this process: its clock is the application host's anyway.
    const CLOCK: Clock = Clock::Application;
    // SQLite's file lock serialises writers, across processes too; each migration is recorded
    // idempotently, so a migrator that lost the race to another records nothing twice.
    const MIGRATION_LOCK: MigrationLock = MigrationLock::PerMigration;

    fn create_schema_table(schema: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {schema} (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)"
        )
    }

    fn record_migration(schema: &str, now: &str) -> String {
        format!(
            "INSERT INTO {schema} (version, applied_at_ms) VALUES ($1, {now}) ON CONFLICT (version) DO NOTHING"
        )
    }
}

/// Tokens in a SQLite database, with compare-and-swap and refresh leases. Cheap to clone
/// (clones share the pool).
#[derive(Clone)]
pub struct SqliteTokenStore {
    inner: SqlTokenStore<Sqlite>,
}

impl std::fmt::Debug for SqliteTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.debug_as("SqliteTokenStore", f)
    }
}

impl SqliteTokenStore {
    /// A builder.
    pub fn builder() -> SqliteTokenStoreBuilder {
        SqliteTokenStoreBuilder::new()
    }

    /// Opens (creating if missing) a database file and migrates it.
    pub async fn open(path: impl Into<std::path::PathBuf>) -> Result<Self> {
        Self::builder().with_path(path).build().await
    }

    /// A fresh in-memory database, migrated.
    pub async fn in_memory() -> Result<Self> {
        Self::builder().in_memory().build().await
    }

    pub(crate) fn from_inner(inner: SqlTokenStore<Sqlite>) -> Self {
        Self { inner }
    }

    /// The connection pool (for health checks and for reading the tables yourself).
    pub fn pool(&self) -> &SqlitePool {
        self.inner.pool()
    }

    /// The name of the tokens table.
    pub fn tokens_table(&self) -> &str {
        self.inner.tables().tokens()
    }

    /// The name of the leases table.
    pub fn leases_table(&self) -> &str {
        self.inner.tables().leases()
    }

    /// Creates or upgrades the tables; safe to run again and from several processes.
    pub async fn migrate(&self) -> Result<()> {
        self.inner.migrate().await
    }

    /// Deletes idempotency records past their time to live and says how many. Claims
    /// overwrite expired records anyway: run it now and then (daily, say) to keep the
    /// `{prefix}idempotency` table small.
    pub async fn purge_expired_idempotency_records(&self) -> Result<u64> {
        self.inner.purge_expired_idempotency_records().await
    }
}

// `TokenStore` by forwarding to the shared implementation.
meetschedify_store_sql::forward_token_store!(SqliteTokenStore => inner);
