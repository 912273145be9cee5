//! The testkit suite against a real Redis, each instance with its own connection.

mod common;

use std::sync::Arc;

use meetschedify_core::{ErrorCode, SaveCondition, TokenKey, TokenRecord, TokenStore};
use meetschedify_testkit as kit;

/// A separate instance under the run's prefix. It takes owned arguments because the future a
/// `run_all` closure returns cannot borrow from the closure.
async fn instance(url: String, prefix: String) -> Arc<dyn TokenStore> {
    Arc::new(common::store(&url, &prefix).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_passes_the_suite() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let report = kit::run_all(|| instance(url.clone(), prefix.clone())).await;
    common::cleanup(&url, &prefix).await;
    report.assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_passes_the_idempotency_suite() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let report = kit::run_idempotency(|| {
        let (url, prefix) = (url.clone(), prefix.clone());
        async move {
            Arc::new(common::store(&url, &prefix).await)
                as Arc<dyn meetschedify_core::IdempotencyStore>
        }
    })
    .await;
    common::cleanup(&url, &prefix).await;
    report.assert_all_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_share_a_single_use_nonce_store() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let mut stores = Vec::new();
    for _ in 0..3 {
        let store = common::store(&url, &prefix).await;
        stores.push(TokenStore::nonce_store(&store).expect("redis is a nonce store"));
    }
    let result = kit::nonces_are_single_use(&stores).await;
    common::cleanup(&url, &prefix).await;
    result.unwrap();
}

#[tokio::test]
async fn idempotency_records_expire_by_themselves() {
    use meetschedify_core::IdempotencyStore as _;
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let store = common::store(&url, &prefix).await;
    let key = meetschedify_core::IdempotencyKey::new("t", "zoom", "a:b%c");
    let short = std::time::Duration::from_millis(200);
    store.claim(&key, "fp", "h", short, short).await.unwrap();
    let name = store.idempotency_key(&key);
    assert!(name.ends_with("idempotency:zoom:t:a%3Ab%25c"), "{name}");
    let mut conn = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&name)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(ttl > 0 && ttl <= 200, "{ttl}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let exists: i64 = redis::cmd("EXISTS")
        .arg(&name)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(exists, 0);
    common::cleanup(&url, &prefix).await;
}

#[tokio::test]
async fn prefixes_keep_stores_apart_and_bad_rows_are_typed_errors() {
    let Some(url) = common::url() else { return };
    let (pa, pb) = (common::prefix(), common::prefix());
    let (a, b) = (
        common::store(&url, &pa).await,
        common::store(&url, &pb).await,
    );
    let key = TokenKey::new("tenant", "zoom");
    a.save(
        &key,
        &TokenRecord::new("secret-access"),
        SaveCondition::Always,
    )
    .await
    .unwrap();
    assert!(b.get(&key).await.unwrap().is_none());
    assert!(a.record_key(&key).starts_with(&pa));
    // That `Debug` shows no token is the suite's `debug_shows_no_token`, run above.

    let client = redis::Client::open(url.as_str()).unwrap();
    let conn = client.get_multiplexed_async_connection().await.unwrap();
    // Data that is not a record, then a hash with its version field gone (a hash with only
    // its data field gone is a tombstone: a deleted record keeping its version).
    let damages: [(&str, &str, &[&str]); 2] = [
        ("not valid", "HSET", &["d", "{not json"]),
        ("incomplete", "HDEL", &["v"]),
    ];
    for (cause, command, args) in damages {
        let checked = kit::corrupt_record_is_an_error(&a, cause, async |key| {
            let _: i64 = redis::cmd(command)
                .arg(a.record_key(key))
                .arg(args)
                .query_async(&mut conn.clone())
                .await
                .unwrap();
        })
        .await;
        assert_eq!(checked, Ok(kit::Outcome::Passed), "{command}");
    }
    common::cleanup(&url, &pa).await;

    let err = meetschedify_store_redis::RedisTokenStore::builder()
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    let builder = meetschedify_store_redis::RedisTokenStore::builder()
        .with_url("redis://:hunter2@127.0.0.1/");
    assert!(!format!("{builder:?}").contains("hunter2"));
}
