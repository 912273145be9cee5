//! No secret reaches `tracing` output or `Debug`: the client secret, the access tokens, the
//! host's start link (`zak`). Flows run with logging at TRACE into a buffer, then the buffer
//! and every `Debug` rendering are searched for each secret.

use std::io::Write;
use std::sync::{Arc, Mutex};

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{MeetingContext, MeetingProvider, MemoryTokenStore, TenantId, TokenStore};
use meetschedify_emulator::{FaultAction, FaultRule};
use meetschedify_zoom::ZoomProvider;
use serde_json::json;

use crate::common::{builder, client, emulator, request};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_in_logs_or_debug_output() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = emulator().await;
    let secret = emu.demo().zoom_client_secret.clone();
    let store = Arc::new(MemoryTokenStore::new());
    let zoom = builder(&emu)
        .with_token_store(store.clone())
        .build()
        .unwrap();
    let client = client(zoom.clone());
    let mut tokens = Vec::new();
    let mut start_urls = Vec::new();

    let created = client.create_meeting(request("Secret-free")).await.unwrap();
    start_urls.push(created.raw["start_url"].as_str().unwrap().to_owned());
    let record = store.get(zoom.token_key()).await.unwrap().unwrap();
    tokens.push(record.access_token.expose_secret().to_owned());

    // A rejected token, a replay with a new one, a lost answer and its lookup.
    let body = json!({"code": 124, "message": "Invalid access token."}).to_string();
    emu.inject_fault(FaultRule::once(
        "GET",
        "/v2/meetings/*",
        FaultAction::Status {
            status: 401,
            body,
            headers: vec![],
        },
    ));
    let ctx = MeetingContext::new("acme-hr");
    client
        .get_meeting(zoom.id(), &ctx, &created.provider_event_id)
        .await
        .unwrap();
    let record = store.get(zoom.token_key()).await.unwrap().unwrap();
    tokens.push(record.access_token.expose_secret().to_owned());
    assert_ne!(tokens[0], tokens[1], "the replay used a new token");
    emu.inject_fault(FaultRule::once(
        "POST",
        "/v2/users/*/meetings",
        FaultAction::ResetAfter,
    ));
    let again = client.create_meeting(request("Lost answer")).await.unwrap();
    start_urls.push(again.raw["start_url"].as_str().unwrap().to_owned());
    client
        .cancel_meeting(zoom.id(), &ctx, &again.provider_event_id)
        .await
        .unwrap();
    zoom.connection_status(&TenantId::new("acme-hr"))
        .await
        .unwrap();

    // A refused secret is not echoed either.
    let wrong = "wrong-secret-7f3a9c";
    let bad = builder(&emu)
        .with_credentials(
            &emu.demo().zoom_account_id,
            &emu.demo().zoom_client_id,
            wrong,
        )
        .build()
        .unwrap();
    let err = bad
        .connection_status(&TenantId::new("acme-hr"))
        .await
        .unwrap();
    assert!(!err.connected);
    let failed = meetschedify_core::MeetSchedifyClient::builder()
        .with_provider(bad.clone())
        .build()
        .unwrap()
        .create_meeting(request("x"))
        .await
        .unwrap_err();

    // A builder holding the secret, and the provider it builds (whose token manager shows its
    // token refresher), as the application would print them.
    let configured = ZoomProvider::builder().with_credentials("acct", "cid", secret.clone());
    let built = configured.clone().build().unwrap();
    let debug = format!(
        "{zoom:?}\n{zoom:#?}\n{bad:?}\n{configured:?}\n{configured:#?}\n{built:#?}\n{:?}\n{:?}\n{failed:?}\n{failed}\n{:?}\n{record:?}",
        builder(&emu),
        zoom.token_manager(),
        failed.to_json(),
    );
    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("zoom_http"), "the flows were logged:\n{logs}");
    assert!(logs.contains("http_status=201"), "statuses are logged");
    assert!(logs.contains("tenant=acme-hr"), "tenants are logged");

    let mut secrets = vec![secret, wrong.to_owned()];
    secrets.extend(tokens);
    for url in &start_urls {
        let zak = url.split("zak=").nth(1).expect("start_url carries a zak");
        secrets.push(zak.to_owned());
    }
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "a secret reached the logs: {s}");
        assert!(
            !debug.contains(s.as_str()),
            "a secret reached Debug output: {s}\n{debug}"
        );
    }
    assert!(debug.contains("[redacted]"));
}
