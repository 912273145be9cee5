//! [`DelegatedOAuth`]: the authorization-code flow with PKCE and the refresh grant, for one app
//! registration (reference `microsoft-teams.md` §1.3, §1.4).

use std::fmt;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{Error, Operation, ProviderId, Result, TokenRecord};
use reqwest::Url;

use crate::grant_errors::{grant_refused, Grant};
use crate::token_endpoint::TokenEndpoint;

/// The app's side of delegated sign-in. `Debug` never prints the client secret.
pub(crate) struct DelegatedOAuth {
    pub(crate) endpoint: TokenEndpoint,
    /// `{login_base}/{tenant}/oauth2/v2.0/authorize`.
    pub(crate) authorize_url: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) provider_id: ProviderId,
}

impl DelegatedOAuth {
    fn scope(&self) -> String {
        self.scopes.join(" ")
    }

    /// The consent URL. `response_mode=query` puts the code in the redirect's query (the
    /// default for `code`, said explicitly); `prompt=select_account` lets a user who is signed
    /// in to several accounts pick the one whose calendar to connect, instead of silently
    /// connecting whichever is signed in.
    pub(crate) fn authorization_url(
        &self,
        state: &str,
        code_challenge: &str,
        login_hint: Option<&str>,
    ) -> Result<String> {
        let scope = self.scope();
        let mut params = vec![
            ("client_id", self.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("response_mode", "query"),
            ("scope", scope.as_str()),
            ("state", state),
            ("code_challenge", code_challenge),
            ("code_challenge_method", "S256"),
            ("prompt", "select_account"),
        ];
        if let Some(hint) = login_hint {
            params.push(("login_hint", hint));
        }
        Url::parse_with_params(&self.authorize_url, &params)
            .map(String::from)
            .map_err(|e| Error::invalid_config("login_base", format!("invalid url: {e}")))
    }

    /// Redeems an authorization code with its PKCE verifier.
    pub(crate) async fn redeem(&self, code: &str, verifier: &SecretString) -> Result<TokenRecord> {
        let scope = self.scope();
        let form = [
            ("client_id", self.client_id.as_str()),
            ("scope", scope.as_str()),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("grant_type", "authorization_code"),
            ("code_verifier", verifier.expose_secret()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        self.grant(&form, Grant::Code)
            .await
            .map_err(|e| e.with_operation(Operation::OAuthCallback))
    }

    /// A new access token, and a new refresh token that replaces `refresh_token` (§1.4:
    /// every refresh rotates it).
    pub(crate) async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenRecord> {
        let scope = self.scope();
        let form = [
            ("client_id", self.client_id.as_str()),
            ("scope", scope.as_str()),
            ("refresh_token", refresh_token.expose_secret()),
            ("grant_type", "refresh_token"),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        self.grant(&form, Grant::Refresh)
            .await
            .map_err(|e| e.with_operation(Operation::AccessToken))
    }

    async fn grant(&self, form: &[(&str, &str)], grant: Grant) -> Result<TokenRecord> {
        match self.endpoint.post(form, &[]).await? {
            Ok(record) => Ok(record),
            Err(refusal) => {
                let err = grant_refused(
                    refusal.status,
                    &refusal.headers,
                    &refusal.body,
                    &self.provider_id,
                    grant,
                );
                tracing::warn!(http_status = refusal.status, code = %err.code(), ?grant, "microsoft refused a delegated grant");
                Err(err)
            }
        }
    }
}

impl fmt::Debug for DelegatedOAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelegatedOAuth")
            .field("endpoint", &self.endpoint)
            .field("authorize_url", &self.authorize_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .finish()
    }
}
