//! The bindings' `GetToken`, fed by core's [`TokenManager`].

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use google_calendar3::common::GetToken;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{AccessToken, TokenKey, TokenManager};

/// Whose tokens a call uses: a token manager and the key of one tenant (or of the static
/// account) in it.
#[derive(Debug, Clone)]
pub struct TokenAccess {
    manager: TokenManager,
    key: TokenKey,
}

impl TokenAccess {
    /// Tokens for `key` from `manager`.
    pub fn new(manager: TokenManager, key: TokenKey) -> Self {
        Self { manager, key }
    }

    /// The manager.
    pub fn manager(&self) -> &TokenManager {
        &self.manager
    }

    /// The key.
    pub fn key(&self) -> &TokenKey {
        &self.key
    }
}

/// A `GetToken` for one call: asks the manager (single-flight refresh, persisted before use)
/// and remembers which token it handed out, so a 401 can refresh exactly that one.
///
/// The scopes the bindings ask for are ignored: a Google access token carries the scopes the
/// user granted at consent, and no new ones can be obtained without the user.
#[derive(Clone)]
pub(crate) struct TokenSource {
    access: TokenAccess,
    handed_out: Arc<Mutex<Option<AccessToken>>>,
}

impl TokenSource {
    pub(crate) fn new(access: TokenAccess) -> Self {
        Self {
            access,
            handed_out: Arc::new(Mutex::new(None)),
        }
    }

    /// The token given to the last request, if any.
    pub(crate) fn handed_out(&self) -> Option<AccessToken> {
        self.handed_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The bindings' (private) `GetTokenOutput` type, spelled out.
type TokenFuture<'a> = Pin<
    Box<
        dyn Future<Output = Result<Option<String>, Box<dyn std::error::Error + Send + Sync>>>
            + Send
            + 'a,
    >,
>;

impl GetToken for TokenSource {
    fn get_token<'a>(&'a self, _scopes: &'a [&str]) -> TokenFuture<'a> {
        Box::pin(async move {
            let token = self
                .access
                .manager
                .access_token(&self.access.key)
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            let bearer = token.secret().expose_secret().to_owned();
            *self
                .handed_out
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(token);
            Ok(Some(bearer))
        })
    }
}
