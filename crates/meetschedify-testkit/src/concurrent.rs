//! Checks with many callers: compare-and-swap races, leases, several store instances.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{SaveCondition, SaveOutcome, TokenRecord, TokenStore};
use tokio::sync::Barrier;

use crate::outcome::{CheckFailure, CheckResult, Outcome};
use crate::support::{ensure, key, store_err, unique_prefix};

/// How many tasks race in the race checks.
pub const RACERS: usize = 50;

/// [`RACERS`] tasks save against the same version at once: exactly one wins, the others get
/// `Conflict`, and the stored record is the winner's.
pub async fn version_race_has_one_winner(store: &Arc<dyn TokenStore>) -> CheckResult {
    let key = key(&unique_prefix("race"), "t");
    store
        .save(&key, &TokenRecord::new("start"), SaveCondition::Absent)
        .await
        .map_err(store_err("save"))?;
    race(store, &key, SaveCondition::Version(1), 2).await
}

/// [`RACERS`] tasks save with `Absent` on a fresh key at once: exactly one creates it.
pub async fn absent_race_has_one_winner(store: &Arc<dyn TokenStore>) -> CheckResult {
    let key = key(&unique_prefix("absent-race"), "t");
    race(store, &key, SaveCondition::Absent, 1).await
}

async fn race(
    store: &Arc<dyn TokenStore>,
    key: &meetschedify_core::TokenKey,
    condition: SaveCondition,
    winning_version: u64,
) -> CheckResult {
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::with_capacity(RACERS);
    for i in 0..RACERS {
        let (store, key, barrier) = (Arc::clone(store), key.clone(), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let record = TokenRecord::new(format!("racer-{i}"));
            (i, store.save(&key, &record, condition).await)
        }));
    }
    let mut winners = Vec::new();
    let mut conflicts = 0;
    for task in tasks {
        let (i, result) = task
            .await
            .map_err(|e| CheckFailure::new(format!("racer panicked: {e}")))?;
        match result.map_err(store_err("racing save"))? {
            SaveOutcome::Saved { version } => winners.push((i, version)),
            SaveOutcome::Conflict => conflicts += 1,
            other => return Err(CheckFailure::new(format!("unexpected outcome {other:?}"))),
        }
    }
    ensure!(
        winners.len() == 1,
        "{} of {RACERS} racers won ({winners:?}), {conflicts} conflicted",
        winners.len()
    );
    let (winner, version) = winners[0];
    ensure!(
        version == winning_version,
        "the winner got version {version}, expected {winning_version}"
    );
    let stored = store
        .get(key)
        .await
        .map_err(store_err("get"))?
        .ok_or_else(|| CheckFailure::new("record missing after the race"))?;
    ensure!(
        stored.access_token.expose_secret() == format!("racer-{winner}")
            && stored.version == winning_version,
        "the stored record is not the winner's (version {})",
        stored.version
    );
    Ok(Outcome::Passed)
}

/// A lease is exclusive while held (also against [`RACERS`] concurrent takers), only its holder
/// can release it, and a released key can be leased again.
pub async fn lease_exclusivity(store: &Arc<dyn TokenStore>) -> CheckResult {
    let Some(leases) = store.leases() else {
        return Ok(Outcome::Skipped("the store does not support leases".into()));
    };
    let key = key(&unique_prefix("lease"), "t");
    let ttl = Duration::from_secs(30);
    let before = Timestamp::now();
    let first = leases
        .try_acquire_lease(&key, ttl)
        .await
        .map_err(store_err("try_acquire_lease"))?
        .ok_or_else(|| CheckFailure::new("a free key could not be leased"))?;
    ensure!(first.key == key, "the lease names another key");
    ensure!(!first.holder.is_empty(), "the lease has an empty holder");
    ensure!(
        first.expires_at > before && first.expires_at <= Timestamp::now() + Duration::from_secs(31),
        "lease expiry {} is not about 30 s ahead",
        first.expires_at
    );
    let second = leases
        .try_acquire_lease(&key, ttl)
        .await
        .map_err(store_err("try_acquire_lease"))?;
    ensure!(second.is_none(), "a held lease was handed out twice");
    leases
        .release_lease(&first)
        .await
        .map_err(store_err("release_lease"))?;

    // Many takers at once: one wins.
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::with_capacity(RACERS);
    for _ in 0..RACERS {
        let (store, key, barrier) = (Arc::clone(store), key.clone(), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            match store.leases() {
                Some(leases) => leases.try_acquire_lease(&key, ttl).await,
                None => Ok(None),
            }
        }));
    }
    let mut won = Vec::new();
    for task in tasks {
        let got = task
            .await
            .map_err(|e| CheckFailure::new(format!("taker panicked: {e}")))?
            .map_err(store_err("racing try_acquire_lease"))?;
        won.extend(got);
    }
    ensure!(
        won.len() == 1,
        "{} of {RACERS} concurrent takers got the lease",
        won.len()
    );
    let holder = won.remove(0);
    ensure!(
        holder.holder != first.holder,
        "two leases share the holder id {:?}",
        holder.holder
    );
    // The earlier holder's release must not free the current holder's lease.
    leases
        .release_lease(&first)
        .await
        .map_err(store_err("release_lease of a stale lease"))?;
    let stolen = leases
        .try_acquire_lease(&key, ttl)
        .await
        .map_err(store_err("try_acquire_lease"))?;
    ensure!(
        stolen.is_none(),
        "releasing a stale lease freed the current holder's lease"
    );
    leases
        .release_lease(&holder)
        .await
        .map_err(store_err("release_lease"))?;
    Ok(Outcome::Passed)
}

/// A lease nobody releases lapses after its ttl, and the lapsed holder's late release does not
/// free the next holder's lease.
pub async fn lease_expiry(store: &Arc<dyn TokenStore>) -> CheckResult {
    let Some(leases) = store.leases() else {
        return Ok(Outcome::Skipped("the store does not support leases".into()));
    };
    let key = key(&unique_prefix("lease-expiry"), "t");
    let short = leases
        .try_acquire_lease(&key, Duration::from_millis(200))
        .await
        .map_err(store_err("try_acquire_lease"))?
        .ok_or_else(|| CheckFailure::new("a free key could not be leased"))?;
    let during = leases
        .try_acquire_lease(&key, Duration::from_secs(30))
        .await
        .map_err(store_err("try_acquire_lease"))?;
    ensure!(during.is_none(), "a 200 ms lease was free at once");
    tokio::time::sleep(Duration::from_millis(450)).await;
    let next = leases
        .try_acquire_lease(&key, Duration::from_secs(30))
        .await
        .map_err(store_err("try_acquire_lease"))?
        .ok_or_else(|| CheckFailure::new("a lapsed lease was not handed out again"))?;
    leases
        .release_lease(&short)
        .await
        .map_err(store_err("release_lease of a lapsed lease"))?;
    let stolen = leases
        .try_acquire_lease(&key, Duration::from_secs(30))
        .await
        .map_err(store_err("try_acquire_lease"))?;
    ensure!(
        stolen.is_none(),
        "the lapsed holder's release freed the next holder's lease"
    );
    leases
        .release_lease(&next)
        .await
        .map_err(store_err("release_lease"))?;
    Ok(Outcome::Passed)
}

/// Two store instances on one backend see each other's saves, versions, deletes and leases.
pub async fn two_instances_share_state(
    a: &Arc<dyn TokenStore>,
    b: &Arc<dyn TokenStore>,
) -> CheckResult {
    let key = key(&unique_prefix("two-instances"), "t");
    a.save(&key, &TokenRecord::new("from-a"), SaveCondition::Absent)
        .await
        .map_err(store_err("save on a"))?;
    let seen = b.get(&key).await.map_err(store_err("get on b"))?;
    ensure!(
        seen.as_ref()
            .is_some_and(|r| r.access_token.expose_secret() == "from-a" && r.version == 1),
        "instance b does not see instance a's save"
    );
    let by_b = b
        .save(&key, &TokenRecord::new("from-b"), SaveCondition::Version(1))
        .await
        .map_err(store_err("save on b"))?;
    ensure!(
        by_b == SaveOutcome::Saved { version: 2 },
        "b could not save on a's version: {by_b:?}"
    );
    let stale = a
        .save(
            &key,
            &TokenRecord::new("stale-a"),
            SaveCondition::Version(1),
        )
        .await
        .map_err(store_err("save on a"))?;
    ensure!(
        stale == SaveOutcome::Conflict,
        "a overwrote b's newer record: {stale:?}"
    );
    let seen = a.get(&key).await.map_err(store_err("get on a"))?;
    ensure!(
        seen.as_ref()
            .is_some_and(|r| r.access_token.expose_secret() == "from-b" && r.version == 2),
        "instance a does not see instance b's save"
    );
    if let (Some(a), Some(b)) = (a.leases(), b.leases()) {
        let lease = a
            .try_acquire_lease(&key, Duration::from_secs(30))
            .await
            .map_err(store_err("lease on a"))?
            .ok_or_else(|| CheckFailure::new("a could not take a free lease"))?;
        let other = b
            .try_acquire_lease(&key, Duration::from_secs(30))
            .await
            .map_err(store_err("lease on b"))?;
        ensure!(other.is_none(), "b took the lease a holds");
        a.release_lease(&lease)
            .await
            .map_err(store_err("release on a"))?;
        let after = b
            .try_acquire_lease(&key, Duration::from_secs(30))
            .await
            .map_err(store_err("lease on b"))?
            .ok_or_else(|| CheckFailure::new("b cannot take the lease a released"))?;
        b.release_lease(&after)
            .await
            .map_err(store_err("release on b"))?;
    }
    b.delete(&key).await.map_err(store_err("delete on b"))?;
    ensure!(
        a.get(&key).await.map_err(store_err("get on a"))?.is_none(),
        "instance a still sees a record b deleted"
    );
    Ok(Outcome::Passed)
}
