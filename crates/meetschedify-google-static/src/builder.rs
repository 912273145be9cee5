//! [`GoogleMeetStaticBuilder`]: configuration of the static-refresh-token provider.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{
    Error, ProviderId, Result, RetryConfig, TokenKey, TokenManager, TokenManagerConfig,
};
use meetschedify_google::{
    Calendar, CalendarOptions, GoogleClientCredentials, GoogleEndpoints, GoogleOAuthClient,
    GoogleTokenRefresher, SendUpdates, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REDIRECT_URI,
};
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
    provider_id: ProviderId,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    redirect_uri: Option<String>,
    refresh_token: Option<SecretString>,
    calendar: CalendarOptions,
    endpoints: GoogleEndpoints,
    api_base: Option<String>,
    oauth_base: Option<String>,
    token_config: TokenManagerConfig,
}

impl Default for GoogleMeetStaticBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for GoogleMeetStaticBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |s: &Option<SecretString>| s.as_ref().map(|_| "[redacted]");
        f.debug_struct("GoogleMeetStaticBuilder")
            .field("provider_id", &self.provider_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &redacted(&self.client_secret))
            .field("redirect_uri", &self.redirect_uri)
            .field("refresh_token", &redacted(&self.refresh_token))
            .field("calendar", &self.calendar)
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl GoogleMeetStaticBuilder {
    /// An empty configuration with the defaults: provider id `google-meet-static`, calendar
    /// `primary`, `sendUpdates=all`, Google's real endpoints.
    pub fn new() -> Self {
        Self {
            provider_id: ProviderId::GOOGLE_MEET_STATIC,
            client_id: None,
            client_secret: None,
            redirect_uri: None,
            refresh_token: None,
            calendar: CalendarOptions::default(),
            endpoints: GoogleEndpoints::google(),
            api_base: None,
            oauth_base: None,
            token_config: TokenManagerConfig::default(),
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
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut b = Self::new();
        b.endpoints = GoogleEndpoints::from_lookup(&lookup)?;
        b.client_id = get(ENV_CLIENT_ID);
        b.client_secret = get(ENV_CLIENT_SECRET).map(SecretString::from);
        b.redirect_uri = get(ENV_REDIRECT_URI);
        b.refresh_token = get(ENV_REFRESH_TOKEN).map(SecretString::from);
        Ok(b)
    }

    /// Registers the provider under another id (for a second static account).
    pub fn with_provider_id(mut self, id: impl Into<ProviderId>) -> Self {
        self.provider_id = id.into();
        self
    }

    /// Sets the OAuth client id.
    pub fn with_client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// Sets the OAuth client secret.
    pub fn with_client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// Sets the redirect URI (checked, not used by refreshes).
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Sets the account's refresh token.
    pub fn with_refresh_token(mut self, token: impl Into<String>) -> Self {
        self.refresh_token = Some(SecretString::from(token.into()));
        self
    }

    /// Sets the calendar events go to (default `primary`).
    pub fn with_calendar_id(mut self, id: impl Into<String>) -> Self {
        self.calendar.calendar_id = id.into();
        self
    }

    /// Sets who Google emails by default (default [`SendUpdates::All`]).
    pub fn with_send_updates(mut self, send_updates: SendUpdates) -> Self {
        self.calendar.send_updates = send_updates;
        self
    }

    /// Sets how long a create waits for a pending Meet conference (default 10 s).
    pub fn with_conference_wait(mut self, wait: Duration) -> Self {
        self.calendar.conference_wait = wait;
        self
    }

    /// Returns meetings whose conference is still pending instead of `CONFERENCE_PENDING`.
    pub fn with_allow_pending_conference(mut self, allow: bool) -> Self {
        self.calendar.allow_pending_conference = allow;
        self
    }

    /// Sets the retry policy for Calendar calls.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.calendar.retry = retry;
        self
    }

    /// Replaces every Calendar setting at once.
    pub fn with_calendar_options(mut self, options: CalendarOptions) -> Self {
        self.calendar = options;
        self
    }

    /// Sets the endpoints.
    pub fn with_endpoints(mut self, endpoints: GoogleEndpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    /// Overrides the API base (`MEETSCHEDIFY_GOOGLE_API_BASE`); checked by `build()`.
    pub fn with_api_base(mut self, base: impl Into<String>) -> Self {
        self.api_base = Some(base.into());
        self
    }

    /// Overrides the OAuth base (`MEETSCHEDIFY_GOOGLE_OAUTH_BASE`); checked by `build()`.
    pub fn with_oauth_base(mut self, base: impl Into<String>) -> Self {
        self.oauth_base = Some(base.into());
        self
    }

    /// Tunes the token manager (refresh-ahead).
    pub fn with_token_manager_config(mut self, config: TokenManagerConfig) -> Self {
        self.token_config = config;
        self
    }

    /// Checks the configuration and builds the provider. No network call is made: the first
    /// meeting (or [`connection_status`](meetschedify_core::MeetingProvider::connection_status),
    /// a cheap start-up probe) obtains the first access token.
    pub fn build(self) -> Result<GoogleMeetStaticProvider> {
        self.provider_id.validate()?;
        let mut endpoints = self.endpoints;
        if let Some(b) = &self.api_base {
            endpoints = endpoints.with_api_base(b)?;
        }
        if let Some(b) = &self.oauth_base {
            endpoints = endpoints.with_oauth_base(b)?;
        }
        let client_id = self.client_id.ok_or_else(|| {
            Error::invalid_config(ENV_CLIENT_ID, "the google client id is missing")
        })?;
        let client_secret = self.client_secret.ok_or_else(|| {
            Error::invalid_config(ENV_CLIENT_SECRET, "the google client secret is missing")
        })?;
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
        let mut credentials =
            GoogleClientCredentials::new(client_id, client_secret.expose_secret().to_owned());
        if let Some(uri) = self.redirect_uri {
            credentials = credentials.with_redirect_uri(uri);
        }
        let oauth =
            GoogleOAuthClient::new(self.provider_id.clone(), credentials, endpoints.clone())?;
        let refresher = GoogleTokenRefresher::new(oauth).with_revoked_hint(REVOKED_HINT);
        let tokens = TokenManager::new(
            Arc::new(MemoryTokenStore::new()),
            Arc::new(refresher),
            self.token_config,
        );
        let calendar = Calendar::new(self.provider_id.clone(), endpoints, self.calendar)?;
        let key = TokenKey::new(STATIC_TENANT, self.provider_id.clone());
        Ok(GoogleMeetStaticProvider::from_inner(Inner::new(
            self.provider_id,
            calendar,
            tokens,
            key,
            refresh_token,
        )))
    }
}
