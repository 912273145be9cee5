//! The subscription-store suite passes on the memory store, and fails on stores broken in the
//! ways it guards against (so it does not pass vacuously).

use std::sync::Arc;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::webhooks::{MemorySubscriptionStore, Subscription, SubscriptionStore};
use meetschedify_core::{async_trait, ProviderId, Result, TenantId};
use meetschedify_testkit as kit;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_store_passes_the_subscription_suite() {
    let shared: Arc<dyn SubscriptionStore> = Arc::new(MemorySubscriptionStore::new());
    kit::run_subscription_conformance(|| std::future::ready(Arc::clone(&shared)))
        .await
        .assert_all_passed();
}

/// A store with the faults a hand-written backend tends to have: the cursor is read, other
/// tasks run, then it is written (no compare-and-set), and a put adds the tenant index entry
/// without removing the old one.
#[derive(Debug, Default)]
struct Broken {
    inner: MemorySubscriptionStore,
    stale_tenants: std::sync::Mutex<Vec<(ProviderId, TenantId, String)>>,
}

#[async_trait]
impl SubscriptionStore for Broken {
    async fn put(&self, subscription: &Subscription) -> Result<()> {
        self.stale_tenants.lock().unwrap().push((
            subscription.provider.clone(),
            subscription.tenant.clone(),
            subscription.id.clone(),
        ));
        self.inner.put(subscription).await
    }

    async fn get(&self, provider: &ProviderId, id: &str) -> Result<Option<Subscription>> {
        self.inner.get(provider, id).await
    }

    async fn for_tenant(
        &self,
        provider: &ProviderId,
        tenant: &TenantId,
    ) -> Result<Vec<Subscription>> {
        // What a stale index gives: every id ever put for the tenant, read back as it is now.
        let ids: Vec<String> = self
            .stale_tenants
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, t, _)| p == provider && t == tenant)
            .map(|(_, _, id)| id.clone())
            .collect();
        let mut out = Vec::new();
        for id in ids {
            out.extend(self.inner.get(provider, &id).await?);
        }
        Ok(out)
    }

    async fn expiring_before(
        &self,
        provider: &ProviderId,
        at: Timestamp,
    ) -> Result<Vec<Subscription>> {
        self.inner.expiring_before(provider, at).await
    }

    async fn advance_cursor(
        &self,
        provider: &ProviderId,
        id: &str,
        expected: Option<&str>,
        next: Option<&str>,
    ) -> Result<bool> {
        let Some(now) = self.inner.get(provider, id).await? else {
            return Ok(false);
        };
        if now.cursor.as_deref() != expected {
            return Ok(false);
        }
        // Another instance reads the same cursor meanwhile.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        self.inner
            .put(&now.with_cursor(next.map(str::to_owned)))
            .await?;
        Ok(true)
    }

    async fn remove(&self, provider: &ProviderId, id: &str) -> Result<bool> {
        self.inner.remove(provider, id).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_catches_a_racy_cursor_and_a_stale_tenant_index() {
    let shared: Arc<dyn SubscriptionStore> = Arc::new(Broken::default());
    let report =
        kit::run_subscription_conformance(|| std::future::ready(Arc::clone(&shared))).await;
    let mut failed: Vec<&str> = report.failed.iter().map(|f| f.check).collect();
    failed.sort_unstable();
    assert_eq!(
        failed,
        [
            "cursor_race_has_one_winner",
            "instances_share_subscriptions",
            "put_replaces_the_whole_subscription",
        ],
        "{report}"
    );
}
