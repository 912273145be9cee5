//! Workspace automation for meetschedify, run as `cargo xtask <command>`.
//!
//! The checks live in this library so that `cargo test` runs them too: a tidy violation or a
//! stale generated document fails CI even if nobody remembers to run `cargo xtask`.

pub mod codegen;
pub mod deps;
pub mod metadata;
pub mod msrv;
pub mod release;
pub mod threat_model;
pub mod tidy;

use std::path::{Path, PathBuf};

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The guides' code samples, compiled (and, unless marked `no_run`, run) as doctests, so a
/// sample that stops compiling fails `cargo test`.
#[cfg(doctest)]
pub mod docs {
    #[doc = include_str!("../../docs/getting-started.md")]
    pub struct GettingStarted;
    #[doc = include_str!("../../docs/errors.md")]
    pub struct Errors;
    #[doc = include_str!("../../docs/retries-and-idempotency.md")]
    pub struct RetriesAndIdempotency;
    #[doc = include_str!("../../docs/many-instances.md")]
    pub struct ManyInstances;
    #[doc = include_str!("../../docs/security.md")]
    pub struct Security;
    #[doc = include_str!("../../docs/semver.md")]
    pub struct Semver;
    #[doc = include_str!("../../docs/cli.md")]
    pub struct Cli;
    #[doc = include_str!("../../docs/emulator.md")]
    pub struct Emulator;
    #[doc = include_str!("../../docs/token-stores.md")]
    pub struct TokenStores;
    #[doc = include_str!("../../docs/providers/zoom.md")]
    pub struct Zoom;
    #[doc = include_str!("../../docs/providers/google.md")]
    pub struct Google;
    #[doc = include_str!("../../docs/providers/teams.md")]
    pub struct Teams;
    #[doc = include_str!("../../docs/performance.md")]
    pub struct Performance;
    #[doc = include_str!("../../docs/coming-from-node.md")]
    pub struct ComingFromNode;
    #[doc = include_str!("../../docs/writing-a-provider.md")]
    pub struct WritingAProvider;
    #[doc = include_str!("../../README.md")]
    pub struct Readme;
}
