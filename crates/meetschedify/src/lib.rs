#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// On docs.rs (`--cfg docsrs`, see `[package.metadata.docs.rs]`), each feature-gated module is
// labelled with its feature through the explicit `doc(cfg(...))` attributes below.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use meetschedify_core::*;

/// The embedded SQLite token store, a file or in memory (feature `store-sqlite`).
#[cfg(feature = "store-sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "store-sqlite")))]
pub mod store_sqlite {
    pub use meetschedify_store_sqlite::*;
}

/// The PostgreSQL token store for many instances (feature `store-postgres`).
#[cfg(feature = "store-postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "store-postgres")))]
pub mod store_postgres {
    pub use meetschedify_store_postgres::*;
}

/// The Redis token store for many instances (feature `store-redis`).
#[cfg(feature = "store-redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "store-redis")))]
pub mod store_redis {
    pub use meetschedify_store_redis::*;
}

/// Encryption at rest for any token store (feature `store-encrypted`).
#[cfg(feature = "store-encrypted")]
#[cfg_attr(docsrs, doc(cfg(feature = "store-encrypted")))]
pub mod store_encrypted {
    pub use meetschedify_store_encrypted::*;
}

/// The local Google and Zoom emulator, for integration tests (feature `emulator`).
#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
pub mod emulator {
    pub use meetschedify_emulator::*;
}

/// Zoom meetings through a Server-to-Server OAuth app: `zoom::ZoomProvider` (feature `zoom`).
#[cfg(feature = "zoom")]
#[cfg_attr(docsrs, doc(cfg(feature = "zoom")))]
pub mod zoom {
    pub use meetschedify_zoom::*;
}

/// Google Meet with per-user OAuth, `google::GoogleMeetProvider`, and the shared Google Calendar
/// layer (feature `google`).
#[cfg(feature = "google")]
#[cfg_attr(docsrs, doc(cfg(feature = "google")))]
pub mod google {
    pub use meetschedify_google::*;
}

/// Google Meet with one static refresh token: `google_static::GoogleMeetStaticProvider`
/// (feature `google-static`).
#[cfg(feature = "google-static")]
#[cfg_attr(docsrs, doc(cfg(feature = "google-static")))]
pub mod google_static {
    pub use meetschedify_google_static::*;
}

/// Microsoft Teams meetings through Microsoft Graph (feature `teams`): `teams::TeamsProvider`,
/// per-user with delegated OAuth, on each tenant's own calendar, and `teams::TeamsAppProvider`,
/// app-only, for one organizer, as calendar events or standalone online meetings
/// (`teams::TeamsAppMode`).
#[cfg(feature = "teams")]
#[cfg_attr(docsrs, doc(cfg(feature = "teams")))]
pub mod teams {
    pub use meetschedify_teams::*;
}

/// A webhook verifier mounted on an axum router in one line: `webhooks_axum::route` (feature
/// `axum`).
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod webhooks_axum;
