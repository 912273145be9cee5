//! `DELETE /subscriptions/{id}` (reference `webhooks.md` §3.6), compiled with or without the
//! `webhooks` feature: a per-user disconnect deletes the tenant's subscriptions whichever
//! process made them (a shared subscription store may hold ones another binary made).

use meetschedify_core::webhooks::{Subscription, SubscriptionStore};
use meetschedify_core::{with_retry, Result, TenantId};
use reqwest::Method;

use crate::api::Call;
use crate::events::EventCalendar;
use crate::path::segment;

impl EventCalendar {
    /// Deletes `subscription` at Graph with its tenant's token; one Graph no longer knows (404:
    /// expired, or removed) counts as deleted. The same DELETE twice deletes one subscription:
    /// safe to retry.
    pub(crate) async fn delete_subscription(&self, subscription: &Subscription) -> Result<()> {
        let path = format!("/subscriptions/{}", segment(&subscription.id));
        let call = Call::new(Method::DELETE, "DELETE /subscriptions/{id}", path);
        let call = &call;
        let deleted = with_retry(&self.retry, |attempt| async move {
            self.api
                .call(call, &subscription.tenant, attempt)
                .await
                .map_err(|f| f.error)
        })
        .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(e) if e.http_status() == Some(404) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Deletes every subscription `store` holds for `tenant` and forgets it, for a disconnect;
    /// how many there were. Graph's refusal never stops it: it is logged (without the
    /// `clientState`) and the record removed anyway, so the verifier refuses that
    /// subscription's notifications as unknown until Graph lets it expire (at most 4230
    /// minutes). Fails only when the store cannot list the subscriptions.
    pub(crate) async fn delete_tenant_subscriptions(
        &self,
        store: &dyn SubscriptionStore,
        tenant: &TenantId,
    ) -> Result<usize> {
        let held = store.for_tenant(&self.provider_id, tenant).await?;
        for subscription in &held {
            match self.delete_subscription(subscription).await {
                Ok(()) => {
                    tracing::info!(subscription = %subscription.id, tenant = %tenant, "graph subscription deleted");
                }
                Err(e) => tracing::warn!(
                    subscription = %subscription.id,
                    tenant = %tenant,
                    code = %e.code(),
                    "graph refused to delete the subscription; it is forgotten and expires by itself"
                ),
            }
            if let Err(e) = store.remove(&subscription.provider, &subscription.id).await {
                tracing::warn!(subscription = %subscription.id, code = %e.code(), "could not remove the subscription from the store");
            }
        }
        Ok(held.len())
    }
}
