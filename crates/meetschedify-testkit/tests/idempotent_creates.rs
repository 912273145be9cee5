//! One meeting per key across instances: 50 creates with one idempotency key, at once, from
//! four clients (each with its own Zoom provider and its own store instance) sharing one
//! PostgreSQL, and again one Redis, against the emulator. Exactly one meeting exists at Zoom and
//! all 50 calls return it; a repeat afterwards is answered with one read, and the same key with
//! another time is refused without a call.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{
    CreateMeetingRequest, ErrorCode, IdempotencyStore, MeetSchedifyClient, MeetingTime, ProviderId,
    RetryConfig,
};
use meetschedify_emulator::{Emulator, EmulatorHandle};
use meetschedify_testkit as kit;
use meetschedify_zoom::ZoomProvider;

const INSTANCES: usize = 4;
const CALLS: usize = 50;

fn client(emu: &EmulatorHandle, store: Arc<dyn IdempotencyStore>) -> MeetSchedifyClient {
    let demo = emu.demo();
    let zoom = ZoomProvider::builder()
        .with_credentials(
            &demo.zoom_account_id,
            &demo.zoom_client_id,
            &demo.zoom_client_secret,
        )
        .with_api_base(emu.zoom_api_base())
        .with_oauth_base(emu.zoom_oauth_base())
        .with_retry(
            RetryConfig::default()
                .with_initial_delay(Duration::from_millis(1))
                .with_max_delay(Duration::from_millis(4))
                .with_jitter(false),
        )
        .build()
        .unwrap();
    MeetSchedifyClient::builder()
        .with_provider(zoom)
        .with_idempotency_store(store)
        .build()
        .unwrap()
}

fn request(tenant: &str, start: &str, end: &str) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        tenant,
        ProviderId::ZOOM,
        "Physiotherapy follow-up",
        MeetingTime::new(start, end).with_timezone("Europe/Berlin"),
    )
    .with_description("Bring your exercise log.")
    .with_idempotency_key("appointment-7781")
}

async fn one_meeting_for_fifty_calls<F, Fut>(new_store: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn IdempotencyStore>>,
{
    let emu = Emulator::builder()
        .with_zoom_daily_limit(None)
        .start()
        .await
        .unwrap();
    let mut clients = Vec::new();
    for _ in 0..INSTANCES {
        clients.push(client(&emu, new_store().await));
    }
    // A tenant of its own, so reruns against the same database never meet old records.
    let tenant = kit::unique_prefix("clinic");
    let start = tokio::sync::Barrier::new(CALLS);
    let start = Arc::new(start);
    let mut tasks = Vec::new();
    for i in 0..CALLS {
        let (client, start, tenant) = (
            clients[i % INSTANCES].clone(),
            start.clone(),
            tenant.clone(),
        );
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            client
                .create_meeting(request(
                    &tenant,
                    "2030-04-02T09:00:00",
                    "2030-04-02T09:45:00",
                ))
                .await
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().unwrap().provider_event_id);
    }
    let host = &emu.demo().zoom_host_id;
    let made = emu
        .state()
        .zoom
        .meetings_by_host
        .get(host)
        .cloned()
        .unwrap_or_default();
    assert_eq!(made.len(), 1, "meetings at Zoom: {made:?}");
    let posts = emu
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/meetings"))
        .count();
    assert_eq!(posts, 1, "creates sent to Zoom");
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(made[0]["id"].to_string(), ids[0]);

    // Later: a repeat is one read; another time under the same key is refused, unsent.
    emu.clear_requests();
    let again = clients[3]
        .create_meeting(request(
            &tenant,
            "2030-04-02T09:00:00",
            "2030-04-02T09:45:00",
        ))
        .await
        .unwrap();
    assert_eq!(again.provider_event_id, ids[0]);
    let err = clients[2]
        .create_meeting(request(
            &tenant,
            "2030-04-02T15:00:00",
            "2030-04-02T15:45:00",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::IdempotencyKeyReused);
    let sent: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| !r.path.contains("oauth"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].starts_with("GET /v2/meetings/"), "{sent:?}");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_calls_one_key_four_instances_on_postgres_make_one_meeting() {
    let Some(url) = kit::env::service_url("MEETSCHEDIFY_TEST_POSTGRES_URL") else {
        return;
    };
    let prefix = format!("i{}_", &kit::unique_prefix("x")[15..]);
    one_meeting_for_fifty_calls(|| {
        let (url, prefix) = (url.clone(), prefix.clone());
        async move {
            let store = meetschedify_store_postgres::PostgresTokenStore::builder()
                .with_url(&url)
                .with_table_prefix(&prefix)
                .build()
                .await
                .unwrap();
            Arc::new(store) as Arc<dyn IdempotencyStore>
        }
    })
    .await;
    let store = meetschedify_store_postgres::PostgresTokenStore::builder()
        .with_url(&url)
        .with_table_prefix(&prefix)
        .build()
        .await
        .unwrap();
    let pool = store.pool();
    kit::drop_sql_tables(&prefix, |sql| async move {
        sqlx::query(&sql).execute(pool).await
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_calls_one_key_four_instances_on_redis_make_one_meeting() {
    let Some(url) = kit::env::service_url("MEETSCHEDIFY_TEST_REDIS_URL") else {
        return;
    };
    let prefix = format!("{}:", kit::unique_prefix("idem"));
    one_meeting_for_fifty_calls(|| {
        let (url, prefix) = (url.clone(), prefix.clone());
        async move {
            let store = meetschedify_store_redis::RedisTokenStore::builder()
                .with_url(&url)
                .with_key_prefix(&prefix)
                .build()
                .await
                .unwrap();
            Arc::new(store) as Arc<dyn IdempotencyStore>
        }
    })
    .await;
}
