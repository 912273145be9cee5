//! The record as stored: the core serde form in a JSON text column.

use meetschedify_core::{Error, Result, TokenKey, TokenRecord};

/// The record as JSON text. The serde form carries the real token values (stores must persist
/// them); wear `meetschedify-store-encrypted` to keep them encrypted at rest.
pub(crate) fn encode(record: &TokenRecord) -> Result<String> {
    serde_json::to_string(&record.clone().with_version(0))
        .map_err(|e| Error::token_store("could not encode the token record", e))
}

/// The record from JSON text, with the version from its column.
pub(crate) fn decode(key: &TokenKey, data: &str, version: i64) -> Result<TokenRecord> {
    let record: TokenRecord = serde_json::from_str(data)
        .map_err(|e| Error::token_store(format!("the stored record for {key} is not valid"), e))?;
    let version = u64::try_from(version)
        .map_err(|e| Error::token_store(format!("the stored version for {key} is negative"), e))?;
    Ok(record.with_version(version))
}

/// Milliseconds since the Unix epoch, for the informational `expires_at_ms` column.
pub(crate) fn expires_at_ms(record: &TokenRecord) -> Option<i64> {
    record.expires_at.map(|t| t.as_millisecond())
}
