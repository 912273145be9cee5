//! The `NonceStore` operation on [`SqlTokenStore`]: OAuth states used once across every
//! instance that shares the database.

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::Result;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};
use tracing::Instrument;

use crate::dialect::Dialect;
use crate::store::{db_err, SqlTokenStore};

/// One consume in this many also deletes the nonces whose states have expired, so the table
/// holds about one state lifetime of connects.
const PURGE_EVERY: u32 = 64;

impl<D: Dialect> SqlTokenStore<D>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
    for<'q> <D::Database as Database>::Arguments<'q>: IntoArguments<'q, D::Database>,
    for<'q> &'q str: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> i64: Encode<'q, D::Database> + Decode<'q, D::Database> + Type<D::Database>,
    for<'a> &'a str: ColumnIndex<<D::Database as Database>::Row>,
{
    /// `NonceStore::consume`: records `nonce` until `expires_at`; `true` the first time.
    ///
    /// One insert decides it (`ON CONFLICT DO NOTHING`), so of two instances consuming one
    /// state at the same moment exactly one wins.
    pub async fn consume_nonce(&self, nonce: &str, expires_at: Timestamp) -> Result<bool> {
        async {
            let t = self.tables().nonces();
            let row = sqlx::query(&format!(
                "INSERT INTO {t} (nonce, expires_at_ms) VALUES ($1, $2)
                 ON CONFLICT (nonce) DO NOTHING
                 RETURNING nonce"
            ))
            .bind(nonce)
            .bind(expires_at.as_millisecond())
            .fetch_optional(self.pool())
            .await
            .map_err(db_err::<D>("consume nonce"))?;
            if rand::random::<u32>() % PURGE_EVERY == 0 {
                self.purge_nonces().await?;
            }
            Ok(row.is_some())
        }
        .instrument(tracing::debug_span!(
            "nonce_store",
            backend = D::NAME,
            operation = "consume"
        ))
        .await
    }

    /// Deletes nonces whose states have expired (they can no longer be unsealed anyway).
    async fn purge_nonces(&self) -> Result<()> {
        let now = D::CLOCK.now(0);
        let sql = format!(
            "DELETE FROM {} WHERE expires_at_ms <= {}",
            self.tables().nonces(),
            now.sql
        );
        let mut query = sqlx::query(&sql);
        if let Some(now) = now.bind {
            query = query.bind(now);
        }
        query
            .execute(self.pool())
            .await
            .map_err(db_err::<D>("purge nonces"))?;
        Ok(())
    }
}
