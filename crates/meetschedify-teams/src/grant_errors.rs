//! The refusals of a delegated grant (a user's code or refresh token), mapped once.
//!
//! | `error` (AADSTS) | during | code |
//! |---|---|---|
//! | `invalid_grant` (54005 code reused, 501481 verifier mismatch, 70008 expired, ...) | code redemption | `NOT_CONNECTED`: start the connect flow again |
//! | `invalid_grant` 50173 (revoked), 70008 / 700082 (expired), 65001 (no consent), 70000, ... | refresh | `AUTH_REVOKED`: the user must connect again |
//! | `invalid_grant` 50076 / 50079 (multi-factor authentication now required) | refresh | `AUTH_REVOKED`, saying so |
//! | `interaction_required`, `consent_required` | either | as `invalid_grant` |
//! | anything else (`invalid_client`, 429, 5xx, ...) | either | the app-only mapping ([`token_status`]) |
//!
//! Every error keeps the identity platform's `error` as the vendor code and the AADSTS line as
//! the message of its `HttpErrorDetails`; Microsoft asks clients to branch on `error`, so the
//! AADSTS number only picks the wording (reference `microsoft-teams.md` §1.7).

use meetschedify_core::{Error, ErrorCode, ProviderId};
use reqwest::header::HeaderMap;

use crate::errors::{token_status, IdentityBody};

/// Which delegated grant was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// `authorization_code`: the connect callback.
    Code,
    /// `refresh_token`: getting a new access token.
    Refresh,
}

/// The identity platform's `error` values that mean the user must sign in again.
const NEEDS_USER: &[&str] = &["invalid_grant", "interaction_required", "consent_required"];

/// A token-endpoint refusal of a delegated grant.
pub(crate) fn grant_refused(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    provider: &ProviderId,
    grant: Grant,
) -> Error {
    // The app-only mapping fills in the details (status, `error`, AADSTS line, trace id).
    let mapped = token_status(status, headers, body, provider);
    let parsed = IdentityBody::parse(body);
    let needs_user = parsed
        .error
        .as_deref()
        .is_some_and(|e| NEEDS_USER.contains(&e));
    if !needs_user {
        return mapped;
    }
    let reason = parsed
        .description
        .clone()
        .unwrap_or_else(|| parsed.error.clone().unwrap_or_default());
    let (code, message) = match grant {
        Grant::Code => (
            ErrorCode::NotConnected,
            format!(
                "microsoft refused the authorization code ({reason}); start the connect flow \
                 again"
            ),
        ),
        Grant::Refresh if parsed.has(50_076) || parsed.has(50_079) => (
            ErrorCode::AuthRevoked,
            format!(
                "microsoft now requires multi-factor authentication for this user ({reason}); \
                 the user must connect again and complete it"
            ),
        ),
        Grant::Refresh if parsed.has(65_001) => (
            ErrorCode::AuthRevoked,
            format!(
                "the user or an administrator withdrew consent for this app ({reason}); the user \
                 must connect again"
            ),
        ),
        Grant::Refresh => (
            ErrorCode::AuthRevoked,
            format!(
                "microsoft refused the refresh token: it was revoked or expired ({reason}); the \
                 user must connect again"
            ),
        ),
    };
    let mut err = Error::new(code, message)
        .with_retryable(false)
        .with_provider(provider.clone());
    if let Some(details) = mapped.details() {
        err = err.with_details(details.clone());
    }
    err
}

#[cfg(test)]
mod tests {
    use meetschedify_core::ErrorKind;

    use super::*;

    const P: ProviderId = ProviderId::MICROSOFT_TEAMS;

    /// Reference §1.7: AADSTS50173, the grant revoked (body shape of microsoft/azuredatastudio#13953).
    const REVOKED: &str = r#"{"error":"invalid_grant","error_description":"AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2021-01-01 00:00:00Z","error_codes":[50173],"trace_id":"t"}"#;
    /// Reference §1.7: AADSTS50076 with `suberror` and `claims` (msal-js#5491).
    const MFA: &str = r#"{"error":"invalid_grant","error_description":"AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.","error_codes":[50076],"suberror":"basic_action","claims":"{}"}"#;

    #[test]
    fn a_revoked_refresh_token_asks_for_a_reconnect_with_the_aadsts_line_in_details() {
        let err = grant_refused(
            400,
            &HeaderMap::new(),
            REVOKED.as_bytes(),
            &P,
            Grant::Refresh,
        );
        assert_eq!(err.code(), ErrorCode::AuthRevoked);
        assert_eq!(err.kind(), ErrorKind::ReconnectRequired);
        assert!(!err.is_retryable());
        let http = err.http_details().expect("details");
        assert_eq!(http.vendor_code.as_deref(), Some("invalid_grant"));
        assert!(http.message.as_deref().unwrap().starts_with("AADSTS50173:"));
        assert!(err.message().contains("AADSTS50173"), "{err}");
    }

    #[test]
    fn multi_factor_authentication_is_named() {
        let err = grant_refused(400, &HeaderMap::new(), MFA.as_bytes(), &P, Grant::Refresh);
        assert_eq!(err.code(), ErrorCode::AuthRevoked);
        assert!(err.message().contains("multi-factor"), "{err}");
    }

    #[test]
    fn a_refused_code_is_not_connected_and_other_refusals_keep_their_mapping() {
        let err = grant_refused(400, &HeaderMap::new(), REVOKED.as_bytes(), &P, Grant::Code);
        assert_eq!(err.code(), ErrorCode::NotConnected);
        let wrong_secret = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}"#;
        let err = grant_refused(
            401,
            &HeaderMap::new(),
            wrong_secret.as_bytes(),
            &P,
            Grant::Refresh,
        );
        assert_eq!(err.code(), ErrorCode::BadCredentials);
        let busy = grant_refused(503, &HeaderMap::new(), b"", &P, Grant::Refresh);
        assert!(busy.is_retryable());
    }
}
