//! The secrets test runs in its own test binary, alone: `tracing` caches per-callsite interest
//! process-wide, and a test running on another thread could register a callsite while this
//! test's scoped subscriber is being installed (as the Zoom crate found).

// Shared with the integration binary; not every helper is used here.
#[allow(dead_code)]
#[path = "integration/common.rs"]
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{MeetingContext, MeetingProvider, MemoryTokenStore, TokenStore};
use meetschedify_emulator::FaultRule;

use crate::common::{builder, client, emulator, request, status_with};

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

/// No secret reaches `tracing` output or `Debug`: the client secret and the access tokens.
/// Flows run with logging at TRACE into a buffer, then the buffer and every `Debug` rendering
/// are searched for each secret.
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
    let secret = emu.demo().microsoft_client_secret.clone();
    let store = Arc::new(MemoryTokenStore::new());
    let teams = builder(&emu)
        .with_token_store(store.clone())
        .build()
        .unwrap();
    let client = client(teams.clone());
    let mut tokens = Vec::new();

    let created = client.create_meeting(request("Secret-free")).await.unwrap();
    tokens.push(
        store
            .get(teams.token_key())
            .await
            .unwrap()
            .unwrap()
            .access_token
            .expose_secret()
            .to_owned(),
    );
    // A token Graph refuses, and the replay with a new one.
    emu.inject_fault(FaultRule::once(
        "GET",
        "/graph/v1.0/users/*/events/*",
        status_with(
            401,
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#,
            &[],
        ),
    ));
    let ctx = MeetingContext::new("acme-hr");
    let got = client
        .get_meeting(teams.id(), &ctx, &created.provider_event_id)
        .await
        .unwrap();
    tokens.push(
        store
            .get(teams.token_key())
            .await
            .unwrap()
            .unwrap()
            .access_token
            .expose_secret()
            .to_owned(),
    );
    assert_ne!(tokens[0], tokens[1], "the refused token was replaced");
    // A refused secret.
    let wrong = builder(&emu)
        .with_client_secret("wrong-secret-value")
        .build()
        .unwrap();
    let err = client_err(&wrong).await;
    drop(_guard);

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("graph_http"),
        "the flows were logged:\n{logs}"
    );
    let rendered = format!(
        "{teams:?} {teams:#?} {created:?} {got:?} {err:?} {wrong:?} {}",
        err
    );
    for needle in [
        secret.as_str(),
        "wrong-secret-value",
        &tokens[0],
        &tokens[1],
    ] {
        assert!(!logs.contains(needle), "a secret is in the logs");
        assert!(!rendered.contains(needle), "a secret is in Debug output");
    }
}

async fn client_err(teams: &meetschedify_teams::TeamsAppProvider) -> meetschedify_core::Error {
    teams
        .token_manager()
        .access_token(teams.token_key())
        .await
        .unwrap_err()
}
