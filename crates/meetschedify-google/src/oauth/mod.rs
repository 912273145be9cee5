//! Google's OAuth 2.0 endpoints: consent URL, code exchange, refresh, revocation.

mod client;
mod refresher;
mod transport;

pub use client::{GoogleClientCredentials, GoogleOAuthClient, RevokeOutcome};
pub use refresher::GoogleTokenRefresher;

/// PKCE values for [`GoogleOAuthClient::authorization_url`] and
/// [`GoogleOAuthClient::exchange_code`], re-exported so callers need no direct `oauth2`
/// dependency.
pub use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
