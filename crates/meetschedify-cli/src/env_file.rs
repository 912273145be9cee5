//! `--env-file`: settings from a `.env` file, without overriding the real environment.

use std::path::Path;

/// Loads `KEY=VALUE` lines from `path` into the process environment. Variables already set win,
/// so `ZOOM_CLIENT_ID=x meetschedify --env-file .env ...` behaves as a user expects.
///
/// Must run before any thread starts (the async runtime included): changing the environment
/// while other threads read it is undefined behaviour on some platforms.
pub fn load(path: &Path) -> Result<usize, String> {
    let entries = dotenvy::from_path_iter(path)
        .map_err(|e| format!("cannot read env file {}: {e}", path.display()))?;
    let mut loaded = 0;
    for entry in entries {
        let (key, value) =
            entry.map_err(|e| format!("cannot parse env file {}: {e}", path.display()))?;
        if std::env::var_os(&key).is_none() {
            std::env::set_var(key, value);
            loaded += 1;
        }
    }
    Ok(loaded)
}
