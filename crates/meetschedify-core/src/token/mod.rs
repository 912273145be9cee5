//! OAuth tokens: where they are kept ([`TokenStore`]) and how they are refreshed
//! ([`TokenManager`]).

mod manager;
mod memory;
mod store;

pub use manager::{
    AccessToken, TokenManager, TokenManagerConfig, TokenRefresher, DEFAULT_REVALIDATE_EVERY,
};
pub use memory::MemoryTokenStore;
pub use store::{
    DeleteOutcome, Lease, Revocation, SaveCondition, SaveOutcome, TokenKey, TokenLeases,
    TokenRecord, TokenStore,
};
