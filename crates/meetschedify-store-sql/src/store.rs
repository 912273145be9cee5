//! [`SqlTokenStore`]: the token store operations, once for every dialect.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{
    DeleteOutcome, Error, Lease, Result, SaveCondition, SaveOutcome, TokenKey, TokenRecord,
};
use rand::Rng;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};
use tracing::Instrument;

use crate::dialect::{Dialect, MigrationLock};
use crate::schema::Tables;

/// Tokens in a SQL database, with compare-and-swap saves and refresh leases: the methods of
/// `TokenStore`, which each store crate implements by calling these. Cheap to clone (clones
/// share the pool).
pub struct SqlTokenStore<D: Dialect> {
    pool: Pool<D::Database>,
    tables: Tables,
    dialect: PhantomData<D>,
}

impl<D: Dialect> Clone for SqlTokenStore<D> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            tables: self.tables.clone(),
            dialect: PhantomData,
        }
    }
}

impl<D: Dialect> fmt::Debug for SqlTokenStore<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.debug_as("SqlTokenStore", f)
    }
}

/// Maps a driver error to the store error every caller sees: `"{backend} {operation} failed:
/// {cause}"`, retryable, with the driver error as its source.
pub(crate) fn db_err<D: Dialect>(operation: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| Error::token_store(format!("{} {operation} failed: {e}", D::NAME), e)
}

fn span<D: Dialect>(operation: &'static str, key: &TokenKey) -> tracing::Span {
    tracing::debug_span!(
        "token_store",
        backend = D::NAME,
        operation,
        provider = %key.provider_id,
        tenant = %key.tenant_id,
    )
}

impl<D: Dialect> SqlTokenStore<D> {
    /// A store over `pool` and the tables `tables` names. Call [`Self::migrate`] before first
    /// use unless the tables exist.
    pub fn new(pool: Pool<D::Database>, tables: Tables) -> Self {
        Self {
            pool,
            tables,
            dialect: PhantomData,
        }
    }

    /// The connection pool.
    pub fn pool(&self) -> &Pool<D::Database> {
        &self.pool
    }

    /// The table names.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// `Debug` under the name of the store that wraps this one: the table prefix and the pool
    /// size, never a token.
    pub fn debug_as(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("table_prefix", &self.tables.prefix())
            .field("pool_size", &self.pool.size())
            .finish()
    }
}

impl<D: Dialect> SqlTokenStore<D>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
    for<'q> <D::Database as Database>::Arguments<'q>: IntoArguments<'q, D::Database>,
    for<'q> &'q str: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> String: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> i64: Encode<'q, D::Database> + Decode<'q, D::Database> + Type<D::Database>,
    for<'q> Option<i64>: Encode<'q, D::Database>,
    for<'r> String: Decode<'r, D::Database>,
    for<'a> &'a str: ColumnIndex<<D::Database as Database>::Row>,
{
    /// Creates or upgrades the tables; safe to run again and from many instances at once (see
    /// [`MigrationLock`]).
    pub async fn migrate(&self) -> Result<()> {
        let create_schema = D::create_schema_table(self.tables.schema());
        match D::MIGRATION_LOCK {
            MigrationLock::Statement(lock) => {
                let mut tx = self.pool.begin().await.map_err(db_err::<D>("migrate"))?;
                sqlx::query(lock)
                    .bind(format!("meetschedify-migrate:{}", self.tables.prefix()))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err::<D>("migrate"))?;
                sqlx::query(&create_schema)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err::<D>("migrate"))?;
                for (version, sql) in self.tables.migrations(D::BIGINT) {
                    self.apply(&mut tx, version, &sql).await?;
                }
                tx.commit().await.map_err(db_err::<D>("migrate"))
            }
            MigrationLock::PerMigration => {
                sqlx::query(&create_schema)
                    .execute(&self.pool)
                    .await
                    .map_err(db_err::<D>("migrate"))?;
                for (version, sql) in self.tables.migrations(D::BIGINT) {
                    let mut tx = self.pool.begin().await.map_err(db_err::<D>("migrate"))?;
                    self.apply(&mut tx, version, &sql).await?;
                    tx.commit().await.map_err(db_err::<D>("migrate"))?;
                }
                Ok(())
            }
        }
    }

    /// Runs one migration and records it, unless it is recorded already.
    async fn apply(
        &self,
        conn: &mut <D::Database as Database>::Connection,
        version: i64,
        sql: &str,
    ) -> Result<()> {
        let schema = self.tables.schema();
        let applied = sqlx::query(&format!("SELECT 1 FROM {schema} WHERE version = $1"))
            .bind(version)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db_err::<D>("migrate"))?;
        if applied.is_some() {
            return Ok(());
        }
        sqlx::query(sql)
            .execute(&mut *conn)
            .await
            .map_err(db_err::<D>("migrate"))?;
        let now = D::CLOCK.now(1);
        let record = D::record_migration(schema, &now.sql);
        let mut query = sqlx::query(&record).bind(version);
        if let Some(now) = now.bind {
            query = query.bind(now);
        }
        query
            .execute(&mut *conn)
            .await
            .map_err(db_err::<D>("migrate"))?;
        Ok(())
    }

    /// `TokenStore::get`.
    pub async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        async {
            let row = sqlx::query(&format!(
                "SELECT version, data FROM {}
                 WHERE tenant_id = $1 AND provider_id = $2 AND deleted_at_ms IS NULL",
                self.tables.tokens()
            ))
            .bind(key.tenant_id.as_str())
            .bind(key.provider_id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err::<D>("get"))?;
            let Some(row) = row else { return Ok(None) };
            let version: i64 = row.try_get("version").map_err(db_err::<D>("get"))?;
            let data: String = row.try_get("data").map_err(db_err::<D>("get"))?;
            let version = u64::try_from(version).map_err(|e| {
                Error::token_store(format!("the stored version for {key} is negative"), e)
            })?;
            TokenRecord::from_stored_json(key, data.as_bytes(), version).map(Some)
        }
        .instrument(span::<D>("get", key))
        .await
    }

    /// `TokenStore::save`.
    pub async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        async {
            let data = record.to_stored_json()?;
            let t = self.tables.tokens();
            let expected = match condition {
                SaveCondition::Version(v) => Some(i64::try_from(v).unwrap_or(i64::MAX)),
                _ => None,
            };
            let now = D::CLOCK.now(if expected.is_some() { 5 } else { 4 });
            let n = &now.sql;
            // One statement per condition, so each save is atomic without an explicit
            // transaction (and never holds a read lock it must later upgrade). On PostgreSQL
            // under READ COMMITTED a conditional UPDATE re-checks its WHERE against the row a
            // concurrent writer committed
            // (https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED),
            // and `ON CONFLICT` makes the inserts race-free. A tombstone (a deleted record's
            // row) counts as absent, and a save over it continues its version.
            let revive = format!(
                "ON CONFLICT (tenant_id, provider_id) DO UPDATE SET
                   version = {t}.version + 1, expires_at_ms = excluded.expires_at_ms,
                   data = excluded.data, updated_at_ms = excluded.updated_at_ms,
                   deleted_at_ms = NULL"
            );
            let sql = match condition {
                SaveCondition::Absent => format!(
                    "INSERT INTO {t} (tenant_id, provider_id, version, expires_at_ms, data, updated_at_ms)
                     VALUES ($1, $2, 1, $3, $4, {n})
                     {revive} WHERE {t}.deleted_at_ms IS NOT NULL
                     RETURNING version"
                ),
                SaveCondition::Version(_) => format!(
                    "UPDATE {t} SET version = version + 1, expires_at_ms = $3, data = $4, updated_at_ms = {n}
                     WHERE tenant_id = $1 AND provider_id = $2 AND version = $5
                       AND deleted_at_ms IS NULL
                     RETURNING version"
                ),
                _ => format!(
                    "INSERT INTO {t} (tenant_id, provider_id, version, expires_at_ms, data, updated_at_ms)
                     VALUES ($1, $2, 1, $3, $4, {n})
                     {revive}
                     RETURNING version"
                ),
            };
            let mut query = sqlx::query(&sql)
                .bind(key.tenant_id.as_str())
                .bind(key.provider_id.as_str())
                .bind(record.expires_at.map(|t| t.as_millisecond()))
                .bind(data);
            for value in [expected, now.bind].into_iter().flatten() {
                query = query.bind(value);
            }
            let row = query
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err::<D>("save"))?;
            let Some(row) = row else {
                return Ok(SaveOutcome::Conflict);
            };
            let version: i64 = row.try_get("version").map_err(db_err::<D>("save"))?;
            Ok(SaveOutcome::Saved {
                version: u64::try_from(version).unwrap_or_default(),
            })
        }
        .instrument(span::<D>("save", key))
        .await
    }

    /// `TokenStore::delete_if`: turns the row into a tombstone (one conditional `UPDATE`, so
    /// atomic like a save), keeping its version for the next save to continue from.
    pub async fn delete_if(
        &self,
        key: &TokenKey,
        condition: SaveCondition,
    ) -> Result<DeleteOutcome> {
        async {
            let t = self.tables.tokens();
            if condition == SaveCondition::Absent {
                // Nothing to delete: the condition only asks that nothing is stored.
                return Ok(match self.get(key).await? {
                    Some(_) => DeleteOutcome::Conflict,
                    None => DeleteOutcome::Deleted,
                });
            }
            let expected = match condition {
                SaveCondition::Version(v) => Some(i64::try_from(v).unwrap_or(i64::MAX)),
                _ => None,
            };
            let now = D::CLOCK.now(if expected.is_some() { 3 } else { 2 });
            let (n, version_check) = (
                &now.sql,
                if expected.is_some() {
                    "AND version = $3"
                } else {
                    ""
                },
            );
            let sql = format!(
                "UPDATE {t} SET version = version + 1, expires_at_ms = NULL, data = '',
                   updated_at_ms = {n}, deleted_at_ms = {n}
                 WHERE tenant_id = $1 AND provider_id = $2 AND deleted_at_ms IS NULL {version_check}
                 RETURNING version"
            );
            let mut query = sqlx::query(&sql)
                .bind(key.tenant_id.as_str())
                .bind(key.provider_id.as_str());
            for value in [expected, now.bind].into_iter().flatten() {
                query = query.bind(value);
            }
            let row = query
                .fetch_optional(&self.pool)
                .await
                .map_err(db_err::<D>("delete"))?;
            Ok(match (row, expected) {
                (None, Some(_)) => DeleteOutcome::Conflict,
                _ => DeleteOutcome::Deleted,
            })
        }
        .instrument(span::<D>("delete", key))
        .await
    }

    /// `TokenStore::try_acquire_lease`.
    pub async fn try_acquire_lease(&self, key: &TokenKey, ttl: Duration) -> Result<Option<Lease>> {
        let holder = format!("{:032x}", rand::thread_rng().gen::<u128>());
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let now = D::CLOCK.now(4);
        let (l, n) = (self.tables.leases(), &now.sql);
        // Insert, or take over a lapsed lease; a live one makes the upsert a no-op (no row).
        let sql = format!(
            "INSERT INTO {l} (tenant_id, provider_id, holder, expires_at_ms)
             VALUES ($1, $2, $3, {n} + $4)
             ON CONFLICT (tenant_id, provider_id) DO UPDATE SET
               holder = excluded.holder, expires_at_ms = excluded.expires_at_ms
             WHERE {l}.expires_at_ms <= {n}
             RETURNING expires_at_ms"
        );
        let mut query = sqlx::query(&sql)
            .bind(key.tenant_id.as_str())
            .bind(key.provider_id.as_str())
            .bind(holder.as_str())
            .bind(ttl_ms);
        if let Some(now) = now.bind {
            query = query.bind(now);
        }
        let row = query
            .fetch_optional(&self.pool)
            .instrument(span::<D>("try_acquire_lease", key))
            .await
            .map_err(db_err::<D>("try_acquire_lease"))?;
        let Some(row) = row else { return Ok(None) };
        let expires: i64 = row
            .try_get("expires_at_ms")
            .map_err(db_err::<D>("try_acquire_lease"))?;
        let expires_at = Timestamp::from_millisecond(expires).unwrap_or(Timestamp::MAX);
        Ok(Some(Lease::new(key.clone(), holder, expires_at)))
    }

    /// `TokenStore::release_lease`.
    pub async fn release_lease(&self, lease: &Lease) -> Result<()> {
        sqlx::query(&format!(
            "DELETE FROM {} WHERE tenant_id = $1 AND provider_id = $2 AND holder = $3",
            self.tables.leases()
        ))
        .bind(lease.key.tenant_id.as_str())
        .bind(lease.key.provider_id.as_str())
        .bind(lease.holder.as_str())
        .execute(&self.pool)
        .instrument(span::<D>("release_lease", &lease.key))
        .await
        .map_err(db_err::<D>("release_lease"))?;
        Ok(())
    }
}
