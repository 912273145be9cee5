//! The provider's settings: credentials, endpoints, timeouts, retry policy and meeting defaults.
//!
//! Private: [`ZoomProviderBuilder`](crate::ZoomProviderBuilder) is the one public way to set
//! them, and its `build` checks them here.

use std::fmt;
use std::time::Duration;

use meetschedify_core::hosts::{PoolHost, DEFAULT_PER_HOST_DAILY_LIMIT};
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{EnvVars, Error, ProviderId, Result, RetryConfig};

use crate::defaults::MeetingDefaults;

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
/// A host pool: comma-separated Zoom users (ids or emails), each optionally `:N`, its
/// concurrent-meeting limit (`alice@clinic.example,bob@clinic.example:2`).
pub const ENV_HOST_POOL: &str = "ZOOM_HOST_POOL";
/// Minutes kept free before and after each meeting on its pool host (whole minutes).
pub const ENV_HOST_PADDING_MINUTES: &str = "ZOOM_HOST_PADDING_MINUTES";

/// Zoom's global API cluster; any account may use it whatever `api_url` its token names
/// (<https://developers.zoom.us/changelog/platform/api_url_access_token_response/>).
pub const DEFAULT_API_BASE: &str = "https://api.zoom.us/v2";
/// Where Server-to-Server OAuth tokens come from
/// (<https://developers.zoom.us/docs/internal-apps/s2s-oauth/>).
pub const DEFAULT_OAUTH_BASE: &str = "https://zoom.us";
/// The default per-request timeout, as in the Node.js original.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Which settings were read from the environment, so that a bad one is reported under the
/// variable the user set rather than under a setting name they never wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FromEnv {
    pub(crate) account_id: bool,
    pub(crate) client_id: bool,
    pub(crate) client_secret: bool,
    pub(crate) api_base: bool,
    pub(crate) oauth_base: bool,
}

/// Everything a [`ZoomProvider`](crate::ZoomProvider) needs to know. `Debug` never prints the
/// client secret.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) account_id: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    /// Without a trailing slash.
    pub(crate) api_base: String,
    /// Without a trailing slash.
    pub(crate) oauth_base: String,
    pub(crate) request_timeout: Duration,
    pub(crate) retry: RetryConfig,
    pub(crate) meeting_defaults: MeetingDefaults,
    pub(crate) host_user: String,
    pub(crate) provider_id: ProviderId,
    pub(crate) duplicate_guard: bool,
    pub(crate) tenant_ownership: bool,
    pub(crate) token_refresh_ahead: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) from_env: FromEnv,
    /// The host pool, when one is configured (see [`HostPoolSettings`]).
    pub(crate) host_pool: HostPoolSettings,
}

/// The host pool's settings. The environment's texts are kept raw and parsed by
/// [`Settings::validate`], so that a bad value fails `build()` naming its variable, and a
/// setter called after `from_env` replaces it without it ever being parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HostPoolSettings {
    /// Set in code: wins over `env_hosts`.
    pub(crate) hosts: Option<Vec<PoolHost>>,
    /// `ZOOM_HOST_POOL` as read.
    pub(crate) env_hosts: Option<String>,
    /// Set in code: wins over `env_padding`.
    pub(crate) padding: Option<Duration>,
    /// `ZOOM_HOST_PADDING_MINUTES` as read.
    pub(crate) env_padding: Option<String>,
    pub(crate) daily_limit: u32,
}

impl Default for HostPoolSettings {
    fn default() -> Self {
        Self {
            hosts: None,
            env_hosts: None,
            padding: None,
            env_padding: None,
            daily_limit: DEFAULT_PER_HOST_DAILY_LIMIT,
        }
    }
}

impl HostPoolSettings {
    /// The pool's hosts (`None` without a pool), checked; errors name the variable when the
    /// list came from `ZOOM_HOST_POOL`.
    pub(crate) fn resolved_hosts(&self) -> Result<Option<Vec<PoolHost>>> {
        let (hosts, field) = match (&self.hosts, &self.env_hosts) {
            (Some(hosts), _) => (hosts.clone(), "host_pool"),
            (None, Some(text)) => (PoolHost::parse_list(ENV_HOST_POOL, text)?, ENV_HOST_POOL),
            (None, None) => return Ok(None),
        };
        if hosts.is_empty() {
            return Err(Error::invalid_config(
                field,
                format!("{field} must name at least one host"),
            ));
        }
        for host in &hosts {
            host.validate(field)?;
            // The host goes into URL paths (`/users/{host}/meetings`), like `host_user`.
            check_host_user(host.id())
                .map_err(|e| Error::invalid_config(field, format!("{field}: {}", e.message())))?;
        }
        Ok(Some(hosts))
    }

    /// The padding around each meeting (zero unless set).
    pub(crate) fn resolved_padding(&self) -> Result<Duration> {
        match (&self.padding, &self.env_padding) {
            (Some(padding), _) => Ok(*padding),
            (None, Some(text)) => text
                .parse::<u32>()
                .map(|minutes| Duration::from_secs(u64::from(minutes) * 60))
                .map_err(|_| {
                    Error::invalid_config(
                        ENV_HOST_PADDING_MINUTES,
                        format!(
                            "{ENV_HOST_PADDING_MINUTES} must be a whole number of minutes, not \
                             `{text}`"
                        ),
                    )
                }),
            (None, None) => Ok(Duration::ZERO),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            account_id: String::new(),
            client_id: String::new(),
            client_secret: SecretString::from(String::new()),
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
            from_env: FromEnv::default(),
            host_pool: HostPoolSettings::default(),
        }
    }
}

impl Settings {
    /// The defaults with the credentials and base overrides `lookup` gives (see
    /// `ZoomProviderBuilder::from_lookup`). Values are trimmed; an empty one counts as unset. A
    /// missing credential is left empty, marked as read from the environment, so that
    /// [`validate`](Self::validate) reports it under its variable.
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let env = EnvVars::new(&lookup);
        let read = |name: &str| env.get(name);
        let mut settings = Self {
            account_id: read(ENV_ACCOUNT_ID).unwrap_or_default(),
            client_id: read(ENV_CLIENT_ID).unwrap_or_default(),
            client_secret: SecretString::from(read(ENV_CLIENT_SECRET).unwrap_or_default()),
            from_env: FromEnv {
                account_id: true,
                client_id: true,
                client_secret: true,
                api_base: false,
                oauth_base: false,
            },
            ..Self::default()
        };
        if let Some(base) = read(ENV_API_BASE) {
            settings.api_base = trim_base(base);
            settings.from_env.api_base = true;
        }
        if let Some(base) = read(ENV_OAUTH_BASE) {
            settings.oauth_base = trim_base(base);
            settings.from_env.oauth_base = true;
        }
        settings.host_pool.env_hosts = read(ENV_HOST_POOL);
        settings.host_pool.env_padding = read(ENV_HOST_PADDING_MINUTES);
        settings
    }

    /// Whether creates write the marker into the agenda: for the duplicate guard, the owner's
    /// tag, or both.
    pub(crate) fn marks_agenda(&self) -> bool {
        self.duplicate_guard || self.tenant_ownership
    }

    /// Checks every setting; an `INVALID_CONFIG` error names the first one at fault, by its
    /// environment variable when it was read from one.
    pub(crate) fn validate(&self) -> Result<()> {
        let env = self.from_env;
        check_credential(
            pick(env.account_id, ENV_ACCOUNT_ID, "account_id"),
            env.account_id,
            &self.account_id,
        )?;
        check_credential(
            pick(env.client_id, ENV_CLIENT_ID, "client_id"),
            env.client_id,
            &self.client_id,
        )?;
        check_credential(
            pick(env.client_secret, ENV_CLIENT_SECRET, "client_secret"),
            env.client_secret,
            self.client_secret.expose_secret(),
        )?;
        check_base(pick(env.api_base, ENV_API_BASE, "api_base"), &self.api_base)?;
        check_base(
            pick(env.oauth_base, ENV_OAUTH_BASE, "oauth_base"),
            &self.oauth_base,
        )?;
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
        self.host_pool.resolved_hosts()?;
        self.host_pool.resolved_padding()?;
        if self.host_pool.daily_limit == 0 {
            return Err(Error::invalid_config(
                "host_daily_limit",
                "host_daily_limit must be more than zero",
            ));
        }
        Ok(())
    }
}

fn pick(from_env: bool, var: &'static str, setting: &'static str) -> &'static str {
    if from_env {
        var
    } else {
        setting
    }
}

pub(crate) fn trim_base(base: String) -> String {
    base.trim().trim_end_matches('/').to_owned()
}

/// `field` is the setting's name, or the variable's when `from_env`.
fn check_credential(field: &str, from_env: bool, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        let message = if from_env {
            format!("{field} is not set")
        } else {
            format!("{field} must not be empty")
        };
        return Err(Error::invalid_config(field, message));
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

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomSettings")
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
            .field("host_pool", &self.host_pool)
            .finish()
    }
}
