#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod dialect;
mod forward;
mod idempotency;
mod nonces;
mod schema;
mod store;

pub use dialect::{Clock, Dialect, MigrationLock};
pub use schema::{check_settings, Tables, DEFAULT_TABLE_PREFIX};
pub use store::SqlTokenStore;

/// What [`forward_token_store!`] names through `$crate`, so a store crate using it needs no
/// imports of its own; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use meetschedify_core::{
        async_trait, jiff::Timestamp, Claim, DeleteOutcome, IdempotencyKey, IdempotencyStore,
        Lease, NonceStore, Result, SaveCondition, SaveOutcome, TokenKey, TokenRecord, TokenStore,
    };
}
