//! [`GoogleWatch`]: the push channels an application keeps on its tenants' calendars.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::webhooks::{Subscription, SubscriptionStore};
use meetschedify_core::{Error, ErrorCode, MeetingProvider, ProviderId, Result, TenantId};
use tracing::Instrument as _;

use super::secret::{channel_id, channel_token};
use super::sync::full_sync;
use crate::calendar::channels::ChannelSpec;
use crate::provider::{CalendarProvider, CalendarTokens};

/// How long a channel is asked to live by default: a week, the longest Calendar is reported
/// to grant (reference `webhooks.md` §2.1; Google answers with the expiration it actually
/// gives, which is what is stored).
pub const DEFAULT_CHANNEL_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Opens, renews and stops Google Calendar push channels (`events.watch`) for the tenants and
/// calendars the application chooses, keeping their state in the provider's
/// [`SubscriptionStore`] (see `CalendarProviderBuilder::with_subscription_store`), which every
/// instance receiving notifications shares and the
/// [`GoogleWebhookVerifier`](super::GoogleWebhookVerifier) reads.
///
/// Every channel delivers to one HTTPS `address`, the application's notification endpoint,
/// given once here because renewal opens new channels to it. Google does not renew channels:
/// call [`renew_expiring`](Self::renew_expiring) regularly (every few hours, with a margin of a
/// day). Disconnecting a tenant through the provider stops its channels first (stopping one
/// needs the tenant's own token, which the disconnect then revokes);
/// [`stop`](Self::stop) stops them without disconnecting.
pub struct GoogleWatch<S> {
    provider: CalendarProvider<S>,
    address: String,
    lifetime: Duration,
}

impl<S: fmt::Debug> fmt::Debug for GoogleWatch<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleWatch")
            .field("provider", &self.provider)
            .field("address", &self.address)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

impl<S: CalendarTokens> GoogleWatch<S> {
    /// Channels of `provider`'s tenants, delivering to `address`, kept in the provider's
    /// subscription store.
    ///
    /// `address` must be `https://` (Google delivers nowhere else); plain `http://` is taken
    /// on loopback only, for the emulator. `INVALID_CONFIG` otherwise.
    pub fn new(provider: CalendarProvider<S>, address: impl Into<String>) -> Result<Self> {
        let address = address.into();
        check_address(&address)?;
        Ok(Self {
            provider,
            address,
            lifetime: DEFAULT_CHANNEL_LIFETIME,
        })
    }

    /// How long new channels are asked to live (default [`DEFAULT_CHANNEL_LIFETIME`]); Google
    /// may give less.
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The store the channels are kept in: the provider's.
    pub fn store(&self) -> &Arc<dyn SubscriptionStore> {
        self.provider.subscription_store()
    }

    fn provider_id(&self) -> &ProviderId {
        self.provider.id()
    }

    /// Opens a channel on `calendar_id`'s events for `tenant` and reads the calendar once to
    /// obtain the first sync token; returns the stored subscription.
    ///
    /// The channel is stored (without its resource id) **before** `events.watch` is called,
    /// because Google's first `sync` message can arrive before its answer does (reference
    /// §2.2); on failure it is removed again, and a channel opened at Google is stopped.
    pub async fn watch(&self, tenant: &TenantId, calendar_id: &str) -> Result<Subscription> {
        let span = tracing::info_span!("google_watch", provider = %self.provider_id(), tenant = %tenant, calendar_id);
        self.open(tenant, calendar_id).instrument(span).await
    }

    async fn open(&self, tenant: &TenantId, calendar_id: &str) -> Result<Subscription> {
        let id = channel_id();
        let token = channel_token();
        let lifetime = SignedDuration::try_from(self.lifetime).unwrap_or(SignedDuration::MAX);
        let asked = Timestamp::now()
            .saturating_add(lifetime)
            .unwrap_or(Timestamp::MAX);
        let pending = Subscription::new(
            self.provider_id().clone(),
            tenant.clone(),
            id.clone(),
            calendar_id,
            token.clone(),
            asked,
        );
        self.store().put(&pending).await?;
        let spec = ChannelSpec {
            id: &id,
            address: &self.address,
            token: token.expose_secret(),
            expiration_ms: asked.as_millisecond(),
        };
        let calendar = self.provider.calendar();
        let watched = match calendar
            .watch_channel(self.provider.tokens(), tenant, calendar_id, &spec)
            .await
        {
            Ok(watched) => watched,
            Err(e) => {
                self.forget(&id).await;
                return Err(e);
            }
        };
        let expires_at = Timestamp::from_millisecond(watched.expiration_ms).unwrap_or(asked);
        let mut subscription = pending.with_vendor_resource_id(&watched.resource_id);
        subscription.expires_at = expires_at;
        let opened = async {
            self.store().put(&subscription).await?;
            let cursor = full_sync(&self.provider, tenant, calendar_id).await?;
            self.store()
                .advance_cursor(self.provider_id(), &id, None, Some(&cursor))
                .await?;
            Ok::<_, Error>(cursor)
        }
        .await;
        match opened {
            Ok(cursor) => {
                tracing::info!(channel_id = %id, expires_at = %expires_at, "channel open");
                Ok(subscription.with_cursor(Some(cursor)))
            }
            Err(e) => {
                tracing::warn!(channel_id = %id, code = %e.code(), "first sync failed; stopping the channel");
                self.close(&subscription).await;
                Err(e)
            }
        }
    }

    /// Replaces every channel that expires before `before` with a new one on the same
    /// calendar (new id, new token), then stops the old one: Google renews nothing, and the
    /// brief overlap means no change goes unnotified (reference §2.5). Returns the new
    /// subscriptions. Every channel is tried; the first failure is returned after the others
    /// were, and a channel that could not be replaced is left as it was.
    pub async fn renew_expiring(&self, before: Timestamp) -> Result<Vec<Subscription>> {
        let expiring = self
            .store()
            .expiring_before(self.provider_id(), before)
            .await?;
        let mut renewed = Vec::with_capacity(expiring.len());
        let mut first_error = None;
        for old in expiring {
            match self.watch(&old.tenant, &old.resource).await {
                Ok(new) => {
                    tracing::info!(old = %old.id, new = %new.id, tenant = %old.tenant, "channel renewed");
                    self.close(&old).await;
                    renewed.push(new);
                }
                Err(e) => {
                    tracing::warn!(channel_id = %old.id, tenant = %old.tenant, code = %e.code(), "renewal failed; the old channel stays");
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(renewed),
        }
    }

    /// Stops every channel of `tenant` at Google and forgets it; how many there were.
    ///
    /// A disconnect through the provider does this by itself; call it to stop watching a
    /// tenant that stays connected. A channel Google refuses to stop is forgotten anyway: it
    /// expires by itself, and its notifications are then refused as coming from an unknown
    /// channel.
    pub async fn stop(&self, tenant: &TenantId) -> Result<usize> {
        self.provider.close_tenant_channels(tenant).await
    }

    /// Stops `subscription` at Google (best effort) and removes it from the store.
    async fn close(&self, subscription: &Subscription) {
        self.provider.close_channel(subscription).await;
    }

    async fn forget(&self, id: &str) {
        self.provider.forget_channel(id).await;
    }
}

/// Google delivers to HTTPS addresses only (reference §2.1); plain HTTP is let through on
/// loopback, where the emulator and tests listen.
fn check_address(address: &str) -> Result<()> {
    let url = url::Url::parse(address).map_err(|e| {
        Error::new(
            ErrorCode::InvalidConfig,
            format!("invalid notification address: {e}"),
        )
    })?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    if url.scheme() == "https" || (url.scheme() == "http" && loopback) {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::InvalidConfig,
        "the notification address must be https (google delivers nowhere else)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_must_be_https_except_on_loopback() {
        for ok in [
            "https://example.com/hooks/google",
            "http://127.0.0.1:8080/x",
            "http://localhost/x",
            "http://[::1]:1/x",
        ] {
            assert!(check_address(ok).is_ok(), "{ok}");
        }
        for bad in ["http://example.com/x", "ftp://example.com", "not a url"] {
            assert_eq!(
                check_address(bad).unwrap_err().code(),
                ErrorCode::InvalidConfig,
                "{bad}"
            );
        }
    }
}
