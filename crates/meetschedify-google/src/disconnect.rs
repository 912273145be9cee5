//! A provider's connect flow, with a disconnect that stops the tenant's push channels first.
//!
//! Stopping a channel needs the identity that opened it (reference `webhooks.md` §2.5), that
//! is the tenant's own token, which the token source's disconnect revokes. So the provider
//! stops every channel its subscription store holds for the tenant *before* handing the
//! disconnect to the source, and the application cannot forget to.

use meetschedify_core::webhooks::Subscription;
use meetschedify_core::{
    async_trait, AuthorizationRequest, AuthorizationUrl, ConnectedAccount, DisconnectOutcome,
    Error, ErrorCode, MeetingProvider, OAuthCallback, OAuthConnect, Result, TenantId,
};

use crate::provider::{CalendarProvider, CalendarTokens};

impl<S: CalendarTokens> CalendarProvider<S> {
    /// Stops `subscription`'s channel at Google and removes it from the store.
    ///
    /// Best effort at Google: a channel Google no longer knows (404) is already stopped, and
    /// any other refusal (the grant already revoked, Google unreachable) is logged and the
    /// record removed anyway. The channel then runs on at Google until it expires, but the
    /// verifier refuses its notifications as coming from an unknown channel.
    pub(crate) async fn close_channel(&self, subscription: &Subscription) {
        if let Some(resource_id) = &subscription.vendor_resource_id {
            let stopped = self
                .calendar()
                .stop_channel(
                    self.tokens(),
                    &subscription.tenant,
                    &subscription.id,
                    resource_id,
                )
                .await;
            if let Err(e) = stopped {
                tracing::warn!(
                    channel_id = %subscription.id,
                    tenant = %subscription.tenant,
                    code = %e.code(),
                    "google refused to stop the channel; it is forgotten and expires by itself"
                );
            }
        }
        self.forget_channel(&subscription.id).await;
    }

    /// Removes channel `id` from the store; a store failure is logged (the channel then stays
    /// known to the verifier until it expires).
    pub(crate) async fn forget_channel(&self, id: &str) {
        if let Err(e) = self.subscription_store().remove(self.id(), id).await {
            tracing::warn!(channel_id = %id, code = %e.code(), "could not remove the channel from the store");
        }
    }

    /// Stops and forgets every channel the store holds for `tenant`; how many there were. Fails
    /// only when the store cannot list them.
    pub(crate) async fn close_tenant_channels(&self, tenant: &TenantId) -> Result<usize> {
        let held = self
            .subscription_store()
            .for_tenant(self.id(), tenant)
            .await?;
        for subscription in &held {
            self.close_channel(subscription).await;
        }
        if !held.is_empty() {
            tracing::info!(tenant = %tenant, channels = held.len(), "channels stopped");
        }
        Ok(held.len())
    }

    fn connect_flow(&self) -> Result<&dyn OAuthConnect> {
        self.tokens().oauth().ok_or_else(|| {
            Error::new(
                ErrorCode::OperationNotSupported,
                "this google provider has no connect flow",
            )
            .with_provider(self.id().clone())
        })
    }
}

#[async_trait]
impl<S: CalendarTokens> OAuthConnect for CalendarProvider<S> {
    async fn authorization_url(&self, request: &AuthorizationRequest) -> Result<AuthorizationUrl> {
        self.connect_flow()?.authorization_url(request).await
    }

    async fn handle_callback(&self, callback: &OAuthCallback) -> Result<ConnectedAccount> {
        self.connect_flow()?.handle_callback(callback).await
    }

    /// Stops the tenant's push channels (with its own token, while it still works), then
    /// revokes its grant and deletes its tokens. A channel Google refuses to stop does not
    /// block the disconnect; a subscription store that cannot be read does (nothing is revoked,
    /// so a retry can still stop the channels).
    async fn disconnect(&self, tenant: &TenantId) -> Result<DisconnectOutcome> {
        let flow = self.connect_flow()?;
        self.close_tenant_channels(tenant).await?;
        flow.disconnect(tenant).await
    }
}
