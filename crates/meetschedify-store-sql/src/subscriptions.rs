//! The `SubscriptionStore` operations on [`SqlTokenStore`]: Google channels and Graph
//! subscriptions in `{prefix}subscriptions`, shared by every instance on the database. Each
//! method is one statement, so each is atomic without an explicit transaction.

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::webhooks::Subscription;
use meetschedify_core::{Error, ProviderId, Result, TenantId};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};
use tracing::Instrument;

use crate::dialect::Dialect;
use crate::store::{db_err, SqlTokenStore};

/// The columns every read selects, in [`SqlTokenStore::subscription_from_row`]'s terms.
const COLUMNS: &str =
    "provider_id, id, tenant_id, resource, secret, vendor_resource_id, expires_at_ms, sync_cursor";

fn span<D: Dialect>(operation: &'static str, provider: &ProviderId) -> tracing::Span {
    tracing::debug_span!(
        "subscription_store",
        backend = D::NAME,
        operation,
        provider = %provider,
    )
}

impl<D: Dialect> SqlTokenStore<D>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
    for<'q> <D::Database as Database>::Arguments<'q>: IntoArguments<'q, D::Database>,
    for<'q> &'q str: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> String: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> i64: Encode<'q, D::Database> + Decode<'q, D::Database> + Type<D::Database>,
    for<'q> Option<String>: Encode<'q, D::Database>,
    for<'r> String: Decode<'r, D::Database>,
    for<'r> Option<String>: Decode<'r, D::Database>,
    for<'a> &'a str: ColumnIndex<<D::Database as Database>::Row>,
{
    /// `SubscriptionStore::put`: one upsert on `(provider_id, id)` that rewrites every column,
    /// so a replaced subscription's tenant and expiry (the two indexed columns) move with it.
    pub async fn put_subscription(&self, subscription: &Subscription) -> Result<()> {
        let t = self.tables().subscriptions();
        sqlx::query(&format!(
            "INSERT INTO {t} ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (provider_id, id) DO UPDATE SET
               tenant_id = excluded.tenant_id, resource = excluded.resource,
               secret = excluded.secret, vendor_resource_id = excluded.vendor_resource_id,
               expires_at_ms = excluded.expires_at_ms, sync_cursor = excluded.sync_cursor"
        ))
        .bind(subscription.provider.as_str())
        .bind(subscription.id.as_str())
        .bind(subscription.tenant.as_str())
        .bind(subscription.resource.as_str())
        .bind(subscription.secret.expose_secret())
        .bind(subscription.vendor_resource_id.clone())
        .bind(subscription.expires_at.as_millisecond())
        .bind(subscription.cursor.clone())
        .execute(self.pool())
        .instrument(span::<D>("put", &subscription.provider))
        .await
        .map_err(db_err::<D>("put subscription"))?;
        Ok(())
    }

    /// `SubscriptionStore::get`.
    pub async fn get_subscription(
        &self,
        provider: &ProviderId,
        id: &str,
    ) -> Result<Option<Subscription>> {
        let t = self.tables().subscriptions();
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {t} WHERE provider_id = $1 AND id = $2"
        ))
        .bind(provider.as_str())
        .bind(id)
        .fetch_optional(self.pool())
        .instrument(span::<D>("get", provider))
        .await
        .map_err(db_err::<D>("get subscription"))?;
        row.map(|row| Self::subscription_from_row(&row)).transpose()
    }

    /// `SubscriptionStore::for_tenant`, through the `(provider_id, tenant_id)` index.
    pub async fn subscriptions_for_tenant(
        &self,
        provider: &ProviderId,
        tenant: &TenantId,
    ) -> Result<Vec<Subscription>> {
        let t = self.tables().subscriptions();
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {t} WHERE provider_id = $1 AND tenant_id = $2 ORDER BY id"
        ))
        .bind(provider.as_str())
        .bind(tenant.as_str())
        .fetch_all(self.pool())
        .instrument(span::<D>("for_tenant", provider))
        .await
        .map_err(db_err::<D>("list subscriptions"))?;
        rows.iter().map(Self::subscription_from_row).collect()
    }

    /// `SubscriptionStore::expiring_before`, through the `(provider_id, expires_at_ms)` index.
    /// Strictly before: one expiring at `at` is not due yet.
    pub async fn subscriptions_expiring_before(
        &self,
        provider: &ProviderId,
        at: Timestamp,
    ) -> Result<Vec<Subscription>> {
        let t = self.tables().subscriptions();
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {t} WHERE provider_id = $1 AND expires_at_ms < $2
             ORDER BY expires_at_ms, id"
        ))
        .bind(provider.as_str())
        .bind(at.as_millisecond())
        .fetch_all(self.pool())
        .instrument(span::<D>("expiring_before", provider))
        .await
        .map_err(db_err::<D>("list expiring subscriptions"))?;
        rows.iter().map(Self::subscription_from_row).collect()
    }

    /// `SubscriptionStore::advance_cursor`: one conditional `UPDATE`. `=` is never true against
    /// NULL in SQL, so "the cursor is still unset" is spelled out (`IS NULL AND $3 IS NULL`);
    /// the same text runs on SQLite and PostgreSQL. Under PostgreSQL's READ COMMITTED the
    /// WHERE is re-checked against a row a concurrent writer committed, so of many instances
    /// advancing from one cursor exactly one matches.
    pub async fn advance_subscription_cursor(
        &self,
        provider: &ProviderId,
        id: &str,
        expected: Option<&str>,
        next: Option<&str>,
    ) -> Result<bool> {
        let t = self.tables().subscriptions();
        let done = sqlx::query(&format!(
            "UPDATE {t} SET sync_cursor = $4
             WHERE provider_id = $1 AND id = $2
               AND (sync_cursor = $3 OR (sync_cursor IS NULL AND $3 IS NULL))
             RETURNING id"
        ))
        .bind(provider.as_str())
        .bind(id)
        .bind(expected.map(str::to_owned))
        .bind(next.map(str::to_owned))
        .fetch_optional(self.pool())
        .instrument(span::<D>("advance_cursor", provider))
        .await
        .map_err(db_err::<D>("advance subscription cursor"))?;
        Ok(done.is_some())
    }

    /// `SubscriptionStore::remove`.
    pub async fn remove_subscription(&self, provider: &ProviderId, id: &str) -> Result<bool> {
        let t = self.tables().subscriptions();
        let done = sqlx::query(&format!(
            "DELETE FROM {t} WHERE provider_id = $1 AND id = $2 RETURNING id"
        ))
        .bind(provider.as_str())
        .bind(id)
        .fetch_optional(self.pool())
        .instrument(span::<D>("remove", provider))
        .await
        .map_err(db_err::<D>("remove subscription"))?;
        Ok(done.is_some())
    }

    fn subscription_from_row(row: &<D::Database as Database>::Row) -> Result<Subscription> {
        let read = db_err::<D>;
        let text = |column: &'static str| -> Result<String> {
            row.try_get::<String, _>(column)
                .map_err(read("read subscription"))
        };
        let (provider, id) = (text("provider_id")?, text("id")?);
        let expires_ms: i64 = row
            .try_get("expires_at_ms")
            .map_err(read("read subscription"))?;
        let expires_at = Timestamp::from_millisecond(expires_ms).map_err(|e| {
            Error::token_store(
                format!("the stored expiry of subscription {provider}/{id} is out of range"),
                e,
            )
        })?;
        let vendor: Option<String> = row
            .try_get("vendor_resource_id")
            .map_err(read("read subscription"))?;
        let cursor: Option<String> = row
            .try_get("sync_cursor")
            .map_err(read("read subscription"))?;
        let mut sub = Subscription::new(
            ProviderId::new(provider),
            TenantId::new(text("tenant_id")?),
            id,
            text("resource")?,
            SecretString::from(text("secret")?),
            expires_at,
        )
        .with_cursor(cursor);
        if let Some(vendor) = vendor {
            sub = sub.with_vendor_resource_id(vendor);
        }
        Ok(sub)
    }
}
