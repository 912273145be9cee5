//! [`PostgresTokenStoreBuilder`]: which database and how the pool behaves.

use std::str::FromStr;
use std::time::Duration;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{Error, Result};
use meetschedify_store_sql::{check_settings, SqlTokenStore, DEFAULT_TABLE_PREFIX};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::store::PostgresTokenStore;

/// Configures a [`PostgresTokenStore`]; `build()` connects and runs the migrations.
#[derive(Clone)]
pub struct PostgresTokenStoreBuilder {
    // The URL may hold a password.
    url: Option<SecretString>,
    table_prefix: String,
    max_connections: u32,
    acquire_timeout: Duration,
    application_name: String,
    migrate: bool,
}

impl std::fmt::Debug for PostgresTokenStoreBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresTokenStoreBuilder")
            .field("url", &self.url.as_ref().map(|_| "[redacted]"))
            .field("table_prefix", &self.table_prefix)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("application_name", &self.application_name)
            .field("migrate", &self.migrate)
            .finish()
    }
}

impl Default for PostgresTokenStoreBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl PostgresTokenStoreBuilder {
    /// A builder with no URL yet.
    pub fn new() -> Self {
        Self {
            url: None,
            table_prefix: DEFAULT_TABLE_PREFIX.to_owned(),
            max_connections: 10,
            // Fail a call within seconds when the database is gone instead of hanging a
            // request for sqlx's default 30 s.
            acquire_timeout: Duration::from_secs(5),
            application_name: "meetschedify".to_owned(),
            migrate: true,
        }
    }

    /// Reads `MEETSCHEDIFY_POSTGRES_URL` and, if set, `MEETSCHEDIFY_POSTGRES_TABLE_PREFIX`. Without a
    /// URL, `build()` fails naming the variable.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] with the variables read through `lookup` (a config file, a secret
    /// manager, a test's map) instead of the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut builder = Self::new();
        if let Some(url) = lookup("MEETSCHEDIFY_POSTGRES_URL") {
            builder = builder.with_url(url);
        }
        if let Some(prefix) = lookup("MEETSCHEDIFY_POSTGRES_TABLE_PREFIX") {
            builder = builder.with_table_prefix(prefix);
        }
        builder
    }

    /// The connection URL, e.g. `postgres://user:password@host:5432/db`.
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(SecretString::from(url.into()));
        self
    }

    /// Prefix of the table names (default `meetschedify_`): `[A-Za-z0-9_]`, at most 40.
    pub fn with_table_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.table_prefix = prefix.into();
        self
    }

    /// Pool size (default 10).
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n;
        self
    }

    /// How long a call waits for a pooled connection before failing (default 5 s).
    pub fn with_acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// The `application_name` the connections report in `pg_stat_activity` (default
    /// `meetschedify`), to tell this store's connections apart in operations.
    pub fn with_application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = name.into();
        self
    }

    /// Whether `build()` runs the migrations (default true).
    pub fn with_migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// Connects (and migrates unless told not to).
    pub async fn build(self) -> Result<PostgresTokenStore> {
        let tables = check_settings(&self.table_prefix, self.max_connections)?;
        let url = self.url.ok_or_else(|| {
            Error::invalid_config("MEETSCHEDIFY_POSTGRES_URL", "a postgres url is required")
        })?;
        let options = PgConnectOptions::from_str(url.expose_secret())
            .map_err(|e| {
                Error::invalid_config(
                    "MEETSCHEDIFY_POSTGRES_URL",
                    format!("invalid postgres url: {e}"),
                )
            })?
            .application_name(&self.application_name);
        let pool = PgPoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(self.acquire_timeout)
            .connect_with(options)
            .await
            .map_err(|e| Error::token_store(format!("could not connect to postgres: {e}"), e))?;
        let store = SqlTokenStore::new(pool, tables);
        if self.migrate {
            store.migrate().await?;
        }
        Ok(PostgresTokenStore::from_inner(store))
    }
}
