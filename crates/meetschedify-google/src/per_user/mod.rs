//! [`GoogleMeetProvider`]: Google Meet where each tenant connects its own Google account.

mod connect;

use std::fmt;
use std::sync::Arc;

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::webhooks::SubscriptionStore;
use meetschedify_core::{
    async_trait, AccessToken, ConnectionStatus, Error, MemoryNonceStore, OAuthConnect,
    OAuthStateKey, OAuthStateSealer, ProviderId, Result, TenantId, TokenKey, TokenManager,
    TokenStore,
};

use crate::builder::{CalendarProviderBuilder, TokenSourceConfig, TokenSourceParts};
use crate::oauth::{GoogleOAuthClient, GoogleTokenRefresher};
use crate::provider::{CalendarProvider, CalendarTokens};
use meetschedify_core::EnvVars;

/// `GOOGLE_CLIENT_ID`.
pub const ENV_CLIENT_ID: &str = "GOOGLE_CLIENT_ID";
/// `GOOGLE_CLIENT_SECRET`.
pub const ENV_CLIENT_SECRET: &str = "GOOGLE_CLIENT_SECRET";
/// `GOOGLE_REDIRECT_URI`.
pub const ENV_REDIRECT_URI: &str = "GOOGLE_REDIRECT_URI";
/// `MEETSCHEDIFY_OAUTH_STATE_KEY`: 32 bytes in base64 (`openssl rand -base64 32`), shared by
/// every instance of the application.
pub const ENV_STATE_KEY: &str = "MEETSCHEDIFY_OAUTH_STATE_KEY";

/// The least privilege that still creates events with Meet links: `calendar.events` (accepted
/// by `events.insert/get/patch/delete`; <https://developers.google.com/calendar/api/auth>).
pub const SCOPE_CALENDAR_EVENTS: &str = "https://www.googleapis.com/auth/calendar.events";
/// Full calendar access, which also works.
pub const SCOPE_CALENDAR: &str = "https://www.googleapis.com/auth/calendar";

/// What a `GOOGLE_AUTH_REVOKED` of this provider advises.
const REVOKED_HINT: &str = "the user must connect their google account again (apps in \
     \"Testing\" publishing status get refresh tokens that expire after 7 days)";

/// Google Meet where each tenant connects its own Google account: meetings land on that
/// account's calendar.
///
/// Tokens live in the [`TokenStore`] you give it, one record per tenant; access tokens are
/// refreshed single-flight through core's [`TokenManager`] and saved before use. Build it with
/// [`GoogleMeetProvider::builder`]; it is cheap to clone. The connect flow is its token
/// source's ([`PerUserTokens`]), offered through
/// [`MeetingProvider::oauth`](meetschedify_core::MeetingProvider::oauth).
pub type GoogleMeetProvider = CalendarProvider<PerUserTokens>;

/// Configures a [`GoogleMeetProvider`]. `build()` checks everything and names what is missing.
///
/// Required: client id, client secret, redirect URI, a state key (or sealer) and a token store.
/// Defaults: provider id `google-meet`, scope `calendar.events`, calendar `primary`,
/// `sendUpdates=all`, Google's real endpoints.
pub type GoogleMeetBuilder = CalendarProviderBuilder<PerUserTokens>;

/// The per-user token source: each tenant's tokens, from a token store.
///
/// It owns the OAuth connect flow too ([`OAuthConnect`]: consent URL, callback, disconnect),
/// since connecting is how a tenant's tokens get into the store.
pub struct PerUserTokens {
    id: ProviderId,
    oauth: GoogleOAuthClient,
    tokens: TokenManager,
    sealer: OAuthStateSealer,
    scopes: Vec<String>,
    revoke_replaced_grant: bool,
}

impl fmt::Debug for PerUserTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerUserTokens")
            .field("id", &self.id)
            .field("oauth", &self.oauth)
            .field("scopes", &self.scopes)
            .field("sealer", &self.sealer)
            .field("tokens", &self.tokens)
            .finish()
    }
}

impl PerUserTokens {
    /// The store key of a tenant's tokens.
    pub fn token_key(&self, tenant: &TenantId) -> TokenKey {
        TokenKey::new(tenant.clone(), self.id.clone())
    }
}

#[async_trait]
impl CalendarTokens for PerUserTokens {
    type Config = PerUserConfig;

    async fn access_token(&self, tenant: &TenantId) -> Result<AccessToken> {
        self.tokens.access_token(&self.token_key(tenant)).await
    }

    async fn refresh_after_rejection(
        &self,
        tenant: &TenantId,
        rejected: &AccessToken,
    ) -> Result<AccessToken> {
        self.tokens
            .refresh_after_rejection(&self.token_key(tenant), rejected)
            .await
    }

    /// Reads the tenant's record only (no call to Google): `NotConnected` without a record,
    /// `NeedsReconnect` when it was revoked (with Google's reason, recorded when a refresh was
    /// refused) or holds no refresh token, or `Connected` with the granted scopes and the access
    /// token's expiry.
    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        let id = self.id.clone();
        let record = self.tokens.store().get(&self.token_key(tenant)).await?;
        let Some(record) = record else {
            return Ok(ConnectionStatus::disconnected(
                id,
                tenant.clone(),
                "not connected: no google account has been connected for this tenant",
            ));
        };
        if let Some(revoked) = &record.revoked {
            return Ok(ConnectionStatus::needs_reconnect(
                id,
                tenant.clone(),
                format!(
                    "revoked: {} (at {}); connect again",
                    revoked.reason, revoked.at
                ),
            )
            .with_scopes(record.scopes.clone()));
        }
        let has_refresh = record
            .refresh_token
            .as_ref()
            .is_some_and(|t| !t.expose_secret().is_empty());
        if !has_refresh {
            return Ok(ConnectionStatus::needs_reconnect(
                id,
                tenant.clone(),
                "the stored record has no refresh token; connect again",
            ));
        }
        Ok(ConnectionStatus::connected(id, tenant.clone())
            .with_scopes(record.scopes)
            .with_expires_at(record.expires_at))
    }

    fn oauth(&self) -> Option<&dyn OAuthConnect> {
        Some(self)
    }
}

/// The per-user source's settings, set through [`GoogleMeetBuilder`]'s `with_token_store`,
/// `with_state_key`, `with_state_sealer`, `with_scopes` and `with_revoke_replaced_grant`.
pub struct PerUserConfig {
    scopes: Vec<String>,
    sealer: Option<OAuthStateSealer>,
    store: Option<Arc<dyn TokenStore>>,
    revoke_replaced_grant: bool,
}

impl Default for PerUserConfig {
    fn default() -> Self {
        Self {
            scopes: vec![SCOPE_CALENDAR_EVENTS.to_owned()],
            sealer: None,
            store: None,
            revoke_replaced_grant: false,
        }
    }
}

impl fmt::Debug for PerUserConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerUserConfig")
            .field("scopes", &self.scopes)
            .field("sealer", &self.sealer)
            .field("store", &self.store)
            .field("revoke_replaced_grant", &self.revoke_replaced_grant)
            .finish()
    }
}

impl TokenSourceConfig for PerUserConfig {
    type Source = PerUserTokens;

    fn default_provider_id() -> ProviderId {
        ProviderId::GOOGLE_MEET
    }

    fn read_env(&mut self, env: EnvVars<'_>) -> Result<()> {
        if let Some(key) = env.get(ENV_STATE_KEY) {
            let key = OAuthStateKey::from_base64(&key)
                .map_err(|e| Error::invalid_config(ENV_STATE_KEY, e.message().to_owned()))?;
            self.sealer = Some(OAuthStateSealer::new(key));
        }
        Ok(())
    }

    fn subscription_store(&self) -> Option<Arc<dyn SubscriptionStore>> {
        self.store.as_ref().and_then(|s| s.subscription_store())
    }

    fn build(self, parts: TokenSourceParts) -> Result<PerUserTokens> {
        if parts.redirect_uri.is_none() {
            return Err(Error::invalid_config(
                ENV_REDIRECT_URI,
                "the redirect uri is missing (the per-user flow needs it)",
            ));
        }
        let sealer = self.sealer.ok_or_else(|| {
            Error::invalid_config(
                ENV_STATE_KEY,
                "an oauth state key is missing: set MEETSCHEDIFY_OAUTH_STATE_KEY to the output of \
                 `openssl rand -base64 32`, the same on every instance",
            )
        })?;
        let store = self.store.ok_or_else(|| {
            Error::invalid_config(
                "token_store",
                "a token store is missing (per-user tokens must be kept somewhere)",
            )
        })?;
        if self.scopes.is_empty() || self.scopes.iter().any(|s| s.trim().is_empty()) {
            return Err(Error::invalid_config("scopes", "scopes must not be empty"));
        }
        if !self
            .scopes
            .iter()
            .any(|s| s == SCOPE_CALENDAR_EVENTS || s == SCOPE_CALENDAR)
        {
            return Err(Error::invalid_config(
                "scopes",
                format!("scopes must include {SCOPE_CALENDAR_EVENTS} or {SCOPE_CALENDAR}"),
            ));
        }
        // A state is single-use on every instance that shares the token store (a SQL database,
        // Redis), and at least in this process otherwise; a sealer given a nonce store keeps it.
        let sealer = if sealer.nonce_store().is_some() {
            sealer
        } else {
            let nonces = store
                .nonce_store()
                .unwrap_or_else(|| Arc::new(MemoryNonceStore::new()));
            sealer.with_nonce_store(nonces)
        };
        let refresher =
            GoogleTokenRefresher::new(parts.oauth.clone()).with_revoked_hint(REVOKED_HINT);
        Ok(PerUserTokens {
            id: parts.provider_id,
            tokens: TokenManager::new(store, Arc::new(refresher), parts.token_config),
            oauth: parts.oauth,
            sealer,
            scopes: self.scopes,
            revoke_replaced_grant: self.revoke_replaced_grant,
        })
    }
}

/// The per-user source's own settings.
impl GoogleMeetBuilder {
    /// Replaces the scopes asked for (default `calendar.events`). They must include
    /// `calendar.events` or `calendar`.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.source.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Overrides the consent base (`MEETSCHEDIFY_GOOGLE_AUTH_BASE`); checked by `build()`.
    /// Only this provider has it: the static one never sends anyone to a consent page.
    pub fn with_auth_base(mut self, base: impl Into<String>) -> Self {
        self.set_auth_base(base.into());
        self
    }

    /// Seals OAuth states with `key` (10-minute states, relative return URLs only). Each state
    /// is single-use: through the token store's nonce store when it has one (the SQL and Redis
    /// stores, shared by every instance), else in this process's memory. Use
    /// [`with_state_sealer`](Self::with_state_sealer) for more control.
    pub fn with_state_key(mut self, key: OAuthStateKey) -> Self {
        self.source.sealer = Some(OAuthStateSealer::new(key));
        self
    }

    /// Seals OAuth states with a configured sealer (TTL, return-URL allowlist, nonce store).
    pub fn with_state_sealer(mut self, sealer: OAuthStateSealer) -> Self {
        self.source.sealer = Some(sealer);
        self
    }

    /// Whether a reconnect (a callback for a tenant that already has tokens) revokes the grant
    /// it replaced, best effort. Off by default: Google's revocation removes the app's access
    /// for the *user* ("the permissions previously granted to the application are removed"),
    /// so when a tenant reconnects with the same Google account, revoking the old grant would
    /// end the new one too. Turn it on when reconnects switch accounts (a clinic handing its
    /// calendar to another administrator) and the old account must lose access at once; the
    /// replaced record is then revoked unless its refresh token equals the new one.
    pub fn with_revoke_replaced_grant(mut self, revoke: bool) -> Self {
        self.source.revoke_replaced_grant = revoke;
        self
    }

    /// Where each tenant's tokens live.
    pub fn with_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.source.store = Some(store);
        self
    }
}
