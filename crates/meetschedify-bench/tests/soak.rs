//! The short soak, as part of `cargo test`: 400 creates across 50 tenants on Zoom, per-user
//! Google, per-user Teams and app-only Teams while the emulator injects 10% 503, 5% 429 with
//! `Retry-After`, 5% latency beyond the timeout and 5% resets after processing (Graph: 5% each
//! of 503 and 429 with `Retry-After`, 504, late answers and resets; per-user Teams' refresh
//! grant: 10% 503, 5% 429, 5% resets and 5% late answers, both before the single-use refresh
//! token is rotated, while its access tokens are expired throughout). The long run is
//! `cargo run --release -p meetschedify-bench --bin soak` (2,000 creates).

use meetschedify_bench::soak::{self, SoakConfig, SoakProvider};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_soak_keeps_every_promise() {
    let config = SoakConfig::short();
    let report = soak::run(&config).await.unwrap();
    // The counts, in the test log (`--nocapture`) and in CI's.
    println!(
        "{}",
        serde_json::to_string_pretty(&soak::summary(&report)).unwrap()
    );
    assert_eq!(report.problems(), Vec::<String>::new());
    let succeeded: usize = report.succeeded.values().sum();
    let failed: usize = report.failed.values().sum();
    assert_eq!(
        succeeded + failed + report.panics,
        config.creates,
        "every call is accounted for"
    );
    // The faults really fired: with 25% of requests faulted and a retry budget of six, most
    // calls still succeed, but token endpoints and retries were exercised.
    assert!(
        succeeded >= config.creates * 9 / 10,
        "{succeeded} of {}",
        config.creates
    );
    assert!(
        report.token_requests["google-meet"] >= config.tenants as u64,
        "each Google tenant refreshed"
    );
    // Every provider has its rows, and the Teams calls went through Graph's faults.
    for provider in SoakProvider::ALL {
        let name = provider.id().to_string();
        assert_eq!(report.duplicates.get(&name), Some(&0), "{name}");
        assert_eq!(report.tokens_lost.get(&name), Some(&0), "{name}");
        assert!(
            report.succeeded.get(&name).is_some_and(|n| *n > 0),
            "{name}"
        );
    }
    assert!(report.token_requests["microsoft-teams-app"] >= 1);
    // Per-user Teams' access tokens were expired under the instances again and again, and its
    // refresh tokens rotated each time: more token requests than the connects alone made.
    let expiries = report.token_expiries["microsoft-teams"];
    assert!(expiries >= config.teams_users as u64, "{expiries} expiries");
    assert!(
        report.token_requests["microsoft-teams"] > 2 * config.teams_users as u64,
        "the per-user Teams tenants refreshed"
    );
}
