//! [`GoogleProviderSettings`]: what both Google builders configure the same way, and the part of
//! `build()` they share.
//!
//! `GoogleMeetBuilder` (here) and `GoogleMeetStaticBuilder` (in `meetschedify-google-static`)
//! take the same OAuth client, Calendar, endpoint and token-manager settings and turn them into
//! the same three pieces: an OAuth client, a token manager and a [`Calendar`]. Both hold one
//! `GoogleProviderSettings`, so a default, a check or a new Calendar setting is written once and
//! cannot drift between the two providers.

use std::fmt;
use std::sync::Arc;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{Error, ProviderId, Result, TokenManager, TokenManagerConfig, TokenStore};

use crate::calendar::{Calendar, CalendarOptions};
use crate::endpoints::GoogleEndpoints;
use crate::oauth::{GoogleClientCredentials, GoogleOAuthClient, GoogleTokenRefresher};
use crate::provider::{ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REDIRECT_URI};

/// The settings both Google providers share: the OAuth client, the Calendar layer's
/// [`CalendarOptions`], the endpoints and the token manager's tuning.
///
/// Each Google builder holds one and exposes its fields through its `with_*` setters; a custom
/// provider on the [`Calendar`] layer can use it directly to get the same checks and the same
/// wiring (see [`connect`](Self::connect)).
///
/// ```
/// use meetschedify_core::ProviderId;
/// use meetschedify_google::GoogleProviderSettings;
/// use meetschedify_store_memory::MemoryTokenStore;
///
/// let mut settings = GoogleProviderSettings::new(ProviderId::new("google-custom"));
/// settings.client_id = Some("id.apps.googleusercontent.com".to_owned());
/// settings.client_secret = Some("GOCSPX-secret".to_owned().into());
/// settings.calendar = settings.calendar.with_calendar_id("team@example.com");
/// settings.check()?;
///
/// let parts = settings.connect(
///     std::sync::Arc::new(MemoryTokenStore::new()),
///     "connect the account again",
/// )?;
/// assert_eq!(parts.calendar.options().calendar_id, "team@example.com");
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct GoogleProviderSettings {
    /// The id the provider is registered under.
    pub provider_id: ProviderId,
    /// `GOOGLE_CLIENT_ID`; required.
    pub client_id: Option<String>,
    /// `GOOGLE_CLIENT_SECRET`; required.
    pub client_secret: Option<SecretString>,
    /// `GOOGLE_REDIRECT_URI`, exactly as registered at Google. Passed on to the OAuth client
    /// when set; whether it is required is the provider's decision (the per-user connect flow
    /// needs it, a refresh grant does not send it).
    pub redirect_uri: Option<String>,
    /// The Calendar layer's settings.
    pub calendar: CalendarOptions,
    /// The endpoints, before the `*_base` overrides below are applied.
    pub endpoints: GoogleEndpoints,
    /// An API base that replaces the one in `endpoints`. Kept as given and checked by
    /// [`check`](Self::check), so that a chained setter need not return a `Result`.
    pub api_base: Option<String>,
    /// An OAuth base that replaces the one in `endpoints`; checked like `api_base`.
    pub oauth_base: Option<String>,
    /// A consent-page base that replaces the one in `endpoints`; checked like `api_base`.
    pub auth_base: Option<String>,
    /// The token manager's tuning (refresh-ahead, leases).
    pub token_config: TokenManagerConfig,
}

/// What [`GoogleProviderSettings::connect`] builds: the pieces a Google provider is made of.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct GoogleProviderParts {
    /// The provider's id (also the token store's provider key and part of every event id).
    pub provider_id: ProviderId,
    /// The OAuth client (consent URLs, code exchange, refresh, revoke).
    pub oauth: GoogleOAuthClient,
    /// The token manager, refreshing through `oauth` and saving to the given store.
    pub tokens: TokenManager,
    /// The Calendar layer.
    pub calendar: Calendar,
}

impl fmt::Debug for GoogleProviderSettings {
    // Hand-written so that the client secret never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleProviderSettings")
            .field("provider_id", &self.provider_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("calendar", &self.calendar)
            .field("endpoints", &self.endpoints)
            .field("api_base", &self.api_base)
            .field("oauth_base", &self.oauth_base)
            .field("auth_base", &self.auth_base)
            .field("token_config", &self.token_config)
            .finish()
    }
}

impl GoogleProviderSettings {
    /// The defaults for a provider registered as `provider_id`: no client yet, calendar
    /// `primary`, `sendUpdates=all`, Google's real endpoints, the default token tuning.
    pub fn new(provider_id: ProviderId) -> Self {
        Self {
            provider_id,
            client_id: None,
            client_secret: None,
            redirect_uri: None,
            calendar: CalendarOptions::default(),
            endpoints: GoogleEndpoints::google(),
            api_base: None,
            oauth_base: None,
            auth_base: None,
            token_config: TokenManagerConfig::default(),
        }
    }

    /// One variable from an environment-like `lookup`, trimmed (a secret mounted from a file
    /// often ends in a newline) and unset when empty, as every Google `from_env` reads them.
    pub fn env_value(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// Reads what both Google providers take from the environment: `GOOGLE_CLIENT_ID`,
    /// `GOOGLE_CLIENT_SECRET`, `GOOGLE_REDIRECT_URI` and the `MEETSCHEDIFY_GOOGLE_*_BASE`
    /// endpoint overrides. Unset values stay unset (`check()` names them); a malformed base URL
    /// fails here.
    pub fn read_env(&mut self, lookup: &impl Fn(&str) -> Option<String>) -> Result<()> {
        self.endpoints = GoogleEndpoints::from_lookup(lookup)?;
        self.client_id = Self::env_value(lookup, ENV_CLIENT_ID);
        self.client_secret = Self::env_value(lookup, ENV_CLIENT_SECRET).map(SecretString::from);
        self.redirect_uri = Self::env_value(lookup, ENV_REDIRECT_URI);
        Ok(())
    }

    /// Checks what every Google provider needs, in the order `build()` reports it: a valid
    /// provider id, well-formed base overrides, then the client id and secret. A builder calls
    /// it before its own checks, so that a configuration missing several values names the
    /// same one first in both providers.
    pub fn check(&self) -> Result<()> {
        self.provider_id.validate()?;
        self.resolved_endpoints()?;
        self.credentials()?;
        Ok(())
    }

    /// Builds the OAuth client, the token manager (over `store`, with `revoked_hint` appended
    /// to every `GOOGLE_AUTH_REVOKED`) and the Calendar layer. Runs [`check`](Self::check)'s
    /// checks again, so it is safe on its own; the Calendar options are checked last.
    pub fn connect(
        self,
        store: Arc<dyn TokenStore>,
        revoked_hint: &str,
    ) -> Result<GoogleProviderParts> {
        self.provider_id.validate()?;
        let endpoints = self.resolved_endpoints()?;
        let credentials = self.credentials()?;
        let oauth =
            GoogleOAuthClient::new(self.provider_id.clone(), credentials, endpoints.clone())?;
        let refresher = GoogleTokenRefresher::new(oauth.clone()).with_revoked_hint(revoked_hint);
        let tokens = TokenManager::new(store, Arc::new(refresher), self.token_config);
        let calendar = Calendar::new(self.provider_id.clone(), endpoints, self.calendar)?;
        Ok(GoogleProviderParts {
            provider_id: self.provider_id,
            oauth,
            tokens,
            calendar,
        })
    }

    /// `endpoints` with each base override applied (and checked) in turn.
    fn resolved_endpoints(&self) -> Result<GoogleEndpoints> {
        let mut endpoints = self.endpoints.clone();
        if let Some(b) = &self.api_base {
            endpoints = endpoints.with_api_base(b)?;
        }
        if let Some(b) = &self.oauth_base {
            endpoints = endpoints.with_oauth_base(b)?;
        }
        if let Some(b) = &self.auth_base {
            endpoints = endpoints.with_auth_base(b)?;
        }
        Ok(endpoints)
    }

    /// The client's credentials; the error names the variable users know.
    fn credentials(&self) -> Result<GoogleClientCredentials> {
        let client_id = self.client_id.clone().ok_or_else(|| {
            Error::invalid_config(ENV_CLIENT_ID, "the google client id is missing")
        })?;
        let client_secret = self.client_secret.as_ref().ok_or_else(|| {
            Error::invalid_config(ENV_CLIENT_SECRET, "the google client secret is missing")
        })?;
        let mut credentials =
            GoogleClientCredentials::new(client_id, client_secret.expose_secret().to_owned());
        if let Some(uri) = &self.redirect_uri {
            credentials = credentials.with_redirect_uri(uri.clone());
        }
        Ok(credentials)
    }
}

/// Writes the `with_*` setters both Google builders share into a builder's `impl` block, as
/// inherent methods that set the builder's [`GoogleProviderSettings`] field `$settings`.
///
/// A macro, because nothing else can: the setters must stay inherent methods of each builder
/// (existing code chains `.with_calendar_id(..)` without importing anything, so a trait with
/// provided methods would break it), and the static builder lives in another crate, which may
/// not add inherent methods to a type of this one. The setter list and its docs are written
/// here only. Internal to the two Google crates; not part of the public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __google_builder_setters {
    // Types from this crate and from core are named through `$crate`, so the expansion means
    // the same in the static crate whatever that crate imports; prelude names (`Into`,
    // `String`, `Some`) are used as they are.
    ($settings:ident) => {
        /// Registers the provider under another id (for a second Google client or account).
        pub fn with_provider_id(mut self, id: impl Into<$crate::__private::ProviderId>) -> Self {
            self.$settings.provider_id = id.into();
            self
        }

        /// Sets the OAuth client id (`GOOGLE_CLIENT_ID`).
        pub fn with_client_id(mut self, id: impl Into<String>) -> Self {
            self.$settings.client_id = Some(id.into());
            self
        }

        /// Sets the OAuth client secret (`GOOGLE_CLIENT_SECRET`).
        pub fn with_client_secret(mut self, secret: impl Into<String>) -> Self {
            self.$settings.client_secret =
                Some($crate::__private::SecretString::from(secret.into()));
            self
        }

        /// Sets the redirect URI (`GOOGLE_REDIRECT_URI`), exactly as registered at Google. The
        /// per-user provider needs it for its connect flow; the static provider checks it when
        /// given, but a refresh does not send it.
        pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
            self.$settings.redirect_uri = Some(uri.into());
            self
        }

        /// Sets the calendar events go to (default `primary`).
        pub fn with_calendar_id(mut self, id: impl Into<String>) -> Self {
            self.$settings.calendar.calendar_id = id.into();
            self
        }

        /// Sets who Google emails by default (default `SendUpdates::All`).
        pub fn with_send_updates(mut self, send_updates: $crate::SendUpdates) -> Self {
            self.$settings.calendar.send_updates = send_updates;
            self
        }

        /// Sets how long a create waits for a pending Meet conference (default 10 s).
        pub fn with_conference_wait(mut self, wait: ::std::time::Duration) -> Self {
            self.$settings.calendar.conference_wait = wait;
            self
        }

        /// Returns meetings whose conference is still pending instead of `CONFERENCE_PENDING`.
        pub fn with_allow_pending_conference(mut self, allow: bool) -> Self {
            self.$settings.calendar.allow_pending_conference = allow;
            self
        }

        /// Sets the retry policy for Calendar calls.
        pub fn with_retry(mut self, retry: $crate::__private::RetryConfig) -> Self {
            self.$settings.calendar.retry = retry;
            self
        }

        /// Sets how long one Calendar request may take before it fails as a (retryable)
        /// network error.
        pub fn with_request_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$settings.calendar = self.$settings.calendar.with_request_timeout(timeout);
            self
        }

        /// Whether meetings carry Google's event JSON in `raw` (default on); off saves parsing
        /// each answer twice when the application never reads `raw`.
        pub fn with_raw_event(mut self, keep: bool) -> Self {
            self.$settings.calendar = self.$settings.calendar.with_raw_event(keep);
            self
        }

        /// Replaces every Calendar setting at once.
        pub fn with_calendar_options(mut self, options: $crate::CalendarOptions) -> Self {
            self.$settings.calendar = options;
            self
        }

        /// Sets all three endpoints (API, OAuth and consent bases).
        pub fn with_endpoints(mut self, endpoints: $crate::GoogleEndpoints) -> Self {
            self.$settings.endpoints = endpoints;
            self
        }

        /// Overrides the API base (`MEETSCHEDIFY_GOOGLE_API_BASE`); checked by `build()`.
        pub fn with_api_base(mut self, base: impl Into<String>) -> Self {
            self.$settings.api_base = Some(base.into());
            self
        }

        /// Overrides the OAuth base (`MEETSCHEDIFY_GOOGLE_OAUTH_BASE`); checked by `build()`.
        pub fn with_oauth_base(mut self, base: impl Into<String>) -> Self {
            self.$settings.oauth_base = Some(base.into());
            self
        }

        /// Tunes the token manager (refresh-ahead, and the leases of a shared store).
        pub fn with_token_manager_config(
            mut self,
            config: $crate::__private::TokenManagerConfig,
        ) -> Self {
            self.$settings.token_config = config;
            self
        }
    };
}

#[cfg(test)]
mod tests {
    use meetschedify_store_memory::MemoryTokenStore;

    use super::*;

    fn complete() -> GoogleProviderSettings {
        let mut s = GoogleProviderSettings::new(ProviderId::GOOGLE_MEET);
        s.client_id = Some("id.apps.googleusercontent.com".to_owned());
        s.client_secret = Some(SecretString::from("GOCSPX-top-secret".to_owned()));
        s
    }

    #[test]
    fn check_names_the_first_problem_in_build_order() {
        complete().check().unwrap();
        let mut s = GoogleProviderSettings::new(ProviderId::new("Not Valid"));
        s.api_base = Some("http://google.example".to_owned());
        assert_eq!(s.check().unwrap_err().field(), Some("provider_id"));
        s.provider_id = ProviderId::GOOGLE_MEET;
        assert_eq!(s.check().unwrap_err().field(), Some("api_base"));
        s.api_base = None;
        s.auth_base = Some("ftp://127.0.0.1".to_owned());
        assert_eq!(s.check().unwrap_err().field(), Some("auth_base"));
        s.auth_base = None;
        assert_eq!(s.check().unwrap_err().field(), Some(ENV_CLIENT_ID));
        s.client_id = Some("id".to_owned());
        assert_eq!(s.check().unwrap_err().field(), Some(ENV_CLIENT_SECRET));
    }

    #[test]
    fn connect_wires_the_settings_through() {
        let mut s = complete();
        s.redirect_uri = Some("https://app.example.com/callback".to_owned());
        s.auth_base = Some("http://127.0.0.1:9/auth".to_owned());
        s.calendar = s.calendar.with_calendar_id("team@example.com");
        let parts = s
            .connect(Arc::new(MemoryTokenStore::new()), "hint")
            .unwrap();
        assert_eq!(parts.provider_id, ProviderId::GOOGLE_MEET);
        assert_eq!(parts.oauth.client_id(), "id.apps.googleusercontent.com");
        assert_eq!(parts.calendar.options().calendar_id, "team@example.com");
        assert_eq!(
            parts.calendar.endpoints().auth_base(),
            "http://127.0.0.1:9/auth"
        );

        // The Calendar options are checked too, after everything else.
        let mut s = complete();
        s.calendar = s.calendar.with_calendar_id("..");
        s.check().unwrap();
        let err = s
            .connect(Arc::new(MemoryTokenStore::new()), "hint")
            .unwrap_err();
        assert_eq!(err.field(), Some("calendar_id"));
    }

    #[test]
    fn debug_redacts_the_secret() {
        let debug = format!("{:?}", complete());
        assert!(debug.contains("id.apps.googleusercontent.com"), "{debug}");
        assert!(!debug.contains("top-secret"), "{debug}");
    }
}
