//! The provider's settings: credentials, organizer, endpoints, timeouts and retry policy.
//!
//! Private: [`TeamsAppProviderBuilder`](crate::TeamsAppProviderBuilder) is the one public way to
//! set them, and its `build` checks them here.

use std::fmt;
use std::time::Duration;

use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{EnvVars, Error, ProviderId, Result, RetryConfig};

/// The Entra ID (Azure AD) tenant of the app registration: its GUID or a verified domain.
pub const ENV_TENANT_ID: &str = "MICROSOFT_TENANT_ID";
/// The app registration's application (client) id.
pub const ENV_CLIENT_ID: &str = "MICROSOFT_CLIENT_ID";
/// A client secret's value (not its id) of the app registration.
pub const ENV_CLIENT_SECRET: &str = "MICROSOFT_CLIENT_SECRET";
/// The redirect URI registered for the app (platform "Web"), where the per-user provider's
/// connect flow comes back with the code.
pub const ENV_REDIRECT_URI: &str = "MICROSOFT_REDIRECT_URI";
/// 32 bytes in base64 (`openssl rand -base64 32`) sealing the per-user connect flow's OAuth
/// state, the same on every instance of the application.
pub const ENV_STATE_KEY: &str = "MEETSCHEDIFY_OAUTH_STATE_KEY";
/// The mailbox whose calendar holds the meetings: a user object id or a user principal name.
pub const ENV_ORGANIZER: &str = "MICROSOFT_TEAMS_ORGANIZER";
/// Overrides the Microsoft identity platform base (`POST {base}/{tenant}/oauth2/v2.0/token`).
pub const ENV_LOGIN_BASE: &str = "MEETSCHEDIFY_MICROSOFT_LOGIN_BASE";
/// Overrides the Microsoft Graph base (to reach the emulator or a national cloud).
pub const ENV_GRAPH_API_BASE: &str = "MEETSCHEDIFY_GRAPH_API_BASE";

/// The Microsoft identity platform's global endpoint
/// (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow>).
pub const DEFAULT_LOGIN_BASE: &str = "https://login.microsoftonline.com";
/// Microsoft Graph v1.0.
pub const DEFAULT_GRAPH_API_BASE: &str = "https://graph.microsoft.com/v1.0";
/// The scope of a client-credentials token for Graph: the resource with `/.default`, which
/// carries every application permission an administrator consented to (a single permission
/// name is refused with AADSTS1002012).
pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
/// The default per-request timeout, as for Zoom.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Which settings were read from the environment, so that a bad one is reported under the
/// variable the user set rather than under a setting name they never wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FromEnv {
    pub(crate) tenant_id: bool,
    pub(crate) client_id: bool,
    pub(crate) client_secret: bool,
    pub(crate) organizer: bool,
    pub(crate) login_base: bool,
    pub(crate) graph_base: bool,
}

/// Everything a Teams provider needs (the per-user one leaves `organizer` unused). `Debug`
/// never prints the client secret.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) tenant_id: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) organizer: String,
    /// Without a trailing slash.
    pub(crate) login_base: String,
    /// Without a trailing slash.
    pub(crate) graph_base: String,
    pub(crate) request_timeout: Duration,
    pub(crate) retry: RetryConfig,
    pub(crate) provider_id: ProviderId,
    pub(crate) tenant_ownership: bool,
    pub(crate) token_refresh_ahead: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) from_env: FromEnv,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            tenant_id: String::new(),
            client_id: String::new(),
            client_secret: SecretString::from(String::new()),
            organizer: String::new(),
            login_base: DEFAULT_LOGIN_BASE.to_owned(),
            graph_base: DEFAULT_GRAPH_API_BASE.to_owned(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryConfig::default(),
            provider_id: ProviderId::MICROSOFT_TEAMS_APP,
            tenant_ownership: true,
            token_refresh_ahead: Duration::from_secs(60),
            max_response_bytes: crate::read::DEFAULT_MAX_RESPONSE_BYTES,
            from_env: FromEnv::default(),
        }
    }
}

impl Settings {
    /// The defaults with what `lookup` gives. Values are trimmed; an empty one counts as unset.
    /// A missing credential is left empty, marked as read from the environment, so that
    /// [`validate`](Self::validate) reports it under its variable.
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let env = EnvVars::new(&lookup);
        let read = |name: &str| env.get(name);
        let mut settings = Self {
            tenant_id: read(ENV_TENANT_ID).unwrap_or_default(),
            client_id: read(ENV_CLIENT_ID).unwrap_or_default(),
            client_secret: SecretString::from(read(ENV_CLIENT_SECRET).unwrap_or_default()),
            organizer: read(ENV_ORGANIZER).unwrap_or_default(),
            from_env: FromEnv {
                tenant_id: true,
                client_id: true,
                client_secret: true,
                organizer: true,
                login_base: false,
                graph_base: false,
            },
            ..Self::default()
        };
        if let Some(base) = read(ENV_LOGIN_BASE) {
            settings.login_base = trim_base(base);
            settings.from_env.login_base = true;
        }
        if let Some(base) = read(ENV_GRAPH_API_BASE) {
            settings.graph_base = trim_base(base);
            settings.from_env.graph_base = true;
        }
        settings
    }

    /// Checks every setting of the app-only provider; an `INVALID_CONFIG` error names the first
    /// one at fault, by its environment variable when it was read from one.
    pub(crate) fn validate(&self) -> Result<()> {
        self.validate_credentials(Access::AppOnly)?;
        let env = self.from_env;
        let organizer = pick(env.organizer, ENV_ORGANIZER, "organizer");
        check_credential(organizer, env.organizer, &self.organizer)?;
        check_organizer(organizer, &self.organizer)?;
        self.validate_transport()
    }

    /// Checks the tenant, client id and client secret, the tenant by the rules of `access`.
    pub(crate) fn validate_credentials(&self, access: Access) -> Result<()> {
        let env = self.from_env;
        check_credential(
            pick(env.tenant_id, ENV_TENANT_ID, "tenant_id"),
            env.tenant_id,
            &self.tenant_id,
        )?;
        check_tenant(
            pick(env.tenant_id, ENV_TENANT_ID, "tenant_id"),
            &self.tenant_id,
            access,
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
        )
    }

    /// Checks the bases, limits, timeouts, retry policy and provider id.
    pub(crate) fn validate_transport(&self) -> Result<()> {
        let env = self.from_env;
        check_base(
            pick(env.login_base, ENV_LOGIN_BASE, "login_base"),
            &self.login_base,
        )?;
        check_base(
            pick(env.graph_base, ENV_GRAPH_API_BASE, "graph_api_base"),
            &self.graph_base,
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
        self.provider_id.validate()
    }
}

/// Whose permissions a provider uses, which decides the tenants it may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Application permissions (client credentials): the tenant itself.
    AppOnly,
    /// Delegated permissions (a user signs in): also `common` or `organizations`.
    Delegated,
}

pub(crate) fn pick(from_env: bool, var: &'static str, setting: &'static str) -> &'static str {
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
pub(crate) fn check_credential(field: &str, from_env: bool, value: &str) -> Result<()> {
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

/// The tenant goes into the token URL's path (`/{tenant}/oauth2/v2.0/token`). Client
/// credentials need the tenant itself: `common`, `organizations` and `consumers` are for user
/// sign-in, and some grants are refused over them (AADSTS9001023). Delegated sign-in accepts
/// `common` and `organizations` (reference `microsoft-teams.md` §1.1) but never `consumers`:
/// personal Microsoft accounts get calendar events without a Teams link (§3.11).
fn check_tenant(field: &str, tenant: &str, access: Access) -> Result<()> {
    let lower = tenant.to_ascii_lowercase();
    match (access, lower.as_str()) {
        (Access::AppOnly, "common" | "organizations" | "consumers") => {
            return Err(Error::invalid_config(
                field,
                format!("{field} must be the tenant's GUID or domain, not `{tenant}`"),
            ));
        }
        (Access::Delegated, "consumers") => {
            return Err(Error::invalid_config(
                field,
                format!(
                    "{field} must not be `consumers`: teams meetings need a work or school \
                     account (use the tenant's GUID or domain, `organizations` or `common`)"
                ),
            ));
        }
        _ => {}
    }
    if !tenant
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
    {
        return Err(Error::invalid_config(
            field,
            format!("{field} must be a tenant GUID or domain name"),
        ));
    }
    Ok(())
}

/// The organizer goes into every Graph path (`/users/{organizer}/events`): allow what object
/// ids (GUIDs) and user principal names use.
fn check_organizer(field: &str, organizer: &str) -> Result<()> {
    let ok = organizer.len() <= 254
        && organizer
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@._+-'".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_config(
            field,
            format!("{field} must be a user object id or a user principal name"),
        ))
    }
}

/// Tokens and the client secret travel to these hosts: the shared rule refuses plain http
/// anywhere but loopback (the emulator).
fn check_base(field: &str, base: &str) -> Result<()> {
    meetschedify_core::check_base_url(field, base).map(drop)
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeamsSettings")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("organizer", &self.organizer)
            .field("login_base", &self.login_base)
            .field("graph_base", &self.graph_base)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("provider_id", &self.provider_id)
            .field("tenant_ownership", &self.tenant_ownership)
            .field("token_refresh_ahead", &self.token_refresh_ahead)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}
