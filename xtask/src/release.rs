//! `cargo xtask release --dry-run <major|minor|patch|X.Y.Z>`: the release plan, checked.
//!
//! Every publishable crate shares the workspace version and pins its internal dependencies to
//! it exactly (`=X.Y.Z`), so a release bumps them all at once and publishes them in dependency
//! order. The dry run checks what can be checked here and prints the plan; it writes nothing,
//! tags nothing and never talks to crates.io for publishing.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// How to bump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bump {
    /// `X.Y.Z` -> `(X+1).0.0`
    Major,
    /// `X.Y.Z` -> `X.(Y+1).0`
    Minor,
    /// `X.Y.Z` -> `X.Y.(Z+1)`
    Patch,
    /// An explicit version.
    To(String),
}

impl Bump {
    /// Parses `major`, `minor`, `patch` or `X.Y.Z`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "major" => Ok(Bump::Major),
            "minor" => Ok(Bump::Minor),
            "patch" => Ok(Bump::Patch),
            v if parse(v).is_some() => Ok(Bump::To(v.to_owned())),
            other => Err(format!(
                "`{other}` is not major, minor, patch or a version X.Y.Z"
            )),
        }
    }

    /// The version after `current`.
    pub fn apply(&self, current: &str) -> Result<String, String> {
        let (ma, mi, pa) = parse(current).ok_or(format!("`{current}` is not X.Y.Z"))?;
        let next = match self {
            Bump::Major => format!("{}.0.0", ma + 1),
            // Before 1.0, cargo treats a minor bump as breaking; that is what `minor` means here.
            Bump::Minor => format!("{ma}.{}.0", mi + 1),
            Bump::Patch => format!("{ma}.{mi}.{}", pa + 1),
            Bump::To(v) => v.clone(),
        };
        if parse(&next) <= parse(current) {
            return Err(format!("{next} is not after {current}"));
        }
        Ok(next)
    }
}

fn parse(v: &str) -> Option<(u64, u64, u64)> {
    let mut it = v.split('.').map(|p| p.parse::<u64>().ok());
    let out = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(out)
}

/// The entries under `## [Unreleased]` (or `## [version]`) in a changelog.
pub fn changelog_section(text: &str, version: &str) -> Option<Vec<String>> {
    let headings = [format!("## [{version}]"), "## [Unreleased]".to_owned()];
    let mut lines = text.lines();
    lines.find(|l| headings.iter().any(|h| l.starts_with(h.as_str())))?;
    let entries: Vec<String> = lines
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.trim_start().starts_with("- "))
        .map(|l| l.trim().to_owned())
        .collect();
    (!entries.is_empty()).then_some(entries)
}

/// Publishable workspace crates in dependency order (each after everything it depends on).
///
/// Dev-dependencies are ignored: internal ones are path-only, and `cargo publish` strips them.
pub fn publish_order(metadata: &Value) -> Result<Vec<String>, String> {
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in crate::metadata::packages(metadata) {
        let is_member = p["id"].as_str().is_some_and(|id| members.contains(&id));
        // `publish = false` shows up as an empty registry list.
        let publishable = !p["publish"].as_array().is_some_and(Vec::is_empty);
        if is_member && publishable {
            let name = p["name"].as_str().unwrap_or_default().to_owned();
            let internal = p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["kind"].as_str() != Some("dev") && d["path"].is_string())
                .filter_map(|d| d["name"].as_str().map(str::to_owned))
                .collect();
            deps.insert(name, internal);
        }
    }
    for (name, ds) in &deps {
        if let Some(bad) = ds.iter().find(|d| !deps.contains_key(*d)) {
            return Err(format!(
                "{name} depends on {bad}, which is not publishable (publish = false?)"
            ));
        }
    }
    let mut order: Vec<String> = Vec::new();
    while order.len() < deps.len() {
        let ready: Vec<String> = deps
            .iter()
            .filter(|(n, ds)| !order.contains(n) && ds.iter().all(|d| order.contains(d)))
            .map(|(n, _)| n.clone())
            .collect();
        if ready.is_empty() {
            return Err("the internal dependency graph has a cycle".into());
        }
        order.extend(ready);
    }
    Ok(order)
}

/// Checks and prints the plan. With `package`, also packages every crate (offline, unverified).
pub fn dry_run(root: &Path, bump: &Bump, package: bool) -> Result<String, String> {
    let manifest_text = fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let manifest: toml::Value = manifest_text
        .parse()
        .map_err(|e| format!("Cargo.toml: {e}"))?;
    let current = manifest["workspace"]["package"]["version"]
        .as_str()
        .ok_or("[workspace.package] has no version")?
        .to_owned();
    let next = bump.apply(&current)?;
    let pins = manifest_text.matches(&format!("\"={current}\"")).count();

    let changelog = fs::read_to_string(root.join("CHANGELOG.md"))
        .map_err(|e| format!("CHANGELOG.md: {e} (a release needs one)"))?;
    let entries = changelog_section(&changelog, &next).ok_or(format!(
        "CHANGELOG.md needs a `## [Unreleased]` (or `## [{next}]`) section with at least one `- ` entry"
    ))?;

    let metadata = crate::metadata::load(root, &["--no-deps"])?;
    let order = publish_order(&metadata)?;
    for p in crate::metadata::packages(&metadata) {
        let name = p["name"].as_str().unwrap_or_default();
        if order.iter().any(|o| o == name) && p["version"].as_str() != Some(current.as_str()) {
            return Err(format!(
                "{name} is at {} but the workspace is at {current}: versions move in lockstep",
                p["version"]
            ));
        }
    }

    let mut plan = String::new();
    let _ = writeln!(
        plan,
        "release plan {current} -> {next} (dry run: nothing is written, tagged or published)"
    );
    let _ = writeln!(
        plan,
        "1. Cargo.toml: [workspace.package] version = \"{next}\", and the {pins} internal pins \
         \"={current}\" -> \"={next}\" in [workspace.dependencies]"
    );
    let _ = writeln!(
        plan,
        "2. CHANGELOG.md: `## [Unreleased]` becomes `## [{next}] - <date>` ({} entries)",
        entries.len()
    );
    let _ = writeln!(plan, "3. cargo test --workspace --locked, then .ci/run");
    let _ = writeln!(
        plan,
        "4. cargo publish, in dependency order (each waits for the previous to be in the index):"
    );
    let packaged = if package {
        package_all(root, &order)?
    } else {
        BTreeMap::new()
    };
    for (i, name) in order.iter().enumerate() {
        let note = packaged
            .get(name)
            .map(|summary| format!("  [cargo package: {summary}]"))
            .unwrap_or_default();
        let _ = writeln!(plan, "   {:>2}. {name}{note}", i + 1);
    }
    let _ = writeln!(plan, "5. git tag v{next} && git push --tags");
    Ok(plan)
}

/// `cargo package --no-verify --offline` for every publishable crate in one invocation, so
/// cargo resolves the internal dependencies among them locally (they are not on crates.io yet).
/// Proves each manifest packages (README, files, dependency specs) without building or
/// contacting a registry; returns cargo's "Packaged N files, ..." line per crate.
fn package_all(root: &Path, order: &[String]) -> Result<BTreeMap<String, String>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(["package", "--no-verify", "--offline", "--allow-dirty"]);
    for name in order {
        command.args(["-p", name]);
    }
    let output = command.output().map_err(|e| e.to_string())?;
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("cargo package failed:\n{}", log.trim()));
    }
    let mut summaries = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in log.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Packaging ") {
            current = rest.split_whitespace().next().map(str::to_owned);
        } else if let (Some(rest), Some(name)) = (line.strip_prefix("Packaged "), current.take()) {
            summaries.insert(name, rest.to_owned());
        }
    }
    if let Some(missing) = order.iter().find(|n| !summaries.contains_key(*n)) {
        return Err(format!("cargo package did not package {missing}"));
    }
    Ok(summaries)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bumps() {
        assert_eq!(Bump::Patch.apply("0.1.0").unwrap(), "0.1.1");
        assert_eq!(Bump::Minor.apply("0.1.3").unwrap(), "0.2.0");
        assert_eq!(Bump::Major.apply("0.9.1").unwrap(), "1.0.0");
        assert_eq!(
            Bump::parse("1.2.3").unwrap().apply("1.2.2").unwrap(),
            "1.2.3"
        );
        assert!(Bump::To("0.1.0".into()).apply("0.1.0").is_err());
        assert!(Bump::parse("next").is_err());
    }

    #[test]
    fn a_changelog_section_needs_entries() {
        let text = "# Changelog\n\n## [Unreleased]\n\n- added x\n- fixed y\n\n## [0.1.0]\n- old\n";
        assert_eq!(changelog_section(text, "0.2.0").unwrap().len(), 2);
        assert!(changelog_section("## [Unreleased]\n\n## [0.1.0]\n- old\n", "0.2.0").is_none());
        assert!(changelog_section("# nothing\n", "0.2.0").is_none());
    }

    #[test]
    fn dependencies_come_first_and_unpublished_crates_are_left_out() {
        let metadata = json!({
            "workspace_members": ["a", "b", "c", "x"],
            "packages": [
                {"id": "c", "name": "c", "version": "0.1.0", "publish": null, "dependencies": [
                    {"name": "b", "kind": null, "path": "/b"},
                    {"name": "x", "kind": "dev", "path": "/x"}]},
                {"id": "b", "name": "b", "version": "0.1.0", "publish": null, "dependencies": [
                    {"name": "a", "kind": null, "path": "/a"}, {"name": "serde", "kind": null}]},
                {"id": "a", "name": "a", "version": "0.1.0", "publish": null, "dependencies": []},
                {"id": "x", "name": "x", "version": "0.0.0", "publish": [], "dependencies": []}
            ]
        });
        assert_eq!(publish_order(&metadata).unwrap(), ["a", "b", "c"]);
    }
}
