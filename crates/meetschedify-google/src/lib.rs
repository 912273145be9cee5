#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod builder;
mod calendar;
mod disconnect;
pub mod endpoints;
mod oauth;
mod per_user;
mod provider;
#[cfg(feature = "webhooks")]
pub mod webhooks;

pub use builder::{
    CalendarProviderBuilder, RefreshTokenConfig, TokenSourceConfig, TokenSourceParts,
};
pub use calendar::{event_id, CalendarOptions, SendUpdates, DEFAULT_CALENDAR_ID, TENANT_KEY};
pub use endpoints::GoogleEndpoints;
/// How a token source's `read_env` reads variables (core's, shared by every builder).
pub use meetschedify_core::EnvVars;
pub use oauth::{
    GoogleClientCredentials, GoogleOAuthClient, GoogleTokenRefresher, Pkce, RevokeOutcome,
};
pub use per_user::{
    GoogleMeetBuilder, GoogleMeetProvider, PerUserConfig, PerUserTokens, ENV_CLIENT_ID,
    ENV_CLIENT_SECRET, ENV_REDIRECT_URI, ENV_STATE_KEY, SCOPE_CALENDAR, SCOPE_CALENDAR_EVENTS,
};
pub use provider::{CalendarProvider, CalendarTokens};
