//! [`GoogleMeetBuilder`]: configuration of the per-user provider.

use std::fmt;
use std::sync::Arc;

use meetschedify_core::{
    Error, MemoryNonceStore, OAuthStateKey, OAuthStateSealer, ProviderId, Result, TokenStore,
};

use super::{GoogleMeetProvider, Inner};
use crate::settings::GoogleProviderSettings;

/// `GOOGLE_CLIENT_ID`.
pub const ENV_CLIENT_ID: &str = "GOOGLE_CLIENT_ID";
/// `GOOGLE_CLIENT_SECRET`.
pub const ENV_CLIENT_SECRET: &str = "GOOGLE_CLIENT_SECRET";
/// `GOOGLE_REDIRECT_URI`.
pub const ENV_REDIRECT_URI: &str = "GOOGLE_REDIRECT_URI";
/// `MEETSCHEDIFY_OAUTH_STATE_KEY`: 32 bytes in base64 (`openssl rand -base64 32`), shared by
/// every instance of the application.
pub const ENV_STATE_KEY: &str = "MEETSCHEDIFY_OAUTH_STATE_KEY";

/// The least privilege that still creates events with Meet links: `calendar.events` (accepted
/// by `events.insert/get/patch/delete`; <https://developers.google.com/calendar/api/auth>).
pub const SCOPE_CALENDAR_EVENTS: &str = "https://www.googleapis.com/auth/calendar.events";
/// Full calendar access, which also works.
pub const SCOPE_CALENDAR: &str = "https://www.googleapis.com/auth/calendar";

/// Configures a [`GoogleMeetProvider`]. `build()` checks everything and names what is missing.
///
/// Required: client id, client secret, redirect URI, a state key (or sealer) and a token store.
pub struct GoogleMeetBuilder {
    settings: GoogleProviderSettings,
    scopes: Vec<String>,
    sealer: Option<OAuthStateSealer>,
    store: Option<Arc<dyn TokenStore>>,
    revoke_replaced_grant: bool,
}

impl Default for GoogleMeetBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for GoogleMeetBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleMeetBuilder")
            .field("settings", &self.settings)
            .field("scopes", &self.scopes)
            .field("sealer", &self.sealer)
            .field("store", &self.store)
            .field("revoke_replaced_grant", &self.revoke_replaced_grant)
            .finish_non_exhaustive()
    }
}

impl GoogleMeetBuilder {
    /// An empty configuration with the defaults: provider id `google-meet`, scope
    /// `calendar.events`, calendar `primary`, `sendUpdates=all`, Google's real endpoints.
    pub fn new() -> Self {
        Self {
            settings: GoogleProviderSettings::new(ProviderId::GOOGLE_MEET),
            scopes: vec![SCOPE_CALENDAR_EVENTS.to_owned()],
            sealer: None,
            store: None,
            revoke_replaced_grant: false,
        }
    }

    /// Reads `GOOGLE_CLIENT_ID`, `GOOGLE_CLIENT_SECRET`, `GOOGLE_REDIRECT_URI`,
    /// `MEETSCHEDIFY_OAUTH_STATE_KEY` and the `MEETSCHEDIFY_GOOGLE_*_BASE` overrides. Unset
    /// values stay unset (`build()` names them); a malformed state key or base URL fails here.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any variable source.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut b = Self::new();
        b.settings.read_env(&lookup)?;
        if let Some(key) = GoogleProviderSettings::env_value(&lookup, ENV_STATE_KEY) {
            let key = OAuthStateKey::from_base64(&key)
                .map_err(|e| Error::invalid_config(ENV_STATE_KEY, e.message().to_owned()))?;
            b.sealer = Some(OAuthStateSealer::new(key));
        }
        Ok(b)
    }

    // The client, Calendar, endpoint and token-manager setters, shared with the static builder.
    crate::__google_builder_setters!(settings);

    /// Replaces the scopes asked for (default `calendar.events`). They must include
    /// `calendar.events` or `calendar`.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Overrides the consent base (`MEETSCHEDIFY_GOOGLE_AUTH_BASE`); checked by `build()`.
    /// Only this provider has it: the static one never sends anyone to a consent page.
    pub fn with_auth_base(mut self, base: impl Into<String>) -> Self {
        self.settings.auth_base = Some(base.into());
        self
    }

    /// Seals OAuth states with `key` (10-minute states, relative return URLs only). Each state
    /// is single-use: through the token store's nonce store when it has one (the SQL and Redis
    /// stores, shared by every instance), else in this process's memory. Use
    /// [`with_state_sealer`](Self::with_state_sealer) for more control.
    pub fn with_state_key(mut self, key: OAuthStateKey) -> Self {
        self.sealer = Some(OAuthStateSealer::new(key));
        self
    }

    /// Seals OAuth states with a configured sealer (TTL, return-URL allowlist, nonce store).
    pub fn with_state_sealer(mut self, sealer: OAuthStateSealer) -> Self {
        self.sealer = Some(sealer);
        self
    }

    /// Whether a reconnect (a callback for a tenant that already has tokens) revokes the grant
    /// it replaced, best effort. Off by default: Google's revocation removes the app's access
    /// for the *user* ("the permissions previously granted to the application are removed"),
    /// so when a tenant reconnects with the same Google account, revoking the old grant would
    /// end the new one too. Turn it on when reconnects switch accounts (a clinic handing its
    /// calendar to another administrator) and the old account must lose access at once; the
    /// replaced record is then revoked unless its refresh token equals the new one.
    pub fn with_revoke_replaced_grant(mut self, revoke: bool) -> Self {
        self.revoke_replaced_grant = revoke;
        self
    }

    /// Where each tenant's tokens live.
    pub fn with_token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Checks the configuration and builds the provider.
    pub fn build(self) -> Result<GoogleMeetProvider> {
        self.settings.check()?;
        if self.settings.redirect_uri.is_none() {
            return Err(Error::invalid_config(
                ENV_REDIRECT_URI,
                "the redirect uri is missing (the per-user flow needs it)",
            ));
        }
        let sealer = self.sealer.ok_or_else(|| {
            Error::invalid_config(
                ENV_STATE_KEY,
                "an oauth state key is missing: set MEETSCHEDIFY_OAUTH_STATE_KEY to the output of \
                 `openssl rand -base64 32`, the same on every instance",
            )
        })?;
        let store = self.store.ok_or_else(|| {
            Error::invalid_config(
                "token_store",
                "a token store is missing (per-user tokens must be kept somewhere)",
            )
        })?;
        if self.scopes.is_empty() || self.scopes.iter().any(|s| s.trim().is_empty()) {
            return Err(Error::invalid_config("scopes", "scopes must not be empty"));
        }
        if !self
            .scopes
            .iter()
            .any(|s| s == SCOPE_CALENDAR_EVENTS || s == SCOPE_CALENDAR)
        {
            return Err(Error::invalid_config(
                "scopes",
                format!("scopes must include {SCOPE_CALENDAR_EVENTS} or {SCOPE_CALENDAR}"),
            ));
        }
        // A state is single-use on every instance that shares the token store (a SQL database,
        // Redis), and at least in this process otherwise; a sealer given a nonce store keeps it.
        let sealer = if sealer.nonce_store().is_some() {
            sealer
        } else {
            let nonces = store
                .nonce_store()
                .unwrap_or_else(|| Arc::new(MemoryNonceStore::new()));
            sealer.with_nonce_store(nonces)
        };
        let parts = self.settings.connect(
            store,
            "the user must connect their google account again (apps in \"Testing\" publishing \
             status get refresh tokens that expire after 7 days)",
        )?;
        Ok(GoogleMeetProvider {
            inner: Arc::new(Inner {
                id: parts.provider_id,
                calendar: parts.calendar,
                oauth: parts.oauth,
                tokens: parts.tokens,
                sealer,
                scopes: self.scopes,
                revoke_replaced_grant: self.revoke_replaced_grant,
            }),
        })
    }
}
