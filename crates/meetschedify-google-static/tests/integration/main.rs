//! Integration tests of the static Google Meet provider against the in-process emulator, in one
//! binary so the crate's tests link once.

mod conformance;
mod ownership;
mod static_provider;
