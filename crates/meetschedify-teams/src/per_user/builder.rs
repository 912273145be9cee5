//! [`TeamsProviderBuilder`]: the one way to configure a [`TeamsProvider`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::secrecy::SecretString;
use meetschedify_core::webhooks::SubscriptionStore;
use meetschedify_core::{
    EnvVars, Error, MemoryNonceStore, OAuthStateKey, OAuthStateSealer, ProviderId, Result,
    TokenManager, TokenManagerConfig, TokenStore,
};
use reqwest::Url;

use super::oauth::DelegatedOAuth;
use super::refresher::DelegatedRefresher;
use super::scopes::{default_scopes, is_calendars_read_write, SCOPE_OFFLINE_ACCESS};
use super::{Inner, TeamsProvider};
use crate::api::{GraphApi, GraphParts};
use crate::builder::{http_client, subscription_store};
use crate::config::{check_credential, pick, Access, Settings, ENV_REDIRECT_URI, ENV_STATE_KEY};
use crate::events::EventCalendar;
use crate::in_flight::{InFlight, PER_USER_STRIPES};
use crate::mailbox::Mailbox;
use crate::token_endpoint::TokenEndpoint;
use crate::tokens::GraphTokens;

/// Builds a [`TeamsProvider`]: start from [`new`](Self::new) (nothing set),
/// [`from_env`](Self::from_env) or [`from_lookup`](Self::from_lookup), adjust with the
/// `with_*` setters, then [`build`](Self::build), which checks every setting and fails with
/// `INVALID_CONFIG` naming the first one at fault (by its environment variable when it was
/// read from one). `Debug` never prints the client secret or the state key.
///
/// | setting | default | environment |
/// |---|---|---|
/// | [`with_credentials`](Self::with_credentials) (tenant, client id, client secret) | none: required | `MICROSOFT_TENANT_ID`, `MICROSOFT_CLIENT_ID`, `MICROSOFT_CLIENT_SECRET` |
/// | [`with_redirect_uri`](Self::with_redirect_uri) | none: required | `MICROSOFT_REDIRECT_URI` |
/// | [`with_state_key`](Self::with_state_key) or [`with_state_sealer`](Self::with_state_sealer) | none: required | `MEETSCHEDIFY_OAUTH_STATE_KEY` |
/// | [`with_token_store`](Self::with_token_store) | none: required | |
/// | [`with_scopes`](Self::with_scopes) | `offline_access https://graph.microsoft.com/Calendars.ReadWrite` | |
/// | [`with_login_base`](Self::with_login_base) | [`DEFAULT_LOGIN_BASE`](crate::DEFAULT_LOGIN_BASE) | `MEETSCHEDIFY_MICROSOFT_LOGIN_BASE` |
/// | [`with_graph_api_base`](Self::with_graph_api_base) | [`DEFAULT_GRAPH_API_BASE`](crate::DEFAULT_GRAPH_API_BASE) | `MEETSCHEDIFY_GRAPH_API_BASE` |
/// | [`with_request_timeout`](Self::with_request_timeout) | 15 s | |
/// | [`with_retry`](Self::with_retry) | 3 attempts, 500 ms doubling up to 8 s, `Retry-After` up to 60 s | |
/// | [`with_max_response_bytes`](Self::with_max_response_bytes) | 1 MiB | |
/// | [`with_provider_id`](Self::with_provider_id) | `microsoft-teams` | |
/// | [`with_tenant_ownership`](Self::with_tenant_ownership) | on | |
/// | [`with_token_refresh_ahead`](Self::with_token_refresh_ahead) | 60 s | |
/// | [`with_token_revalidate_every`](Self::with_token_revalidate_every) | 10 s | |
///
/// ```
/// use std::sync::Arc;
/// use meetschedify_core::{MeetingProvider, MemoryTokenStore, OAuthStateKey, ProviderId};
/// use meetschedify_teams::TeamsProvider;
///
/// let teams = TeamsProvider::builder()
///     .with_credentials("organizations", "client-id", "client-secret")
///     .with_redirect_uri("https://app.example/oauth/microsoft/callback")
///     .with_state_key(OAuthStateKey::generate())
///     .with_token_store(Arc::new(MemoryTokenStore::new()))
///     .build()?;
/// assert_eq!(teams.id(), &ProviderId::MICROSOFT_TEAMS);
/// assert!(teams.oauth().is_some());
/// assert!(!format!("{teams:?}").contains("client-secret"));
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
#[derive(Clone)]
pub struct TeamsProviderBuilder {
    settings: Settings,
    redirect_uri: String,
    redirect_from_env: bool,
    scopes: Vec<String>,
    sealer: Option<OAuthStateSealer>,
    /// `MEETSCHEDIFY_OAUTH_STATE_KEY` as read, decoded by `build` so a bad one is reported there.
    state_key_env: Option<SecretString>,
    token_store: Option<Arc<dyn TokenStore>>,
    subscription_store: Option<Arc<dyn SubscriptionStore>>,
    revalidate_every: Duration,
}

impl Default for TeamsProviderBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TeamsProviderBuilder {
    /// A builder with nothing required set yet and every other setting at its default.
    pub fn new() -> Self {
        Self::with_settings(Settings {
            provider_id: ProviderId::MICROSOFT_TEAMS,
            ..Settings::default()
        })
    }

    fn with_settings(settings: Settings) -> Self {
        Self {
            settings,
            redirect_uri: String::new(),
            redirect_from_env: false,
            scopes: default_scopes(),
            sealer: None,
            state_key_env: None,
            token_store: None,
            subscription_store: None,
            revalidate_every: meetschedify_core::DEFAULT_REVALIDATE_EVERY,
        }
    }

    /// A builder reading `MICROSOFT_TENANT_ID`, `MICROSOFT_CLIENT_ID`,
    /// `MICROSOFT_CLIENT_SECRET`, `MICROSOFT_REDIRECT_URI`, `MEETSCHEDIFY_OAUTH_STATE_KEY` and the
    /// optional `MEETSCHEDIFY_MICROSOFT_LOGIN_BASE` and `MEETSCHEDIFY_GRAPH_API_BASE` from the
    /// process environment (see [`from_lookup`](Self::from_lookup)). The token store is always
    /// set in code.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading the variables through `lookup`. Values are
    /// trimmed and an empty one counts as unset; nothing is checked until [`build`](Self::build).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use meetschedify_core::ErrorCode;
    /// use meetschedify_teams::TeamsProviderBuilder;
    ///
    /// let vars = HashMap::from([
    ///     ("MICROSOFT_TENANT_ID", "consumers"),
    ///     ("MICROSOFT_CLIENT_ID", "id"),
    ///     ("MICROSOFT_CLIENT_SECRET", "secret"),
    /// ]);
    /// let lookup = |name: &str| vars.get(name).map(|v| v.to_string());
    /// let err = TeamsProviderBuilder::from_lookup(lookup).build().unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::InvalidConfig);
    /// assert_eq!(err.field(), Some("MICROSOFT_TENANT_ID"));
    /// assert!(err.message().contains("work or school account"));
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let mut settings = Settings::from_lookup(&lookup);
        settings.provider_id = ProviderId::MICROSOFT_TEAMS;
        let env = EnvVars::new(&lookup);
        let mut builder = Self::with_settings(settings);
        builder.redirect_uri = env.get(ENV_REDIRECT_URI).unwrap_or_default();
        builder.redirect_from_env = true;
        builder.state_key_env = env.get(ENV_STATE_KEY).map(SecretString::from);
        builder
    }

    /// Sets the Entra tenant (GUID or domain, or `organizations` / `common` for an app that
    /// accepts work or school accounts of any tenant), the app's client id and a client secret.
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

    /// Sets the tenant users sign in through: a GUID or domain, `organizations` or `common`.
    /// `consumers` is refused: personal Microsoft accounts get no Teams meetings.
    pub fn with_tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.settings.tenant_id = tenant_id.into();
        self.settings.from_env.tenant_id = false;
        self
    }

    /// Sets the redirect URI: exactly one registered for the app (platform "Web").
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = uri.into();
        self.redirect_from_env = false;
        self
    }

    /// Seals OAuth states with `key` (10-minute states, relative return URLs only). Each state
    /// is single-use: through the token store's nonce store when it has one (the SQL and Redis
    /// stores, shared by every instance), else in this process's memory.
    pub fn with_state_key(mut self, key: OAuthStateKey) -> Self {
        self.sealer = Some(OAuthStateSealer::new(key));
        self
    }

    /// Seals OAuth states with a configured sealer (TTL, return-URL allowlist, nonce store).
    pub fn with_state_sealer(mut self, sealer: OAuthStateSealer) -> Self {
        self.sealer = Some(sealer);
        self
    }

    /// Replaces the scopes asked for. They must include `offline_access` (else no refresh
    /// token) and `Calendars.ReadWrite` (full or short name).
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    crate::builder::setters::shared_setters!(default_id = "microsoft-teams");

    /// Where each tenant's tokens live (required). Instances sharing a store that offers
    /// leases (PostgreSQL, Redis) refresh each tenant's token once between them.
    pub fn with_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// Keeps the provider's Graph subscriptions (feature `webhooks`) in `store`: the one its
    /// [`subscriptions`](TeamsProvider::subscriptions) and their verifier use, and the one a
    /// disconnect deletes a tenant's subscriptions from. Every instance receiving notifications
    /// must share it. Default: the token store's
    /// [`subscription_store`](TokenStore::subscription_store) when it offers one (shared
    /// stores), else one `MemorySubscriptionStore` owned by the provider and its clones.
    pub fn with_subscription_store(mut self, store: Arc<dyn SubscriptionStore>) -> Self {
        self.subscription_store = Some(store);
        self
    }

    /// Sets how long a cached access token is used before the store is read again (default
    /// 10 s): the longest an instance keeps using a token after another instance refreshed,
    /// reconnected or disconnected the tenant.
    pub fn with_token_revalidate_every(mut self, every: Duration) -> Self {
        self.revalidate_every = every;
        self
    }

    /// Checks every setting and builds the provider. Nothing is sent to Microsoft yet.
    pub fn build(self) -> Result<TeamsProvider> {
        let settings = self.settings;
        settings.validate_credentials(Access::Delegated)?;
        let redirect_field = pick(self.redirect_from_env, ENV_REDIRECT_URI, "redirect_uri");
        check_credential(redirect_field, self.redirect_from_env, &self.redirect_uri)?;
        let redirect_ok = Url::parse(&self.redirect_uri)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none());
        if !redirect_ok {
            return Err(Error::invalid_config(
                redirect_field,
                format!("{redirect_field} must be an absolute http(s) url without a fragment"),
            ));
        }
        let sealer = match (self.sealer, self.state_key_env) {
            (Some(sealer), _) => sealer,
            (None, Some(text)) => {
                use meetschedify_core::secrecy::ExposeSecret;
                let key = OAuthStateKey::from_base64(text.expose_secret())
                    .map_err(|e| Error::invalid_config(ENV_STATE_KEY, e.message().to_owned()))?;
                OAuthStateSealer::new(key)
            }
            (None, None) => return Err(Error::invalid_config(
                ENV_STATE_KEY,
                "an oauth state key is missing: set MEETSCHEDIFY_OAUTH_STATE_KEY to the output \
                     of `openssl rand -base64 32`, the same on every instance",
            )),
        };
        let store = self.token_store.ok_or_else(|| {
            Error::invalid_config(
                "token_store",
                "a token store is missing (per-user tokens must be kept somewhere)",
            )
        })?;
        check_scopes(&self.scopes)?;
        settings.validate_transport()?;
        let subscriptions = subscription_store(self.subscription_store, Some(&store));
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
        let http = http_client(&settings)?;
        let oauth = Arc::new(DelegatedOAuth {
            endpoint: TokenEndpoint::new(
                http.clone(),
                &settings.login_base,
                &settings.tenant_id,
                settings.provider_id.clone(),
            ),
            authorize_url: format!(
                "{}/{}/oauth2/v2.0/authorize",
                settings.login_base, settings.tenant_id
            ),
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            redirect_uri: self.redirect_uri,
            scopes: self.scopes,
            provider_id: settings.provider_id.clone(),
        });
        let refresher = Arc::new(DelegatedRefresher {
            oauth: oauth.clone(),
        });
        let tokens = TokenManager::new(
            store,
            refresher,
            TokenManagerConfig::default()
                .with_refresh_ahead(settings.token_refresh_ahead)
                .with_revalidate_every(self.revalidate_every),
        );
        let api = GraphApi::new(GraphParts {
            http,
            base: settings.graph_base.clone(),
            tokens: GraphTokens::per_tenant(tokens, settings.provider_id.clone()),
            provider_id: settings.provider_id.clone(),
            mailbox: Mailbox::Me,
            max_response_bytes: settings.max_response_bytes,
            // One mailbox per tenant: each gets its own budget (tenants spread over stripes).
            in_flight: InFlight::new(PER_USER_STRIPES),
        });
        let events = EventCalendar {
            api,
            retry: settings.retry.clone(),
            provider_id: settings.provider_id.clone(),
            tenant_ownership: settings.tenant_ownership,
        };
        Ok(TeamsProvider {
            inner: Arc::new(Inner {
                settings,
                sealer,
                oauth,
                events,
                subscriptions,
            }),
        })
    }
}

/// The scopes must be usable: a refresh token and the calendar permission.
fn check_scopes(scopes: &[String]) -> Result<()> {
    if scopes.is_empty()
        || scopes
            .iter()
            .any(|s| s.trim().is_empty() || s.chars().any(char::is_whitespace))
    {
        return Err(Error::invalid_config(
            "scopes",
            "scopes must be non-empty names without spaces",
        ));
    }
    if !scopes
        .iter()
        .any(|s| s.eq_ignore_ascii_case(SCOPE_OFFLINE_ACCESS))
    {
        return Err(Error::invalid_config(
            "scopes",
            "scopes must include offline_access, or microsoft returns no refresh token",
        ));
    }
    if !scopes.iter().any(|s| is_calendars_read_write(s)) {
        return Err(Error::invalid_config(
            "scopes",
            "scopes must include https://graph.microsoft.com/Calendars.ReadWrite",
        ));
    }
    Ok(())
}

impl fmt::Debug for TeamsProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeamsProviderBuilder")
            .field("settings", &self.settings)
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .field("sealer", &self.sealer)
            .field(
                "state_key_env",
                &self.state_key_env.as_ref().map(|_| "[redacted]"),
            )
            .field("token_store", &self.token_store)
            .field("subscription_store", &self.subscription_store)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use meetschedify_core::{ErrorCode, MemoryTokenStore};

    use super::*;

    fn complete() -> TeamsProviderBuilder {
        TeamsProviderBuilder::new()
            .with_credentials("organizations", "client-id", "client-secret")
            .with_redirect_uri("https://app.example/cb")
            .with_state_key(OAuthStateKey::from_bytes([3; 32]))
            .with_token_store(Arc::new(MemoryTokenStore::new()))
    }

    fn field_of(builder: TeamsProviderBuilder) -> String {
        let err = builder.build().unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig, "{err}");
        err.field().unwrap_or_default().to_owned()
    }

    #[test]
    fn each_missing_piece_is_named() {
        assert!(complete().build().is_ok());
        assert!(complete().with_tenant_id("common").build().is_ok());
        assert_eq!(
            field_of(complete().with_tenant_id("consumers")),
            "tenant_id"
        );
        assert_eq!(field_of(complete().with_redirect_uri("")), "redirect_uri");
        assert_eq!(
            field_of(complete().with_redirect_uri("/relative")),
            "redirect_uri"
        );
        let mut no_store = complete();
        no_store.token_store = None;
        assert_eq!(field_of(no_store), "token_store");
        let mut no_key = complete();
        no_key.sealer = None;
        assert_eq!(field_of(no_key), ENV_STATE_KEY);
        assert_eq!(
            field_of(complete().with_scopes(["https://graph.microsoft.com/Calendars.ReadWrite"])),
            "scopes"
        );
        assert_eq!(
            field_of(complete().with_scopes(["offline_access", "User.Read"])),
            "scopes"
        );
        assert!(complete()
            .with_scopes(["offline_access", "Calendars.ReadWrite", "User.Read"])
            .build()
            .is_ok());
    }

    #[test]
    fn the_environment_names_its_variables() {
        let vars = std::collections::HashMap::from([
            ("MICROSOFT_TENANT_ID", "organizations"),
            ("MICROSOFT_CLIENT_ID", "id"),
            ("MICROSOFT_CLIENT_SECRET", "secret"),
            ("MEETSCHEDIFY_OAUTH_STATE_KEY", "not base64!"),
        ]);
        let lookup = |name: &str| vars.get(name).map(|v| (*v).to_owned());
        let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
        let from = || TeamsProviderBuilder::from_lookup(lookup).with_token_store(store.clone());
        assert_eq!(field_of(from()), ENV_REDIRECT_URI);
        let with_uri = from().with_redirect_uri("https://app.example/cb");
        assert_eq!(field_of(with_uri.clone()), ENV_STATE_KEY);
        let debug = format!("{with_uri:?}");
        assert!(
            !debug.contains("not base64!") && !debug.contains("secret\""),
            "{debug}"
        );
        let built = with_uri
            .with_state_key(OAuthStateKey::from_bytes([1; 32]))
            .build()
            .unwrap();
        assert_eq!(
            meetschedify_core::MeetingProvider::id(&built),
            &ProviderId::MICROSOFT_TEAMS
        );
    }
}
