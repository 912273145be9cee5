#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod builder;
mod store;

pub use builder::PostgresTokenStoreBuilder;
#[doc(inline)]
pub use meetschedify_store_sql::DEFAULT_TABLE_PREFIX;
pub use store::PostgresTokenStore;
