//! [`SqliteTokenStoreBuilder`]: where the database lives and how the pool behaves.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use meetschedify_core::{Error, Result};
use meetschedify_store_sql::{check_settings, SqlTokenStore, DEFAULT_TABLE_PREFIX};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::store::SqliteTokenStore;

/// Where the tokens live.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    Memory,
    File(PathBuf),
}

/// Configures a [`SqliteTokenStore`]; `build()` opens the database and runs the migrations.
#[derive(Debug, Clone)]
pub struct SqliteTokenStoreBuilder {
    location: Option<Location>,
    table_prefix: String,
    max_connections: u32,
    busy_timeout: Duration,
    migrate: bool,
}

impl Default for SqliteTokenStoreBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SqliteTokenStoreBuilder {
    /// A builder with no location yet (set one with [`Self::with_path`] or [`Self::with_in_memory`]).
    pub fn new() -> Self {
        Self {
            location: None,
            table_prefix: DEFAULT_TABLE_PREFIX.to_owned(),
            max_connections: 4,
            // SQLite has one writer at a time; a writer waits this long for the lock before
            // SQLITE_BUSY (https://www.sqlite.org/c3ref/busy_timeout.html).
            busy_timeout: Duration::from_secs(5),
            migrate: true,
        }
    }

    /// Reads `MEETSCHEDIFY_SQLITE_PATH` (a file path, or `:memory:`) and, if set,
    /// `MEETSCHEDIFY_SQLITE_TABLE_PREFIX`. Without a path, `build()` fails naming the variable.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] with the variables read through `lookup` (a config file, a secret
    /// manager, a test's map) instead of the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut builder = Self::new();
        if let Some(path) = lookup("MEETSCHEDIFY_SQLITE_PATH") {
            builder = if path == ":memory:" {
                builder.with_in_memory()
            } else {
                builder.with_path(path)
            };
        }
        if let Some(prefix) = lookup("MEETSCHEDIFY_SQLITE_TABLE_PREFIX") {
            builder = builder.with_table_prefix(prefix);
        }
        builder
    }

    /// Keeps tokens in a database file, created if missing.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.location = Some(Location::File(path.into()));
        self
    }

    /// Keeps tokens in memory: gone when the store is dropped. For tests and single runs.
    pub fn with_in_memory(mut self) -> Self {
        self.location = Some(Location::Memory);
        self
    }

    /// Prefix of the table names (default `meetschedify_`): `[A-Za-z0-9_]`, at most 40.
    pub fn with_table_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.table_prefix = prefix.into();
        self
    }

    /// Pool size for a file database (default 4; an in-memory database uses one connection).
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }

    /// How long a writer waits for SQLite's lock (default 5 s).
    pub fn with_busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Whether `build()` runs the migrations (default true). Without, call
    /// [`SqliteTokenStore::migrate`] yourself.
    pub fn with_migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// Opens the database (and migrates it unless told not to).
    pub async fn build(self) -> Result<SqliteTokenStore> {
        let tables = check_settings(&self.table_prefix, self.max_connections)?;
        let location = self.location.ok_or_else(|| {
            Error::invalid_config(
                "MEETSCHEDIFY_SQLITE_PATH",
                "set a database path or choose in-memory",
            )
        })?;
        let pool = match &location {
            Location::Memory => {
                let options = SqliteConnectOptions::from_str("sqlite::memory:")
                    .map_err(|e| Error::token_store("invalid in-memory sqlite options", e))?;
                // Each connection to `:memory:` is a separate database: keep exactly one, forever.
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .connect_with(options)
                    .await
            }
            Location::File(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    // WAL lets readers run beside the writer (https://www.sqlite.org/wal.html).
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(self.busy_timeout);
                SqlitePoolOptions::new()
                    .max_connections(self.max_connections)
                    .connect_with(options)
                    .await
            }
        }
        .map_err(|e| Error::token_store(format!("could not open sqlite database: {e}"), e))?;
        let store = SqlTokenStore::new(pool, tables);
        if self.migrate {
            store.migrate().await?;
        }
        Ok(SqliteTokenStore::from_inner(store))
    }
}
