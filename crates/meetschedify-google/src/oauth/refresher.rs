//! [`GoogleTokenRefresher`]: core's [`TokenRefresher`] over Google's refresh-token grant.

use meetschedify_core::secrecy::SecretString;
use meetschedify_core::{
    async_trait, Error, ErrorCode, Operation, Result, TokenKey, TokenRecord, TokenRefresher,
};

use super::client::GoogleOAuthClient;

/// Refreshes Google access tokens for core's [`TokenManager`](meetschedify_core::TokenManager),
/// which makes the refresh single-flight per key and saves the result before anyone uses it.
///
/// Google omits the refresh token from a refresh answer; the record this returns then has none,
/// and the manager keeps the stored one. `invalid_grant` becomes `GOOGLE_AUTH_REVOKED` with
/// `revoked_hint` appended (for example how to get a new token); the manager then marks the
/// stored record as revoked and stops asking Google until the tenant connects again.
#[derive(Debug, Clone)]
pub struct GoogleTokenRefresher {
    oauth: GoogleOAuthClient,
    revoked_hint: Option<String>,
    refresh_token: Option<SecretString>,
}

impl GoogleTokenRefresher {
    /// A refresher over `oauth`.
    pub fn new(oauth: GoogleOAuthClient) -> Self {
        Self {
            oauth,
            revoked_hint: None,
            refresh_token: None,
        }
    }

    /// Refreshes from `token`, whatever the stored record holds: for one account whose refresh
    /// token comes from the configuration rather than from a store (the static provider).
    pub fn with_refresh_token(mut self, token: SecretString) -> Self {
        self.refresh_token = Some(token);
        self
    }

    /// Adds advice to every `GOOGLE_AUTH_REVOKED` message.
    pub fn with_revoked_hint(mut self, hint: impl Into<String>) -> Self {
        self.revoked_hint = Some(hint.into());
        self
    }
}

#[async_trait]
impl TokenRefresher for GoogleTokenRefresher {
    async fn refresh(&self, key: &TokenKey, current: Option<&TokenRecord>) -> Result<TokenRecord> {
        let stored = current.and_then(|r| r.refresh_token.as_ref());
        let Some(refresh_token) = self.refresh_token.as_ref().or(stored) else {
            return Err(Error::new(
                ErrorCode::GoogleNotConnected,
                format!(
                    "tenant `{}` has not connected a google account (no refresh token stored)",
                    key.tenant_id
                ),
            )
            .with_provider(key.provider_id.clone())
            .with_operation(Operation::AccessToken));
        };
        match self.oauth.refresh(refresh_token).await {
            Err(e) if e.code() == ErrorCode::GoogleAuthRevoked => {
                let message = match &self.revoked_hint {
                    Some(hint) => format!("{}; {hint}", e.message()),
                    None => e.message().to_owned(),
                };
                let mut again = Error::new(ErrorCode::GoogleAuthRevoked, message)
                    .with_retryable(false)
                    .with_provider(key.provider_id.clone())
                    .with_operation(Operation::AccessToken);
                if let Some(d) = e.details() {
                    again = again.with_details(d.clone());
                }
                Err(again)
            }
            other => other,
        }
    }
}
