//! [`TokenEndpoint`]: one form POST to `{login_base}/{tenant}/oauth2/v2.0/token` and its answer
//! read into a [`TokenRecord`], for every grant the crate sends (client credentials,
//! authorization code, refresh token; reference `microsoft-teams.md` §1.2–§1.6).

use std::fmt;

use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::{ProviderId, Result, TokenRecord};
use reqwest::header::HeaderMap;
use serde::Deserialize;

use crate::errors::{network, unexpected};
use crate::read::{read_limited, too_large, ReadError, MAX_TOKEN_RESPONSE_BYTES};

/// Used if an answer leaves `expires_in` out. Lifetimes are randomised between 60 and 90
/// minutes (§1.2), so the shortest is assumed rather than a fixed hour.
const DEFAULT_LIFETIME_SECS: i64 = 3599;

/// The token endpoint of one app registration in one tenant (or `organizations`/`common`).
#[derive(Clone)]
pub(crate) struct TokenEndpoint {
    http: reqwest::Client,
    url: String,
    provider_id: ProviderId,
}

/// An answer with a status other than 200: what the caller maps into an error.
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: bytes::Bytes,
}

/// The fields of a success answer the crate reads (§1.6); unknown ones are ignored.
#[derive(Deserialize)]
struct Answer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    refresh_token: Option<String>,
    /// Space-separated granted scopes (authorization code and refresh only).
    #[serde(default)]
    scope: Option<String>,
}

impl TokenEndpoint {
    /// `POST {login_base}/{tenant}/oauth2/v2.0/token`.
    pub(crate) fn new(
        http: reqwest::Client,
        login_base: &str,
        tenant: &str,
        provider_id: ProviderId,
    ) -> Self {
        Self {
            http,
            url: format!("{login_base}/{tenant}/oauth2/v2.0/token"),
            provider_id,
        }
    }

    /// Posts `form`; the answer as a record on 200, the raw refusal otherwise. A record's
    /// `refresh_token` is the answer's (`None` when it sent none) and its scopes are the
    /// granted ones when the answer names them, else `default_scopes`.
    pub(crate) async fn post(
        &self,
        form: &[(&str, &str)],
        default_scopes: &[String],
    ) -> Result<std::result::Result<TokenRecord, Refusal>> {
        // Asking for a token changes nothing at Microsoft that a second request would
        // duplicate, so any transport failure is safe to retry.
        let mut response = self
            .http
            .post(&self.url)
            .form(form)
            .send()
            .await
            .map_err(|e| network(&e, &self.provider_id).error.with_retryable(true))?;
        let status = response.status().as_u16();
        // Taken, not cloned: reading the body consumes the response.
        let headers = std::mem::take(response.headers_mut());
        let body = read_limited(response, MAX_TOKEN_RESPONSE_BYTES)
            .await
            .map_err(|e| match e {
                ReadError::Network(e) => network(&e, &self.provider_id).error.with_retryable(true),
                ReadError::TooLarge => too_large(
                    "token answer",
                    MAX_TOKEN_RESPONSE_BYTES,
                    "fixed for token answers",
                    &self.provider_id,
                ),
            })?;
        tracing::debug!(http_status = status, "microsoft token endpoint answered");
        if status != 200 {
            return Ok(Err(Refusal {
                status,
                headers,
                body,
            }));
        }
        let answer: Answer = serde_json::from_slice(&body).map_err(|_| {
            unexpected(
                "a token answer that is not the documented JSON",
                &self.provider_id,
            )
        })?;
        if answer.access_token.is_empty() {
            return Err(unexpected("an empty access_token", &self.provider_id));
        }
        let lifetime = answer.expires_in.unwrap_or(DEFAULT_LIFETIME_SECS).max(0);
        let expires_at = Timestamp::now()
            .checked_add(SignedDuration::from_secs(lifetime))
            .unwrap_or(Timestamp::MAX);
        let scopes = match answer.scope.as_deref() {
            Some(granted) if !granted.trim().is_empty() => {
                granted.split_whitespace().map(str::to_owned).collect()
            }
            _ => default_scopes.to_vec(),
        };
        let mut record = TokenRecord::new(answer.access_token)
            .with_expires_at(expires_at)
            .with_scopes(scopes);
        if let Some(refresh) = answer.refresh_token.filter(|r| !r.is_empty()) {
            record = record.with_refresh_token(refresh);
        }
        Ok(Ok(record))
    }
}

impl fmt::Debug for TokenEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenEndpoint")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}
