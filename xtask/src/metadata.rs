//! `cargo metadata`, read as JSON.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Runs `cargo metadata --format-version 1 --locked` (plus `extra` flags) in `root`.
///
/// `--locked` because the checks are about `Cargo.lock` as committed: if it is out of date,
/// that is the first thing to fix.
pub fn load(root: &Path, extra: &[&str]) -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(extra)
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))
}

/// The packages array.
pub fn packages(metadata: &Value) -> &[Value] {
    metadata["packages"].as_array().map_or(&[], Vec::as_slice)
}
