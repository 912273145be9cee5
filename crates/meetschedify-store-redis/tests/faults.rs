//! A Redis that goes away mid-run gives typed errors and the store recovers when it returns:
//! once through a loopback proxy the test switches off, once by `CLIENT KILL` on the server.

mod common;

use std::time::Duration;

use meetschedify_core::{ErrorCode, SaveCondition, TokenKey, TokenRecord, TokenStore};
use meetschedify_store_redis::RedisTokenStore;
use meetschedify_testkit::proxy::TcpProxy;
use meetschedify_testkit::{self as kit, CutExpectations};

async fn eventually_ok(store: &RedisTokenStore, key: &TokenKey) -> TokenRecord {
    // The connection manager reconnects in the background; give it a few tries.
    for _ in 0..50 {
        if let Ok(Some(r)) = store.get(key).await {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the store did not recover");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vanished_server_gives_typed_errors_and_recovers() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let (proxy, proxied_url) = TcpProxy::in_front_of(&url, 6379).await.unwrap();
    let store = RedisTokenStore::builder()
        .with_url(proxied_url)
        .with_key_prefix(&prefix)
        .with_response_timeout(Duration::from_millis(500))
        .with_connection_timeout(Duration::from_millis(500))
        .build()
        .await
        .unwrap();
    // The connection manager reconnects in the background, so the first calls after the
    // restore may still fail; a few seconds is plenty on loopback.
    let expect = CutExpectations::new()
        .with_get_error_prefix("redis get failed")
        .with_recovery(Duration::from_secs(10));
    assert_eq!(
        kit::cut_and_restore(&store, &proxy, &expect).await,
        Ok(kit::Outcome::Passed)
    );
    common::cleanup(&url, &prefix).await;
    drop(store);

    // Run here rather than as its own test: `CLIENT KILL TYPE normal` would cut a test running
    // beside it in this binary.
    a_killed_connection_is_an_error_then_recovers(&url).await;
}

async fn a_killed_connection_is_an_error_then_recovers(url: &str) {
    let prefix = common::prefix();
    let store = common::store(url, &prefix).await;
    let key = TokenKey::new("tenant", "zoom");
    store
        .save(&key, &TokenRecord::new("x"), SaveCondition::Absent)
        .await
        .unwrap();
    // Kill every normal client but this admin connection: test binaries run one after another,
    // and this is the only test in its binary that talks to Redis at this point.
    let client = redis::Client::open(url).unwrap();
    let mut admin = client.get_multiplexed_async_connection().await.unwrap();
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("normal")
        .arg("SKIPME")
        .arg("yes")
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!(killed >= 1);
    // The first call may see the dead connection; it must fail typed, not panic or hang.
    if let Err(e) = store.get(&key).await {
        assert_eq!(e.code(), ErrorCode::TokenStoreError);
    }
    assert_eq!(eventually_ok(&store, &key).await.version, 1);
    common::cleanup(url, &prefix).await;
}
