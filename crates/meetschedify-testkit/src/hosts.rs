//! The host-ledger suite: every promise of [`HostLedger`] (what a transaction reads, what it
//! writes, and that it is isolated and atomic), so a host pool over the ledger never gives one
//! slot twice.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use meetschedify_core::hosts::{
    Booking, HostLedger, LedgerChanges, LedgerQuery, LedgerView, UtcDay,
};
use meetschedify_core::jiff::{SignedDuration, Timestamp};
use tokio::sync::Barrier;

use crate::concurrent::RACERS;
use crate::outcome::{CheckFailure, CheckResult, Outcome, Report};
use crate::support::{ensure, store_err, unique_prefix};

/// The names of the checks [`run_host_ledger_conformance`] runs, in order.
pub const HOST_LEDGER_CHECKS: &[&str] = &[
    "window_reads_overlaps_only",
    "window_reads_listed_hosts_only",
    "reads_by_meeting_and_booking_id",
    "each_booking_is_read_once",
    "counts_are_per_day_and_host",
    "charge_adds_and_raise_never_lowers",
    "put_replaces_by_id",
    "remove_ignores_unknown_ids",
    "pools_are_separate",
    "changes_are_all_or_nothing",
    "the_last_decide_wins",
    "transactions_are_isolated",
];

/// 09:00 UTC on a day far enough ahead that no ledger forgets the checks' bookings (a ledger
/// may forget those that ended over a day ago), at whole milliseconds (a ledger may keep
/// times to the millisecond).
/// Fixed once per process, so a run that crosses midnight keeps its times.
pub(crate) fn base() -> Timestamp {
    static BASE: OnceLock<Timestamp> = OnceLock::new();
    *BASE.get_or_init(|| {
        let day = Timestamp::now().as_second().div_euclid(86_400) + 400;
        Timestamp::from_second(day * 86_400 + 9 * 3_600).unwrap_or(Timestamp::UNIX_EPOCH)
    })
}

/// `base() + minutes`.
fn at(minutes: i64) -> Timestamp {
    base()
        .checked_add(SignedDuration::from_mins(minutes))
        .unwrap_or(Timestamp::MAX)
}

/// A confirmed booking of meeting `id` from `from` to `to` minutes after [`base`].
fn booking(id: &str, host: &str, from: i64, to: i64) -> Booking {
    Booking {
        id: id.to_owned(),
        host: host.to_owned(),
        start: at(from),
        end: at(to),
        meeting_id: Some(format!("meeting-{id}")),
        pending_until: None,
        booked_at: at(-600),
    }
}

/// A query of `pool` naming nothing, on the day of [`base`].
pub(crate) fn query(pool: &str) -> LedgerQuery {
    LedgerQuery {
        pool: pool.to_owned(),
        hosts: Vec::new(),
        window: None,
        day: UtcDay::of(base()),
        meeting_ids: Vec::new(),
        booking_ids: Vec::new(),
    }
}

fn hosts(names: &[&str]) -> Vec<String> {
    names.iter().map(|h| (*h).to_owned()).collect()
}

/// What `query` reads, writing nothing.
pub(crate) async fn read(
    ledger: &Arc<dyn HostLedger>,
    query: &LedgerQuery,
) -> Result<LedgerView, CheckFailure> {
    let mut view = LedgerView::default();
    ledger
        .transact(query, &mut |v: &LedgerView| {
            view = v.clone();
            LedgerChanges::default()
        })
        .await
        .map_err(store_err("transact (read)"))?;
    Ok(view)
}

/// Applies `changes` in `pool` (counts on the day of [`base`]).
async fn write(
    ledger: &Arc<dyn HostLedger>,
    pool: &str,
    changes: LedgerChanges,
) -> Result<(), CheckFailure> {
    ledger
        .transact(&query(pool), &mut |_: &LedgerView| changes.clone())
        .await
        .map_err(store_err("transact (write)"))
}

async fn put(ledger: &Arc<dyn HostLedger>, pool: &str, bookings: Vec<Booking>) -> CheckResult {
    write(
        ledger,
        pool,
        LedgerChanges {
            put: bookings,
            ..Default::default()
        },
    )
    .await
    .map(|()| Outcome::Passed)
}

/// The ids read, sorted.
fn ids(view: &LedgerView) -> Vec<String> {
    let mut ids: Vec<String> = view.bookings.iter().map(|b| b.id.clone()).collect();
    ids.sort();
    ids
}

fn window_query(pool: &str, hosts_: &[&str], from: i64, to: i64) -> LedgerQuery {
    LedgerQuery {
        hosts: hosts(hosts_),
        window: Some((at(from), at(to))),
        ..query(pool)
    }
}

/// A window read returns the listed hosts' bookings overlapping `[from, to)`: one that ends
/// when the window starts, or starts when it ends, does not overlap; a long booking that started
/// well before the window does; a lapsed reservation is read too. Without a window, nothing is
/// read by time.
pub async fn window_reads_overlaps_only(ledger: &Arc<dyn HostLedger>) -> CheckResult {
    let pool = unique_prefix("window");
    let mut lapsed = booking("lapsed", "h1", 95, 100);
    lapsed.meeting_id = None;
    lapsed.pending_until = Some(at(-1_000));
    put(
        ledger,
        &pool,
        vec![
            booking("ends-at-from", "h1", 60, 90),
            booking("inside", "h1", 90, 120),
            booking("long", "h1", -600, 600),
            booking("starts-at-to", "h1", 105, 150),
            booking("before", "h1", 0, 30),
            booking("after", "h1", 200, 230),
            lapsed,
        ],
    )
    .await?;
    let view = read(ledger, &window_query(&pool, &["h1"], 90, 105)).await?;
    ensure!(
        ids(&view) == ["inside", "lapsed", "long"],
        "window [90, 105) read {:?}",
        ids(&view)
    );
    let lapsed = view.bookings.iter().find(|b| b.id == "lapsed");
    ensure!(
        lapsed.is_some_and(|b| b.pending_until == Some(at(-1_000)) && b.meeting_id.is_none()),
        "the lapsed reservation came back as {lapsed:?}"
    );
    let inside = view.bookings.iter().find(|b| b.id == "inside");
    ensure!(
        inside == Some(&booking("inside", "h1", 90, 120)),
        "a booking came back changed: {inside:?}"
    );
    let none = read(
        ledger,
        &LedgerQuery {
            hosts: hosts(&["h1"]),
            ..query(&pool)
        },
    )
    .await?;
    ensure!(
        none.bookings.is_empty(),
        "a query without a window read {:?}",
        ids(&none)
    );
    Ok(Outcome::Passed)
}

/// A window read returns only the bookings of the hosts listed (none when none are).
pub async fn window_reads_listed_hosts_only(ledger: &Arc<dyn HostLedger>) -> CheckResult {
    let pool = unique_prefix("hosts");
    put(
        ledger,
        &pool,
        vec![
            booking("a1", "alice@x.example", 0, 60),
            booking("b1", "bob@x.example", 0, 60),
            booking("c1", "carol@x.example", 0, 60),
        ],
    )
    .await?;
    let two = read(
        ledger,
        &window_query(&pool, &["alice@x.example", "carol@x.example"], 0, 60),
    )
    .await?;
    ensure!(ids(&two) == ["a1", "c1"], "read {:?}", ids(&two));
    let none = read(ledger, &window_query(&pool, &[], 0, 60)).await?;
    ensure!(
        none.bookings.is_empty(),
        "no hosts listed, yet read {:?}",
        ids(&none)
    );
    let other = read(ledger, &window_query(&pool, &["dave@x.example"], 0, 60)).await?;
    ensure!(other.bookings.is_empty(), "read {:?}", ids(&other));
    Ok(Outcome::Passed)
}

/// Bookings named by meeting id or by booking id are read on any host, whatever the window;
/// unknown ids read nothing.
pub async fn reads_by_meeting_and_booking_id(ledger: &Arc<dyn HostLedger>) -> CheckResult {
    let pool = unique_prefix("ids");
    put(
        ledger,
        &pool,
        vec![
            booking("m1", "h9", 0, 60),
            booking("m2", "h9", 600, 660),
            booking("k1", "h8", 1_000, 1_060),
            booking("k2", "h8", 2_000, 2_060),
        ],
    )
    .await?;
    let view = read(
        ledger,
        &LedgerQuery {
            hosts: hosts(&["h1"]),
            window: Some((at(0), at(60))),
            meeting_ids: vec!["meeting-m1".into(), "meeting-unknown".into()],
            booking_ids: vec!["k2".into(), "unknown".into()],
            ..query(&pool)
        },
    )
    .await?;
    ensure!(ids(&view) == ["k2", "m1"], "read {:?}", ids(&view));
    Ok(Outcome::Passed)
}

/// A booking named three ways (by window, meeting id and booking id) is read once.
pub async fn each_booking_is_read_once(ledger: &Arc<dyn HostLedger>) -> CheckResult {
    let pool = unique_prefix("once");
    put(
        ledger,
        &pool,
        vec![booking("x", "h1", 0, 60), booking("y", "h1", 30, 90)],
    )
    .await?;
    let view = read(
        ledger,
        &LedgerQuery {
            meeting_ids: vec!["meeting-x".into(), "meeting-y".into()],
            booking_ids: vec!["x".into(), "x".into()],
            ..window_query(&pool, &["h1", "h1"], 0, 60)
        },
    )
    .await?;
    ensure!(ids(&view) == ["x", "y"], "read {:?}", ids(&view));
    Ok(Outcome::Passed)
}

/// Counts are kept per host and per day: a query reads its day's counts of its hosts, and a
/// host with none reads as 0.
pub async fn counts_are_per_day_and_host(ledger: &Arc<dyn HostLedger>) -> CheckResult {
    let pool = unique_prefix("counts");
    let charge = |charges: Vec<(&str, u32)>| LedgerChanges {
        charge: charges
            .into_iter()
            .map(|(h, n)| (h.to_owned(), n))
            .collect(),
        ..Default::default()
    };
    write(ledger, &pool, charge(vec![("h1", 2), ("h2", 1)])).await?;
    let tomorrow = UtcDay::from_number(UtcDay::of(base()).number() + 1);
    let next_day = LedgerQuery {
        day: tomorrow,
        ..query(&pool)
    };
    let changes = charge(vec![("h1", 5)]);
    ledger
        .transact(&next_day, &mut |_: &LedgerView| changes.clone())
        .await
        .map_err(store_err("transact (charge tomorrow)"))?;
    let today = read(
        ledger,
        &LedgerQuery {
            hosts: hosts(&["h1", "h2", "h3"]),
            ..query(&pool)
        },
    )
    .await?;
    let got = |v: &LedgerView| [v.used_by("h1"), v.used_by("h2"), v.used_by("h3")];
    ensure!(got(&today) == [2, 1, 0], "today's counts {:?}", today.used);
    let view = read(
        ledger,
        &LedgerQuery {
            hosts: hosts(&["h1", "h2", "h3"]),
            ..next_day
        },
    )
    .await?;
    ensure!(got(&view) == [5, 0, 0], "tomorrow's counts {:?}", view.used);
    Ok(Outcome::Passed)
}

/// `charge` adds to a count; `raise_used` raises a count to its figure and never lowers it.
pub async fn charge_adds_and_raise_never_lowers(ledger: &Arc<dyn HostLedger>) -> CheckResult {
    let pool = unique_prefix("raise");
    let steps: [(&str, u32, u32); 5] = [
        ("charge", 3, 3),
        ("charge", 2, 5),
        ("raise", 4, 5),
        ("raise", 9, 9),
        ("charge", 1, 10),
    ];
    for (kind, n, expected) in steps {
        let entry = vec![("h1".to_owned(), n)];
        let changes = if kind == "charge" {
            LedgerChanges {
                charge: entry,
                ..Default::default()
            }
        } else {
            LedgerChanges {
                raise_used: entry,
                ..Default::default()
            }
        };
        write(ledger, &pool, changes).await?;
        let view = read(
            ledger,
            &LedgerQuery {
                hosts: hosts(&["h1"]),
                ..query(&pool)
            },
        )
        .await?;
        ensure!(
            view.used_by("h1") == expected,
            "after {kind} {n} the count is {}, not {expected}",
            view.used_by("h1")
        );
    }
    write(
        ledger,
        &pool,
        LedgerChanges {
            raise_used: vec![("h2".into(), 7)],
            ..Default::default()
        },
    )
    .await?;
    let view = read(
        ledger,
        &LedgerQuery {
            hosts: hosts(&["h2"]),
            ..query(&pool)
        },
    )
    .await?;
    ensure!(
        view.used_by("h2") == 7,
        "raising a host with no count gave {}",
        view.used_by("h2")
    );
    Ok(Outcome::Passed)
}

/// A put with a known id replaces the whole booking: it is no longer read at its old host,
/// time or meeting id, and reads back exactly as put at the new ones.
pub async fn put_replaces_by_id(ledger: &Arc<dyn HostLedger>) -> CheckResult {
    let pool = unique_prefix("replace");
    let mut first = booking("x", "h1", 0, 30);
    first.meeting_id = Some("old-meeting".into());
    first.pending_until = Some(at(10));
    put(ledger, &pool, vec![first]).await?;
    let second = Booking {
        meeting_id: Some("new-meeting".into()),
        ..booking("x", "h2", 300, 400)
    };
    put(ledger, &pool, vec![second.clone()]).await?;
    let old = read(
        ledger,
        &LedgerQuery {
            meeting_ids: vec!["old-meeting".into()],
            ..window_query(&pool, &["h1"], 0, 30)
        },
    )
    .await?;
    ensure!(
        old.bookings.is_empty(),
        "the replaced booking is still read at its old host, time or meeting: {:?}",
        old.bookings
    );
    let new = read(ledger, &window_query(&pool, &["h2"], 350, 360)).await?;
    ensure!(
        new.bookings == [second.clone()],
        "read {:?} instead of {second:?}",
        new.bookings
    );
    // Dropping the meeting id (a booking back to a reservation) drops it from that index too.
    let third = Booking {
        meeting_id: None,
        pending_until: Some(at(20)),
        ..second
    };
    put(ledger, &pool, vec![third.clone()]).await?;
    let by_meeting = read(
        ledger,
        &LedgerQuery {
            meeting_ids: vec!["new-meeting".into()],
            ..query(&pool)
        },
    )
    .await?;
    ensure!(
        by_meeting.bookings.is_empty(),
        "a booking is still read by a meeting id it no longer has: {:?}",
        by_meeting.bookings
    );
    let by_id = read(
        ledger,
        &LedgerQuery {
            booking_ids: vec!["x".into()],
            ..query(&pool)
        },
    )
    .await?;
    ensure!(by_id.bookings == [third], "read {:?}", by_id.bookings);
    Ok(Outcome::Passed)
}

/// `remove` deletes by id (the booking is read no way after) and ignores unknown ids.
pub async fn remove_ignores_unknown_ids(ledger: &Arc<dyn HostLedger>) -> CheckResult {
    let pool = unique_prefix("remove");
    put(
        ledger,
        &pool,
        vec![booking("x", "h1", 0, 30), booking("y", "h1", 0, 30)],
    )
    .await?;
    write(
        ledger,
        &pool,
        LedgerChanges {
            remove: vec!["x".into(), "never-booked".into()],
            ..Default::default()
        },
    )
    .await?;
    let view = read(
        ledger,
        &LedgerQuery {
            meeting_ids: vec!["meeting-x".into()],
            booking_ids: vec!["x".into()],
            ..window_query(&pool, &["h1"], 0, 30)
        },
    )
    .await?;
    ensure!(
        ids(&view) == ["y"],
        "after removing x, read {:?}",
        ids(&view)
    );
    Ok(Outcome::Passed)
}

/// Pools are separate namespaces: the same booking id, host and meeting id in two pools are
/// two bookings, and counts, puts and removes in one never show in the other.
pub async fn pools_are_separate(ledger: &Arc<dyn HostLedger>) -> CheckResult {
    let (a, b) = (unique_prefix("pool-a"), unique_prefix("pool-b"));
    put(ledger, &a, vec![booking("x", "h1", 0, 30)]).await?;
    put(ledger, &b, vec![booking("x", "h1", 100, 130)]).await?;
    write(
        ledger,
        &a,
        LedgerChanges {
            charge: vec![("h1".into(), 4)],
            remove: vec!["gone".into()],
            ..Default::default()
        },
    )
    .await?;
    write(
        ledger,
        &b,
        LedgerChanges {
            remove: vec!["x".into()],
            ..Default::default()
        },
    )
    .await?;
    let named = |pool: &str| LedgerQuery {
        meeting_ids: vec!["meeting-x".into()],
        booking_ids: vec!["x".into()],
        ..window_query(pool, &["h1"], 0, 200)
    };
    let in_a = read(ledger, &named(&a)).await?;
    ensure!(
        in_a.bookings == [booking("x", "h1", 0, 30)] && in_a.used_by("h1") == 4,
        "pool a read {:?} and count {}",
        in_a.bookings,
        in_a.used_by("h1")
    );
    let in_b = read(ledger, &named(&b)).await?;
    ensure!(
        in_b.bookings.is_empty() && in_b.used_by("h1") == 0,
        "pool b read {:?} and count {}",
        in_b.bookings,
        in_b.used_by("h1")
    );
    Ok(Outcome::Passed)
}

/// A transaction's changes are seen whole or not at all: while one instance writes
/// transactions of two bookings and a charge of 2, readers on other instances always see as
/// many bookings as the count says. A transaction that returns no changes writes nothing.
pub async fn changes_are_all_or_nothing(ledgers: &[Arc<dyn HostLedger>]) -> CheckResult {
    const WRITES: usize = 20;
    let pool = unique_prefix("atomic");
    let reader_query = LedgerQuery {
        hosts: hosts(&["h1"]),
        booking_ids: (0..WRITES)
            .flat_map(|i| [format!("g{i}-a"), format!("g{i}-b")])
            .collect(),
        ..query(&pool)
    };
    let done = Arc::new(AtomicBool::new(false));
    let writer = Arc::clone(&ledgers[0]);
    let (writer_pool, writer_done) = (pool.clone(), Arc::clone(&done));
    let writing = tokio::spawn(async move {
        for i in 0..WRITES {
            let changes = LedgerChanges {
                put: vec![
                    booking(&format!("g{i}-a"), "h1", 0, 30),
                    booking(&format!("g{i}-b"), "h2", 0, 30),
                ],
                charge: vec![("h1".into(), 2)],
                ..Default::default()
            };
            let written = write(&writer, &writer_pool, changes).await;
            if written.is_err() {
                writer_done.store(true, Ordering::Release);
            }
            written?;
        }
        writer_done.store(true, Ordering::Release);
        Ok::<(), CheckFailure>(())
    });
    let mut readers = Vec::new();
    for ledger in ledgers.iter().skip(1).chain(ledgers.first()) {
        let (ledger, q, done) = (Arc::clone(ledger), reader_query.clone(), Arc::clone(&done));
        readers.push(tokio::spawn(async move {
            // Reads until the writer is done, so every gap between its steps is looked into.
            while !done.load(Ordering::Acquire) {
                let view = read(&ledger, &q).await?;
                let (seen, used) = (view.bookings.len(), view.used_by("h1"));
                ensure!(
                    usize::try_from(used).is_ok_and(|u| u == seen),
                    "a reader saw {seen} bookings but a count of {used}: part of a transaction"
                );
                tokio::task::yield_now().await;
            }
            Ok(())
        }));
    }
    for task in readers.into_iter().chain([writing]) {
        task.await
            .map_err(|e| CheckFailure::new(format!("a task panicked: {e}")))??;
    }
    let final_view = read(&ledgers[0], &reader_query).await?;
    ensure!(
        final_view.bookings.len() == 2 * WRITES && final_view.used_by("h1") == 2 * WRITES as u32,
        "after every write: {} bookings, count {}",
        final_view.bookings.len(),
        final_view.used_by("h1")
    );
    Ok(Outcome::Passed)
}

/// When a ledger calls `decide` more than once, only the last call's changes are applied; the
/// number of calls is the ledger's business, so the check holds for one call too.
pub async fn the_last_decide_wins(ledger: &Arc<dyn HostLedger>) -> CheckResult {
    let pool = unique_prefix("last");
    let mut calls = 0u32;
    ledger
        .transact(&query(&pool), &mut |_: &LedgerView| {
            calls += 1;
            LedgerChanges {
                put: vec![booking(&format!("call-{calls}"), "h1", 0, 30)],
                charge: vec![("h1".into(), 1)],
                ..Default::default()
            }
        })
        .await
        .map_err(store_err("transact"))?;
    ensure!(calls >= 1, "decide was never called");
    let view = read(
        ledger,
        &LedgerQuery {
            hosts: hosts(&["h1"]),
            booking_ids: (1..=calls).map(|c| format!("call-{c}")).collect(),
            ..query(&pool)
        },
    )
    .await?;
    ensure!(
        ids(&view) == [format!("call-{calls}")] && view.used_by("h1") == 1,
        "after {calls} calls of decide the ledger holds {:?} and a count of {}",
        ids(&view),
        view.used_by("h1")
    );
    Ok(Outcome::Passed)
}

/// [`RACERS`] transactions spread over `ledgers` (separate instances on one backend) each
/// raise a count to one more than they read: isolated, none is lost. They also each add a
/// booking named by their view, and every name is different.
pub async fn transactions_are_isolated(ledgers: &[Arc<dyn HostLedger>]) -> CheckResult {
    let pool = unique_prefix("isolated");
    let barrier = Arc::new(Barrier::new(RACERS));
    let mut tasks = Vec::with_capacity(RACERS);
    for i in 0..RACERS {
        let ledger = Arc::clone(&ledgers[i % ledgers.len()]);
        let (barrier, q) = (
            Arc::clone(&barrier),
            LedgerQuery {
                hosts: hosts(&["counter"]),
                ..query(&pool)
            },
        );
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            ledger
                .transact(&q, &mut |view: &LedgerView| {
                    let next = view.used_by("counter") + 1;
                    LedgerChanges {
                        put: vec![booking(&format!("seen-{next}"), "h1", 0, 30)],
                        raise_used: vec![("counter".into(), next)],
                        ..Default::default()
                    }
                })
                .await
        }));
    }
    for task in tasks {
        task.await
            .map_err(|e| CheckFailure::new(format!("a racer panicked: {e}")))?
            .map_err(store_err("racing transact"))?;
    }
    let view = read(
        &ledgers[0],
        &LedgerQuery {
            hosts: hosts(&["counter", "h1"]),
            window: Some((at(0), at(30))),
            ..query(&pool)
        },
    )
    .await?;
    let names: BTreeSet<String> = view.bookings.iter().map(|b| b.id.clone()).collect();
    ensure!(
        view.used_by("counter") == RACERS as u32 && names.len() == RACERS,
        "{RACERS} isolated read-modify-writes left a count of {} and {} distinct views: \
         transactions interleaved",
        view.used_by("counter"),
        names.len()
    );
    Ok(Outcome::Passed)
}

/// Runs every host-ledger check against ledgers made by `new_ledger`.
///
/// `new_ledger` is called once for the single-instance checks and twice more for the
/// concurrent ones, which spread their transactions over three instances: each call must return
/// a *separate* instance (its own pool or connection) on the *same* backend, so isolation is
/// proved across instances, not only inside one. Every check uses its own random pool name, so
/// runs against a shared backend never collide; bookings lie a year or more ahead, which no
/// ledger may forget yet.
pub async fn run_host_ledger_conformance<F, Fut>(new_ledger: F) -> Report
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn HostLedger>>,
{
    let ledger = new_ledger().await;
    let mut report = Report {
        suite: HOST_LEDGER_CHECKS,
        ..Report::default()
    };
    report.record(
        "window_reads_overlaps_only",
        window_reads_overlaps_only(&ledger).await,
    );
    report.record(
        "window_reads_listed_hosts_only",
        window_reads_listed_hosts_only(&ledger).await,
    );
    report.record(
        "reads_by_meeting_and_booking_id",
        reads_by_meeting_and_booking_id(&ledger).await,
    );
    report.record(
        "each_booking_is_read_once",
        each_booking_is_read_once(&ledger).await,
    );
    report.record(
        "counts_are_per_day_and_host",
        counts_are_per_day_and_host(&ledger).await,
    );
    report.record(
        "charge_adds_and_raise_never_lowers",
        charge_adds_and_raise_never_lowers(&ledger).await,
    );
    report.record("put_replaces_by_id", put_replaces_by_id(&ledger).await);
    report.record(
        "remove_ignores_unknown_ids",
        remove_ignores_unknown_ids(&ledger).await,
    );
    report.record("pools_are_separate", pools_are_separate(&ledger).await);
    let ledgers = [ledger, new_ledger().await, new_ledger().await];
    report.record(
        "changes_are_all_or_nothing",
        changes_are_all_or_nothing(&ledgers).await,
    );
    report.record(
        "the_last_decide_wins",
        the_last_decide_wins(&ledgers[0]).await,
    );
    report.record(
        "transactions_are_isolated",
        transactions_are_isolated(&ledgers).await,
    );
    report
}
