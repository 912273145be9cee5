//! Access tokens: one request however many callers wait, reuse until expiry, one new token when
//! Zoom's clock says the old one is dead, sharing through a store, and the 401/124 replay.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{MeetSchedifyClient, MemoryTokenStore, TokenStore};
use tokio::task::JoinSet;

use crate::common::{builder, client, emulator, meetings, provider, request, sent};

async fn create_concurrently(client: &MeetSchedifyClient, n: usize, prefix: &str) {
    let mut tasks = JoinSet::new();
    for i in 0..n {
        let client = client.clone();
        let req = request(&format!("{prefix} {i}"));
        tasks.spawn(async move { client.create_meeting(req).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task ran").expect("create succeeded");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_creates_make_one_token_request() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    create_concurrently(&client, 1000, "Concurrent").await;
    assert_eq!(meetings(&emu).len(), 1000);
    assert_eq!(emu.zoom_token_requests(), 1, "exactly one token request");
}

#[tokio::test]
async fn expiry_mid_run_fetches_exactly_one_new_token() {
    let emu = emulator().await;
    let client = client(provider(&emu));
    create_concurrently(&client, 20, "Before").await;
    assert_eq!(emu.zoom_token_requests(), 1);

    // An hour later on Zoom's clock the cached token is dead although our clock disagrees:
    // Zoom answers 401 code 124 and every caller must share one new token.
    emu.advance_clock(Duration::from_secs(3600));
    emu.clear_requests();
    create_concurrently(&client, 50, "After").await;
    assert_eq!(
        emu.zoom_token_requests(),
        2,
        "one new token for all fifty callers"
    );
    assert_eq!(meetings(&emu).len(), 70);
    let rejected = sent(&emu, "POST", "/users/me/meetings")
        .iter()
        .filter(|r| r.status == Some(401))
        .count();
    assert!(rejected >= 1, "the old token was refused at least once");
    assert_eq!(
        sent(&emu, "POST", "/users/me/meetings")
            .iter()
            .filter(|r| r.status == Some(201))
            .count(),
        50,
        "each rejected create was replayed once and succeeded"
    );
}

#[tokio::test]
async fn providers_sharing_a_store_share_one_token() {
    let emu = emulator().await;
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    // Two instances of an application, each with its own provider.
    let a = client(
        builder(&emu)
            .with_token_store(store.clone())
            .build()
            .unwrap(),
    );
    let b = client(
        builder(&emu)
            .with_token_store(store.clone())
            .build()
            .unwrap(),
    );
    a.create_meeting(request("From A")).await.unwrap();
    b.create_meeting(request("From B")).await.unwrap();
    assert_eq!(emu.zoom_token_requests(), 1);
    let key = meetschedify_core::TokenKey::new(emu.demo().zoom_account_id.as_str(), "zoom");
    let record = store
        .get(&key)
        .await
        .unwrap()
        .expect("token stored under the account");
    assert!(record.expires_at.is_some());
    assert!(!record.scopes.is_empty());
}

#[tokio::test]
async fn separate_stores_mean_separate_tokens() {
    let emu = emulator().await;
    let a = client(provider(&emu));
    let b = client(provider(&emu));
    a.create_meeting(request("From A")).await.unwrap();
    b.create_meeting(request("From B")).await.unwrap();
    a.create_meeting(request("From A again")).await.unwrap();
    assert_eq!(
        emu.zoom_token_requests(),
        2,
        "one per instance, each reused"
    );
}

#[tokio::test]
async fn a_token_invalidated_by_a_newer_one_is_replaced_once_and_the_call_replayed() {
    // Zoom before June 2023: a new token for the app kills the older ones.
    let emu = meetschedify_emulator::Emulator::builder()
        .with_zoom_daily_limit(None)
        .with_zoom_single_token(true)
        .start()
        .await
        .unwrap();
    let a = client(provider(&emu));
    let b = client(provider(&emu));
    a.create_meeting(request("A1")).await.unwrap();
    b.create_meeting(request("B1")).await.unwrap(); // invalidates A's token
    a.create_meeting(request("A2")).await.unwrap(); // 401 code 124, new token, replay
    assert_eq!(emu.zoom_token_requests(), 3);
    let statuses: Vec<_> = sent(&emu, "POST", "/users/me/meetings")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(201), Some(201), Some(401), Some(201)]);
    assert_eq!(meetings(&emu).len(), 3);
}
