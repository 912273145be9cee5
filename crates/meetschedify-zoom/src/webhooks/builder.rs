//! [`ZoomWebhookVerifierBuilder`]: secret tokens, tolerance, replay store and body limit.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::secrecy::SecretString;
use meetschedify_core::webhooks::{ReplayGuard, WebhookSecrets, DEFAULT_MAX_BODY_BYTES};
use meetschedify_core::{EnvVars, Error, NonceStore, ProviderId, Result};

use super::verifier::ZoomWebhookVerifier;

/// The app's webhook Secret Token (Features → Access in the Zoom app); during a rotation
/// several, comma-separated, newest first.
pub const ENV_WEBHOOK_SECRET_TOKEN: &str = "ZOOM_WEBHOOK_SECRET_TOKEN";

/// How far the signed `x-zm-request-timestamp` may be from now, either way: 5 minutes.
///
/// Zoom documents no tolerance; this is the library's choice, long enough for clock skew and
/// Zoom's own delivery delay, short enough that a captured request stops working soon (and the
/// replay store then only needs to cover Zoom's retries).
pub const DEFAULT_TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Builds a [`ZoomWebhookVerifier`].
///
/// ```
/// use meetschedify_zoom::webhooks::ZoomWebhookVerifierBuilder;
///
/// let verifier = ZoomWebhookVerifierBuilder::from_lookup(|name| {
///     (name == "ZOOM_WEBHOOK_SECRET_TOKEN").then(|| "new-token,old-token".to_owned())
/// })
/// .build()
/// .unwrap();
/// assert!(!format!("{verifier:?}").contains("token,"));
/// ```
pub struct ZoomWebhookVerifierBuilder {
    secrets: Option<Vec<SecretString>>,
    /// Whether the secrets came from the environment, to name the variable in errors.
    secrets_from_env: bool,
    tolerance: Duration,
    replay_store: Option<Arc<dyn NonceStore>>,
    replay_retention: Option<Duration>,
    max_body_bytes: usize,
    provider_id: ProviderId,
}

impl Default for ZoomWebhookVerifierBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ZoomWebhookVerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomWebhookVerifierBuilder")
            .field("secrets", &self.secrets.as_ref().map(Vec::len))
            .field("tolerance", &self.tolerance)
            .field("replay_store", &self.replay_store)
            .field("replay_retention", &self.replay_retention)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("provider_id", &self.provider_id)
            .finish()
    }
}

impl ZoomWebhookVerifierBuilder {
    /// Defaults: no secret yet, 5-minute tolerance, an in-memory replay store, a 64 KiB body
    /// limit, provider id `zoom`.
    pub fn new() -> Self {
        Self {
            secrets: None,
            secrets_from_env: false,
            tolerance: DEFAULT_TIMESTAMP_TOLERANCE,
            replay_store: None,
            replay_retention: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            provider_id: ProviderId::ZOOM,
        }
    }

    /// Reads [`ENV_WEBHOOK_SECRET_TOKEN`] from the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`from_env`](Self::from_env), through `lookup`. A missing variable is reported by
    /// [`build`](Self::build), under its name.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let env = EnvVars::new(&lookup);
        let mut builder = Self::new();
        if let Some(list) = env.get(ENV_WEBHOOK_SECRET_TOKEN) {
            builder.secrets = Some(split(&list));
        }
        builder.secrets_from_env = true;
        builder
    }

    /// Replaces the accepted secret tokens (newest first).
    pub fn with_secret_tokens(mut self, secrets: WebhookSecrets) -> Self {
        self.secrets = Some(secrets.iter().cloned().collect());
        self.secrets_from_env = false;
        self
    }

    /// Adds one accepted secret token (after those already set).
    pub fn with_secret_token(mut self, secret: impl Into<String>) -> Self {
        self.secrets
            .get_or_insert_with(Vec::new)
            .push(SecretString::from(secret.into()));
        self.secrets_from_env = false;
        self
    }

    /// How far the signed timestamp may be from now, either way (default
    /// [`DEFAULT_TIMESTAMP_TOLERANCE`]).
    pub fn with_tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Where delivered notifications are remembered (default: this process's memory). Pass a
    /// shared store (`TokenStore::nonce_store()` of the SQL or Redis store) when several
    /// instances receive webhooks, so a replay to another instance is dropped too.
    pub fn with_replay_store(mut self, store: Arc<dyn NonceStore>) -> Self {
        self.replay_store = Some(store);
        self
    }

    /// How long a delivered notification is remembered (default
    /// [`DEFAULT_REPLAY_RETENTION`](meetschedify_core::webhooks::DEFAULT_REPLAY_RETENTION),
    /// which outlasts Zoom's 85 minutes of retries).
    pub fn with_replay_retention(mut self, retention: Duration) -> Self {
        self.replay_retention = Some(retention);
        self
    }

    /// The largest body accepted (default
    /// [`DEFAULT_MAX_BODY_BYTES`](meetschedify_core::webhooks::DEFAULT_MAX_BODY_BYTES)).
    pub fn with_max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// The provider id events are stamped with (default `zoom`; another for a second Zoom app).
    pub fn with_provider_id(mut self, id: ProviderId) -> Self {
        self.provider_id = id;
        self
    }

    /// Checks the settings: at least one non-empty secret token, a body limit above zero.
    pub fn build(self) -> Result<ZoomWebhookVerifier> {
        let field = if self.secrets_from_env {
            ENV_WEBHOOK_SECRET_TOKEN
        } else {
            "secret_tokens"
        };
        // An empty list or a blank token (an HMAC key anyone knows) is refused.
        let secrets = WebhookSecrets::new(self.secrets.unwrap_or_default()).map_err(|_| {
            Error::invalid_config(field, "a non-empty Zoom webhook secret token is required")
        })?;
        if self.max_body_bytes == 0 {
            return Err(Error::invalid_config(
                "max_body_bytes",
                "the body limit must be above zero",
            ));
        }
        let mut replay = match self.replay_store {
            Some(store) => ReplayGuard::new(store, self.provider_id.as_str()),
            None => ReplayGuard::in_memory(self.provider_id.as_str()),
        };
        if let Some(retention) = self.replay_retention {
            replay = replay.with_retention(retention);
        }
        Ok(ZoomWebhookVerifier::new(
            self.provider_id,
            secrets,
            self.tolerance,
            replay,
            self.max_body_bytes,
        ))
    }
}

/// The comma-separated list of the variable, trimmed, empty entries skipped.
fn split(list: &str) -> Vec<SecretString> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| SecretString::from(s.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use meetschedify_core::ErrorCode;

    use super::*;

    #[test]
    fn a_missing_or_empty_secret_is_invalid_config_naming_its_source() {
        let err = ZoomWebhookVerifierBuilder::from_lookup(|_| None)
            .build()
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert_eq!(err.field(), Some(ENV_WEBHOOK_SECRET_TOKEN));
        let err = ZoomWebhookVerifierBuilder::from_lookup(|_| Some(" , ".into()))
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some(ENV_WEBHOOK_SECRET_TOKEN));
        let err = ZoomWebhookVerifierBuilder::new().build().unwrap_err();
        assert_eq!(err.field(), Some("secret_tokens"));
        let err = ZoomWebhookVerifierBuilder::new()
            .with_secret_token("good")
            .with_secret_token("")
            .build()
            .unwrap_err();
        assert_eq!(
            err.field(),
            Some("secret_tokens"),
            "an empty key is a key anyone knows"
        );
        let err = ZoomWebhookVerifierBuilder::new()
            .with_secret_token("s")
            .with_max_body_bytes(0)
            .build()
            .unwrap_err();
        assert_eq!(err.field(), Some("max_body_bytes"));
    }

    #[test]
    fn the_list_keeps_its_order_and_skips_blanks() {
        let verifier = ZoomWebhookVerifierBuilder::from_lookup(|_| Some("a, ,b,".into()))
            .build()
            .unwrap();
        assert!(format!("{verifier:?}").contains("count: 2"));
    }
}
