//! Dependency boundaries between crates, checked with `cargo tree`.
//!
//! The architecture promises that core has no HTTP client or database driver (so a third-party
//! provider or store pays for neither), that stores carry no HTTP client, and that Google's
//! generated bindings stay out of the Zoom and Teams crates, and that no provider depends on a store crate. A careless `Cargo.toml` line would break that
//! silently; this check makes it loud.

use std::path::Path;
use std::process::Command;

/// Every token-store crate, which no provider may depend on.
const STORE_CRATES: &[&str] = &[
    "meetschedify-store-sql",
    "meetschedify-store-sqlite",
    "meetschedify-store-postgres",
    "meetschedify-store-redis",
    "meetschedify-store-encrypted",
];

/// `(crate name prefix, forbidden dependencies)`; a rule applies to every crate whose name
/// starts with the prefix.
const RULES: &[(&str, &[&str])] = &[
    (
        "meetschedify-core",
        &["reqwest", "hyper", "sqlx", "redis", "google-calendar3"],
    ),
    (
        "meetschedify-store-",
        &["reqwest", "hyper", "google-calendar3"],
    ),
    ("meetschedify-zoom", &["google-calendar3", "sqlx", "redis"]),
    // A provider needs only core: its default token store is core's `MemoryTokenStore`, and an
    // application hands it any other store as `Arc<dyn TokenStore>`.
    ("meetschedify-zoom", STORE_CRATES),
    ("meetschedify-google", STORE_CRATES),
    // Teams talks to Graph over the workspace's reqwest: no Google bindings, no database
    // driver, no store crate, and no other provider (providers never know about each other).
    (
        "meetschedify-teams",
        &[
            "google-calendar3",
            "sqlx",
            "redis",
            "meetschedify-zoom",
            "meetschedify-google",
        ],
    ),
    ("meetschedify-teams", STORE_CRATES),
    ("meetschedify-emulator", &["meetschedify-core"]),
];

/// Checks every existing crate against `RULES`; returns one line per violation.
pub fn check(root: &Path, crate_names: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for name in crate_names {
        for (prefix, forbidden) in RULES {
            if !name.starts_with(prefix) {
                continue;
            }
            match normal_dependencies(root, name) {
                Ok(deps) => {
                    for bad in forbidden.iter().filter(|f| deps.iter().any(|d| d == *f)) {
                        problems.push(format!(
                            "{name} must not depend on `{bad}` (see xtask/src/deps.rs)"
                        ));
                    }
                }
                Err(e) => problems.push(format!("{name}: cargo tree failed: {e}")),
            }
        }
    }
    problems
}

/// The names of every crate in `name`'s normal (non-dev, non-build) dependency tree.
fn normal_dependencies(root: &Path, name: &str) -> Result<Vec<String>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "tree",
            "--quiet",
            "-p",
            name,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--all-features",
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut names: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    // The crate itself is the first line; it is not its own dependency.
    names.retain(|n| n != name);
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dependency_listing_sees_real_dependencies() {
        // Guards the check against passing vacuously: if parsing broke, this list would be empty.
        let deps = normal_dependencies(&crate::workspace_root(), "meetschedify-core").unwrap();
        assert!(deps.iter().any(|d| d == "jiff"), "{deps:?}");
        assert!(deps.iter().any(|d| d == "secrecy"), "{deps:?}");
        assert!(!deps.iter().any(|d| d == "meetschedify-core"));
        // Dev-dependencies are not part of the normal tree.
        assert!(!deps.iter().any(|d| d == "insta"), "{deps:?}");
    }
}
