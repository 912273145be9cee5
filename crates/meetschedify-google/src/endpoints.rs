//! Where Google lives: the three base URLs, each overridable (to reach the emulator).

use meetschedify_core::{check_base_url, Result};

/// `MEETSCHEDIFY_GOOGLE_API_BASE`: Calendar v3 lives under `{base}/calendar/v3/`.
pub const ENV_API_BASE: &str = "MEETSCHEDIFY_GOOGLE_API_BASE";
/// `MEETSCHEDIFY_GOOGLE_OAUTH_BASE`: the token endpoint is `{base}/token`, revocation `{base}/revoke`.
pub const ENV_OAUTH_BASE: &str = "MEETSCHEDIFY_GOOGLE_OAUTH_BASE";
/// `MEETSCHEDIFY_GOOGLE_AUTH_BASE`: the consent page is `{base}/o/oauth2/v2/auth`.
pub const ENV_AUTH_BASE: &str = "MEETSCHEDIFY_GOOGLE_AUTH_BASE";

/// Google's API host (`https://www.googleapis.com`).
pub const DEFAULT_API_BASE: &str = "https://www.googleapis.com";
/// Google's OAuth token host (`https://oauth2.googleapis.com`), as in google-auth-library's
/// `oauth2client.ts`.
pub const DEFAULT_OAUTH_BASE: &str = "https://oauth2.googleapis.com";
/// Google's consent host (`https://accounts.google.com`).
pub const DEFAULT_AUTH_BASE: &str = "https://accounts.google.com";

/// The base URLs of Google's Calendar API, token endpoint and consent page.
///
/// Every base is kept without a trailing slash; the paths under it are Google's
/// (<https://developers.google.com/identity/protocols/oauth2/web-server>). A base must be
/// `https`, or `http` on a loopback host (the emulator): tokens and the client secret travel to
/// these hosts, so plain http anywhere else is refused.
///
/// ```
/// use meetschedify_google::GoogleEndpoints;
///
/// let google = GoogleEndpoints::google();
/// assert_eq!(google.token_url(), "https://oauth2.googleapis.com/token");
/// assert_eq!(google.calendar_base_url(), "https://www.googleapis.com/calendar/v3/");
///
/// let local = GoogleEndpoints::all_at("http://127.0.0.1:8765/")?;
/// assert_eq!(local.authorization_url(), "http://127.0.0.1:8765/o/oauth2/v2/auth");
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GoogleEndpoints {
    api_base: String,
    oauth_base: String,
    auth_base: String,
}

impl Default for GoogleEndpoints {
    fn default() -> Self {
        Self::google()
    }
}

impl GoogleEndpoints {
    /// Google's real endpoints.
    pub fn google() -> Self {
        Self {
            api_base: DEFAULT_API_BASE.to_owned(),
            oauth_base: DEFAULT_OAUTH_BASE.to_owned(),
            auth_base: DEFAULT_AUTH_BASE.to_owned(),
        }
    }

    /// All three bases at one root, as the emulator serves them.
    pub fn all_at(root: &str) -> Result<Self> {
        Self::google()
            .with_api_base(root)?
            .with_oauth_base(root)?
            .with_auth_base(root)
    }

    /// Google's endpoints with the `MEETSCHEDIFY_GOOGLE_*_BASE` overrides from the process
    /// environment applied.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`GoogleEndpoints::from_env`] over any variable source (for tests and for layered
    /// configuration); empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut endpoints = Self::google();
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(v) = get(ENV_API_BASE) {
            endpoints.api_base = check_base(&v, ENV_API_BASE)?;
        }
        if let Some(v) = get(ENV_OAUTH_BASE) {
            endpoints.oauth_base = check_base(&v, ENV_OAUTH_BASE)?;
        }
        if let Some(v) = get(ENV_AUTH_BASE) {
            endpoints.auth_base = check_base(&v, ENV_AUTH_BASE)?;
        }
        Ok(endpoints)
    }

    /// Sets the API base (Calendar is under `{base}/calendar/v3/`).
    pub fn with_api_base(mut self, base: &str) -> Result<Self> {
        self.api_base = check_base(base, "api_base")?;
        Ok(self)
    }

    /// Sets the OAuth base (`{base}/token`, `{base}/revoke`).
    pub fn with_oauth_base(mut self, base: &str) -> Result<Self> {
        self.oauth_base = check_base(base, "oauth_base")?;
        Ok(self)
    }

    /// Sets the consent-page base (`{base}/o/oauth2/v2/auth`).
    pub fn with_auth_base(mut self, base: &str) -> Result<Self> {
        self.auth_base = check_base(base, "auth_base")?;
        Ok(self)
    }

    /// The API base, without a trailing slash.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// The OAuth base, without a trailing slash.
    pub fn oauth_base(&self) -> &str {
        &self.oauth_base
    }

    /// The consent-page base, without a trailing slash.
    pub fn auth_base(&self) -> &str {
        &self.auth_base
    }

    /// The Calendar v3 base with its trailing slash, as the generated hub's `base_url` wants it.
    pub fn calendar_base_url(&self) -> String {
        format!("{}/calendar/v3/", self.api_base)
    }

    /// The API root with its trailing slash, as the generated hub's `root_url` wants it.
    pub fn root_url(&self) -> String {
        format!("{}/", self.api_base)
    }

    /// `{oauth_base}/token`.
    pub fn token_url(&self) -> String {
        format!("{}/token", self.oauth_base)
    }

    /// `{oauth_base}/revoke`.
    pub fn revoke_url(&self) -> String {
        format!("{}/revoke", self.oauth_base)
    }

    /// `{auth_base}/o/oauth2/v2/auth`.
    pub fn authorization_url(&self) -> String {
        format!("{}/o/oauth2/v2/auth", self.auth_base)
    }
}

/// Checks a base URL with the shared rule (`meetschedify_core::check_base_url`: https, or http
/// only on loopback) and returns it without a trailing slash.
fn check_base(value: &str, field: &str) -> Result<String> {
    let trimmed = value.trim().trim_end_matches('/');
    check_base_url(field, trimmed)?;
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use meetschedify_core::ErrorCode;

    #[test]
    fn defaults_are_googles_hosts() {
        let e = GoogleEndpoints::default();
        assert_eq!(e.api_base(), "https://www.googleapis.com");
        assert_eq!(e.token_url(), "https://oauth2.googleapis.com/token");
        assert_eq!(e.revoke_url(), "https://oauth2.googleapis.com/revoke");
        assert_eq!(
            e.authorization_url(),
            "https://accounts.google.com/o/oauth2/v2/auth"
        );
        assert_eq!(e.root_url(), "https://www.googleapis.com/");
    }

    #[test]
    fn env_overrides_apply_and_trailing_slashes_go() {
        let e = GoogleEndpoints::from_lookup(|name| match name {
            ENV_API_BASE => Some("http://127.0.0.1:9/".to_owned()),
            ENV_OAUTH_BASE => Some("http://localhost:9".to_owned()),
            ENV_AUTH_BASE => Some(String::new()),
            _ => None,
        })
        .unwrap();
        assert_eq!(e.calendar_base_url(), "http://127.0.0.1:9/calendar/v3/");
        assert_eq!(e.token_url(), "http://localhost:9/token");
        assert_eq!(e.auth_base(), DEFAULT_AUTH_BASE, "empty means unset");
    }

    #[test]
    fn bad_bases_name_their_variable() {
        for (value, why) in [
            ("not a url", "absolute"),
            ("http://example.com", "loopback"),
            ("ftp://127.0.0.1", "scheme"),
            ("https://u:p@example.com", "credentials"),
            ("https://example.com/?x=1", "query"),
        ] {
            let err = GoogleEndpoints::from_lookup(|name| {
                (name == ENV_OAUTH_BASE).then(|| value.to_owned())
            })
            .unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig);
            assert_eq!(err.field(), Some(ENV_OAUTH_BASE));
            assert!(err.message().contains(why), "{value}: {err}");
        }
        GoogleEndpoints::google()
            .with_api_base("http://[::1]:80")
            .unwrap();
    }
}
