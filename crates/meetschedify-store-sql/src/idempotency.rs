//! The `IdempotencyStore` operations on [`SqlTokenStore`], once for every dialect.

use std::time::Duration;

use meetschedify_core::{Claim, Error, IdempotencyKey, Result};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};
use tracing::Instrument;

use crate::dialect::Dialect;
use crate::store::{db_err, SqlTokenStore};

/// How many times a claim re-runs when the row it found vanished between its two statements
/// (its holder released it): each round either acquires or finds a live row.
const CLAIM_ROUNDS: usize = 5;

fn span<D: Dialect>(operation: &'static str, key: &IdempotencyKey) -> tracing::Span {
    tracing::debug_span!(
        "idempotency_store",
        backend = D::NAME,
        operation,
        provider = %key.provider_id,
        tenant = %key.tenant_id,
    )
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
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
    for<'r> Option<String>: Decode<'r, D::Database>,
    for<'a> &'a str: ColumnIndex<<D::Database as Database>::Row>,
{
    /// `IdempotencyStore::claim`.
    pub async fn claim_idempotency_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        holder: &str,
        lease: Duration,
        ttl: Duration,
    ) -> Result<Claim> {
        async {
            for _ in 0..CLAIM_ROUNDS {
                if self
                    .try_acquire(key, fingerprint, holder, lease, ttl)
                    .await?
                {
                    return Ok(Claim::Acquired);
                }
                let row = sqlx::query(&format!(
                    "SELECT fingerprint, outcome FROM {}
                     WHERE tenant_id = $1 AND provider_id = $2 AND idempotency_key = $3",
                    self.tables().idempotency()
                ))
                .bind(key.tenant_id.as_str())
                .bind(key.provider_id.as_str())
                .bind(key.key.as_str())
                .fetch_optional(self.pool())
                .await
                .map_err(db_err::<D>("claim"))?;
                let Some(row) = row else { continue };
                let fingerprint: String =
                    row.try_get("fingerprint").map_err(db_err::<D>("claim"))?;
                let outcome: Option<String> =
                    row.try_get("outcome").map_err(db_err::<D>("claim"))?;
                return Ok(match outcome {
                    Some(outcome) => Claim::Completed {
                        fingerprint,
                        outcome,
                    },
                    None => Claim::InFlight { fingerprint },
                });
            }
            Err(Error::token_store(
                format!("{} claim kept racing with releases", D::NAME),
                std::io::Error::other("no stable row"),
            ))
        }
        .instrument(span::<D>("claim", key))
        .await
    }

    /// Inserts the row, or takes over an expired one or a lapsed lease of the same request, in
    /// one statement (race-free by `ON CONFLICT`); whether it did.
    async fn try_acquire(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        holder: &str,
        lease: Duration,
        ttl: Duration,
    ) -> Result<bool> {
        let now = D::CLOCK.now(7);
        let (t, n) = (self.tables().idempotency(), &now.sql);
        let sql = format!(
            "INSERT INTO {t} (tenant_id, provider_id, idempotency_key, fingerprint, holder,
                              lease_until_ms, outcome, expires_at_ms)
             VALUES ($1, $2, $3, $4, $5, {n} + $6, NULL, {n} + $7)
             ON CONFLICT (tenant_id, provider_id, idempotency_key) DO UPDATE SET
               fingerprint = excluded.fingerprint, holder = excluded.holder,
               lease_until_ms = excluded.lease_until_ms, outcome = NULL,
               expires_at_ms = excluded.expires_at_ms
             WHERE {t}.expires_at_ms <= {n}
                OR ({t}.outcome IS NULL AND {t}.lease_until_ms <= {n}
                    AND {t}.fingerprint = excluded.fingerprint)
             RETURNING holder"
        );
        let mut query = sqlx::query(&sql)
            .bind(key.tenant_id.as_str())
            .bind(key.provider_id.as_str())
            .bind(key.key.as_str())
            .bind(fingerprint)
            .bind(holder)
            .bind(millis(lease))
            .bind(millis(ttl));
        if let Some(now) = now.bind {
            query = query.bind(now);
        }
        let row = query
            .fetch_optional(self.pool())
            .await
            .map_err(db_err::<D>("claim"))?;
        Ok(row.is_some())
    }

    /// `IdempotencyStore::renew`.
    pub async fn renew_idempotency_lease(
        &self,
        key: &IdempotencyKey,
        holder: &str,
        lease: Duration,
    ) -> Result<bool> {
        let now = D::CLOCK.now(5);
        let sql = format!(
            "UPDATE {} SET lease_until_ms = {} + $5
             WHERE tenant_id = $1 AND provider_id = $2 AND idempotency_key = $3
               AND holder = $4 AND outcome IS NULL
             RETURNING holder",
            self.tables().idempotency(),
            now.sql
        );
        let mut query = sqlx::query(&sql)
            .bind(key.tenant_id.as_str())
            .bind(key.provider_id.as_str())
            .bind(key.key.as_str())
            .bind(holder)
            .bind(millis(lease));
        if let Some(now) = now.bind {
            query = query.bind(now);
        }
        let row = query
            .fetch_optional(self.pool())
            .instrument(span::<D>("renew", key))
            .await
            .map_err(db_err::<D>("renew"))?;
        Ok(row.is_some())
    }

    /// `IdempotencyStore::complete`.
    pub async fn complete_idempotency_key(
        &self,
        key: &IdempotencyKey,
        _holder: &str,
        outcome: &str,
        ttl: Duration,
    ) -> Result<()> {
        // Any holder's outcome is the meeting the key made (a holder that took over found it
        // through the provider's guard); the first one recorded stays.
        let now = D::CLOCK.now(5);
        let sql = format!(
            "UPDATE {} SET outcome = $4, expires_at_ms = {} + $5
             WHERE tenant_id = $1 AND provider_id = $2 AND idempotency_key = $3
               AND outcome IS NULL",
            self.tables().idempotency(),
            now.sql
        );
        let mut query = sqlx::query(&sql)
            .bind(key.tenant_id.as_str())
            .bind(key.provider_id.as_str())
            .bind(key.key.as_str())
            .bind(outcome)
            .bind(millis(ttl));
        if let Some(now) = now.bind {
            query = query.bind(now);
        }
        query
            .execute(self.pool())
            .instrument(span::<D>("complete", key))
            .await
            .map_err(db_err::<D>("complete"))?;
        Ok(())
    }

    /// `IdempotencyStore::release`.
    pub async fn release_idempotency_key(&self, key: &IdempotencyKey, holder: &str) -> Result<()> {
        sqlx::query(&format!(
            "DELETE FROM {}
             WHERE tenant_id = $1 AND provider_id = $2 AND idempotency_key = $3
               AND holder = $4 AND outcome IS NULL",
            self.tables().idempotency()
        ))
        .bind(key.tenant_id.as_str())
        .bind(key.provider_id.as_str())
        .bind(key.key.as_str())
        .bind(holder)
        .execute(self.pool())
        .instrument(span::<D>("release", key))
        .await
        .map_err(db_err::<D>("release"))?;
        Ok(())
    }

    /// Deletes idempotency records past their time to live; how many. Claims overwrite expired
    /// rows anyway: run this now and then (daily, say) only to keep the table small.
    pub async fn purge_expired_idempotency_records(&self) -> Result<u64> {
        let now = D::CLOCK.now(0);
        let sql = format!(
            "DELETE FROM {} WHERE expires_at_ms <= {} RETURNING tenant_id",
            self.tables().idempotency(),
            now.sql
        );
        let mut query = sqlx::query(&sql);
        if let Some(now) = now.bind {
            query = query.bind(now);
        }
        let gone = query
            .fetch_all(self.pool())
            .await
            .map_err(db_err::<D>("purge"))?;
        Ok(gone.len() as u64)
    }
}
