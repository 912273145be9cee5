//! Integration tests of the Google Calendar providers against the in-process emulator, in one
//! binary: each module was its own test binary, and linking thirteen of them cost more CI time
//! on two cores than running them.

mod common;

mod calendar_errors;
mod conference;
mod config;
mod conformance;
mod final_check;
mod idempotency;
mod ids_in_paths;
mod metadata;
mod per_user_flow;
mod reconnect;
mod shared_account;
mod state_attacks;
mod subscription_store;
mod tokens;
mod wire_snapshots;
