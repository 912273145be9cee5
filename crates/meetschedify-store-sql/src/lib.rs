#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod dialect;
mod hosts;
mod idempotency;
mod nonces;
mod schema;
mod store;
mod subscriptions;
mod traits;

pub use dialect::{Clock, Dialect, MigrationLock};
pub use schema::{check_settings, Tables, DEFAULT_TABLE_PREFIX};
pub use store::SqlTokenStore;
