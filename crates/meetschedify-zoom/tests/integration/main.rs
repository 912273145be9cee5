//! Integration tests of the Zoom provider: every path crosses real HTTP to the in-process
//! emulator. One test binary, so the crate links once.

mod bounded_waits;
mod common;
mod conformance;
mod cross_instance;
mod duplicates;
mod errors;
mod host_pool;
mod lifecycle;
mod limits;
mod ownership;
mod scopes;
mod snapshots;
mod tokens;
