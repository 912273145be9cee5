//! Helpers shared by the checks: unique keys, sample records, failure constructors.

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{Error, ProviderId, Revocation, TokenKey, TokenRecord};
use rand::Rng;

use crate::outcome::CheckFailure;

/// Fails the enclosing check with a formatted message unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err($crate::outcome::CheckFailure::new(format!($($msg)+)));
        }
    };
}
pub(crate) use ensure;

/// Turns a store error into a failure that says which call failed.
pub(crate) fn store_err(call: &'static str) -> impl FnOnce(Error) -> CheckFailure {
    move |e| CheckFailure::new(format!("{call} returned an error: {e}"))
}

/// A prefix no other run (or rerun against the same database) has used, so checks never see
/// each other's records and need no cleanup to be repeatable.
pub fn unique_prefix(label: &str) -> String {
    let n: u64 = rand::thread_rng().gen();
    format!("testkit-{label}-{n:016x}")
}

/// [`unique_prefix`] as a SQL table prefix (`t` + letters, digits and underscores, ending in
/// `_`), for a test that gives each run its own tables.
pub fn unique_table_prefix(label: &str) -> String {
    format!("t{}_", unique_prefix(label).replace('-', "_"))
}

/// Every table a SQL token store (SQLite or PostgreSQL) creates under a table prefix, in an
/// order they can be dropped in.
pub const SQL_TABLES: &[&str] = &[
    "tokens",
    "leases",
    "idempotency",
    "oauth_nonces",
    "host_bookings",
    "host_days",
    "host_pools",
    "subscriptions",
    "schema_version",
];

/// Drops every table in [`SQL_TABLES`] under `prefix` (`DROP TABLE IF EXISTS`), so a test that
/// made its own tables leaves the shared database as it found it. `execute` runs one statement;
/// the testkit has no database driver, so the test passes its own:
///
/// ```no_run
/// # async fn example(pool: &sqlx::PgPool, prefix: &str) -> Result<(), sqlx::Error> {
/// meetschedify_testkit::drop_sql_tables(prefix, |sql| async move {
///     sqlx::query(&sql).execute(pool).await
/// })
/// .await
/// # }
/// ```
pub async fn drop_sql_tables<F, Fut, T, E>(prefix: &str, mut execute: F) -> Result<(), E>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    for table in SQL_TABLES {
        execute(format!("DROP TABLE IF EXISTS {prefix}{table}")).await?;
    }
    Ok(())
}

/// The key for one check.
pub(crate) fn key(run: &str, name: &str) -> TokenKey {
    TokenKey::new(format!("{run}-{name}"), ProviderId::GOOGLE_MEET)
}

/// A record with every field set, sub-second expiry included.
pub(crate) fn full_record(tag: &str) -> TokenRecord {
    let mut record = TokenRecord::new(format!("access-{tag}"))
        .with_refresh_token(format!("refresh-{tag}"))
        .with_expires_at(
            Timestamp::new(1_900_000_000, 123_456_789).unwrap_or(Timestamp::UNIX_EPOCH),
        )
        .with_scopes(vec![
            "https://www.googleapis.com/auth/calendar.events".to_owned(),
            "openid".to_owned(),
        ]);
    let mut revocation = Revocation::new(
        meetschedify_core::ErrorCode::GoogleAuthRevoked,
        format!("invalid_grant for {tag}"),
    );
    revocation.at = Timestamp::new(1_800_000_000, 987_654_321).unwrap_or(Timestamp::UNIX_EPOCH);
    record = record.with_revoked(revocation);
    record
}

/// Describes how two records differ, field by field, without printing secrets in full.
pub(crate) fn diff(expected: &TokenRecord, got: &TokenRecord) -> Option<String> {
    let mut out = Vec::new();
    if expected.access_token.expose_secret() != got.access_token.expose_secret() {
        out.push(format!(
            "access_token differs (len {} vs {})",
            expected.access_token.expose_secret().len(),
            got.access_token.expose_secret().len()
        ));
    }
    let rt = |r: &TokenRecord| {
        r.refresh_token
            .as_ref()
            .map(|s| s.expose_secret().to_owned())
    };
    if rt(expected) != rt(got) {
        out.push("refresh_token differs".to_owned());
    }
    if expected.expires_at != got.expires_at {
        out.push(format!(
            "expires_at {:?} != {:?}",
            expected.expires_at, got.expires_at
        ));
    }
    if expected.scopes != got.scopes {
        out.push(format!("scopes {:?} != {:?}", expected.scopes, got.scopes));
    }
    if expected.version != got.version {
        out.push(format!("version {} != {}", expected.version, got.version));
    }
    if expected.revoked != got.revoked {
        out.push(format!(
            "revoked {:?} != {:?}",
            expected.revoked, got.revoked
        ));
    }
    (!out.is_empty()).then(|| out.join("; "))
}
