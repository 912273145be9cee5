//! The testkit suite against a real Redis, each instance with its own connection.

mod common;

use std::sync::Arc;

use meetschedify_core::{ErrorCode, SaveCondition, TokenKey, TokenRecord, TokenStore};
use meetschedify_testkit as kit;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_passes_the_suite() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let report = kit::run_all(|| {
        let (url, prefix) = (url.clone(), prefix.clone());
        async move { Arc::new(common::store(&url, &prefix).await) as Arc<dyn TokenStore> }
    })
    .await;
    common::cleanup(&url, &prefix).await;
    report.assert_ok();
    assert_eq!(report.passed.len(), kit::CHECKS.len(), "{report}");
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
    assert!(!format!("{a:?}").contains("secret-access"));

    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: i64 = redis::cmd("HSET")
        .arg(a.record_key(&key))
        .arg("d")
        .arg("{not json")
        .query_async(&mut conn)
        .await
        .unwrap();
    let err = a.get(&key).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenStoreError);
    assert!(err.message().contains("not valid"), "{err}");
    let _: i64 = redis::cmd("HDEL")
        .arg(a.record_key(&key))
        .arg("d")
        .query_async(&mut conn)
        .await
        .unwrap();
    let err = a.get(&key).await.unwrap_err();
    assert!(err.message().contains("incomplete"), "{err}");
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
