//! The core traits on [`SqlTokenStore`], once for every dialect: `TokenStore` (with its
//! `TokenLeases`), `NonceStore`, `IdempotencyStore`, `HostLedger` and `SubscriptionStore`. The SQLite and PostgreSQL store types
//! wrap a `SqlTokenStore` and forward to these impls.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::hosts::{HostLedger, LedgerChanges, LedgerQuery, LedgerView};
use meetschedify_core::jiff::Timestamp;
use meetschedify_core::webhooks::{Subscription, SubscriptionStore};
use meetschedify_core::{
    async_trait, Claim, DeleteOutcome, IdempotencyKey, IdempotencyStore, Lease, NonceStore,
    ProviderId, Result, SaveCondition, SaveOutcome, TenantId, TokenKey, TokenLeases, TokenRecord,
    TokenStore,
};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Type};

use crate::dialect::Dialect;
use crate::store::SqlTokenStore;

#[async_trait]
impl<D: Dialect> TokenStore for SqlTokenStore<D>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
    for<'q> <D::Database as Database>::Arguments<'q>: IntoArguments<'q, D::Database>,
    for<'q> &'q str: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> String: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> i64: Encode<'q, D::Database> + Decode<'q, D::Database> + Type<D::Database>,
    for<'q> Option<i64>: Encode<'q, D::Database>,
    for<'r> String: Decode<'r, D::Database>,
    for<'r> Option<String>: Decode<'r, D::Database>,
    for<'q> Option<String>: Encode<'q, D::Database>,
    for<'r> Option<i64>: Decode<'r, D::Database>,
    for<'a> &'a str: ColumnIndex<<D::Database as Database>::Row>,
{
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        SqlTokenStore::get(self, key).await
    }

    async fn save(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
        condition: SaveCondition,
    ) -> Result<SaveOutcome> {
        SqlTokenStore::save(self, key, record, condition).await
    }

    async fn delete_if(&self, key: &TokenKey, condition: SaveCondition) -> Result<DeleteOutcome> {
        SqlTokenStore::delete_if(self, key, condition).await
    }

    fn leases(&self) -> Option<&dyn TokenLeases> {
        Some(self)
    }

    fn nonce_store(&self) -> Option<Arc<dyn NonceStore>> {
        Some(Arc::new(self.clone()))
    }

    fn host_ledger(&self) -> Option<Arc<dyn HostLedger>> {
        Some(Arc::new(self.clone()))
    }

    fn subscription_store(&self) -> Option<Arc<dyn SubscriptionStore>> {
        Some(Arc::new(self.clone()))
    }
}

#[async_trait]
impl<D: Dialect> TokenLeases for SqlTokenStore<D>
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
    async fn try_acquire_lease(&self, key: &TokenKey, ttl: Duration) -> Result<Option<Lease>> {
        SqlTokenStore::try_acquire_lease(self, key, ttl).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        SqlTokenStore::release_lease(self, lease).await
    }
}

#[async_trait]
impl<D: Dialect> NonceStore for SqlTokenStore<D>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
    for<'q> <D::Database as Database>::Arguments<'q>: IntoArguments<'q, D::Database>,
    for<'q> &'q str: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> i64: Encode<'q, D::Database> + Decode<'q, D::Database> + Type<D::Database>,
    for<'a> &'a str: ColumnIndex<<D::Database as Database>::Row>,
{
    async fn consume(&self, nonce: &str, expires_at: Timestamp) -> Result<bool> {
        self.consume_nonce(nonce, expires_at).await
    }
}

#[async_trait]
impl<D: Dialect> IdempotencyStore for SqlTokenStore<D>
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
    async fn claim(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        holder: &str,
        lease: Duration,
        ttl: Duration,
    ) -> Result<Claim> {
        self.claim_idempotency_key(key, fingerprint, holder, lease, ttl)
            .await
    }

    async fn renew(&self, key: &IdempotencyKey, holder: &str, lease: Duration) -> Result<bool> {
        self.renew_idempotency_lease(key, holder, lease).await
    }

    async fn complete(
        &self,
        key: &IdempotencyKey,
        holder: &str,
        outcome: &str,
        ttl: Duration,
    ) -> Result<()> {
        self.complete_idempotency_key(key, holder, outcome, ttl)
            .await
    }

    async fn release(&self, key: &IdempotencyKey, holder: &str) -> Result<()> {
        self.release_idempotency_key(key, holder).await
    }
}

#[async_trait]
impl<D: Dialect> HostLedger for SqlTokenStore<D>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
    for<'q> <D::Database as Database>::Arguments<'q>: IntoArguments<'q, D::Database>,
    for<'q> &'q str: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> String: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> i64: Encode<'q, D::Database> + Decode<'q, D::Database> + Type<D::Database>,
    for<'q> Option<i64>: Encode<'q, D::Database>,
    for<'q> Option<String>: Encode<'q, D::Database>,
    for<'r> String: Decode<'r, D::Database>,
    for<'r> Option<String>: Decode<'r, D::Database>,
    for<'r> Option<i64>: Decode<'r, D::Database>,
    for<'a> &'a str: ColumnIndex<<D::Database as Database>::Row>,
{
    async fn transact(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()> {
        self.transact_host_ledger(query, decide).await
    }
}

#[async_trait]
impl<D: Dialect> SubscriptionStore for SqlTokenStore<D>
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
    async fn put(&self, subscription: &Subscription) -> Result<()> {
        self.put_subscription(subscription).await
    }

    async fn get(&self, provider: &ProviderId, id: &str) -> Result<Option<Subscription>> {
        self.get_subscription(provider, id).await
    }

    async fn for_tenant(
        &self,
        provider: &ProviderId,
        tenant: &TenantId,
    ) -> Result<Vec<Subscription>> {
        self.subscriptions_for_tenant(provider, tenant).await
    }

    async fn expiring_before(
        &self,
        provider: &ProviderId,
        at: Timestamp,
    ) -> Result<Vec<Subscription>> {
        self.subscriptions_expiring_before(provider, at).await
    }

    async fn advance_cursor(
        &self,
        provider: &ProviderId,
        id: &str,
        expected: Option<&str>,
        next: Option<&str>,
    ) -> Result<bool> {
        self.advance_subscription_cursor(provider, id, expected, next)
            .await
    }

    async fn remove(&self, provider: &ProviderId, id: &str) -> Result<bool> {
        self.remove_subscription(provider, id).await
    }
}
