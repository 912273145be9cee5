#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod envelope;
mod keys;
mod store;

pub use keys::{TokenKeys, TOKEN_KEYS_ENV};
pub use store::EncryptedTokenStore;
