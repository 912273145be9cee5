//! The embedded migrations and the table names they create.

use meetschedify_core::{Error, Result};

/// The default prefix of every table this store creates.
pub const DEFAULT_TABLE_PREFIX: &str = "meetschedify_";

/// Table names derived from a validated prefix.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub(crate) prefix: String,
    pub(crate) tokens: String,
    pub(crate) leases: String,
    pub(crate) schema: String,
}

impl Tables {
    /// Checks the prefix: table names are spliced into SQL, so only `[A-Za-z0-9_]` is allowed.
    pub(crate) fn new(prefix: &str) -> Result<Self> {
        let ok = prefix.len() <= 40
            && prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !prefix.starts_with(|c: char| c.is_ascii_digit());
        if !ok {
            return Err(Error::invalid_config(
                "table_prefix",
                "table prefix must be at most 40 ASCII letters, digits or underscores, not starting with a digit",
            ));
        }
        Ok(Self {
            prefix: prefix.to_owned(),
            tokens: format!("{prefix}tokens"),
            leases: format!("{prefix}leases"),
            schema: format!("{prefix}schema_version"),
        })
    }

    /// The migrations, oldest first, with table names filled in. Never edit a released one:
    /// add the next.
    pub(crate) fn migrations(&self) -> Vec<(i64, String)> {
        let (tokens, leases) = (&self.tokens, &self.leases);
        vec![
            (
                1,
                format!(
                    "CREATE TABLE IF NOT EXISTS {tokens} (
                        tenant_id TEXT NOT NULL,
                        provider_id TEXT NOT NULL,
                        version BIGINT NOT NULL,
                        expires_at_ms BIGINT,
                        data TEXT NOT NULL,
                        updated_at_ms BIGINT NOT NULL,
                        PRIMARY KEY (tenant_id, provider_id)
                    )"
                ),
            ),
            (
                2,
                format!(
                    "CREATE TABLE IF NOT EXISTS {leases} (
                        tenant_id TEXT NOT NULL,
                        provider_id TEXT NOT NULL,
                        holder TEXT NOT NULL,
                        expires_at_ms BIGINT NOT NULL,
                        PRIMARY KEY (tenant_id, provider_id)
                    )"
                ),
            ),
        ]
    }
}
