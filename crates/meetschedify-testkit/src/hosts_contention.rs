//! The host-ledger contention check: many instances reserving overlapping slots at once
//! through [`HostPool`], then a count of what they booked against what the pool allows.

use std::future::Future;
use std::sync::Arc;

use meetschedify_core::hosts::{Booking, HostLedger, HostPool, LedgerQuery, PoolHost, UtcDay};
use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::ErrorCode;
use tokio::sync::Barrier;

use crate::hosts::{base, read};
use crate::outcome::{CheckFailure, CheckResult, Outcome};
use crate::support::{ensure, unique_prefix};

/// How hard [`run_host_ledger_contention`] pushes: issue 15 asks for 4 instances making 200
/// concurrent creates each (the [`Default`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contention {
    /// Separate ledger instances (each its own pool or connection), one `HostPool` over each.
    pub instances: usize,
    /// Concurrent reserves each instance makes per round.
    pub creates_per_instance: usize,
}

impl Default for Contention {
    fn default() -> Self {
        Self {
            instances: 4,
            creates_per_instance: 200,
        }
    }
}

/// One round: how many groups of overlapping slots, and the daily limit per host.
struct Round {
    name: &'static str,
    groups: usize,
    daily_limit: u32,
}

/// The pool's hosts: three that run one meeting at a time and two that run two (Zoom's Pro
/// and Business licences), so seven meetings fit at one instant.
fn hosts() -> Vec<PoolHost> {
    vec![
        PoolHost::new("solo-1@clinic.example"),
        PoolHost::new("solo-2@clinic.example"),
        PoolHost::new("solo-3@clinic.example"),
        PoolHost::new("duo-1@clinic.example").with_max_concurrent(2),
        PoolHost::new("duo-2@clinic.example").with_max_concurrent(2),
    ]
}

/// Request `i` of group `g`: starts 0 to 14 minutes into the group's hour and lasts 30 to 40
/// minutes, so the requests of a group differ yet all share the group's minutes 15 to 30
/// (pairwise overlapping intervals share an instant: a host holds at most its limit of them).
/// Groups are two hours apart, padding included, so they never interact.
fn slot(g: usize, i: usize) -> (Timestamp, Timestamp) {
    let minutes = |m: usize| SignedDuration::from_mins(i64::try_from(m).unwrap_or(0));
    let start = base()
        .checked_add(minutes(g * 120 + (i * 7) % 15))
        .unwrap_or(Timestamp::MAX);
    let end = start
        .checked_add(minutes(30 + (i % 3) * 5))
        .unwrap_or(Timestamp::MAX);
    (start, end)
}

/// The most bookings running at one instant; one ending when another starts do not overlap.
fn peak(bookings: &[&Booking]) -> u32 {
    let mut events: Vec<(Timestamp, i32)> = bookings
        .iter()
        .flat_map(|b| [(b.start, 1), (b.end, -1)])
        .collect();
    events.sort_unstable();
    let (mut running, mut most) = (0i32, 0i32);
    for (_, delta) in events {
        running += delta;
        most = most.max(running);
    }
    u32::try_from(most).unwrap_or(0)
}

/// Checks that instances sharing a backend never over-book a host, under contention.
///
/// `new_ledger` is called `contention.instances` times: each call must return a *separate*
/// instance on the *same* backend. Over each, a [`HostPool`] of five hosts (limits 1, 1, 1, 2,
/// 2) takes `creates_per_instance` concurrent reserves (each confirmed once it succeeds), in two
/// rounds:
/// - **overlap**: 4 groups of pairwise-overlapping slots, daily limit 100: exactly 4 x 7 = 28
///   reserves succeed (each group fills every host to its limit);
/// - **quota**: 12 groups, daily limit 3: exactly 5 x 3 = 15 succeed (while a host has quota
///   left, a request to a group where it has room succeeds, and most groups are such).
///
/// After each round a read of the ledger must show no host with more overlapping bookings than
/// its limit at any instant, no host counted over the daily limit, counts adding up to the
/// successes, one booking per success, and every failure `NO_HOST_AVAILABLE`.
pub async fn run_host_ledger_contention<F, Fut>(
    new_ledger: F,
    contention: Contention,
) -> CheckResult
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn HostLedger>>,
{
    let total = contention.instances * contention.creates_per_instance;
    ensure!(
        contention.instances >= 1 && total >= 48,
        "contention needs at least one instance and 48 creates in all, not {contention:?}"
    );
    let mut ledgers = Vec::with_capacity(contention.instances);
    for _ in 0..contention.instances {
        ledgers.push(new_ledger().await);
    }
    let rounds = [
        Round {
            name: "overlap",
            groups: 4,
            daily_limit: 100,
        },
        Round {
            name: "quota",
            groups: 12,
            daily_limit: 3,
        },
    ];
    for round in rounds {
        run_round(&ledgers, contention, &round)
            .await
            .map_err(|f| CheckFailure::new(format!("round {}: {}", round.name, f.message)))?;
    }
    Ok(Outcome::Passed)
}

async fn run_round(
    ledgers: &[Arc<dyn HostLedger>],
    contention: Contention,
    round: &Round,
) -> Result<(), CheckFailure> {
    let name = unique_prefix(&format!("contention-{}", round.name));
    // One "now" for the round, so a run crossing midnight UTC counts on one day.
    let now = Timestamp::now();
    let total = contention.instances * contention.creates_per_instance;
    let barrier = Arc::new(Barrier::new(total));
    let mut tasks = Vec::with_capacity(total);
    for (n, ledger) in ledgers.iter().enumerate() {
        let pool = HostPool::new(&name, hosts(), Arc::clone(ledger))
            .map_err(|e| CheckFailure::new(format!("pool: {e}")))?
            .with_padding(std::time::Duration::from_secs(300))
            .with_daily_limit(round.daily_limit);
        for k in 0..contention.creates_per_instance {
            let i = n * contention.creates_per_instance + k;
            let (pool, barrier) = (pool.clone(), Arc::clone(&barrier));
            let (start, end) = slot(i % round.groups, i / round.groups);
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let reservation = pool.reserve_at(start, end, &[], now).await?;
                pool.confirm(&reservation, &format!("meeting-{i}")).await?;
                Ok::<_, meetschedify_core::Error>(reservation)
            }));
        }
    }
    let mut succeeded = 0usize;
    for task in tasks {
        match task
            .await
            .map_err(|e| CheckFailure::new(format!("a create panicked: {e}")))?
        {
            Ok(_) => succeeded += 1,
            Err(e) if e.code() == ErrorCode::NoHostAvailable => {}
            Err(e) => return Err(CheckFailure::new(format!("a create failed: {e}"))),
        }
    }
    let limits = hosts();
    let seats: u32 = limits.iter().map(PoolHost::max_concurrent).sum();
    let expected = if round.daily_limit >= 100 {
        round.groups * seats as usize
    } else {
        limits.len() * round.daily_limit as usize
    };
    let (first, _) = slot(0, 0);
    let (last, _) = slot(round.groups, 0);
    let view = read(
        &ledgers[0],
        &LedgerQuery {
            pool: name.clone(),
            hosts: limits.iter().map(|h| h.id().to_owned()).collect(),
            window: Some((first, last)),
            day: UtcDay::of(now),
            meeting_ids: Vec::new(),
            booking_ids: Vec::new(),
        },
    )
    .await?;
    let mut used_total = 0u32;
    for host in &limits {
        let mine: Vec<&Booking> = view
            .bookings
            .iter()
            .filter(|b| b.host == host.id())
            .collect();
        let most = peak(&mine);
        ensure!(
            most <= host.max_concurrent(),
            "host {} runs {most} meetings at once (limit {})",
            host.id(),
            host.max_concurrent()
        );
        let used = view.used_by(host.id());
        ensure!(
            used <= round.daily_limit,
            "host {} counted {used} creates (daily limit {})",
            host.id(),
            round.daily_limit
        );
        used_total += used;
    }
    ensure!(
        succeeded == expected,
        "{succeeded} of {total} creates succeeded where exactly {expected} fit"
    );
    ensure!(
        view.bookings.len() == succeeded && used_total as usize == succeeded,
        "{succeeded} creates succeeded but the ledger holds {} bookings and counts {used_total}",
        view.bookings.len()
    );
    let unconfirmed = view
        .bookings
        .iter()
        .filter(|b| b.meeting_id.is_none())
        .count();
    ensure!(
        unconfirmed == 0,
        "{unconfirmed} confirmed reservations read back unconfirmed"
    );
    Ok(())
}
