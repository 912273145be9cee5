//! The per-user connect flow: consent URL, callback, disconnect.
//!
//! The same safety properties as the Google per-user provider: the OAuth state is sealed (the
//! tenant comes from it only), bound to the browser session that asked for it and checked
//! before its single-use nonce is spent or the code redeemed; PKCE (S256); the new record
//! replaces the old by compare-and-swap; disconnect deletes conditionally on the version read,
//! after deleting the tenant's Graph subscriptions with its own token.

use meetschedify_core::{
    async_trait, AuthorizationRequest, AuthorizationUrl, ConnectedAccount, DeleteOutcome,
    DisconnectOutcome, Error, ErrorCode, OAuthCallback, OAuthConnect, Operation, Result,
    SaveCondition, SaveOutcome, SessionBinding, TenantId, TokenKey, TokenRecord,
};
use tracing::Instrument;

use super::pkce::Pkce;
use super::scopes::is_calendars_read_write;
use super::TeamsProvider;

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

fn not_connected(message: &str) -> Error {
    Error::new(ErrorCode::NotConnected, message).with_operation(Operation::OAuthCallback)
}

impl TeamsProvider {
    /// Saves a new consent's record over whatever is stored. The save is a compare-and-swap on
    /// the version just read, so a refresh of the old record still in flight conflicts on its
    /// own save instead of writing over the new one.
    async fn replace_record(&self, key: &TokenKey, record: &TokenRecord) -> Result<()> {
        let store = self.token_manager().store();
        for _ in 0..=MAX_WRITE_ATTEMPTS {
            let current = store.get(key).await?;
            let condition = SaveCondition::unchanged(current.as_ref());
            if let SaveOutcome::Saved { .. } = store.save(key, record, condition).await? {
                return Ok(());
            }
        }
        Err(changed_under_us(Operation::OAuthCallback))
    }

    /// Deletes the tenant's tokens. Microsoft has no per-grant revocation endpoint (reference
    /// `microsoft-teams.md` §1.5: no RFC 7009 endpoint; revoking a user's sign-in sessions ends
    /// every app's tokens of that user, far beyond this app), so nothing is sent to Microsoft
    /// and the outcome says so: [`DisconnectOutcome::Forgotten`].
    async fn forget_tenant(&self, tenant: &TenantId) -> Result<DisconnectOutcome> {
        let key = self.token_key(tenant);
        let store = self.token_manager().store();
        for _ in 0..=MAX_WRITE_ATTEMPTS {
            let Some(record) = store.get(&key).await? else {
                self.token_manager().forget(&key);
                return Ok(DisconnectOutcome::NotConnected);
            };
            // Conditional on the version read: a refresh or reconnect that saved in between is
            // read again rather than deleted unseen (it is deleted on the next round).
            if store
                .delete_if(&key, SaveCondition::Version(record.version))
                .await?
                == DeleteOutcome::Deleted
            {
                self.token_manager().forget(&key);
                tracing::info!(
                    "microsoft account disconnected: tokens deleted; the grant stays valid at \
                     microsoft until the user or an administrator removes the app"
                );
                return Ok(DisconnectOutcome::Forgotten);
            }
        }
        Err(changed_under_us(Operation::Disconnect))
    }
}

#[async_trait]
impl OAuthConnect for TeamsProvider {
    async fn authorization_url(&self, request: &AuthorizationRequest) -> Result<AuthorizationUrl> {
        request.tenant_id.validate("tenant_id")?;
        if let Some(hint) = &request.login_hint {
            if hint.trim().is_empty() || hint.len() > 320 || hint.chars().any(char::is_control) {
                return Err(Error::invalid_request(
                    "login_hint",
                    "login hint must be a user principal name or email of at most 320 bytes",
                ));
            }
        }
        let pkce = Pkce::new();
        let binding = SessionBinding::generate();
        let state = self.inner.sealer.seal(
            &request.tenant_id,
            self.id_ref(),
            request.return_url.as_deref(),
            Some(pkce.verifier()),
            &binding,
        )?;
        let url = self.inner.oauth.authorization_url(
            &state,
            pkce.challenge(),
            request.login_hint.as_deref(),
        )?;
        Ok(AuthorizationUrl::new(url, state, binding))
    }

    async fn handle_callback(&self, callback: &OAuthCallback) -> Result<ConnectedAccount> {
        // The tenant comes from the sealed state only: nothing in the query can name another.
        // The state must come back through the browser session that asked for it (login CSRF,
        // a leaked consent URL): checked before the nonce is used up or the code redeemed.
        let payload = self
            .inner
            .sealer
            .unseal(
                self.id_ref(),
                &callback.state,
                callback.session_binding.as_ref(),
            )
            .await?;
        let span = tracing::info_span!("microsoft_connect", tenant = %payload.tenant_id);
        async {
            let verifier = payload.pkce_verifier.as_ref().ok_or_else(|| {
                Error::new(
                    ErrorCode::OAuthStateInvalid,
                    "oauth state carries no pkce verifier",
                )
                .with_field("state")
            })?;
            let record = self.inner.oauth.redeem(&callback.code, verifier).await?;
            if record.refresh_token.is_none() {
                // Reference §1.3: "Only provided if offline_access scope was requested".
                return Err(not_connected(
                    "microsoft returned no refresh token, so the connection would stop working \
                     within the hour: the offline_access scope was not granted; connect again \
                     with a url from this provider (its scopes include offline_access)",
                ));
            }
            // Present in every authorization-code answer (§1.6); when a proxy drops it, Graph's
            // 403 names the permission on first use instead.
            if !record.scopes.is_empty()
                && !record.scopes.iter().any(|s| is_calendars_read_write(s))
            {
                return Err(not_connected(
                    "the user did not grant Calendars.ReadWrite, which creating teams meetings on \
                     their calendar needs; connect again and consent to it",
                ));
            }
            let key = self.token_key(&payload.tenant_id);
            // A new consent wins over whatever was stored, including a revoked record.
            self.replace_record(&key, &record).await?;
            self.token_manager().forget(&key);
            tracing::info!(scopes = ?record.scopes, "microsoft account connected");
            Ok(ConnectedAccount::new(
                payload.tenant_id.clone(),
                self.id_ref().clone(),
                payload.return_url.clone(),
            ))
        }
        .instrument(span)
        .await
    }

    /// Deletes the tenant's Graph subscriptions first, with its own token while it is still
    /// held (a refusal from Graph is logged and the record removed anyway; a store that cannot
    /// be read fails the disconnect before anything is forgotten), then forgets its tokens.
    async fn disconnect(&self, tenant: &TenantId) -> Result<DisconnectOutcome> {
        async {
            self.inner
                .events
                .delete_tenant_subscriptions(self.inner.subscriptions.as_ref(), tenant)
                .await?;
            self.forget_tenant(tenant).await
        }
        .await
        .map_err(|e| e.with_operation(Operation::Disconnect))
    }
}
