//! [`forward_token_store!`](crate::forward_token_store): the one `TokenStore` and
//! `IdempotencyStore` impl each store crate would otherwise write out by hand.

/// Implements `meetschedify_core::TokenStore`, `IdempotencyStore` and `NonceStore` for a
/// store type by forwarding every method to its [`SqlTokenStore`](crate::SqlTokenStore) field,
/// which does the work (leases included). The type must be `Clone` (cheap: clones share the
/// pool), so `TokenStore::nonce_store` can hand out the same store as a nonce store.
///
/// The store crates keep their own public types (with their own builders and constructors), so
/// the trait must be implemented on each of them; this writes that impl once.
///
/// ```
/// use meetschedify_store_sql::{Clock, Dialect, MigrationLock, SqlTokenStore};
/// # struct Sqlite;
/// # impl Dialect for Sqlite {
/// #     type Database = sqlx::Sqlite;
/// #     const NAME: &'static str = "sqlite";
/// #     const BIGINT: &'static str = "INTEGER";
/// #     const CLOCK: Clock = Clock::Application;
/// #     const MIGRATION_LOCK: MigrationLock = MigrationLock::PerMigration;
/// #     fn create_schema_table(schema: &str) -> String { String::new() }
/// #     fn record_migration(schema: &str, now: &str) -> String { String::new() }
/// # }
///
/// /// A store with its own name and constructors.
/// #[derive(Debug, Clone)]
/// pub struct MyStore {
///     inner: SqlTokenStore<Sqlite>,
/// }
///
/// meetschedify_store_sql::forward_token_store!(MyStore => inner);
///
/// fn takes_a_store(_: &dyn meetschedify_core::TokenStore) {}
/// fn records_keyed_creates(_: &dyn meetschedify_core::IdempotencyStore) {}
/// # let _ = (takes_a_store, records_keyed_creates);
/// ```
#[macro_export]
macro_rules! forward_token_store {
    ($store:ty => $field:ident) => {
        #[$crate::__private::async_trait]
        impl $crate::__private::TokenStore for $store {
            async fn get(
                &self,
                key: &$crate::__private::TokenKey,
            ) -> $crate::__private::Result<::core::option::Option<$crate::__private::TokenRecord>>
            {
                self.$field.get(key).await
            }

            async fn save(
                &self,
                key: &$crate::__private::TokenKey,
                record: &$crate::__private::TokenRecord,
                condition: $crate::__private::SaveCondition,
            ) -> $crate::__private::Result<$crate::__private::SaveOutcome> {
                self.$field.save(key, record, condition).await
            }

            async fn delete_if(
                &self,
                key: &$crate::__private::TokenKey,
                condition: $crate::__private::SaveCondition,
            ) -> $crate::__private::Result<$crate::__private::DeleteOutcome> {
                self.$field.delete_if(key, condition).await
            }

            fn supports_leases(&self) -> bool {
                true
            }

            async fn try_acquire_lease(
                &self,
                key: &$crate::__private::TokenKey,
                ttl: ::core::time::Duration,
            ) -> $crate::__private::Result<::core::option::Option<$crate::__private::Lease>> {
                self.$field.try_acquire_lease(key, ttl).await
            }

            async fn release_lease(
                &self,
                lease: &$crate::__private::Lease,
            ) -> $crate::__private::Result<()> {
                self.$field.release_lease(lease).await
            }

            fn nonce_store(
                &self,
            ) -> ::core::option::Option<::std::sync::Arc<dyn $crate::__private::NonceStore>> {
                ::core::option::Option::Some(::std::sync::Arc::new(::core::clone::Clone::clone(
                    self,
                )))
            }
        }

        #[$crate::__private::async_trait]
        impl $crate::__private::NonceStore for $store {
            async fn consume(
                &self,
                nonce: &str,
                expires_at: $crate::__private::Timestamp,
            ) -> $crate::__private::Result<bool> {
                self.$field.consume_nonce(nonce, expires_at).await
            }
        }

        #[$crate::__private::async_trait]
        impl $crate::__private::IdempotencyStore for $store {
            async fn claim(
                &self,
                key: &$crate::__private::IdempotencyKey,
                fingerprint: &str,
                holder: &str,
                lease: ::core::time::Duration,
                ttl: ::core::time::Duration,
            ) -> $crate::__private::Result<$crate::__private::Claim> {
                self.$field
                    .claim_idempotency_key(key, fingerprint, holder, lease, ttl)
                    .await
            }

            async fn renew(
                &self,
                key: &$crate::__private::IdempotencyKey,
                holder: &str,
                lease: ::core::time::Duration,
            ) -> $crate::__private::Result<bool> {
                self.$field
                    .renew_idempotency_lease(key, holder, lease)
                    .await
            }

            async fn complete(
                &self,
                key: &$crate::__private::IdempotencyKey,
                holder: &str,
                outcome: &str,
                ttl: ::core::time::Duration,
            ) -> $crate::__private::Result<()> {
                self.$field
                    .complete_idempotency_key(key, holder, outcome, ttl)
                    .await
            }

            async fn release(
                &self,
                key: &$crate::__private::IdempotencyKey,
                holder: &str,
            ) -> $crate::__private::Result<()> {
                self.$field.release_idempotency_key(key, holder).await
            }
        }
    };
}
