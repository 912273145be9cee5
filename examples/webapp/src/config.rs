//! How the app is configured: flags first, then the environment.

use std::path::PathBuf;

/// Which Google the app talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// The real Google, configured from `GOOGLE_*` and `MEETSCHEDIFY_OAUTH_STATE_KEY`.
    Google,
    /// An emulator started in this process, with an OAuth client registered for this app.
    Emulator,
}

/// The app's settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AppConfig {
    /// The port on 127.0.0.1 (0 picks a free one).
    pub port: u16,
    /// The Google to use.
    pub backend: Backend,
    /// The SQLite file for tokens; `None` keeps them in memory.
    pub database: Option<PathBuf>,
}

impl AppConfig {
    /// Settings for tests: a free port, the emulator, tokens in `database` or in memory.
    pub fn emulator(database: Option<PathBuf>) -> Self {
        Self {
            port: 0,
            backend: Backend::Emulator,
            database,
        }
    }

    /// Reads `--port N`, `--emulator`, `--db PATH`, then `PORT`, `GOOGLE_CLIENT_ID` (unset means
    /// the emulator) and `MEETSCHEDIFY_SQLITE_PATH`.
    pub fn from_args_and_env(args: &[String]) -> Result<Self, String> {
        let value = |flag: &str| {
            args.iter()
                .position(|a| a == flag)
                .map(|i| {
                    args.get(i + 1)
                        .cloned()
                        .ok_or(format!("{flag} needs a value"))
                })
                .transpose()
        };
        let port = match value("--port")?.or_else(|| std::env::var("PORT").ok()) {
            Some(p) => p
                .parse()
                .map_err(|_| format!("port `{p}` is not a number"))?,
            None => 3000,
        };
        let backend = if args.iter().any(|a| a == "--emulator")
            || std::env::var_os("GOOGLE_CLIENT_ID").is_none()
        {
            Backend::Emulator
        } else {
            Backend::Google
        };
        let database = value("--db")?
            .or_else(|| std::env::var("MEETSCHEDIFY_SQLITE_PATH").ok())
            .map(PathBuf::from)
            .or_else(|| (backend == Backend::Google).then(|| "webapp-tokens.db".into()));
        Ok(Self {
            port,
            backend,
            database,
        })
    }
}
