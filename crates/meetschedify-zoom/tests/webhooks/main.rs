//! Zoom webhook verification end to end through the public API: accepted deliveries, the URL
//! validation, and one test per attack (`docs/security.md`, threat model), each asserting the
//! typed reason and that nothing was delivered.

mod attacks;
mod common;
mod delivery;
mod emulated;
mod endpoint;
mod shared_stores;
