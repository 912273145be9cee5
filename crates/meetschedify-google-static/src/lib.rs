#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod tokens;

pub use tokens::{
    GoogleMeetStaticBuilder, GoogleMeetStaticProvider, StaticRefreshToken,
    StaticRefreshTokenConfig, ENV_REFRESH_TOKEN, STATIC_TENANT,
};

/// The Calendar settings and types shared with the per-user provider.
pub use meetschedify_google::{CalendarOptions, GoogleEndpoints, SendUpdates, TENANT_KEY};
