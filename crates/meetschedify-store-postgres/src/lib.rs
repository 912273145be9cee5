#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod builder;
mod schema;
mod store;

pub use builder::PostgresTokenStoreBuilder;
pub use schema::DEFAULT_TABLE_PREFIX;
pub use store::PostgresTokenStore;
