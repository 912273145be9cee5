//! [`GoogleOAuthClient`]: Google's OAuth 2.0 web-server flow through the `oauth2` crate.
//!
//! Wire facts (<https://developers.google.com/identity/protocols/oauth2/web-server>): the
//! client secret goes in the form body (Google's own libraries do so; HTTP Basic works too), a
//! refresh grant never returns a new refresh token, and a dead refresh token is answered
//! `400 {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::{
    Error, ErrorCode, GoogleErrorDetails, Operation, ProviderErrorDetails, ProviderId, Result,
    TokenRecord,
};
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError,
    Scope, StandardErrorResponse, TokenResponse, TokenUrl,
};

use tracing::Instrument;

use super::transport::{read_limited, Exchange, TransportError, MAX_TOKEN_RESPONSE_BYTES};
use crate::endpoints::GoogleEndpoints;

type Configured =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;
type TokenError = RequestTokenError<TransportError, StandardErrorResponse<BasicErrorResponseType>>;

/// An OAuth client's identity at Google: the id, the secret and the registered redirect URI.
#[derive(Clone)]
#[non_exhaustive]
pub struct GoogleClientCredentials {
    /// `GOOGLE_CLIENT_ID`, e.g. `123-abc.apps.googleusercontent.com`.
    pub client_id: String,
    /// `GOOGLE_CLIENT_SECRET`.
    pub client_secret: SecretString,
    /// `GOOGLE_REDIRECT_URI`: must match one registered for the client exactly (scheme, case
    /// and trailing slash). Only the per-user flow needs it.
    pub redirect_uri: Option<String>,
}

impl GoogleClientCredentials {
    /// Credentials from an id and a secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            redirect_uri: None,
        }
    }

    /// Sets the redirect URI.
    pub fn with_redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(uri.into());
        self
    }

    /// Checks the values; errors name the environment variable users know.
    pub fn validate(&self) -> Result<()> {
        if self.client_id.trim().is_empty() {
            return Err(Error::invalid_config(
                "GOOGLE_CLIENT_ID",
                "the google client id is missing",
            ));
        }
        if self.client_secret.expose_secret().trim().is_empty() {
            return Err(Error::invalid_config(
                "GOOGLE_CLIENT_SECRET",
                "the google client secret is missing",
            ));
        }
        if let Some(uri) = &self.redirect_uri {
            let ok = url::Url::parse(uri)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none());
            if !ok {
                return Err(Error::invalid_config(
                    "GOOGLE_REDIRECT_URI",
                    format!("`{uri}` is not an absolute http(s) url without a fragment"),
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for GoogleClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// A PKCE pair (RFC 7636, S256) for one authorization: the challenge goes into the consent
/// URL ([`GoogleOAuthClient::authorization_url`]), the verifier is kept (sealed in the OAuth
/// state, say) and sent with the code ([`GoogleOAuthClient::exchange_code`]).
pub struct Pkce {
    challenge: PkceCodeChallenge,
    verifier: SecretString,
}

impl Pkce {
    /// A fresh random pair.
    pub fn new() -> Self {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        Self {
            challenge,
            verifier: SecretString::from(verifier.into_secret()),
        }
    }

    /// The verifier: a secret until the code is exchanged.
    pub fn verifier(&self) -> &SecretString {
        &self.verifier
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Pkce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkce")
            .field("challenge", &self.challenge.as_str())
            .field("verifier", &"[redacted]")
            .finish()
    }
}

/// What revoking a token at Google found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevokeOutcome {
    /// Google revoked it (and, with it, the other tokens of the grant).
    Revoked,
    /// Google said the token was already invalid (`400 invalid_token`): expired, revoked by
    /// the user, or never valid.
    AlreadyInvalid,
}

/// Google's OAuth endpoints for one client: consent URL, code exchange, refresh, revocation.
///
/// Cheap to clone. Token requests time out after 30 seconds and never follow redirects (a
/// token endpoint that redirects is misconfigured, and following it could leak the secret).
#[derive(Clone)]
pub struct GoogleOAuthClient {
    inner: Arc<Inner>,
}

struct Inner {
    oauth: Configured,
    http: reqwest::Client,
    credentials: GoogleClientCredentials,
    endpoints: GoogleEndpoints,
    provider: ProviderId,
}

impl fmt::Debug for GoogleOAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleOAuthClient")
            .field("credentials", &self.inner.credentials)
            .field("endpoints", &self.inner.endpoints)
            .finish()
    }
}

const TOKEN_TIMEOUT: Duration = Duration::from_secs(30);

impl GoogleOAuthClient {
    /// A client for `credentials` at `endpoints`; `provider` labels its errors.
    pub fn new(
        provider: ProviderId,
        credentials: GoogleClientCredentials,
        endpoints: GoogleEndpoints,
    ) -> Result<Self> {
        credentials.validate()?;
        let url_err = |field: &'static str| {
            move |e: url::ParseError| Error::invalid_config(field, format!("invalid url: {e}"))
        };
        let mut oauth = BasicClient::new(ClientId::new(credentials.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                credentials.client_secret.expose_secret().to_owned(),
            ))
            // Google's libraries send the secret in the body; Basic works too.
            .set_auth_type(AuthType::RequestBody)
            .set_auth_uri(
                AuthUrl::new(endpoints.authorization_url()).map_err(url_err("auth_base"))?,
            )
            .set_token_uri(TokenUrl::new(endpoints.token_url()).map_err(url_err("oauth_base"))?);
        if let Some(uri) = &credentials.redirect_uri {
            oauth = oauth.set_redirect_uri(
                RedirectUrl::new(uri.clone()).map_err(url_err("GOOGLE_REDIRECT_URI"))?,
            );
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TOKEN_TIMEOUT)
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorCode::InvalidConfig,
                    format!("http client setup failed: {e}"),
                )
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                oauth,
                http,
                credentials,
                endpoints,
                provider,
            }),
        })
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.credentials.client_id
    }

    /// The consent URL: `response_type=code`, the scopes, `state`, PKCE S256, and Google's
    /// `access_type=offline` (a refresh token), `prompt=consent` (a refresh token even when the
    /// user consented before) and `include_granted_scopes=true`.
    pub fn authorization_url(
        &self,
        state: String,
        scopes: &[String],
        pkce: &Pkce,
        login_hint: Option<&str>,
    ) -> String {
        let mut request = self
            .inner
            .oauth
            .authorize_url(|| CsrfToken::new(state))
            .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent")
            .add_extra_param("include_granted_scopes", "true")
            .set_pkce_challenge(pkce.challenge.clone());
        if let Some(hint) = login_hint {
            request = request.add_extra_param("login_hint", hint.to_owned());
        }
        request.url().0.to_string()
    }

    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    ///
    /// A refused code (`invalid_grant`: reused, expired, or a verifier that does not match) is
    /// `GOOGLE_NOT_CONNECTED`: the user has to go through the connect flow again.
    pub async fn exchange_code(&self, code: &str, verifier: &SecretString) -> Result<TokenRecord> {
        let exchange = Exchange::new(&self.inner.http);
        let span = self.span(Operation::OAuthCallback);
        let answer = self
            .inner
            .oauth
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.expose_secret().to_owned()))
            .request_async(&exchange)
            .instrument(span.clone())
            .await;
        record(&span, exchange.status());
        match answer {
            Ok(tokens) => Ok(to_record(&tokens)),
            Err(e) => Err(self
                .token_error(e, exchange.status(), Operation::OAuthCallback)
                .with_operation(Operation::OAuthCallback)),
        }
    }

    /// A new access token from a refresh token. Google's answer carries no refresh token; the
    /// record's `refresh_token` is then `None`, which core's token manager reads as "keep the
    /// stored one".
    ///
    /// `invalid_grant` is `GOOGLE_AUTH_REVOKED` (not retryable); a 5xx, 429 or network failure
    /// is a retryable `GOOGLE_TOKEN_REFRESH_FAILED`; any other refusal is a non-retryable one.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenRecord> {
        let exchange = Exchange::new(&self.inner.http);
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let span = self.span(Operation::AccessToken);
        let answer = self
            .inner
            .oauth
            .exchange_refresh_token(&token)
            .request_async(&exchange)
            .instrument(span.clone())
            .await;
        record(&span, exchange.status());
        match answer {
            Ok(tokens) => Ok(to_record(&tokens)),
            Err(e) => Err(self.token_error(e, exchange.status(), Operation::AccessToken)),
        }
    }

    /// Revokes a token at `{oauth_base}/revoke` (revoking a refresh token ends the whole grant).
    ///
    /// This call goes around the `oauth2` crate: it refuses revocation URLs that are not
    /// https (RFC 7009 §2), which rules out the emulator on loopback http. The request is
    /// Google's documented one, `POST` with `token` in a form body.
    pub async fn revoke(&self, token: &SecretString) -> Result<RevokeOutcome> {
        let sent = self
            .inner
            .http
            .post(self.inner.endpoints.revoke_url())
            .form(&[("token", token.expose_secret())])
            .send()
            .await;
        let response = sent.map_err(|e| {
            Error::new(
                ErrorCode::NetworkError,
                format!(
                    "could not reach google to revoke the token: {}",
                    meetschedify_core::cause_chain(&e.without_url())
                ),
            )
            .with_retryable(true)
            .with_provider(self.inner.provider.clone())
            .with_operation(Operation::Disconnect)
        })?;
        let status = response.status().as_u16();
        if status == 200 {
            return Ok(RevokeOutcome::Revoked);
        }
        // Read within the token-answer limit; an oversized or unreadable body counts as empty.
        let body: serde_json::Value = read_limited(response, MAX_TOKEN_RESPONSE_BYTES)
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let reason = body["error"].as_str().map(str::to_owned);
        if status == 400 && reason.as_deref() == Some("invalid_token") {
            return Ok(RevokeOutcome::AlreadyInvalid);
        }
        let message = body["error_description"].as_str().map(str::to_owned);
        Err(Error::new(
            ErrorCode::GoogleTokenRefreshFailed,
            format!(
                "google refused to revoke the token ({status} {})",
                reason.as_deref().unwrap_or("no reason")
            ),
        )
        .with_retryable(status >= 500 || status == 429)
        .with_details(ProviderErrorDetails::Google(GoogleErrorDetails::new(
            status, reason, message,
        )))
        .with_provider(self.inner.provider.clone())
        .with_operation(Operation::Disconnect))
    }

    /// A span for one token-endpoint request (the status is recorded when the answer comes).
    fn span(&self, operation: Operation) -> tracing::Span {
        tracing::info_span!(
            "google_oauth",
            operation = operation.as_str(),
            http_status = tracing::field::Empty,
        )
    }

    /// One place that turns token-endpoint failures into our codes.
    fn token_error(&self, err: TokenError, status: Option<u16>, operation: Operation) -> Error {
        let provider = self.inner.provider.clone();
        let err = match err {
            RequestTokenError::ServerResponse(answer) => {
                let reason = answer.error().as_ref().to_owned();
                let description = answer.error_description().cloned();
                let status = status.unwrap_or(400);
                let text = match &description {
                    Some(d) => format!("{reason}: {d}"),
                    None => reason.clone(),
                };
                let invalid_grant = *answer.error() == BasicErrorResponseType::InvalidGrant;
                let (code, message) = match (invalid_grant, operation) {
                    (true, Operation::OAuthCallback) => (
                        ErrorCode::GoogleNotConnected,
                        format!(
                            "google refused the authorization code ({text}); start the connect \
                             flow again"
                        ),
                    ),
                    (true, _) => (
                        ErrorCode::GoogleAuthRevoked,
                        format!("google refused the refresh token ({text})"),
                    ),
                    (false, _) => (
                        ErrorCode::GoogleTokenRefreshFailed,
                        format!("google's token endpoint refused the request ({text})"),
                    ),
                };
                Error::new(code, message)
                    .with_retryable(false)
                    .with_details(ProviderErrorDetails::Google(GoogleErrorDetails::new(
                        status,
                        Some(reason),
                        description,
                    )))
            }
            RequestTokenError::Request(TransportError::Unavailable {
                status,
                retry_after,
            }) => Error::new(
                ErrorCode::GoogleTokenRefreshFailed,
                format!("google's token endpoint is unavailable ({status})"),
            )
            .with_retryable(true)
            .with_retry_after(retry_after)
            .with_details(ProviderErrorDetails::Google(GoogleErrorDetails::new(
                status, None, None,
            ))),
            RequestTokenError::Request(e @ TransportError::TooLarge) => Error::new(
                ErrorCode::ProviderError,
                format!("google's token endpoint answered too much: {e}"),
            )
            .with_retryable(false),
            RequestTokenError::Request(e) => Error::new(
                ErrorCode::GoogleTokenRefreshFailed,
                format!("could not reach google's token endpoint: {e}"),
            )
            .with_retryable(!matches!(e, TransportError::Build(_)))
            .with_source(e),
            RequestTokenError::Parse(e, _) => Error::new(
                ErrorCode::GoogleTokenRefreshFailed,
                format!("google's token endpoint answered something unreadable: {e}"),
            )
            .with_retryable(false),
            RequestTokenError::Other(e) => Error::new(
                ErrorCode::GoogleTokenRefreshFailed,
                format!("google's token endpoint failed: {e}"),
            )
            .with_retryable(false),
        };
        err.with_provider(provider).with_operation(operation)
    }
}

/// Records the answer's status on the span and logs the exchange (never its body).
fn record(span: &tracing::Span, status: Option<u16>) {
    if let Some(status) = status {
        span.record("http_status", status);
    }
    span.in_scope(|| tracing::debug!(http_status = status, "google token endpoint answered"));
}

/// A token answer as a record: expiry made absolute now (Google says `expires_in` seconds).
fn to_record(tokens: &BasicTokenResponse) -> TokenRecord {
    let mut record = TokenRecord::new(tokens.access_token().secret().clone());
    if let Some(refresh) = tokens.refresh_token() {
        record = record.with_refresh_token(refresh.secret().clone());
    }
    if let Some(expires_in) = tokens.expires_in() {
        if let Ok(at) = Timestamp::now().checked_add(expires_in) {
            record = record.with_expires_at(at);
        }
    }
    if let Some(scopes) = tokens.scopes() {
        record = record.with_scopes(scopes.iter().map(|s| s.to_string()).collect());
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_debug_shows_the_challenge_but_never_the_verifier() {
        let pkce = Pkce::new();
        let text = format!("{pkce:?}");
        assert!(
            !text.contains(pkce.verifier().expose_secret()),
            "the verifier leaked: {text}"
        );
        assert!(text.contains(pkce.challenge.as_str()), "{text}");
        assert_ne!(
            Pkce::new().verifier().expose_secret(),
            pkce.verifier().expose_secret()
        );
    }
}
