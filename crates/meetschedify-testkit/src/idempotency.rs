//! The idempotency-store suite: what every [`IdempotencyStore`] must do for keyed creates to
//! make one meeting per key.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::{Claim, IdempotencyKey, IdempotencyStore, ProviderId};
use tokio::sync::Barrier;

use crate::concurrent::RACERS;
use crate::outcome::{CheckFailure, CheckResult, Outcome, Report};
use crate::support::{ensure, store_err, unique_prefix};

/// The names of the checks [`run_idempotency`] runs, in order.
pub const IDEMPOTENCY_CHECKS: &[&str] = &[
    "claim_then_in_flight",
    "complete_then_completed",
    "release_frees_the_key",
    "lapsed_lease_is_taken_over",
    "renew_keeps_the_lease",
    "expired_record_is_claimed_again",
    "keys_are_scoped",
    "claim_race_has_one_winner",
];

const LONG: Duration = Duration::from_secs(600);
const DAY: Duration = Duration::from_secs(86_400);

fn key(label: &str) -> IdempotencyKey {
    IdempotencyKey::new(unique_prefix(label), ProviderId::ZOOM, "key-1")
}

async fn claim(
    store: &Arc<dyn IdempotencyStore>,
    key: &IdempotencyKey,
    fingerprint: &str,
    holder: &str,
    lease: Duration,
    ttl: Duration,
) -> Result<Claim, CheckFailure> {
    store
        .claim(key, fingerprint, holder, lease, ttl)
        .await
        .map_err(store_err("claim"))
}

/// A fresh key is acquired; a second claim sees the first's create in flight, with its
/// fingerprint, whatever fingerprint it brings.
pub async fn claim_then_in_flight(store: &Arc<dyn IdempotencyStore>) -> CheckResult {
    let k = key("in-flight");
    let first = claim(store, &k, "fp-a", "h1", LONG, DAY).await?;
    ensure!(first == Claim::Acquired, "first claim: {first:?}");
    for fp in ["fp-a", "fp-b"] {
        let second = claim(store, &k, fp, "h2", LONG, DAY).await?;
        ensure!(
            second
                == Claim::InFlight {
                    fingerprint: "fp-a".into()
                },
            "second claim with {fp}: {second:?}"
        );
    }
    Ok(Outcome::Passed)
}

/// After `complete`, claims see the outcome exactly as stored; a later `complete` (a holder
/// whose lease was taken over) does not overwrite it.
pub async fn complete_then_completed(store: &Arc<dyn IdempotencyStore>) -> CheckResult {
    let k = key("complete");
    claim(store, &k, "fp-a", "h1", LONG, DAY).await?;
    let outcome = r#"{"meeting_id":"8547 é \"quoted\""}"#;
    store
        .complete(&k, "h1", outcome, DAY)
        .await
        .map_err(store_err("complete"))?;
    store
        .complete(&k, "h2", "other", DAY)
        .await
        .map_err(store_err("second complete"))?;
    let again = claim(store, &k, "fp-b", "h3", LONG, DAY).await?;
    ensure!(
        again
            == Claim::Completed {
                fingerprint: "fp-a".into(),
                outcome: outcome.into()
            },
        "claim after complete: {again:?}"
    );
    // Releasing a completed key does nothing.
    store
        .release(&k, "h1")
        .await
        .map_err(store_err("release"))?;
    let still = claim(store, &k, "fp-a", "h4", LONG, DAY).await?;
    ensure!(
        matches!(still, Claim::Completed { .. }),
        "a completed key was released: {still:?}"
    );
    Ok(Outcome::Passed)
}

/// `release` by the holder frees the key at once; by anyone else it does nothing.
pub async fn release_frees_the_key(store: &Arc<dyn IdempotencyStore>) -> CheckResult {
    let k = key("release");
    claim(store, &k, "fp-a", "h1", LONG, DAY).await?;
    store
        .release(&k, "someone-else")
        .await
        .map_err(store_err("foreign release"))?;
    let held = claim(store, &k, "fp-a", "h2", LONG, DAY).await?;
    ensure!(
        matches!(held, Claim::InFlight { .. }),
        "a foreign release freed the key: {held:?}"
    );
    store
        .release(&k, "h1")
        .await
        .map_err(store_err("release"))?;
    let free = claim(store, &k, "fp-b", "h3", LONG, DAY).await?;
    ensure!(free == Claim::Acquired, "after release: {free:?}");
    Ok(Outcome::Passed)
}

/// A lease that lapsed is taken over by a claim with the same fingerprint, never by one with
/// another (that is a different request reusing the key).
pub async fn lapsed_lease_is_taken_over(store: &Arc<dyn IdempotencyStore>) -> CheckResult {
    let k = key("lapsed");
    claim(store, &k, "fp-a", "h1", Duration::from_millis(200), DAY).await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let other = claim(store, &k, "fp-b", "h2", LONG, DAY).await?;
    ensure!(
        other
            == Claim::InFlight {
                fingerprint: "fp-a".into()
            },
        "another request took over a lapsed lease: {other:?}"
    );
    let same = claim(store, &k, "fp-a", "h3", LONG, DAY).await?;
    ensure!(
        same == Claim::Acquired,
        "same request after lapse: {same:?}"
    );
    let renewed = store
        .renew(&k, "h1", LONG)
        .await
        .map_err(store_err("renew"))?;
    ensure!(!renewed, "the old holder renewed a lease taken over");
    Ok(Outcome::Passed)
}

/// `renew` by the holder keeps the key held past the first lease; by anyone else it fails.
pub async fn renew_keeps_the_lease(store: &Arc<dyn IdempotencyStore>) -> CheckResult {
    let k = key("renew");
    claim(store, &k, "fp-a", "h1", Duration::from_millis(300), DAY).await?;
    let foreign = store
        .renew(&k, "h2", LONG)
        .await
        .map_err(store_err("foreign renew"))?;
    ensure!(!foreign, "a foreign holder renewed the lease");
    let mine = store
        .renew(&k, "h1", LONG)
        .await
        .map_err(store_err("renew"))?;
    ensure!(mine, "the holder could not renew");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let later = claim(store, &k, "fp-a", "h3", LONG, DAY).await?;
    ensure!(
        matches!(later, Claim::InFlight { .. }),
        "a renewed lease lapsed: {later:?}"
    );
    Ok(Outcome::Passed)
}

/// A record past its time to live is gone: the key is claimed afresh, by any request.
pub async fn expired_record_is_claimed_again(store: &Arc<dyn IdempotencyStore>) -> CheckResult {
    let k = key("expired");
    let short = Duration::from_millis(300);
    claim(store, &k, "fp-a", "h1", short, short).await?;
    store
        .complete(&k, "h1", "m1", short)
        .await
        .map_err(store_err("complete"))?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let fresh = claim(store, &k, "fp-b", "h2", LONG, DAY).await?;
    ensure!(fresh == Claim::Acquired, "after expiry: {fresh:?}");
    Ok(Outcome::Passed)
}

/// The same caller's key under another tenant or provider is another record.
pub async fn keys_are_scoped(store: &Arc<dyn IdempotencyStore>) -> CheckResult {
    let run = unique_prefix("scoped");
    let a = IdempotencyKey::new(format!("{run}-a"), ProviderId::ZOOM, "k");
    let b = IdempotencyKey::new(format!("{run}-b"), ProviderId::ZOOM, "k");
    let c = IdempotencyKey::new(format!("{run}-a"), ProviderId::GOOGLE_MEET, "k");
    // Separators inside a part must not make two keys one.
    let d = IdempotencyKey::new(format!("{run}-a/zoom"), ProviderId::ZOOM, "k");
    for (name, k) in [("a", &a), ("b", &b), ("c", &c), ("d", &d)] {
        let got = claim(store, k, "fp", name, LONG, DAY).await?;
        ensure!(got == Claim::Acquired, "key {name} ({k}): {got:?}");
    }
    Ok(Outcome::Passed)
}

/// [`RACERS`] claims of one fresh key at once: exactly one acquires, every other sees it in
/// flight.
pub async fn claim_race_has_one_winner(stores: &[Arc<dyn IdempotencyStore>]) -> CheckResult {
    let k = key("race");
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::with_capacity(RACERS);
    for i in 0..RACERS {
        let store = Arc::clone(&stores[i % stores.len()]);
        let (k, barrier) = (k.clone(), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store
                .claim(&k, "fp", &format!("racer-{i}"), LONG, DAY)
                .await
        }));
    }
    let (mut acquired, mut in_flight) = (0, 0);
    for task in tasks {
        let result = task
            .await
            .map_err(|e| CheckFailure::new(format!("racer panicked: {e}")))?;
        match result.map_err(store_err("racing claim"))? {
            Claim::Acquired => acquired += 1,
            Claim::InFlight { .. } => in_flight += 1,
            other => return Err(CheckFailure::new(format!("unexpected claim {other:?}"))),
        }
    }
    ensure!(
        acquired == 1 && in_flight == RACERS - 1,
        "{acquired} acquired and {in_flight} in flight of {RACERS}"
    );
    Ok(Outcome::Passed)
}

/// Runs every idempotency check against stores made by `new_store`.
///
/// `new_store` is called once for the single-instance checks and twice more for the race,
/// which spreads its claims over three instances: each call must return a separate instance on
/// the same backend. Every check uses its own random tenant, so runs never collide. The checks
/// sleep for under a second in total, waiting for short leases and records to lapse.
pub async fn run_idempotency<F, Fut>(new_store: F) -> Report
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn IdempotencyStore>>,
{
    let store = new_store().await;
    let mut report = Report {
        suite: IDEMPOTENCY_CHECKS,
        ..Report::default()
    };
    report.record("claim_then_in_flight", claim_then_in_flight(&store).await);
    report.record(
        "complete_then_completed",
        complete_then_completed(&store).await,
    );
    report.record("release_frees_the_key", release_frees_the_key(&store).await);
    report.record(
        "lapsed_lease_is_taken_over",
        lapsed_lease_is_taken_over(&store).await,
    );
    report.record("renew_keeps_the_lease", renew_keeps_the_lease(&store).await);
    report.record(
        "expired_record_is_claimed_again",
        expired_record_is_claimed_again(&store).await,
    );
    report.record("keys_are_scoped", keys_are_scoped(&store).await);
    let stores = [store, new_store().await, new_store().await];
    report.record(
        "claim_race_has_one_winner",
        claim_race_has_one_winner(&stores).await,
    );
    report
}
