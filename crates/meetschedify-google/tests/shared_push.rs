//! Push channels across instances: two separately built providers share one PostgreSQL (then
//! one Redis) token store and take their subscription store from it. Instance A opens the
//! channel; the emulator's notifications reach an endpoint served by instance B, whose verifier
//! finds the channel and its token in the shared store, accepts them and reports the changes;
//! a forged token is refused there too. With per-instance memory stores B would refuse every
//! notification: this is what a load balancer in front of several instances needs.

#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;
// Shared by the push test binaries; not every one reads every field.
#[allow(dead_code)]
mod push_endpoint;

use std::sync::Arc;

use meetschedify_core::webhooks::MeetingEventKind;
use meetschedify_core::{
    MeetingContext, MeetingProvider, ProviderId, RequestLimits, SaveCondition, TenantId, TokenKey,
    TokenRecord, TokenStore, UpdateMeeting, UpdateMeetingRequest, ValidatedUpdate,
};
use meetschedify_emulator::GooglePushFault;
use meetschedify_google::webhooks::{GoogleWatch, GoogleWebhookVerifier};

use crate::push_endpoint::{Endpoint, Verifier};

async fn rename(provider: &meetschedify_google::GoogleMeetProvider, id: &str, title: &str) {
    let update = ValidatedUpdate::new(
        UpdateMeetingRequest::new().with_title(title),
        &RequestLimits::DEFAULT,
    )
    .unwrap();
    provider
        .update_meeting(&MeetingContext::new("org_1"), id, &update)
        .await
        .unwrap();
}

/// The whole story over `a` and `b`, two separate instances of one shared token store.
async fn a_channel_opened_by_a_is_served_by_b(a: Arc<dyn TokenStore>, b: Arc<dyn TokenStore>) {
    let emu = common::default_emulator().await;
    let tenant = TenantId::new("org_1");
    // Connected once, through instance A: B reads the same record.
    let record = TokenRecord::new("ya29.expired-long-ago")
        .with_refresh_token(&emu.demo().google_refresh_token)
        .with_expires_at(jiff::Timestamp::UNIX_EPOCH);
    a.save(
        &TokenKey::new("org_1", ProviderId::GOOGLE_MEET),
        &record,
        SaveCondition::Always,
    )
    .await
    .unwrap();
    let provider_a = common::provider(&emu, a.clone());
    let provider_b = common::provider(&emu, b.clone());
    // Neither provider is given a subscription store: each takes its token store's.
    assert!(a.subscription_store().is_some() && b.subscription_store().is_some());
    let subs_b = provider_b.subscription_store().clone();

    let verifier_b: Verifier = Arc::new(GoogleWebhookVerifier::new(provider_b));
    let mut endpoint = Endpoint::serve(verifier_b).await;

    let watch_a = GoogleWatch::new(provider_a.clone(), endpoint.address.clone()).unwrap();
    let channel = watch_a.watch(&tenant, "primary").await.unwrap();
    // B sees the channel A opened, before any notification.
    let seen = subs_b
        .get(&ProviderId::GOOGLE_MEET, &channel.id)
        .await
        .unwrap()
        .expect("instance B finds the channel instance A opened");
    assert_eq!(seen.tenant, tenant);
    let sync = endpoint.next().await;
    assert_eq!((sync.status, sync.events.len()), (200, 0), "{sync:?}");

    let made = provider_a
        .create_meeting(&common::create_request("org_1", None))
        .await
        .unwrap();
    let created = endpoint.next().await;
    assert_eq!(created.status, 200, "{created:?}");
    rename(&provider_a, &made.provider_event_id, "Moved by instance A").await;
    let updated = endpoint.next().await;
    assert_eq!(updated.status, 200, "{updated:?}");
    assert_eq!(updated.events.len(), 1, "{updated:?}");
    let event = &updated.events[0];
    assert_eq!(event.kind, MeetingEventKind::Updated);
    assert_eq!(event.meeting_id, made.provider_event_id);
    assert_eq!(event.tenant, Some(tenant.clone()));
    assert_eq!(event.raw["summary"], "Moved by instance A");
    // B advanced the shared cursor: A reads where B left off.
    let after = a
        .subscription_store()
        .unwrap()
        .get(&ProviderId::GOOGLE_MEET, &channel.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(after.cursor, channel.cursor, "the shared cursor moved");

    // A notification with a forged channel token is refused on B as well.
    emu.inject_google_push_fault(GooglePushFault::WrongToken);
    rename(&provider_a, &made.provider_event_id, "Forged").await;
    let forged = endpoint.next().await;
    assert_eq!(forged.status, 401, "{forged:?}");
    assert_eq!(forged.code, Some("WEBHOOK_BAD_SIGNATURE"));
    assert!(forged.events.is_empty());

    // A stops the channel: B holds nothing any more.
    assert_eq!(watch_a.stop(&tenant).await.unwrap(), 1);
    assert!(subs_b
        .get(&ProviderId::GOOGLE_MEET, &channel.id)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_over_postgres_share_push_channels() {
    let Some(url) = meetschedify_testkit::env::service_url("MEETSCHEDIFY_TEST_POSTGRES_URL") else {
        return;
    };
    let prefix = meetschedify_testkit::unique_table_prefix("gpush");
    let mut stores = Vec::new();
    // One after the other: the first creates the tables.
    for _ in 0..2 {
        stores.push(
            meetschedify_store_postgres::PostgresTokenStore::builder()
                .with_url(&url)
                .with_table_prefix(&prefix)
                .with_max_connections(4)
                .build()
                .await
                .unwrap(),
        );
    }
    let run = tokio::spawn(a_channel_opened_by_a_is_served_by_b(
        Arc::new(stores[0].clone()),
        Arc::new(stores[1].clone()),
    ))
    .await;
    let pool = stores[0].pool();
    meetschedify_testkit::drop_sql_tables(&prefix, |sql| async move {
        sqlx::query(&sql).execute(pool).await
    })
    .await
    .unwrap();
    run.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_over_redis_share_push_channels() {
    let Some(url) = meetschedify_testkit::env::service_url("MEETSCHEDIFY_TEST_REDIS_URL") else {
        return;
    };
    let prefix = format!("{}:", meetschedify_testkit::unique_prefix("gpush"));
    let mut stores: Vec<Arc<dyn TokenStore>> = Vec::new();
    for _ in 0..2 {
        let store = meetschedify_store_redis::RedisTokenStore::builder()
            .with_url(&url)
            .with_key_prefix(&prefix)
            .build()
            .await
            .unwrap();
        stores.push(Arc::new(store));
    }
    let run = tokio::spawn(a_channel_opened_by_a_is_served_by_b(
        stores[0].clone(),
        stores[1].clone(),
    ))
    .await;
    let client = redis::Client::open(url.as_str()).unwrap();
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
    run.unwrap();
}
