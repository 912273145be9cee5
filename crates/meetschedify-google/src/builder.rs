//! [`CalendarProviderBuilder`]: the one builder of every Google provider.
//!
//! The settings every Google provider shares (the OAuth client, the Calendar options, the
//! endpoints, the token manager's tuning) and their setters are written once, here, as
//! inherent methods of the generic builder. What only one token source takes (a token store, a
//! refresh token) lives in the source's [`TokenSourceConfig`] and has setters of its own.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::webhooks::{MemorySubscriptionStore, SubscriptionStore};
use meetschedify_core::{EnvVars, Error, ProviderId, Result, RetryConfig, TokenManagerConfig};

use crate::calendar::{Calendar, CalendarOptions, SendUpdates};
use crate::endpoints::GoogleEndpoints;
use crate::oauth::{GoogleClientCredentials, GoogleOAuthClient};
use crate::per_user::{ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_REDIRECT_URI};
use crate::provider::{CalendarProvider, CalendarTokens};

/// The builder half of a [`CalendarTokens`] source: its own settings, its defaults, and how it
/// is made from the pieces the shared settings build.
pub trait TokenSourceConfig: Default + fmt::Debug + Send + Sync + Sized + 'static {
    /// The source this configuration builds.
    type Source: CalendarTokens<Config = Self>;

    /// The id a provider with this source is registered under unless
    /// [`with_provider_id`](CalendarProviderBuilder::with_provider_id) says otherwise.
    fn default_provider_id() -> ProviderId;

    /// Whether the tenant-ownership check is on unless
    /// [`with_tenant_ownership`](CalendarProviderBuilder::with_tenant_ownership) says otherwise
    /// (default on: even per-user tenants can share a Google account, when one person connects
    /// two of them).
    fn default_tenant_ownership() -> bool {
        true
    }

    /// Reads the source's own variables; a malformed value fails here, an unset one is named
    /// by [`build`](Self::build).
    fn read_env(&mut self, env: EnvVars<'_>) -> Result<()>;

    /// The subscription store of the source's token store, when it has one that several
    /// instances share (see `TokenStore::subscription_store`): the provider's default for its
    /// push channels. `None` (the default) when the source has no token store.
    fn subscription_store(&self) -> Option<Arc<dyn SubscriptionStore>> {
        None
    }

    /// Checks the source's settings and builds it.
    fn build(self, parts: TokenSourceParts) -> Result<Self::Source>;
}

/// A source configured with one account's refresh token (the static provider's), which gives
/// its builder [`with_refresh_token`](CalendarProviderBuilder::with_refresh_token).
pub trait RefreshTokenConfig: TokenSourceConfig {
    /// Sets the account's refresh token.
    fn set_refresh_token(&mut self, token: SecretString);
}

/// What the shared settings build for a token source.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenSourceParts {
    /// The provider's id (the token store's provider key, and part of every event id).
    pub provider_id: ProviderId,
    /// The OAuth client: consent URLs, code exchange, refresh, revocation.
    pub oauth: GoogleOAuthClient,
    /// `GOOGLE_REDIRECT_URI` when given (already checked to be a URL).
    pub redirect_uri: Option<String>,
    /// The token manager's tuning.
    pub token_config: TokenManagerConfig,
}

/// The settings every Google provider shares.
#[derive(Clone)]
struct Settings {
    provider_id: ProviderId,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    redirect_uri: Option<String>,
    calendar: CalendarOptions,
    /// The endpoints, before the `*_base` overrides below are applied.
    endpoints: GoogleEndpoints,
    /// Overrides kept as given and checked by `build()`, so a chained setter need not return
    /// a `Result`.
    api_base: Option<String>,
    oauth_base: Option<String>,
    auth_base: Option<String>,
    token_config: TokenManagerConfig,
    tenant_ownership: bool,
    subscriptions: Option<Arc<dyn SubscriptionStore>>,
}

impl fmt::Debug for Settings {
    // Hand-written so that the client secret never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
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
            .field("tenant_ownership", &self.tenant_ownership)
            .field("subscriptions", &self.subscriptions)
            .finish()
    }
}

impl Settings {
    fn new<C: TokenSourceConfig>() -> Self {
        Self {
            provider_id: C::default_provider_id(),
            client_id: None,
            client_secret: None,
            redirect_uri: None,
            calendar: CalendarOptions::default(),
            endpoints: GoogleEndpoints::google(),
            api_base: None,
            oauth_base: None,
            auth_base: None,
            token_config: TokenManagerConfig::default(),
            tenant_ownership: C::default_tenant_ownership(),
            subscriptions: None,
        }
    }

    fn read_env(&mut self, env: EnvVars<'_>) -> Result<()> {
        self.endpoints = GoogleEndpoints::from_lookup(|name| env.get(name))?;
        self.client_id = env.get(ENV_CLIENT_ID);
        self.client_secret = env.get(ENV_CLIENT_SECRET).map(SecretString::from);
        self.redirect_uri = env.get(ENV_REDIRECT_URI);
        Ok(())
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

/// Configures a [`CalendarProvider`]: the settings every Google provider shares, and those of
/// its token source `S`. `build()` checks everything and names what is missing or wrong.
///
/// [`GoogleMeetBuilder`](crate::GoogleMeetBuilder) is this builder for the per-user source; the
/// static provider's builder is this builder for its source too, so every shared setter below
/// works on both.
///
/// ```
/// use std::sync::Arc;
/// use meetschedify_core::{MemoryTokenStore, OAuthStateKey};
/// use meetschedify_google::{GoogleMeetBuilder, SendUpdates};
///
/// let provider = GoogleMeetBuilder::new()
///     .with_client_id("123-abc.apps.googleusercontent.com")
///     .with_client_secret("GOCSPX-secret")
///     .with_redirect_uri("https://app.example.com/auth/google/callback")
///     .with_state_key(OAuthStateKey::generate())
///     .with_token_store(Arc::new(MemoryTokenStore::new()))
///     .with_calendar_id("team@example.com")
///     .with_send_updates(SendUpdates::ExternalOnly)
///     .build()?;
/// assert_eq!(provider.options().calendar_id, "team@example.com");
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
pub struct CalendarProviderBuilder<S: CalendarTokens> {
    settings: Settings,
    pub(crate) source: S::Config,
    /// The first malformed environment value, reported by `build()` (so `from_env` returns the
    /// builder, as every builder's does, and the error still names the variable).
    env_error: Option<Error>,
}

impl<S: CalendarTokens> Default for CalendarProviderBuilder<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: CalendarTokens> fmt::Debug for CalendarProviderBuilder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CalendarProviderBuilder")
            .field("settings", &self.settings)
            .field("source", &self.source)
            .finish()
    }
}

impl<S: CalendarTokens> CalendarProviderBuilder<S> {
    /// An empty configuration with the defaults: the source's provider id, calendar `primary`,
    /// `sendUpdates=all`, Google's real endpoints.
    pub fn new() -> Self {
        Self {
            settings: Settings::new::<S::Config>(),
            source: S::Config::default(),
            env_error: None,
        }
    }

    /// Reads `GOOGLE_CLIENT_ID`, `GOOGLE_CLIENT_SECRET`, `GOOGLE_REDIRECT_URI`, the
    /// `MEETSCHEDIFY_GOOGLE_*_BASE` overrides and the source's own variables (per-user:
    /// `MEETSCHEDIFY_OAUTH_STATE_KEY`; static: `GOOGLE_REFRESH_TOKEN`). Nothing is checked
    /// yet: `build()` names a variable that is unset or malformed.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any variable source.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let env = EnvVars::new(&lookup);
        let mut b = Self::new();
        b.env_error = b
            .settings
            .read_env(env)
            .and_then(|()| b.source.read_env(env))
            .err();
        b
    }

    /// Registers the provider under another id (for a second Google client or account).
    pub fn with_provider_id(mut self, id: impl Into<ProviderId>) -> Self {
        self.settings.provider_id = id.into();
        self
    }

    /// Sets the OAuth client id (`GOOGLE_CLIENT_ID`).
    pub fn with_client_id(mut self, id: impl Into<String>) -> Self {
        self.settings.client_id = Some(id.into());
        self
    }

    /// Sets the OAuth client secret (`GOOGLE_CLIENT_SECRET`).
    pub fn with_client_secret(mut self, secret: impl Into<String>) -> Self {
        self.settings.client_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// Sets the redirect URI (`GOOGLE_REDIRECT_URI`), exactly as registered at Google. The
    /// per-user provider needs it for its connect flow; the static provider checks it when
    /// given, but a refresh does not send it.
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.settings.redirect_uri = Some(uri.into());
        self
    }

    /// Sets the calendar events go to (default `primary`).
    pub fn with_calendar_id(mut self, id: impl Into<String>) -> Self {
        self.settings.calendar.calendar_id = id.into();
        self
    }

    /// Sets who Google emails by default (default `SendUpdates::All`).
    pub fn with_send_updates(mut self, send_updates: SendUpdates) -> Self {
        self.settings.calendar.send_updates = send_updates;
        self
    }

    /// Sets how long a create waits for a pending Meet conference (default 10 s).
    pub fn with_conference_wait(mut self, wait: Duration) -> Self {
        self.settings.calendar.conference_wait = wait;
        self
    }

    /// Returns meetings whose conference is still pending instead of `CONFERENCE_PENDING`.
    pub fn with_allow_pending_conference(mut self, allow: bool) -> Self {
        self.settings.calendar.allow_pending_conference = allow;
        self
    }

    /// Sets the retry policy for Calendar calls.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.settings.calendar.retry = retry;
        self
    }

    /// Sets how long one Calendar request may take before it fails as a (retryable) network
    /// error.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.settings.calendar.request_timeout = timeout;
        self
    }

    /// Whether meetings carry Google's event JSON in `raw` (default on); off saves parsing
    /// each answer twice when the application never reads `raw`.
    pub fn with_raw_event(mut self, keep: bool) -> Self {
        self.settings.calendar.raw_event = keep;
        self
    }

    /// Replaces every Calendar setting at once.
    pub fn with_calendar_options(mut self, options: CalendarOptions) -> Self {
        self.settings.calendar = options;
        self
    }

    /// Sets all three endpoints (API, OAuth and consent bases).
    pub fn with_endpoints(mut self, endpoints: GoogleEndpoints) -> Self {
        self.settings.endpoints = endpoints;
        self
    }

    /// Overrides the API base (`MEETSCHEDIFY_GOOGLE_API_BASE`); checked by `build()`.
    pub fn with_api_base(mut self, base: impl Into<String>) -> Self {
        self.settings.api_base = Some(base.into());
        self
    }

    /// Overrides the OAuth base (`MEETSCHEDIFY_GOOGLE_OAUTH_BASE`); checked by `build()`.
    pub fn with_oauth_base(mut self, base: impl Into<String>) -> Self {
        self.settings.oauth_base = Some(base.into());
        self
    }

    /// Tunes the token manager (refresh-ahead, and the leases of a shared store).
    pub fn with_token_manager_config(mut self, config: TokenManagerConfig) -> Self {
        self.settings.token_config = config;
        self
    }

    /// Turns the tenant-ownership check on or off (default on).
    ///
    /// Every create records its tenant in the event's private extended property
    /// [`TENANT_KEY`](crate::TENANT_KEY) (`meetschedify.tenant`). With the check on, get, update
    /// and cancel answer `MEETING_NOT_FOUND` for an event of another tenant, or one made outside
    /// this library (without the property), before anything is written. It matters whenever one
    /// Google account serves several tenants: always with the static provider, and with the
    /// per-user one when the same person connects their account to two tenants. Turn it off
    /// only to reach events made outside this library.
    pub fn with_tenant_ownership(mut self, on: bool) -> Self {
        self.settings.tenant_ownership = on;
        self
    }

    /// Keeps the provider's push channels (Google Calendar watch channels, feature `webhooks`)
    /// in `store`: the one every `GoogleWatch` and `GoogleWebhookVerifier` over this provider
    /// uses, and the one a disconnect stops a tenant's channels from. Every instance that
    /// receives notifications must share it.
    ///
    /// Default: the token store's [`subscription_store`](meetschedify_core::TokenStore::subscription_store)
    /// when it offers one (shared stores), else one `MemorySubscriptionStore` owned by the
    /// provider and shared by its clones.
    pub fn with_subscription_store(mut self, store: Arc<dyn SubscriptionStore>) -> Self {
        self.settings.subscriptions = Some(store);
        self
    }

    /// Overrides the consent-page base (`MEETSCHEDIFY_GOOGLE_AUTH_BASE`); checked by `build()`.
    pub(crate) fn set_auth_base(&mut self, base: String) {
        self.settings.auth_base = Some(base);
    }

    /// Checks the configuration and builds the provider, in this order: the provider id, the
    /// endpoint overrides, the client id and secret (and redirect URI when given), the
    /// source's own settings, then the Calendar options. No network call is made.
    pub fn build(self) -> Result<CalendarProvider<S>> {
        if let Some(err) = self.env_error {
            return Err(err);
        }
        let settings = self.settings;
        settings.provider_id.validate()?;
        let endpoints = settings.resolved_endpoints()?;
        let credentials = settings.credentials()?;
        let oauth =
            GoogleOAuthClient::new(settings.provider_id.clone(), credentials, endpoints.clone())?;
        let subscriptions = settings
            .subscriptions
            .or_else(|| self.source.subscription_store())
            .unwrap_or_else(|| Arc::new(MemorySubscriptionStore::new()));
        let tokens = self.source.build(TokenSourceParts {
            provider_id: settings.provider_id.clone(),
            oauth,
            redirect_uri: settings.redirect_uri,
            token_config: settings.token_config,
        })?;
        let calendar = Calendar::new(
            settings.provider_id,
            endpoints,
            settings.calendar,
            settings.tenant_ownership,
        )?;
        Ok(CalendarProvider::new(calendar, tokens, subscriptions))
    }
}

impl<S> CalendarProviderBuilder<S>
where
    S: CalendarTokens,
    S::Config: RefreshTokenConfig,
{
    /// Sets the account's refresh token (`GOOGLE_REFRESH_TOKEN`).
    pub fn with_refresh_token(mut self, token: impl Into<String>) -> Self {
        self.source
            .set_refresh_token(SecretString::from(token.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::GoogleMeetBuilder;

    #[test]
    fn build_names_the_first_problem_in_order() {
        let field = |b: GoogleMeetBuilder| b.build().unwrap_err().field().map(str::to_owned);
        let b = || {
            GoogleMeetBuilder::new()
                .with_api_base("http://google.example")
                .with_auth_base("ftp://127.0.0.1")
        };
        assert_eq!(
            field(b().with_provider_id("Not Valid")).as_deref(),
            Some("provider_id")
        );
        assert_eq!(field(b()).as_deref(), Some("api_base"));
        let b = || GoogleMeetBuilder::new().with_auth_base("ftp://127.0.0.1");
        assert_eq!(field(b()).as_deref(), Some("auth_base"));
        let b = GoogleMeetBuilder::new();
        assert_eq!(field(b).as_deref(), Some(super::ENV_CLIENT_ID));
        let b = GoogleMeetBuilder::new().with_client_id("id");
        assert_eq!(field(b).as_deref(), Some(super::ENV_CLIENT_SECRET));
        // Then the source's own settings, then the Calendar options.
        let b = GoogleMeetBuilder::new()
            .with_client_id("id")
            .with_client_secret("GOCSPX-top-secret")
            .with_calendar_id("..");
        assert_eq!(field(b).as_deref(), Some(super::ENV_REDIRECT_URI));
    }

    #[test]
    fn debug_redacts_the_secret() {
        let debug = format!(
            "{:?}",
            GoogleMeetBuilder::new()
                .with_client_id("id.apps.googleusercontent.com")
                .with_client_secret("GOCSPX-top-secret")
        );
        assert!(debug.contains("id.apps.googleusercontent.com"), "{debug}");
        assert!(!debug.contains("top-secret"), "{debug}");
    }
}
