//! The subscription-store suite against a real PostgreSQL, each instance with its own pool.

mod common;

use std::sync::Arc;

use meetschedify_core::webhooks::SubscriptionStore;
use meetschedify_core::TokenStore;
use meetschedify_testkit as kit;

/// A separate instance under the run's prefix: the subscription store its token store hands
/// out, as a provider built over the token store gets it.
async fn instance(url: String, prefix: String) -> Arc<dyn SubscriptionStore> {
    let store = common::store(&url, &prefix).await;
    TokenStore::subscription_store(&store).expect("postgres is a subscription store")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_subscription_suite() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let report = kit::run_subscription_conformance(|| instance(url.clone(), prefix.clone())).await;
    let cleanup = common::store(&url, &prefix).await;
    common::drop_tables(&cleanup, &prefix).await;
    report.assert_all_passed();
}
