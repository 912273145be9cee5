#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod calendar;
pub mod endpoints;
pub mod oauth;
mod provider;
mod settings;

pub use calendar::{
    Calendar, CalendarMeetings, CalendarOptions, EventIds, SendUpdates, TokenAccess, TENANT_KEY,
};
pub use endpoints::GoogleEndpoints;
pub use oauth::{
    GoogleClientCredentials, GoogleOAuthClient, GoogleTokenRefresher, PkceCodeChallenge,
    PkceCodeVerifier, RevokeOutcome,
};
pub use provider::{
    GoogleMeetBuilder, GoogleMeetProvider, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REDIRECT_URI,
    ENV_STATE_KEY, SCOPE_CALENDAR, SCOPE_CALENDAR_EVENTS,
};
pub use settings::{GoogleProviderParts, GoogleProviderSettings};

/// What the builder-setter macro names from other crates, reachable through `$crate` so that
/// its expansion in `meetschedify-google-static` needs no imports there. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use meetschedify_core::secrecy::SecretString;
    pub use meetschedify_core::{ProviderId, RetryConfig, TokenManagerConfig};
}
