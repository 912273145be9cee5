//! [`SqliteTokenStore`]: the `TokenStore` implementation, SQLite's dialect of the shared SQL.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::hosts::{HostLedger, LedgerChanges, LedgerQuery, LedgerView};
use meetschedify_core::jiff::Timestamp;
use meetschedify_core::webhooks::SubscriptionStore;
use meetschedify_core::{
    async_trait, Claim, DeleteOutcome, IdempotencyKey, IdempotencyStore, NonceStore, Result,
    SaveCondition, SaveOutcome, TokenKey, TokenLeases, TokenRecord, TokenStore,
};
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
    /// A builder: [`SqliteTokenStoreBuilder::new`].
    pub fn builder() -> SqliteTokenStoreBuilder {
        SqliteTokenStoreBuilder::new()
    }

    /// Opens (creating if missing) a database file and migrates it: exactly
    /// `Self::builder().with_path(path).build().await`.
    pub async fn open(path: impl Into<std::path::PathBuf>) -> Result<Self> {
        Self::builder().with_path(path).build().await
    }

    /// A fresh in-memory database, migrated: exactly
    /// `Self::builder().with_in_memory().build().await`.
    pub async fn in_memory() -> Result<Self> {
        Self::builder().with_in_memory().build().await
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

// The traits forward to the shared implementation on `SqlTokenStore` (leases, nonces, the host
// ledger and the subscription store included: this store's `leases()` is the inner store's).
#[async_trait]
impl TokenStore for SqliteTokenStore {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        TokenStore::get(&self.inner, key).await
    }

    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        TokenStore::save(&self.inner, key, record, condition).await
    }

    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome> {
        TokenStore::delete_if(&self.inner, key, condition).await
    }

    fn leases(&self) -> Option<&dyn TokenLeases> {
        self.inner.leases()
    }

    fn nonce_store(&self) -> Option<Arc<dyn NonceStore>> {
        self.inner.nonce_store()
    }

    fn host_ledger(&self) -> Option<Arc<dyn HostLedger>> {
        self.inner.host_ledger()
    }

    fn subscription_store(&self) -> Option<Arc<dyn SubscriptionStore>> {
        self.inner.subscription_store()
    }
}

#[async_trait]
impl HostLedger for SqliteTokenStore {
    async fn transact(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()> {
        HostLedger::transact(&self.inner, query, decide).await
    }
}

#[async_trait]
impl NonceStore for SqliteTokenStore {
    async fn consume(&self, nonce: &str, expires_at: Timestamp) -> Result<bool> {
        self.inner.consume(nonce, expires_at).await
    }
}

#[async_trait]
impl IdempotencyStore for SqliteTokenStore {
    async fn claim(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        holder: &str,
        lease: Duration,
        ttl: Duration,
    ) -> Result<Claim> {
        self.inner.claim(key, fingerprint, holder, lease, ttl).await
    }

    async fn renew(&self, key: &IdempotencyKey, holder: &str, lease: Duration) -> Result<bool> {
        self.inner.renew(key, holder, lease).await
    }

    async fn complete(
        &self,
        key: &IdempotencyKey,
        holder: &str,
        outcome: &str,
        ttl: Duration,
    ) -> Result<()> {
        self.inner.complete(key, holder, outcome, ttl).await
    }

    async fn release(&self, key: &IdempotencyKey, holder: &str) -> Result<()> {
        self.inner.release(key, holder).await
    }
}
