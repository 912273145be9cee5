//! The per-user connect flow: consent URL, callback, disconnect.

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{
    async_trait, AuthorizationRequest, AuthorizationUrl, ConnectedAccount, DisconnectOutcome,
    Error, ErrorCode, OAuthCallback, OAuthConnect, Operation, Result, SaveCondition,
    SessionBinding, TenantId,
};
use oauth2::PkceCodeChallenge;
use tracing::Instrument;

use super::builder::{SCOPE_CALENDAR, SCOPE_CALENDAR_EVENTS};
use super::GoogleMeetProvider;
use crate::oauth::RevokeOutcome;

impl GoogleMeetProvider {
    /// Revokes the tenant's grant at Google, then deletes its tokens from the store.
    ///
    /// A token Google already considers invalid is deleted too
    /// ([`DisconnectOutcome::AlreadyInvalid`]). If Google cannot be reached the tokens are kept and
    /// the (retryable) error is returned, so a retry can still revoke them: deleting without
    /// revoking would leave the grant alive at Google.
    ///
    /// The same as [`OAuthConnect::disconnect`], callable without the trait in scope.
    pub async fn disconnect_tenant(&self, tenant: &TenantId) -> Result<DisconnectOutcome> {
        let key = self.token_key(tenant);
        let store = self.inner.tokens.store();
        let Some(record) = store.get(&key).await? else {
            self.inner.tokens.forget(&key);
            return Ok(DisconnectOutcome::NotConnected);
        };
        // Revoking the refresh token ends the whole grant, access tokens included.
        let token: &SecretString = record
            .refresh_token
            .as_ref()
            .unwrap_or(&record.access_token);
        let outcome = if token.expose_secret().is_empty() {
            RevokeOutcome::AlreadyInvalid
        } else {
            self.inner.oauth.revoke(token).await?
        };
        store.delete(&key).await?;
        self.inner.tokens.forget(&key);
        let result = match outcome {
            RevokeOutcome::Revoked => DisconnectOutcome::Revoked,
            _ => DisconnectOutcome::AlreadyInvalid,
        };
        tracing::info!(outcome = ?result, "google account disconnected");
        Ok(result)
    }
}

#[async_trait]
impl OAuthConnect for GoogleMeetProvider {
    async fn authorization_url(&self, request: &AuthorizationRequest) -> Result<AuthorizationUrl> {
        request.tenant_id.validate("tenant_id")?;
        if let Some(hint) = &request.login_hint {
            if hint.trim().is_empty() || hint.len() > 320 || hint.chars().any(char::is_control) {
                return Err(Error::invalid_request(
                    "login_hint",
                    "login hint must be an email or google account id of at most 320 bytes",
                ));
            }
        }
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let verifier = SecretString::from(verifier.secret().clone());
        let binding = SessionBinding::generate();
        let state = self.inner.sealer.seal(
            &request.tenant_id,
            &self.inner.id,
            request.return_url.as_deref(),
            Some(&verifier),
            &binding,
        )?;
        let url = self.inner.oauth.authorization_url(
            state.clone(),
            &self.inner.scopes,
            challenge,
            request.login_hint.as_deref(),
        );
        Ok(AuthorizationUrl::new(url, state, binding))
    }

    async fn handle_callback(&self, callback: &OAuthCallback) -> Result<ConnectedAccount> {
        // The tenant comes from the sealed state only: nothing in the query can name another.
        // The state must come back through the browser session that asked for it (login CSRF,
        // a leaked consent URL): checked before the nonce is used up or the code exchanged.
        let payload = self
            .inner
            .sealer
            .unseal(
                &self.inner.id,
                &callback.state,
                callback.session_binding.as_ref(),
            )
            .await?;
        let span = tracing::info_span!("google_connect", tenant = %payload.tenant_id);
        async {
            let verifier = payload.pkce_verifier.as_ref().ok_or_else(|| {
                Error::new(
                    ErrorCode::OAuthStateInvalid,
                    "oauth state carries no pkce verifier",
                )
                .with_field("state")
            })?;
            let record = self
                .inner
                .oauth
                .exchange_code(&callback.code, verifier)
                .await?;
            if record.refresh_token.is_none() {
                return Err(Error::new(
                    ErrorCode::GoogleNotConnected,
                    "google returned no refresh token, so the connection would stop working \
                     within an hour; it sends one only with access_type=offline and \
                     prompt=consent (this library's authorization urls ask for both): start the \
                     connect flow again with a url from this provider, or remove the app at \
                     https://myaccount.google.com/permissions first",
                )
                .with_operation(Operation::OAuthCallback));
            }
            if !record.scopes.is_empty()
                && !record
                    .scopes
                    .iter()
                    .any(|s| s == SCOPE_CALENDAR_EVENTS || s == SCOPE_CALENDAR)
            {
                return Err(Error::new(
                    ErrorCode::GoogleNotConnected,
                    "the user did not grant calendar access (the calendar box was unticked on \
                     the consent screen); connect again and allow it",
                )
                .with_operation(Operation::OAuthCallback));
            }
            let key = self.token_key(&payload.tenant_id);
            // A new consent wins over whatever was stored, including a revoked record.
            self.inner
                .tokens
                .store()
                .save(&key, &record, SaveCondition::Always)
                .await?;
            self.inner.tokens.forget(&key);
            tracing::info!(scopes = ?record.scopes, "google account connected");
            Ok(ConnectedAccount::new(
                payload.tenant_id.clone(),
                self.inner.id.clone(),
                payload.return_url.clone(),
            ))
        }
        .instrument(span)
        .await
    }

    async fn disconnect(&self, tenant: &TenantId) -> Result<DisconnectOutcome> {
        self.disconnect_tenant(tenant).await
    }
}
