#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod builder;
mod provider;

pub use builder::{GoogleMeetStaticBuilder, ENV_REFRESH_TOKEN, STATIC_TENANT};
pub use provider::GoogleMeetStaticProvider;

/// The Calendar settings and types shared with the per-user provider.
pub use meetschedify_google::{CalendarOptions, GoogleEndpoints, SendUpdates, TENANT_KEY};
