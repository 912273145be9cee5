//! The app-only Teams provider passes the provider conformance suite of `meetschedify-testkit`
//! against the emulator.

use std::sync::Arc;

use meetschedify_core::{Capabilities, ErrorKind, MeetingProvider, RetryConfig};
use meetschedify_emulator::{FaultAction, FaultRule};
use meetschedify_testkit::provider::{run_provider_conformance, FailureCase, ProviderHarness};

use crate::common::{builder, emulator};

#[tokio::test]
async fn teams_app_passes_the_provider_conformance_suite() {
    // Shared with the closure that arms the failure.
    let emu = Arc::new(emulator().await);
    let secret = emu.demo().microsoft_client_secret.clone();
    let teams = builder(&emu)
        // Retries off: the armed 429 surfaces as it is.
        .with_retry(RetryConfig::none())
        .build()
        .expect("provider builds");
    let provider: Arc<dyn MeetingProvider> = Arc::new(teams);
    let caps = Capabilities::of(provider.as_ref());
    assert!(caps.get && caps.update && caps.cancel);
    assert!(caps.idempotent_create && caps.metadata_round_trip);
    let armed = emu.clone();
    let harness = ProviderHarness::new(provider, "acme-hr")
        .with_other_tenant("other-tenant")
        .with_secrets([secret])
        .with_failure(FailureCase::armed_by(ErrorKind::RateLimited, move || {
            armed.inject_fault(FaultRule::once(
                "POST",
                "/graph/v1.0/users/*/events",
                FaultAction::too_many_requests(1),
            ));
        }));
    // Client credentials: every tenant is connected, so there is no disconnected tenant to
    // give, and that check is skipped.
    let report = run_provider_conformance(&harness).await;
    println!("{report}");
    report.assert_ok();
    for check in [
        "create_returns_join_link",
        "create_returns_metadata",
        "time_round_trips",
        "idempotent_create",
        "get_returns_created",
        "metadata_round_trip",
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
