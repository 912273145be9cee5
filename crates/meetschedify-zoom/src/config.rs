//! [`ZoomConfig`]: credentials, endpoints, timeouts, retry policy and meeting defaults.

use std::fmt;
use std::time::Duration;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{Error, ProviderId, Result, RetryConfig};

use crate::defaults::{MeetingDefaults, Preset};

/// The account id of the Server-to-Server OAuth app (App Credentials page).
pub const ENV_ACCOUNT_ID: &str = "ZOOM_ACCOUNT_ID";
/// The app's client id.
pub const ENV_CLIENT_ID: &str = "ZOOM_CLIENT_ID";
/// The app's client secret.
pub const ENV_CLIENT_SECRET: &str = "ZOOM_CLIENT_SECRET";
/// Overrides the Meetings API base URL (to reach the emulator or a regional cluster).
pub const ENV_API_BASE: &str = "MEETSCHEDIFY_ZOOM_API_BASE";
/// Overrides the OAuth base URL (`POST {base}/oauth/token`).
pub const ENV_OAUTH_BASE: &str = "MEETSCHEDIFY_ZOOM_OAUTH_BASE";

/// Zoom's global API cluster; any account may use it whatever `api_url` its token names
/// (<https://developers.zoom.us/changelog/platform/api_url_access_token_response/>).
pub const DEFAULT_API_BASE: &str = "https://api.zoom.us/v2";
/// Where Server-to-Server OAuth tokens come from
/// (<https://developers.zoom.us/docs/internal-apps/s2s-oauth/>).
pub const DEFAULT_OAUTH_BASE: &str = "https://zoom.us";
/// The default per-request timeout, as in the Node.js original.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Everything a [`ZoomProvider`](crate::ZoomProvider) needs to know.
///
/// Build it with [`ZoomConfig::new`] or [`ZoomConfig::from_env`] and the `with_*` setters; the
/// provider checks it with [`ZoomConfig::validate`] when it is built. `Debug` never prints the
/// client secret.
///
/// ```
/// use std::time::Duration;
/// use meetschedify_zoom::{Preset, ZoomConfig};
///
/// let config = ZoomConfig::new("AbCdEfGhIjK1234567890", "client-id", "client-secret")
///     .with_preset(Preset::Healthcare)
///     .with_request_timeout(Duration::from_secs(20));
/// config.validate()?;
/// assert!(!format!("{config:?}").contains("client-secret"));
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct ZoomConfig {
    /// The Server-to-Server OAuth app's account id (`ZOOM_ACCOUNT_ID`).
    pub account_id: String,
    /// The app's client id (`ZOOM_CLIENT_ID`).
    pub client_id: String,
    /// The app's client secret (`ZOOM_CLIENT_SECRET`).
    pub client_secret: SecretString,
    /// The Meetings API base, without a trailing slash (default [`DEFAULT_API_BASE`]).
    pub api_base: String,
    /// The OAuth base, without a trailing slash (default [`DEFAULT_OAUTH_BASE`]).
    pub oauth_base: String,
    /// The timeout of one HTTP request, connection included (default 15 s).
    pub request_timeout: Duration,
    /// How failed calls are retried (default: 3 attempts, 500 ms doubling up to 8 s).
    pub retry: RetryConfig,
    /// Settings sent with every new meeting.
    pub meeting_defaults: MeetingDefaults,
    /// The Zoom user who hosts new meetings: `me` (the account owner, the default), a user id
    /// or an email of the account.
    pub host_user: String,
    /// The id the provider registers under (default `zoom`; set another for a second account).
    pub provider_id: ProviderId,
    /// Whether creates carry a marker so that a create whose answer was lost is found instead
    /// of sent twice (default on; see the crate docs). Off, an ambiguous failure is returned to
    /// the caller instead of being retried.
    pub duplicate_guard: bool,
    /// Whether get, update and cancel answer `MEETING_NOT_FOUND` for a meeting that another
    /// tenant created, or that was made outside this library (default on). All tenants share
    /// one Zoom account, so without it any tenant reaches any meeting by its id. Creates stamp
    /// the owner's tag either way; turn it off only for a single-tenant application or while
    /// migrating meetings made elsewhere (see the crate docs).
    pub tenant_ownership: bool,
    /// Get a new access token this long before the current one expires (default 60 s).
    pub token_refresh_ahead: Duration,
    /// The largest Meetings API answer read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`](crate::DEFAULT_MAX_RESPONSE_BYTES), 1 MiB); a longer one
    /// is abandoned as it arrives and fails with a non-retryable `PROVIDER_ERROR`. Token
    /// answers have their own fixed 64 KiB limit.
    pub max_response_bytes: usize,
}

impl ZoomConfig {
    /// A configuration with these credentials and every other setting at its default.
    pub fn new(
        account_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            account_id: account_id.into(),
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            api_base: DEFAULT_API_BASE.to_owned(),
            oauth_base: DEFAULT_OAUTH_BASE.to_owned(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryConfig::default(),
            meeting_defaults: MeetingDefaults::default(),
            host_user: "me".to_owned(),
            provider_id: ProviderId::ZOOM,
            duplicate_guard: true,
            tenant_ownership: true,
            token_refresh_ahead: Duration::from_secs(60),
            max_response_bytes: crate::read::DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Reads `ZOOM_ACCOUNT_ID`, `ZOOM_CLIENT_ID`, `ZOOM_CLIENT_SECRET` and the optional
    /// `MEETSCHEDIFY_ZOOM_API_BASE` and `MEETSCHEDIFY_ZOOM_OAUTH_BASE` from the environment.
    ///
    /// A missing or empty credential, or a base that is not `https` (plain `http` is allowed
    /// only on a loopback host, for the emulator), is `INVALID_CONFIG` naming the variable.
    pub fn from_env() -> Result<Self> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` (for tests and for
    /// configuration sources other than the process environment).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use meetschedify_zoom::ZoomConfig;
    ///
    /// let vars = HashMap::from([
    ///     ("ZOOM_ACCOUNT_ID", "acct"),
    ///     ("ZOOM_CLIENT_ID", "id"),
    ///     ("ZOOM_CLIENT_SECRET", "secret"),
    ///     ("MEETSCHEDIFY_ZOOM_API_BASE", "http://127.0.0.1:8765/v2/"),
    /// ]);
    /// let config = ZoomConfig::from_vars(|name| vars.get(name).map(|v| v.to_string()))?;
    /// assert_eq!(config.api_base, "http://127.0.0.1:8765/v2");
    /// assert_eq!(config.oauth_base, "https://zoom.us");
    /// # Ok::<(), meetschedify_core::Error>(())
    /// ```
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let required = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| Error::invalid_config(name, format!("{name} is not set")))
        };
        let optional = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut config = Self::new(
            required(ENV_ACCOUNT_ID)?,
            required(ENV_CLIENT_ID)?,
            required(ENV_CLIENT_SECRET)?,
        );
        // A bad base is reported here, naming the variable it came from, rather than later
        // under the setting's name where the user would not find it.
        if let Some(base) = optional(ENV_API_BASE) {
            check_base(ENV_API_BASE, &base)?;
            config = config.with_api_base(base);
        }
        if let Some(base) = optional(ENV_OAUTH_BASE) {
            check_base(ENV_OAUTH_BASE, &base)?;
            config = config.with_oauth_base(base);
        }
        Ok(config)
    }

    /// Sets the account id.
    pub fn with_account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = account_id.into();
        self
    }

    /// Sets the client id.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// Sets the client secret.
    pub fn with_client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.client_secret = SecretString::from(client_secret.into());
        self
    }

    /// Sets the Meetings API base (a trailing slash is dropped).
    pub fn with_api_base(mut self, base: impl Into<String>) -> Self {
        self.api_base = trim_base(base.into());
        self
    }

    /// Sets the OAuth base (a trailing slash is dropped).
    pub fn with_oauth_base(mut self, base: impl Into<String>) -> Self {
        self.oauth_base = trim_base(base.into());
        self
    }

    /// Sets the per-request timeout.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the largest Meetings API answer read, in bytes.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sets the meeting defaults.
    pub fn with_meeting_defaults(mut self, defaults: MeetingDefaults) -> Self {
        self.meeting_defaults = defaults;
        self
    }

    /// Sets the meeting defaults to a named preset.
    pub fn with_preset(self, preset: Preset) -> Self {
        self.with_meeting_defaults(preset.defaults())
    }

    /// Sets the host of new meetings (`me`, a user id or an email).
    pub fn with_host_user(mut self, host_user: impl Into<String>) -> Self {
        self.host_user = host_user.into();
        self
    }

    /// Sets the provider id (for a second Zoom account).
    pub fn with_provider_id(mut self, provider_id: impl Into<ProviderId>) -> Self {
        self.provider_id = provider_id.into();
        self
    }

    /// Turns the duplicate guard on or off.
    pub fn with_duplicate_guard(mut self, on: bool) -> Self {
        self.duplicate_guard = on;
        self
    }

    /// Whether creates write the marker into the agenda: for the duplicate guard, the owner's
    /// tag, or both.
    pub(crate) fn marks_agenda(&self) -> bool {
        self.duplicate_guard || self.tenant_ownership
    }

    /// Turns the tenant-ownership check of get, update and cancel on or off (see
    /// [`tenant_ownership`](Self::tenant_ownership)).
    pub fn with_tenant_ownership(mut self, on: bool) -> Self {
        self.tenant_ownership = on;
        self
    }

    /// Sets how long before expiry a new access token is fetched.
    pub fn with_token_refresh_ahead(mut self, ahead: Duration) -> Self {
        self.token_refresh_ahead = ahead;
        self
    }

    /// Checks every setting; an `INVALID_CONFIG` error names the first one at fault.
    pub fn validate(&self) -> Result<()> {
        check_credential("account_id", &self.account_id)?;
        check_credential("client_id", &self.client_id)?;
        check_credential("client_secret", self.client_secret.expose_secret())?;
        check_base("api_base", &self.api_base)?;
        check_base("oauth_base", &self.oauth_base)?;
        if self.max_response_bytes == 0 {
            return Err(Error::invalid_config(
                "max_response_bytes",
                "max_response_bytes must be more than zero",
            ));
        }
        if self.request_timeout.is_zero() {
            return Err(Error::invalid_config(
                "request_timeout",
                "request_timeout must be more than zero",
            ));
        }
        self.retry.validate().map_err(|e| {
            let field = format!("retry.{}", e.field().unwrap_or("policy"));
            e.with_field(field)
        })?;
        self.meeting_defaults.validate()?;
        check_host_user(&self.host_user)?;
        self.provider_id.validate()?;
        Ok(())
    }
}

fn trim_base(base: String) -> String {
    base.trim().trim_end_matches('/').to_owned()
}

fn check_credential(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid_config(
            field,
            format!("{field} must not be empty"),
        ));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(Error::invalid_config(
            field,
            format!("{field} must not contain spaces or control characters"),
        ));
    }
    Ok(())
}

/// Tokens and the client secret travel to these hosts: the shared rule refuses plain http
/// anywhere but loopback (the emulator).
fn check_base(field: &str, base: &str) -> Result<()> {
    meetschedify_core::check_base_url(field, base).map(drop)
}

/// The host goes into a URL path: allow what Zoom user ids and ordinary emails use.
pub(crate) fn check_host_user(host: &str) -> Result<()> {
    let ok = !host.is_empty()
        && host.len() <= 254
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._+-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_config(
            "host_user",
            format!("host user `{host}` must be `me`, a Zoom user id or an email address"),
        ))
    }
}

impl fmt::Debug for ZoomConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomConfig")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("api_base", &self.api_base)
            .field("oauth_base", &self.oauth_base)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("meeting_defaults", &self.meeting_defaults)
            .field("host_user", &self.host_user)
            .field("provider_id", &self.provider_id)
            .field("duplicate_guard", &self.duplicate_guard)
            .field("tenant_ownership", &self.tenant_ownership)
            .field("token_refresh_ahead", &self.token_refresh_ahead)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use meetschedify_core::ErrorCode;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Result<ZoomConfig> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ZoomConfig::from_vars(|name| map.get(name).cloned())
    }

    const CREDS: [(&str, &str); 3] = [
        (ENV_ACCOUNT_ID, "acct"),
        (ENV_CLIENT_ID, "cid"),
        (ENV_CLIENT_SECRET, "shh"),
    ];

    #[test]
    fn defaults_match_the_documentation() {
        let c = ZoomConfig::new("a", "b", "c");
        assert_eq!(c.api_base, "https://api.zoom.us/v2");
        assert_eq!(c.oauth_base, "https://zoom.us");
        assert_eq!(c.request_timeout, Duration::from_secs(15));
        assert_eq!(c.retry, RetryConfig::default());
        assert_eq!(c.retry.max_attempts, 3);
        assert_eq!(c.host_user, "me");
        assert_eq!(c.provider_id, ProviderId::ZOOM);
        assert!(c.duplicate_guard);
        assert!(c.tenant_ownership);
        c.validate().unwrap();
    }

    #[test]
    fn from_vars_reads_credentials_and_overrides() {
        let mut pairs = CREDS.to_vec();
        pairs.push((ENV_API_BASE, " http://127.0.0.1:9/v2/ "));
        pairs.push((ENV_OAUTH_BASE, "http://127.0.0.1:9"));
        let c = vars(&pairs).unwrap();
        assert_eq!(c.account_id, "acct");
        assert_eq!(c.client_id, "cid");
        assert_eq!(c.client_secret.expose_secret(), "shh");
        assert_eq!(c.api_base, "http://127.0.0.1:9/v2");
        assert_eq!(c.oauth_base, "http://127.0.0.1:9");
    }

    #[test]
    fn from_vars_names_the_missing_variable() {
        for missing in [ENV_ACCOUNT_ID, ENV_CLIENT_ID, ENV_CLIENT_SECRET] {
            let pairs: Vec<_> = CREDS
                .iter()
                .map(|(k, v)| (*k, if *k == missing { "  " } else { *v }))
                .collect();
            let err = vars(&pairs).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig);
            assert_eq!(err.field(), Some(missing));
            assert_eq!(err.message(), format!("{missing} is not set"));
        }
    }

    /// The attack: a base pointed at plain http on another host would send the client secret
    /// and tokens in clear text.
    #[test]
    fn plain_http_bases_are_refused_except_on_loopback() {
        let ok = || ZoomConfig::new("acct", "cid", "shh");
        for (config, field) in [
            (ok().with_api_base("http://api.example.com"), "api_base"),
            (ok().with_oauth_base("http://api.example.com"), "oauth_base"),
        ] {
            let err = config.validate().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig);
            assert_eq!(err.field(), Some(field));
            assert!(err.message().contains("https"), "{err}");
        }
        for var in [ENV_API_BASE, ENV_OAUTH_BASE] {
            let mut pairs = CREDS.to_vec();
            pairs.push((var, "http://api.example.com"));
            let err = vars(&pairs).unwrap_err();
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
                .validate()
                .unwrap_or_else(|e| panic!("{base}: {e}"));
        }
    }

    #[test]
    fn validate_names_the_setting_at_fault() {
        let ok = || ZoomConfig::new("acct", "cid", "shh");
        let cases = [
            (ok().with_account_id(""), "account_id"),
            (ok().with_client_id("a b"), "client_id"),
            (ok().with_client_secret(""), "client_secret"),
            (ok().with_api_base("not a url"), "api_base"),
            (ok().with_api_base("ftp://x.example"), "api_base"),
            (ok().with_oauth_base("https://zoom.us?x=1"), "oauth_base"),
            (ok().with_request_timeout(Duration::ZERO), "request_timeout"),
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
        for (config, field) in cases {
            let err = config.validate().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{field}");
            assert_eq!(err.field(), Some(field));
        }
        ok().with_host_user("dr.smith+clinic@example.com")
            .with_provider_id("zoom-eu")
            .validate()
            .unwrap();
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = ZoomConfig::new("acct", "cid", "very-secret-value");
        let text = format!("{c:?} {c:#?}");
        assert!(!text.contains("very-secret-value"));
        assert!(text.contains("[redacted]"));
        assert!(text.contains("acct"));
    }
}
