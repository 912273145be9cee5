//! The minimum supported Rust version, checked without that toolchain.
//!
//! Only a current stable toolchain is installed where CI runs, so `cargo +1.85 check` is not
//! available. What can be checked is what makes a build on 1.85 fail in practice: a crate of ours
//! that does not inherit the workspace `rust-version`, or a locked dependency that declares a
//! newer `rust-version` than ours (cargo refuses to build it on the older toolchain). Language
//! features newer than 1.85 used in our own code are not caught here; clippy's
//! `incompatible_msrv` lint (which reads `rust-version`) catches uses of newer std APIs.

use std::path::Path;

use serde_json::Value;

/// A Rust version as `(major, minor, patch)`; a missing patch is 0.
pub fn parse_version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.trim().split('.').map(str::parse::<u64>);
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

/// Problems in a `cargo metadata` document: workspace members whose rust-version is not
/// `msrv`, and dependencies that need a newer Rust than `msrv`.
pub fn problems_in(metadata: &Value, msrv: &str) -> Vec<String> {
    let Some(ours) = parse_version(msrv) else {
        return vec![format!("workspace rust-version `{msrv}` is not a version")];
    };
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut problems = Vec::new();
    for package in crate::metadata::packages(metadata) {
        let name = package["name"].as_str().unwrap_or("?");
        let version = package["version"].as_str().unwrap_or("?");
        let declared = package["rust_version"].as_str();
        let is_member = package["id"]
            .as_str()
            .is_some_and(|id| members.contains(&id));
        if is_member {
            if declared.and_then(parse_version) != Some(ours) {
                problems.push(format!(
                    "{name}: rust-version must be the workspace's {msrv} (rust-version.workspace = true)"
                ));
            }
            continue;
        }
        if let Some(theirs) = declared.and_then(parse_version) {
            if theirs > ours {
                problems.push(format!(
                    "Cargo.lock: {name} {version} needs Rust {} but our rust-version is {msrv}; \
                     `cargo update -p {name} --precise <older>` (the resolver's \
                     incompatible-rust-versions = \"fallback\" in .cargo/config.toml picks one)",
                    declared.unwrap_or_default()
                ));
            }
        }
    }
    problems
}

/// Runs `cargo metadata` and checks it against the workspace rust-version.
pub fn check(root: &Path, msrv: &str) -> Vec<String> {
    match crate::metadata::load(root, &[]) {
        Ok(metadata) => problems_in(&metadata, msrv),
        Err(e) => vec![e],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn versions_compare_with_a_missing_patch_as_zero() {
        assert_eq!(parse_version("1.85"), Some((1, 85, 0)));
        assert_eq!(parse_version("1.85.0"), parse_version("1.85"));
        assert!(parse_version("1.88") > parse_version("1.85.1"));
        assert_eq!(parse_version("1.x"), None);
    }

    #[test]
    fn newer_dependencies_and_members_off_the_msrv_are_reported() {
        let metadata = json!({
            "workspace_members": ["ours 0.1.0", "stray 0.1.0"],
            "packages": [
                {"id": "ours 0.1.0", "name": "ours", "version": "0.1.0", "rust_version": "1.85"},
                {"id": "stray 0.1.0", "name": "stray", "version": "0.1.0", "rust_version": null},
                {"id": "old", "name": "old", "version": "1.0.0", "rust_version": "1.70"},
                {"id": "same", "name": "same", "version": "1.0.0", "rust_version": "1.85.0"},
                {"id": "none", "name": "none", "version": "1.0.0", "rust_version": null},
                {"id": "new", "name": "new", "version": "2.0.0", "rust_version": "1.88"}
            ]
        });
        let problems = problems_in(&metadata, "1.85");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("stray: rust-version"));
        assert!(problems[1].contains("new 2.0.0 needs Rust 1.88"));
    }
}
