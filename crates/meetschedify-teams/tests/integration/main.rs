//! Integration tests of the app-only Teams provider: every path crosses real HTTP to the
//! in-process emulator (its Microsoft identity platform and Graph). One test binary, so the
//! crate links once.

mod common;
mod conformance;
mod errors;
mod idempotency;
mod lifecycle;
mod mailbox_check;
mod ownership;
mod tokens;
