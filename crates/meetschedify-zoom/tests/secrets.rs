//! The secrets test runs in its own test binary, alone: `tracing` caches per-callsite interest
//! process-wide, and a test running on another thread can register a callsite while this test's
//! scoped subscriber is being installed, so some of this test's events would go unrecorded (seen
//! as a flaky "statuses are logged" failure when it shared the integration binary).

// Shared with the integration binary; not every helper is used here.
#[allow(dead_code)]
#[path = "integration/common.rs"]
mod common;
#[path = "integration/secrets.rs"]
mod secrets;
