//! [`ZoomTokenRefresher`]: Server-to-Server OAuth access tokens for core's `TokenManager`.
//!
//! `POST {oauth_base}/oauth/token` with HTTP Basic client authentication and the form body
//! `grant_type=account_credentials&account_id=...`
//! (<https://developers.zoom.us/docs/internal-apps/s2s-oauth/>). The parameters go in the body:
//! Zoom answers 400 to the older query-string form. There is no refresh token; a new access
//! token is simply requested, and since June 2023 requesting one no longer invalidates the
//! others, so several instances may each hold one (or share one through a `TokenStore`).

use std::fmt;

use async_trait::async_trait;
use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{
    Error, ErrorCode, Operation, ProviderErrorDetails, ProviderId, Result, TokenKey, TokenRecord,
    TokenRefresher, ZoomErrorDetails,
};
use serde::Deserialize;

use crate::config::Settings;
use crate::errors::{network, rate_limited, ZoomBody};
use crate::read::{read_limited, too_large, ReadError, MAX_TOKEN_RESPONSE_BYTES};

/// Fetches Server-to-Server OAuth access tokens. `Debug` never prints the client secret.
#[derive(Clone)]
pub(crate) struct ZoomTokenRefresher {
    http: reqwest::Client,
    token_url: String,
    account_id: String,
    client_id: String,
    client_secret: SecretString,
    provider_id: ProviderId,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    scope: Option<String>,
}

/// Zoom documents one hour; used if an answer leaves `expires_in` out.
const DEFAULT_LIFETIME_SECS: i64 = 3599;

impl ZoomTokenRefresher {
    /// A refresher for the app in `settings`, sending through `http`.
    pub(crate) fn new(settings: &Settings, http: reqwest::Client) -> Self {
        Self {
            http,
            token_url: format!("{}/oauth/token", settings.oauth_base),
            account_id: settings.account_id.clone(),
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            provider_id: settings.provider_id.clone(),
        }
    }

    /// Requests a new access token.
    pub(crate) async fn fetch(&self) -> Result<TokenRecord> {
        let started = std::time::Instant::now();
        let sent = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(self.client_secret.expose_secret()))
            .form(&[
                ("grant_type", "account_credentials"),
                ("account_id", self.account_id.as_str()),
            ])
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => {
                // Asking for a token changes nothing at Zoom, so any transport failure is
                // safe to retry.
                let err = network(&e, &self.provider_id).error.with_retryable(true);
                tracing::warn!(code = %err.code(), "zoom token request failed");
                return Err(err.with_operation(Operation::AccessToken));
            }
        };
        let status = response.status().as_u16();
        // Taken, not cloned: reading the body consumes the response and needs no headers.
        let headers = std::mem::take(response.headers_mut());
        let body = read_limited(response, MAX_TOKEN_RESPONSE_BYTES)
            .await
            .map_err(|e| {
                match e {
                    ReadError::Network(e) => {
                        network(&e, &self.provider_id).error.with_retryable(true)
                    }
                    ReadError::TooLarge => too_large(
                        "token answer",
                        MAX_TOKEN_RESPONSE_BYTES,
                        "fixed for token answers",
                        &self.provider_id,
                    ),
                }
                .with_operation(Operation::AccessToken)
            })?;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(
            http_status = status,
            elapsed_ms,
            "zoom token endpoint answered"
        );
        if status != 200 {
            return Err(self.failure(status, &headers, &body));
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|_| {
            self.token_error(status, None, "the token answer is not the documented JSON")
        })?;
        if answer.access_token.is_empty() {
            return Err(self.token_error(
                status,
                None,
                "the token answer has an empty access_token",
            ));
        }
        let lifetime = answer.expires_in.unwrap_or(DEFAULT_LIFETIME_SECS).max(0);
        let expires_at = Timestamp::now()
            .checked_add(SignedDuration::from_secs(lifetime))
            .unwrap_or(Timestamp::MAX);
        let scopes = answer
            .scope
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        Ok(TokenRecord::new(answer.access_token)
            .with_expires_at(expires_at)
            .with_scopes(scopes))
    }

    fn failure(&self, status: u16, headers: &reqwest::header::HeaderMap, body: &[u8]) -> Error {
        let parsed = ZoomBody::parse(body);
        let oauth_error = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
        // The OAuth `error` (`invalid_client`, `invalid_request`, ...) is what the Node.js
        // original exposed as `err.zoomErrorCode`.
        let mut zoom = ZoomErrorDetails::new(
            status,
            parsed.code,
            (!parsed.text.is_empty()).then(|| parsed.text.clone()),
        );
        if let Some(error) = &oauth_error {
            zoom = zoom.with_oauth_error(error.clone());
        }
        let details = ProviderErrorDetails::Zoom(zoom);
        let reason = parsed
            .message
            .clone()
            .unwrap_or_else(|| format!("status {status}"));
        let err = match (status, oauth_error.as_deref()) {
            (_, Some("invalid_client")) => Error::new(
                ErrorCode::ZoomInvalidClient,
                format!(
                    "zoom refused the client credentials ({reason}): check ZOOM_CLIENT_ID, \
                     ZOOM_CLIENT_SECRET and that the app is activated"
                ),
            ),
            (429, _) => rate_limited(
                Error::new(
                    ErrorCode::ZoomRateLimit,
                    format!("zoom token endpoint rate limited: {reason}"),
                ),
                headers,
                parsed.message.as_deref(),
            ),
            (500..=599, _) => Error::new(
                ErrorCode::ZoomTokenError,
                format!("zoom token endpoint answered {status}: {reason}"),
            )
            .with_retryable(true),
            (_, error) => Error::new(
                ErrorCode::ZoomTokenError,
                format!(
                    "zoom refused the token request ({}): {reason}",
                    error.unwrap_or("no error code")
                ),
            )
            .with_retryable(false),
        };
        tracing::warn!(http_status = status, code = %err.code(), "zoom token request refused");
        err.with_details(details)
            .with_provider(self.provider_id.clone())
            .with_operation(Operation::AccessToken)
    }

    fn token_error(&self, status: u16, body: Option<String>, message: &str) -> Error {
        Error::new(ErrorCode::ZoomTokenError, message)
            .with_details(ProviderErrorDetails::Zoom(ZoomErrorDetails::new(
                status, None, body,
            )))
            .with_provider(self.provider_id.clone())
            .with_operation(Operation::AccessToken)
    }
}

#[async_trait]
impl TokenRefresher for ZoomTokenRefresher {
    async fn refresh(
        &self,
        _key: &TokenKey,
        _current: Option<&TokenRecord>,
    ) -> Result<TokenRecord> {
        self.fetch().await
    }
}

impl fmt::Debug for ZoomTokenRefresher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomTokenRefresher")
            .field("token_url", &self.token_url)
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}
