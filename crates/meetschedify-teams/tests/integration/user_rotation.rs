//! Issue 16's done-when: refresh tokens rotate on every use, and with single-use refresh tokens
//! (the emulator's strictest setting) four instances sharing one store never lose the tenant.
//!
//! Four `TeamsProvider` instances, each with its own `TokenManager`, share one PostgreSQL store
//! (then one Redis store). Each round expires the stored access token and runs concurrent
//! creates through all four: every create succeeds, exactly one refresh reaches Microsoft per
//! round (the store's lease makes the others wait for it and take the saved token), the record
//! is never marked revoked, and the stored refresh token still works afterwards.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{MeetingProvider, TenantId, TokenStore, ValidatedCreate};
use meetschedify_emulator::{Emulator, EmulatorHandle};
use meetschedify_teams::TeamsProvider;

use crate::user_common::{connect, user_builder, user_request};
use crate::user_tokens::expire;

const INSTANCES: usize = 4;
const ROUNDS: usize = 3;
const CREATES_PER_ROUND: usize = 16;
const TENANT: &str = "acme-rotation";

/// Refresh grants the emulator's token endpoint has received.
fn refresh_grants(emu: &EmulatorHandle) -> usize {
    emu.requests()
        .iter()
        .filter(|r| {
            r.path.ends_with("/oauth2/v2.0/token") && r.body.contains("grant_type=refresh_token")
        })
        .count()
}

async fn run(stores: Vec<Arc<dyn TokenStore>>) {
    let emu = Emulator::builder()
        .with_microsoft_single_use_refresh_tokens(true)
        .start()
        .await
        .unwrap();
    let providers: Vec<TeamsProvider> = stores
        .iter()
        .map(|store| {
            user_builder(&emu, store.clone())
                // Every call reads the store, so each round's expiry is seen at once by every
                // instance (the default trusts a cached token for up to 10 s).
                .with_token_revalidate_every(Duration::ZERO)
                .build()
                .unwrap()
        })
        .collect();
    connect(&providers[0], TENANT).await;
    let tenant = TenantId::new(TENANT);
    let key = providers[0].token_key(&tenant);
    for round in 0..ROUNDS {
        expire(stores[round % INSTANCES].as_ref(), &key).await;
        let before = refresh_grants(&emu);
        let tasks: Vec<_> = (0..CREATES_PER_ROUND)
            .map(|i| {
                let teams = providers[i % INSTANCES].clone();
                tokio::spawn(async move {
                    let request = user_request(TENANT, &format!("Round {round} #{i}"));
                    let valid = ValidatedCreate::new(request, &teams.limits()).unwrap();
                    teams.create_meeting(&valid).await
                })
            })
            .collect();
        for task in tasks {
            let created = task.await.unwrap();
            assert!(created.is_ok(), "round {round}: {:?}", created.err());
        }
        assert_eq!(
            refresh_grants(&emu) - before,
            1,
            "round {round}: one refresh for all four instances"
        );
        let record = stores[0].get(&key).await.unwrap().unwrap();
        assert!(
            record.revoked.is_none(),
            "round {round}: {:?}",
            record.revoked
        );
    }
    // The stored refresh token is the live one: a last expiry, refreshed by another instance.
    expire(stores[1].as_ref(), &key).await;
    let teams = &providers[INSTANCES - 1];
    let valid = ValidatedCreate::new(user_request(TENANT, "After"), &teams.limits()).unwrap();
    teams.create_meeting(&valid).await.unwrap();
    let status = teams.connection_status(&tenant).await.unwrap();
    assert!(status.connected, "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_instances_over_postgres_rotate_single_use_refresh_tokens_without_losing_the_tenant() {
    let Some(url) = meetschedify_testkit::env::service_url("MEETSCHEDIFY_TEST_POSTGRES_URL") else {
        return;
    };
    let prefix = meetschedify_testkit::unique_table_prefix("teamsrot");
    let mut stores = Vec::new();
    // One after the other: the first creates the tables.
    for _ in 0..INSTANCES {
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
    let shared: Vec<Arc<dyn TokenStore>> = stores
        .iter()
        .map(|s| Arc::new(s.clone()) as Arc<dyn TokenStore>)
        .collect();
    run(shared).await;
    let pool = stores[0].pool();
    meetschedify_testkit::drop_sql_tables(&prefix, |sql| async move {
        sqlx::query(&sql).execute(pool).await
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_instances_over_redis_rotate_single_use_refresh_tokens_without_losing_the_tenant() {
    let Some(url) = meetschedify_testkit::env::service_url("MEETSCHEDIFY_TEST_REDIS_URL") else {
        return;
    };
    let prefix = format!("{}:", meetschedify_testkit::unique_prefix("teamsrot"));
    let mut stores: Vec<Arc<dyn TokenStore>> = Vec::new();
    for _ in 0..INSTANCES {
        let store = meetschedify_store_redis::RedisTokenStore::builder()
            .with_url(&url)
            .with_key_prefix(&prefix)
            .build()
            .await
            .unwrap();
        stores.push(Arc::new(store));
    }
    run(stores).await;
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
}
