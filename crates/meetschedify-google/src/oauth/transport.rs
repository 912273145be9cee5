//! The HTTP client the `oauth2` crate runs on: reqwest, with two additions.
//!
//! `oauth2` turns every non-200 answer into a parsed OAuth error and forgets the status, so a
//! Google 503 would look like a permanent refusal. Here a 5xx (or 429) answer becomes a
//! transport error instead, which is retryable, and the status of a 4xx answer is remembered
//! for the error details.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use meetschedify_core::parse_retry_after;
use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};

/// Why a token-endpoint request failed before an OAuth answer could be read.
#[derive(Debug)]
pub(crate) enum TransportError {
    /// No answer: connection refused or reset, timeout, TLS failure.
    Network(reqwest::Error),
    /// The server answered with a status that says "try later" (5xx or 429).
    Unavailable {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// The request could not be built (a bug, not a network problem).
    Build(String),
    /// The answer's body is longer than [`MAX_TOKEN_RESPONSE_BYTES`].
    TooLarge,
}

/// The limit on a token or revocation answer from Google: 64 KiB.
///
/// A token answer is a small JSON object (an access token of a few hundred bytes, a refresh
/// token, an id token of about 1 KiB, the granted scopes); 64 KiB is dozens of times that, and
/// keeps a hostile or broken endpoint from filling memory.
pub(crate) const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// Reads a whole body, or stops with [`TransportError::TooLarge`] once it passes `limit`
/// (`reqwest::Response::bytes` would buffer whatever the server sends).
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, TransportError> {
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if response.content_length().is_some_and(|n| n > limit_u64) {
        return Err(TransportError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| TransportError::Network(e.without_url()))?
    {
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(TransportError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // reqwest's messages never include the request body, where the secrets are, and the
            // URL was removed; the causes say why ("connection refused"), the top says little.
            TransportError::Network(e) => {
                write!(f, "network error: {}", meetschedify_core::cause_chain(e))
            }
            TransportError::Unavailable { status, .. } => write!(f, "server answered {status}"),
            TransportError::Build(e) => write!(f, "request could not be built: {e}"),
            TransportError::TooLarge => write!(
                f,
                "the answer is larger than the {MAX_TOKEN_RESPONSE_BYTES}-byte limit for token answers"
            ),
        }
    }
}

impl std::error::Error for TransportError {}

/// One exchange's client: reqwest plus the status of the answer it got.
pub(crate) struct Exchange<'c> {
    http: &'c reqwest::Client,
    status: Mutex<Option<u16>>,
}

impl<'c> Exchange<'c> {
    pub(crate) fn new(http: &'c reqwest::Client) -> Self {
        Self {
            http,
            status: Mutex::new(None),
        }
    }

    /// The status of the last answer, if one came.
    pub(crate) fn status(&self) -> Option<u16> {
        *self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends one request.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        {
            let request = reqwest::Request::try_from(request)
                .map_err(|e| TransportError::Build(e.to_string()))?;
            let response = self
                .http
                .execute(request)
                .await
                .map_err(|e| TransportError::Network(e.without_url()))?;
            let status = response.status();
            *self.status.lock().unwrap_or_else(PoisonError::into_inner) = Some(status.as_u16());
            if status.is_server_error() || status.as_u16() == 429 {
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, SystemTime::now()));
                return Err(TransportError::Unavailable {
                    status: status.as_u16(),
                    retry_after,
                });
            }
            let mut builder = oauth2::http::Response::builder().status(status.as_u16());
            for (name, value) in response.headers() {
                builder = builder.header(name.as_str(), value.as_bytes());
            }
            let body = read_limited(response, MAX_TOKEN_RESPONSE_BYTES).await?;
            builder
                .body(body)
                .map_err(|e| TransportError::Build(e.to_string()))
        }
    }
}

impl<'c> AsyncHttpClient<'c> for Exchange<'_> {
    type Error = TransportError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.send(request))
    }
}
