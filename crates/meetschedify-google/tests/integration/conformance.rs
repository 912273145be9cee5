//! The per-user Google Meet provider passes the provider conformance suite of
//! `meetschedify-testkit` against the emulator.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{
    Capabilities, ErrorKind, MeetingProvider, MemoryTokenStore, OAuthStateKey, ProviderId,
    RetryConfig, SaveCondition, TokenKey, TokenRecord, TokenStore,
};
use meetschedify_emulator::{Emulator, FaultAction, FaultRule};
use meetschedify_google::{CalendarOptions, GoogleEndpoints, GoogleMeetProvider};
use meetschedify_testkit::provider::{run_provider_conformance, FailureCase, ProviderHarness};

/// Where events are inserted (`POST /calendar/v3/calendars/{calendar}/events`).
const INSERT: &str = "/calendar/v3/calendars/*/events";

/// Google's 429 with its error envelope.
fn rate_limited() -> FaultAction {
    let body = serde_json::json!({"error": {"code": 429, "message": "Rate Limit Exceeded",
        "errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded",
                    "message": "Rate Limit Exceeded"}]}});
    FaultAction::Status {
        status: 429,
        body: body.to_string(),
        headers: vec![
            (
                "content-type".to_owned(),
                "application/json; charset=UTF-8".to_owned(),
            ),
            ("retry-after".to_owned(), "1".to_owned()),
        ],
    }
}

#[tokio::test]
async fn google_meet_passes_the_provider_conformance_suite() {
    let emu = Arc::new(Emulator::builder().start().await.expect("emulator starts"));
    let demo = emu.demo();
    // The connected tenant holds the demo refresh token (an expired access token, as after a
    // connect long ago); the disconnected one never connected.
    let store = Arc::new(MemoryTokenStore::new());
    store
        .save(
            &TokenKey::new("org_1", ProviderId::GOOGLE_MEET),
            &TokenRecord::new("ya29.expired-long-ago")
                .with_refresh_token(&demo.google_refresh_token)
                .with_expires_at(jiff::Timestamp::UNIX_EPOCH),
            SaveCondition::Always,
        )
        .await
        .unwrap();
    // A second tenant, connected to its own Google account (two tenants on one account are
    // `shared_account.rs`'s case).
    emu.add_google_user("second@emulator.example.com");
    let second = emu
        .issue_google_refresh_token(
            &demo.google_client_id,
            "second@emulator.example.com",
            &[meetschedify_google::SCOPE_CALENDAR_EVENTS],
        )
        .expect("the emulator issues a refresh token");
    store
        .save(
            &TokenKey::new("org_2", ProviderId::GOOGLE_MEET),
            &TokenRecord::new("ya29.expired-long-ago")
                .with_refresh_token(&second)
                .with_expires_at(jiff::Timestamp::UNIX_EPOCH),
            SaveCondition::Always,
        )
        .await
        .unwrap();
    let google = GoogleMeetProvider::builder()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url()).unwrap())
        .with_state_key(OAuthStateKey::from_bytes([7; 32]))
        .with_token_store(store)
        // Retries off, so the armed 429 surfaces as it is; conference polls stay fast.
        .with_calendar_options(
            CalendarOptions::default()
                .with_retry(RetryConfig::none())
                .with_conference_poll_interval(Duration::from_millis(1)),
        )
        .build()
        .expect("provider builds");
    let provider: Arc<dyn MeetingProvider> = Arc::new(google);
    let caps = Capabilities::of(provider.as_ref());
    assert!(caps.get && caps.update && caps.cancel && caps.oauth_connect);
    assert!(caps.idempotent_create && caps.metadata_round_trip);

    let armed = emu.clone();
    let harness = ProviderHarness::new(provider, "org_1")
        .with_secrets([
            demo.google_client_secret.clone(),
            demo.google_refresh_token.clone(),
            second,
        ])
        // Digits are base32hex, so this is a well-formed event id that does not exist.
        .with_missing_meeting_id("99999999999")
        .with_failure(FailureCase::armed_by(ErrorKind::RateLimited, move || {
            armed.inject_fault(FaultRule::once("POST", INSERT, rate_limited()));
        }))
        .with_disconnected_tenant("org_never_connected")
        .with_other_tenant("org_2");
    let report = run_provider_conformance(&harness).await;
    println!("{report}");
    // Google offers every operation, so only "unsupported_operations_refused" is skipped.
    report.assert_ok();
    assert_eq!(
        report
            .skipped
            .iter()
            .map(|(check, _)| *check)
            .collect::<Vec<_>>(),
        ["unsupported_operations_refused"],
        "{report}"
    );
}
