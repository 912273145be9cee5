//! The host-ledger suite and contention check against a real PostgreSQL, each instance with
//! its own pool.

mod common;

use std::sync::Arc;

use meetschedify_core::hosts::HostLedger;
use meetschedify_core::TokenStore;
use meetschedify_testkit as kit;

/// A separate instance under the run's prefix: the ledger its token store hands out, as a
/// provider built over the store would get it.
async fn instance(url: String, prefix: String) -> Arc<dyn HostLedger> {
    let store = common::store(&url, &prefix).await;
    TokenStore::host_ledger(&store).expect("postgres is a host ledger")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_host_ledger_suite() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let report = kit::run_host_ledger_conformance(|| instance(url.clone(), prefix.clone())).await;
    let cleanup = common::store(&url, &prefix).await;
    common::drop_tables(&cleanup, &prefix).await;
    report.assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_never_over_book_under_contention() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let checked = kit::run_host_ledger_contention(
        || instance(url.clone(), prefix.clone()),
        kit::Contention::default(),
    )
    .await;
    let cleanup = common::store(&url, &prefix).await;
    common::drop_tables(&cleanup, &prefix).await;
    assert_eq!(checked, Ok(kit::Outcome::Passed));
}
