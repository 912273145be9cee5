//! The Calendar layer every Google provider runs on: Google's generated `google-calendar3`
//! bindings over one HTTP client, with tokens from the provider's token source. Internal: the
//! bindings' and hyper's types stay in here.

mod channel_stop;
#[cfg(feature = "webhooks")]
pub(crate) mod channels;
mod client;
mod errors;
mod final_check;
mod http;
mod ids;
mod limit;
mod mapping;
mod metadata;
mod operations;
mod options;
mod ownership;
mod path;
mod readiness;

pub(crate) use client::Calendar;
pub use ids::event_id;
pub use options::{CalendarOptions, SendUpdates, DEFAULT_CALENDAR_ID};
pub use ownership::TENANT_KEY;
