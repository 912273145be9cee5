//! The Calendar layer both Google providers share: Google's generated `google-calendar3`
//! bindings over one HTTP client, with tokens from core's token manager.

mod client;
mod errors;
mod final_check;
mod http;
mod ids;
mod limit;
mod mapping;
mod meetings;
pub mod metadata;
mod operations;
mod options;
mod ownership;
mod path;
mod readiness;
mod token_source;

pub use client::Calendar;
pub use ids::EventIds;
pub use meetings::CalendarMeetings;
pub use options::{CalendarOptions, SendUpdates, DEFAULT_CALENDAR_ID};
pub use ownership::TENANT_KEY;
pub use token_source::TokenAccess;
