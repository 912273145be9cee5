//! [`Dialect`]: what one SQL database does differently from another.

use std::borrow::Cow;

use meetschedify_core::jiff::Timestamp;

/// What a database does differently; everything else (the statements, the binding, the row
/// mapping, the errors) is shared by [`SqlTokenStore`](crate::SqlTokenStore).
///
/// The shared statements number their parameters `$1`, `$2`, ...: PostgreSQL's syntax, which
/// sqlx's SQLite driver also binds by number. A dialect is a unit type; the store crates keep
/// theirs private.
pub trait Dialect: Send + Sync + 'static {
    /// The sqlx driver.
    type Database: sqlx::Database;

    /// The backend's name, lower case: it starts every error message (`"{NAME} get failed:
    /// ..."`) and is the `backend` field of each operation's tracing span.
    const NAME: &'static str;

    /// The column type of the 64-bit integers (versions and Unix milliseconds) in the tokens
    /// and leases tables.
    const BIGINT: &'static str;

    /// Where "now" comes from when a save stamps `updated_at_ms` and when a lease is judged.
    const CLOCK: Clock;

    /// How migrators running at the same moment are kept apart.
    const MIGRATION_LOCK: MigrationLock;

    /// The `CREATE TABLE IF NOT EXISTS` of the table that records applied migrations.
    fn create_schema_table(schema: &str) -> String;

    /// The statement that records migration `$1` as applied; `now` is the SQL for the current
    /// time in Unix milliseconds (see [`Clock`]), for a table that keeps it.
    fn record_migration(schema: &str, now: &str) -> String;
}

/// The clock that stamps rows and judges leases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The database server's clock: this SQL expression gives its time in Unix milliseconds.
    /// For a database many hosts share, so a lease is judged by one clock however skewed
    /// theirs are.
    Database(&'static str),
    /// The application's clock, bound as the statement's last parameter. For an embedded
    /// database, whose clock is the application host's anyway.
    Application,
}

/// How [`SqlTokenStore::migrate`](crate::SqlTokenStore::migrate) keeps concurrent migrators
/// from applying a migration twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationLock {
    /// All migrations run in one transaction that first runs this statement, with `$1` bound to
    /// `meetschedify-migrate:{prefix}`: a lock held until the transaction ends (PostgreSQL's
    /// `pg_advisory_xact_lock`). The schema table is created inside the lock too.
    Statement(&'static str),
    /// Each migration runs in its own transaction, and recording it must not fail when another
    /// migrator recorded it first (`ON CONFLICT (version) DO NOTHING`). For a database that
    /// serialises writers itself (SQLite's file lock).
    PerMigration,
}

/// "Now" in one statement: its SQL, and the value to bind for it, if any.
#[derive(Debug)]
pub(crate) struct Now {
    /// The SQL expression to splice into the statement.
    pub(crate) sql: Cow<'static, str>,
    /// The application's time to bind after the statement's other parameters.
    pub(crate) bind: Option<i64>,
}

impl Clock {
    /// "Now" for a statement whose other parameters are `$1` to `$taken`.
    pub(crate) fn now(self, taken: usize) -> Now {
        match self {
            Clock::Database(sql) => Now {
                sql: Cow::Borrowed(sql),
                bind: None,
            },
            Clock::Application => Now {
                sql: Cow::Owned(format!("${}", taken + 1)),
                bind: Some(Timestamp::now().as_millisecond()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_clock_is_spliced_and_the_application_clock_is_the_next_parameter() {
        let db = Clock::Database("now_ms()").now(4);
        assert_eq!((db.sql.as_ref(), db.bind), ("now_ms()", None));
        let before = Timestamp::now().as_millisecond();
        let app = Clock::Application.now(4);
        assert_eq!(app.sql, "$5");
        let bound = app.bind.unwrap();
        assert!(bound >= before && bound <= Timestamp::now().as_millisecond());
        assert_eq!(Clock::Application.now(1).sql, "$2");
    }
}
