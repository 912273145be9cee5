//! Workspace automation for meetschedify, run as `cargo xtask <command>`.
//!
//! The checks live in this library so that `cargo test` runs them too: a tidy violation fails
//! CI even if nobody remembers to run `cargo xtask tidy`.

pub mod deps;
pub mod tidy;

use std::path::{Path, PathBuf};

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}
