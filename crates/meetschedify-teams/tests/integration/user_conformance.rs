//! The per-user Teams provider passes the provider conformance suite of
//! `meetschedify-testkit` against the emulator, connected through the consent flow.

use std::sync::Arc;

use meetschedify_core::{
    Capabilities, ErrorKind, MeetingProvider, MemoryTokenStore, RetryConfig, TokenStore,
};
use meetschedify_emulator::{FaultAction, FaultRule};
use meetschedify_testkit::provider::{run_provider_conformance, FailureCase, ProviderHarness};

use crate::common::emulator;
use crate::user_common::{connect, user_builder};

#[tokio::test]
async fn teams_per_user_passes_the_provider_conformance_suite() {
    let emu = Arc::new(emulator().await);
    let secret = emu.demo().microsoft_client_secret.clone();
    let store = Arc::new(MemoryTokenStore::new());
    let teams = user_builder(&emu, store.clone())
        // Retries off: the armed 429 surfaces as it is.
        .with_retry(RetryConfig::none())
        .build()
        .unwrap();
    connect(&teams, "acme-hr").await;
    // A second tenant on the same Microsoft account: Graph would show it the first tenant's
    // events, so only the library's ownership check keeps them apart.
    connect(&teams, "acme-ops").await;
    let record = store
        .get(&teams.token_key(&"acme-hr".into()))
        .await
        .unwrap()
        .unwrap();
    let refresh = record.refresh_token.clone().unwrap();
    let provider: Arc<dyn MeetingProvider> = Arc::new(teams);
    let caps = Capabilities::of(provider.as_ref());
    assert!(caps.get && caps.update && caps.cancel && caps.oauth_connect);
    assert!(caps.idempotent_create && caps.metadata_round_trip);
    let armed = emu.clone();
    use meetschedify_core::secrecy::ExposeSecret;
    let harness = ProviderHarness::new(provider, "acme-hr")
        .with_secrets([secret, refresh.expose_secret().to_owned()])
        .with_failure(FailureCase::armed_by(ErrorKind::RateLimited, move || {
            armed.inject_fault(FaultRule::once(
                "POST",
                "/graph/v1.0/me/events",
                FaultAction::too_many_requests(1),
            ));
        }))
        .with_disconnected_tenant("never-connected")
        .with_other_tenant("acme-ops");
    let report = run_provider_conformance(&harness).await;
    println!("{report}");
    report.assert_ok();
    // Every operation is offered, so only the unsupported-operations check is skipped.
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
