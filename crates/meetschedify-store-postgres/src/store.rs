//! [`PostgresTokenStore`]: the `TokenStore` implementation, PostgreSQL's dialect of the shared
//! SQL.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::hosts::{HostLedger, LedgerChanges, LedgerQuery, LedgerView};
use meetschedify_core::jiff::Timestamp;
use meetschedify_core::webhooks::SubscriptionStore;
use meetschedify_core::{
    async_trait, Claim, DeleteOutcome, IdempotencyKey, IdempotencyStore, NonceStore, Result,
    SaveCondition, SaveOutcome, TokenKey, TokenLeases, TokenRecord, TokenStore,
};
use meetschedify_store_sql::{Clock, Dialect, MigrationLock, SqlTokenStore, Tables};
use sqlx::PgPool;

use crate::builder::PostgresTokenStoreBuilder;

/// What PostgreSQL does differently from SQLite.
#[derive(Debug)]
pub(crate) struct Postgres;

impl Dialect for Postgres {
    type Database = sqlx::Postgres;
    const NAME: &'static str = "postgres";
    const BIGINT: &'static str = "BIGINT";
    // The database's own clock in milliseconds: lease expiry is judged by one clock however
    // many application hosts (with however skewed clocks) share the database.
    const CLOCK: Clock = Clock::Database("(extract(epoch from clock_timestamp()) * 1000)::bigint");
    // Instances that start together queue on an advisory lock held to the end of the one
    // migration transaction; the last to get it finds everything applied.
    const MIGRATION_LOCK: MigrationLock =
        MigrationLock::Statement("SELECT pg_advisory_xact_lock(hashtext($1))");

    fn create_schema_table(schema: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {schema} (version BIGINT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
    }

    fn record_migration(schema: &str, _now: &str) -> String {
        // `applied_at` defaults to the server's `now()`.
        format!("INSERT INTO {schema} (version) VALUES ($1)")
    }
}

/// Tokens in PostgreSQL, with compare-and-swap and refresh leases, for many application
/// instances. Cheap to clone (clones share the pool).
#[derive(Clone)]
pub struct PostgresTokenStore {
    inner: SqlTokenStore<Postgres>,
}

impl std::fmt::Debug for PostgresTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.debug_as("PostgresTokenStore", f)
    }
}

impl PostgresTokenStore {
    /// A builder: [`PostgresTokenStoreBuilder::new`].
    pub fn builder() -> PostgresTokenStoreBuilder {
        PostgresTokenStoreBuilder::new()
    }

    /// Connects to `url` with default settings and migrates: exactly
    /// `Self::builder().with_url(url).build().await`.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::builder().with_url(url).build().await
    }

    /// A store over a pool you built, with a table prefix (`DEFAULT_TABLE_PREFIX` unless you
    /// chose another). Call [`Self::migrate`] before first use.
    pub fn from_pool(pool: PgPool, table_prefix: &str) -> Result<Self> {
        Ok(Self::from_inner(SqlTokenStore::new(
            pool,
            Tables::new(table_prefix)?,
        )))
    }

    pub(crate) fn from_inner(inner: SqlTokenStore<Postgres>) -> Self {
        Self { inner }
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
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

    /// Creates or upgrades the tables. Safe to run again and from many instances at once: an
    /// advisory lock serialises migrators.
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
impl TokenStore for PostgresTokenStore {
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
impl HostLedger for PostgresTokenStore {
    async fn transact(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()> {
        HostLedger::transact(&self.inner, query, decide).await
    }
}

#[async_trait]
impl NonceStore for PostgresTokenStore {
    async fn consume(&self, nonce: &str, expires_at: Timestamp) -> Result<bool> {
        self.inner.consume(nonce, expires_at).await
    }
}

#[async_trait]
impl IdempotencyStore for PostgresTokenStore {
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
