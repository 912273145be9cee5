//! The encrypting decorator's subscription store: the suite passes over memory and SQLite, the
//! raw rows and Redis hashes hold no subscription secret, and a wrong key, a secret moved to
//! another subscription or tenant, or a secret written in clear is a typed error.

use std::sync::Arc;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::webhooks::{MemorySubscriptionStore, Subscription, SubscriptionStore};
use meetschedify_core::{ErrorCode, MemoryTokenStore, ProviderId, TenantId, TokenStore};
use meetschedify_store_encrypted::{EncryptedSubscriptionStore, EncryptedTokenStore, TokenKeys};
use meetschedify_store_redis::RedisTokenStore;
use meetschedify_store_sqlite::SqliteTokenStore;
use meetschedify_testkit as kit;

const SECRET: &str = "super-secret-channel-token";

fn keys(byte: u8) -> TokenKeys {
    TokenKeys::new().with_key("k1", &[byte; 32]).unwrap()
}

fn subscription(id: &str, tenant: &str) -> Subscription {
    Subscription::new(
        ProviderId::GOOGLE_MEET,
        TenantId::new(tenant),
        id,
        "primary",
        SecretString::from(SECRET.to_owned()),
        Timestamp::from_second(2_000_000_000).unwrap(),
    )
    .with_cursor(Some("sync-1".into()))
}

/// The subscription store an encrypted SQLite token store hands out, and the SQLite under it.
async fn encrypted_sqlite(byte: u8) -> (Arc<dyn SubscriptionStore>, Arc<SqliteTokenStore>) {
    let sqlite = Arc::new(SqliteTokenStore::in_memory().await.unwrap());
    let encrypted = EncryptedTokenStore::new(sqlite.clone(), keys(byte)).unwrap();
    let subs = encrypted
        .subscription_store()
        .expect("an encrypted sqlite store has a subscription store");
    (subs, sqlite)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_suite_passes_over_memory_and_sqlite() {
    let memory: Arc<dyn SubscriptionStore> = Arc::new(
        EncryptedSubscriptionStore::new(Arc::new(MemorySubscriptionStore::new()), keys(1)).unwrap(),
    );
    kit::run_subscription_conformance(|| std::future::ready(Arc::clone(&memory)))
        .await
        .assert_all_passed();
    let (sqlite, _db) = encrypted_sqlite(1).await;
    kit::run_subscription_conformance(|| std::future::ready(Arc::clone(&sqlite)))
        .await
        .assert_all_passed();
}

#[tokio::test]
async fn sqlite_rows_hold_no_subscription_secret() {
    let (subs, sqlite) = encrypted_sqlite(1).await;
    subs.put(&subscription("ch-1", "org_1")).await.unwrap();
    let raw: String = sqlx::query_scalar("SELECT secret FROM meetschedify_subscriptions")
        .fetch_one(sqlite.pool())
        .await
        .unwrap();
    assert!(raw.starts_with("mse1:k1:"), "not an envelope: {raw}");
    let dump: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT id, tenant_id, secret || resource || COALESCE(sync_cursor, '') FROM meetschedify_subscriptions",
    )
    .fetch_all(sqlite.pool())
    .await
    .unwrap();
    assert!(!format!("{dump:?}").contains("super-secret"), "{dump:?}");
    let got = subs
        .get(&ProviderId::GOOGLE_MEET, "ch-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.secret.expose_secret(), SECRET);
}

#[tokio::test]
async fn redis_hashes_hold_no_subscription_secret() {
    let Some(url) = kit::env::service_url("MEETSCHEDIFY_TEST_REDIS_URL") else {
        return;
    };
    let prefix = format!("{}:", kit::unique_prefix("enc-subs"));
    let redis = RedisTokenStore::builder()
        .with_url(&url)
        .with_key_prefix(&prefix)
        .build()
        .await
        .unwrap();
    let key = redis.subscription_key(&ProviderId::GOOGLE_MEET, "ch-1");
    let encrypted = EncryptedTokenStore::new(Arc::new(redis), keys(1)).unwrap();
    let subs = encrypted.subscription_store().unwrap();
    subs.put(&subscription("ch-1", "org_1")).await.unwrap();
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let raw: Vec<String> = redis::cmd("HVALS")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(subs.remove(&ProviderId::GOOGLE_MEET, "ch-1").await.unwrap());
    assert!(!raw.is_empty());
    assert!(!format!("{raw:?}").contains("super-secret"), "{raw:?}");
    assert!(raw.iter().any(|v| v.starts_with("mse1:k1:")), "{raw:?}");
}

#[tokio::test]
async fn a_wrong_key_a_moved_secret_or_a_clear_secret_is_a_typed_error() {
    let (subs, sqlite) = encrypted_sqlite(1).await;
    subs.put(&subscription("ch-1", "org_1")).await.unwrap();
    subs.put(&subscription("ch-2", "org_2")).await.unwrap();
    let p = ProviderId::GOOGLE_MEET;

    // Same key id, other bytes: what a misconfigured instance has.
    let inner = TokenStore::subscription_store(sqlite.as_ref()).unwrap();
    let wrong = EncryptedSubscriptionStore::new(inner.clone(), keys(2)).unwrap();
    let err = wrong.get(&p, "ch-1").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenStoreError);
    assert!(!err.is_retryable());
    assert!(
        err.to_string().contains("subscription google-meet/ch-1"),
        "{err}"
    );
    assert!(err.to_string().contains("wrong key"), "{err}");
    assert!(!err.to_string().contains("super-secret"), "{err}");
    let listed = wrong
        .for_tenant(&p, &TenantId::new("org_1"))
        .await
        .unwrap_err();
    assert_eq!(listed.code(), ErrorCode::TokenStoreError);

    // Someone with write access copies one subscription's sealed secret onto another, and
    // moves a subscription to another tenant: neither opens.
    sqlx::query(
        "UPDATE meetschedify_subscriptions SET secret =
           (SELECT secret FROM meetschedify_subscriptions WHERE id = 'ch-1') WHERE id = 'ch-2'",
    )
    .execute(sqlite.pool())
    .await
    .unwrap();
    let moved = subs.get(&p, "ch-2").await.unwrap_err();
    assert_eq!(moved.code(), ErrorCode::TokenStoreError, "{moved}");
    sqlx::query("UPDATE meetschedify_subscriptions SET tenant_id = 'org_2' WHERE id = 'ch-1'")
        .execute(sqlite.pool())
        .await
        .unwrap();
    let retenanted = subs.get(&p, "ch-1").await.unwrap_err();
    assert_eq!(
        retenanted.code(),
        ErrorCode::TokenStoreError,
        "{retenanted}"
    );

    // A secret written in clear (by a store without encryption) is refused, not trusted.
    inner.put(&subscription("ch-3", "org_1")).await.unwrap();
    let clear = subs.get(&p, "ch-3").await.unwrap_err();
    assert!(clear.to_string().contains("not encrypted"), "{clear}");
}

#[tokio::test]
async fn without_a_key_or_a_shared_inner_store_there_is_no_subscription_store() {
    let err =
        EncryptedSubscriptionStore::new(Arc::new(MemorySubscriptionStore::new()), TokenKeys::new())
            .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    // Over a store that keeps no subscriptions, the decorator has none either.
    let memory = EncryptedTokenStore::new(Arc::new(MemoryTokenStore::new()), keys(1)).unwrap();
    assert!(memory.subscription_store().is_none());
    // Debug shows neither a key nor a secret.
    let (subs, _db) = encrypted_sqlite(7).await;
    assert!(!format!("{subs:?}").contains("super-secret"));
}
