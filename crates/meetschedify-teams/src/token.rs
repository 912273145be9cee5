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
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{Operation, ProviderId, Result, TokenKey, TokenRecord, TokenRefresher};

use crate::config::{Settings, GRAPH_SCOPE};
use crate::errors::token_status;
use crate::token_endpoint::TokenEndpoint;

/// Fetches client-credentials tokens. `Debug` never prints the client secret.
#[derive(Clone)]
pub(crate) struct ClientCredentials {
    endpoint: TokenEndpoint,
    client_id: String,
    client_secret: SecretString,
    provider_id: ProviderId,
}

impl ClientCredentials {
    /// A refresher for the app in `settings`, sending through `http`.
    pub(crate) fn new(settings: &Settings, http: reqwest::Client) -> Self {
        Self {
            endpoint: TokenEndpoint::new(
                http,
                &settings.login_base,
                &settings.tenant_id,
                settings.provider_id.clone(),
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
        let form = [
            ("client_id", self.client_id.as_str()),
            ("scope", GRAPH_SCOPE),
            ("client_secret", self.client_secret.expose_secret()),
            ("grant_type", "client_credentials"),
        ];
        // An app-only token carries its permissions as `roles` inside the JWT, not as a
        // `scope` field: the record names the scope it was asked for.
        match self.endpoint.post(&form, &[GRAPH_SCOPE.to_owned()]).await? {
            Ok(record) => Ok(record),
            Err(refusal) => {
                let err = token_status(
                    refusal.status,
                    &refusal.headers,
                    &refusal.body,
                    &self.provider_id,
                );
                tracing::warn!(http_status = refusal.status, code = %err.code(), "microsoft token request refused");
                Err(err)
            }
        }
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
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}
