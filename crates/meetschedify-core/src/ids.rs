//! Identifier newtypes: which provider, which tenant.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The longest tenant id accepted, in bytes. Long enough for a UUID path or an email plus a
/// prefix; short enough to index in every token store.
pub const MAX_TENANT_ID_BYTES: usize = 256;

/// The id a provider is registered under, such as `"zoom"`.
///
/// The built-in provider types use the constants below; a second Zoom account or a
/// third-party provider picks its own id.
///
/// ```
/// use meetschedify_core::ProviderId;
///
/// assert_eq!(ProviderId::ZOOM.as_str(), "zoom");
/// let second = ProviderId::new("zoom-eu");
/// assert_ne!(second, ProviderId::ZOOM);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProviderId(Cow<'static, str>);

impl ProviderId {
    /// Zoom Server-to-Server OAuth.
    pub const ZOOM: ProviderId = ProviderId(Cow::Borrowed("zoom"));
    /// Google Meet with per-user OAuth.
    pub const GOOGLE_MEET: ProviderId = ProviderId(Cow::Borrowed("google-meet"));
    /// Google Meet with one static refresh token.
    pub const GOOGLE_MEET_STATIC: ProviderId = ProviderId(Cow::Borrowed("google-meet-static"));
    /// Microsoft Teams with per-user delegated OAuth (each tenant connects its own account).
    pub const MICROSOFT_TEAMS: ProviderId = ProviderId(Cow::Borrowed("microsoft-teams"));
    /// Microsoft Teams with application permissions (client credentials) on one organizer
    /// mailbox.
    pub const MICROSOFT_TEAMS_APP: ProviderId = ProviderId(Cow::Borrowed("microsoft-teams-app"));

    /// A custom id. Ids are compared exactly (case matters).
    pub fn new(id: impl Into<Cow<'static, str>>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks the id is usable as a registry key: 1 to 64 characters of `[a-z0-9._-]`, starting
    /// with a letter or digit, so it is safe in URLs, log fields and store keys.
    pub fn validate(&self) -> Result<()> {
        let s = self.as_str();
        let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
        let first_ok = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if s.is_empty() || s.len() > 64 || !first_ok || !s.chars().all(ok_char) {
            return Err(Error::invalid_config(
                "provider_id",
                format!("provider id `{s}` must be 1-64 characters of a-z, 0-9, '.', '_' or '-'"),
            ));
        }
        Ok(())
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&'static str> for ProviderId {
    fn from(s: &'static str) -> Self {
        Self(Cow::Borrowed(s))
    }
}

impl From<String> for ProviderId {
    fn from(s: String) -> Self {
        Self(Cow::Owned(s))
    }
}

impl AsRef<str> for ProviderId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Your application's id for whoever owns a connection: a user, an organisation, a ward.
///
/// Tokens are stored per tenant and provider; keep the id stable. Any UTF-8 text of 1 to 256
/// bytes without control characters is accepted.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(String);

impl TenantId {
    /// A tenant id (checked by [`TenantId::validate`] when a request is validated).
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks length and characters; the error names `field`.
    pub fn validate(&self, field: &str) -> Result<()> {
        if self.0.trim().is_empty() {
            return Err(Error::invalid_request(field, "tenant id must not be empty"));
        }
        if self.0.len() > MAX_TENANT_ID_BYTES {
            return Err(Error::invalid_request(
                field,
                format!("tenant id must be at most {MAX_TENANT_ID_BYTES} bytes"),
            ));
        }
        if self.0.chars().any(char::is_control) {
            return Err(Error::invalid_request(
                field,
                "tenant id must not contain control characters",
            ));
        }
        Ok(())
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<&str> for TenantId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for TenantId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl AsRef<str> for TenantId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn constants_have_the_documented_text() {
        assert_eq!(ProviderId::ZOOM.as_str(), "zoom");
        assert_eq!(ProviderId::GOOGLE_MEET.as_str(), "google-meet");
        assert_eq!(
            ProviderId::GOOGLE_MEET_STATIC.as_str(),
            "google-meet-static"
        );
        assert_eq!(ProviderId::from("zoom"), ProviderId::ZOOM);
        assert_eq!(ProviderId::MICROSOFT_TEAMS.as_str(), "microsoft-teams");
        assert_eq!(
            ProviderId::MICROSOFT_TEAMS_APP.as_str(),
            "microsoft-teams-app"
        );
        for id in [ProviderId::MICROSOFT_TEAMS, ProviderId::MICROSOFT_TEAMS_APP] {
            id.validate().unwrap();
        }
    }

    #[test]
    fn provider_ids_are_validated() {
        for ok in ["zoom", "zoom-eu", "jitsi.v2", "a"] {
            ProviderId::new(ok).validate().unwrap();
        }
        for bad in ["", "Zoom", "-zoom", "zoom eu", "zoom/eu", &"a".repeat(65)] {
            let err = ProviderId::new(bad.to_owned()).validate().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{bad}");
        }
    }

    #[test]
    fn tenant_ids_are_validated() {
        TenantId::new("org_123").validate("tenant_id").unwrap();
        TenantId::new("ü/ñ:@ odd ✓").validate("tenant_id").unwrap();
        TenantId::new("x".repeat(256))
            .validate("tenant_id")
            .unwrap();
        for bad in ["", "   ", "a\nb"] {
            let err = TenantId::new(bad).validate("tenant_id").unwrap_err();
            assert_eq!(err.field(), Some("tenant_id"));
        }
        assert!(TenantId::new("x".repeat(257))
            .validate("tenant_id")
            .is_err());
    }

    #[test]
    fn ids_serialize_as_plain_strings() {
        assert_eq!(
            serde_json::to_string(&ProviderId::GOOGLE_MEET).unwrap(),
            "\"google-meet\""
        );
        let t: TenantId = serde_json::from_str("\"org\"").unwrap();
        assert_eq!(t.as_str(), "org");
    }
}
