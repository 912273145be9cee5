//! No secret (client secret, refresh or access token, authorization code, state) reaches the
//! `tracing` output or any `Debug` output, at any level.

// Its own test binary: it captures every trace of the process, which only works when no
// other test runs beside it (tracing caches which callsites are enabled process-wide).
// It uses only part of the shared helpers.
#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    AuthorizationRequest, MeetingContext, MeetingProvider, OAuthCallback, OAuthConnect, ProviderId,
    RequestLimits, TenantId, TokenKey, TokenStore, UpdateMeetingRequest, ValidatedUpdate,
};
use meetschedify_core::{CancelMeeting, GetMeeting, MemoryTokenStore, UpdateMeeting};
use meetschedify_emulator::{FaultAction, FaultRule};
use meetschedify_google::{GoogleClientCredentials, GoogleMeetBuilder};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn no_secret_in_traces_or_debug_output() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = common::default_emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let provider = common::provider(&emu, store.clone());
    let tenant = TenantId::new("org_1");
    let key = TokenKey::new("org_1", ProviderId::GOOGLE_MEET);
    let mut secrets = vec![emu.demo().google_client_secret.clone()];

    let auth = provider
        .tokens()
        .authorization_url(&AuthorizationRequest::new("org_1", ProviderId::GOOGLE_MEET))
        .await
        .unwrap();
    let back = common::consent(&auth.url, "allow").await;
    let (code, state) = (back.code.unwrap(), back.state.unwrap());
    secrets.push(code.clone());
    secrets.push(state.clone());
    provider
        .tokens()
        .handle_callback(
            &OAuthCallback::new(code, state).with_session_binding(auth.session_binding.clone()),
        )
        .await
        .unwrap();
    let record = store.get(&key).await.unwrap().unwrap();
    secrets.push(record.access_token.expose_secret().to_owned());
    secrets.push(
        record
            .refresh_token
            .as_ref()
            .unwrap()
            .expose_secret()
            .to_owned(),
    );

    let meeting = provider
        .create_meeting(&common::create_request("org_1", Some("k")))
        .await
        .unwrap();
    // A 401 and a refresh, a lost answer and a retry: the paths that log the most.
    emu.advance_clock(Duration::from_secs(3700));
    emu.inject_fault(FaultRule::once(
        "PATCH",
        "/calendar/v3/*",
        FaultAction::ResetAfter,
    ));
    let update = ValidatedUpdate::new(
        UpdateMeetingRequest::new().with_title("moved"),
        &RequestLimits::DEFAULT,
    )
    .unwrap();
    provider
        .update_meeting(
            &MeetingContext::new("org_1"),
            &meeting.provider_event_id,
            &update,
        )
        .await
        .unwrap();
    secrets.push(
        store
            .get(&key)
            .await
            .unwrap()
            .unwrap()
            .access_token
            .expose_secret()
            .to_owned(),
    );
    provider
        .cancel_meeting(&MeetingContext::new("org_1"), &meeting.provider_event_id)
        .await
        .unwrap();
    // A refused refresh token is logged as an error: its value must not be.
    emu.revoke_token(&secrets[4]);
    // The access token in hand expires at Google: the next call meets a 401 and refreshes.
    emu.advance_clock(Duration::from_secs(3700));
    let err = provider
        .get_meeting(&MeetingContext::new("org_1"), &meeting.provider_event_id)
        .await
        .unwrap_err();
    tracing::error!(error = ?err, "as an application would log it");
    provider.tokens().disconnect(&tenant).await.unwrap();

    let debug = [
        format!("{provider:?}"),
        format!("{:?}", common::builder(&emu, store.clone())),
        format!(
            "{:?}",
            GoogleMeetBuilder::new().with_client_secret("GOCSPX-debug-me")
        ),
        format!(
            "{:?}",
            GoogleClientCredentials::new("id", "GOCSPX-debug-me")
        ),
        format!("{record:?}"),
        format!("{err:?}"),
    ]
    .join("\n");
    secrets.push("GOCSPX-debug-me".to_owned());

    let text = logs.text();
    assert!(
        text.contains("google_calendar"),
        "spans were captured:\n{text}"
    );
    assert!(text.contains("refresh"), "refresh was logged");
    assert!(
        text.contains("google_oauth"),
        "token requests have their span"
    );
    for secret in &secrets {
        assert!(!secret.is_empty());
        assert!(
            !text.contains(secret.as_str()),
            "secret in traces: {secret}"
        );
        assert!(
            !debug.contains(secret.as_str()),
            "secret in Debug: {secret}"
        );
    }
}
