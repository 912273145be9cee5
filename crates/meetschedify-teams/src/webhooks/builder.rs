//! [`GraphWebhookVerifierBuilder`]: store, provider id, replay store, tenant, lifecycle channel.

use std::fmt;
use std::sync::Arc;

use meetschedify_core::webhooks::{ReplayGuard, SubscriptionStore, DEFAULT_MAX_BODY_BYTES};
use meetschedify_core::{NonceStore, ProviderId};
use tokio::sync::mpsc;

use super::lifecycle::LifecycleNotice;
use super::verifier::GraphWebhookVerifier;

/// Builds a [`GraphWebhookVerifier`]. Infallible: every setting has a safe default.
pub struct GraphWebhookVerifierBuilder {
    store: Arc<dyn SubscriptionStore>,
    provider: ProviderId,
    replay_store: Option<Arc<dyn NonceStore>>,
    max_body_bytes: usize,
    entra_tenant: Option<String>,
    lifecycle: Option<mpsc::Sender<LifecycleNotice>>,
}

impl fmt::Debug for GraphWebhookVerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphWebhookVerifierBuilder")
            .field("store", &self.store)
            .field("provider", &self.provider)
            .field("replay_store", &self.replay_store)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("entra_tenant", &self.entra_tenant)
            .finish_non_exhaustive()
    }
}

impl GraphWebhookVerifierBuilder {
    /// Defaults: provider id `microsoft-teams`, an in-memory replay store, a 64 KiB body limit,
    /// no tenant check, no lifecycle channel.
    pub fn new(store: Arc<dyn SubscriptionStore>) -> Self {
        Self {
            store,
            provider: ProviderId::MICROSOFT_TEAMS,
            replay_store: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            entra_tenant: None,
            lifecycle: None,
        }
    }

    /// The provider id the subscriptions were made under (the provider's own id; `GraphSubscriptions::verifier` sets it).
    pub fn with_provider_id(mut self, provider: ProviderId) -> Self {
        self.provider = provider;
        self
    }

    /// A shared replay store (`TokenStore::nonce_store()` of a shared backend), so a
    /// redelivery to another instance is recognised too.
    pub fn with_replay_store(mut self, store: Arc<dyn NonceStore>) -> Self {
        self.replay_store = Some(store);
        self
    }

    /// The largest body accepted (default 64 KiB).
    pub fn with_max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The Entra tenant id every item's `tenantId` must be, when it has one (for an app-only
    /// application: `MICROSOFT_TENANT_ID`).
    pub fn with_entra_tenant(mut self, tenant_id: impl Into<String>) -> Self {
        self.entra_tenant = Some(tenant_id.into());
        self
    }

    /// Where verified lifecycle notices go, to be acted on after the answer.
    pub fn with_lifecycle_channel(mut self, tx: mpsc::Sender<LifecycleNotice>) -> Self {
        self.lifecycle = Some(tx);
        self
    }

    /// The verifier.
    pub fn build(self) -> GraphWebhookVerifier {
        let namespace = self.provider.to_string();
        let replay = match self.replay_store {
            Some(store) => ReplayGuard::new(store, namespace),
            None => ReplayGuard::in_memory(namespace),
        };
        GraphWebhookVerifier {
            provider: self.provider,
            store: self.store,
            replay,
            max_body_bytes: self.max_body_bytes,
            entra_tenant: self.entra_tenant,
            lifecycle: self.lifecycle,
        }
    }
}
