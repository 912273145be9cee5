//! `--env-file`: settings from a `.env` file, without overriding the real environment.

use std::path::Path;

/// Loads `KEY=VALUE` lines from `path` into the process environment. Variables already set win,
/// so `ZOOM_CLIENT_ID=x meetschedify --env-file .env ...` behaves as a user expects.
///
/// An error names the file and the line number, never the line's text: a `.env` holds client
/// secrets and refresh tokens, and dotenvy's own message quotes the malformed line whole.
///
/// Must run before any thread starts (the async runtime included): changing the environment
/// while other threads read it is undefined behaviour on some platforms.
pub fn load(path: &Path) -> Result<usize, String> {
    let entries = dotenvy::from_path_iter(path)
        .map_err(|e| format!("cannot read env file {}: {}", path.display(), describe(&e)))?;
    let mut loaded = 0;
    for entry in entries {
        let (key, value) = entry.map_err(|e| parse_error(path, &e))?;
        if std::env::var_os(&key).is_none() {
            std::env::set_var(key, value);
            loaded += 1;
        }
    }
    Ok(loaded)
}

/// The error for an entry that did not parse: the file and, when it can be found, the line.
fn parse_error(path: &Path, err: &dotenvy::Error) -> String {
    let line = match err {
        dotenvy::Error::LineParse(text, _) => std::fs::read_to_string(path)
            .ok()
            .and_then(|file| line_number(&file, text)),
        _ => None,
    };
    match line {
        Some(n) => format!(
            "cannot parse env file {}: line {n} is not a valid KEY=VALUE line (its text is not \
             shown, as it may hold a secret)",
            path.display()
        ),
        None => format!(
            "cannot parse env file {}: {}",
            path.display(),
            describe(err)
        ),
    }
}

/// A description of `err` that never includes text from the file.
fn describe(err: &dotenvy::Error) -> String {
    match err {
        dotenvy::Error::LineParse(..) => {
            "a line is not a valid KEY=VALUE line (its text is not shown, as it may hold a secret)"
                .to_owned()
        }
        dotenvy::Error::Io(e) => e.to_string(),
        // Reading or substituting variables: these messages carry names, not values.
        other => other.to_string(),
    }
}

/// The 1-based number of the line of `file` that dotenvy's failing text `entry` comes from.
///
/// dotenvy reports the whole entry (a quoted value's lines joined) or only the value part, and
/// no position, so the line is found by its text: the first line equal to it, else the first
/// non-comment line containing it.
fn line_number(file: &str, entry: &str) -> Option<usize> {
    let first = entry.lines().next()?.trim();
    if first.is_empty() {
        return None;
    }
    file.lines()
        .position(|l| l.trim() == first)
        .or_else(|| {
            file.lines()
                .position(|l| !l.trim_start().starts_with('#') && l.contains(first))
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!(
            "meetschedify-env-file-{}-{name}.env",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_malformed_line_is_named_by_number_and_never_quoted() {
        for (name, bad) in [
            ("space", "ZOOM_CLIENT_SECRET=s3cr3t-value and more"),
            ("quote", "ZOOM_CLIENT_SECRET='s3cr3t-value"),
            ("key", "ZOOM CLIENT SECRET=s3cr3t-value"),
        ] {
            let path = write(
                name,
                &format!("# settings\nZOOM_ACCOUNT_ID=acct\n\n{bad}\n"),
            );
            let err = load(&path).unwrap_err();
            assert!(!err.contains("s3cr3t"), "{name}: {err}");
            assert!(err.contains(&path.display().to_string()), "{name}: {err}");
            assert!(err.contains("line 4"), "{name}: {err}");
            let _ = std::fs::remove_file(&path);
        }
    }

    #[test]
    fn line_numbers_count_from_one_and_ignore_surrounding_space() {
        assert_eq!(line_number("A=1\n  B c\n", "B c"), Some(2));
        assert_eq!(line_number("# B c d\nA=1\nX=B c d\n", "B c d"), Some(3));
        assert_eq!(line_number("A=1\n", "Z"), None);
        assert_eq!(line_number("A=1\n", ""), None);
    }
}
