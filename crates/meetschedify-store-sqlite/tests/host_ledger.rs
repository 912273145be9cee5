//! The host-ledger suite and contention check against SQLite: separate pools over one file
//! stand for separate instances.

use std::sync::Arc;

use meetschedify_core::hosts::HostLedger;
use meetschedify_core::TokenStore;
use meetschedify_store_sqlite::SqliteTokenStore;
use meetschedify_testkit as kit;

struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new() -> Self {
        Self(std::env::temp_dir().join(format!("{}.db", kit::unique_prefix("sqlite-hosts"))))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// A separate instance over the file: the ledger its token store hands out, as a provider
/// built over the store would get it.
async fn instance(path: std::path::PathBuf) -> Arc<dyn HostLedger> {
    let store = SqliteTokenStore::open(path).await.unwrap();
    TokenStore::host_ledger(&store).expect("sqlite is a host ledger")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_passes_the_host_ledger_suite() {
    let store = SqliteTokenStore::in_memory().await.unwrap();
    // In memory, "another instance" can only be a clone sharing the one connection.
    let ledger: Arc<dyn HostLedger> = Arc::new(store);
    kit::run_host_ledger_conformance(|| std::future::ready(Arc::clone(&ledger)))
        .await
        .assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_shared_by_separate_pools_passes_the_host_ledger_suite() {
    let db = TempDb::new();
    let path = db.0.clone();
    kit::run_host_ledger_conformance(|| instance(path.clone()))
        .await
        .assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_pools_never_over_book_under_contention() {
    let db = TempDb::new();
    let path = db.0.clone();
    let checked =
        kit::run_host_ledger_contention(|| instance(path.clone()), kit::Contention::default())
            .await;
    assert_eq!(checked, Ok(kit::Outcome::Passed));
}
