//! [`GraphSubscriptions`]: create, renew, reauthorize and delete Graph subscriptions to a
//! provider's calendar events (reference `webhooks.md` §3.1, §3.6), kept in a
//! [`SubscriptionStore`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::webhooks::{Subscription, SubscriptionStore};
use meetschedify_core::{with_retry, Error, ErrorCode, ProviderId, Result, TenantId};
use reqwest::Method;
use serde_json::{json, Value};

use super::builder::GraphWebhookVerifierBuilder;
use super::client_state::new_client_state;
use super::lifecycle::{LifecycleAction, LifecycleEvent, LifecycleNotice};
use crate::api::Call;
use crate::events::EventCalendar;
use crate::path::segment;

/// Graph's longest lifetime for a subscription to Outlook events: 4230 minutes (reference
/// `webhooks.md` §3.1); a request beyond it may fail.
pub const MAX_EVENT_SUBSCRIPTION_LIFETIME: Duration = Duration::from_secs(4230 * 60);

/// The lifetime asked for by default: the maximum less 10 minutes, so clock skew between this
/// host and Graph never pushes a request over the limit.
pub const DEFAULT_SUBSCRIPTION_LIFETIME: Duration = Duration::from_secs(4220 * 60);

/// The change types subscribed to.
const CHANGE_TYPES: &str = "created,updated,deleted";

/// What [`GraphSubscriptions::renew_expiring`] did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct RenewalReport {
    /// Renewed, with their new expiry.
    pub renewed: Vec<Subscription>,
    /// Gone at Graph (404: expired or removed) and forgotten: subscribe their tenants again,
    /// then read their meetings again.
    pub gone: Vec<Subscription>,
    /// Could not be renewed now (the error says why); still held, tried again next time.
    pub failed: Vec<(Subscription, Error)>,
}

/// Subscriptions to one Teams provider's calendar events: `me/events` of each tenant's
/// signed-in user ([`TeamsProvider`](crate::TeamsProvider)), or `users/{organizer}/events`
/// ([`TeamsAppProvider`](crate::TeamsAppProvider) in events mode; online meetings have no
/// calendar event to subscribe to and are not covered). Calls use the provider's own tokens.
#[derive(Clone)]
pub struct GraphSubscriptions {
    events: EventCalendar,
    store: Arc<dyn SubscriptionStore>,
    lifetime: Duration,
}

impl fmt::Debug for GraphSubscriptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphSubscriptions")
            .field("provider", &self.events.provider_id)
            .field("mailbox", self.events.api.mailbox())
            .field("store", &self.store)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

impl GraphSubscriptions {
    pub(crate) fn new(events: EventCalendar, store: Arc<dyn SubscriptionStore>) -> Self {
        Self {
            events,
            store,
            lifetime: DEFAULT_SUBSCRIPTION_LIFETIME,
        }
    }

    /// The lifetime to ask for (default [`DEFAULT_SUBSCRIPTION_LIFETIME`]); capped at
    /// [`MAX_EVENT_SUBSCRIPTION_LIFETIME`].
    pub fn with_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime.min(MAX_EVENT_SUBSCRIPTION_LIFETIME);
        self
    }

    /// The provider id subscriptions are stored under.
    pub fn provider_id(&self) -> &ProviderId {
        &self.events.provider_id
    }

    /// The store the subscriptions are kept in.
    pub fn store(&self) -> &Arc<dyn SubscriptionStore> {
        &self.store
    }

    /// A verifier builder for the notifications of these subscriptions: same store, same
    /// provider id.
    pub fn verifier(&self) -> GraphWebhookVerifierBuilder {
        GraphWebhookVerifierBuilder::new(Arc::clone(&self.store))
            .with_provider_id(self.events.provider_id.clone())
    }

    /// The resource as Graph wants it: the events path without the base and leading `/`.
    fn resource(&self) -> String {
        self.events
            .api
            .mailbox()
            .events()
            .trim_start_matches('/')
            .to_owned()
    }

    fn expiry(&self, now: Timestamp) -> Result<Timestamp> {
        let lifetime = SignedDuration::try_from(self.lifetime).unwrap_or(SignedDuration::ZERO);
        now.checked_add(lifetime)
            .map_err(|_| Error::invalid_config("lifetime", "subscription lifetime out of range"))
    }

    /// Subscribes `tenant` to changes (created, updated, deleted) of the provider's calendar
    /// events. Graph first checks `notification_url` (and `lifecycle_url`, which cannot be
    /// added later) with a `validationToken` request, so the endpoint must already answer it.
    /// The `clientState` is a fresh random secret, kept with the subscription in the store.
    ///
    /// Sent once, never retried: a create whose answer was lost may have made a subscription,
    /// and a retry would make a second one (Graph gives each create its own id).
    pub async fn subscribe(
        &self,
        tenant: &TenantId,
        notification_url: &str,
        lifecycle_url: Option<&str>,
    ) -> Result<Subscription> {
        let secret = new_client_state();
        let resource = self.resource();
        let mut body = json!({
            "changeType": CHANGE_TYPES,
            "notificationUrl": notification_url,
            "resource": resource,
            "expirationDateTime": self.expiry(Timestamp::now())?.to_string(),
            "clientState": secret.expose_secret(),
            "latestSupportedTlsVersion": "v1_2",
        });
        if let Some(url) = lifecycle_url {
            body["lifecycleNotificationUrl"] = json!(url);
        }
        let call = Call::new(Method::POST, "POST /subscriptions", "/subscriptions".into())
            .with_body(&body);
        let created = self
            .events
            .api
            .call(&call, tenant, 1)
            .await
            .map_err(|f| f.error)?
            .ok_or_else(|| self.unexpected("an empty subscription"))?;
        let id =
            text(&created, "id").ok_or_else(|| self.unexpected("a subscription without id"))?;
        let expires_at = expiry_of(&created).ok_or_else(|| {
            self.unexpected("a subscription without a readable expirationDateTime")
        })?;
        let subscription = Subscription::new(
            self.events.provider_id.clone(),
            tenant.clone(),
            id,
            resource,
            secret,
            expires_at,
        );
        self.store.put(&subscription).await?;
        tracing::info!(subscription = %subscription.id, %expires_at, "graph subscription created");
        Ok(subscription)
    }

    /// Renews every held subscription that expires before `before` to a full lifetime
    /// (`PATCH /subscriptions/{id}`; renewing also reauthorizes). Run it regularly, for
    /// example hourly with `before` = now + 24 hours (a quarter of the lifetime or more left,
    /// reference §3.6).
    pub async fn renew_expiring(&self, before: Timestamp) -> Result<RenewalReport> {
        let mut report = RenewalReport::default();
        for held in self
            .store
            .expiring_before(&self.events.provider_id, before)
            .await?
        {
            match self.renew(&held).await {
                Ok(renewed) => report.renewed.push(renewed),
                Err(e) if e.http_status() == Some(404) => {
                    self.store.remove(&held.provider, &held.id).await?;
                    tracing::warn!(subscription = %held.id, "graph subscription gone; forgotten");
                    report.gone.push(held);
                }
                Err(e) => {
                    tracing::warn!(subscription = %held.id, code = %e.code(), "renewal failed");
                    report.failed.push((held, e));
                }
            }
        }
        Ok(report)
    }

    /// Renews one subscription to a full lifetime and stores the new expiry.
    async fn renew(&self, held: &Subscription) -> Result<Subscription> {
        let body = json!({ "expirationDateTime": self.expiry(Timestamp::now())?.to_string() });
        let path = format!("/subscriptions/{}", segment(&held.id));
        let call = Call::new(Method::PATCH, "PATCH /subscriptions/{id}", path).with_body(&body);
        // The same PATCH twice sets the same expiry: safe to retry.
        let answer = self.retrying(&call, &held.tenant).await?;
        let mut renewed = held.clone();
        renewed.expires_at = answer
            .as_ref()
            .and_then(expiry_of)
            .ok_or_else(|| self.unexpected("a renewal without expirationDateTime"))?;
        self.store.put(&renewed).await?;
        tracing::info!(subscription = %renewed.id, expires_at = %renewed.expires_at, "graph subscription renewed");
        Ok(renewed)
    }

    /// Reauthorizes subscription `id` without extending it
    /// (`POST /subscriptions/{id}/reauthorize`, 204).
    pub async fn reauthorize(&self, id: &str) -> Result<()> {
        let held = self.held(id).await?;
        let path = format!("/subscriptions/{}/reauthorize", segment(id));
        let call = Call::new(Method::POST, "POST /subscriptions/{id}/reauthorize", path);
        self.retrying(&call, &held.tenant).await.map(drop)
    }

    /// Deletes every subscription `tenant` holds (`DELETE /subscriptions/{id}`; one Graph no
    /// longer knows counts as deleted) and forgets it; how many there were. A subscription
    /// Graph refuses to delete is kept (and tried again on the next call), and the first such
    /// error is returned. A per-user disconnect does this by itself (keeping nothing); call it
    /// to stop watching a tenant that stays connected, or for the app-only provider, which has
    /// no disconnect.
    pub async fn unsubscribe(&self, tenant: &TenantId) -> Result<usize> {
        let held = self
            .store
            .for_tenant(&self.events.provider_id, tenant)
            .await?;
        let mut first_error = None;
        let mut removed = 0;
        for subscription in held {
            if let Err(e) = self.events.delete_subscription(&subscription).await {
                first_error.get_or_insert(e);
                continue;
            }
            self.store
                .remove(&subscription.provider, &subscription.id)
                .await?;
            removed += 1;
            tracing::info!(subscription = %subscription.id, "graph subscription deleted");
        }
        first_error.map_or(Ok(removed), Err)
    }

    /// Acts on a verified lifecycle notice (reference §3.5): `reauthorizationRequired` renews
    /// the subscription; `subscriptionRemoved` forgets it and subscribes the tenant again at
    /// the given URLs; `missed` asks for a resync. Call it after answering Graph (the
    /// verifier's lifecycle channel), not while Graph waits.
    pub async fn handle_lifecycle(
        &self,
        notice: &LifecycleNotice,
        notification_url: &str,
        lifecycle_url: Option<&str>,
    ) -> Result<LifecycleAction> {
        match notice.event {
            LifecycleEvent::ReauthorizationRequired => {
                let held = self.held(&notice.subscription_id).await?;
                match self.renew(&held).await {
                    Ok(renewed) => Ok(LifecycleAction::Renewed(renewed)),
                    Err(e) if e.http_status() == Some(404) => {
                        self.recreate(notice, notification_url, lifecycle_url).await
                    }
                    Err(e) => Err(e),
                }
            }
            LifecycleEvent::SubscriptionRemoved => {
                self.recreate(notice, notification_url, lifecycle_url).await
            }
            LifecycleEvent::Missed => Ok(LifecycleAction::ResyncNeeded),
            LifecycleEvent::Other(_) => Ok(LifecycleAction::Ignored),
        }
    }

    async fn recreate(
        &self,
        notice: &LifecycleNotice,
        notification_url: &str,
        lifecycle_url: Option<&str>,
    ) -> Result<LifecycleAction> {
        self.store
            .remove(&self.events.provider_id, &notice.subscription_id)
            .await?;
        let fresh = self
            .subscribe(&notice.tenant, notification_url, lifecycle_url)
            .await?;
        Ok(LifecycleAction::Recreated(fresh))
    }

    async fn held(&self, id: &str) -> Result<Subscription> {
        self.store
            .get(&self.events.provider_id, id)
            .await?
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidRequest,
                    "no such graph subscription is held",
                )
                .with_field("subscription_id")
            })
    }

    async fn retrying(&self, call: &Call<'_>, tenant: &TenantId) -> Result<Option<Value>> {
        with_retry(&self.events.retry, |attempt| async move {
            self.events
                .api
                .call(call, tenant, attempt)
                .await
                .map_err(|f| f.error)
        })
        .await
    }

    fn unexpected(&self, what: &str) -> Error {
        crate::errors::unexpected(what, &self.events.provider_id)
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Graph writes seven fractional digits (`...00.0000000Z`), which RFC 3339 parsing accepts.
fn expiry_of(value: &Value) -> Option<Timestamp> {
    value
        .get("expirationDateTime")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}
