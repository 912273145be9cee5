//! [`TeamsAppProviderBuilder`]: the one way to configure a [`TeamsAppProvider`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::webhooks::{MemorySubscriptionStore, SubscriptionStore};
use meetschedify_core::{
    Error, MemoryTokenStore, Result, TenantId, TokenKey, TokenManager, TokenManagerConfig,
    TokenStore,
};

use crate::api::{GraphApi, GraphParts};
use crate::config::Settings;
use crate::events::EventCalendar;
use crate::in_flight::InFlight;
use crate::mailbox::Mailbox;
use crate::mode::TeamsAppMode;
use crate::provider::TeamsAppProvider;
use crate::token::ClientCredentials;
use crate::tokens::GraphTokens;

/// Connections are usually quick or dead; a request timeout shorter than this is used as is.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds a [`TeamsAppProvider`]: start from [`new`](Self::new) (nothing set),
/// [`from_env`](Self::from_env) or [`from_lookup`](Self::from_lookup), adjust with the
/// `with_*` setters, then [`build`](Self::build), which checks every setting and fails with
/// `INVALID_CONFIG` naming the first one at fault (by its environment variable when it was
/// read from one). `Debug` never prints the client secret.
///
/// | setting | default | environment |
/// |---|---|---|
/// | [`with_credentials`](Self::with_credentials) (tenant id, client id, client secret) | none: required | `MICROSOFT_TENANT_ID`, `MICROSOFT_CLIENT_ID`, `MICROSOFT_CLIENT_SECRET` |
/// | [`with_organizer`](Self::with_organizer) | none: required | `MICROSOFT_TEAMS_ORGANIZER` |
/// | [`with_mode`](Self::with_mode) | [`TeamsAppMode::CalendarEvents`] | `MICROSOFT_TEAMS_MODE` (`events`, `online-meetings`) |
/// | [`with_login_base`](Self::with_login_base) | [`DEFAULT_LOGIN_BASE`](crate::DEFAULT_LOGIN_BASE) | `MEETSCHEDIFY_MICROSOFT_LOGIN_BASE` |
/// | [`with_graph_api_base`](Self::with_graph_api_base) | [`DEFAULT_GRAPH_API_BASE`](crate::DEFAULT_GRAPH_API_BASE) | `MEETSCHEDIFY_GRAPH_API_BASE` |
/// | [`with_request_timeout`](Self::with_request_timeout) | 15 s | |
/// | [`with_retry`](Self::with_retry) | 3 attempts, 500 ms doubling up to 8 s, `Retry-After` up to 60 s | |
/// | [`with_max_response_bytes`](Self::with_max_response_bytes) | 1 MiB | |
/// | [`with_provider_id`](Self::with_provider_id) | `microsoft-teams-app` | |
/// | [`with_tenant_ownership`](Self::with_tenant_ownership) | on | |
/// | [`with_token_refresh_ahead`](Self::with_token_refresh_ahead) | 60 s | |
/// | [`with_token_store`](Self::with_token_store) | a private `MemoryTokenStore` | |
///
/// ```
/// use meetschedify_core::{MeetingProvider, ProviderId};
/// use meetschedify_teams::TeamsAppProvider;
///
/// let teams = TeamsAppProvider::builder()
///     .with_credentials("contoso.onmicrosoft.com", "client-id", "client-secret")
///     .with_organizer("bookings@contoso.example")
///     .build()?;
/// assert_eq!(teams.id(), &ProviderId::MICROSOFT_TEAMS_APP);
/// assert!(!format!("{teams:?}").contains("client-secret"));
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
#[derive(Clone)]
pub struct TeamsAppProviderBuilder {
    settings: Settings,
    token_store: Option<Arc<dyn TokenStore>>,
    subscription_store: Option<Arc<dyn SubscriptionStore>>,
}

impl Default for TeamsAppProviderBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TeamsAppProviderBuilder {
    /// A builder with no credentials or organizer yet and every other setting at its default.
    pub fn new() -> Self {
        Self {
            settings: Settings::default(),
            token_store: None,
            subscription_store: None,
        }
    }

    /// A builder reading `MICROSOFT_TENANT_ID`, `MICROSOFT_CLIENT_ID`,
    /// `MICROSOFT_CLIENT_SECRET`, `MICROSOFT_TEAMS_ORGANIZER` and the optional
    /// `MICROSOFT_TEAMS_MODE`, `MEETSCHEDIFY_MICROSOFT_LOGIN_BASE` and
    /// `MEETSCHEDIFY_GRAPH_API_BASE` from the process
    /// environment (see [`from_lookup`](Self::from_lookup)).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading the variables through `lookup` (for tests and
    /// for configuration sources other than the process environment).
    ///
    /// Values are trimmed and an empty one counts as unset. Nothing is checked until
    /// [`build`](Self::build): a missing value, or a base that is not `https` (plain `http` is
    /// allowed only on a loopback host, for the emulator), is then `INVALID_CONFIG` naming the
    /// variable, unless a setter replaced it meanwhile.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use meetschedify_core::ErrorCode;
    /// use meetschedify_teams::TeamsAppProviderBuilder;
    ///
    /// let vars = HashMap::from([
    ///     ("MICROSOFT_TENANT_ID", "contoso.onmicrosoft.com"),
    ///     ("MICROSOFT_CLIENT_ID", "id"),
    ///     ("MICROSOFT_CLIENT_SECRET", "secret"),
    ///     ("MEETSCHEDIFY_GRAPH_API_BASE", "http://127.0.0.1:8765/v1.0/"),
    /// ]);
    /// let lookup = |name: &str| vars.get(name).map(|v| v.to_string());
    /// let err = TeamsAppProviderBuilder::from_lookup(lookup).build().unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::InvalidConfig);
    /// assert_eq!(err.field(), Some("MICROSOFT_TEAMS_ORGANIZER"));
    /// assert_eq!(err.message(), "MICROSOFT_TEAMS_ORGANIZER is not set");
    ///
    /// let teams = TeamsAppProviderBuilder::from_lookup(lookup)
    ///     .with_organizer("bookings@contoso.example")
    ///     .build()?;
    /// # drop(teams);
    /// # Ok::<(), meetschedify_core::Error>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            settings: Settings::from_lookup(lookup),
            token_store: None,
            subscription_store: None,
        }
    }

    /// Sets the Entra tenant (GUID or domain), the app's client id and a client secret.
    pub fn with_credentials(
        self,
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.with_tenant_id(tenant_id)
            .with_client_id(client_id)
            .with_client_secret(client_secret)
    }

    /// Sets the Entra tenant of the app registration: its GUID or a verified domain (not
    /// `common` or `organizations`: client credentials need the tenant itself).
    pub fn with_tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.settings.tenant_id = tenant_id.into();
        self.settings.from_env.tenant_id = false;
        self
    }

    /// Sets the organizer: the user (object id or user principal name) whose calendar holds
    /// every meeting and who sends the invitations. The app needs the application permission
    /// `Calendars.ReadWrite` on that mailbox.
    pub fn with_organizer(mut self, organizer: impl Into<String>) -> Self {
        self.settings.organizer = organizer.into();
        self.settings.from_env.organizer = false;
        self
    }

    /// Sets what each meeting is (see [`TeamsAppMode`]): calendar events (the default) or
    /// standalone online meetings, which need the organizer's object id (a GUID), the
    /// application permission `OnlineMeetings.ReadWrite.All` and a Teams application access
    /// policy granted to the organizer.
    pub fn with_mode(mut self, mode: TeamsAppMode) -> Self {
        self.settings.mode = mode;
        self.settings.invalid_mode = None;
        self
    }

    crate::builder::setters::shared_setters!(default_id = "microsoft-teams-app");

    /// Keeps the access token in `store` instead of a private in-memory one: providers and
    /// application instances sharing a store share one token.
    pub fn with_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// Keeps the provider's Graph subscriptions (feature `webhooks`) in `store`, the one its
    /// [`subscriptions`](TeamsAppProvider::subscriptions) and their verifier use; every instance
    /// receiving notifications must share it. Default: the token store's
    /// [`subscription_store`](TokenStore::subscription_store) when it offers one (shared
    /// stores), else one `MemorySubscriptionStore` owned by the provider and its clones.
    pub fn with_subscription_store(mut self, store: Arc<dyn SubscriptionStore>) -> Self {
        self.subscription_store = Some(store);
        self
    }

    /// Checks every setting and builds the provider. Nothing is sent to Microsoft yet.
    pub fn build(self) -> Result<TeamsAppProvider> {
        let settings = self.settings;
        settings.validate()?;
        let http = http_client(&settings)?;
        let subscriptions = subscription_store(self.subscription_store, self.token_store.as_ref());
        let store = self
            .token_store
            .unwrap_or_else(|| Arc::new(MemoryTokenStore::new()));
        let refresher = Arc::new(ClientCredentials::new(&settings, http.clone()));
        let tokens = TokenManager::new(
            store,
            refresher,
            TokenManagerConfig::default().with_refresh_ahead(settings.token_refresh_ahead),
        );
        // One app-only token serves every tenant of the application: key it by the Entra
        // tenant and the app, so two apps sharing a store never share a token.
        let key = TokenKey::new(
            TenantId::new(format!("{}/{}", settings.tenant_id, settings.client_id)),
            settings.provider_id.clone(),
        );
        let api = GraphApi::new(GraphParts {
            http,
            base: settings.graph_base.clone(),
            tokens: GraphTokens::shared(tokens, key.clone()),
            provider_id: settings.provider_id.clone(),
            mailbox: Mailbox::User(settings.organizer.clone()),
            max_response_bytes: settings.max_response_bytes,
            // Every call addresses the one organizer mailbox: one budget.
            in_flight: InFlight::new(1),
        });
        let events = EventCalendar {
            api,
            retry: settings.retry.clone(),
            provider_id: settings.provider_id.clone(),
            tenant_ownership: settings.tenant_ownership,
        };
        Ok(TeamsAppProvider::assemble(
            settings,
            key,
            events,
            subscriptions,
        ))
    }
}

/// The subscription store a provider keeps: the one given, else the token store's (shared
/// stores offer one), else one of its own in memory.
pub(crate) fn subscription_store(
    given: Option<Arc<dyn SubscriptionStore>>,
    tokens: Option<&Arc<dyn TokenStore>>,
) -> Arc<dyn SubscriptionStore> {
    given
        .or_else(|| tokens.and_then(|t| t.subscription_store()))
        .unwrap_or_else(|| Arc::new(MemorySubscriptionStore::new()))
}

/// The HTTP client of a provider: its timeouts and user agent.
pub(crate) fn http_client(settings: &Settings) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(settings.request_timeout)
        .connect_timeout(settings.request_timeout.min(CONNECT_TIMEOUT))
        .user_agent(concat!("meetschedify-teams/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            Error::invalid_config("http_client", format!("cannot build the HTTP client: {e}"))
        })
}

impl fmt::Debug for TeamsAppProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeamsAppProviderBuilder")
            .field("settings", &self.settings)
            .field("token_store", &self.token_store)
            .field("subscription_store", &self.subscription_store)
            .finish()
    }
}

pub(crate) mod setters;

#[cfg(test)]
mod tests;
