//! Every test the threat model cites exists.
//!
//! `docs/security.md` promises that each defence is shown by a test and names it as
//! `path/to/file.rs::test_name` (later names in the same row may shorten the path to `::name` or
//! `..::name`, meaning the row's last file; paths are written from the workspace root). A test renamed or moved out of its file leaves the
//! document claiming a proof nobody runs any more, so each cited file must exist and hold a
//! function of that name.

use std::fs;
use std::path::Path;

/// One line per citation that names a missing file or a function the file does not define.
pub fn check(root: &Path) -> Vec<String> {
    let doc = root.join("docs/security.md");
    let Ok(text) = fs::read_to_string(&doc) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut file: Option<&str> = None;
        for cited in code_spans(line) {
            let (path, name) = match cited.rsplit_once("::") {
                Some((path, name)) if is_ident(name) => (path, Some(name)),
                _ => (cited, None),
            };
            let path = if path.ends_with(".rs") && is_rooted(path) {
                file = Some(path);
                path
            } else if path.is_empty() || path.chars().all(|c| c == '.') {
                match (file, name) {
                    (Some(f), Some(_)) => f,
                    _ => continue,
                }
            } else {
                continue;
            };
            let at = format!("docs/security.md:{}", i + 1);
            let Ok(source) = fs::read_to_string(root.join(path)) else {
                problems.push(format!("{at}: cites `{path}`, which does not exist"));
                continue;
            };
            if let Some(name) = name {
                if !defines_fn(&source, name) {
                    problems.push(format!("{at}: `{path}` has no test `{name}`"));
                }
            }
        }
    }
    problems
}

/// The text of each `code span` on a line.
fn code_spans(line: &str) -> impl Iterator<Item = &str> {
    line.split('`').skip(1).step_by(2)
}

/// Whether a path is written from the workspace root (shorthands such as `online/conformance.rs`,
/// read against a path given earlier in the prose, are not checked).
fn is_rooted(path: &str) -> bool {
    ["crates/", "examples/", "xtask/"]
        .iter()
        .any(|root| path.starts_with(root))
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

/// Whether `source` defines a function `name` (sync or async, any visibility).
fn defines_fn(source: &str, name: &str) -> bool {
    let needle = format!("fn {name}");
    source.match_indices(&needle).any(|(at, _)| {
        let after = source[at + needle.len()..].chars().next();
        matches!(after, Some('(' | '<'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(doc: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-threats-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("docs")).unwrap();
        fs::create_dir_all(dir.join("crates/a/tests")).unwrap();
        fs::write(
            dir.join("crates/a/tests/t.rs"),
            "#[tokio::test]\nasync fn refused() {}\nfn also_refused_twice() {}\n",
        )
        .unwrap();
        fs::write(dir.join("docs/security.md"), doc).unwrap();
        dir
    }

    #[test]
    fn cited_tests_that_exist_pass_and_missing_ones_are_named() {
        let dir = scratch(concat!(
            "| attack | defence | `crates/a/tests/t.rs::refused`, `::also_refused_twice` |\n",
            "| other | `Type::method` is no file | `crates/a/tests/t.rs::gone`, `..::also_refused` |\n",
            "| moved | x | `crates/a/tests/moved.rs::refused` |\n",
        ));
        let problems = check(&dir);
        assert_eq!(
            problems,
            [
                "docs/security.md:2: `crates/a/tests/t.rs` has no test `gone`",
                "docs/security.md:2: `crates/a/tests/t.rs` has no test `also_refused`",
                "docs/security.md:3: cites `crates/a/tests/moved.rs`, which does not exist",
            ]
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_repository_s_threat_model_cites_only_tests_that_exist() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        assert_eq!(check(&root), Vec::<String>::new());
    }
}
