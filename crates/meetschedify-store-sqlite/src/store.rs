//! [`SqliteTokenStore`]: the `TokenStore` implementation.

use std::time::Duration;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{
    async_trait, Error, Lease, Result, SaveCondition, SaveOutcome, TokenKey, TokenRecord,
    TokenStore,
};
use rand::Rng;
use sqlx::{Row, SqlitePool};
use tracing::Instrument;

use crate::builder::SqliteTokenStoreBuilder;
use crate::schema::Tables;

/// Tokens in a SQLite database, with compare-and-swap and refresh leases. Cheap to clone
/// (clones share the pool).
#[derive(Clone)]
pub struct SqliteTokenStore {
    pool: SqlitePool,
    tables: Tables,
}

impl std::fmt::Debug for SqliteTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteTokenStore")
            .field("table_prefix", &self.tables.prefix)
            .field("pool_size", &self.pool.size())
            .finish()
    }
}

fn db_err(operation: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| Error::token_store(format!("sqlite {operation} failed: {e}"), e)
}

fn span(operation: &'static str, key: &TokenKey) -> tracing::Span {
    tracing::debug_span!(
        "token_store",
        backend = "sqlite",
        operation,
        provider = %key.provider_id,
        tenant = %key.tenant_id,
    )
}

fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
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

    pub(crate) fn from_parts(pool: SqlitePool, tables: Tables) -> Self {
        Self { pool, tables }
    }

    /// The connection pool (for health checks and for reading the tables yourself).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The name of the tokens table.
    pub fn tokens_table(&self) -> &str {
        &self.tables.tokens
    }

    /// The name of the leases table.
    pub fn leases_table(&self) -> &str {
        &self.tables.leases
    }

    /// Creates or upgrades the tables; safe to run again and from several processes.
    pub async fn migrate(&self) -> Result<()> {
        let schema = &self.tables.schema;
        sqlx::query(&format!(
            "CREATE TABLE IF NOT EXISTS {schema} (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)"
        ))
        .execute(&self.pool)
        .await
        .map_err(db_err("migrate"))?;
        for (version, sql) in self.tables.migrations() {
            let mut tx = self.pool.begin().await.map_err(db_err("migrate"))?;
            let applied = sqlx::query(&format!("SELECT 1 FROM {schema} WHERE version = ?1"))
                .bind(version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err("migrate"))?;
            if applied.is_none() {
                sqlx::query(&sql)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err("migrate"))?;
                sqlx::query(&format!(
                    "INSERT INTO {schema} (version, applied_at_ms) VALUES (?1, ?2) ON CONFLICT (version) DO NOTHING"
                ))
                .bind(version)
                .bind(now_ms())
                .execute(&mut *tx)
                .await
                .map_err(db_err("migrate"))?;
            }
            tx.commit().await.map_err(db_err("migrate"))?;
        }
        Ok(())
    }
}

#[async_trait]
impl TokenStore for SqliteTokenStore {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        async {
            let row = sqlx::query(&format!(
                "SELECT version, data FROM {} WHERE tenant_id = ?1 AND provider_id = ?2",
                self.tables.tokens
            ))
            .bind(key.tenant_id.as_str())
            .bind(key.provider_id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err("get"))?;
            match row {
                None => Ok(None),
                Some(row) => {
                    let version: i64 = row.try_get("version").map_err(db_err("get"))?;
                    let data: String = row.try_get("data").map_err(db_err("get"))?;
                    {
                        let version = u64::try_from(version).map_err(|e| {
                            Error::token_store(
                                format!("the stored version for {key} is negative"),
                                e,
                            )
                        })?;
                        TokenRecord::from_stored_json(key, data.as_bytes(), version).map(Some)
                    }
                }
            }
        }
        .instrument(span("get", key))
        .await
    }

    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        async {
            let data = record.to_stored_json()?;
            let t = &self.tables.tokens;
            // One statement per condition, so each save is atomic without an explicit
            // transaction (and never holds a read lock it must later upgrade).
            let (sql, expected) = match condition {
                SaveCondition::Absent => (
                    format!(
                        "INSERT INTO {t} (tenant_id, provider_id, version, expires_at_ms, data, updated_at_ms)
                         VALUES (?1, ?2, 1, ?3, ?4, ?5)
                         ON CONFLICT (tenant_id, provider_id) DO NOTHING
                         RETURNING version"
                    ),
                    None,
                ),
                SaveCondition::Version(v) => (
                    format!(
                        "UPDATE {t} SET version = version + 1, expires_at_ms = ?3, data = ?4, updated_at_ms = ?5
                         WHERE tenant_id = ?1 AND provider_id = ?2 AND version = ?6
                         RETURNING version"
                    ),
                    Some(i64::try_from(v).unwrap_or(i64::MAX)),
                ),
                _ => (
                    format!(
                        "INSERT INTO {t} (tenant_id, provider_id, version, expires_at_ms, data, updated_at_ms)
                         VALUES (?1, ?2, 1, ?3, ?4, ?5)
                         ON CONFLICT (tenant_id, provider_id) DO UPDATE SET
                           version = {t}.version + 1, expires_at_ms = excluded.expires_at_ms,
                           data = excluded.data, updated_at_ms = excluded.updated_at_ms
                         RETURNING version"
                    ),
                    None,
                ),
            };
            let mut query = sqlx::query(&sql)
                .bind(key.tenant_id.as_str())
                .bind(key.provider_id.as_str())
                .bind(record.expires_at.map(|t| t.as_millisecond()))
                .bind(data)
                .bind(now_ms());
            if let Some(expected) = expected {
                query = query.bind(expected);
            }
            let row = query
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err("save"))?;
            match row {
                None => Ok(SaveOutcome::Conflict),
                Some(row) => {
                    let version: i64 = row.try_get("version").map_err(db_err("save"))?;
                    Ok(SaveOutcome::Saved {
                        version: u64::try_from(version).unwrap_or_default(),
                    })
                }
            }
        }
        .instrument(span("save", key))
        .await
    }

    async fn delete(&self, key: &TokenKey) -> Result<()> {
        sqlx::query(&format!(
            "DELETE FROM {} WHERE tenant_id = ?1 AND provider_id = ?2",
            self.tables.tokens
        ))
        .bind(key.tenant_id.as_str())
        .bind(key.provider_id.as_str())
        .execute(&self.pool)
        .instrument(span("delete", key))
        .await
        .map_err(db_err("delete"))?;
        Ok(())
    }

    fn supports_leases(&self) -> bool {
        true
    }

    async fn try_acquire_lease(&self, key: &TokenKey, ttl: Duration) -> Result<Option<Lease>> {
        let holder = format!("{:032x}", rand::thread_rng().gen::<u128>());
        let now = now_ms();
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        let expires = now.saturating_add(ttl_ms);
        let l = &self.tables.leases;
        // Insert, or take over a lapsed lease; a live one makes the upsert a no-op (no row).
        let row = sqlx::query(&format!(
            "INSERT INTO {l} (tenant_id, provider_id, holder, expires_at_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tenant_id, provider_id) DO UPDATE SET
               holder = excluded.holder, expires_at_ms = excluded.expires_at_ms
             WHERE {l}.expires_at_ms <= ?5
             RETURNING expires_at_ms"
        ))
        .bind(key.tenant_id.as_str())
        .bind(key.provider_id.as_str())
        .bind(&holder)
        .bind(expires)
        .bind(now)
        .fetch_optional(&self.pool)
        .instrument(span("try_acquire_lease", key))
        .await
        .map_err(db_err("try_acquire_lease"))?;
        Ok(row.map(|_| {
            let expires_at = Timestamp::from_millisecond(expires).unwrap_or(Timestamp::MAX);
            Lease::new(key.clone(), holder, expires_at)
        }))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        sqlx::query(&format!(
            "DELETE FROM {} WHERE tenant_id = ?1 AND provider_id = ?2 AND holder = ?3",
            self.tables.leases
        ))
        .bind(lease.key.tenant_id.as_str())
        .bind(lease.key.provider_id.as_str())
        .bind(&lease.holder)
        .execute(&self.pool)
        .instrument(span("release_lease", &lease.key))
        .await
        .map_err(db_err("release_lease"))?;
        Ok(())
    }
}
