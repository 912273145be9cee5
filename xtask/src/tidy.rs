//! Workspace conventions that no compiler checks.
//!
//! Each rule exists because breaking it breaks something later: a release (`cargo publish`
//! needs versions on internal dependencies and rejects path-only ones in `[dependencies]`), the
//! docs (every crate's README is its crate documentation), or users (the facade README must
//! list every feature it offers).

use std::fs;
use std::path::{Path, PathBuf};

use toml::Value;

/// Runs every check and returns one line per problem (empty when the workspace is tidy).
pub fn check(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let root_manifest = match read_toml(&root.join("Cargo.toml")) {
        Ok(v) => v,
        Err(e) => return vec![e],
    };
    let version = root_manifest
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    check_internal_pins(&root_manifest, &version, &mut problems);
    let dirs = crate_dirs(root);
    for dir in &dirs {
        check_crate(dir, &mut problems);
    }
    let names: Vec<String> = dirs
        .iter()
        .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    problems.extend(crate::deps::check(root, &names));
    check_facade_features(&root.join("crates/meetschedify"), &mut problems);
    check_no_stubs(root, &mut problems);
    for dir in example_dirs(root) {
        check_example(&dir, &mut problems);
    }
    check_docs_index(root, &mut problems);
    check_relative_links(root, &mut problems);
    problems.extend(crate::threat_model::check(root));
    let msrv = root_manifest
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("rust-version"))
        .and_then(Value::as_str);
    match msrv {
        Some(msrv) if root.join("Cargo.lock").exists() => {
            problems.extend(crate::msrv::check(root, msrv));
        }
        Some(_) => {}
        None => problems.push("[workspace.package] has no rust-version (the MSRV)".into()),
    }
    for file in [
        "deny.toml",
        "rustfmt.toml",
        "clippy.toml",
        ".cargo/config.toml",
        "README.md",
        "CHANGELOG.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        if !root.join(file).exists() {
            problems.push(format!("{file} is missing at the workspace root"));
        }
    }
    problems
}

fn read_toml(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.parse::<Value>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn crate_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<_> = fs::read_dir(root.join("crates"))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.join("Cargo.toml").exists());
    dirs.sort();
    dirs
}

fn example_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<_> = fs::read_dir(root.join("examples"))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.join("Cargo.toml").exists());
    dirs.sort();
    dirs
}

/// Examples are held to the crates' standard, minus publishing: they say what they show, are
/// never published, and inherit the workspace's edition, MSRV, licence and lints.
fn check_example(dir: &Path, problems: &mut Vec<String>) {
    let name = format!(
        "examples/{}",
        dir.file_name().unwrap_or_default().to_string_lossy()
    );
    let manifest = match read_toml(&dir.join("Cargo.toml")) {
        Ok(v) => v,
        Err(e) => {
            problems.push(e);
            return;
        }
    };
    let package = manifest.get("package");
    let get = |field: &str| package.and_then(|p| p.get(field));
    if !dir.join("README.md").exists() {
        problems.push(format!("{name}: README.md is missing"));
    }
    if get("description").is_none() {
        problems.push(format!("{name}: [package] has no description"));
    }
    if get("publish").and_then(Value::as_bool) != Some(false) {
        problems.push(format!("{name}: examples must set publish = false"));
    }
    for field in ["version", "edition", "license", "rust-version"] {
        if get(field)
            .and_then(|v| v.get("workspace"))
            .and_then(Value::as_bool)
            != Some(true)
        {
            problems.push(format!(
                "{name}: `{field}` must be inherited with {field}.workspace = true"
            ));
        }
    }
    if manifest
        .get("lints")
        .and_then(|l| l.get("workspace"))
        .and_then(Value::as_bool)
        != Some(true)
    {
        problems.push(format!("{name}: [lints] workspace = true is missing"));
    }
}

/// Every guide under `docs/` is linked from `docs/README.md`, so none is orphaned.
fn check_docs_index(root: &Path, problems: &mut Vec<String>) {
    let docs = root.join("docs");
    if !docs.exists() {
        return;
    }
    let index = fs::read_to_string(docs.join("README.md")).unwrap_or_default();
    if index.is_empty() {
        problems.push("docs/README.md (the index of the guides) is missing".into());
    }
    let mut stack = vec![docs.clone()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let rel = path
                    .strip_prefix(&docs)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                if rel != "README.md" && !index.contains(&format!("({rel})")) {
                    problems.push(format!("docs/{rel} is not linked from docs/README.md"));
                }
            }
        }
    }
}

/// Relative links in the guides, the root README and the changelog point at files that exist,
/// so a renamed or missing guide is caught before a reader follows the link.
fn check_relative_links(root: &Path, problems: &mut Vec<String>) {
    let mut pages = vec![root.join("README.md"), root.join("CHANGELOG.md")];
    let mut stack = vec![root.join("docs")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    for page in pages {
        let Ok(text) = fs::read_to_string(&page) else {
            continue;
        };
        let base = page.parent().unwrap_or(root);
        for target in markdown_link_targets(&text) {
            let path = target.split('#').next().unwrap_or_default();
            let external = target.contains("://") || target.starts_with("mailto:");
            if external || path.is_empty() {
                continue;
            }
            if !base.join(path).exists() {
                problems.push(format!(
                    "{}: the link ({target}) points at nothing",
                    page.strip_prefix(root).unwrap_or(&page).display()
                ));
            }
        }
    }
}

/// The targets of inline Markdown links, `[text](target)`, outside code blocks.
fn markdown_link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else {
                break;
            };
            targets.push(after[..end].trim().to_owned());
            rest = &after[end..];
        }
    }
    targets
}

fn is_internal(name: &str) -> bool {
    name == "meetschedify" || name.starts_with("meetschedify-")
}

/// Internal crates in `[workspace.dependencies]` carry a path and an exact version equal to
/// the workspace version, so crates published in lockstep depend on each other exactly.
fn check_internal_pins(root: &Value, version: &str, problems: &mut Vec<String>) {
    let Some(deps) = root
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(Value::as_table)
    else {
        problems.push("root Cargo.toml has no [workspace.dependencies]".into());
        return;
    };
    for (name, spec) in deps.iter().filter(|(n, _)| is_internal(n)) {
        if spec.get("path").is_none() {
            problems.push(format!("workspace dependency `{name}` has no path"));
        }
        let expected = format!("={version}");
        if spec.get("version").and_then(Value::as_str) != Some(expected.as_str()) {
            problems.push(format!(
                "workspace dependency `{name}` must pin version = \"{expected}\""
            ));
        }
    }
}

fn check_crate(dir: &Path, problems: &mut Vec<String>) {
    let name = dir
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let manifest = match read_toml(&dir.join("Cargo.toml")) {
        Ok(v) => v,
        Err(e) => {
            problems.push(e);
            return;
        }
    };
    let package = manifest
        .get("package")
        .cloned()
        .unwrap_or(Value::Table(Default::default()));
    let publish = package
        .get("publish")
        .and_then(Value::as_bool)
        .unwrap_or(true);

    if !dir.join("README.md").exists() {
        problems.push(format!("{name}: README.md is missing"));
    }
    if package.get("description").is_none() {
        problems.push(format!("{name}: [package] has no description"));
    }
    if publish && package.get("readme").and_then(Value::as_str) != Some("README.md") {
        problems.push(format!("{name}: [package] must set readme = \"README.md\""));
    }
    for field in [
        "version",
        "edition",
        "license",
        "repository",
        "rust-version",
    ] {
        let inherited = package
            .get(field)
            .and_then(|v| v.get("workspace"))
            .and_then(Value::as_bool)
            == Some(true);
        if !inherited {
            problems.push(format!(
                "{name}: `{field}` must be inherited with {field}.workspace = true"
            ));
        }
    }
    let lints_inherited = manifest
        .get("lints")
        .and_then(|l| l.get("workspace"))
        .and_then(Value::as_bool)
        == Some(true);
    if !lints_inherited {
        problems.push(format!("{name}: [lints] workspace = true is missing"));
    }
    if let Some(deps) = manifest.get("dependencies").and_then(Value::as_table) {
        for (dep, spec) in deps.iter().filter(|(n, _)| is_internal(n)) {
            let from_workspace = spec.get("workspace").and_then(Value::as_bool) == Some(true);
            if !from_workspace && spec.get("version").is_none() {
                problems.push(format!(
                    "{name}: dependency `{dep}` must use `workspace = true` so it carries a version"
                ));
            }
        }
    }
    if let Some(deps) = manifest.get("dev-dependencies").and_then(Value::as_table) {
        for (dep, spec) in deps.iter().filter(|(n, _)| is_internal(n)) {
            // A versioned internal dev-dependency makes `cargo publish` of the two crates depend
            // on each other's order; a path-only one is stripped at publish time.
            let path_only = spec.get("path").is_some()
                && spec.get("version").is_none()
                && spec.get("workspace").is_none();
            if !path_only {
                problems.push(format!("{name}: dev-dependency `{dep}` must be path-only"));
            }
        }
    }
    let lib = dir.join("src/lib.rs");
    if lib.exists() {
        let text = fs::read_to_string(&lib).unwrap_or_default();
        if !text.contains("#![doc = include_str!(\"../README.md\")]") {
            problems.push(format!(
                "{name}: src/lib.rs must start with #![doc = include_str!(\"../README.md\")]"
            ));
        }
        if !text.contains("#![deny(missing_docs)]") {
            problems.push(format!("{name}: src/lib.rs must #![deny(missing_docs)]"));
        }
    }
}

/// Every feature the facade offers is documented in its README's feature table.
fn check_facade_features(dir: &Path, problems: &mut Vec<String>) {
    let Ok(manifest) = read_toml(&dir.join("Cargo.toml")) else {
        problems.push("the facade crate crates/meetschedify is missing".into());
        return;
    };
    let readme = fs::read_to_string(dir.join("README.md")).unwrap_or_default();
    let features = manifest
        .get("features")
        .and_then(Value::as_table)
        .cloned()
        .unwrap_or_default();
    for feature in features.keys().filter(|f| *f != "default" && *f != "full") {
        if !readme.contains(&format!("`{feature}`")) {
            problems.push(format!(
                "meetschedify: README.md does not list the feature `{feature}`"
            ));
        }
    }
}

/// No stubs and no skipped tests in committed code; and no exported macros or hidden
/// "private" modules, the back doors crates once used to share code outside the contract
/// (a crate shares through public, documented types of `meetschedify-core`, or not at all).
fn check_no_stubs(root: &Path, problems: &mut Vec<String>) {
    let forbidden = [
        concat!("to", "do!("),
        concat!("unimpl", "emented!("),
        concat!("#[ig", "nore"),
        concat!("#[macro_", "export]"),
        concat!("__pri", "vate"),
    ];
    let mut stack = vec![
        root.join("crates"),
        root.join("xtask"),
        root.join("examples"),
    ];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = fs::read_to_string(&path).unwrap_or_default();
                for (i, line) in text.lines().enumerate() {
                    if let Some(f) = forbidden.iter().find(|f| line.contains(*f)) {
                        problems.push(format!(
                            "{}:{}: `{f}` is not allowed",
                            path.display(),
                            i + 1
                        ));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-tidy-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("crates/meetschedify/src")).unwrap();
        dir
    }

    #[test]
    fn an_unpinned_internal_dependency_and_a_missing_readme_are_reported() {
        let root = scratch("bad");
        fs::write(
            root.join("Cargo.toml"),
            "[workspace.package]\nversion = \"0.1.0\"\n[workspace.dependencies]\n\
             meetschedify-core = { path = \"crates/meetschedify-core\" }\n",
        )
        .unwrap();
        fs::write(
            root.join("crates/meetschedify/Cargo.toml"),
            "[package]\nname = \"meetschedify\"\n[features]\nzoom = []\n\
             [dev-dependencies]\nmeetschedify-core = { workspace = true }\n",
        )
        .unwrap();
        fs::write(
            root.join("crates/meetschedify/src/lib.rs"),
            "//! no readme include\n",
        )
        .unwrap();
        let problems = check(&root).join("\n");
        for expected in [
            "must pin version",
            "README.md is missing",
            "no description",
            "[lints] workspace = true",
            "dev-dependency `meetschedify-core` must be path-only",
            "include_str!",
            "does not list the feature `zoom`",
            "deny.toml is missing",
        ] {
            assert!(
                problems.contains(expected),
                "expected `{expected}` in:\n{problems}"
            );
        }
        let _ = fs::remove_dir_all(root);
    }

    #[test]
    fn link_targets_are_found_outside_code_blocks() {
        let text = "see [a](a.md) and [b](../b.md#x)\n```\n[c](c.md)\n```\n[d](https://x.y)";
        assert_eq!(
            markdown_link_targets(text),
            ["a.md", "../b.md#x", "https://x.y"]
        );
    }

    #[test]
    fn stubs_are_reported_with_their_location() {
        let root = scratch("stub");
        fs::write(
            root.join("crates/meetschedify/src/lib.rs"),
            format!("fn f() {{ {}) }}\n", concat!("to", "do!(")),
        )
        .unwrap();
        let mut problems = Vec::new();
        check_no_stubs(&root, &mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("lib.rs:1"));
        let _ = fs::remove_dir_all(root);
    }

    #[test]
    fn exported_macros_and_private_modules_are_reported() {
        let root = scratch("backdoor");
        fs::write(
            root.join("crates/meetschedify/src/lib.rs"),
            format!(
                "{}\nmacro_rules! m {{ () => {{}} }}\n#[doc(hidden)]\npub mod {} {{}}\n",
                concat!("#[macro_", "export]"),
                concat!("__pri", "vate"),
            ),
        )
        .unwrap();
        let mut problems = Vec::new();
        check_no_stubs(&root, &mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("lib.rs:1") && problems[1].contains("lib.rs:4"));
        let _ = fs::remove_dir_all(root);
    }
}
