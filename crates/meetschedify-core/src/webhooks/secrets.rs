//! [`WebhookSecrets`]: the signing secrets a verifier accepts at once, for rotation.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// One or more signing secrets, newest first, any of which makes a signature valid.
///
/// Rotating a secret without losing notifications needs an overlap: add the new secret, deploy,
/// switch the vendor to it, wait until the vendor's retries of older notifications are over,
/// then remove the old one. `Debug` shows how many secrets there are, never a secret.
///
/// ```
/// use meetschedify_core::webhooks::WebhookSecrets;
///
/// let secrets = WebhookSecrets::parse("new-secret, old-secret").unwrap();
/// assert_eq!(secrets.len(), 2);
/// assert_eq!(format!("{secrets:?}"), "WebhookSecrets { count: 2 }");
/// assert!(WebhookSecrets::parse(" , ").is_err());
/// let blank = meetschedify_core::secrecy::SecretString::from(" ".to_owned());
/// assert!(WebhookSecrets::new([blank]).is_err());
/// ```
#[derive(Clone)]
pub struct WebhookSecrets {
    secrets: Vec<SecretString>,
}

impl WebhookSecrets {
    /// Secrets from a comma-separated list (the form of `ZOOM_WEBHOOK_SECRET_TOKEN` during a
    /// rotation). Entries are trimmed; empty ones are skipped; none at all is `INVALID_CONFIG`.
    pub fn parse(list: &str) -> Result<Self> {
        Self::new(
            list.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| SecretString::from(s.to_owned())),
        )
    }

    /// Secrets from a list. An empty list is `INVALID_CONFIG` (nothing could ever verify), and
    /// so is an empty or blank secret: anyone can compute an HMAC under an empty key.
    pub fn new(secrets: impl IntoIterator<Item = SecretString>) -> Result<Self> {
        let secrets: Vec<SecretString> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(Error::invalid_config(
                "webhook_secrets",
                "at least one webhook secret is required",
            ));
        }
        if secrets.iter().any(|s| s.expose_secret().trim().is_empty()) {
            return Err(Error::invalid_config(
                "webhook_secrets",
                "a webhook secret is empty",
            ));
        }
        Ok(Self { secrets })
    }

    /// The secrets, newest first.
    pub fn iter(&self) -> impl Iterator<Item = &SecretString> {
        self.secrets.iter()
    }

    /// How many secrets there are (never zero).
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Always false: a [`WebhookSecrets`] holds at least one secret.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

impl fmt::Debug for WebhookSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSecrets")
            .field("count", &self.secrets.len())
            .finish()
    }
}
