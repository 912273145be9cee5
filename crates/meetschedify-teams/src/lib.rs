#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod api;
mod body;
mod builder;
mod config;
mod errors;
mod events;
mod grant_errors;
mod in_flight;
mod mailbox;
mod mapping;
mod mode;
mod online;
mod outcome;
mod path;
mod per_user;
mod props;
mod provider;
mod read;
mod retry_after;
mod subscription_delete;
mod token;
mod token_endpoint;
mod tokens;
mod transaction;
#[cfg(feature = "webhooks")]
pub mod webhooks;

pub use builder::TeamsAppProviderBuilder;
pub use config::{
    DEFAULT_GRAPH_API_BASE, DEFAULT_LOGIN_BASE, DEFAULT_REQUEST_TIMEOUT, ENV_CLIENT_ID,
    ENV_CLIENT_SECRET, ENV_GRAPH_API_BASE, ENV_LOGIN_BASE, ENV_MODE, ENV_ORGANIZER,
    ENV_REDIRECT_URI, ENV_STATE_KEY, ENV_TENANT_ID, GRAPH_SCOPE,
};
pub use mode::TeamsAppMode;
pub use per_user::{
    TeamsProvider, TeamsProviderBuilder, SCOPE_CALENDARS_READ_WRITE, SCOPE_OFFLINE_ACCESS,
};
pub use props::PROPERTY_ID;
pub use provider::{TeamsAppProvider, TEAMS_LIMITS};
pub use read::DEFAULT_MAX_RESPONSE_BYTES;
