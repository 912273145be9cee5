//! Integration tests of the app-only Teams provider: every path crosses real HTTP to the
//! in-process emulator (its Microsoft identity platform and Graph). One test binary, so the
//! crate links once.

mod common;
mod conformance;
mod errors;
mod idempotency;
mod lifecycle;
mod mailbox_check;
mod online;
mod ownership;
mod subscription_store;
mod tokens;
mod user_attacks;
mod user_common;
mod user_conformance;
mod user_connect;
mod user_rotation;
mod user_tokens;
