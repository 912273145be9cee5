//! Shared set-up: the server URL from the environment and a per-run key prefix.

use meetschedify_store_redis::RedisTokenStore;

pub(crate) fn url() -> Option<String> {
    meetschedify_testkit::env::service_url("MEETSCHEDIFY_TEST_REDIS_URL")
}

/// A key prefix no other run uses, so parallel tests and reruns never collide.
pub(crate) fn prefix() -> String {
    format!("{}:", meetschedify_testkit::unique_prefix("redis"))
}

pub(crate) async fn store(url: &str, prefix: &str) -> RedisTokenStore {
    RedisTokenStore::builder()
        .with_url(url)
        .with_key_prefix(prefix)
        .build()
        .await
        .unwrap()
}

/// Deletes every key under the run's prefix.
pub(crate) async fn cleanup(url: &str, prefix: &str) {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
}
