#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod builder;
mod hosts;
mod idempotency;
mod keys;
mod nonces;
mod store;
mod subscriptions;

pub use builder::RedisTokenStoreBuilder;
pub use keys::DEFAULT_KEY_PREFIX;
pub use store::RedisTokenStore;
