//! Replays sent to another instance are dropped when the instances share the nonce store of a
//! PostgreSQL or Redis token store (skipped, with a note, without the service URL).

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use meetschedify_core::webhooks::RejectionReason;
use meetschedify_core::{NonceStore, TokenStore};
use meetschedify_zoom::webhooks::ZoomWebhookVerifier;

use crate::common::{assert_rejected, signed, started, SECRET};

/// Two instances over `store`: the first accepts, the second refuses the replay, and a Zoom
/// retry re-signed 25 minutes later is refused too.
async fn replay_across(store: Arc<dyn NonceStore>) {
    let instance = || {
        ZoomWebhookVerifier::builder()
            .with_secret_token(SECRET)
            .with_replay_store(Arc::clone(&store))
            .build()
            .unwrap()
    };
    let (first, second) = (instance(), instance());
    let now = Timestamp::now();
    // A unique instance uuid per run: the tables outlive the test.
    let uuid = format!("shared-{}", now.as_nanosecond());
    let body = started("1", &uuid, now.as_millisecond());
    first
        .handle_at(&signed(SECRET, now, &body), now)
        .await
        .unwrap();
    assert_rejected(
        &second,
        &signed(SECRET, now, &body),
        now,
        RejectionReason::Replayed,
    )
    .await;
    let later = now + SignedDuration::from_mins(25);
    assert_rejected(
        &second,
        &signed(SECRET, later, &body),
        later,
        RejectionReason::Replayed,
    )
    .await;
}

#[tokio::test]
async fn a_replay_to_another_instance_sharing_postgres_is_dropped() {
    let Some(url) = meetschedify_testkit::env::service_url("MEETSCHEDIFY_TEST_POSTGRES_URL") else {
        return;
    };
    let prefix = meetschedify_testkit::unique_table_prefix("zoomhooks");
    let store = meetschedify_store_postgres::PostgresTokenStore::builder()
        .with_url(&url)
        .with_table_prefix(&prefix)
        .build()
        .await
        .unwrap();
    replay_across(store.nonce_store().expect("a shared nonce store")).await;
    let pool = store.pool();
    meetschedify_testkit::drop_sql_tables(&prefix, |sql| async move {
        sqlx::query(&sql).execute(pool).await
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_replay_to_another_instance_sharing_redis_is_dropped() {
    let Some(url) = meetschedify_testkit::env::service_url("MEETSCHEDIFY_TEST_REDIS_URL") else {
        return;
    };
    let prefix = format!("{}:", meetschedify_testkit::unique_prefix("zoomhooks"));
    let store = meetschedify_store_redis::RedisTokenStore::builder()
        .with_url(&url)
        .with_key_prefix(&prefix)
        .build()
        .await
        .unwrap();
    replay_across(store.nonce_store().expect("a shared nonce store")).await;
}
