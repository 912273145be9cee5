//! One authorised call to the Meetings API: bearer token from the token manager, one replay
//! with a fresh token after `401` code 124 or `400` code 4711 (missing scopes), the answer
//! classified into JSON or a [`Failure`].

use std::fmt;
use std::time::Instant;

use bytes::Bytes;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{AccessToken, ProviderId, TokenKey, TokenManager};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;
use tracing::Instrument;

use crate::errors::{api_status, network, unexpected, Failure, ZoomBody};
use crate::read::{read_limited, too_large, ReadError};

/// Zoom's code for an invalid or expired access token (the 401 of every operation in
/// <https://developers.zoom.us/docs/api/meetings/>).
const INVALID_TOKEN: i64 = 124;

/// A request to the Meetings API.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) method: Method,
    /// The path after the API base, starting with `/`.
    pub(crate) path: String,
    /// The route for logs, with placeholders instead of ids (`GET /meetings/{meetingId}`).
    pub(crate) route: &'static str,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<&'a Value>,
}

impl<'a> Call<'a> {
    pub(crate) fn new(method: Method, route: &'static str, path: String) -> Self {
        Self {
            method,
            path,
            route,
            query: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn with_body(mut self, body: &'a Value) -> Self {
        self.body = Some(body);
        self
    }

    pub(crate) fn with_query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }
}

/// A successful answer: its JSON body (`None` for 204 or an empty body) and the rate-limit
/// figures it carried.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) body: Option<Value>,
    pub(crate) budget: Budget,
}

/// `X-RateLimit-Limit` and `X-RateLimit-Remaining` of an answer, when present and numeric.
///
/// On a create or update they have been seen counting down the host's daily budget of 100
/// (devforum.zoom.us/t/does-meeting-requests-per-day-rate-limits-include-delete-meeting/59670);
/// other answers carry the account's per-label figures (6,000 and so on), so a reader checks
/// the limit before trusting the remaining count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Budget {
    pub(crate) limit: Option<u32>,
    pub(crate) remaining: Option<u32>,
}

impl Budget {
    fn of(headers: &HeaderMap) -> Self {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u32>().ok())
        };
        Self {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
        }
    }

    /// What is left of a daily budget of `daily_limit`, if these figures are that budget's.
    pub(crate) fn daily_remaining(&self, daily_limit: u32) -> Option<u32> {
        self.remaining.filter(|_| self.limit == Some(daily_limit))
    }
}

struct Raw {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

/// The Meetings API client of one provider.
#[derive(Clone)]
pub(crate) struct ZoomApi {
    http: reqwest::Client,
    api_base: String,
    tokens: TokenManager,
    token_key: TokenKey,
    provider_id: ProviderId,
    max_response_bytes: usize,
}

impl fmt::Debug for ZoomApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomApi")
            .field("api_base", &self.api_base)
            .field("token_key", &self.token_key)
            .finish_non_exhaustive()
    }
}

impl ZoomApi {
    pub(crate) fn new(
        http: reqwest::Client,
        api_base: String,
        tokens: TokenManager,
        token_key: TokenKey,
        provider_id: ProviderId,
        max_response_bytes: usize,
    ) -> Self {
        Self {
            http,
            api_base,
            tokens,
            token_key,
            provider_id,
            max_response_bytes,
        }
    }

    /// The HTTP client every call of this provider goes through.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn tokens(&self) -> &TokenManager {
        &self.tokens
    }

    pub(crate) fn token_key(&self) -> &TokenKey {
        &self.token_key
    }

    /// Makes one attempt of `call` (plus at most one replay after a rejected token).
    pub(crate) async fn call(&self, call: &Call<'_>, attempt: u32) -> Result<Reply, Failure> {
        let span = tracing::debug_span!(
            "zoom_http",
            route = call.route,
            attempt,
            http_status = tracing::field::Empty,
        );
        async {
            let token = self.tokens.access_token(&self.token_key).await?;
            let mut raw = self.send(call, &token).await?;
            if raw.status == 401 && ZoomBody::parse(&raw.body).code == Some(INVALID_TOKEN) {
                // Expired early, revoked, or replaced (Zoom before June 2023 kept one token per
                // app): drop it, get one new token for every waiting caller, replay once.
                tracing::info!(
                    "zoom rejected the access token (code 124); replaying once with a new one"
                );
                let fresh = self
                    .tokens
                    .refresh_after_rejection(&self.token_key, &token)
                    .await?;
                raw = self.send(call, &fresh).await?;
            } else if raw.status == 400 && ZoomBody::parse(&raw.body).lacks_scopes() {
                // A token keeps the scopes its app had when it was issued: after the owner adds
                // a scope, a cached token still lacks it. One fresh token per refused call picks
                // up scopes added since; if it lacks them too, the call fails naming them. Not
                // after a 124 replay: that token is already fresh.
                tracing::info!(
                    "zoom refused the access token for missing scopes (code 4711); replaying \
                     once with a new one"
                );
                let fresh = self
                    .tokens
                    .refresh_after_rejection(&self.token_key, &token)
                    .await?;
                raw = self.send(call, &fresh).await?;
            }
            tracing::Span::current().record("http_status", raw.status);
            if !(200..300).contains(&raw.status) {
                let failure = api_status(raw.status, &raw.headers, &raw.body, &self.provider_id);
                tracing::debug!(code = %failure.error.code(), "zoom answered with an error");
                return Err(failure);
            }
            let budget = Budget::of(&raw.headers);
            if raw.body.iter().all(u8::is_ascii_whitespace) {
                return Ok(Reply { body: None, budget });
            }
            match serde_json::from_slice(&raw.body) {
                Ok(json) => Ok(Reply {
                    body: Some(json),
                    budget,
                }),
                // A success whose body is unreadable still happened: for a create, that is an
                // ambiguous outcome, not a clean failure.
                Err(_) => Err(Failure {
                    error: unexpected("a success body that is not JSON", &self.provider_id),
                    ambiguous: true,
                }),
            }
        }
        .instrument(span)
        .await
    }

    async fn send(&self, call: &Call<'_>, token: &AccessToken) -> Result<Raw, Failure> {
        let started = Instant::now();
        let url = format!("{}{}", self.api_base, call.path);
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .bearer_auth(token.secret().expose_secret());
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(body) = call.body {
            request = request.json(body);
        }
        let mut response = request.send().await.map_err(|e| {
            let failure = network(&e, &self.provider_id);
            tracing::debug!(
                ambiguous = failure.ambiguous,
                "zoom request failed: {}",
                failure.error
            );
            failure
        })?;
        let status = response.status().as_u16();
        // Taken, not cloned: reading the body consumes the response and needs no headers.
        let headers = std::mem::take(response.headers_mut());
        let body = read_limited(response, self.max_response_bytes)
            .await
            .map_err(|e| {
                // The answer started, so the request arrived: the outcome is unknown.
                let error = match e {
                    ReadError::Network(e) => network(&e, &self.provider_id).error,
                    ReadError::TooLarge => too_large(
                        "answer",
                        self.max_response_bytes,
                        "max_response_bytes",
                        &self.provider_id,
                    ),
                };
                Failure {
                    error,
                    ambiguous: true,
                }
            })?;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(http_status = status, elapsed_ms, "zoom answered");
        Ok(Raw {
            status,
            headers,
            body,
        })
    }
}
