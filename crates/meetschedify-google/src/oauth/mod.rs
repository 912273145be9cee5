//! Google's OAuth 2.0 endpoints: consent URL, code exchange, refresh, revocation.

mod client;
mod refresher;
mod transport;

pub use client::{GoogleClientCredentials, GoogleOAuthClient, Pkce, RevokeOutcome};
pub use refresher::GoogleTokenRefresher;
