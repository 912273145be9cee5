//! [`ClientCredentials`]: app-only Graph access tokens for core's `TokenManager`.
//!
//! `POST {login_base}/{tenant}/oauth2/v2.0/token` with the form body `client_id`, `scope`
//! (`https://graph.microsoft.com/.default`), `client_secret` and
//! `grant_type=client_credentials`
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>).
//! There is never a refresh token: a new access token is simply requested, and several
//! instances may each hold one (or share one through a `TokenStore`).

use std::fmt;

use async_trait::async_trait;
use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{Operation, ProviderId, Result, TokenKey, TokenRecord, TokenRefresher};
use serde::Deserialize;

use crate::config::{Settings, GRAPH_SCOPE};
use crate::errors::{network, token_status, unexpected};
use crate::read::{read_limited, too_large, ReadError, MAX_TOKEN_RESPONSE_BYTES};

/// Fetches client-credentials tokens. `Debug` never prints the client secret.
#[derive(Clone)]
pub(crate) struct ClientCredentials {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: SecretString,
    provider_id: ProviderId,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
}

/// Used if an answer leaves `expires_in` out. Lifetimes are randomised between 60 and 90
/// minutes, so the shortest is assumed rather than a fixed hour.
const DEFAULT_LIFETIME_SECS: i64 = 3599;

impl ClientCredentials {
    /// A refresher for the app in `settings`, sending through `http`.
    pub(crate) fn new(settings: &Settings, http: reqwest::Client) -> Self {
        Self {
            http,
            token_url: format!(
                "{}/{}/oauth2/v2.0/token",
                settings.login_base, settings.tenant_id
            ),
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            provider_id: settings.provider_id.clone(),
        }
    }

    /// Requests a new access token.
    pub(crate) async fn fetch(&self) -> Result<TokenRecord> {
        self.request()
            .await
            .map_err(|e| e.with_operation(Operation::AccessToken))
    }

    async fn request(&self) -> Result<TokenRecord> {
        let sent = self
            .http
            .post(&self.token_url)
            .form(&[
                ("client_id", self.client_id.as_str()),
                ("scope", GRAPH_SCOPE),
                ("client_secret", self.client_secret.expose_secret()),
                ("grant_type", "client_credentials"),
            ])
            .send()
            .await;
        // Asking for a token changes nothing at Microsoft, so any transport failure is safe to
        // retry.
        let mut response =
            sent.map_err(|e| network(&e, &self.provider_id).error.with_retryable(true))?;
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
            let err = token_status(status, &headers, &body, &self.provider_id);
            tracing::warn!(http_status = status, code = %err.code(), "microsoft token request refused");
            return Err(err);
        }
        let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|_| {
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
        // An app-only token carries its permissions as `roles` inside the JWT, not as a
        // `scope` field: the record names the scope it was asked for.
        Ok(TokenRecord::new(answer.access_token)
            .with_expires_at(expires_at)
            .with_scopes(vec![GRAPH_SCOPE.to_owned()]))
    }
}

#[async_trait]
impl TokenRefresher for ClientCredentials {
    async fn refresh(
        &self,
        _key: &TokenKey,
        _current: Option<&TokenRecord>,
    ) -> Result<TokenRecord> {
        self.fetch().await
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}
