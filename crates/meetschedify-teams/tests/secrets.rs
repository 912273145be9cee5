//! The secrets test runs in its own test binary, alone: `tracing` caches per-callsite interest
//! process-wide, and a test running on another thread could register a callsite while this
//! test's scoped subscriber is being installed (as the Zoom crate found).

// Shared with the integration binary; not every helper is used here.
#[allow(dead_code)]
#[path = "integration/common.rs"]
mod common;
#[allow(dead_code)]
#[path = "integration/user_common.rs"]
mod user_common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    AuthorizationRequest, MeetingContext, MeetingProvider, MemoryTokenStore, OAuthConnect,
    OAuthStateKey, ProviderId, SaveCondition, TenantId, TokenRecord, TokenStore, ValidatedCreate,
};
use meetschedify_emulator::{EmulatorHandle, FaultRule};

use crate::common::{builder, client, emulator, request, status_with};
use crate::user_common::{callback, consent, user_builder, user_request, STATE_KEY};

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

/// No secret reaches `tracing` output or `Debug`: the client secret and the access tokens of
/// the app-only provider; the authorization code, the state key, and the access and refresh
/// tokens (before and after rotation) of the per-user provider. Flows run with logging at
/// TRACE into a buffer, then the buffer and every `Debug` rendering are searched for each
/// secret.
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
    let (user_rendered, user_secrets) = per_user_flows(&emu).await;
    drop(_guard);

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("graph_http"),
        "the flows were logged:\n{logs}"
    );
    let rendered = format!(
        "{teams:?} {teams:#?} {created:?} {got:?} {err:?} {wrong:?} {} {user_rendered}",
        err
    );
    assert!(
        logs.contains("microsoft_connect"),
        "the per-user flows were logged"
    );
    let mut needles = vec![
        secret.clone(),
        "wrong-secret-value".to_owned(),
        tokens[0].clone(),
        tokens[1].clone(),
    ];
    needles.extend(user_secrets);
    for needle in &needles {
        assert!(!logs.contains(needle.as_str()), "a secret is in the logs");
        assert!(
            !rendered.contains(needle.as_str()),
            "a secret is in Debug output"
        );
    }
}

async fn client_err(teams: &meetschedify_teams::TeamsAppProvider) -> meetschedify_core::Error {
    teams
        .token_manager()
        .access_token(teams.token_key())
        .await
        .unwrap_err()
}

/// The per-user provider's connect, a refresh that rotates the refresh token, and a refused
/// refresh: what they rendered with `Debug`, and every secret they handled.
async fn per_user_flows(emu: &EmulatorHandle) -> (String, Vec<String>) {
    let store = Arc::new(MemoryTokenStore::new());
    let teams = user_builder(emu, store.clone()).build().unwrap();
    let auth = teams
        .authorization_url(&AuthorizationRequest::new(
            "acme-hr",
            ProviderId::MICROSOFT_TEAMS,
        ))
        .await
        .unwrap();
    let back = consent(&auth.url, true).await;
    let code = back.code.clone().unwrap();
    let cb = callback(
        code.clone(),
        back.state.clone().unwrap(),
        &auth.session_binding,
    );
    let account = teams.handle_callback(&cb).await.unwrap();
    let key = teams.token_key(&TenantId::new("acme-hr"));
    let first = store.get(&key).await.unwrap().unwrap();
    let expire = |record: TokenRecord| {
        let store = store.clone();
        let key = key.clone();
        async move {
            let past = record.clone().with_expires_at(Timestamp::UNIX_EPOCH);
            store
                .save(&key, &past, SaveCondition::Version(record.version))
                .await
                .unwrap();
        }
    };
    expire(first.clone()).await;
    teams.token_manager().forget(&key);
    let valid =
        ValidatedCreate::new(user_request("acme-hr", "Secret-free"), &teams.limits()).unwrap();
    let created = teams.create_meeting(&valid).await.unwrap();
    let rotated = store.get(&key).await.unwrap().unwrap();
    emu.revoke_microsoft_user_tokens(&emu.demo().microsoft_organizer_upn)
        .unwrap();
    expire(rotated.clone()).await;
    teams.token_manager().forget(&key);
    let refused = teams.create_meeting(&valid).await.unwrap_err();
    let rendered = format!(
        "{teams:?} {teams:#?} {auth:?} {cb:?} {account:?} {created:?} {refused:?} {refused} {first:?} {rotated:?}"
    );
    let secret = |t: &Option<meetschedify_core::secrecy::SecretString>| {
        t.as_ref().unwrap().expose_secret().to_owned()
    };
    assert_ne!(secret(&first.refresh_token), secret(&rotated.refresh_token));
    let secrets = vec![
        code,
        OAuthStateKey::from_bytes(STATE_KEY)
            .to_base64()
            .expose_secret()
            .to_owned(),
        first.access_token.expose_secret().to_owned(),
        secret(&first.refresh_token),
        rotated.access_token.expose_secret().to_owned(),
        secret(&rotated.refresh_token),
    ];
    (rendered, secrets)
}
