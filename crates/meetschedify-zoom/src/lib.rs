#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod api;
mod body;
mod builder;
mod config;
mod create;
mod defaults;
mod errors;
mod lookup;
mod mapping;
mod marker;
mod owner;
mod pool;
mod provider;
mod rate_limit;
mod read;
mod scopes;
mod token;
#[cfg(feature = "webhooks")]
pub mod webhooks;

pub use builder::ZoomProviderBuilder;
pub use config::{
    DEFAULT_API_BASE, DEFAULT_OAUTH_BASE, DEFAULT_REQUEST_TIMEOUT, ENV_ACCOUNT_ID, ENV_API_BASE,
    ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_HOST_PADDING_MINUTES, ENV_HOST_POOL, ENV_OAUTH_BASE,
};
pub use defaults::{AudioType, AutoRecording, EncryptionType, MeetingDefaults, Preset};
pub use provider::{ZoomProvider, ZOOM_LIMITS};
pub use read::DEFAULT_MAX_RESPONSE_BYTES;

/// The key under `CreateMeetingRequest::provider_options` that this provider reads, whatever id
/// it is registered under: `{"zoom": {"settings": {...}, "user_id": "..."}}`.
pub const PROVIDER_OPTIONS_KEY: &str = "zoom";
