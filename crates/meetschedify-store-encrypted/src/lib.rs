#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod envelope;
mod keys;
mod store;
mod subscriptions;

pub use keys::{TokenKeys, TOKEN_KEYS_ENV};
pub use store::EncryptedTokenStore;
pub use subscriptions::EncryptedSubscriptionStore;
