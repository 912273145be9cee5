//! [`GoogleMeetStaticBuilder`]: configuration of the static-refresh-token provider.

use std::fmt;
use std::sync::Arc;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{Error, ProviderId, Result, TokenKey};
use meetschedify_google::GoogleProviderSettings;
use meetschedify_store_memory::MemoryTokenStore;

use crate::provider::{GoogleMeetStaticProvider, Inner};

/// `GOOGLE_REFRESH_TOKEN`: the refresh token of the account that owns every meeting.
pub const ENV_REFRESH_TOKEN: &str = "GOOGLE_REFRESH_TOKEN";

/// The tenant id the account's tokens are kept under in the provider's own memory store.
pub const STATIC_TENANT: &str = "static-account";

/// What a `GOOGLE_AUTH_REVOKED` from this provider advises.
pub(crate) const REVOKED_HINT: &str = "get a new refresh token with the CLI's `meetschedify \
     google-token` and set GOOGLE_REFRESH_TOKEN; apps in \"Testing\" publishing status get \
     refresh tokens that expire after 7 days, so publish the app (\"In production\") for a \
     lasting one";

/// Configures a [`GoogleMeetStaticProvider`]. `build()` checks everything and names what is
/// missing.
///
/// Required: client id, client secret and refresh token. The redirect URI is accepted (it is
/// part of the usual `.env`) but not needed: a refresh grant does not send it.
pub struct GoogleMeetStaticBuilder {
    settings: GoogleProviderSettings,
    refresh_token: Option<SecretString>,
    tenant_ownership: bool,
}

impl Default for GoogleMeetStaticBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for GoogleMeetStaticBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleMeetStaticBuilder")
            .field("settings", &self.settings)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("tenant_ownership", &self.tenant_ownership)
            .finish_non_exhaustive()
    }
}

impl GoogleMeetStaticBuilder {
    /// An empty configuration with the defaults: provider id `google-meet-static`, calendar
    /// `primary`, `sendUpdates=all`, Google's real endpoints.
    pub fn new() -> Self {
        Self {
            settings: GoogleProviderSettings::new(ProviderId::GOOGLE_MEET_STATIC),
            refresh_token: None,
            tenant_ownership: true,
        }
    }

    /// Reads `GOOGLE_CLIENT_ID`, `GOOGLE_CLIENT_SECRET`, `GOOGLE_REDIRECT_URI`,
    /// `GOOGLE_REFRESH_TOKEN` and the `MEETSCHEDIFY_GOOGLE_*_BASE` overrides. Unset values stay
    /// unset (`build()` names them); a malformed base URL fails here.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any variable source.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut b = Self::new();
        b.settings.read_env(&lookup)?;
        b.refresh_token =
            GoogleProviderSettings::env_value(&lookup, ENV_REFRESH_TOKEN).map(SecretString::from);
        Ok(b)
    }

    // The client, Calendar, endpoint and token-manager setters, shared with the per-user
    // builder (which also has `with_auth_base`: this provider never shows a consent page).
    meetschedify_google::__google_builder_setters!(settings);

    /// Sets the account's refresh token.
    pub fn with_refresh_token(mut self, token: impl Into<String>) -> Self {
        self.refresh_token = Some(SecretString::from(token.into()));
        self
    }

    /// Turns the tenant-ownership check on or off (default on).
    ///
    /// One Google account owns every tenant's events, so on, each create records its tenant
    /// in the event's private extended property `meetschedify.tenant`, and get, update and
    /// cancel answer `MEETING_NOT_FOUND` for an event of another tenant, or one made outside
    /// this library (without the property), before anything is written. Turn it off only for
    /// a single-tenant application, or while migrating events made elsewhere; creates record
    /// the tenant either way.
    pub fn with_tenant_ownership(mut self, on: bool) -> Self {
        self.tenant_ownership = on;
        self
    }

    /// Checks the configuration and builds the provider. No network call is made: the first
    /// meeting (or [`connection_status`](meetschedify_core::MeetingProvider::connection_status),
    /// a cheap start-up probe) obtains the first access token.
    pub fn build(self) -> Result<GoogleMeetStaticProvider> {
        self.settings.check()?;
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
        // The one account's tokens live in this provider's own memory: nothing else reads them,
        // and the refresh token comes back from the configuration at every start.
        let parts = self
            .settings
            .connect(Arc::new(MemoryTokenStore::new()), REVOKED_HINT)?;
        let key = TokenKey::new(STATIC_TENANT, parts.provider_id.clone());
        Ok(GoogleMeetStaticProvider::from_inner(Inner::new(
            parts.provider_id,
            parts.calendar.with_tenant_ownership(self.tenant_ownership),
            parts.tokens,
            key,
            refresh_token,
        )))
    }
}
