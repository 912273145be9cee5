//! The Zoom provider passes the provider conformance suite of `meetschedify-testkit` against
//! the emulator. (The testkit's library depends on core alone, so the dev-dependency cycle with
//! the testkit's own dev-dependency on this crate is fine.)

use std::sync::Arc;

use meetschedify_core::hosts::{PoolHost, MAX_CONCURRENT_LIMIT};
use meetschedify_core::{Capabilities, ErrorKind, MeetingProvider, RetryConfig};
use meetschedify_emulator::{Emulator, FaultAction, FaultRule};
use meetschedify_testkit::provider::{run_provider_conformance, FailureCase, ProviderHarness};
use meetschedify_zoom::ZoomProvider;

/// Where Zoom creates meetings (`POST /v2/users/{user}/meetings`).
const CREATE: &str = "/v2/users/*/meetings";

#[tokio::test]
async fn zoom_passes_the_provider_conformance_suite() {
    conformance(None).await;
}

/// The same suite with a host pool: every create, update and cancel goes through the pool.
/// The suite schedules all its meetings at one time and keeps most of them, so the hosts take
/// up to 16 at once each (no Zoom licence does; the emulator does not mind scheduled overlaps).
#[tokio::test]
async fn zoom_with_a_host_pool_passes_the_provider_conformance_suite() {
    conformance(Some(
        [
            "alice@clinic.example",
            "bob@clinic.example",
            "carol@clinic.example",
        ]
        .into_iter()
        .map(|h| PoolHost::new(h).with_max_concurrent(MAX_CONCURRENT_LIMIT))
        .collect(),
    ))
    .await;
}

async fn conformance(pool: Option<Vec<PoolHost>>) {
    // Shared with the closure that arms the failure.
    let emu = Arc::new(
        Emulator::builder()
            .with_zoom_daily_limit(None)
            .start()
            .await
            .expect("emulator starts"),
    );
    let demo = emu.demo();
    emu.add_zoom_user(&demo.zoom_account_id, "carol@clinic.example")
        .expect("carol joins");
    let secret = demo.zoom_client_secret.clone();
    let mut builder = ZoomProvider::builder();
    if let Some(hosts) = pool {
        builder = builder.with_host_pool(hosts);
    }
    let zoom = builder
        .with_credentials(&demo.zoom_account_id, &demo.zoom_client_id, &secret)
        .with_api_base(emu.zoom_api_base())
        .with_oauth_base(emu.zoom_oauth_base())
        // Retries off: the armed 429 surfaces as it is. Retried, it would either be retried
        // away or end as ZOOM_MAX_RETRIES_EXCEEDED (kind unavailable).
        .with_retry(RetryConfig::none())
        .build()
        .expect("provider builds");
    let provider: Arc<dyn MeetingProvider> = Arc::new(zoom);
    let caps = Capabilities::of(provider.as_ref());
    assert!(caps.get && caps.update && caps.cancel && caps.idempotent_create);

    let armed = emu.clone();
    let harness = ProviderHarness::new(provider, "acme-hr")
        .with_other_tenant("other-tenant")
        .with_secrets([secret])
        // Zoom meeting ids are numbers: a non-numeric id is refused as INVALID_REQUEST before
        // any call, so the missing one must be numeric.
        .with_missing_meeting_id("99999999999")
        .with_failure(FailureCase::armed_by(ErrorKind::RateLimited, move || {
            armed.inject_fault(FaultRule::once(
                "POST",
                CREATE,
                FaultAction::too_many_requests(1),
            ));
        }));
    // Server-to-Server OAuth: every tenant is connected, so there is no disconnected tenant
    // to give, and that check is skipped.
    let report = run_provider_conformance(&harness).await;
    println!("{report}");
    report.assert_ok();
    for check in [
        "create_returns_join_link",
        "create_returns_metadata",
        "time_round_trips",
        "idempotent_create",
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
