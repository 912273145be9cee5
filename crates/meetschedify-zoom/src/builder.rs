//! [`ZoomProviderBuilder`]: a [`ZoomConfig`] plus the pieces that are not plain settings (the
//! token store).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{
    Error, ProviderId, Result, RetryConfig, TenantId, TokenKey, TokenManager, TokenManagerConfig,
    TokenStore,
};
use meetschedify_store_memory::MemoryTokenStore;

use crate::api::ZoomApi;
use crate::config::ZoomConfig;
use crate::defaults::{MeetingDefaults, Preset};
use crate::provider::ZoomProvider;
use crate::token::ZoomTokenRefresher;

/// Connections are usually quick or dead; a request timeout shorter than this is used as is.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds a [`ZoomProvider`].
///
/// ```
/// use std::sync::Arc;
/// use meetschedify_core::{MeetingProvider, ProviderId};
/// use meetschedify_store_memory::MemoryTokenStore;
/// use meetschedify_zoom::{Preset, ZoomProvider};
///
/// // One store shared by several providers (or app instances) means one token for all.
/// let store = Arc::new(MemoryTokenStore::new());
/// let zoom = ZoomProvider::builder()
///     .with_credentials("AbCdEfGhIjK1234567890", "client-id", "client-secret")
///     .with_preset(Preset::Recruiting)
///     .with_provider_id("zoom-recruiting")
///     .with_token_store(store)
///     .build()?;
/// assert_eq!(zoom.id(), &ProviderId::new("zoom-recruiting"));
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
pub struct ZoomProviderBuilder {
    config: ZoomConfig,
    token_store: Option<Arc<dyn TokenStore>>,
}

impl Default for ZoomProviderBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ZoomProviderBuilder {
    /// A builder with no credentials yet and every setting at its default.
    pub fn new() -> Self {
        Self::from_config(ZoomConfig::new("", "", ""))
    }

    /// A builder starting from a configuration.
    pub fn from_config(config: ZoomConfig) -> Self {
        Self {
            config,
            token_store: None,
        }
    }

    /// A builder starting from the environment (see [`ZoomConfig::from_env`]).
    pub fn from_env() -> Result<Self> {
        ZoomConfig::from_env().map(Self::from_config)
    }

    /// Sets the account id, client id and client secret.
    pub fn with_credentials(
        mut self,
        account_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.config = self
            .config
            .with_account_id(account_id)
            .with_client_id(client_id)
            .with_client_secret(client_secret);
        self
    }

    /// Sets the Meetings API base URL.
    pub fn with_api_base(mut self, base: impl Into<String>) -> Self {
        self.config = self.config.with_api_base(base);
        self
    }

    /// Sets the OAuth base URL.
    pub fn with_oauth_base(mut self, base: impl Into<String>) -> Self {
        self.config = self.config.with_oauth_base(base);
        self
    }

    /// Sets the per-request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.config = self.config.with_request_timeout(timeout);
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.config = self.config.with_retry(retry);
        self
    }

    /// Sets the largest Meetings API answer read (default 1 MiB); a longer one fails with a
    /// non-retryable `PROVIDER_ERROR`.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.config = self.config.with_max_response_bytes(bytes);
        self
    }

    /// Sets the meeting defaults.
    pub fn with_meeting_defaults(mut self, defaults: MeetingDefaults) -> Self {
        self.config = self.config.with_meeting_defaults(defaults);
        self
    }

    /// Sets the meeting defaults to a named preset.
    pub fn with_preset(mut self, preset: Preset) -> Self {
        self.config = self.config.with_preset(preset);
        self
    }

    /// Sets the host of new meetings.
    pub fn with_host_user(mut self, host_user: impl Into<String>) -> Self {
        self.config = self.config.with_host_user(host_user);
        self
    }

    /// Sets the provider id (for a second Zoom account).
    pub fn with_provider_id(mut self, provider_id: impl Into<ProviderId>) -> Self {
        self.config = self.config.with_provider_id(provider_id);
        self
    }

    /// Turns the duplicate guard on or off.
    pub fn with_duplicate_guard(mut self, on: bool) -> Self {
        self.config = self.config.with_duplicate_guard(on);
        self
    }

    /// Turns the tenant-ownership check on or off (default on): on, a meeting another tenant
    /// created, or one made outside this library, is `MEETING_NOT_FOUND` to get, update and
    /// cancel. Turn it off only for a single-tenant application, or while migrating meetings
    /// made elsewhere; creates stamp the owner either way.
    pub fn with_tenant_ownership(mut self, on: bool) -> Self {
        self.config = self.config.with_tenant_ownership(on);
        self
    }

    /// Sets how long before expiry a new access token is fetched.
    pub fn with_token_refresh_ahead(mut self, ahead: Duration) -> Self {
        self.config = self.config.with_token_refresh_ahead(ahead);
        self
    }

    /// Keeps the access token in `store` instead of a private in-memory one: providers and
    /// application instances sharing a store share one token (and, with a store that supports
    /// leases, fetch it once between them).
    pub fn with_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// The configuration so far.
    pub fn config(&self) -> &ZoomConfig {
        &self.config
    }

    /// Checks the configuration and builds the provider. Nothing is sent to Zoom yet.
    pub fn build(self) -> Result<ZoomProvider> {
        let config = self.config;
        config.validate()?;
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(CONNECT_TIMEOUT))
            .user_agent(concat!("meetschedify-zoom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::invalid_config("http_client", format!("cannot build the HTTP client: {e}"))
            })?;
        let store = self
            .token_store
            .unwrap_or_else(|| Arc::new(MemoryTokenStore::new()));
        let refresher = Arc::new(ZoomTokenRefresher::new(&config, http.clone()));
        let tokens = TokenManager::new(
            store,
            refresher,
            TokenManagerConfig::default().with_refresh_ahead(config.token_refresh_ahead),
        );
        // One Server-to-Server token serves every tenant: key it by the account.
        let key = TokenKey::new(
            TenantId::new(config.account_id.clone()),
            config.provider_id.clone(),
        );
        let api = ZoomApi::new(
            http,
            config.api_base.clone(),
            tokens,
            key,
            config.provider_id.clone(),
            config.max_response_bytes,
        );
        Ok(ZoomProvider::assemble(config, api))
    }
}

impl fmt::Debug for ZoomProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomProviderBuilder")
            .field("config", &self.config)
            .field("token_store", &self.token_store)
            .finish()
    }
}
