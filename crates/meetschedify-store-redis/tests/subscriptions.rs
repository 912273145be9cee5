//! The subscription-store suite against a real Redis, each instance with its own connection;
//! and the layout: a replace or a remove leaves no stale index entry behind.

mod common;

use std::sync::Arc;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::SecretString;
use meetschedify_core::webhooks::{Subscription, SubscriptionStore};
use meetschedify_core::{ProviderId, TenantId, TokenStore};
use meetschedify_testkit as kit;

/// A separate instance under the run's prefix: the subscription store its token store hands
/// out, as a provider built over the token store gets it.
async fn instance(url: String, prefix: String) -> Arc<dyn SubscriptionStore> {
    let store = common::store(&url, &prefix).await;
    TokenStore::subscription_store(&store).expect("redis is a subscription store")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_passes_the_subscription_suite() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let report = kit::run_subscription_conformance(|| instance(url.clone(), prefix.clone())).await;
    common::cleanup(&url, &prefix).await;
    report.assert_all_passed();
}

/// Every key under the prefix with its members (a hash's field names, a set's or sorted set's
/// members), sorted.
async fn layout(url: &str, prefix: &str) -> Vec<(String, Vec<String>)> {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    keys.sort();
    let mut out = Vec::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let command = match kind.as_str() {
            "hash" => "HKEYS",
            "set" => "SMEMBERS",
            _ => "ZRANGE",
        };
        let mut cmd = redis::cmd(command);
        cmd.arg(&key);
        if command == "ZRANGE" {
            cmd.arg(0).arg(-1).arg("WITHSCORES");
        }
        let mut members: Vec<String> = cmd.query_async(&mut conn).await.unwrap();
        if command != "ZRANGE" {
            members.sort();
        }
        out.push((key.strip_prefix(prefix).unwrap().to_owned(), members));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replace_moves_the_index_entries_and_a_remove_leaves_no_key() {
    let Some(url) = common::url() else { return };
    let prefix = common::prefix();
    let store = common::store(&url, &prefix).await;
    let p = ProviderId::GOOGLE_MEET;
    let sub = |tenant: &str, expires_ms: i64| {
        Subscription::new(
            p.clone(),
            TenantId::new(tenant),
            "ch:1",
            "primary",
            SecretString::from("token".to_owned()),
            Timestamp::from_millisecond(expires_ms).unwrap(),
        )
    };
    store.put(&sub("org:1", 1_000)).await.unwrap();
    store
        .put(&sub("org:2", 2_000).with_cursor(Some("c".into())))
        .await
        .unwrap();
    let after_replace = layout(&url, &prefix).await;
    store.remove(&p, "ch:1").await.unwrap();
    let after_remove = layout(&url, &prefix).await;
    common::cleanup(&url, &prefix).await;
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        after_replace,
        [
            (
                "subscriptions:{google-meet}:expiry".to_owned(),
                strings(&["ch:1", "2000"])
            ),
            (
                "subscriptions:{google-meet}:sub:ch%3A1".to_owned(),
                strings(&["c", "e", "r", "s", "t", "tk"])
            ),
            (
                "subscriptions:{google-meet}:tenant:org%3A2".to_owned(),
                strings(&["ch:1"])
            ),
        ]
    );
    assert!(after_remove.is_empty(), "{after_remove:?}");
}
