//! A state replayed on another instance: two per-user Google providers (two application
//! instances, one state key) share one PostgreSQL, and again one Redis, through their token
//! stores. A callback completed on instance A cannot be completed again on instance B: the
//! stores' nonce stores, used by default, make each state single-use across instances.

use std::future::Future;
use std::sync::Arc;

use meetschedify_core::{
    AuthorizationRequest, ErrorCode, OAuthCallback, OAuthConnect, OAuthStateKey, ProviderId,
    TokenStore,
};
use meetschedify_emulator::{Emulator, EmulatorHandle};
use meetschedify_google::{GoogleEndpoints, GoogleMeetProvider};
use meetschedify_testkit as kit;

fn instance(emu: &EmulatorHandle, store: Arc<dyn TokenStore>) -> GoogleMeetProvider {
    let demo = emu.demo();
    GoogleMeetProvider::builder()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url()).unwrap())
        .with_state_key(OAuthStateKey::from_bytes([3; 32]))
        .with_token_store(store)
        .build()
        .unwrap()
}

/// Follows the consent page (auto-consent) and returns the redirect's code and state.
async fn consent(url: &str) -> (String, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = http.get(url).send().await.unwrap();
    let location = url::Url::parse(back.headers()["location"].to_str().unwrap()).unwrap();
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    (q["code"].clone(), q["state"].clone())
}

async fn replay_is_refused_on_the_other_instance<F, Fut>(new_store: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn TokenStore>>,
{
    let emu = Emulator::builder()
        .with_auto_consent()
        .start()
        .await
        .unwrap();
    let (a, b) = (
        instance(&emu, new_store().await),
        instance(&emu, new_store().await),
    );
    let tenant = kit::unique_prefix("replay");
    let auth = a
        .tokens()
        .authorization_url(&AuthorizationRequest::new(
            tenant.as_str(),
            ProviderId::GOOGLE_MEET,
        ))
        .await
        .unwrap();
    let (code, state) = consent(&auth.url).await;
    let callback = OAuthCallback::new(code, state).with_session_binding(auth.session_binding);
    b.tokens().handle_callback(&callback).await.unwrap();
    // The same callback, state and binding, replayed at the other instance.
    let err = a.tokens().handle_callback(&callback).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::OAuthStateInvalid, "{err}");
    assert!(err.message().contains("already been used"), "{err}");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_replayed_on_another_instance_sharing_postgres_is_refused() {
    let Some(url) = kit::env::service_url("MEETSCHEDIFY_TEST_POSTGRES_URL") else {
        return;
    };
    let prefix = format!("r{}_", &kit::unique_prefix("x")[15..]);
    let connect = |url: String, prefix: String| async move {
        meetschedify_store_postgres::PostgresTokenStore::builder()
            .with_url(&url)
            .with_table_prefix(&prefix)
            .build()
            .await
            .unwrap()
    };
    replay_is_refused_on_the_other_instance(|| {
        let (url, prefix) = (url.clone(), prefix.clone());
        async move { Arc::new(connect(url, prefix).await) as Arc<dyn TokenStore> }
    })
    .await;
    let store = connect(url.clone(), prefix.clone()).await;
    let pool = store.pool();
    kit::drop_sql_tables(&prefix, |sql| async move {
        sqlx::query(&sql).execute(pool).await
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_replayed_on_another_instance_sharing_redis_is_refused() {
    let Some(url) = kit::env::service_url("MEETSCHEDIFY_TEST_REDIS_URL") else {
        return;
    };
    let prefix = format!("{}:", kit::unique_prefix("replay"));
    replay_is_refused_on_the_other_instance(|| {
        let (url, prefix) = (url.clone(), prefix.clone());
        async move {
            Arc::new(
                meetschedify_store_redis::RedisTokenStore::builder()
                    .with_url(&url)
                    .with_key_prefix(&prefix)
                    .build()
                    .await
                    .unwrap(),
            ) as Arc<dyn TokenStore>
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_shared_store_each_instance_refuses_its_own_replays() {
    let emu = Emulator::builder()
        .with_auto_consent()
        .start()
        .await
        .unwrap();
    let a = instance(&emu, Arc::new(meetschedify_core::MemoryTokenStore::new()));
    let auth = a
        .tokens()
        .authorization_url(&AuthorizationRequest::new("t1", ProviderId::GOOGLE_MEET))
        .await
        .unwrap();
    let (code, state) = consent(&auth.url).await;
    let callback = OAuthCallback::new(code, state).with_session_binding(auth.session_binding);
    a.tokens().handle_callback(&callback).await.unwrap();
    let err = a.tokens().handle_callback(&callback).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::OAuthStateInvalid, "{err}");
    emu.shutdown().await;
}
