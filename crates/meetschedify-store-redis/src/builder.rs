//! [`RedisTokenStoreBuilder`]: which server, which key prefix, which timeouts.

use std::time::Duration;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{Error, Result};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::keys::{Keys, DEFAULT_KEY_PREFIX};
use crate::store::RedisTokenStore;

/// Configures a [`RedisTokenStore`]; `build()` connects.
#[derive(Clone)]
pub struct RedisTokenStoreBuilder {
    // The URL may hold a password.
    url: Option<SecretString>,
    key_prefix: String,
    response_timeout: Duration,
    connection_timeout: Duration,
}

impl std::fmt::Debug for RedisTokenStoreBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTokenStoreBuilder")
            .field("url", &self.url.as_ref().map(|_| "[redacted]"))
            .field("key_prefix", &self.key_prefix)
            .field("response_timeout", &self.response_timeout)
            .field("connection_timeout", &self.connection_timeout)
            .finish()
    }
}

impl Default for RedisTokenStoreBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl RedisTokenStoreBuilder {
    /// A builder with no URL yet.
    pub fn new() -> Self {
        Self {
            url: None,
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            // Fail a call within seconds when Redis is gone rather than hang a request.
            response_timeout: Duration::from_secs(5),
            connection_timeout: Duration::from_secs(5),
        }
    }

    /// Reads `MEETSCHEDIFY_REDIS_URL` and, if set, `MEETSCHEDIFY_REDIS_KEY_PREFIX`. Without a
    /// URL, `build()` fails naming the variable.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] with the variables read through `lookup` (a config file, a secret
    /// manager, a test's map) instead of the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut builder = Self::new();
        if let Some(url) = lookup("MEETSCHEDIFY_REDIS_URL") {
            builder = builder.with_url(url);
        }
        if let Some(prefix) = lookup("MEETSCHEDIFY_REDIS_KEY_PREFIX") {
            builder = builder.with_key_prefix(prefix);
        }
        builder
    }

    /// The server URL, e.g. `redis://127.0.0.1:6379/0` (`rediss://` is not enabled).
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(SecretString::from(url.into()));
        self
    }

    /// Prefix of every key (default `meetschedify:`).
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long to wait for an answer (default 5 s).
    pub fn with_response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How long to wait for a connection (default 5 s).
    pub fn with_connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// Connects. The connection manager reconnects by itself after the server drops it; the
    /// call that saw the drop fails with `TOKEN_STORE_ERROR`.
    pub async fn build(self) -> Result<RedisTokenStore> {
        let keys = Keys::new(&self.key_prefix)?;
        let url = self.url.ok_or_else(|| {
            Error::invalid_config("MEETSCHEDIFY_REDIS_URL", "a redis url is required")
        })?;
        let client = redis::Client::open(url.expose_secret()).map_err(|e| {
            Error::invalid_config("MEETSCHEDIFY_REDIS_URL", format!("invalid redis url: {e}"))
        })?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(self.response_timeout)
            .set_connection_timeout(self.connection_timeout)
            .set_number_of_retries(3)
            // Milliseconds: reconnect attempts back off to at most one second apart.
            .set_max_delay(1_000);
        let manager = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| Error::token_store(format!("could not connect to redis: {e}"), e))?;
        Ok(RedisTokenStore::from_parts(manager, keys))
    }
}
