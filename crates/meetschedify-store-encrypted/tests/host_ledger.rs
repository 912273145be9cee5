//! An encrypted store hands out its inner store's host ledger: separate instances, each an
//! `EncryptedTokenStore` over its own pool on one SQLite file, pass the host-ledger suite,
//! which proves isolation across instances (a ledger of one process's memory would fail it).

use std::sync::Arc;

use meetschedify_core::hosts::HostLedger;
use meetschedify_core::TokenStore;
use meetschedify_store_encrypted::{EncryptedTokenStore, TokenKeys};
use meetschedify_store_sqlite::SqliteTokenStore;
use meetschedify_testkit as kit;

struct TempDb(std::path::PathBuf);

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

async fn instance(path: std::path::PathBuf) -> Arc<dyn HostLedger> {
    let inner = SqliteTokenStore::open(path).await.unwrap();
    let keys = TokenKeys::new().with_key("k1", &[9; 32]).unwrap();
    let store = EncryptedTokenStore::new(Arc::new(inner), keys).unwrap();
    store
        .host_ledger()
        .expect("an encrypted store passes its inner store's ledger on")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_instances_over_one_sqlite_file_share_the_host_ledger() {
    let db =
        TempDb(std::env::temp_dir().join(format!("{}.db", kit::unique_prefix("encrypted-hosts"))));
    let path = db.0.clone();
    kit::run_host_ledger_conformance(|| instance(path.clone()))
        .await
        .assert_all_passed();
}
