#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod basic;
mod concurrent;
pub mod env;
mod faults;
mod hosts;
mod hosts_contention;
mod idempotency;
mod nonces;
mod outcome;
pub mod provider;
pub mod proxy;
mod subscriptions;
mod support;
mod versions;

use std::future::Future;
use std::sync::Arc;

use meetschedify_core::TokenStore;

pub use basic::{
    debug_shows_no_token, delete_missing_is_fine, expiry_round_trips_in_utc, missing_is_none,
    overwrite, round_trip, stale_version_refused, tenant_isolation,
};
pub use concurrent::{
    absent_race_has_one_winner, lease_exclusivity, lease_expiry, two_instances_share_state,
    version_race_has_one_winner, RACERS,
};
pub use faults::{corrupt_record_is_an_error, cut_and_restore, CutExpectations};
pub use hosts::{
    changes_are_all_or_nothing, charge_adds_and_raise_never_lowers, counts_are_per_day_and_host,
    each_booking_is_read_once, pools_are_separate, put_replaces_by_id,
    reads_by_meeting_and_booking_id, remove_ignores_unknown_ids, run_host_ledger_conformance,
    the_last_decide_wins, transactions_are_isolated, window_reads_listed_hosts_only,
    window_reads_overlaps_only, HOST_LEDGER_CHECKS,
};
pub use hosts_contention::{run_host_ledger_contention, Contention};
pub use idempotency::{
    claim_race_has_one_winner, claim_then_in_flight, complete_then_completed,
    expired_record_is_claimed_again, keys_are_scoped, lapsed_lease_is_taken_over,
    release_frees_the_key, renew_keeps_the_lease, run_idempotency, IDEMPOTENCY_CHECKS,
};
pub use nonces::nonces_are_single_use;
pub use outcome::{CheckFailure, CheckResult, Outcome, Report};
pub use provider::{
    run_provider_conformance, FailingCall, FailureCase, ProviderHarness, CONFORMANCE_CHECKS,
};
pub use subscriptions::{
    cursor_advances_only_from_expected, cursor_race_has_one_winner,
    debug_shows_no_subscription_secret, expiring_before_is_strict, for_tenant_is_isolated,
    instances_share_subscriptions, put_replaces_the_whole_subscription, remove_forgets_everywhere,
    run_subscription_conformance, subscription_round_trips, SUBSCRIPTION_CHECKS,
};
pub use support::{drop_sql_tables, unique_prefix, unique_table_prefix, SQL_TABLES};
pub use versions::{
    conditional_delete_refuses_a_stale_version, versions_never_repeat_across_deletes,
};

/// The names of the checks [`run_all`] runs, in order.
pub const CHECKS: &[&str] = &[
    "round_trip",
    "overwrite",
    "missing_is_none",
    "delete_missing_is_fine",
    "tenant_isolation",
    "stale_version_refused",
    "expiry_round_trips_in_utc",
    "debug_shows_no_token",
    "version_race_has_one_winner",
    "absent_race_has_one_winner",
    "lease_exclusivity",
    "lease_expiry",
    "two_instances_share_state",
    "versions_never_repeat_across_deletes",
    "conditional_delete_refuses_a_stale_version",
];

/// Runs every check against stores made by `new_store` and reports each one.
///
/// `new_store` is called once for the single-instance checks and twice more for
/// [`two_instances_share_state`]: each call must return a *separate* instance (its own pool or
/// connection) on the *same* backend, so that check proves instances share state. Every check
/// writes under its own random tenant prefix, so runs never collide and need no cleanup.
pub async fn run_all<F, Fut>(new_store: F) -> Report
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn TokenStore>>,
{
    let store = new_store().await;
    let mut report = Report::default();
    report.record("round_trip", round_trip(&store).await);
    report.record("overwrite", overwrite(&store).await);
    report.record("missing_is_none", missing_is_none(&store).await);
    report.record(
        "delete_missing_is_fine",
        delete_missing_is_fine(&store).await,
    );
    report.record("tenant_isolation", tenant_isolation(&store).await);
    report.record("stale_version_refused", stale_version_refused(&store).await);
    report.record(
        "expiry_round_trips_in_utc",
        expiry_round_trips_in_utc(&store).await,
    );
    report.record("debug_shows_no_token", debug_shows_no_token(&store).await);
    report.record(
        "version_race_has_one_winner",
        version_race_has_one_winner(&store).await,
    );
    report.record(
        "absent_race_has_one_winner",
        absent_race_has_one_winner(&store).await,
    );
    report.record("lease_exclusivity", lease_exclusivity(&store).await);
    report.record("lease_expiry", lease_expiry(&store).await);
    let (a, b) = (new_store().await, new_store().await);
    report.record(
        "two_instances_share_state",
        two_instances_share_state(&a, &b).await,
    );
    report.record(
        "versions_never_repeat_across_deletes",
        versions_never_repeat_across_deletes(&store).await,
    );
    report.record(
        "conditional_delete_refuses_a_stale_version",
        conditional_delete_refuses_a_stale_version(&store).await,
    );
    report
}
