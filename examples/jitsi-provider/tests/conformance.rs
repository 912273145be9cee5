//! The Jitsi provider passes the provider conformance suite; what it does not offer is skipped,
//! each check with its reason.

use std::sync::Arc;

use example_jitsi_provider::JitsiProvider;
use meetschedify_core::{Capabilities, MeetingProvider};
use meetschedify_testkit::provider::{run_provider_conformance, ProviderHarness};

const ROOM_SECRET: &str = "jitsi-room-secret-5e3f";

#[tokio::test]
async fn jitsi_passes_the_provider_conformance_suite() {
    let provider: Arc<dyn MeetingProvider> = Arc::new(
        JitsiProvider::builder()
            .with_base_url("https://jitsi.example.org")
            .with_room_secret(ROOM_SECRET)
            .build()
            .unwrap(),
    );
    let caps = Capabilities::of(provider.as_ref());
    assert!(caps.idempotent_create && !caps.metadata_round_trip);
    assert!(!caps.get && !caps.update && !caps.cancel && !caps.oauth_connect);

    let report = run_provider_conformance(
        &ProviderHarness::new(provider, "school-7b")
            .with_secrets([ROOM_SECRET])
            .with_other_tenant("school-9c"),
    )
    .await;
    println!("{report}");
    report.assert_ok();
    let passed = [
        "create_returns_join_link",
        "create_returns_metadata",
        "time_round_trips",
        "idempotent_create",
        "connected_tenant_is_connected",
        "unsupported_operations_refused",
        "client_routes_create",
        "debug_shows_no_secret",
    ];
    assert_eq!(report.passed, passed, "{report}");
    let skipped: Vec<(&str, &str)> = report
        .skipped
        .iter()
        .map(|(check, why)| (*check, why.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "metadata_round_trip",
                "provider does not declare metadata_round_trip"
            ),
            ("get_returns_created", "provider offers no get"),
            ("update_changes_title_and_time", "provider offers no update"),
            ("cancel_then_already_cancelled", "provider offers no cancel"),
            ("get_after_cancel_is_gone", "provider offers no cancel"),
            (
                "missing_meeting_is_not_found",
                "provider offers no get, update or cancel"
            ),
            (
                "other_tenant_sees_nothing",
                "provider offers no get, update or cancel"
            ),
            (
                "failure_has_neutral_kind",
                "no failure case given (ProviderHarness::with_failure)"
            ),
            (
                "disconnected_tenant_is_not_connected",
                "no disconnected tenant given (ProviderHarness::with_disconnected_tenant)"
            ),
        ],
        "jitsi cannot fail and has nothing to connect"
    );
}
