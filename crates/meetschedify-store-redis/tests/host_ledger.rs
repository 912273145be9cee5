//! The host-ledger suite and contention check against a real Redis, each instance with its own
//! connection; and the lock's fencing: a holder that outlived its lock writes nothing.

mod common;

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::hosts::{
    Booking, HostLedger, LedgerChanges, LedgerQuery, LedgerView, UtcDay,
};
use meetschedify_core::jiff::Timestamp;
use meetschedify_core::TokenStore;
use meetschedify_testkit as kit;

/// A separate instance under the run's prefix: the ledger its token store hands out, as a
/// provider built over the store would get it.
async fn instance(url: String, prefix: String) -> Arc<dyn HostLedger> {
    let store = common::store(&url, &prefix).await;
    TokenStore::host_ledger(&store).expect("redis is a host ledger")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_passes_the_host_ledger_suite() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let report = kit::run_host_ledger_conformance(|| instance(url.clone(), prefix.clone())).await;
    common::cleanup(&url, &prefix).await;
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
    common::cleanup(&url, &prefix).await;
    assert_eq!(checked, Ok(kit::Outcome::Passed));
}

fn booking(id: &str) -> Booking {
    let start: Timestamp = "2031-01-07T10:00:00Z".parse().unwrap();
    Booking {
        id: id.into(),
        host: "h1".into(),
        start,
        end: start + meetschedify_core::jiff::SignedDuration::from_mins(30),
        meeting_id: None,
        pending_until: None,
        booked_at: start,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_that_outlived_its_lock_writes_nothing_and_decides_again() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let store = common::store(&url, &prefix)
        .await
        .with_host_lock_ttl(Duration::from_millis(100));
    let query = LedgerQuery {
        pool: "fenced".into(),
        hosts: vec!["h1".into()],
        window: None,
        day: UtcDay::from_number(22_000),
        meeting_ids: Vec::new(),
        booking_ids: vec!["slow".into(), "fast".into()],
    };
    let mut calls = 0;
    let (other, q) = (store.clone(), query.clone());
    let mut decide = |_: &LedgerView| {
        calls += 1;
        if calls == 1 {
            // Outlives the lock; meanwhile another instance takes the pool and writes.
            std::thread::sleep(Duration::from_millis(300));
        }
        LedgerChanges {
            put: vec![booking(&format!("slow-{calls}"))],
            charge: vec![("h1".into(), 1)],
            ..Default::default()
        }
    };
    let racer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        other
            .transact(&q, &mut |_: &LedgerView| LedgerChanges {
                put: vec![booking("fast")],
                charge: vec![("h1".into(), 10)],
                ..Default::default()
            })
            .await
    });
    store.transact(&query, &mut decide).await.unwrap();
    racer.await.unwrap().unwrap();
    let mut view = LedgerView::default();
    let read_query = LedgerQuery {
        booking_ids: vec!["slow-1".into(), "slow-2".into(), "fast".into()],
        ..query
    };
    store
        .transact(&read_query, &mut |v: &LedgerView| {
            view = v.clone();
            LedgerChanges::default()
        })
        .await
        .unwrap();
    common::cleanup(&url, &prefix).await;
    let mut ids: Vec<&str> = view.bookings.iter().map(|b| b.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(calls, 2, "decide ran again after the lock lapsed");
    assert_eq!(ids, ["fast", "slow-2"]);
    assert_eq!(view.used_by("h1"), 11);
}
