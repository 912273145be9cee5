//! The host-ledger suite and contention check pass on the memory ledger, and fail on ledgers
//! broken in the ways they guard against (so neither passes vacuously).

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::hosts::{
    HostLedger, LedgerChanges, LedgerQuery, LedgerView, MemoryHostLedger,
};
use meetschedify_core::{async_trait, Result};
use meetschedify_testkit as kit;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_ledger_passes_the_suite() {
    let shared: Arc<dyn HostLedger> = Arc::new(MemoryHostLedger::new());
    kit::run_host_ledger_conformance(|| std::future::ready(Arc::clone(&shared)))
        .await
        .assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_ledger_never_over_books_under_contention() {
    let shared: Arc<dyn HostLedger> = Arc::new(MemoryHostLedger::new());
    let checked = kit::run_host_ledger_contention(
        || std::future::ready(Arc::clone(&shared)),
        kit::Contention::default(),
    )
    .await;
    assert_eq!(checked, Ok(kit::Outcome::Passed));
}

/// A ledger that reads, lets other tasks run, then writes: what a backend without the pool lock
/// (or with a lock that does not cover the read) does.
#[derive(Debug, Default)]
struct Unlocked {
    inner: MemoryHostLedger,
}

#[async_trait]
impl HostLedger for Unlocked {
    async fn transact(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()> {
        let mut view = LedgerView::default();
        self.inner
            .transact(query, &mut |v: &LedgerView| {
                view = v.clone();
                LedgerChanges::default()
            })
            .await?;
        // Another transaction reads the same state meanwhile.
        tokio::time::sleep(Duration::from_millis(1)).await;
        let changes = decide(&view);
        self.inner
            .transact(query, &mut |_: &LedgerView| changes.clone())
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contention_catches_a_ledger_without_isolation() {
    let shared: Arc<dyn HostLedger> = Arc::new(Unlocked::default());
    let failure = kit::run_host_ledger_contention(
        || std::future::ready(Arc::clone(&shared)),
        kit::Contention::default(),
    )
    .await
    .unwrap_err();
    assert!(
        failure.message.contains("at once") || failure.message.contains("fit"),
        "{failure}"
    );
    let report = kit::run_host_ledger_conformance(|| std::future::ready(Arc::clone(&shared))).await;
    let failed: Vec<&str> = report.failed.iter().map(|f| f.check).collect();
    assert_eq!(failed, ["transactions_are_isolated"], "{report}");
}

/// A ledger with one fault: every pool in one namespace, a transaction applied in two steps,
/// every call of `decide` applied, or a window one minute wider each side.
#[derive(Debug)]
struct Broken {
    inner: MemoryHostLedger,
    fault: Fault,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    OnePool,
    PutsThenCharges,
    EveryDecideApplied,
    WideWindow,
}

impl Broken {
    async fn apply(&self, query: &LedgerQuery, changes: LedgerChanges) -> Result<()> {
        self.inner
            .transact(query, &mut |_: &LedgerView| changes.clone())
            .await
    }
}

#[async_trait]
impl HostLedger for Broken {
    async fn transact(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()> {
        let minute = meetschedify_core::jiff::SignedDuration::from_mins(1);
        let mut query = query.clone();
        match self.fault {
            Fault::OnePool => query.pool = "one".into(),
            Fault::WideWindow => {
                query.window = query.window.map(|(from, to)| (from - minute, to + minute));
            }
            _ => {}
        }
        let mut view = LedgerView::default();
        self.inner
            .transact(&query, &mut |v: &LedgerView| {
                view = v.clone();
                LedgerChanges::default()
            })
            .await?;
        let changes = decide(&view);
        match self.fault {
            Fault::EveryDecideApplied => {
                self.apply(&query, changes).await?;
                let again = decide(&view);
                self.apply(&query, again).await
            }
            Fault::PutsThenCharges => {
                let puts = LedgerChanges {
                    put: changes.put.clone(),
                    remove: changes.remove.clone(),
                    ..Default::default()
                };
                self.apply(&query, puts).await?;
                tokio::time::sleep(Duration::from_millis(2)).await;
                let counts = LedgerChanges {
                    charge: changes.charge,
                    raise_used: changes.raise_used,
                    ..Default::default()
                };
                self.apply(&query, counts).await
            }
            _ => self.apply(&query, changes).await,
        }
    }
}

async fn failed_checks(fault: Fault) -> Vec<&'static str> {
    let shared: Arc<dyn HostLedger> = Arc::new(Broken {
        inner: MemoryHostLedger::new(),
        fault,
    });
    let report = kit::run_host_ledger_conformance(|| std::future::ready(Arc::clone(&shared))).await;
    report.failed.iter().map(|f| f.check).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_catches_the_fault_it_guards_against() {
    assert!(failed_checks(Fault::OnePool)
        .await
        .contains(&"pools_are_separate"));
    assert!(failed_checks(Fault::PutsThenCharges)
        .await
        .contains(&"changes_are_all_or_nothing"));
    assert!(failed_checks(Fault::EveryDecideApplied)
        .await
        .contains(&"the_last_decide_wins"));
    assert!(failed_checks(Fault::WideWindow)
        .await
        .contains(&"window_reads_overlaps_only"));
}
