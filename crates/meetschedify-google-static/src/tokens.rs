//! [`StaticRefreshToken`]: one Google account's refresh token serves every tenant.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{
    async_trait, AccessToken, ConnectionStatus, Error, MemoryTokenStore, ProviderId, Result,
    TenantId, TokenKey, TokenManager, TokenRecord, TokenRefresher,
};
use meetschedify_google::{
    CalendarProvider, CalendarProviderBuilder, CalendarTokens, EnvVars, GoogleTokenRefresher,
    RefreshTokenConfig, TokenSourceConfig, TokenSourceParts,
};

/// `GOOGLE_REFRESH_TOKEN`: the refresh token of the account that owns every meeting.
pub const ENV_REFRESH_TOKEN: &str = "GOOGLE_REFRESH_TOKEN";

/// The tenant id the account's access token is cached under (in the source's own memory; it
/// appears in the token manager's logs).
pub const STATIC_TENANT: &str = "static-account";

/// What a `GOOGLE_AUTH_REVOKED` from this provider advises.
const REVOKED_HINT: &str = "get a new refresh token with the CLI's `meetschedify \
     google-token` and set GOOGLE_REFRESH_TOKEN; apps in \"Testing\" publishing status get \
     refresh tokens that expire after 7 days, so publish the app (\"In production\") for a \
     lasting one";

/// Google Meet where one Google account (the one that granted the refresh token) owns every
/// meeting, whatever the tenant: internal tools, hospitals, schools, recruiting.
///
/// The access token lives in memory and is refreshed single-flight: however many requests
/// arrive together, one refresh runs. There is no per-user connect flow:
/// [`Capabilities::oauth_connect`](meetschedify_core::Capabilities::oauth_connect) is `false`
/// and the client answers the connect operations with `OPERATION_NOT_SUPPORTED`. The tenant of
/// each request still keeps idempotency keys apart (two tenants' equal keys make two meetings)
/// and appears in logs, and it owns the meetings it creates: by default another tenant's get,
/// update or cancel of one is `MEETING_NOT_FOUND` (see
/// [`CalendarProviderBuilder::with_tenant_ownership`]).
pub type GoogleMeetStaticProvider = CalendarProvider<StaticRefreshToken>;

/// Configures a [`GoogleMeetStaticProvider`]. `build()` checks everything and names what is
/// missing.
///
/// Required: client id, client secret and refresh token. The redirect URI is accepted (it is
/// part of the usual `.env`) but not needed: a refresh grant does not send it. Defaults:
/// provider id `google-meet-static`, tenant ownership on, calendar `primary`, `sendUpdates=all`,
/// Google's real endpoints.
pub type GoogleMeetStaticBuilder = CalendarProviderBuilder<StaticRefreshToken>;

/// The static token source: one account's access token, refreshed from the configured refresh
/// token and kept in memory only (the refresh token comes back from the configuration at every
/// start, so nothing is persisted).
///
/// Refreshes go through core's [`TokenManager`] (single flight, refresh-ahead) over a memory
/// store of its own, whose only record is the one the first refresh saves. A refresh token
/// Google refuses is remembered: every later call fails with the same `GOOGLE_AUTH_REVOKED`,
/// without asking Google again, until the process restarts with a new token.
pub struct StaticRefreshToken {
    id: ProviderId,
    tokens: TokenManager,
    key: TokenKey,
}

impl fmt::Debug for StaticRefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticRefreshToken")
            .field("id", &self.id)
            .field("refresh_token", &"[redacted]")
            .field("tokens", &self.tokens)
            .finish()
    }
}

#[async_trait]
impl CalendarTokens for StaticRefreshToken {
    type Config = StaticRefreshTokenConfig;

    /// The account's token, whatever the tenant.
    async fn access_token(&self, _tenant: &TenantId) -> Result<AccessToken> {
        self.tokens.access_token(&self.key).await
    }

    async fn refresh_after_rejection(
        &self,
        _tenant: &TenantId,
        rejected: &AccessToken,
    ) -> Result<AccessToken> {
        self.tokens
            .refresh_after_rejection(&self.key, rejected)
            .await
    }

    /// A health probe of the one account, the same for every tenant: obtains an access token
    /// (refreshing if needed, so at most one token request per hour). A refused refresh token
    /// is reported as `NeedsReconnect` with Google's reason and the fix; any other failure (a
    /// refused client secret, Google unreachable) as `Unavailable` with its code and message,
    /// as Zoom does: no tenant can fix it, an operator has to look.
    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        match self.tokens.access_token(&self.key).await {
            Ok(token) => Ok(ConnectionStatus::connected(self.id.clone(), tenant.clone())
                .with_reason("one google account serves every tenant")
                .with_scopes(token.scopes().to_vec())
                .with_expires_at(token.expires_at())),
            Err(e) if e.code().needs_reconnect() => Ok(ConnectionStatus::needs_reconnect(
                self.id.clone(),
                tenant.clone(),
                format!("revoked: {}", e.message()),
            )),
            Err(e) => Ok(ConnectionStatus::unavailable(
                self.id.clone(),
                tenant.clone(),
                format!("{}: {}", e.code(), e.message()),
            )),
        }
    }
}

/// Refreshes from the configured token, and remembers a refusal.
#[derive(Debug)]
struct Refresher {
    google: GoogleTokenRefresher,
    /// Google's `GOOGLE_AUTH_REVOKED` for the configured token, once seen. The token manager
    /// records a refusal on a stored record, but the first refresh has none to record it on.
    refused: Mutex<Option<Error>>,
}

#[async_trait]
impl TokenRefresher for Refresher {
    async fn refresh(&self, key: &TokenKey, current: Option<&TokenRecord>) -> Result<TokenRecord> {
        if let Some(refused) = self
            .refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Err(refused);
        }
        let result = self.google.refresh(key, current).await;
        if let Err(e) = &result {
            if e.code().needs_reconnect() {
                *self.refused.lock().unwrap_or_else(PoisonError::into_inner) = Some(e.clone());
            }
        }
        result
    }
}

/// The static source's setting: the refresh token, set with
/// [`with_refresh_token`](CalendarProviderBuilder::with_refresh_token) or read from
/// `GOOGLE_REFRESH_TOKEN`.
#[derive(Default)]
pub struct StaticRefreshTokenConfig {
    refresh_token: Option<SecretString>,
}

impl fmt::Debug for StaticRefreshTokenConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticRefreshTokenConfig")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

impl TokenSourceConfig for StaticRefreshTokenConfig {
    type Source = StaticRefreshToken;

    fn default_provider_id() -> ProviderId {
        ProviderId::GOOGLE_MEET_STATIC
    }

    /// On: one account holds every tenant's events.
    fn default_tenant_ownership() -> bool {
        true
    }

    fn read_env(&mut self, env: EnvVars<'_>) -> Result<()> {
        self.refresh_token = env.get(ENV_REFRESH_TOKEN).map(SecretString::from);
        Ok(())
    }

    /// No network call is made: the first meeting (or
    /// [`connection_status`](meetschedify_core::MeetingProvider::connection_status), a cheap
    /// start-up probe) obtains the first access token.
    fn build(self, parts: TokenSourceParts) -> Result<StaticRefreshToken> {
        let refresh_token = self
            .refresh_token
            .filter(|t| !t.expose_secret().trim().is_empty())
            .ok_or_else(|| {
                Error::invalid_config(
                    ENV_REFRESH_TOKEN,
                    "the google refresh token is missing; get one with the CLI's \
                     `meetschedify google-token`",
                )
            })?;
        let refresher = Refresher {
            google: GoogleTokenRefresher::new(parts.oauth)
                .with_revoked_hint(REVOKED_HINT)
                .with_refresh_token(refresh_token),
            refused: Mutex::new(None),
        };
        // The account's access token lives in this source's own memory: nothing else reads it.
        let tokens = TokenManager::new(
            Arc::new(MemoryTokenStore::new()),
            Arc::new(refresher),
            parts.token_config,
        );
        Ok(StaticRefreshToken {
            key: TokenKey::new(STATIC_TENANT, parts.provider_id.clone()),
            id: parts.provider_id,
            tokens,
        })
    }
}

impl RefreshTokenConfig for StaticRefreshTokenConfig {
    fn set_refresh_token(&mut self, token: SecretString) {
        self.refresh_token = Some(token);
    }
}
