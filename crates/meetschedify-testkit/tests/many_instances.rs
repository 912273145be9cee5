//! Many instances, one token: four independent `GoogleMeetProvider`s, each over its own store
//! instance (its own pool or connection) on one PostgreSQL, and again on one Redis, make 2,000
//! concurrent create calls for 20 tenants against the emulator. Across all instances each
//! tenant's token is refreshed exactly once per expiry (counted at the emulator's token
//! endpoint), and every tenant still holds a working refresh token afterwards.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    CreateMeetingRequest, MeetingProvider, MeetingTime, OAuthStateKey, ProviderId, RequestLimits,
    RetryConfig, SaveCondition, TokenKey, TokenManagerConfig, TokenRecord, TokenStore,
    ValidatedCreate,
};
use meetschedify_emulator::{Emulator, EmulatorHandle};
use meetschedify_google::{
    CalendarOptions, GoogleClientCredentials, GoogleEndpoints, GoogleMeetProvider,
    GoogleOAuthClient, SCOPE_CALENDAR_EVENTS,
};
use meetschedify_testkit as kit;

const INSTANCES: usize = 4;
const TENANTS: usize = 20;
const CALLS: usize = 2_000;
/// Creates after the second expiry: fewer, as only the 401-driven refresh is under test there
/// (and debug-build creates are what makes this test slow).
const CALLS_AFTER_EXPIRY: usize = 400;

fn provider(emu: &EmulatorHandle, store: Arc<dyn TokenStore>) -> GoogleMeetProvider {
    let demo = emu.demo();
    let retry = RetryConfig::default()
        .with_max_attempts(4)
        .with_initial_delay(Duration::from_millis(1))
        .with_max_delay(Duration::from_millis(5))
        .with_jitter(false);
    GoogleMeetProvider::builder()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url()).unwrap())
        .with_state_key(OAuthStateKey::from_bytes([7; 32]))
        .with_token_store(store)
        .with_calendar_options(
            CalendarOptions::default()
                .with_retry(retry)
                .with_conference_poll_interval(Duration::from_millis(1)),
        )
        .with_token_manager_config(
            TokenManagerConfig::default()
                .with_lease_poll(Duration::from_millis(10))
                .with_lease_wait(Duration::from_secs(30)),
        )
        .build()
        .unwrap()
}

fn request(tenant: &str, n: usize) -> ValidatedCreate {
    let r = CreateMeetingRequest::new(
        tenant,
        ProviderId::GOOGLE_MEET,
        format!("Interview {n}"),
        MeetingTime::new("2026-06-15T10:00:00", "2026-06-15T11:00:00")
            .with_timezone("Europe/Berlin"),
    );
    ValidatedCreate::new(r, &RequestLimits::DEFAULT).unwrap()
}

/// `calls` creates spread over the instances and tenants, all started at once.
async fn burst(providers: &[Arc<GoogleMeetProvider>], tenants: &[String], calls: usize) {
    let barrier = Arc::new(tokio::sync::Barrier::new(calls));
    let mut tasks = Vec::with_capacity(calls);
    for n in 0..calls {
        let provider = Arc::clone(&providers[n % INSTANCES]);
        let tenant = tenants[(n / INSTANCES) % TENANTS].clone();
        let barrier = Arc::clone(&barrier);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            provider.create_meeting(&request(&tenant, n)).await
        }));
    }
    for task in tasks {
        let created = task.await.unwrap();
        if let Err(e) = created {
            panic!("a create failed: {e} ({e:?})");
        }
    }
}

/// One backend's run at a time. A run holds up to about 10,000 sockets at its peak (2,000 calls
/// in flight, and both ends of every connection live in this process); the two side by side
/// passed a 20,000 open-file limit in CI, and calls failed with "Too many open files".
static ONE_RUN_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn many_instances<F, Fut>(backend: &str, new_store: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn TokenStore>>,
{
    let _turn = ONE_RUN_AT_A_TIME.lock().await;
    let emu = Emulator::builder()
        .with_google_quota_per_minute(None)
        .start()
        .await
        .unwrap();
    let demo = emu.demo().clone();
    let run = kit::unique_prefix(backend);
    let seed = new_store().await;
    let mut tenants = Vec::new();
    for i in 0..TENANTS {
        let email = format!("user{i}@example.com");
        emu.add_google_user(&email);
        let refresh = emu
            .issue_google_refresh_token(&demo.google_client_id, &email, &[SCOPE_CALENDAR_EVENTS])
            .unwrap();
        let tenant = format!("{run}-tenant-{i}");
        // As after a connect long ago: a refresh token and a long-dead access token.
        let record = TokenRecord::new("ya29.expired-long-ago")
            .with_refresh_token(refresh)
            .with_expires_at(Timestamp::UNIX_EPOCH);
        seed.save(
            &TokenKey::new(tenant.as_str(), ProviderId::GOOGLE_MEET),
            &record,
            SaveCondition::Always,
        )
        .await
        .unwrap();
        tenants.push(tenant);
    }
    let mut providers = Vec::new();
    for _ in 0..INSTANCES {
        providers.push(Arc::new(provider(&emu, new_store().await)));
    }

    // First expiry: the stored access tokens are long dead.
    let started = std::time::Instant::now();
    burst(&providers, &tenants, CALLS).await;
    assert_eq!(
        emu.google_token_requests(),
        TENANTS as u64,
        "{backend}: each tenant must be refreshed exactly once across {INSTANCES} instances"
    );
    // Second expiry: the emulator's clock passes the tokens' lifetime, so Google refuses them
    // (401) while every instance still holds them; each tenant is refreshed once more in all.
    emu.advance_clock(Duration::from_secs(2 * 3600));
    burst(&providers, &tenants, CALLS_AFTER_EXPIRY).await;
    assert_eq!(
        emu.google_token_requests(),
        2 * TENANTS as u64,
        "{backend}: each tenant must be refreshed exactly once per expiry"
    );
    eprintln!(
        "{backend}: {} creates on {INSTANCES} instances for {TENANTS} tenants in {:?}, {} token requests",
        CALLS + CALLS_AFTER_EXPIRY,
        started.elapsed(),
        emu.google_token_requests()
    );

    // No refresh token was lost: each tenant's stored one still works at Google.
    let oauth = GoogleOAuthClient::new(
        ProviderId::GOOGLE_MEET,
        GoogleClientCredentials::new(&demo.google_client_id, &demo.google_client_secret),
        GoogleEndpoints::all_at(emu.base_url()).unwrap(),
    )
    .unwrap();
    for tenant in &tenants {
        let stored = seed
            .get(&TokenKey::new(tenant.as_str(), ProviderId::GOOGLE_MEET))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.version, 3, "{tenant}: seed plus one save per expiry");
        let refresh = stored.refresh_token.expect("the refresh token was kept");
        assert!(refresh.expose_secret().starts_with("1//"));
        // A transient network error is not a refusal: retry it as the providers do; a refused
        // token (GOOGLE_AUTH_REVOKED) is not retryable and still fails the test.
        meetschedify_core::with_retry(&meetschedify_core::RetryConfig::default(), |_| {
            oauth.refresh(&refresh)
        })
        .await
        .unwrap();
    }
    // Every create landed in its tenant's calendar.
    let state = emu.state();
    for i in 0..TENANTS {
        let events = state
            .google
            .events_by_calendar
            .get(&format!("user{i}@example.com"))
            .map_or(0, Vec::len);
        assert_eq!(events, (CALLS + CALLS_AFTER_EXPIRY) / TENANTS, "user{i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_many_instances_one_refresh_per_expiry() {
    let Some(url) = kit::env::service_url("MEETSCHEDIFY_TEST_POSTGRES_URL") else {
        return;
    };
    let prefix = kit::unique_table_prefix("many");
    let connect = || async {
        meetschedify_store_postgres::PostgresTokenStore::builder()
            .with_url(url.clone())
            .with_table_prefix(prefix.clone())
            .with_max_connections(5)
            // Generous: this test shares two cores with 2,000 tasks and the emulator.
            .with_acquire_timeout(Duration::from_secs(30))
            .build()
            .await
            .unwrap()
    };
    many_instances("postgres", || async {
        Arc::new(connect().await) as Arc<dyn TokenStore>
    })
    .await;
    let store = connect().await;
    let pool = store.pool();
    kit::drop_sql_tables(&prefix, |sql| async move {
        sqlx::query(&sql).execute(pool).await
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_many_instances_one_refresh_per_expiry() {
    let Some(url) = kit::env::service_url("MEETSCHEDIFY_TEST_REDIS_URL") else {
        return;
    };
    let prefix = format!("{}:", kit::unique_prefix("many"));
    let store = || async {
        Arc::new(
            meetschedify_store_redis::RedisTokenStore::builder()
                .with_url(url.clone())
                .with_key_prefix(prefix.clone())
                .with_response_timeout(Duration::from_secs(30))
                .build()
                .await
                .unwrap(),
        ) as Arc<dyn TokenStore>
    };
    many_instances("redis", store).await;
    // Best effort: the keys are under this run's own prefix either way.
    if let Ok(mut conn) = redis::Client::open(url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
    {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut conn)
            .await
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: Result<i64, _> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
        }
    }
}
