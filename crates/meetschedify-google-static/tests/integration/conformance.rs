//! The static-refresh-token Google Meet provider passes the provider conformance suite of
//! `meetschedify-testkit` against the emulator.
//!
//! Needs `meetschedify-testkit = { path = "../meetschedify-testkit" }` in `[dev-dependencies]`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{Capabilities, ErrorKind, MeetingProvider, RetryConfig};
use meetschedify_emulator::{Emulator, FaultAction, FaultRule};
use meetschedify_google::CalendarOptions;
use meetschedify_google_static::GoogleMeetStaticBuilder;
use meetschedify_testkit::provider::{run_provider_conformance, FailureCase, ProviderHarness};

/// Where events are inserted (`POST /calendar/v3/calendars/{calendar}/events`).
const INSERT: &str = "/calendar/v3/calendars/*/events";

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
async fn google_meet_static_passes_the_provider_conformance_suite() {
    let emu = Arc::new(Emulator::start().await.expect("emulator starts"));
    let env: HashMap<String, String> = emu.env_exports().into_iter().collect();
    let static_google = GoogleMeetStaticBuilder::from_lookup(|name| env.get(name).cloned())
        // Retries off, so the armed 429 surfaces as it is; conference polls stay fast.
        .with_calendar_options(
            CalendarOptions::default()
                .with_retry(RetryConfig::none())
                .with_conference_poll_interval(Duration::from_millis(1)),
        )
        .build()
        .expect("provider builds");
    let provider: Arc<dyn MeetingProvider> = Arc::new(static_google);
    let caps = Capabilities::of(provider.as_ref());
    assert!(caps.get && caps.update && caps.cancel && !caps.oauth_connect);

    let armed = emu.clone();
    let harness = ProviderHarness::new(provider, "acme-hr")
        .with_other_tenant("other-tenant")
        .with_secrets([
            env["GOOGLE_CLIENT_SECRET"].clone(),
            env["GOOGLE_REFRESH_TOKEN"].clone(),
        ])
        .with_missing_meeting_id("99999999999")
        .with_failure(FailureCase::armed_by(ErrorKind::RateLimited, move || {
            armed.inject_fault(FaultRule::once("POST", INSERT, rate_limited()));
        }));
    // One refresh token serves every tenant: no disconnected tenant to give (skipped).
    let report = run_provider_conformance(&harness).await;
    println!("{report}");
    report.assert_ok();
    for check in [
        "create_returns_join_link",
        "get_returns_created",
        "update_changes_title_and_time",
        "cancel_then_already_cancelled",
        "get_after_cancel_is_gone",
        "missing_meeting_is_not_found",
        "failure_has_neutral_kind",
        "connected_tenant_is_connected",
        "unsupported_operations_refused",
        "client_routes_create",
        "debug_shows_no_secret",
    ] {
        assert!(
            report.passed.contains(&check),
            "{check} did not pass:\n{report}"
        );
    }
}
