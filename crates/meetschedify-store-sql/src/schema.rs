//! The table names and the embedded migrations.

use meetschedify_core::{Error, Result};

/// The default prefix of every table a SQL store creates.
pub const DEFAULT_TABLE_PREFIX: &str = "meetschedify_";

/// Table names derived from a validated prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    prefix: String,
    tokens: String,
    leases: String,
    idempotency: String,
    nonces: String,
    host_pools: String,
    host_bookings: String,
    host_days: String,
    subscriptions: String,
    schema: String,
}

impl Tables {
    /// Checks the prefix: table names are spliced into SQL, so only `[A-Za-z0-9_]` is allowed.
    pub fn new(prefix: &str) -> Result<Self> {
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
            idempotency: format!("{prefix}idempotency"),
            nonces: format!("{prefix}oauth_nonces"),
            host_pools: format!("{prefix}host_pools"),
            host_bookings: format!("{prefix}host_bookings"),
            host_days: format!("{prefix}host_days"),
            subscriptions: format!("{prefix}subscriptions"),
            schema: format!("{prefix}schema_version"),
        })
    }

    /// The prefix the names were made from.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `{prefix}tokens`: one row per token record, and one tombstone per deleted record
    /// (`deleted_at_ms` set, `data` empty) that keeps the key's last version.
    pub fn tokens(&self) -> &str {
        &self.tokens
    }

    /// `{prefix}leases`: one row per refresh lease.
    pub fn leases(&self) -> &str {
        &self.leases
    }

    /// `{prefix}idempotency`: one row per idempotency key of a keyed create.
    pub fn idempotency(&self) -> &str {
        &self.idempotency
    }

    /// `{prefix}oauth_nonces`: one row per OAuth state used, until the state expires.
    pub fn nonces(&self) -> &str {
        &self.nonces
    }

    /// `{prefix}host_pools`: one row per host pool, locked by every ledger transaction of the
    /// pool (the isolation `HostLedger` promises), holding the pool's longest booking so a
    /// window read can bound its scan.
    pub fn host_pools(&self) -> &str {
        &self.host_pools
    }

    /// `{prefix}host_bookings`: one row per booking of a host pool.
    pub fn host_bookings(&self) -> &str {
        &self.host_bookings
    }

    /// `{prefix}host_days`: per pool, host and UTC day, the creates plus updates counted.
    pub fn host_days(&self) -> &str {
        &self.host_days
    }

    /// `{prefix}subscriptions`: one row per push subscription held at a vendor (a Google
    /// channel, a Graph subscription), keyed by provider and the vendor's id.
    pub fn subscriptions(&self) -> &str {
        &self.subscriptions
    }

    /// `{prefix}schema_version`: one row per applied migration.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The migrations, oldest first, with table names and the dialect's 64-bit integer type
    /// filled in. Never edit a released one: add the next.
    pub(crate) fn migrations(&self, bigint: &str) -> Vec<(i64, String)> {
        let (tokens, leases, idempotency, nonces) =
            (&self.tokens, &self.leases, &self.idempotency, &self.nonces);
        let (pools, bookings, days, prefix) = (
            &self.host_pools,
            &self.host_bookings,
            &self.host_days,
            &self.prefix,
        );
        let subscriptions = &self.subscriptions;
        // The indentation inside the strings is part of the schema SQLite keeps in
        // `sqlite_master`: left as it was, so new and old databases read the same.
        vec![
            (
                1,
                format!(
                    "CREATE TABLE IF NOT EXISTS {tokens} (
                        tenant_id TEXT NOT NULL,
                        provider_id TEXT NOT NULL,
                        version {bigint} NOT NULL,
                        expires_at_ms {bigint},
                        data TEXT NOT NULL,
                        updated_at_ms {bigint} NOT NULL,
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
                        expires_at_ms {bigint} NOT NULL,
                        PRIMARY KEY (tenant_id, provider_id)
                    )"
                ),
            ),
            (
                3,
                // `outcome` is NULL while the create runs (then `holder` holds it until
                // `lease_until_ms`); once set, the row answers repeats until `expires_at_ms`.
                format!(
                    "CREATE TABLE IF NOT EXISTS {idempotency} (
                        tenant_id TEXT NOT NULL,
                        provider_id TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        holder TEXT NOT NULL,
                        lease_until_ms {bigint} NOT NULL,
                        outcome TEXT,
                        expires_at_ms {bigint} NOT NULL,
                        PRIMARY KEY (tenant_id, provider_id, idempotency_key)
                    )"
                ),
            ),
            (
                4,
                format!(
                    "CREATE TABLE IF NOT EXISTS {nonces} (
                        nonce TEXT NOT NULL PRIMARY KEY,
                        expires_at_ms {bigint} NOT NULL
                    )"
                ),
            ),
            (
                5,
                // Tombstones: a deleted record keeps its row (version bumped, `data` emptied,
                // `deleted_at_ms` set), so the next save continues its versions instead of
                // restarting at 1. Versions never repeat for a key (the ABA rule of `TokenStore`).
                format!("ALTER TABLE {tokens} ADD COLUMN deleted_at_ms {bigint}"),
            ),
            (
                6,
                // The row every ledger transaction of the pool writes first: the write takes
                // SQLite's write lock, and PostgreSQL's row lock, until the transaction ends.
                // `max_len_ms` is the longest booking ever put in the pool: a booking overlapping
                // `[from, to)` starts at or after `from - max_len_ms`, so a window read scans the
                // `(pool, host, start_ms)` index over a bounded range.
                format!(
                    "CREATE TABLE IF NOT EXISTS {pools} (
                        pool TEXT NOT NULL PRIMARY KEY,
                        max_len_ms {bigint} NOT NULL
                    )"
                ),
            ),
            (
                7,
                // Times are Unix milliseconds; `pending_until_ms` is NULL for a confirmed
                // meeting, `meeting_id` NULL for a reservation.
                format!(
                    "CREATE TABLE IF NOT EXISTS {bookings} (
                        pool TEXT NOT NULL,
                        id TEXT NOT NULL,
                        host TEXT NOT NULL,
                        start_ms {bigint} NOT NULL,
                        end_ms {bigint} NOT NULL,
                        meeting_id TEXT,
                        pending_until_ms {bigint},
                        booked_at_ms {bigint} NOT NULL,
                        PRIMARY KEY (pool, id)
                    )"
                ),
            ),
            (
                8,
                // Index names are schema-wide on PostgreSQL: prefixed like the tables.
                format!(
                    "CREATE INDEX IF NOT EXISTS {prefix}host_bookings_by_start
                     ON {bookings} (pool, host, start_ms)"
                ),
            ),
            (
                9,
                format!(
                    "CREATE INDEX IF NOT EXISTS {prefix}host_bookings_by_meeting
                     ON {bookings} (pool, meeting_id)"
                ),
            ),
            (
                10,
                format!(
                    "CREATE TABLE IF NOT EXISTS {days} (
                        pool TEXT NOT NULL,
                        host TEXT NOT NULL,
                        day {bigint} NOT NULL,
                        used {bigint} NOT NULL,
                        PRIMARY KEY (pool, host, day)
                    )"
                ),
            ),
            (
                11,
                // `secret` is the value the vendor echoes (Google's channel token, Graph's
                // clientState); the encrypting store seals it before it gets here.
                // `expires_at_ms` is Unix milliseconds; `sync_cursor` is NULL before the first
                // full read (`cursor` is a keyword in some SQL dialects).
                format!(
                    "CREATE TABLE IF NOT EXISTS {subscriptions} (
                        provider_id TEXT NOT NULL,
                        id TEXT NOT NULL,
                        tenant_id TEXT NOT NULL,
                        resource TEXT NOT NULL,
                        secret TEXT NOT NULL,
                        vendor_resource_id TEXT,
                        expires_at_ms {bigint} NOT NULL,
                        sync_cursor TEXT,
                        PRIMARY KEY (provider_id, id)
                    )"
                ),
            ),
            (
                12,
                // A disconnect stops the tenant's subscriptions: `for_tenant`.
                format!(
                    "CREATE INDEX IF NOT EXISTS {prefix}subscriptions_by_tenant
                     ON {subscriptions} (provider_id, tenant_id)"
                ),
            ),
            (
                13,
                // Renewal reads what expires soon: `expiring_before`.
                format!(
                    "CREATE INDEX IF NOT EXISTS {prefix}subscriptions_by_expiry
                     ON {subscriptions} (provider_id, expires_at_ms)"
                ),
            ),
        ]
    }
}

/// Checks the settings every SQL store's builder has, before it connects, in the order their
/// errors have always come: the table prefix, then the pool size.
pub fn check_settings(table_prefix: &str, max_connections: u32) -> Result<Tables> {
    let tables = Tables::new(table_prefix)?;
    if max_connections == 0 {
        return Err(Error::invalid_config(
            "max_connections",
            "max connections must be at least 1",
        ));
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use meetschedify_core::ErrorCode;

    use super::*;

    #[test]
    fn names_follow_the_prefix() {
        let tables = Tables::new("app_").unwrap();
        assert_eq!(
            (
                tables.prefix(),
                tables.tokens(),
                tables.leases(),
                tables.schema()
            ),
            ("app_", "app_tokens", "app_leases", "app_schema_version")
        );
        assert_eq!(
            Tables::new(DEFAULT_TABLE_PREFIX).unwrap().tokens(),
            "meetschedify_tokens"
        );
        // An empty prefix is allowed: the tables are then plain `tokens`, `leases`, ...
        assert_eq!(Tables::new("").unwrap().leases(), "leases");
    }

    #[test]
    fn prefixes_that_could_change_the_sql_are_refused() {
        let too_long = "a".repeat(41);
        for bad in [
            "x; DROP TABLE y",
            "1abc",
            "a-b",
            "a b",
            "é_",
            too_long.as_str(),
        ] {
            let err = Tables::new(bad).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{bad}");
            assert_eq!(err.field(), Some("table_prefix"), "{bad}");
        }
        assert!(Tables::new(&"a".repeat(40)).is_ok());
    }

    #[test]
    fn settings_check_the_prefix_before_the_pool_size() {
        assert_eq!(
            check_settings("bad-", 0).unwrap_err().field(),
            Some("table_prefix")
        );
        assert_eq!(
            check_settings("ok_", 0).unwrap_err().field(),
            Some("max_connections")
        );
        assert_eq!(check_settings("ok_", 1).unwrap().tokens(), "ok_tokens");
    }

    #[test]
    fn migrations_use_the_dialect_integer_type_and_never_change_order() {
        let migrations = Tables::new("p_").unwrap().migrations("BIGINT");
        let versions: Vec<i64> = migrations.iter().map(|(v, _)| *v).collect();
        assert_eq!(versions, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
        let (tokens, leases) = (&migrations[0].1, &migrations[1].1);
        assert!(tokens.starts_with("CREATE TABLE IF NOT EXISTS p_tokens ("));
        assert!(tokens.contains("version BIGINT NOT NULL,"));
        assert!(tokens.contains("expires_at_ms BIGINT,"));
        assert!(leases.starts_with("CREATE TABLE IF NOT EXISTS p_leases ("));
        assert!(leases.contains("expires_at_ms BIGINT NOT NULL,"));
        assert!(migrations[2]
            .1
            .starts_with("CREATE TABLE IF NOT EXISTS p_idempotency ("));
        assert!(migrations[2].1.contains("lease_until_ms BIGINT NOT NULL,"));
        assert_eq!(
            migrations[4].1,
            "ALTER TABLE p_tokens ADD COLUMN deleted_at_ms BIGINT"
        );
        assert!(migrations[6]
            .1
            .starts_with("CREATE TABLE IF NOT EXISTS p_host_bookings ("));
        assert!(migrations[7].1.contains("p_host_bookings_by_start"));
        assert!(migrations[9].1.contains("used BIGINT NOT NULL,"));
        assert!(migrations[10]
            .1
            .starts_with("CREATE TABLE IF NOT EXISTS p_subscriptions ("));
        assert!(migrations[10].1.contains("expires_at_ms BIGINT NOT NULL,"));
        assert!(migrations[10].1.contains("PRIMARY KEY (provider_id, id)"));
        assert!(migrations[11]
            .1
            .contains("p_subscriptions_by_tenant\n                     ON p_subscriptions (provider_id, tenant_id)"));
        assert!(migrations[12]
            .1
            .contains("p_subscriptions_by_expiry\n                     ON p_subscriptions (provider_id, expires_at_ms)"));
        assert!(!migrations.iter().any(|(_, sql)| sql.contains("INTEGER")));
    }
}
