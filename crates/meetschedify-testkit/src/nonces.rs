//! The nonce-store check: an OAuth state is used once, however many instances race for it.

use std::sync::Arc;
use std::time::Duration;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::NonceStore;
use tokio::sync::Barrier;

use crate::concurrent::RACERS;
use crate::outcome::{CheckFailure, CheckResult, Outcome};
use crate::support::{ensure, store_err, unique_prefix};

/// A nonce is consumed once (`true`), refused after (`false`), on the same instance and on
/// others; [`RACERS`] concurrent consumes of a fresh nonce spread over `stores` have exactly one
/// winner; another nonce is independent.
///
/// `stores` are separate instances on one backend (one is enough for a single-process store).
pub async fn nonces_are_single_use(stores: &[Arc<dyn NonceStore>]) -> CheckResult {
    let expires = Timestamp::now()
        .checked_add(Duration::from_secs(600))
        .map_err(|e| CheckFailure::new(format!("time: {e}")))?;
    let nonce = unique_prefix("nonce");
    let first = stores[0]
        .consume(&nonce, expires)
        .await
        .map_err(store_err("consume"))?;
    ensure!(first, "a fresh nonce was refused");
    for (i, store) in stores.iter().enumerate() {
        let again = store
            .consume(&nonce, expires)
            .await
            .map_err(store_err("second consume"))?;
        ensure!(!again, "instance {i} accepted a used nonce");
    }
    let other = stores[0]
        .consume(&unique_prefix("other"), expires)
        .await
        .map_err(store_err("other consume"))?;
    ensure!(other, "another nonce was refused");

    let raced = unique_prefix("raced");
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::with_capacity(RACERS);
    for i in 0..RACERS {
        let (store, raced, barrier) = (
            Arc::clone(&stores[i % stores.len()]),
            raced.clone(),
            Arc::clone(&barrier),
        );
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.consume(&raced, expires).await
        }));
    }
    let mut winners = 0;
    for task in tasks {
        let won = task
            .await
            .map_err(|e| CheckFailure::new(format!("racer panicked: {e}")))?
            .map_err(store_err("racing consume"))?;
        winners += usize::from(won);
    }
    ensure!(
        winners == 1,
        "{winners} of {RACERS} racers consumed one nonce"
    );
    Ok(Outcome::Passed)
}
