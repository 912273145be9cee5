//! Reading an answer's body with a size limit.
//!
//! `reqwest::Response::bytes` buffers whatever the server sends: a broken proxy or a hostile
//! endpoint (a base URL pointed at the wrong host) could answer gigabytes and exhaust the
//! process's memory. Every Graph and token answer is read here instead, chunk by chunk, and
//! abandoned as soon as it passes the limit.

use bytes::{Bytes, BytesMut};
use meetschedify_core::{Error, ErrorCode, ProviderId};

/// The default limit on a Graph answer: 1 MiB.
///
/// The largest answer the provider reads is one event: its HTML body with the Teams join
/// block Exchange adds (a few KiB), its attendees (a few hundred bytes each) and the one
/// extended property holding the metadata (at most core's 8 KiB by default). 1 MiB leaves a
/// wide margin yet keeps a hostile answer cheap.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// The limit on a token endpoint answer: 64 KiB.
///
/// A client-credentials answer is a JSON object with a JWT access token (a few KiB with every
/// role an app may hold); 64 KiB is over ten times that.
pub(crate) const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection failed while the body was arriving.
    Network(reqwest::Error),
    /// The body is longer than the limit (by its `Content-Length` or as it arrived).
    TooLarge,
}

/// Reads the whole body, or stops with [`ReadError::TooLarge`] once it passes `limit` bytes.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Bytes, ReadError> {
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    // An announced length over the limit is refused before a byte of the body is read.
    if response.content_length().is_some_and(|n| n > limit_u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Network)? {
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The error for an answer over the limit: `PROVIDER_ERROR`, not retryable (the same endpoint
/// would answer the same way), naming the limit and the setting that changes it.
pub(crate) fn too_large(what: &str, limit: usize, setting: &str, provider: &ProviderId) -> Error {
    Error::new(
        ErrorCode::ProviderError,
        format!("microsoft's {what} is larger than the {limit}-byte limit ({setting})"),
    )
    .with_retryable(false)
    .with_provider(provider.clone())
}
