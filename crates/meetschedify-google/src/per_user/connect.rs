//! The per-user connect flow: consent URL, callback, disconnect.

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{
    async_trait, AuthorizationRequest, AuthorizationUrl, ConnectedAccount, DeleteOutcome,
    DisconnectOutcome, Error, ErrorCode, OAuthCallback, OAuthConnect, Operation, Result,
    SaveCondition, SaveOutcome, SessionBinding, TenantId, TokenKey, TokenRecord,
};
use tracing::Instrument;

use super::{PerUserTokens, SCOPE_CALENDAR, SCOPE_CALENDAR_EVENTS};
use crate::oauth::{Pkce, RevokeOutcome};

impl PerUserTokens {
    /// Revokes the tenant's grant at Google, then deletes its tokens from the store.
    ///
    /// A token Google already considers invalid is deleted too
    /// ([`DisconnectOutcome::AlreadyInvalid`]). If Google cannot be reached the tokens are kept and
    /// the (retryable) error is returned, so a retry can still revoke them: deleting without
    /// revoking would leave the grant alive at Google.
    ///
    /// The delete is conditional on the version whose token was revoked: if a refresh (which may
    /// rotate the refresh token) or a reconnect saved in between, the new record is revoked
    /// too before it is deleted, so no live grant is left behind unseen.
    async fn disconnect_tenant(&self, tenant: &TenantId) -> Result<DisconnectOutcome> {
        let key = self.token_key(tenant);
        let store = self.tokens.store();
        let mut attempts = 0;
        let mut revoked = false;
        let outcome = loop {
            let Some(record) = store.get(&key).await? else {
                self.tokens.forget(&key);
                return Ok(DisconnectOutcome::NotConnected);
            };
            // A second round may find the same grant already revoked by the first.
            revoked |= self.revoke_record(&record).await? == RevokeOutcome::Revoked;
            match store
                .delete_if(&key, SaveCondition::Version(record.version))
                .await?
            {
                DeleteOutcome::Deleted if revoked => break RevokeOutcome::Revoked,
                DeleteOutcome::Deleted => break RevokeOutcome::AlreadyInvalid,
                _ if attempts < MAX_WRITE_ATTEMPTS => attempts += 1,
                _ => return Err(changed_under_us(Operation::Disconnect)),
            }
        };
        self.tokens.forget(&key);
        let result = match outcome {
            RevokeOutcome::Revoked => DisconnectOutcome::Revoked,
            _ => DisconnectOutcome::AlreadyInvalid,
        };
        tracing::info!(outcome = ?result, "google account disconnected");
        Ok(result)
    }
}

/// How often a connect or disconnect re-reads and retries when the record changed between its
/// read and its write (a refresh finishing, another connect); more means something is looping.
const MAX_WRITE_ATTEMPTS: u32 = 5;

fn changed_under_us(operation: Operation) -> Error {
    Error::new(
        ErrorCode::TokenStoreError,
        "the stored tokens kept changing during the operation; try again",
    )
    .with_operation(operation)
}

impl PerUserTokens {
    /// Revokes the grant behind `record` (its refresh token, or its access token if it has none).
    async fn revoke_record(&self, record: &TokenRecord) -> Result<RevokeOutcome> {
        // Revoking the refresh token ends the whole grant, access tokens included.
        let token: &SecretString = record
            .refresh_token
            .as_ref()
            .unwrap_or(&record.access_token);
        if token.expose_secret().is_empty() {
            return Ok(RevokeOutcome::AlreadyInvalid);
        }
        self.oauth.revoke(token).await
    }

    /// Saves a new consent's record over whatever is stored, returning what it replaced. The save
    /// is a compare-and-swap on the version just read, so the record returned is exactly the one
    /// replaced (a refresh that rotated the old refresh token meanwhile makes it read again), and
    /// a refresh still in flight for the old account conflicts on its own save.
    async fn replace_record(
        &self,
        key: &TokenKey,
        record: &TokenRecord,
    ) -> Result<Option<TokenRecord>> {
        let store = self.tokens.store();
        for _ in 0..=MAX_WRITE_ATTEMPTS {
            let current = store.get(key).await?;
            let condition = SaveCondition::unchanged(current.as_ref());
            if let SaveOutcome::Saved { .. } = store.save(key, record, condition).await? {
                return Ok(current);
            }
        }
        Err(changed_under_us(Operation::OAuthCallback))
    }

    /// Best effort: revokes the grant a reconnect replaced, so the old account's refresh token
    /// stops working at Google. Never fails the connect; a failure is logged.
    async fn revoke_replaced(&self, previous: Option<TokenRecord>, new: &TokenRecord) {
        // Opt-in (see `with_revoke_replaced_grant`): on a same-account reconnect Google's
        // revocation would end the new grant as well.
        let Some(previous) = previous.filter(|_| self.revoke_replaced_grant) else {
            return;
        };
        let same = |a: &Option<SecretString>, b: &Option<SecretString>| match (a, b) {
            (Some(a), Some(b)) => a.expose_secret() == b.expose_secret(),
            _ => false,
        };
        // A refresh token Google already refused needs no revoking; one equal to the new one
        // must not be revoked (that would end the new grant).
        if previous.revoked.is_some() || same(&previous.refresh_token, &new.refresh_token) {
            return;
        }
        match self.revoke_record(&previous).await {
            Ok(outcome) => tracing::info!(?outcome, "reconnect: the previous grant was revoked"),
            Err(e) => tracing::warn!(
                error = %e,
                "reconnect: could not revoke the previous grant; it stays valid at google until \
                 the user removes it or it expires unused"
            ),
        }
    }
}

#[async_trait]
impl OAuthConnect for PerUserTokens {
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
        let pkce = Pkce::new();
        let binding = SessionBinding::generate();
        let state = self.sealer.seal(
            &request.tenant_id,
            &self.id,
            request.return_url.as_deref(),
            Some(pkce.verifier()),
            &binding,
        )?;
        let url = self.oauth.authorization_url(
            state.clone(),
            &self.scopes,
            &pkce,
            request.login_hint.as_deref(),
        );
        Ok(AuthorizationUrl::new(url, state, binding))
    }

    async fn handle_callback(&self, callback: &OAuthCallback) -> Result<ConnectedAccount> {
        // The tenant comes from the sealed state only: nothing in the query can name another.
        // The state must come back through the browser session that asked for it (login CSRF,
        // a leaked consent URL): checked before the nonce is used up or the code exchanged.
        let payload = self
            .sealer
            .unseal(&self.id, &callback.state, callback.session_binding.as_ref())
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
            let record = self.oauth.exchange_code(&callback.code, verifier).await?;
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
            // A new consent wins over whatever was stored, including a revoked record; the
            // store gives it a version never used before, so a refresh of the old record still
            // in flight conflicts instead of writing over it.
            let previous = self.replace_record(&key, &record).await?;
            self.tokens.forget(&key);
            self.revoke_replaced(previous, &record).await;
            tracing::info!(scopes = ?record.scopes, "google account connected");
            Ok(ConnectedAccount::new(
                payload.tenant_id.clone(),
                self.id.clone(),
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
