//! [`ZoomProviderBuilder`]: the one way to configure a [`ZoomProvider`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::hosts::{HostLedger, HostPool, MemoryHostLedger, PoolHost};
use meetschedify_core::secrecy::SecretString;
use meetschedify_core::{
    Error, MemoryTokenStore, ProviderId, Result, RetryConfig, TenantId, TokenKey, TokenManager,
    TokenManagerConfig, TokenStore,
};

use crate::api::ZoomApi;
use crate::config::{trim_base, Settings};
use crate::defaults::{MeetingDefaults, Preset};
use crate::provider::ZoomProvider;
use crate::token::ZoomTokenRefresher;

/// Connections are usually quick or dead; a request timeout shorter than this is used as is.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Builds a [`ZoomProvider`]: start from [`new`](Self::new) (nothing set),
/// [`from_env`](Self::from_env) or [`from_lookup`](Self::from_lookup), adjust with the
/// `with_*` setters, then [`build`](Self::build), which checks every setting and fails with
/// `INVALID_CONFIG` naming the first one at fault (by its environment variable when it was
/// read from one). `Debug` never prints the client secret.
///
/// | setting | default | environment |
/// |---|---|---|
/// | [`with_credentials`](Self::with_credentials) (account id, client id, client secret) | none: required | `ZOOM_ACCOUNT_ID`, `ZOOM_CLIENT_ID`, `ZOOM_CLIENT_SECRET` |
/// | [`with_api_base`](Self::with_api_base) | [`DEFAULT_API_BASE`](crate::DEFAULT_API_BASE) | `MEETSCHEDIFY_ZOOM_API_BASE` |
/// | [`with_oauth_base`](Self::with_oauth_base) | [`DEFAULT_OAUTH_BASE`](crate::DEFAULT_OAUTH_BASE) | `MEETSCHEDIFY_ZOOM_OAUTH_BASE` |
/// | [`with_request_timeout`](Self::with_request_timeout) | 15 s | |
/// | [`with_retry`](Self::with_retry) | 3 attempts, 500 ms doubling up to 8 s | |
/// | [`with_max_response_bytes`](Self::with_max_response_bytes) | 1 MiB | |
/// | [`with_meeting_defaults`](Self::with_meeting_defaults), [`with_preset`](Self::with_preset) | Zoom's own | |
/// | [`with_host_user`](Self::with_host_user) | `me` | |
/// | [`with_provider_id`](Self::with_provider_id) | `zoom` | |
/// | [`with_duplicate_guard`](Self::with_duplicate_guard) | on | |
/// | [`with_tenant_ownership`](Self::with_tenant_ownership) | on | |
/// | [`with_token_refresh_ahead`](Self::with_token_refresh_ahead) | 60 s | |
/// | [`with_token_store`](Self::with_token_store) | a private `MemoryTokenStore` | |
/// | [`with_host_pool`](Self::with_host_pool) | none: every meeting on the host user | `ZOOM_HOST_POOL` (`alice@clinic.example,bob@clinic.example:2`) |
/// | [`with_host_padding`](Self::with_host_padding) | 0 | `ZOOM_HOST_PADDING_MINUTES` (whole minutes) |
/// | [`with_host_daily_limit`](Self::with_host_daily_limit) | 100 ([`DEFAULT_PER_HOST_DAILY_LIMIT`](meetschedify_core::hosts::DEFAULT_PER_HOST_DAILY_LIMIT)) | |
/// | [`with_host_ledger`](Self::with_host_ledger) | the token store's [`host_ledger`](TokenStore::host_ledger), else a private `MemoryHostLedger` | |
///
/// ```
/// use std::sync::Arc;
/// use meetschedify_core::{MeetingProvider, MemoryTokenStore, ProviderId};
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
/// assert!(!format!("{zoom:?}").contains("client-secret"));
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
#[derive(Clone)]
pub struct ZoomProviderBuilder {
    settings: Settings,
    token_store: Option<Arc<dyn TokenStore>>,
    host_ledger: Option<Arc<dyn HostLedger>>,
}

impl Default for ZoomProviderBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ZoomProviderBuilder {
    /// A builder with no credentials yet and every other setting at its default.
    pub fn new() -> Self {
        Self {
            settings: Settings::default(),
            token_store: None,
            host_ledger: None,
        }
    }

    /// A builder reading `ZOOM_ACCOUNT_ID`, `ZOOM_CLIENT_ID`, `ZOOM_CLIENT_SECRET` and the
    /// optional `MEETSCHEDIFY_ZOOM_API_BASE`, `MEETSCHEDIFY_ZOOM_OAUTH_BASE`, `ZOOM_HOST_POOL`
    /// and `ZOOM_HOST_PADDING_MINUTES` from the process environment (see
    /// [`from_lookup`](Self::from_lookup)).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading the variables through `lookup` (for tests and
    /// for configuration sources other than the process environment).
    ///
    /// Values are trimmed and an empty one counts as unset. Nothing is checked until
    /// [`build`](Self::build): a missing credential, or a base that is not `https` (plain `http`
    /// is allowed only on a loopback host, for the emulator), is then `INVALID_CONFIG` naming
    /// the variable, unless a setter replaced it meanwhile.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use meetschedify_core::ErrorCode;
    /// use meetschedify_zoom::ZoomProviderBuilder;
    ///
    /// let vars = HashMap::from([
    ///     ("ZOOM_ACCOUNT_ID", "acct"),
    ///     ("ZOOM_CLIENT_ID", "id"),
    ///     ("MEETSCHEDIFY_ZOOM_API_BASE", "http://127.0.0.1:8765/v2/"),
    /// ]);
    /// let lookup = |name: &str| vars.get(name).map(|v| v.to_string());
    /// let err = ZoomProviderBuilder::from_lookup(lookup).build().unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::InvalidConfig);
    /// assert_eq!(err.field(), Some("ZOOM_CLIENT_SECRET"));
    /// assert_eq!(err.message(), "ZOOM_CLIENT_SECRET is not set");
    ///
    /// let zoom = ZoomProviderBuilder::from_lookup(lookup)
    ///     .with_client_secret("from-a-vault")
    ///     .build()?;
    /// # drop(zoom);
    /// # Ok::<(), meetschedify_core::Error>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            settings: Settings::from_lookup(lookup),
            token_store: None,
            host_ledger: None,
        }
    }

    /// Sets the account id, client id and client secret of the Server-to-Server OAuth app.
    pub fn with_credentials(
        self,
        account_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.with_account_id(account_id)
            .with_client_id(client_id)
            .with_client_secret(client_secret)
    }

    /// Sets the account id (the app's App Credentials page).
    pub fn with_account_id(mut self, account_id: impl Into<String>) -> Self {
        self.settings.account_id = account_id.into();
        self.settings.from_env.account_id = false;
        self
    }

    /// Sets the client id.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.settings.client_id = client_id.into();
        self.settings.from_env.client_id = false;
        self
    }

    /// Sets the client secret.
    pub fn with_client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.settings.client_secret = SecretString::from(client_secret.into());
        self.settings.from_env.client_secret = false;
        self
    }

    /// Sets the Meetings API base URL (a trailing slash is dropped).
    pub fn with_api_base(mut self, base: impl Into<String>) -> Self {
        self.settings.api_base = trim_base(base.into());
        self.settings.from_env.api_base = false;
        self
    }

    /// Sets the OAuth base URL (`POST {base}/oauth/token`; a trailing slash is dropped).
    pub fn with_oauth_base(mut self, base: impl Into<String>) -> Self {
        self.settings.oauth_base = trim_base(base.into());
        self.settings.from_env.oauth_base = false;
        self
    }

    /// Sets the timeout of one HTTP request, connection included.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.settings.request_timeout = timeout;
        self
    }

    /// Sets how failed calls are retried.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.settings.retry = retry;
        self
    }

    /// Sets the largest Meetings API answer read (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`](crate::DEFAULT_MAX_RESPONSE_BYTES), 1 MiB); a longer one
    /// is abandoned as it arrives and fails with a non-retryable `PROVIDER_ERROR`. Token answers
    /// have their own fixed 64 KiB limit.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_response_bytes = bytes;
        self
    }

    /// Sets the settings sent with every new meeting.
    pub fn with_meeting_defaults(mut self, defaults: MeetingDefaults) -> Self {
        self.settings.meeting_defaults = defaults;
        self
    }

    /// Sets the meeting defaults to a named preset.
    pub fn with_preset(self, preset: Preset) -> Self {
        self.with_meeting_defaults(preset.defaults())
    }

    /// Sets the Zoom user who hosts new meetings: `me` (the account owner, the default), a user
    /// id or an email of the account. With a [host pool](Self::with_host_pool) the pool picks
    /// the host of every create instead, and this setting is not used.
    pub fn with_host_user(mut self, host_user: impl Into<String>) -> Self {
        self.settings.host_user = host_user.into();
        self
    }

    /// Sets the id the provider registers under (default `zoom`; set another for a second
    /// account).
    pub fn with_provider_id(mut self, provider_id: impl Into<ProviderId>) -> Self {
        self.settings.provider_id = provider_id.into();
        self
    }

    /// Turns the duplicate guard on or off (default on): creates carry a marker so that a
    /// create whose answer was lost is found instead of sent twice, and a repeated idempotency
    /// key finds its meeting (see the crate docs). Off, an ambiguous failure is returned to the
    /// caller instead of being retried.
    pub fn with_duplicate_guard(mut self, on: bool) -> Self {
        self.settings.duplicate_guard = on;
        self
    }

    /// Turns the tenant-ownership check on or off (default on): on, a meeting another tenant
    /// created, or one made outside this library, is `MEETING_NOT_FOUND` to get, update and
    /// cancel. All tenants share one Zoom account, so without it any tenant reaches any meeting
    /// by its id. Turn it off only for a single-tenant application, or while migrating meetings
    /// made elsewhere; creates stamp the owner either way.
    pub fn with_tenant_ownership(mut self, on: bool) -> Self {
        self.settings.tenant_ownership = on;
        self
    }

    /// Sets how long before expiry a new access token is fetched.
    pub fn with_token_refresh_ahead(mut self, ahead: Duration) -> Self {
        self.settings.token_refresh_ahead = ahead;
        self
    }

    /// Keeps the access token in `store` instead of a private in-memory one: providers and
    /// application instances sharing a store share one token (and, with a store that offers
    /// leases, fetch it once between them).
    pub fn with_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.token_store = Some(store);
        self
    }

    /// Spreads meetings over a pool of Zoom users (ids or emails of the account), each with its
    /// concurrent-meeting limit ([`PoolHost::with_max_concurrent`]: 1 for Basic and Pro
    /// licences, 2 for Business, Education and Enterprise). Each create takes a host with no
    /// overlapping meeting beyond its limit (padding included) and with creates left today;
    /// when none can, it fails with `NO_HOST_AVAILABLE`. The chosen host is
    /// [`CreatedMeeting::host`](meetschedify_core::CreatedMeeting::host). Replaces
    /// `ZOOM_HOST_POOL`; an empty list fails `build()`.
    ///
    /// The pool decides every create's host, so [`with_host_user`](Self::with_host_user) is
    /// not used for creates; a request's `provider_options.zoom.user_id` naming a pool host
    /// pins the meeting to that host, and one naming another user bypasses the pool. See the
    /// crate docs, *Host pools*.
    pub fn with_host_pool(mut self, hosts: impl IntoIterator<Item = PoolHost>) -> Self {
        self.settings.host_pool.hosts = Some(hosts.into_iter().collect());
        self
    }

    /// Keeps `padding` free before and after each meeting on its pool host (default none):
    /// with 10 minutes, a host whose meeting ends at 10:30 takes the next at 10:40. Replaces
    /// `ZOOM_HOST_PADDING_MINUTES`.
    pub fn with_host_padding(mut self, padding: Duration) -> Self {
        self.settings.host_pool.padding = Some(padding);
        self
    }

    /// Sets how many meeting creates plus updates each pool host may make per UTC day (default
    /// 100, Zoom's per-user limit: "100 requests per day. The rate limit is applied against the
    /// userId of the meeting host", Zoom's Meetings API reference). Lower it to keep a reserve
    /// for calls made outside this library.
    pub fn with_host_daily_limit(mut self, limit: u32) -> Self {
        self.settings.host_pool.daily_limit = limit;
        self
    }

    /// Keeps the pool's bookings and daily counts in `ledger`. By default they live in the
    /// token store's ledger when it has one ([`TokenStore::host_ledger`]: the SQL and Redis
    /// stores), shared by every instance over that store, else in a private
    /// [`MemoryHostLedger`], right only for a single instance. Every provider of one Zoom
    /// account sharing a ledger shares its hosts (the pool is named `zoom:{account_id}`).
    pub fn with_host_ledger(mut self, ledger: Arc<dyn HostLedger>) -> Self {
        self.host_ledger = Some(ledger);
        self
    }

    /// Checks every setting and builds the provider. Nothing is sent to Zoom yet.
    pub fn build(self) -> Result<ZoomProvider> {
        let settings = self.settings;
        settings.validate()?;
        let pool = match settings.host_pool.resolved_hosts()? {
            Some(hosts) => {
                let ledger = self
                    .host_ledger
                    .or_else(|| self.token_store.as_ref().and_then(|s| s.host_ledger()))
                    .unwrap_or_else(|| Arc::new(MemoryHostLedger::new()));
                // Named by the account: every provider of one Zoom account shares its users'
                // limits, whatever its provider id.
                let pool = HostPool::new(format!("zoom:{}", settings.account_id), hosts, ledger)?
                    .with_padding(settings.host_pool.resolved_padding()?)
                    .with_daily_limit(settings.host_pool.daily_limit);
                Some(pool)
            }
            None => None,
        };
        let http = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout.min(CONNECT_TIMEOUT))
            .user_agent(concat!("meetschedify-zoom/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::invalid_config("http_client", format!("cannot build the HTTP client: {e}"))
            })?;
        let store = self
            .token_store
            .unwrap_or_else(|| Arc::new(MemoryTokenStore::new()));
        let refresher = Arc::new(ZoomTokenRefresher::new(&settings, http.clone()));
        let tokens = TokenManager::new(
            store,
            refresher,
            TokenManagerConfig::default().with_refresh_ahead(settings.token_refresh_ahead),
        );
        // One Server-to-Server token serves every tenant: key it by the account.
        let key = TokenKey::new(
            TenantId::new(settings.account_id.clone()),
            settings.provider_id.clone(),
        );
        let api = ZoomApi::new(
            http,
            settings.api_base.clone(),
            tokens,
            key,
            settings.provider_id.clone(),
            settings.max_response_bytes,
        );
        Ok(ZoomProvider::assemble(settings, api, pool))
    }
}

impl fmt::Debug for ZoomProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomProviderBuilder")
            .field("settings", &self.settings)
            .field("token_store", &self.token_store)
            .field("host_ledger", &self.host_ledger)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use meetschedify_core::secrecy::ExposeSecret;
    use meetschedify_core::ErrorCode;

    use super::*;
    use crate::config::{
        ENV_ACCOUNT_ID, ENV_API_BASE, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_HOST_PADDING_MINUTES,
        ENV_HOST_POOL, ENV_OAUTH_BASE,
    };

    fn vars(pairs: &[(&str, &str)]) -> ZoomProviderBuilder {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ZoomProviderBuilder::from_lookup(|name| map.get(name).cloned())
    }

    const CREDS: [(&str, &str); 3] = [
        (ENV_ACCOUNT_ID, "acct"),
        (ENV_CLIENT_ID, "cid"),
        (ENV_CLIENT_SECRET, "shh"),
    ];

    fn ok() -> ZoomProviderBuilder {
        ZoomProviderBuilder::new().with_credentials("acct", "cid", "shh")
    }

    #[test]
    fn defaults_match_the_documentation() {
        let b = ok();
        let c = &b.settings;
        assert_eq!(c.api_base, "https://api.zoom.us/v2");
        assert_eq!(c.oauth_base, "https://zoom.us");
        assert_eq!(c.request_timeout, Duration::from_secs(15));
        assert_eq!(c.retry, RetryConfig::default());
        assert_eq!(c.retry.max_attempts, 3);
        assert_eq!(c.host_user, "me");
        assert_eq!(c.provider_id, ProviderId::ZOOM);
        assert_eq!(c.token_refresh_ahead, Duration::from_secs(60));
        assert_eq!(c.max_response_bytes, crate::DEFAULT_MAX_RESPONSE_BYTES);
        assert!(c.duplicate_guard);
        assert!(c.tenant_ownership);
        b.build().unwrap();
    }

    #[test]
    fn from_lookup_reads_credentials_and_overrides() {
        let mut pairs = CREDS.to_vec();
        pairs.push((ENV_API_BASE, " http://127.0.0.1:9/v2/ "));
        pairs.push((ENV_OAUTH_BASE, "http://127.0.0.1:9"));
        let b = vars(&pairs);
        let c = &b.settings;
        assert_eq!(c.account_id, "acct");
        assert_eq!(c.client_id, "cid");
        assert_eq!(c.client_secret.expose_secret(), "shh");
        assert_eq!(c.api_base, "http://127.0.0.1:9/v2");
        assert_eq!(c.oauth_base, "http://127.0.0.1:9");
        b.build().unwrap();
        let defaults = vars(&CREDS);
        assert_eq!(defaults.settings.api_base, "https://api.zoom.us/v2");
        assert_eq!(defaults.settings.oauth_base, "https://zoom.us");
    }

    #[test]
    fn from_lookup_names_the_missing_variable() {
        for missing in [ENV_ACCOUNT_ID, ENV_CLIENT_ID, ENV_CLIENT_SECRET] {
            let pairs: Vec<_> = CREDS
                .iter()
                .map(|(k, v)| (*k, if *k == missing { "  " } else { *v }))
                .collect();
            let err = vars(&pairs).build().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig);
            assert_eq!(err.field(), Some(missing));
            assert_eq!(err.message(), format!("{missing} is not set"));
        }
        let err = vars(&[]).build().unwrap_err();
        assert_eq!(err.field(), Some(ENV_ACCOUNT_ID));
    }

    #[test]
    fn a_setter_replaces_the_variable_and_its_name() {
        // Set in code after the environment was read: errors name the setting, not the variable.
        let err = vars(&CREDS).with_client_id("").build().unwrap_err();
        assert_eq!(err.field(), Some("client_id"));
        assert_eq!(err.message(), "client_id must not be empty");
        let err = vars(&CREDS).with_client_secret("a b").build().unwrap_err();
        assert_eq!(err.field(), Some("client_secret"));
        let mut pairs = CREDS.to_vec();
        pairs.push((ENV_API_BASE, "http://api.example.com"));
        let err = vars(&pairs)
            .with_api_base("ftp://x.example")
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("api_base"));
        vars(&pairs)
            .with_api_base("https://api.example.com/v2")
            .build()
            .unwrap();
        let err = vars(&[(ENV_ACCOUNT_ID, "acct"), (ENV_CLIENT_ID, "c i d")])
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some(ENV_CLIENT_ID));
        assert!(err.message().contains("spaces"), "{err}");
    }

    /// The attack: a base pointed at plain http on another host would send the client secret
    /// and tokens in clear text.
    #[test]
    fn plain_http_bases_are_refused_except_on_loopback() {
        for (builder, field) in [
            (ok().with_api_base("http://api.example.com"), "api_base"),
            (ok().with_oauth_base("http://api.example.com"), "oauth_base"),
        ] {
            let err = builder.build().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig);
            assert_eq!(err.field(), Some(field));
            assert!(err.message().contains("https"), "{err}");
        }
        for var in [ENV_API_BASE, ENV_OAUTH_BASE] {
            let mut pairs = CREDS.to_vec();
            pairs.push((var, "http://api.example.com"));
            let err = vars(&pairs).build().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig);
            assert_eq!(err.field(), Some(var));
        }
        for base in [
            "http://127.0.0.1:1234",
            "http://localhost:1234/v2",
            "http://[::1]:1234",
            "https://api.example.com/v2",
        ] {
            ok().with_api_base(base)
                .with_oauth_base(base)
                .build()
                .unwrap_or_else(|e| panic!("{base}: {e}"));
        }
    }

    #[test]
    fn build_names_the_setting_at_fault() {
        let cases = [
            (ok().with_account_id(""), "account_id"),
            (ok().with_client_id("a b"), "client_id"),
            (ok().with_client_secret(""), "client_secret"),
            (ok().with_api_base("not a url"), "api_base"),
            (ok().with_api_base("ftp://x.example"), "api_base"),
            (ok().with_oauth_base("https://zoom.us?x=1"), "oauth_base"),
            (ok().with_request_timeout(Duration::ZERO), "request_timeout"),
            (ok().with_max_response_bytes(0), "max_response_bytes"),
            (
                ok().with_retry(RetryConfig::default().with_max_attempts(0)),
                "retry.max_attempts",
            ),
            (ok().with_host_user("a/b"), "host_user"),
            (ok().with_host_user(""), "host_user"),
            (ok().with_provider_id("Zoom Two"), "provider_id"),
            (
                ok().with_meeting_defaults(MeetingDefaults::new().with_jbh_time(3)),
                "meeting_defaults.jbh_time",
            ),
        ];
        for (builder, field) in cases {
            let err = builder.build().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{field}");
            assert_eq!(err.field(), Some(field));
        }
        let err = ZoomProviderBuilder::new().build().unwrap_err();
        assert_eq!(err.field(), Some("account_id"));
        ok().with_host_user("dr.smith+clinic@example.com")
            .with_provider_id("zoom-eu")
            .build()
            .unwrap();
    }

    #[test]
    fn the_host_pool_comes_from_the_environment_or_code() {
        assert!(ok().build().unwrap().host_pool().is_none());
        let mut pairs = CREDS.to_vec();
        pairs.push((ENV_HOST_POOL, "alice@clinic.example, bob@clinic.example:2"));
        pairs.push((ENV_HOST_PADDING_MINUTES, "10"));
        let zoom = vars(&pairs).build().unwrap();
        let pool = zoom.host_pool().unwrap();
        assert_eq!(pool.name(), "zoom:acct");
        assert_eq!(
            pool.hosts(),
            [
                PoolHost::new("alice@clinic.example"),
                PoolHost::new("bob@clinic.example").with_max_concurrent(2)
            ]
        );
        assert_eq!(pool.padding(), Duration::from_secs(600));
        assert_eq!(pool.daily_limit(), 100);
        // Set in code, the settings replace the variables (which are then never parsed).
        let mut bad = CREDS.to_vec();
        bad.push((ENV_HOST_POOL, "a,,b"));
        bad.push((ENV_HOST_PADDING_MINUTES, "ten"));
        let zoom = vars(&bad)
            .with_host_pool([PoolHost::new("carol@clinic.example")])
            .with_host_padding(Duration::from_secs(300))
            .with_host_daily_limit(40)
            .build()
            .unwrap();
        let pool = zoom.host_pool().unwrap();
        assert_eq!(pool.hosts(), [PoolHost::new("carol@clinic.example")]);
        assert_eq!(pool.padding(), Duration::from_secs(300));
        assert_eq!(pool.daily_limit(), 40);
    }

    #[test]
    fn bad_pool_settings_name_their_variable_or_setting() {
        let with = |pairs: &[(&str, &str)]| {
            let mut all = CREDS.to_vec();
            all.extend_from_slice(pairs);
            vars(&all).build().unwrap_err()
        };
        for (pairs, field) in [
            (
                vec![(ENV_HOST_POOL, "a@x.example,,b@x.example")],
                ENV_HOST_POOL,
            ),
            (vec![(ENV_HOST_POOL, "a@x.example:0")], ENV_HOST_POOL),
            (vec![(ENV_HOST_POOL, "a/b")], ENV_HOST_POOL),
            (
                vec![(ENV_HOST_POOL, "a@x.example,A@x.example")],
                "host_pool",
            ),
            (
                vec![
                    (ENV_HOST_POOL, "a@x.example"),
                    (ENV_HOST_PADDING_MINUTES, "5.5"),
                ],
                ENV_HOST_PADDING_MINUTES,
            ),
        ] {
            let err = with(&pairs);
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{pairs:?}");
            assert_eq!(err.field(), Some(field), "{pairs:?}: {err}");
        }
        for (builder, field) in [
            (ok().with_host_pool([]), "host_pool"),
            (ok().with_host_pool([PoolHost::new("a?b")]), "host_pool"),
            (
                ok().with_host_pool([PoolHost::new("a")])
                    .with_host_daily_limit(0),
                "host_daily_limit",
            ),
        ] {
            let err = builder.build().unwrap_err();
            assert_eq!(err.field(), Some(field), "{err}");
        }
    }

    #[test]
    fn the_ledger_is_the_given_one_else_the_stores_else_private() {
        #[derive(Debug, Default)]
        struct SharedStore {
            tokens: MemoryTokenStore,
            ledger: Arc<MemoryHostLedger>,
        }
        #[async_trait::async_trait]
        impl TokenStore for SharedStore {
            async fn get(&self, key: &TokenKey) -> Result<Option<meetschedify_core::TokenRecord>> {
                self.tokens.get(key).await
            }
            async fn save(
                &self,
                key: &TokenKey,
                record: &meetschedify_core::TokenRecord,
                condition: meetschedify_core::SaveCondition,
            ) -> Result<meetschedify_core::SaveOutcome> {
                self.tokens.save(key, record, condition).await
            }
            async fn delete_if(
                &self,
                key: &TokenKey,
                condition: meetschedify_core::SaveCondition,
            ) -> Result<meetschedify_core::DeleteOutcome> {
                self.tokens.delete_if(key, condition).await
            }
            fn host_ledger(&self) -> Option<Arc<dyn HostLedger>> {
                Some(self.ledger.clone())
            }
        }
        let pool = || ok().with_host_pool([PoolHost::new("a@x.example")]);
        let store = Arc::new(SharedStore::default());
        let from_store = pool().with_token_store(store.clone()).build().unwrap();
        let ledger: Arc<dyn HostLedger> = store.ledger.clone();
        assert!(Arc::ptr_eq(
            from_store.host_pool().unwrap().ledger(),
            &ledger
        ));
        let given: Arc<dyn HostLedger> = Arc::new(MemoryHostLedger::new());
        let explicit = pool()
            .with_token_store(store)
            .with_host_ledger(given.clone())
            .build()
            .unwrap();
        assert!(Arc::ptr_eq(explicit.host_pool().unwrap().ledger(), &given));
        let private = pool().build().unwrap();
        assert!(!Arc::ptr_eq(private.host_pool().unwrap().ledger(), &ledger));
    }

    #[test]
    fn debug_hides_the_secret() {
        let b = ZoomProviderBuilder::new().with_credentials("acct", "cid", "very-secret-value");
        let text = format!("{b:?} {b:#?}");
        assert!(!text.contains("very-secret-value"));
        assert!(text.contains("[redacted]"));
        assert!(text.contains("acct"));
        let from_env = vars(&[(ENV_CLIENT_SECRET, "very-secret-value")]);
        assert!(!format!("{from_env:?}").contains("very-secret-value"));
    }
}
