//! [`GoogleMeetBuilder`]: configuration of the per-user provider.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{
    Error, OAuthStateKey, OAuthStateSealer, ProviderId, Result, RetryConfig, TokenManager,
    TokenManagerConfig, TokenStore,
};

use super::{GoogleMeetProvider, Inner};
use crate::calendar::{Calendar, CalendarOptions, SendUpdates};
use crate::endpoints::GoogleEndpoints;
use crate::oauth::{GoogleClientCredentials, GoogleOAuthClient, GoogleTokenRefresher};

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

/// Configures a [`GoogleMeetProvider`]. `build()` checks everything and names what is missing.
///
/// Required: client id, client secret, redirect URI, a state key (or sealer) and a token store.
pub struct GoogleMeetBuilder {
    provider_id: ProviderId,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    redirect_uri: Option<String>,
    scopes: Vec<String>,
    calendar: CalendarOptions,
    endpoints: GoogleEndpoints,
    api_base: Option<String>,
    oauth_base: Option<String>,
    auth_base: Option<String>,
    sealer: Option<OAuthStateSealer>,
    store: Option<Arc<dyn TokenStore>>,
    token_config: TokenManagerConfig,
}

impl Default for GoogleMeetBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for GoogleMeetBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleMeetBuilder")
            .field("provider_id", &self.provider_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .field("calendar", &self.calendar)
            .field("endpoints", &self.endpoints)
            .field("sealer", &self.sealer)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl GoogleMeetBuilder {
    /// An empty configuration with the defaults: provider id `google-meet`, scope
    /// `calendar.events`, calendar `primary`, `sendUpdates=all`, Google's real endpoints.
    pub fn new() -> Self {
        Self {
            provider_id: ProviderId::GOOGLE_MEET,
            client_id: None,
            client_secret: None,
            redirect_uri: None,
            scopes: vec![SCOPE_CALENDAR_EVENTS.to_owned()],
            calendar: CalendarOptions::default(),
            endpoints: GoogleEndpoints::google(),
            api_base: None,
            oauth_base: None,
            auth_base: None,
            sealer: None,
            store: None,
            token_config: TokenManagerConfig::default(),
        }
    }

    /// Reads `GOOGLE_CLIENT_ID`, `GOOGLE_CLIENT_SECRET`, `GOOGLE_REDIRECT_URI`,
    /// `MEETSCHEDIFY_OAUTH_STATE_KEY` and the `MEETSCHEDIFY_GOOGLE_*_BASE` overrides. Unset
    /// values stay unset (`build()` names them); a malformed state key or base URL fails here.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any variable source.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut b = Self::new();
        b.endpoints = GoogleEndpoints::from_lookup(&lookup)?;
        b.client_id = get(ENV_CLIENT_ID);
        b.client_secret = get(ENV_CLIENT_SECRET).map(SecretString::from);
        b.redirect_uri = get(ENV_REDIRECT_URI);
        if let Some(key) = get(ENV_STATE_KEY) {
            let key = OAuthStateKey::from_base64(key.trim())
                .map_err(|e| Error::invalid_config(ENV_STATE_KEY, e.message().to_owned()))?;
            b.sealer = Some(OAuthStateSealer::new(key));
        }
        Ok(b)
    }

    /// Registers the provider under another id (for a second Google client).
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

    /// Sets the redirect URI (exactly as registered at Google).
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Replaces the scopes asked for (default `calendar.events`). They must include
    /// `calendar.events` or `calendar`.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
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

    /// Sets all three endpoints.
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

    /// Overrides the consent base (`MEETSCHEDIFY_GOOGLE_AUTH_BASE`); checked by `build()`.
    pub fn with_auth_base(mut self, base: impl Into<String>) -> Self {
        self.auth_base = Some(base.into());
        self
    }

    /// Seals OAuth states with `key` (10-minute states, relative return URLs only, no replay
    /// store). Use [`with_state_sealer`](Self::with_state_sealer) for more control.
    pub fn with_state_key(mut self, key: OAuthStateKey) -> Self {
        self.sealer = Some(OAuthStateSealer::new(key));
        self
    }

    /// Seals OAuth states with a configured sealer (TTL, return-URL allowlist, nonce store).
    pub fn with_state_sealer(mut self, sealer: OAuthStateSealer) -> Self {
        self.sealer = Some(sealer);
        self
    }

    /// Where each tenant's tokens live.
    pub fn with_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Tunes the token manager (refresh-ahead, leases).
    pub fn with_token_manager_config(mut self, config: TokenManagerConfig) -> Self {
        self.token_config = config;
        self
    }

    /// Checks the configuration and builds the provider.
    pub fn build(self) -> Result<GoogleMeetProvider> {
        self.provider_id.validate()?;
        let mut endpoints = self.endpoints;
        if let Some(b) = &self.api_base {
            endpoints = endpoints.with_api_base(b)?;
        }
        if let Some(b) = &self.oauth_base {
            endpoints = endpoints.with_oauth_base(b)?;
        }
        if let Some(b) = &self.auth_base {
            endpoints = endpoints.with_auth_base(b)?;
        }
        let client_id = self.client_id.ok_or_else(|| {
            Error::invalid_config(ENV_CLIENT_ID, "the google client id is missing")
        })?;
        let client_secret = self.client_secret.ok_or_else(|| {
            Error::invalid_config(ENV_CLIENT_SECRET, "the google client secret is missing")
        })?;
        let redirect_uri = self.redirect_uri.ok_or_else(|| {
            Error::invalid_config(
                ENV_REDIRECT_URI,
                "the redirect uri is missing (the per-user flow needs it)",
            )
        })?;
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
        let credentials = GoogleClientCredentials {
            client_id,
            client_secret: SecretString::from(client_secret.expose_secret().to_owned()),
            redirect_uri: Some(redirect_uri),
        };
        let oauth =
            GoogleOAuthClient::new(self.provider_id.clone(), credentials, endpoints.clone())?;
        let refresher = GoogleTokenRefresher::new(oauth.clone()).with_revoked_hint(
            "the user must connect their google account again (apps in \"Testing\" publishing \
             status get refresh tokens that expire after 7 days)",
        );
        let tokens = TokenManager::new(store, Arc::new(refresher), self.token_config);
        let calendar = Calendar::new(self.provider_id.clone(), endpoints, self.calendar)?;
        Ok(GoogleMeetProvider {
            inner: Arc::new(Inner {
                id: self.provider_id,
                calendar,
                oauth,
                tokens,
                sealer,
                scopes: self.scopes,
            }),
        })
    }
}
